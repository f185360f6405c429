package calloutsv1

import "strconv"

// CredentialsBucket is the private NATS KV bucket (under the deployment's
// prefix) that holds each account's provider credentials, which never
// travel on the public event stream. The callouts service writes it; the
// telephony service dials with it and the gateway checks webhook signatures
// with it. Deployments restrict it to those three services.
const CredentialsBucket = "CREDENTIALS"

// Credentials are an account's provider credentials.
type Credentials struct {
	AccountID         int64   `json:"account_id"`
	TwilioAccountSID  *string `json:"twilio_account_sid"`
	TwilioAuthToken   *string `json:"twilio_auth_token"`
	SomlengAccountSID *string `json:"somleng_account_sid"`
	SomlengAuthToken  *string `json:"somleng_auth_token"`
	// SimulatorAccountSID and SimulatorAuthToken are what an account that
	// dials through the built-in simulator without credentials of its own
	// uses there; the token is random per account, so callbacks stay
	// verifiable.
	SimulatorAccountSID *string `json:"simulator_account_sid,omitempty"`
	SimulatorAuthToken  *string `json:"simulator_auth_token,omitempty"`
}

// AccountKey is the bucket key of an account's credentials.
func AccountKey(accountID int64) string { return "account." + strconv.FormatInt(accountID, 10) }

// SIDKey is the bucket key that maps a provider account SID to its account
// (value: the decimal account id). An entry may outlive a SID change, so a
// reader confirms the SID against the account's credentials.
func SIDKey(sid string) string { return "sid." + sid }

// TokenFor returns the auth token that signs callbacks for sid: the Twilio
// token for a Twilio SID (they start with "AC"), else the Somleng token, and
// whether sid is indeed one of the account's SIDs.
func (c Credentials) TokenFor(sid string) (string, bool) {
	if c.SimulatorAccountSID != nil && *c.SimulatorAccountSID == sid && c.SimulatorAuthToken != nil {
		return *c.SimulatorAuthToken, true
	}
	if len(sid) >= 2 && sid[:2] == "AC" {
		if c.TwilioAccountSID != nil && *c.TwilioAccountSID == sid && c.TwilioAuthToken != nil {
			return *c.TwilioAuthToken, true
		}
		return "", false
	}
	if c.SomlengAccountSID != nil && *c.SomlengAccountSID == sid && c.SomlengAuthToken != nil {
		return *c.SomlengAuthToken, true
	}
	return "", false
}

// SimulatorSID is the simulator account SID of an account without
// credentials of its own.
func SimulatorSID(accountID int64) string { return "ACsimulator" + strconv.FormatInt(accountID, 10) }

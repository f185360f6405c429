package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"

	"scfm/shared/contract/calloutsv1"
	"scfm/shared/filter"
	"scfm/telephony/internal/provider"
)

// settings are an account's dialling settings.
type settings struct {
	provider      string
	twilioBase    string
	somlengBase   string
	cps           float64
	maxConcurrent int
}

// loadSettings reads an account's settings from the known accounts.
func loadSettings(ctx context.Context, pool *pgxpool.Pool, account int64, cfg Config) (settings, error) {
	s := settings{cps: cfg.CallsPerSecond, maxConcurrent: cfg.MaxConcurrentCalls}
	var raw []byte
	err := pool.QueryRow(ctx, `SELECT coalesce((SELECT settings::text FROM known_accounts WHERE id = $1), '{}')`,
		account).
		Scan(&raw)
	if err != nil {
		return s, fmt.Errorf("read settings of account %d: %w", account, err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return s, err
	}
	s.provider = filter.Text(m["platform_provider_name"])
	s.twilioBase = filter.Text(m["twilio_api_base_url"])
	s.somlengBase = filter.Text(m["somleng_api_base_url"])
	if f, err := strconv.ParseFloat(strings.TrimSpace(filter.Text(m["calls_per_second"])), 64); err == nil &&
		f > 0 {
		s.cps = f
	}
	if n, err := strconv.Atoi(strings.TrimSpace(filter.Text(m["max_concurrent_calls"]))); err == nil &&
		n > 0 {
		s.maxConcurrent = n
	}
	return s, nil
}

// providerAccount returns where and as whom to dial for account; ok is
// false when the account has no usable provider.
func providerAccount(
	ctx context.Context,
	creds jetstream.KeyValue,
	account int64,
	s settings,
	cfg Config,
) (provider.Account, bool, error) {
	var c calloutsv1.Credentials
	e, err := creds.Get(ctx, calloutsv1.AccountKey(account))
	switch {
	case err == nil:
		if err := json.Unmarshal(e.Value(), &c); err != nil {
			return provider.Account{}, false, fmt.Errorf("read credentials of account %d: %w", account, err)
		}
	case err != jetstream.ErrKeyNotFound:
		return provider.Account{}, false, fmt.Errorf("get credentials of account %d: %w", account, err)
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	switch s.provider {
	case "twilio":
		return provider.Account{BaseURL: or(s.twilioBase, cfg.TwilioBaseURL), AccountURL: s.twilioBase != "",
			SID: str(c.TwilioAccountSID), Token: str(c.TwilioAuthToken)}, true, nil
	case "somleng":
		return provider.Account{
			BaseURL:    or(s.somlengBase, cfg.SomlengBaseURL),
			AccountURL: s.somlengBase != "",
			SID:        str(c.SomlengAccountSID),
			Token:      str(c.SomlengAuthToken),
		}, true, nil
	case "simulator":
		a := provider.Account{
			BaseURL: cfg.SimulatorURL,
			SID:     str(c.TwilioAccountSID),
			Token:   str(c.TwilioAuthToken),
		}
		if a.SID == "" {
			a.SID, a.Token = str(c.SimulatorAccountSID), str(c.SimulatorAuthToken)
		}
		if a.SID == "" {
			// The credentials bucket has not caught up with the setting
			// yet: try again shortly.
			return a, false, errCredentialsPending
		}
		return a, true, nil
	}
	return provider.Account{}, false, nil
}

// errCredentialsPending reports credentials not issued yet.
var errCredentialsPending = errors.New("simulator credentials not issued yet")

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

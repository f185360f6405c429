// Package provider talks to Twilio-compatible voice providers (Twilio,
// Somleng, the built-in simulator) through the official twilio-go client.
// The client knows only api.twilio.com and rejects account SIDs that are
// not alphanumeric (Somleng's are UUIDs), so every request goes through a
// transport that points it at the account's base URL and authenticates it
// itself.
package provider

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"
)

// Account is what a request to a provider needs.
type Account struct {
	// BaseURL is the provider's API root, e.g. https://api.twilio.com.
	BaseURL string
	// AccountURL tells that BaseURL comes from the account's own settings
	// rather than from the operator's configuration.
	AccountURL bool
	// SID and Token authenticate the request; SID also names the account
	// in request paths.
	SID, Token string
}

// transport sends twilio-go's requests to the account's base URL with its
// credentials.
type transport struct {
	base  *url.URL
	sid   string
	token string
	inner http.RoundTripper
}

func (t transport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = t.base.Scheme, t.base.Host
	if p := t.base.Path; p != "" && p != "/" {
		r.URL.Path = p + r.URL.Path
	}
	r.Host = t.base.Host
	r.SetBasicAuth(t.sid, t.token)
	return t.inner.RoundTrip(r)
}

// Client returns a twilio-go API service for account. timeout bounds each
// request; inner is the transport to use (nil for a shared default).
func Client(a Account, timeout time.Duration, inner http.RoundTripper) (*api.ApiService, error) {
	base, err := url.Parse(a.BaseURL)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("provider base url %q is not an absolute URL", a.BaseURL)
	}
	if inner == nil {
		inner = http.DefaultTransport
	}
	c := &client.Client{
		// Empty credentials pass twilio-go's character check and skip its
		// own authentication; the transport authenticates instead.
		Credentials: client.NewCredentials("", ""),
		HTTPClient: &http.Client{
			Timeout:       timeout,
			Transport:     transport{base: base, sid: a.SID, token: a.Token, inner: inner},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	c.SetAccountSid(a.SID)
	return api.NewApiServiceWithClient(c), nil
}

// Outcome classifies a failed provider request.
type Outcome int

// Failure classes.
const (
	// Refused means the provider answered and refused (4xx other than 429):
	// the call will not be made.
	Refused Outcome = iota + 1
	// Retry means the provider is throttling (429): nothing was created,
	// the same attempt can be repeated.
	Retry
	// Failed means the provider failed (5xx) while it had the request: the
	// call may exist, so look before repeating the attempt.
	Failed
	// Unknown means no clear answer came (timeout, broken connection,
	// undecodable body): the call may or may not exist.
	Unknown
)

// Classify says what a provider error means for the call.
func Classify(err error) Outcome {
	var rest *client.TwilioRestError
	if errors.As(err, &rest) {
		switch {
		case rest.Status == http.StatusTooManyRequests:
			return Retry
		case rest.Status >= 500:
			return Failed
		default:
			return Refused
		}
	}
	var netErr net.Error
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return Retry // nothing reached the provider
	}
	if errors.As(err, &netErr) {
		return Unknown
	}
	return Unknown
}

// NotFound reports whether the provider answered that it has no such
// resource (404).
func NotFound(err error) bool {
	var rest *client.TwilioRestError
	return errors.As(err, &rest) && rest.Status == http.StatusNotFound
}

// Message is the provider's message of a refused request, if any.
func Message(err error) string {
	var rest *client.TwilioRestError
	if errors.As(err, &rest) {
		return rest.Message
	}
	return ""
}

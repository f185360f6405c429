package simulator

import (
	"context"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // the webhook signature scheme is HMAC-SHA1
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	// callbackRetries is how often a failed callback is tried again.
	callbackRetries = 3
	// callbackBackoff is the wait before the first retry, doubled for each
	// further one and scaled by Config.TimeScale.
	callbackBackoff = 100 * time.Millisecond
	// callbackTimeout bounds one callback attempt.
	callbackTimeout = 10 * time.Second
	signatureHeader = "X-Twilio-Signature"
)

// callParams are the form fields every request about c carries.
func callParams(c call, status string) url.Values {
	return url.Values{
		"AccountSid": {c.accountSid},
		"ApiVersion": {apiVersion},
		"CallSid":    {c.sid},
		"CallStatus": {status},
		"Called":     {c.to},
		"Caller":     {c.from},
		"Direction":  {direction},
		"From":       {c.from},
		"To":         {c.to},
	}
}

// sendStatus sends st's status callback, the seq-th sent for the call.
func (s *Server) sendStatus(c call, st step, h hooks, seq int) {
	p := callParams(c, st.callStatus())
	p.Set("CallbackSource", "call-progress-events")
	p.Set("SequenceNumber", strconv.Itoa(seq))
	p.Set("Timestamp", rfc2822(c.updated))
	if st.status == StatusCompleted {
		p.Set("CallDuration", strconv.Itoa(c.duration))
	}
	idem := c.sid + "-" + strconv.Itoa(seq)
	err := s.deliver(h.statusURL, h.statusMethod, p, h.token, idem)
	switch {
	case err != nil && s.ctx.Err() != nil:
		return // closing: not the receiver's fault
	case err != nil:
		s.counters.callbacksFailed.Add(1)
		s.log.Warn("status callback failed",
			"call_sid", c.sid, "call_status", st.callStatus(), "err", err)
	default:
		s.counters.callbacksSent.Add(1)
	}
}

// requestVoice requests c's voice URL on answer and discards the TwiML.
func (s *Server) requestVoice(c call, h hooks) {
	p := callParams(c, statusInProgress)
	err := s.deliver(h.voiceURL, h.voiceMethod, p, h.token, c.sid+"-voice")
	switch {
	case err != nil && s.ctx.Err() != nil:
		return // closing: not the receiver's fault
	case err != nil:
		s.counters.voiceFailures.Add(1)
		s.log.Warn("voice url request failed", "call_sid", c.sid, "err", err)
	default:
		s.counters.voiceRequests.Add(1)
	}
}

// deliver sends a signed request, retrying on network errors and 5xx.
func (s *Server) deliver(target, method string, p url.Values, token, idem string) error {
	var err error
	for attempt := range callbackRetries + 1 {
		if attempt > 0 && !s.sleep(s.scale(callbackBackoff<<(attempt-1))) {
			return fmt.Errorf("give up after %d attempts: %w", attempt, err)
		}
		var retry bool
		retry, err = s.send(target, method, p, token, idem)
		if err == nil {
			return nil
		}
		if !retry {
			return err
		}
	}
	return fmt.Errorf("give up after %d attempts: %w", callbackRetries+1, err)
}

// send makes one attempt and says whether a failure is worth retrying.
func (s *Server) send(target, method string, p url.Values, token, idem string) (bool, error) {
	ctx, cancel := context.WithTimeout(s.ctx, callbackTimeout)
	defer cancel()
	req, err := signedRequest(ctx, target, method, p, token)
	if err != nil {
		return false, err
	}
	req.Header.Set("I-Twilio-Idempotency-Token", idem)
	req.Header.Set("User-Agent", "scfm-simulator/1")

	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return s.ctx.Err() == nil, fmt.Errorf("send %s: %w", method, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 400 {
		return resp.StatusCode >= 500, fmt.Errorf("receiver answered %d", resp.StatusCode)
	}
	return false, nil
}

// signedRequest builds the request a provider makes to an application: the
// fields go in the query for GET and in a form body otherwise, and the
// X-Twilio-Signature header signs the full URL plus the body fields.
func signedRequest(
	ctx context.Context, target, method string, p url.Values, token string,
) (*http.Request, error) {
	if method == http.MethodGet {
		u, err := url.Parse(target)
		if err != nil {
			return nil, fmt.Errorf("parse callback url: %w", err)
		}
		q := u.Query()
		for k, vs := range p {
			q[k] = append(q[k], vs...)
		}
		u.RawQuery = q.Encode()
		req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
		if err != nil {
			return nil, fmt.Errorf("build callback request: %w", err)
		}
		req.Header.Set(signatureHeader, sign(token, u.String(), nil))
		return req, nil
	}

	body := p.Encode()
	req, err := http.NewRequestWithContext(ctx, method, target, strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build callback request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(signatureHeader, sign(token, target, p))
	return req, nil
}

// sign returns Base64(HMAC-SHA1(token, fullURL followed by each field's name
// and value, fields sorted by name)).
func sign(token, fullURL string, p url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range slices.Sorted(maps.Keys(p)) {
		for _, v := range p[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

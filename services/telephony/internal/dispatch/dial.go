package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	tel "scfm/shared/contract/telephonyv1"
	"scfm/telephony/internal/command"
	"scfm/telephony/internal/provider"
)

// maxRetry bounds how long a throttled or failing provider is retried for
// one attempt before the call is left for reconciliation.
const maxRetry = 2 * time.Minute

// target is what dialling a call needs.
type target struct {
	msisdn string
	params map[string]any
	since  time.Time // when it became dispatching
}

func (d *Dispatcher) loadTarget(ctx context.Context, id int64) (target, error) {
	var t target
	var raw []byte
	err := d.pool.QueryRow(ctx, `SELECT msisdn, remote_request_params::text, updated_at FROM phone_calls WHERE id = $1`,
		id).
		Scan(&t.msisdn, &raw, &t.since)
	if err != nil {
		return t, fmt.Errorf("load phone call %d: %w", id, err)
	}
	return t, json.Unmarshal(raw, &t.params)
}

// accountClient is an account's provider API, resolved once for all the
// calls of the account that one dispatch cycle dials.
type accountClient struct {
	svc *api.ApiService
	pa  provider.Account
	err error
}

// clientFor resolves account's provider API.
func (d *Dispatcher) clientFor(ctx context.Context, account int64) accountClient {
	svc, pa, err := d.client(ctx, account)
	return accountClient{svc: svc, pa: pa, err: err}
}

// dial asks the provider to place call id and records its answer. A
// throttled or failing provider is retried with backoff on the same
// attempt; an unclear outcome leaves the call dispatching for reconcile.
func (d *Dispatcher) dial(ctx context.Context, id int64, ac accountClient) error {
	t, err := d.loadTarget(ctx, id)
	if err != nil {
		return err
	}
	if ac.err == errNoProvider {
		return d.refused(ctx, id, ac.err.Error())
	}
	if ac.err != nil {
		return ac.err
	}
	svc, pa := ac.svc, ac.pa

	params := provider.CreateParams(pa.SID, t.msisdn, t.params)
	d.defaultCallbacks(params, id)
	backoff, deadline := 200*time.Millisecond, time.Now().Add(maxRetry)
	for {
		call, err := svc.CreateCall(params)
		if err == nil {
			return d.accepted(ctx, id, call)
		}
		switch provider.Classify(err) {
		case provider.Refused:
			return d.refused(ctx, id, provider.Message(err))
		case provider.Failed:
			// The provider failed while it had the request: it may have
			// made the call. Look before asking again.
			pause(ctx, backoff)
			if call, found, lerr := d.findAtProvider(ctx, svc, pa, id, t); lerr == nil && found {
				return d.accepted(ctx, id, call)
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("provider kept failing: %w", err)
			}
			backoff = min(backoff*2, 5*time.Second)
		case provider.Retry:
			if time.Now().After(deadline) {
				return fmt.Errorf("provider kept refusing to take the call: %w", err)
			}
			d.log.Warn("provider throttling or failing; retrying the same attempt",
				"phone_call_id", id, "err", err, "backoff", backoff)
			pause(ctx, backoff)
			backoff = min(backoff*2, 5*time.Second)
		default:
			return fmt.Errorf("provider outcome unknown: %w", err)
		}
	}
}

// client returns the provider API for account.
func (d *Dispatcher) client(ctx context.Context, account int64) (*api.ApiService, provider.Account, error) {
	s, err := loadSettings(ctx, d.pool, account, d.cfg)
	if err != nil {
		return nil, provider.Account{}, err
	}
	pa, ok, err := providerAccount(ctx, d.creds, account, s, d.cfg)
	if err != nil {
		return nil, pa, err
	}
	if !ok || pa.BaseURL == "" {
		return nil, pa, errNoProvider
	}
	inner := d.transport
	if pa.AccountURL && !d.cfg.AllowPrivateProviders {
		inner = d.publicOnly
	}
	svc, err := provider.Client(pa, d.cfg.RequestTimeout, inner)
	return svc, pa, err
}

// defaultCallbacks points the call's status callbacks, and its call flow
// when the request names none, at this system's webhook. The URL carries
// the phone call id, so a callback that arrives before the provider's
// answer is recorded still finds its call.
func (d *Dispatcher) defaultCallbacks(p *api.CreateCallParams, id int64) {
	hook := d.cfg.PublicBaseURL + "/twilio_webhooks/phone_call_events?phone_call_id=" + strconv.FormatInt(
		id,
		10,
	)
	if p.StatusCallback == nil {
		p.SetStatusCallback(hook)
		p.SetStatusCallbackMethod("POST")
		p.SetStatusCallbackEvent([]string{"initiated", "ringing", "answered", "completed"})
	}
	if p.Url == nil && p.ApplicationSid == nil && p.Twiml == nil {
		p.SetUrl(hook)
		p.SetMethod("POST")
	}
}

// accepted records the provider's acceptance: remotely queued with its
// call SID, or errored if it named none.
func (d *Dispatcher) accepted(ctx context.Context, id int64, call *api.ApiV2010Call) error {
	now := time.Now().UTC()
	r := command.Remote{
		CallID: call.Sid, Status: call.Status, Direction: call.Direction, QueuedAt: &now,
		QueueResponse: provider.Properties(call),
	}
	next := tel.StatusRemotelyQueued
	if call.Sid == nil || *call.Sid == "" {
		next = tel.StatusErrored
	}
	return d.outcome(ctx, id, next, r)
}

// outcome hands a call's move out of dispatching to the recorder.
func (d *Dispatcher) outcome(ctx context.Context, id int64, next string, r command.Remote) error {
	step := command.Step{ID: id, Remote: r, Change: func(status string) (string, bool) {
		return next, status == tel.StatusDispatching
	}}
	select {
	case d.outcomes <- step:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// refused records that the provider will not place the call.
func (d *Dispatcher) refused(ctx context.Context, id int64, message string) error {
	msg := "Unable to create record"
	if message != "" {
		msg += ": " + message
	}
	now := time.Now().UTC()
	return d.outcome(ctx, id, tel.StatusErrored, command.Remote{ErrorMessage: &msg, QueuedAt: &now})
}

// reconcile settles calls left dispatching (by a crash, or an unclear
// provider answer): if the provider has a call to that number since the
// attempt began, that call is recorded; only if it has none is the number
// dialled again.
func (d *Dispatcher) reconcile(ctx context.Context) error {
	rows, err := d.pool.Query(ctx, `SELECT id, account_id FROM phone_calls
		WHERE status = 'dispatching' AND updated_at < now() - $1::interval ORDER BY id LIMIT 500`,
		d.cfg.ReconcileAfter.String())
	if err != nil {
		return err
	}
	var stuck []queued
	for rows.Next() {
		var q queued
		if err := rows.Scan(&q.id, &q.account); err != nil {
			rows.Close()
			return err
		}
		stuck = append(stuck, q)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, q := range stuck {
		d.mu.Lock()
		busy := d.dialing[q.id]
		d.mu.Unlock()
		if busy {
			continue
		}
		if err := d.settle(ctx, q); err != nil {
			d.log.WarnContext(ctx, "reconcile call", "phone_call_id", q.id, "err", err)
		}
	}
	return nil
}

func (d *Dispatcher) settle(ctx context.Context, q queued) error {
	t, err := d.loadTarget(ctx, q.id)
	if err != nil {
		return err
	}
	svc, pa, err := d.client(ctx, q.account)
	if err == errNoProvider {
		return d.refused(ctx, q.id, err.Error())
	}
	if err != nil {
		return err
	}
	call, found, err := d.findAtProvider(ctx, svc, pa, q.id, t)
	if err != nil {
		return err
	}
	if found {
		d.log.InfoContext(
			ctx,
			"reconciled a dispatching call with the provider's record",
			"phone_call_id",
			q.id,
		)
		d.mu.Lock()
		d.dialing[q.id] = true // until the recorder has written it
		d.mu.Unlock()
		if err := d.accepted(ctx, q.id, call); err != nil {
			d.release(q.id)
			return err
		}
		return nil
	}
	d.log.InfoContext(ctx, "provider has no such call; dialling again", "phone_call_id", q.id)
	ac := accountClient{svc: svc, pa: pa}
	d.launch(ctx, q.id, true, func(ctx context.Context) error { return d.dial(ctx, q.id, ac) })
	return nil
}

// createdSince reports whether the provider created call at or after t (an
// unreadable creation date counts, to err on the side of not dialling
// again).
func createdSince(call api.ApiV2010Call, t time.Time) bool {
	if call.DateCreated == nil {
		return true
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, time.RFC3339} {
		if at, err := time.Parse(layout, *call.DateCreated); err == nil {
			return !at.Before(t)
		}
	}
	return true
}

// attemptSlack is how much earlier than the attempt the provider may date
// the call it made for it (clocks differ a little).
const attemptSlack = 5 * time.Second

// findAtProvider looks for the provider's call made for attempt t of call
// id: the newest call to the same number, created since the attempt
// began, whose SID no phone call holds yet. It lists by number only: a call
// the provider still queues has no start time, so a start-time filter would
// miss it.
func (d *Dispatcher) findAtProvider(
	ctx context.Context, svc *api.ApiService, pa provider.Account, id int64, t target,
) (*api.ApiV2010Call, bool, error) {
	list := &api.ListCallParams{}
	list.SetPathAccountSid(pa.SID)
	list.SetTo(t.msisdn)
	list.SetLimit(20)
	calls, err := svc.ListCall(list)
	if err != nil {
		return nil, false, fmt.Errorf("list provider calls: %w", err)
	}
	for i := range calls {
		c := &calls[i]
		if c.Sid == nil || !createdSince(*c, t.since.Add(-attemptSlack)) {
			continue
		}
		var taken bool
		err := d.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM phone_calls
			WHERE lower(remote_call_id) = lower($1) AND id <> $2)`, *c.Sid, id).Scan(&taken)
		if err != nil {
			return nil, false, err
		}
		if !taken {
			return c, true, nil
		}
	}
	return nil, false, nil
}

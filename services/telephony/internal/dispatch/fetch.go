package dispatch

import (
	"context"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	tel "scfm/shared/contract/telephonyv1"
	"scfm/telephony/internal/command"
	"scfm/telephony/internal/domain/phonecall"
	"scfm/telephony/internal/provider"
)

// fetchAll asks the provider for the status of calls waiting for a remote
// fetch, and queues fetches for calls that have heard nothing for too long.
func (d *Dispatcher) fetchAll(ctx context.Context) error {
	if d.cfg.StaleAfter > 0 {
		if err := d.queueStale(ctx); err != nil {
			return err
		}
	}
	rows, err := d.pool.Query(ctx, `SELECT id, account_id FROM phone_calls
		WHERE status = 'remote_fetch_queued' ORDER BY id LIMIT 500`)
	if err != nil {
		return err
	}
	var calls []queued
	for rows.Next() {
		var q queued
		if err := rows.Scan(&q.id, &q.account); err != nil {
			rows.Close()
			return err
		}
		calls = append(calls, q)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, q := range calls {
		d.mu.Lock()
		busy := d.dialing[q.id]
		d.mu.Unlock()
		if !busy {
			d.launch(ctx, q.id, false, func(ctx context.Context) error { return d.fetch(ctx, q) })
		}
	}
	return nil
}

// queueStale queues a remote fetch for calls the provider has said nothing
// about for StaleAfter.
func (d *Dispatcher) queueStale(ctx context.Context) error {
	rows, err := d.pool.Query(ctx, `SELECT id FROM phone_calls
		WHERE status IN ('remotely_queued', 'in_progress') AND remote_call_id IS NOT NULL
			AND updated_at < now() - $1::interval
		ORDER BY updated_at LIMIT 500`, d.cfg.StaleAfter.String())
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		_, err := d.cmds.Transition(ctx, id, func(status string) (string, bool) {
			_, changed, ok := phonecall.QueueRemoteFetch(status, true)
			return tel.StatusRemoteFetchQueued, ok && changed
		}, command.Remote{})
		if err != nil {
			return err
		}
	}
	return nil
}

// fetch asks the provider for a call's status and moves the call by it: a
// known status completes the transition, a call the provider denies (404)
// is errored, anything else (queued, or a failed fetch) returns the call to
// remotely_queued; a call the provider still holds as queued long after it
// was dispatched expires.
func (d *Dispatcher) fetch(ctx context.Context, q queued) error {
	var sid *string
	var queuedAt *time.Time
	err := d.pool.QueryRow(ctx, `SELECT remote_call_id, remotely_queued_at FROM phone_calls WHERE id = $1`,
		q.id).Scan(&sid, &queuedAt)
	if err != nil {
		return err
	}
	svc, pa, err := d.client(ctx, q.account)
	if err != nil && err != errNoProvider {
		return err
	}

	// Without news the call returns to where the provider last put it:
	// in progress once it rang, else remotely queued; never backwards.
	next, remote := tel.StatusRemotelyQueued, command.Remote{}
	var lastRemote *string
	if err := d.pool.QueryRow(ctx, `SELECT remote_status FROM phone_calls WHERE id = $1`, q.id).
		Scan(&lastRemote); err != nil {
		return err
	}
	if lastRemote != nil {
		if mapped, ok := phonecall.FromRemote(*lastRemote); ok && mapped == tel.StatusInProgress {
			next = tel.StatusInProgress
		}
	}
	var call *api.ApiV2010Call
	if err == nil && sid != nil {
		p := &api.FetchCallParams{}
		p.SetPathAccountSid(pa.SID)
		call, err = svc.FetchCall(*sid, p)
	}
	old := queuedAt != nil && d.cfg.ExpireAfter > 0 && time.Since(*queuedAt) > d.cfg.ExpireAfter
	switch {
	case provider.NotFound(err):
		// The provider created this call and now denies it (a simulator
		// that restarted, a deleted subaccount): no callback will ever come,
		// and the participation may be called again.
		msg := "The provider no longer knows this call"
		remote.ErrorMessage = &msg
		next = tel.StatusErrored
	case err != nil:
		msg := "Unable to fetch record"
		if m := provider.Message(err); m != "" {
			msg += ": " + m
		}
		remote.ErrorMessage = &msg
		if old {
			next = tel.StatusExpired // the provider cannot tell, and never will
		}
	case call != nil:
		remote.Status, remote.Response = call.Status, provider.Properties(call)
		if call.Status != nil {
			if mapped, ok := phonecall.FromRemote(*call.Status); ok {
				next = mapped
			} else if *call.Status == "queued" && old {
				next = tel.StatusExpired
			}
		}
	}
	_, err = d.cmds.Transition(ctx, q.id, func(status string) (string, bool) {
		return next, status == tel.StatusRemoteFetchQueued
	}, remote)
	return err
}

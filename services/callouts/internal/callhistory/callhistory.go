// Package callhistory keeps each participation's call history (how many
// calls, the latest one's status) from the telephony service's phone call
// events, so the retry filters are answered without asking telephony.
package callhistory

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"

	"scfm/callouts/internal/projection"
	"scfm/shared/contract"
	"scfm/shared/contract/telephonyv1"
	"scfm/shared/natsbus"
)

// batchSize caps the events applied in one transaction.
const batchSize = 500

// Run consumes phone call events with the durable consumer
// "callouts-call-outcomes" until ctx ends. Each batch is applied in one
// transaction and acknowledged after commit; replays change nothing, since
// every call row remembers the version of the last event applied.
//
// An inbound call from a number that is no contact yet makes newContact
// create that contact (it must be idempotent on its key).
func Run(
	ctx context.Context, pool *pgxpool.Pool, js jetstream.JetStream, n natsbus.Names,
	newContact NewContact, log *slog.Logger,
) error {
	cfg := jetstream.ConsumerConfig{
		Durable:       "callouts-call-outcomes",
		FilterSubject: n.Subject(telephonyv1.Service + ".evt." + telephonyv1.AggregatePhoneCall + ".>"),
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	apply := func(ctx context.Context, events []contract.Envelope) error {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return Apply(ctx, tx, events...) })
		if err != nil {
			return err
		}
		return contactInboundCallers(ctx, events, newContact)
	}
	return natsbus.ConsumeEvents(ctx, js, n.EventStream(telephonyv1.Service), cfg, batchSize, apply, log)
}

// newestStatusChanges marks, for each call, the position of its status
// change with the highest version in events.
func newestStatusChanges(events []contract.Envelope) map[int]bool {
	at := map[string]int{}
	for i, env := range events {
		if env.EventType != telephonyv1.PhoneCallStatusChanged {
			continue
		}
		if j, ok := at[env.AggregateID]; !ok || events[j].AggregateVersion < env.AggregateVersion {
			at[env.AggregateID] = i
		}
	}
	newest := make(map[int]bool, len(at))
	for _, i := range at {
		newest[i] = true
	}
	return newest
}

// NewContact creates the contact with msisdn in account unless it exists;
// key identifies the request, so a repeat has no second effect.
type NewContact func(ctx context.Context, account int64, msisdn, key string) error

// contactInboundCallers creates the contacts of inbound callers that are
// no contacts yet.
func contactInboundCallers(ctx context.Context, events []contract.Envelope, newContact NewContact) error {
	for _, env := range events {
		if env.EventType != telephonyv1.PhoneCallCreated {
			continue
		}
		var d telephonyv1.PhoneCallCreatedV1
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return fmt.Errorf("decode %s: %w", env.EventType, err)
		}
		if d.ContactID != nil || d.CalloutParticipationID != nil || d.MSISDN == "" {
			continue
		}
		if err := newContact(ctx, d.AccountID, d.MSISDN, "inbound-contact:"+env.AggregateID); err != nil {
			return err
		}
	}
	return nil
}

// Apply records phone call events in the call history inside tx and
// refreshes the summary columns of the participations they concern. It
// takes at most three statements however many events there are: the new
// calls, the status changes and the deletions, each set-based, and of the
// status changes of one call only the newest. One statement per kind
// matters beyond round trips: the per-callout tallies are kept by statement
// triggers, which then fire three times per batch instead of once per
// event, and each tally row is updated once.
func Apply(ctx context.Context, tx pgx.Tx, events ...contract.Envelope) error {
	newest := newestStatusChanges(events)
	var w writes
	for i, env := range events {
		if env.EventType == telephonyv1.PhoneCallStatusChanged && !newest[i] {
			continue
		}
		if err := w.add(env); err != nil {
			return err
		}
	}
	if err := w.write(ctx, tx); err != nil {
		return err
	}
	return projection.RefreshCallHistory(ctx, tx, w.touched()...)
}

// apiStatus is a call status as the API shows it.
func apiStatus(s string) string {
	if s == telephonyv1.StatusDispatching {
		return telephonyv1.StatusQueued
	}
	return s
}

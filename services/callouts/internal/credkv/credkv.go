// Package credkv keeps the private credentials bucket in step with the
// accounts of the event log.
package credkv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"

	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
	"scfm/shared/outbox"
)

// NewFeed returns the feed that writes every account event's current
// credentials to kv. It reads them from the accounts table, so replays are
// harmless.
func NewFeed(pool *pgxpool.Pool, kv jetstream.KeyValue, log *slog.Logger) *outbox.Feed {
	sink := func(ctx context.Context, events []eventstore.Event) error {
		seen := map[string]bool{}
		for _, e := range events {
			if seen[e.StreamID] {
				continue
			}
			seen[e.StreamID] = true
			id, err := strconv.ParseInt(e.StreamID, 10, 64)
			if err != nil {
				continue
			}
			if err := Sync(ctx, pool, kv, id); err != nil {
				return err
			}
		}
		return nil
	}
	return outbox.NewFeed(pool, sink, outbox.Config{
		Name: "credentials-bucket", StreamTypes: []string{calloutsv1.AggregateAccount},
	}, log)
}

// Sync writes account id's current credentials to kv, or removes them when
// the account is gone.
func Sync(ctx context.Context, pool *pgxpool.Pool, kv jetstream.KeyValue, id int64) error {
	c := calloutsv1.Credentials{AccountID: id}
	var provider *string
	err := pool.QueryRow(ctx, `
		SELECT twilio_account_sid, twilio_auth_token, somleng_account_sid, somleng_auth_token,
			settings->>'platform_provider_name'
		FROM accounts WHERE id = $1`, id).Scan(&c.TwilioAccountSID, &c.TwilioAuthToken,
		&c.SomlengAccountSID, &c.SomlengAuthToken, &provider)
	if errors.Is(err, pgx.ErrNoRows) {
		err := kv.Delete(ctx, calloutsv1.AccountKey(id))
		if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("delete credentials of account %d: %w", id, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("read credentials of account %d: %w", id, err)
	}

	old, err := current(ctx, kv, id)
	if err != nil {
		return err
	}
	// A simulator token, once issued, stays: the simulator knows it.
	c.SimulatorAccountSID, c.SimulatorAuthToken = old.SimulatorAccountSID, old.SimulatorAuthToken
	if provider != nil && *provider == "simulator" && c.TwilioAccountSID == nil &&
		c.SimulatorAuthToken == nil {
		if err := simulatorCredentials(&c); err != nil {
			return err
		}
	}

	raw, _ := json.Marshal(c)
	if _, err := kv.Put(ctx, calloutsv1.AccountKey(id), raw); err != nil {
		return fmt.Errorf("put credentials of account %d: %w", id, err)
	}
	sids := map[string]bool{}
	for _, sid := range []*string{c.TwilioAccountSID, c.SomlengAccountSID, c.SimulatorAccountSID} {
		if sid == nil || !validKey(*sid) {
			continue
		}
		sids[*sid] = true
		if _, err := kv.Put(ctx, calloutsv1.SIDKey(*sid), []byte(strconv.FormatInt(id, 10))); err != nil {
			return fmt.Errorf("put sid of account %d: %w", id, err)
		}
	}
	// SIDs the account gave up no longer lead to it.
	for _, sid := range []*string{old.TwilioAccountSID, old.SomlengAccountSID} {
		if sid != nil && validKey(*sid) && !sids[*sid] {
			if err := dropSID(ctx, kv, *sid, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// current returns the credentials kv holds for account id (zero if none).
func current(ctx context.Context, kv jetstream.KeyValue, id int64) (calloutsv1.Credentials, error) {
	var c calloutsv1.Credentials
	e, err := kv.Get(ctx, calloutsv1.AccountKey(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read credentials of account %d: %w", id, err)
	}
	_ = json.Unmarshal(e.Value(), &c)
	return c, nil
}

// dropSID deletes the key of sid if it still leads to account id.
func dropSID(ctx context.Context, kv jetstream.KeyValue, sid string, id int64) error {
	e, err := kv.Get(ctx, calloutsv1.SIDKey(sid))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read sid key: %w", err)
	}
	if string(e.Value()) != strconv.FormatInt(id, 10) {
		return nil
	}
	if err := kv.Delete(ctx, calloutsv1.SIDKey(sid)); err != nil {
		return fmt.Errorf("delete sid key: %w", err)
	}
	return nil
}

// validKey reports whether s may be part of a bucket key.
func validKey(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		ok := r == '-' || r == '_' || r == '=' || r == '.' || r == '/' ||
			(r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

// simulatorCredentials issues c a simulator SID and a new random token.
func simulatorCredentials(c *calloutsv1.Credentials) error {
	sid := calloutsv1.SimulatorSID(c.AccountID)
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("generate simulator token: %w", err)
	}
	token := hex.EncodeToString(b)
	c.SimulatorAccountSID, c.SimulatorAuthToken = &sid, &token
	return nil
}

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

	if provider != nil && *provider == "simulator" && c.TwilioAccountSID == nil {
		if err := simulatorCredentials(ctx, kv, &c); err != nil {
			return err
		}
	}

	raw, _ := json.Marshal(c)
	if _, err := kv.Put(ctx, calloutsv1.AccountKey(id), raw); err != nil {
		return fmt.Errorf("put credentials of account %d: %w", id, err)
	}
	for _, sid := range []*string{c.TwilioAccountSID, c.SomlengAccountSID, c.SimulatorAccountSID} {
		if sid == nil || !validKey(*sid) {
			continue
		}
		if _, err := kv.Put(ctx, calloutsv1.SIDKey(*sid), []byte(strconv.FormatInt(id, 10))); err != nil {
			return fmt.Errorf("put sid of account %d: %w", id, err)
		}
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

// simulatorCredentials gives c the account's simulator SID and its token,
// kept from the bucket when one was issued before, else new and random.
func simulatorCredentials(ctx context.Context, kv jetstream.KeyValue, c *calloutsv1.Credentials) error {
	sid := calloutsv1.SimulatorSID(c.AccountID)
	c.SimulatorAccountSID = &sid
	e, err := kv.Get(ctx, calloutsv1.AccountKey(c.AccountID))
	if err == nil {
		var old calloutsv1.Credentials
		if json.Unmarshal(e.Value(), &old) == nil && old.SimulatorAuthToken != nil {
			c.SimulatorAuthToken = old.SimulatorAuthToken
			return nil
		}
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("read credentials of account %d: %w", c.AccountID, err)
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("generate simulator token: %w", err)
	}
	token := hex.EncodeToString(b)
	c.SimulatorAuthToken = &token
	return nil
}

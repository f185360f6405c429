// Package auth resolves access tokens to principals without a database: from
// an in-memory cache kept current by watching the token bucket, then from
// the bucket itself, then by asking the callouts service.
package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"scfm/shared/contract/calloutsv1"
	"scfm/shared/natsbus"
)

// ErrUnavailable reports that a token could not be checked because the
// token bucket and the callouts service are both unreachable.
var ErrUnavailable = errors.New("auth: token store unavailable")

// Resolver maps tokens to principals.
type Resolver struct {
	kv     jetstream.KeyValue
	client *natsbus.Client
	log    *slog.Logger

	mu      sync.RWMutex
	cache   map[string]calloutsv1.Principal
	applied uint64 // the bucket revision the cache reflects
}

// NewResolver returns a resolver over the token bucket kv, asking client's
// callouts service on a miss.
func NewResolver(kv jetstream.KeyValue, client *natsbus.Client, log *slog.Logger) *Resolver {
	return &Resolver{
		kv: kv, client: client, log: log.With("component", "auth"),
		cache: map[string]calloutsv1.Principal{},
	}
}

// Watch keeps the cache in step with the bucket until ctx ends: a deleted
// token leaves the cache as soon as its key is deleted.
func (r *Resolver) Watch(ctx context.Context) error {
	w, err := r.kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("watch token bucket: %w", err)
	}
	defer func() { _ = w.Stop() }()

	// The initial replay and every later put, delete and purge arrive
	// here in revision order.
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("token bucket watch closed")
			}
			if e == nil {
				continue // end of the initial replay
			}
			r.apply(e)
		}
	}
}

func (r *Resolver) apply(e jetstream.KeyValueEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.applied = max(r.applied, e.Revision())
	if e.Operation() != jetstream.KeyValuePut {
		delete(r.cache, e.Key())
		return
	}
	var p calloutsv1.Principal
	if err := json.Unmarshal(e.Value(), &p); err != nil {
		r.log.Warn("token bucket entry unreadable", "err", err)
		delete(r.cache, e.Key())
		return
	}
	r.cache[e.Key()] = p
}

// Barrier waits until the cache reflects every change the bucket held
// when Barrier was called, or until ctx ends. After a token is revoked, the
// revoking request calls it so that its own next request is refused.
func (r *Resolver) Barrier(ctx context.Context) {
	st, err := r.kv.Status(ctx)
	if err != nil {
		return
	}
	bs, ok := st.(*jetstream.KeyValueBucketStatus)
	if !ok {
		return
	}
	target := bs.StreamInfo().State.LastSeq
	for {
		r.mu.RLock()
		done := r.applied >= target
		r.mu.RUnlock()
		if done {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// Resolve returns the principal of token; found is false for an unknown
// token.
func (r *Resolver) Resolve(ctx context.Context, token string) (calloutsv1.Principal, bool, error) {
	hash := calloutsv1.TokenHash(token)
	r.mu.RLock()
	p, ok := r.cache[hash]
	r.mu.RUnlock()
	if ok {
		return p, true, nil
	}

	e, err := r.kv.Get(ctx, hash)
	if err == nil {
		r.apply(e)
		r.mu.RLock()
		p, ok = r.cache[hash]
		r.mu.RUnlock()
		return p, ok, nil
	}
	if !errors.Is(err, jetstream.ErrKeyNotFound) {
		r.log.Warn("token bucket read failed; asking callouts", "err", err)
	}
	return r.ask(ctx, hash)
}

// ask resolves a hash the bucket does not have through the callouts
// service, which covers the moment between a token's creation and its
// arrival in the bucket.
func (r *Resolver) ask(ctx context.Context, hash string) (calloutsv1.Principal, bool, error) {
	q, _ := json.Marshal(map[string]string{"token_hash": hash})
	rep, err := r.client.Query(ctx, calloutsv1.Service, "token", "resolve", natsbus.Call{}, q)
	if err != nil {
		return calloutsv1.Principal{}, false, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	switch rep.Status {
	case 200:
		var p calloutsv1.Principal
		if err := json.Unmarshal(rep.Body, &p); err != nil {
			return p, false, fmt.Errorf("decode principal: %w", err)
		}
		return p, true, nil
	case 404:
		return calloutsv1.Principal{}, false, nil
	default:
		return calloutsv1.Principal{}, false, ErrUnavailable
	}
}

package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"scfm/shared/contract/calloutsv1"
)

// ErrUnknownSigner reports a provider account SID that no account holds.
var ErrUnknownSigner = errors.New("auth: unknown provider account sid")

// Signers finds the account and auth token behind a provider account SID,
// which every provider callback names. It keeps a copy of the credentials
// bucket, current through a watch, because each call brings four or five
// callbacks and two bucket reads apiece would double the broker's work.
type Signers struct {
	kv  jetstream.KeyValue
	log *slog.Logger

	mu      sync.RWMutex
	entries map[string][]byte
}

// NewSigners returns signers over the credentials bucket kv.
func NewSigners(kv jetstream.KeyValue, log *slog.Logger) *Signers {
	return &Signers{kv: kv, log: log.With("component", "signers"), entries: map[string][]byte{}}
}

// Watch keeps the copy in step with the bucket until ctx ends.
func (s *Signers) Watch(ctx context.Context) error {
	w, err := s.kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("watch credentials bucket: %w", err)
	}
	defer func() { _ = w.Stop() }()

	// The replay rebuilds the copy from scratch, so that a key purged
	// while no watch ran does not linger in it; meanwhile misses read the
	// bucket.
	s.mu.Lock()
	s.entries = map[string][]byte{}
	s.mu.Unlock()

	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("credentials bucket watch closed")
			}
			if e != nil {
				s.apply(e.Key(), e.Value(), e.Operation() == jetstream.KeyValuePut)
			}
		}
	}
}

func (s *Signers) apply(key string, value []byte, put bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if put {
		s.entries[key] = value
	} else {
		delete(s.entries, key)
	}
}

// Lookup returns the account that owns sid and the token that signs its
// callbacks. It reads the copy first, and the bucket itself for keys the
// copy lacks or when fresh is set: a caller whose signature check failed
// with the copy's token asks again fresh, so a token changed a moment ago
// is never refused for the watch's lag.
func (s *Signers) Lookup(ctx context.Context, sid string, fresh bool) (int64, string, error) {
	if sid == "" {
		return 0, "", ErrUnknownSigner
	}
	v, err := s.get(ctx, calloutsv1.SIDKey(sid), fresh)
	if err != nil {
		return 0, "", err
	}
	account, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, "", ErrUnknownSigner
	}

	v, err = s.get(ctx, calloutsv1.AccountKey(account), fresh)
	if err != nil {
		return 0, "", err
	}
	var creds calloutsv1.Credentials
	if err := json.Unmarshal(v, &creds); err != nil {
		return 0, "", ErrUnknownSigner
	}
	token, ok := creds.TokenFor(sid)
	if !ok {
		return 0, "", ErrUnknownSigner
	}
	return account, token, nil
}

// get reads key from the copy, or from the bucket when fresh or missing.
func (s *Signers) get(ctx context.Context, key string, fresh bool) ([]byte, error) {
	if !fresh {
		s.mu.RLock()
		v, ok := s.entries[key]
		s.mu.RUnlock()
		if ok {
			return v, nil
		}
	}

	e, err := s.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return nil, ErrUnknownSigner
	}
	if err != nil {
		return nil, err
	}
	return e.Value(), nil
}

package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"testing"
)

// Prefix returns a short unique lowercase name prefix, such as "t1a2b3c4d",
// for a test to give the services it starts, so that streams, subjects and
// buckets of tests sharing one NATS server do not collide.
func Prefix(t testing.TB) string {
	t.Helper()

	return "t" + randomHex(4)
}

// randomHex returns n random bytes as lowercase hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)

	return hex.EncodeToString(b)
}

package stack_test

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"scfm/devstack/stack"
	"scfm/shared/testenv"
)

func TestMain(m *testing.M) {
	testenv.Main(m, stack.RemoveSharedBuild)
}

// syncBuffer collects the services' output from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.buf.Write(p)
}

// String returns what was written.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.buf.String()
}

// status returns the HTTP status of GET url, or 0 when nothing answers.
func status(t *testing.T, url string) int {
	t.Helper()

	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()

	return resp.StatusCode
}

func TestStackRunsKillsAndRestartsServices(t *testing.T) {
	t.Parallel()

	out := &syncBuffer{}
	s, err := stack.Start(t.Context(), stack.Options{
		DatabaseURL: testenv.Postgres(t),
		NATSURL:     testenv.NATS(t),
		Prefix:      testenv.Prefix(t),
		LogWriter:   out,
	})
	require.NoError(t, err)
	t.Cleanup(func() { s.Stop(context.Background()) })

	require.Regexp(t, `^[0-9a-f]{64}$`, s.AdminToken())
	require.Equal(t, http.StatusOK, status(t, s.GatewayURL()+"/readyz"))
	for _, name := range stack.Services() {
		require.Equal(t, http.StatusOK, status(t, s.OpsURL(name)+"/readyz"), name)
		require.Contains(t, out.String(), "["+name+"] ")
	}

	require.NoError(t, s.Kill("callouts"))
	require.Zero(t, status(t, s.OpsURL("callouts")+"/healthz"))

	require.NoError(t, s.Restart(t.Context(), "callouts"))
	require.Equal(t, http.StatusOK, status(t, s.OpsURL("callouts")+"/readyz"))

	s.Stop(t.Context())
	for _, name := range stack.Services() {
		require.Zero(t, status(t, s.OpsURL(name)+"/healthz"), name)
	}
}

func TestStartFailsWithoutDatabase(t *testing.T) {
	t.Parallel()

	_, err := stack.Start(t.Context(), stack.Options{NATSURL: "nats://127.0.0.1:1"})
	require.ErrorContains(t, err, "DatabaseURL")
}

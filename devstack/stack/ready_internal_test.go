package stack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"scfm/shared/svc"
)

// A program that answers /readyz on a service's port is not that service:
// only the answer of the process the stack started counts.
func TestReadyOnlyFromTheStartedProcess(t *testing.T) {
	t.Parallel()

	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set(svc.HeaderProcessID, "1")
		_, _ = w.Write([]byte("ready\n"))
	}))
	t.Cleanup(other.Close)
	ours := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set(svc.HeaderProcessID, strconv.Itoa(os.Getpid()))
		_, _ = w.Write([]byte("ready\n"))
	}))
	t.Cleanup(ours.Close)

	ctx := context.Background()
	require.False(t, isReady(ctx, http.DefaultClient, other.URL, os.Getpid()))
	require.True(t, isReady(ctx, http.DefaultClient, ours.URL, os.Getpid()))
	require.False(t, isReady(ctx, http.DefaultClient, ours.URL, 0), "no process runs")
}

package apiclient

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// An upload to a server that takes the file and then never answers ends
// with an unavailable error once it is silent for too long.
func TestUploadToASilentServerEnds(t *testing.T) {
	t.Parallel()

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)

	c, err := New(Config{BaseURL: srv.URL, Token: "t", ConnectRetries: 1})
	require.NoError(t, err)
	c.uploadIdle = 200 * time.Millisecond

	file := filepath.Join(t.TempDir(), "people.csv")
	require.NoError(t, os.WriteFile(file, []byte("msisdn\n+85512345678\n"), 0o600))

	started := time.Now()
	_, err = c.ImportContacts(context.Background(), file, func(int64, int64) {})
	var unavailable *UnavailableError
	require.ErrorAs(t, err, &unavailable)
	require.ErrorIs(t, err, errStalled)
	require.Less(t, time.Since(started), 10*time.Second)
}

package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWithDatabase(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name  string
		admin string
		want  string
	}{
		{
			name:  "URL",
			admin: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
			want:  "postgres://postgres@127.0.0.1:5432/test_x?sslmode=disable",
		},
		{
			name:  "URLWithoutPath",
			admin: "postgresql://u:p@db:5432",
			want:  "postgresql://u:p@db:5432/test_x",
		},
		{
			name:  "KeywordValue",
			admin: "host=127.0.0.1 user=postgres dbname=postgres",
			want:  "host=127.0.0.1 user=postgres dbname=postgres dbname=test_x",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			require.Equal(t, tt.want, withDatabase(tt.admin, "test_x"))
		})
	}
}

func TestIsOrphan(t *testing.T) {
	t.Parallel()

	dir, err := newOwnedDir("scfm-testenv-unit-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.False(t, isOrphan(dir))

	dead := exec.Command("true")
	require.NoError(t, dead.Run())
	pid := []byte(strconv.Itoa(dead.Process.Pid))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ownerFile), pid, 0o600))
	require.True(t, isOrphan(dir))
}

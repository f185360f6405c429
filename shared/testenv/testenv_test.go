package testenv_test

import (
	"context"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"scfm/shared/natsembed"
	"scfm/shared/testenv"
)

func TestMain(m *testing.M) {
	testenv.Main(m)
}

// connect opens a connection closed at the end of the test.
func connect(t *testing.T, u string) *pgx.Conn {
	t.Helper()

	conn, err := pgx.Connect(t.Context(), u)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })

	return conn
}

// databaseName returns the database a connection URL names.
func databaseName(t *testing.T, u string) string {
	t.Helper()

	parsed, err := url.Parse(u)
	require.NoError(t, err)

	return strings.TrimPrefix(parsed.Path, "/")
}

func TestPostgresGivesFreshWritableDatabase(t *testing.T) {
	t.Parallel()

	first := testenv.Postgres(t)
	conn := connect(t, first)

	var name string
	require.NoError(t, conn.QueryRow(t.Context(), "SELECT current_database()").Scan(&name))
	require.Equal(t, databaseName(t, first), name)
	require.Regexp(t, `^test_[0-9a-f]{12}$`, name)

	var tables int
	err := conn.QueryRow(t.Context(),
		"SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&tables)
	require.NoError(t, err)
	require.Zero(t, tables)

	_, err = conn.Exec(t.Context(), "CREATE TABLE notes (body text)")
	require.NoError(t, err)
	_, err = conn.Exec(t.Context(), "INSERT INTO notes VALUES ('hello')")
	require.NoError(t, err)

	second := testenv.Postgres(t)
	require.NotEqual(t, first, second)

	var exists bool
	err = connect(t, second).QueryRow(t.Context(),
		"SELECT to_regclass('public.notes') IS NOT NULL").Scan(&exists)
	require.NoError(t, err)
	require.False(t, exists)
}

func TestPostgresDropsDatabaseAfterTest(t *testing.T) {
	t.Parallel()

	var inner string
	t.Run("uses", func(t *testing.T) {
		inner = testenv.Postgres(t)
		connect(t, inner)
	})

	other := testenv.Postgres(t)

	var count int
	err := connect(t, other).QueryRow(t.Context(),
		"SELECT count(*) FROM pg_database WHERE datname = $1",
		databaseName(t, inner)).Scan(&count)
	require.NoError(t, err)
	require.Zero(t, count)
}

func TestNATSHasJetStream(t *testing.T) {
	t.Parallel()

	nc, err := nats.Connect(testenv.NATS(t))
	require.NoError(t, err)
	t.Cleanup(nc.Close)

	if os.Getenv("TEST_NATS_URL") == "" {
		require.GreaterOrEqual(t, nc.MaxPayload(), int64(natsembed.DefaultMaxPayload))
	}

	js, err := jetstream.New(nc)
	require.NoError(t, err)

	_, err = js.AccountInfo(t.Context())
	require.NoError(t, err)

	name := strings.ToUpper(testenv.Prefix(t)) + "_EVENTS"
	_, err = js.CreateStream(t.Context(), jetstream.StreamConfig{
		Name:     name,
		Subjects: []string{strings.ToLower(name) + ".>"},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), name) })
}

func TestNATSIsSharedWithinProcess(t *testing.T) {
	t.Parallel()

	require.Equal(t, testenv.NATS(t), testenv.NATS(t))
}

func TestPrefixIsShortUniqueAndLowercase(t *testing.T) {
	t.Parallel()

	pattern := regexp.MustCompile(`^t[0-9a-f]{8}$`)
	seen := map[string]bool{}
	for range 100 {
		p := testenv.Prefix(t)
		require.Regexp(t, pattern, p)
		require.False(t, seen[p], "prefix %s repeated", p)
		seen[p] = true
	}
}

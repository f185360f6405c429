package calloutsv1

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// examples holds one value of every public event payload, keyed by event
// type. A new event type must be added here, to the golden files and to
// docs/events.md.
func examples() map[string]any {
	at := time.Date(2026, 12, 3, 10, 20, 30, 123456000, time.UTC)
	return map[string]any{
		AccountCreated: AccountCreatedV1{
			ID: 1, Metadata: json.RawMessage(`{}`), Settings: json.RawMessage(`{}`),
			Permissions: []string{"super_admin"}, CreatedAt: at,
		},
		AccessTokenCreated: AccessTokenCreatedV1{
			ID: 2, ResourceOwnerID: 1, CreatedByID: 1, Metadata: json.RawMessage(`{}`), CreatedAt: at,
		},
		ContactCreated: ContactCreatedV1{
			ID: 3, AccountID: 1, MSISDN: "+252662345678",
			Metadata: json.RawMessage(`{"name":"Alice"}`), CreatedAt: at,
		},
		ContactUpdated: ContactUpdatedV1{
			ID: 3, AccountID: 1, MSISDN: "+252662345699",
			Metadata: json.RawMessage(`{"name":"Alice","gender":"f"}`), UpdatedAt: at,
		},
		ContactDeleted: ContactDeletedV1{ID: 3, AccountID: 1, DeletedAt: at},
	}
}

func TestEventJSONMatchesGoldenFiles(t *testing.T) {
	t.Parallel()

	for typ, v := range examples() {
		got, err := json.MarshalIndent(v, "", "  ")
		require.NoError(t, err)
		path := filepath.Join("testdata", typ+".json")
		if *update {
			require.NoError(t, os.WriteFile(path, append(got, '\n'), 0o644))
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err, "golden file for %s (run go test -update)", typ)
		require.JSONEq(t, string(want), string(got), "%s changed shape: that needs a new schema version", typ)
	}
}

func TestEventsAreDocumented(t *testing.T) {
	t.Parallel()

	doc, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "events.md"))
	require.NoError(t, err)
	text := string(doc)
	for typ, v := range examples() {
		section := sectionOf(text, "`"+typ+"`")
		require.NotEmpty(t, section, "docs/events.md has no section for %s", typ)
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			require.Contains(t, section, "`"+name+"`", "docs/events.md: %s lacks field %s", typ, name)
		}
	}
}

// sectionOf returns the part of a markdown text from the heading that
// contains title to the next heading of the same level.
func sectionOf(text, title string) string {
	for _, part := range strings.Split(text, "\n### ") {
		heading, _, _ := strings.Cut(part, "\n")
		if strings.Contains(heading, title) {
			return part
		}
	}
	return ""
}

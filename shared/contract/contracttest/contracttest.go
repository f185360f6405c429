// Package contracttest checks public event payloads against golden JSON
// files and against docs/events.md, so a change of shape or an undocumented
// field fails a test.
package contracttest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Golden compares the JSON of every example (keyed by event type) with
// testdata/<type>.json, rewriting the files when update is set.
func Golden(t *testing.T, examples map[string]any, update bool) {
	t.Helper()

	for typ, v := range examples {
		got, err := json.MarshalIndent(v, "", "  ")
		require.NoError(t, err)
		path := filepath.Join("testdata", typ+".json")
		if update {
			require.NoError(t, os.WriteFile(path, append(got, '\n'), 0o644))
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err, "golden file for %s (run go test -update)", typ)
		require.JSONEq(t, string(want), string(got), "%s changed shape: that needs a new schema version", typ)
	}
}

// Documented checks that docPath has a "### `<type>`" section for every
// example that names each of its JSON fields.
func Documented(t *testing.T, examples map[string]any, docPath string) {
	t.Helper()

	doc, err := os.ReadFile(docPath)
	require.NoError(t, err)
	for typ, v := range examples {
		section := sectionOf(string(doc), "`"+typ+"`")
		require.NotEmpty(t, section, "%s has no section for %s", docPath, typ)
		for _, name := range jsonFields(reflect.TypeOf(v)) {
			require.Contains(t, section, "`"+name+"`", "%s: %s lacks field %s", docPath, typ, name)
		}
	}
}

// jsonFields lists the JSON names of a struct's fields, descending into
// embedded structs.
func jsonFields(rt reflect.Type) []string {
	var out []string
	for i := range rt.NumField() {
		f := rt.Field(i)
		if f.Anonymous {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}

// sectionOf returns the part of a markdown text from the level-3 heading
// that contains title to the next level-3 heading.
func sectionOf(text, title string) string {
	for _, part := range strings.Split(text, "\n### ") {
		heading, _, _ := strings.Cut(part, "\n")
		if strings.Contains(heading, title) {
			return part
		}
	}
	return ""
}

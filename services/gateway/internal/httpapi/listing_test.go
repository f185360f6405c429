package httpapi

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"scfm/shared/filter"
)

func TestListRequest(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name          string
		p             map[string]any
		page, perPage int
	}{
		{"defaults", map[string]any{}, 1, 25},
		{"numbers", map[string]any{"page": "2", "per_page": "10"}, 2, 10},
		{"zero and junk", map[string]any{"page": "x", "per_page": "0"}, 1, 25},
		{"negative", map[string]any{"page": "-3", "per_page": "-1"}, 1, 25},
		{"leading digits", map[string]any{"page": "3abc"}, 3, 25},
		{"capped", map[string]any{"per_page": "5000"}, 1, 1000},
		{"hash ignored", map[string]any{"page": map[string]any{"a": "1"}}, 1, 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			req := listRequest(tt.p)
			require.Equal(t, tt.page, req.Page)
			require.Equal(t, tt.perPage, req.PerPage)
		})
	}
}

func TestLinkHeader(t *testing.T) {
	t.Parallel()

	r := httptest.NewRequest(http.MethodGet, "http://h/api/contacts?q[status]=running&per_page=10&page=2", nil)
	link := linkHeader(r, filter.Request{Page: 2, PerPage: 10}, 30)
	require.Equal(t,
		`<http://h/api/contacts?page=1&per_page=10&q%5Bstatus%5D=running>; rel="first", `+
			`<http://h/api/contacts?page=1&per_page=10&q%5Bstatus%5D=running>; rel="prev", `+
			`<http://h/api/contacts?page=3&per_page=10&q%5Bstatus%5D=running>; rel="last", `+
			`<http://h/api/contacts?page=3&per_page=10&q%5Bstatus%5D=running>; rel="next"`, link)

	first := httptest.NewRequest(http.MethodGet, "http://h/api/contacts", nil)
	require.Equal(t,
		`<http://h/api/contacts?page=2>; rel="last", <http://h/api/contacts?page=2>; rel="next"`,
		linkHeader(first, filter.Request{Page: 1, PerPage: 25}, 30))
	require.Empty(t, linkHeader(first, filter.Request{Page: 1, PerPage: 100}, 30), "one page")

	beyond := linkHeader(first, filter.Request{Page: 5, PerPage: 25}, 30)
	require.Equal(t, `<http://h/api/contacts?page=1>; rel="first", <http://h/api/contacts?page=4>; rel="prev"`, beyond)
}

func TestTokenOf(t *testing.T) {
	t.Parallel()

	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name   string
		header string
		p      map[string]any
		want   string
	}{
		{"basic username", basic("tok:"), nil, "tok"},
		{"basic ignores password", basic("tok:pw"), nil, "tok"},
		{"bearer", "Bearer tok", nil, "tok"},
		{"access_token", "", map[string]any{"access_token": "tok"}, "tok"},
		{"bearer_token", "", map[string]any{"bearer_token": "tok"}, "tok"},
		{"basic first", basic("a:"), map[string]any{"access_token": "b"}, "a"},
		{"blank basic falls through", basic(":x"), map[string]any{"access_token": "b"}, "b"},
		{"hash ignored", "", map[string]any{"access_token": map[string]any{"x": "y"}}, ""},
		{"none", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			r := httptest.NewRequest(http.MethodGet, "/api/contacts", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			require.Equal(t, tt.want, tokenOf(r, tt.p))
		})
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()

	var seen string
	h := format(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = r.URL.Path }))
	for path, want := range map[string]int{
		"/api/contacts":        200,
		"/api/contacts.json":   200,
		"/api/contacts/1.json": 200,
		"/api/contacts.xml":    406,
		"/api/contacts/1.csv":  406,
	} {
		seen = ""
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		require.Equal(t, want, w.Code, path)
		if want == 200 {
			require.NotContains(t, seen, ".json", path)
		}
	}
}

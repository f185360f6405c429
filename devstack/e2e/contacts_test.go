package e2e_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCreateContactNormalisesNumberAndKeepsMetadata(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	r := a.form(t, http.MethodPost, "/api/contacts", "msisdn=252662345678&metadata[foo]=bar")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)

	c := object(t, r)
	requireContact(t, a, c, "+252662345678", `{"foo":"bar"}`)
	require.Equal(t, contactPath(idOf(t, c)), r.Header.Get("Location"))
	require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
}

func TestCreateContactValidatesNumber(t *testing.T) {
	t.Parallel()

	a := newCaller(t)

	t.Run("missing", func(t *testing.T) {
		t.Parallel()

		requireErrors(t, a.form(t, http.MethodPost, "/api/contacts", "metadata[foo]=bar"),
			`{"msisdn":["can't be blank"]}`)
	})

	t.Run("not a possible number", func(t *testing.T) {
		t.Parallel()

		requireErrors(t, a.form(t, http.MethodPost, "/api/contacts", "msisdn=25212345"),
			`{"msisdn":["is an invalid number"]}`)
	})

	t.Run("written with spaces, dashes and brackets", func(t *testing.T) {
		t.Parallel()

		body := url.Values{"msisdn": {"+252 66-(2)-345-678"}}.Encode()
		c := a.createContact(t, body)
		requireContact(t, a, c, "+252662345678", `{}`)
	})
}

func TestFetchAndUpdateContact(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	c := a.createContact(t, "msisdn="+msisdn(1)+"&metadata[foo]=bar")
	id := idOf(t, c)

	got := a.contact(t, id)
	require.Equal(t, c, got)

	r := a.form(t, http.MethodPatch, contactPath(id), "msisdn=252662345699")
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	require.Empty(t, r.Body)

	got = a.contact(t, id)
	requireContact(t, a, got, "+252662345699", `{"foo":"bar"}`)
	require.Equal(t, c["created_at"], got["created_at"])
	require.GreaterOrEqual(t, requireTimestamp(t, got["updated_at"]),
		requireTimestamp(t, c["updated_at"]))
}

func TestUpdateContactMergesMetadataByMode(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	const (
		before = `{"a":"b","foo":"bar","baz":{"c":[1,2,3]}}`
		sent   = `{"foo":"baz","bar":"baz","baz":{"x":[4,5,6]}}`
		merged = `{"a":"b","foo":"baz","bar":"baz","baz":{"x":[4,5,6]}}`
	)

	tests := []struct {
		name string
		mode string // JSON fragment added to the body; empty for none
		want string
	}{
		{name: "default merges top-level keys", want: merged},
		{name: "merge", mode: `"merge"`, want: merged},
		{name: "unknown mode merges", mode: `"delete"`, want: merged},
		{
			name: "deep_merge merges nested objects",
			mode: `"deep_merge"`,
			want: `{"a":"b","foo":"baz","bar":"baz","baz":{"c":[1,2,3],"x":[4,5,6]}}`,
		},
		{name: "replace", mode: `"replace"`, want: sent},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			c := a.createContactJSON(t, `{"msisdn":"`+msisdn(i+1)+`","metadata":`+before+`}`)
			body := `{"metadata":` + sent
			if tt.mode != "" {
				body += `,"metadata_merge_mode":` + tt.mode
			}
			body += "}"

			r := a.json(t, http.MethodPatch, contactPath(idOf(t, c)), body)
			require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
			require.JSONEq(t, tt.want, jsonText(t, a.contact(t, idOf(t, c))["metadata"]))
		})
	}
}

func TestDeleteContact(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	c := a.createContact(t, "msisdn="+msisdn(1))
	path := contactPath(idOf(t, c))

	r := a.do(t, http.MethodDelete, path, "", "")
	require.Equal(t, http.StatusNoContent, r.Status, "%s", r)
	require.Empty(t, r.Body)

	requireNotFound(t, a.get(t, path))
	requireNotFound(t, a.do(t, http.MethodDelete, path, "", ""))
}

func TestListContactsShowsOnlyOwnAccount(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	mine := a.createContact(t, "msisdn="+msisdn(1))
	b.createContact(t, "msisdn="+msisdn(2))

	r, items := a.list(t, "/api/contacts")
	requirePage(t, r, 25, 1)
	require.Equal(t, []map[string]any{mine}, items)
}

func TestFilterContactsByNestedMetadata(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	x := a.createContact(t, "msisdn="+msisdn(1)+"&metadata[foo]=bar&metadata[bar][baz]=foo")
	a.createContact(t, "msisdn="+msisdn(2))
	a.createContact(t, "msisdn="+msisdn(3)+"&metadata[foo]=bar&metadata[bar][baz]=other")

	r, items := a.list(t, "/api/contacts?q[metadata][foo]=bar&q[metadata][bar][baz]=foo")
	requirePage(t, r, 25, 1)
	require.Equal(t, []map[string]any{x}, items)
}

func TestJSONBodyKeepsMetadataTypes(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	c := a.createContactJSON(t, `{"msisdn":"252662345678","metadata":{"n":1,"ok":true}}`)
	requireContact(t, a, c, "+252662345678", `{"n":1,"ok":true}`)
	a.createContactJSON(t, `{"msisdn":"252662345680","metadata":{"n":2,"ok":true}}`)

	// Filters compare the stored values as text.
	r, items := a.list(t, "/api/contacts?q[metadata][n]=1&q[metadata][ok]=true")
	requirePage(t, r, 25, 1)
	require.Equal(t, []int64{idOf(t, c)}, ids(t, items))
}

func TestFormMetadataThatIsNotAHashIsDropped(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	c := a.createContact(t, "msisdn=252662345679&metadata=foo")
	requireContact(t, a, c, "+252662345679", `{}`)
}

func TestListContactsPaginates(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	var all []int64
	for n := 1; n <= 30; n++ {
		all = append(all, idOf(t, a.createContact(t, "msisdn="+msisdn(n))))
	}

	t.Run("first page", func(t *testing.T) {
		t.Parallel()

		r, items := a.list(t, "/api/contacts")
		requirePage(t, r, 25, 30)
		require.Equal(t, all[:25], ids(t, items))
		require.Equal(t, map[string]int{"last": 2, "next": 2}, links(t, r, nil))
	})

	t.Run("middle page", func(t *testing.T) {
		t.Parallel()

		r, items := a.list(t, "/api/contacts?per_page=10&page=2")
		requirePage(t, r, 10, 30)
		require.Equal(t, all[10:20], ids(t, items))
		require.Equal(t, map[string]int{"first": 1, "prev": 1, "last": 3, "next": 3},
			links(t, r, url.Values{"per_page": {"10"}}))
	})

	t.Run("last page", func(t *testing.T) {
		t.Parallel()

		r, items := a.list(t, "/api/contacts?per_page=10&page=3")
		requirePage(t, r, 10, 30)
		require.Equal(t, all[20:], ids(t, items))
		l := links(t, r, url.Values{"per_page": {"10"}})
		require.Equal(t, map[string]int{"first": 1, "prev": 2}, l, "rels %v", rels(l))
	})

	t.Run("beyond the last page", func(t *testing.T) {
		t.Parallel()

		r, items := a.list(t, "/api/contacts?page=5")
		requirePage(t, r, 25, 30)
		require.Empty(t, items)
		require.JSONEq(t, `[]`, string(r.Body))
	})

	t.Run("per_page zero takes the default", func(t *testing.T) {
		t.Parallel()

		r, items := a.list(t, "/api/contacts?per_page=0")
		requirePage(t, r, 25, 30)
		require.Len(t, items, 25)
	})

	t.Run("one page holds everything", func(t *testing.T) {
		t.Parallel()

		r, items := a.list(t, "/api/contacts?per_page=100")
		requirePage(t, r, 100, 30)
		require.Equal(t, all, ids(t, items))
		require.Empty(t, r.Header.Get("Link"))
	})

	t.Run("links keep the filters", func(t *testing.T) {
		t.Parallel()

		r, items := a.list(t, "/api/contacts?q[created_at_after]=2017-01-01&per_page=20")
		requirePage(t, r, 20, 30)
		require.Len(t, items, 20)
		require.Equal(t, map[string]int{"last": 2, "next": 2},
			links(t, r, url.Values{"per_page": {"20"}, "q[created_at_after]": {"2017-01-01"}}))
	})
}

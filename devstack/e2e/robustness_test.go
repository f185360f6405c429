package e2e_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRepeatedPostWithIdempotencyKeyGetsFirstAnswer(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	post := func(t *testing.T, who account, key, body string) response {
		t.Helper()

		return who.do(t, http.MethodPost, "/api/contacts", formType, body,
			withHeader("Idempotency-Key", key))
	}

	first := post(t, a, "create-alice", "msisdn="+msisdn(1)+"&metadata[name]=Alice")
	require.Equal(t, http.StatusCreated, first.Status, "%s", first)

	again := post(t, a, "create-alice", "msisdn="+msisdn(1)+"&metadata[name]=Alice")
	require.Equal(t, first.Status, again.Status)
	require.Equal(t, string(first.Body), string(again.Body))
	require.Equal(t, first.Header.Get("Location"), again.Header.Get("Location"))

	// A repeat answers as the first time even when its body differs, and
	// changes nothing.
	other := post(t, a, "create-alice", "msisdn="+msisdn(2)+"&metadata[name]=Bob")
	require.Equal(t, first.Status, other.Status)
	require.Equal(t, string(first.Body), string(other.Body))

	r, items := a.list(t, "/api/contacts")
	requirePage(t, r, 25, 1)
	require.Equal(t, []map[string]any{object(t, first)}, items)

	// Keys belong to an account: the same key elsewhere is a new request.
	theirs := post(t, b, "create-alice", "msisdn="+msisdn(1)+"&metadata[name]=Alice")
	require.Equal(t, http.StatusCreated, theirs.Status, "%s", theirs)
	requireContact(t, b, object(t, theirs), "+"+msisdn(1), `{"name":"Alice"}`)
	require.NotEqual(t, idOf(t, object(t, first)), idOf(t, object(t, theirs)))

	r, _ = a.list(t, "/api/contacts")
	requirePage(t, r, 25, 1)
}

func TestRepeatedFailedPostWithIdempotencyKeyGetsFirstAnswer(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	post := func(body string) response {
		return a.do(t, http.MethodPost, "/api/contacts", formType, body,
			withHeader("Idempotency-Key", "k1"))
	}

	first := post("msisdn=25212345")
	requireErrors(t, first, `{"msisdn":["is an invalid number"]}`)

	again := post("msisdn=" + msisdn(1))
	require.Equal(t, first.Status, again.Status)
	require.Equal(t, string(first.Body), string(again.Body))

	r, _ := a.list(t, "/api/contacts")
	requirePage(t, r, 25, 0)
}

func TestMalformedJSONBodyIsBadRequest(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	for _, body := range []string{
		`{"msisdn":`,
		`{"msisdn":"252662345678",}`,
		`["msisdn"]`,
		`{"msisdn":"252662345678"} {}`,
	} {
		r := a.json(t, http.MethodPost, "/api/contacts", body)
		require.Equal(t, http.StatusBadRequest, r.Status, "body %s: %s", body, r)
		require.Contains(t, object(t, r), "errors", "body %s", body)
	}

	r, _ := a.list(t, "/api/contacts")
	requirePage(t, r, 25, 0)
}

func TestNumberSentAsHashOrArrayIsUnprocessable(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	tests := []struct {
		name        string
		contentType string
		body        string
	}{
		{name: "form hash", contentType: formType, body: "msisdn[a]=1"},
		{name: "form array", contentType: formType, body: "msisdn[]=252662345678"},
		{name: "JSON object", contentType: jsonType, body: `{"msisdn":{"a":1}}`},
		{name: "JSON array", contentType: jsonType, body: `{"msisdn":["252662345678"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			r := a.do(t, http.MethodPost, "/api/contacts", tt.contentType, tt.body)
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r)
			errs, ok := object(t, r)["errors"].(map[string]any)
			require.True(t, ok, "%s", r)
			require.Contains(t, errs, "msisdn")
		})
	}

	r, _ := a.list(t, "/api/contacts")
	requirePage(t, r, 25, 0)
}

func TestPerPageIsCappedAtOneThousand(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	a.createContact(t, "msisdn="+msisdn(1))

	r, items := a.list(t, "/api/contacts?per_page=5000")
	requirePage(t, r, 1000, 1)
	require.Len(t, items, 1)

	r, _ = a.list(t, "/api/contacts?per_page=1000")
	requirePage(t, r, 1000, 1)
}

func TestListContactsSorts(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	var created []int64
	for n := 1; n <= 3; n++ {
		created = append(created, idOf(t, a.createContact(t, "msisdn="+msisdn(n))))
	}

	_, items := a.list(t, "/api/contacts")
	require.Equal(t, created, ids(t, items), "ascending ids by default")

	_, items = a.list(t, "/api/contacts?sort=-id")
	require.Equal(t, []int64{created[2], created[1], created[0]}, ids(t, items))

	_, items = a.list(t, "/api/contacts?sort=id")
	require.Equal(t, created, ids(t, items))

	r := a.get(t, "/api/contacts?sort=nope")
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r)
	require.Contains(t, object(t, r), "errors")
}

func TestDuplicateNumberIsTakenOnlyWithinAnAccount(t *testing.T) {
	t.Parallel()

	a, b := newCaller(t), newCaller(t)
	a.createContact(t, "msisdn="+msisdn(1))

	taken := `{"msisdn":["has already been taken"]}`
	requireErrors(t, a.form(t, http.MethodPost, "/api/contacts", "msisdn="+msisdn(1)), taken)

	// Uniqueness compares normalised numbers.
	requireErrors(t, a.form(t, http.MethodPost, "/api/contacts", "msisdn=%2B"+msisdn(1)), taken)

	// Changing another contact to the number is refused too.
	other := a.createContact(t, "msisdn="+msisdn(2))
	requireErrors(t, a.form(t, http.MethodPatch, contactPath(idOf(t, other)),
		"msisdn="+msisdn(1)), taken)

	requireContact(t, b, b.createContact(t, "msisdn="+msisdn(1)), "+"+msisdn(1), `{}`)

	r, _ := a.list(t, "/api/contacts")
	requirePage(t, r, 25, 2)
}

func TestConcurrentCreatesOfOneNumberMakeOneContact(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	base, _ := gateway(t)
	const n = 20

	statuses := make([]int, n)
	bodies := make([]string, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			// Only the test's goroutine may fail it: a request that
			// gets no answer is recorded as status 0.
			r, err := exchange(t.Context(), base, http.MethodPost, "/api/contacts", formType,
				[]byte("msisdn="+msisdn(1)), withBasic(a.Token))
			if err != nil {
				bodies[i] = err.Error()
				return
			}
			statuses[i], bodies[i] = r.Status, string(r.Body)
		})
	}
	close(start)
	wg.Wait()

	created := 0
	for i, status := range statuses {
		switch status {
		case http.StatusCreated:
			created++
		case http.StatusUnprocessableEntity:
			require.JSONEq(t, `{"errors":{"msisdn":["has already been taken"]}}`, bodies[i])
		default:
			require.Failf(t, "unexpected answer", "%d %s", status, bodies[i])
		}
	}
	require.Equal(t, 1, created, "statuses %v", statuses)

	r, _ := a.list(t, "/api/contacts")
	requirePage(t, r, 25, 1)
}

// Regression: numbers beyond what the database can store once made the
// write fail inside the service, and the API answered 503.
func TestMetadataNumberOutOfRangeIsRefusedNotAServerError(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	tests := []struct {
		name   string
		number string
	}{
		{name: "huge exponent", number: "1e999999"},
		{name: "tiny exponent", number: "-1e-999999"},
		{name: "two hundred thousand digits", number: "1" + strings.Repeat("0", 200000)},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			number := msisdn(2 * (i + 1))
			r := a.json(t, http.MethodPost, "/api/contacts",
				`{"msisdn":"`+number+`","metadata":{"n":`+tt.number+`}}`)
			requireRefused(t, r)
			r, _ = a.list(t, "/api/contacts?q[msisdn]="+number)
			requirePage(t, r, 25, 0)

			c := a.createContact(t, "msisdn="+msisdn(2*(i+1)+1)+"&metadata[n]=1")
			r = a.json(t, http.MethodPatch, contactPath(idOf(t, c)),
				`{"metadata":{"n":`+tt.number+`}}`)
			requireRefused(t, r)
			require.Equal(t, c, a.contact(t, idOf(t, c)))
		})
	}
}

// requireRefused requires a 400 or 422 answer with an errors body.
func requireRefused(t *testing.T, r response) {
	t.Helper()

	require.Contains(t, []int{http.StatusBadRequest, http.StatusUnprocessableEntity}, r.Status,
		"%s", r)
	require.Contains(t, object(t, r), "errors")
}

// Regression: a page number so large that its row offset overflows once
// made the listing fail inside the service, and the API answered 503.
func TestPageFarBeyondTheDataIsEmpty(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	a.createContact(t, "msisdn="+msisdn(1))

	for _, query := range []string{
		"page=9223372036854775807",
		"page=9223372036854775807&per_page=1000",
		"page=4611686018427387904&per_page=2",
		"page=92233720368547758&per_page=1000",
	} {
		t.Run(query, func(t *testing.T) {
			t.Parallel()

			r, items := a.list(t, "/api/contacts?"+query)
			require.Equal(t, "1", r.Header.Get("Total"))
			require.Empty(t, items)
		})
	}

	// A page number too long for an integer is still far beyond the data.
	r, items := a.list(t, "/api/contacts?page=99999999999999999999999")
	requirePage(t, r, 25, 1)
	require.Empty(t, items)
}

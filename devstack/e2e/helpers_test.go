package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Content types of request bodies.
const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

// contactKeys are the keys of a contact's JSON representation.
var contactKeys = []string{"id", "msisdn", "metadata", "created_at", "updated_at", "account_id"}

// httpClient is shared by all tests so that connections are reused.
var httpClient = &http.Client{Timeout: 30 * time.Second}

// response is an HTTP answer with its body read.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// String describes the response for failure messages.
func (r response) String() string {
	return fmt.Sprintf("%d %s", r.Status, r.Body)
}

// send makes one request to the gateway and requires an answer. target is
// a path with an optional raw query, sent as written (brackets included, as
// curl -g does). Each edit may change the request before it goes out, for
// instance to authenticate it.
func send(t testing.TB, method, target, contentType string, body []byte,
	edits ...func(*http.Request),
) response {
	t.Helper()

	base, _ := gateway(t)
	r, err := exchange(t.Context(), base, method, target, contentType, body, edits...)
	require.NoError(t, err, "%s %s", method, target)

	return r
}

// exchange makes one request to the gateway at base and reads the answer.
// It fails no test, so it may run outside a test's goroutine.
func exchange(ctx context.Context, base, method, target, contentType string, body []byte,
	edits ...func(*http.Request),
) (response, error) {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}

	req, err := http.NewRequestWithContext(ctx, method, base+target, reader)
	if err != nil {
		return response{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, edit := range edits {
		edit(req)
	}

	resp, err := httpClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()

	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("read the answer: %w", err)
	}

	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// withBasic authenticates a request with HTTP Basic: the token as user
// name and an empty password, as curl -u TOKEN: does.
func withBasic(token string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(token, "") }
}

// withHeader sets a request header.
func withHeader(name, value string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set(name, value) }
}

// dumping holds the tests that dump the services' output if they fail.
var dumping sync.Map

// account is an ordinary account and the token that acts for it.
type account struct {
	ID    int64
	Token string
}

// newAccount creates an ordinary account and an access token for it as the
// super admin, and waits until the gateway accepts the token.
func newAccount(t testing.TB) (id int64, token string) {
	t.Helper()

	_, admin := gateway(t)
	if _, seen := dumping.LoadOrStore(t, true); !seen {
		t.Cleanup(func() { dumpServiceLogs(t) })
	}

	r := send(t, http.MethodPost, "/api/accounts", "", nil, withBasic(admin))
	require.Equal(t, http.StatusCreated, r.Status, "create an account: %s", r)
	id = idOf(t, object(t, r))

	r = send(t, http.MethodPost, "/api/access_tokens", formType,
		[]byte("account_id="+strconv.FormatInt(id, 10)), withBasic(admin))
	require.Equal(t, http.StatusCreated, r.Status, "create an access token: %s", r)
	token, _ = object(t, r)["token"].(string)
	require.Regexp(t, `^[0-9a-f]{64}$`, token)

	// The gateway learns about new tokens asynchronously.
	deadline := time.Now().Add(tokenWait)
	for {
		r = send(t, http.MethodGet, "/api/contacts", "", nil, withBasic(token))
		if r.Status == http.StatusOK {
			return id, token
		}
		require.True(t, time.Now().Before(deadline),
			"the gateway still refuses the new token after %s: %s", tokenWait, r)
		time.Sleep(20 * time.Millisecond)
	}
}

// tokenWait bounds the wait until the gateway accepts a new token.
const tokenWait = 10 * time.Second

// newCaller returns a fresh ordinary account to make requests as.
func newCaller(t testing.TB) account {
	t.Helper()

	id, token := newAccount(t)
	return account{ID: id, Token: token}
}

// do makes a request as a, with HTTP Basic authentication.
func (a account) do(t testing.TB, method, target, contentType, body string,
	edits ...func(*http.Request),
) response {
	t.Helper()

	var b []byte
	if body != "" || contentType != "" {
		b = []byte(body)
	}

	return send(t, method, target, contentType, b, append([]func(*http.Request){withBasic(a.Token)},
		edits...)...)
}

// get makes a GET request as a.
func (a account) get(t testing.TB, target string) response {
	t.Helper()

	return a.do(t, http.MethodGet, target, "", "")
}

// form makes a request with a URL-encoded body as a. The body is sent as
// written, the way curl -d sends it.
func (a account) form(t testing.TB, method, target, body string) response {
	t.Helper()

	return a.do(t, method, target, formType, body)
}

// json makes a request with a JSON body as a.
func (a account) json(t testing.TB, method, target, body string) response {
	t.Helper()

	return a.do(t, method, target, jsonType, body)
}

// createContact creates a contact from a form body as a and returns it.
func (a account) createContact(t testing.TB, body string) map[string]any {
	t.Helper()

	r := a.form(t, http.MethodPost, "/api/contacts", body)
	require.Equal(t, http.StatusCreated, r.Status, "create a contact: %s", r)

	return object(t, r)
}

// createContactJSON creates a contact from a JSON body as a and returns it.
func (a account) createContactJSON(t testing.TB, body string) map[string]any {
	t.Helper()

	r := a.json(t, http.MethodPost, "/api/contacts", body)
	require.Equal(t, http.StatusCreated, r.Status, "create a contact: %s", r)

	return object(t, r)
}

// contact fetches a contact as a, requiring that it exists.
func (a account) contact(t testing.TB, id int64) map[string]any {
	t.Helper()

	r := a.get(t, contactPath(id))
	require.Equal(t, http.StatusOK, r.Status, "fetch contact %d: %s", id, r)

	return object(t, r)
}

// list fetches a listing as a, requiring 200, and returns its items.
func (a account) list(t testing.TB, target string) (response, []map[string]any) {
	t.Helper()

	r := a.get(t, target)
	require.Equal(t, http.StatusOK, r.Status, "list %s: %s", target, r)

	return r, array(t, r)
}

// contactPath returns the path of a contact.
func contactPath(id int64) string {
	return "/api/contacts/" + strconv.FormatInt(id, 10)
}

// msisdn returns the nth number of the test sequence 252662345678,
// 252662345679, … (n counts from 1), without the plus sign.
func msisdn(n int) string {
	return strconv.Itoa(252662345677 + n)
}

// object decodes a JSON object response body; numbers stay json.Number.
func object(t testing.TB, r response) map[string]any {
	t.Helper()

	var m map[string]any
	decodeJSON(t, r.Body, &m)
	require.NotNil(t, m, "expected a JSON object, got %s", r.Body)

	return m
}

// array decodes a JSON array-of-objects response body.
func array(t testing.TB, r response) []map[string]any {
	t.Helper()

	var a []map[string]any
	decodeJSON(t, r.Body, &a)
	require.NotNil(t, a, "expected a JSON array, got %s", r.Body)

	return a
}

func decodeJSON(t testing.TB, body []byte, v any) {
	t.Helper()

	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	require.NoError(t, dec.Decode(v), "decode %s", body)
}

// idOf returns the "id" of a decoded object.
func idOf(t testing.TB, m map[string]any) int64 {
	t.Helper()

	return intOf(t, m, "id")
}

// intOf returns an integer field of a decoded object.
func intOf(t testing.TB, m map[string]any, key string) int64 {
	t.Helper()

	n, ok := m[key].(json.Number)
	require.True(t, ok, "%s is not a number in %v", key, m)
	i, err := n.Int64()
	require.NoError(t, err)

	return i
}

// ids returns the ids of decoded objects, in order.
func ids(t testing.TB, items []map[string]any) []int64 {
	t.Helper()

	out := make([]int64, 0, len(items))
	for _, item := range items {
		out = append(out, idOf(t, item))
	}

	return out
}

// jsonText returns v as compact JSON, for comparing with require.JSONEq.
func jsonText(t testing.TB, v any) string {
	t.Helper()

	b, err := json.Marshal(v)
	require.NoError(t, err)

	return string(b)
}

// requireKeys requires that m has exactly the given keys.
func requireKeys(t testing.TB, m map[string]any, keys ...string) {
	t.Helper()

	got := make([]string, 0, len(m))
	for k := range m {
		got = append(got, k)
	}
	require.ElementsMatch(t, keys, got)
}

// requireTimestamp requires an API timestamp: UTC with exactly three
// fractional digits, such as 2017-11-23T05:22:07.519Z.
func requireTimestamp(t testing.TB, v any) time.Time {
	t.Helper()

	s, ok := v.(string)
	require.True(t, ok, "timestamp %v is not a string", v)
	require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, s)
	ts, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)

	return ts
}

// requireContact requires a full contact representation of account a with
// the given number and metadata (as JSON).
func requireContact(t testing.TB, a account, m map[string]any, number, metadata string) {
	t.Helper()

	requireKeys(t, m, contactKeys...)
	require.Positive(t, idOf(t, m))
	require.Equal(t, number, m["msisdn"])
	require.JSONEq(t, metadata, jsonText(t, m["metadata"]))
	require.Equal(t, a.ID, intOf(t, m, "account_id"))
	requireTimestamp(t, m["created_at"])
	requireTimestamp(t, m["updated_at"])
}

// requireErrors requires a 422 whose body is exactly the given errors
// object (as JSON).
func requireErrors(t testing.TB, r response, errors string) {
	t.Helper()

	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r)
	require.JSONEq(t, `{"errors":`+errors+`}`, string(r.Body))
	require.Empty(t, r.Header.Get("Location"))
}

// requireNotFound requires the API's 404 answer.
func requireNotFound(t testing.TB, r response) {
	t.Helper()

	require.Equal(t, http.StatusNotFound, r.Status, "%s", r)
	require.JSONEq(t, `{"status":404,"error":"Not Found"}`, string(r.Body))
}

// requirePage requires the paging headers of a listing.
func requirePage(t testing.TB, r response, perPage, total int) {
	t.Helper()

	require.Equal(t, strconv.Itoa(perPage), r.Header.Get("Per-Page"), "Per-Page")
	require.Equal(t, strconv.Itoa(total), r.Header.Get("Total"), "Total")
}

// links parses a Link header into the page number of each rel, and
// requires that every link keeps the other given query parameters.
func links(t testing.TB, r response, keep url.Values) map[string]int {
	t.Helper()

	out := map[string]int{}
	header := r.Header.Get("Link")
	if header == "" {
		return out
	}

	for _, entry := range strings.Split(header, ",") {
		target, rel, ok := strings.Cut(strings.TrimSpace(entry), ";")
		require.True(t, ok, "link entry %q has no rel", entry)
		rel = strings.TrimSpace(rel)
		require.True(t, strings.HasPrefix(rel, `rel="`) && strings.HasSuffix(rel, `"`),
			"link entry %q", entry)
		rel = strings.TrimSuffix(strings.TrimPrefix(rel, `rel="`), `"`)

		target = strings.TrimSpace(target)
		require.True(t, strings.HasPrefix(target, "<") && strings.HasSuffix(target, ">"),
			"link entry %q", entry)
		u, err := url.Parse(strings.TrimSuffix(strings.TrimPrefix(target, "<"), ">"))
		require.NoError(t, err)
		require.True(t, u.IsAbs(), "link %s is not absolute", u)
		require.Equal(t, "/api/contacts", u.Path)

		q := u.Query()
		for k := range keep {
			require.Equal(t, keep.Get(k), q.Get(k), "link %s keeps %s", u, k)
		}
		page, err := strconv.Atoi(q.Get("page"))
		require.NoError(t, err, "link %s has no page number", u)
		out[rel] = page
	}

	return out
}

// rels returns the rel names of parsed links, sorted.
func rels(l map[string]int) []string {
	out := make([]string, 0, len(l))
	for rel := range l {
		out = append(out, rel)
	}
	sort.Strings(out)

	return out
}

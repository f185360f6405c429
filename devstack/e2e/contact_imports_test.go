package e2e_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// importKeys are the keys of a contact import's JSON representation.
var importKeys = []string{
	"id", "account_id", "status", "filename", "rows", "created", "updated", "rejected", "error",
	"created_at", "updated_at", "finished_at",
}

// Reasons the tests expect for rejected rows.
const (
	ciBlank      = "msisdn can't be blank"
	ciInvalid    = "msisdn is an invalid number"
	ciScientific = "msisdn looks like a number in scientific notation " +
		"(reformat the column as text in the spreadsheet)"
)

// ciTrickyCSV holds every kind of row an import must tell apart: a byte
// order mark, CRLF line ends, quoted cells with commas, quotes and line
// breaks, blank rows, a number in scientific notation, numbers written
// differently that are the same, and numbers that are no numbers.
const ciTrickyCSV = "\xEF\xBB\xBF Name ,MSISDN,note\r\n" +
	"Alice,+252 66-(2)-345-678,\"likes \"\"quotes\"\", commas\"\r\n" + // row 1
	"Bob,85510202101,\"two\r\nlines\"\r\n" + // row 2
	"\r\n" + // row 3: blank
	"Carol,2.52662E+11,\r\n" + // row 4
	"Dan,252662345678,again\r\n" + // row 5: same as row 1
	"Eve,,no number\r\n" + // row 6
	"Fay,25212345,too short\r\n" + // row 7
	",,\r\n" + // row 8: blank
	"Gus,+85510202102,last\r\n" // row 9

// ciUpload posts a file as the multipart field "file", with extra form
// fields before it.
func (a account) ciUpload(t testing.TB, filename, content string, fields map[string]string,
	edits ...func(*http.Request),
) response {
	t.Helper()

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	part, err := mw.CreateFormFile("file", filename)
	require.NoError(t, err)
	_, err = part.Write([]byte(content))
	require.NoError(t, err)
	require.NoError(t, mw.Close())

	return a.do(t, http.MethodPost, "/api/contact_imports", mw.FormDataContentType(), body.String(),
		edits...)
}

// ciImported requires a finished import answer and returns the import.
func ciImported(t testing.TB, r response) map[string]any {
	t.Helper()

	require.Equal(t, http.StatusCreated, r.Status, "%s", r)
	m := object(t, r)
	requireKeys(t, m, importKeys...)
	require.Equal(t, "/api/contact_imports/"+strconv.FormatInt(idOf(t, m), 10), r.Header.Get("Location"))
	requireTimestamp(t, m["created_at"])
	requireTimestamp(t, m["finished_at"])
	return m
}

// ciCounts returns the status and counts of an import.
func ciCounts(t testing.TB, m map[string]any) string {
	t.Helper()

	return fmt.Sprintf("%s rows=%d created=%d updated=%d rejected=%d", m["status"],
		intOf(t, m, "rows"), intOf(t, m, "created"), intOf(t, m, "updated"), intOf(t, m, "rejected"))
}

// ciErrors lists every rejected row of an import as "row msisdn: reason".
func (a account) ciErrors(t testing.TB, id int64) []string {
	t.Helper()

	r, items := a.list(t, fmt.Sprintf("/api/contact_imports/%d/errors?per_page=1000", id))
	requirePage(t, r, 1000, len(items))
	var out []string
	for _, e := range items {
		requireKeys(t, e, "row", "msisdn", "reason")
		out = append(out, fmt.Sprintf("%d %s: %s", intOf(t, e, "row"), e["msisdn"], e["reason"]))
	}
	return out
}

// ciContact returns the metadata (as JSON) of a's contact with number, or
// "" when a has none.
func (a account) ciContact(t testing.TB, number string) string {
	t.Helper()

	_, items := a.list(t, "/api/contacts?q[msisdn]="+number)
	if len(items) == 0 {
		return ""
	}
	require.Len(t, items, 1)
	return jsonText(t, items[0]["metadata"])
}

func TestContactImportSortsTrickyRows(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	existing := a.createContactJSON(t, `{"msisdn":"85510202101","metadata":{"name":"Robert","vip":true}}`)

	imp := ciImported(t, a.ciUpload(t, "people.csv", ciTrickyCSV, nil))
	require.Equal(t, "completed rows=7 created=2 updated=1 rejected=4", ciCounts(t, imp))
	require.Equal(t, "people.csv", imp["filename"])
	require.Nil(t, imp["error"])
	require.Equal(t, a.ID, intOf(t, imp, "account_id"))

	id := idOf(t, imp)
	require.Equal(t, []string{
		"4 2.52662E+11: " + ciScientific,
		"5 252662345678: duplicate of row 1 in this file",
		"6 : " + ciBlank,
		"7 25212345: " + ciInvalid,
	}, a.ciErrors(t, id))

	require.JSONEq(t, `{"Name":"Alice","note":"likes \"quotes\", commas"}`, a.ciContact(t, "252662345678"))
	require.JSONEq(t, `{"Name":"Bob","name":"Robert","note":"two\nlines","vip":true}`,
		a.ciContact(t, "85510202101"))
	require.JSONEq(t, `{"Name":"Gus","note":"last"}`, a.ciContact(t, "85510202102"))
	require.Equal(t, existing["created_at"], a.contact(t, idOf(t, existing))["created_at"])

	// The import reads back as it was answered, and is listed.
	r := a.get(t, "/api/contact_imports/"+strconv.FormatInt(id, 10))
	require.Equal(t, http.StatusOK, r.Status, "%s", r)
	require.Equal(t, imp, object(t, r))
	r, items := a.list(t, "/api/contact_imports")
	requirePage(t, r, 25, 1)
	require.Equal(t, imp, items[0])

	// The errors page like every listing.
	r, items = a.list(t, fmt.Sprintf("/api/contact_imports/%d/errors?per_page=3&page=2", id))
	requirePage(t, r, 3, 4)
	require.Len(t, items, 1)
	require.Equal(t, int64(7), intOf(t, items[0], "row"))

	// The same file again changes the same contacts: none is created.
	again := ciImported(t, a.ciUpload(t, "people.csv", ciTrickyCSV, nil))
	require.Equal(t, "completed rows=7 created=0 updated=3 rejected=4", ciCounts(t, again))
	require.NotEqual(t, id, idOf(t, again))
	_, contacts := a.list(t, "/api/contacts")
	require.Len(t, contacts, 3)
}

func TestContactImportFormats(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	a.createContactJSON(t, `{"msisdn":"252662345678","metadata":{"a":1,"deep":{"x":1}}}`)

	t.Run("raw CSV body", func(t *testing.T) {
		r := a.do(t, http.MethodPost, "/api/contact_imports?filename=raw.csv", "text/csv; charset=utf-8",
			"msisdn\n85510202111\n85510202112\n")
		imp := ciImported(t, r)
		require.Equal(t, "completed rows=2 created=2 updated=0 rejected=0", ciCounts(t, imp))
		require.Equal(t, "raw.csv", imp["filename"])
	})

	t.Run("JSON array with merge mode", func(t *testing.T) {
		body := `[
			{"msisdn": "252662345678", "metadata": {"deep": {"y": 2}}, "b": 2},
			{"msisdn": 85510202121, "metadata": {"age": 42, "opted_in": true}},
			{"msisdn": 2.52662E+11},
			{"name": "nobody"},
			"not an object"
		]`
		r := a.do(t, http.MethodPost, "/api/contact_imports.json?metadata_merge_mode=deep_merge",
			"application/json", body)
		imp := ciImported(t, r)
		require.Equal(t, "completed rows=5 created=1 updated=1 rejected=3", ciCounts(t, imp))
		require.Nil(t, imp["filename"])
		require.JSONEq(t, `{"a":1,"b":2,"deep":{"x":1,"y":2}}`, a.ciContact(t, "252662345678"))
		require.JSONEq(t, `{"age":42,"opted_in":true}`, a.ciContact(t, "85510202121"))
		require.Equal(t, []string{
			"3 2.52662E+11: " + ciScientific,
			"4 : " + ciBlank,
			"5 : row is not a JSON object",
		}, a.ciErrors(t, idOf(t, imp)))
	})

	t.Run("multipart JSON file with replace", func(t *testing.T) {
		r := a.ciUpload(t, "list.json", `[{"msisdn":"252662345678","metadata":{"only":"this"}}]`,
			map[string]string{"metadata_merge_mode": "replace"})
		require.Equal(t, "completed rows=1 created=0 updated=1 rejected=0", ciCounts(t, ciImported(t, r)))
		require.JSONEq(t, `{"only":"this"}`, a.ciContact(t, "252662345678"))
	})
}

func TestContactImportRefusesUnusableFiles(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	for name, tt := range map[string]struct {
		contentType, body, errors string
	}{
		"no msisdn column": {
			"text/csv", "name,phone\nAlice,252662345678\n", `{"file":["has no msisdn column"]}`,
		},
		"empty CSV":  {"text/csv", "", `{"file":["is empty"]}`},
		"empty JSON": {"application/json", "", `{"file":["is empty"]}`},
		"bad JSON": {"application/json", `[{"msisdn":"252662345678"} {"msisdn":"1"}]`,
			`{"file":["is not valid JSON at row 2: expected comma after array element"]}`},
		"JSON object": {
			"application/json", `{"msisdn":"252662345678"}`, `{"file":["is not a JSON array"]}`,
		},
		"form body": {formType, "msisdn=252662345678",
			`{"file":["is not CSV (text/csv) or a JSON array (application/json)"]}`},
	} {
		t.Run(name, func(t *testing.T) {
			r := a.do(t, http.MethodPost, "/api/contact_imports", tt.contentType, tt.body)
			requireErrors(t, r, tt.errors)
		})
	}
	t.Run("multipart without file", func(t *testing.T) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		require.NoError(t, mw.WriteField("metadata_merge_mode", "replace"))
		require.NoError(t, mw.Close())
		r := a.do(t, http.MethodPost, "/api/contact_imports", mw.FormDataContentType(), body.String())
		requireErrors(t, r, `{"file":["can't be blank"]}`)
	})

	_, imports := a.list(t, "/api/contact_imports")
	require.Empty(t, imports, "a refused file creates no import")
	_, contacts := a.list(t, "/api/contacts")
	require.Empty(t, contacts)
}

func TestContactImportSpansChunks(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	const rows = 4500
	var b strings.Builder
	b.WriteString("msisdn,n\n")
	for i := 1; i <= rows; i++ {
		number := 252662300000 + i
		if i == 4400 {
			number = 252662300000 + 10 // the number of row 10, two chunks later
		}
		fmt.Fprintf(&b, "%d,%d\n", number, i)
	}

	imp := ciImported(t, a.ciUpload(t, "big.csv", b.String(), nil))
	require.Equal(t, "completed rows=4500 created=4499 updated=0 rejected=1", ciCounts(t, imp))
	require.Equal(t, []string{"4400 252662300010: duplicate of row 10 in this file"},
		a.ciErrors(t, idOf(t, imp)))
	require.JSONEq(t, `{"n":"10"}`, a.ciContact(t, "252662300010"))
	r, _ := a.list(t, "/api/contacts?per_page=1")
	requirePage(t, r, 1, 4499)
}

func TestContactImportMalformedPastItsFirstChunkFails(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	var b strings.Builder
	b.WriteString("[")
	for i := 1; i <= 2500; i++ {
		fmt.Fprintf(&b, `{"msisdn":"%d"},`, 252662300000+i)
	}
	b.WriteString(`{"msisdn": oops}]`)

	r := a.do(t, http.MethodPost, "/api/contact_imports", "application/json", b.String())

	_, imports := a.list(t, "/api/contact_imports")
	require.Len(t, imports, 1)
	imp := imports[0]
	id := fmt.Sprint(imp["id"])
	requireErrors(t, r, fmt.Sprintf(`{"file":["is not valid JSON at row 2501: invalid character 'o' `+
		`looking for beginning of value; the rows before it were imported (contact import %s, failed)"]}`, id))
	// The rows read before the malformed one stay imported.
	require.Equal(t, "failed rows=2500 created=2500 updated=0 rejected=0", ciCounts(t, imp))
	require.Equal(t, "file is not valid JSON at row 2501: "+
		"invalid character 'o' looking for beginning of value", imp["error"])
	requireTimestamp(t, imp["finished_at"])
}

func TestContactImportsAreScopedToTheAccount(t *testing.T) {
	t.Parallel()

	a, other := newCaller(t), newCaller(t)
	imp := ciImported(t, a.ciUpload(t, "a.csv", "msisdn\n252662345678\nnope\n", nil))
	path := "/api/contact_imports/" + strconv.FormatInt(idOf(t, imp), 10)

	requireNotFound(t, other.get(t, path))
	requireNotFound(t, other.get(t, path+"/errors"))
	_, items := other.list(t, "/api/contact_imports")
	require.Empty(t, items)
	require.Equal(t, "", other.ciContact(t, "252662345678"))

	// The same number is a contact of each account that imports it.
	mine := ciImported(t, other.ciUpload(t, "b.csv", "msisdn\n252662345678\n", nil))
	require.Equal(t, "completed rows=1 created=1 updated=0 rejected=0", ciCounts(t, mine))
}

func TestContactImportHonoursIdempotencyKey(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	key := withHeader("Idempotency-Key", "import-1")
	first := ciImported(t, a.ciUpload(t, "a.csv", "msisdn\n252662345678\n252662345679\n", nil, key))
	require.Equal(t, "completed rows=2 created=2 updated=0 rejected=0", ciCounts(t, first))

	// A repeat answers the first import and reads nothing of its body.
	repeat := a.ciUpload(t, "b.csv", "msisdn\n252662345680\n", nil, key)
	require.Equal(t, first, ciImported(t, repeat))
	_, imports := a.list(t, "/api/contact_imports")
	require.Len(t, imports, 1)
	require.Equal(t, "", a.ciContact(t, "252662345680"))

	// Another key is another import.
	other := ciImported(t, a.ciUpload(t, "a.csv", "msisdn\n252662345678\n", nil,
		withHeader("Idempotency-Key", "import-2")))
	require.Equal(t, "completed rows=1 created=0 updated=1 rejected=0", ciCounts(t, other))
}

func TestContactImportShowsProgressWhileStreaming(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	base, _ := gateway(t)
	pr, pw := io.Pipe()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/api/contact_imports", pr)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "text/csv")
	req.SetBasicAuth(a.Token, "")
	answered := make(chan response, 1)
	go func() {
		resp, err := (&http.Client{}).Do(req)
		if err != nil {
			answered <- response{Body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		answered <- response{Status: resp.StatusCode, Header: resp.Header, Body: body}
	}()
	rows := func(from, to int) {
		var b strings.Builder
		for i := from; i <= to; i++ {
			fmt.Fprintf(&b, "%d\n", 252662300000+i)
		}
		_, err := io.WriteString(pw, b.String())
		require.NoError(t, err)
	}

	// The first chunk is applied while the rest of the file is still to come.
	_, err = io.WriteString(pw, "msisdn\n")
	require.NoError(t, err)
	rows(1, 2100)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, items := a.list(t, "/api/contact_imports")
		if len(items) == 1 && intOf(t, items[0], "rows") == 2000 {
			require.Equal(t, "running rows=2000 created=2000 updated=0 rejected=0", ciCounts(t, items[0]))
			require.Nil(t, items[0]["finished_at"])
			break
		}
		require.True(t, time.Now().Before(deadline), "no progress shown: %v", items)
		time.Sleep(20 * time.Millisecond)
	}

	rows(2101, 2500)
	require.NoError(t, pw.Close())
	imp := ciImported(t, <-answered)
	require.Equal(t, "completed rows=2500 created=2500 updated=0 rejected=0", ciCounts(t, imp))
}

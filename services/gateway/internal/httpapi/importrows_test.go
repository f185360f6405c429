package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"scfm/shared/contract/calloutsv1"
)

// row is a row as the tests compare it: metadata as a JSON text.
type row struct {
	Row      int64
	MSISDN   string
	Metadata string
	Problem  string
}

// readAll reads every row of rows.
func readAll(t *testing.T, rows rowReader) []row {
	t.Helper()

	var out []row
	for {
		r, err := rows.next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		if r.Metadata != nil {
			require.True(t, json.Valid(r.Metadata), "metadata of row %d: %s", r.Row, r.Metadata)
		}
		out = append(out, row{r.Row, r.MSISDN, string(r.Metadata), r.Problem})
	}
}

func csvRowsOf(t *testing.T, text string) []row {
	t.Helper()

	rows, err := newCSVRows(strings.NewReader(text))
	require.NoError(t, err)
	return readAll(t, rows)
}

func TestCSVRows(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		text string
		want []row
	}{
		{
			name: "header case and spaces, metadata from the other columns",
			text: "Name, MSISDN ,ward\nAlice,252662345678,7\n",
			want: []row{{1, "252662345678", `{"Name":"Alice","ward":"7"}`, ""}},
		},
		{
			name: "byte order mark and CRLF",
			text: "\xEF\xBB\xBFmsisdn,name\r\n+252 66 234 5678,Alice\r\n85510202101,Bob\r\n",
			want: []row{
				{1, "+252 66 234 5678", `{"name":"Alice"}`, ""},
				{2, "85510202101", `{"name":"Bob"}`, ""},
			},
		},
		{
			name: "quoted fields with commas, quotes and line breaks",
			text: "msisdn,note\n\"252662345678\",\"a, \"\"b\"\"\r\nc\"\n",
			want: []row{{1, "252662345678", `{"note":"a, \"b\"\nc"}`, ""}},
		},
		{
			name: "blank rows are skipped but keep their number",
			text: "msisdn,name\n\n252662345678,A\n,\n  ,  \n252662345679,B",
			want: []row{
				{2, "252662345678", `{"name":"A"}`, ""},
				{5, "252662345679", `{"name":"B"}`, ""},
			},
		},
		{
			name: "blank lines before the header",
			text: "\n\r\n,,\nmsisdn\n252662345678\n",
			want: []row{{1, "252662345678", `{}`, ""}},
		},
		{
			name: "scientific notation is passed on as written",
			text: "msisdn\n2.52662E+11\n",
			want: []row{{1, "2.52662E+11", `{}`, ""}},
		},
		{
			name: "short and long rows, unnamed columns",
			text: "msisdn,a,,b\n252662345678\n252662345679,1,skipped,2,extra\n",
			want: []row{
				{1, "252662345678", `{}`, ""},
				{2, "252662345679", `{"a":"1","b":"2"}`, ""},
			},
		},
		{
			name: "empty cells are empty texts; a missing number is blank",
			text: "msisdn,name\n,Alice\n252662345678,\n",
			want: []row{
				{1, "", `{"name":"Alice"}`, ""},
				{2, "252662345678", `{"name":""}`, ""},
			},
		},
		{
			name: "sloppy quotes are text",
			text: "msisdn,note\n252662345678,say \"hi\"\n252662345679,\"x\"y\n",
			want: []row{
				{1, "252662345678", `{"note":"say \"hi\""}`, ""},
				{2, "252662345679", `{"note":"xy"}`, ""},
			},
		},
		{
			name: "control characters and unicode are escaped or kept",
			text: "msisdn,name\n252662345678,\"ស្រី\tA\x01\"\n",
			want: []row{{1, "252662345678", `{"name":"ស្រី\tA\u0001"}`, ""}},
		},
		{
			name: "a row that is not UTF-8",
			text: "msisdn,name\n252662345678,caf\xe9\n",
			want: []row{{1, "252662345678", "", problemNotUTF8}},
		},
		{
			name: "old Mac line ends",
			text: "msisdn\r252662345678\r252662345679",
			want: []row{{1, "252662345678", `{}`, ""}, {2, "252662345679", `{}`, ""}},
		},
		{
			name: "header only",
			text: "msisdn,name\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			require.Equal(t, tt.want, csvRowsOf(t, tt.text))
		})
	}
}

// A quote that is never closed swallows the rest of the file into one
// cell: the import must fail, not report the rows it never saw as absent.
func TestCSVQuoteLeftOpenIsAFileError(t *testing.T) {
	t.Parallel()

	rows, err := newCSVRows(strings.NewReader("msisdn,note\n252662345678,ok\n252662345679,\"open\nmore\n"))
	require.NoError(t, err)
	r, err := rows.next()
	require.NoError(t, err)
	require.EqualValues(t, 1, r.Row)
	_, err = rows.next()
	var fe fileError
	require.ErrorAs(t, err, &fe)
	require.Contains(t, err.Error(), "row 2")
}

func TestCSVRowsReadByteByByte(t *testing.T) {
	t.Parallel()

	text := "\xEF\xBB\xBFmsisdn,note\r\n252662345678,\"a,\"\"b\"\"\r\nc\"\r\n"
	rows, err := newCSVRows(iotest.OneByteReader(strings.NewReader(text)))
	require.NoError(t, err)
	require.Equal(t, []row{{1, "252662345678", `{"note":"a,\"b\"\nc"}`, ""}}, readAll(t, rows))
}

func TestCSVFileErrors(t *testing.T) {
	t.Parallel()

	for text, want := range map[string]string{
		"":                          "is empty",
		"\xEF\xBB\xBF":              "is empty",
		"\n\n,,\n":                  "is empty",
		"name,phone\nAlice,25266\n": "has no msisdn column",
		"msisdn,name,name\n":        "has the column name twice",
		"msisdn,MSISDN\n":           "has the column msisdn twice",
		"msisdn,caf\xe9\n":          "is not UTF-8 text",
		"msisdn,a\x00b\n":           "has a NUL byte in its header row",
	} {
		_, err := newCSVRows(strings.NewReader(text))
		var fe fileError
		require.ErrorAs(t, err, &fe, "%q", text)
		require.Equal(t, want, fe.msg, "%q", text)
	}
}

func TestCSVRowsStayBounded(t *testing.T) {
	t.Parallel()

	huge := strings.Repeat("x", 3*maxRowBytes)
	many := strings.Repeat(",", 2*maxRowColumns)
	text := "msisdn,note\n252662345678," + huge + "\n\"252662345679\",\"" + huge + "\"\n252662345680" +
		many + "\n252662345681,ok\n"
	got := csvRowsOf(t, text)
	require.Equal(t, []row{
		{1, "252662345678", "", problemTooLarge},
		{2, "252662345679", "", problemTooLarge},
		{3, "252662345680", "", problemTooLarge},
		{4, "252662345681", `{"note":"ok"}`, ""},
	}, got)

	_, err := newCSVRows(strings.NewReader("msisdn," + huge + "\n"))
	require.ErrorAs(t, err, new(fileError))
}

func TestJSONRows(t *testing.T) {
	t.Parallel()

	text := `[
		{"msisdn": "+252662345678", "metadata": {"name": "Alice", "age": 42}},
		{"msisdn": 85510202101, "ward": "7", "metadata": {"ward": "8"}},
		{"msisdn": 2.52662E+11},
		{"name": "no number"},
		{"msisdn": null, "metadata": null},
		{"msisdn": ["252662345678"]},
		{"msisdn": "252662345679", "metadata": "not an object"},
		"not an object",
		null
	]`
	rows, err := newJSONRows(strings.NewReader(text))
	require.NoError(t, err)
	require.Equal(t, []row{
		{1, "+252662345678", `{"age":42,"name":"Alice"}`, ""},
		{2, "85510202101", `{"ward":"8"}`, ""},
		{3, "2.52662E+11", `{}`, ""},
		{4, "", `{"name":"no number"}`, ""},
		{5, "", `{}`, ""},
		{6, `["252662345678"]`, "", problemInvalidNumber},
		{7, "252662345679", "", problemMetadataNotObject},
		{8, "", "", problemNotObject},
		{9, "", "", problemNotObject},
	}, readAll(t, rows))
}

func TestJSONFileErrors(t *testing.T) {
	t.Parallel()

	for text, want := range map[string]string{
		"":                    "is empty",
		"  ":                  "is empty",
		`{"msisdn":"1"}`:      "is not a JSON array",
		`[{"msisdn":"1"} {}]`: "is not valid JSON at row 2: expected comma after array element",
		`[{"msisdn":"1"},`:    "is not valid JSON: it ends inside row 2",
		`[{"msisdn":"1"}] x`:  "has more after the JSON array",
		`nonsense`: "is not valid JSON at row 1: " +
			"invalid character 'o' in literal null (expecting 'u')",
	} {
		rows, err := newJSONRows(strings.NewReader(text))
		if err == nil {
			for err == nil {
				_, err = rows.next()
			}
		}
		var fe fileError
		require.ErrorAs(t, err, &fe, "%q", text)
		require.Equal(t, want, fe.msg, "%q", text)
	}
}

func TestJSONElementTooLargeFailsTheFile(t *testing.T) {
	t.Parallel()

	text := `[{"msisdn":"252662345678"},{"msisdn":"252662345679","note":"` +
		strings.Repeat("x", 2*maxElementBytes) + `"}]`
	rows, err := newJSONRows(strings.NewReader(text))
	require.NoError(t, err)
	_, err = rows.next()
	require.NoError(t, err)
	_, err = rows.next()
	var fe fileError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "has row 2 larger than 1048576 bytes", fe.msg)
}

func TestReadChunkBoundsRows(t *testing.T) {
	t.Parallel()

	var b bytes.Buffer
	b.WriteString("msisdn,note\n")
	for range calloutsv1.ImportChunkRows + 10 {
		b.WriteString("252662345678,x\n")
	}
	b.WriteString(strings.Repeat("9", 2*maxNumberBytes) + ",y\n")
	rows, err := newCSVRows(&b)
	require.NoError(t, err)

	first, err := readChunk(rows)
	require.NoError(t, err)
	require.Len(t, first, calloutsv1.ImportChunkRows)

	rest, err := readChunk(rows)
	require.ErrorIs(t, err, io.EOF)
	require.Len(t, rest, 11)
	last := rest[10]
	require.Equal(t, int64(calloutsv1.ImportChunkRows+11), last.Row)
	require.Len(t, last.MSISDN, maxNumberBytes)
	require.Equal(t, problemInvalidNumber, last.Problem)
	require.Nil(t, last.Metadata)
}

func TestBodyErrorsAreNotFileErrors(t *testing.T) {
	t.Parallel()

	broken := io.MultiReader(strings.NewReader(`[{"msisdn":"2526`), iotest.ErrReader(io.ErrUnexpectedEOF))
	rc := http.NewResponseController(httptest.NewRecorder())
	rows, err := newJSONRows(&deadlineReader{r: broken, rc: rc})
	require.NoError(t, err)
	_, err = rows.next()
	require.ErrorAs(t, err, new(bodyError))
	require.Equal(t, "upload interrupted", failureText(err, 1))
}

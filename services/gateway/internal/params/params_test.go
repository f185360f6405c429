package params

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

func TestDecode(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name        string
		target      string
		contentType string
		body        string
		want        map[string]any
	}{
		{
			name:   "query only",
			target: "/api/contacts?q[metadata][gender]=f&per_page=2",
			want: map[string]any{
				"q":        map[string]any{"metadata": map[string]any{"gender": "f"}},
				"per_page": "2",
			},
		},
		{
			name:   "query with semicolon kept as data",
			target: "/?a=1;b=2",
			want:   map[string]any{"a": "1;b=2"},
		},
		{
			name:        "form body",
			target:      "/",
			contentType: formType,
			body:        "msisdn=%2B252662345678&metadata[a][b]=c&x[]=1&x[]=2",
			want: map[string]any{
				"msisdn":   "+252662345678",
				"metadata": map[string]any{"a": map[string]any{"b": "c"}},
				"x":        []any{"1", "2"},
			},
		},
		{
			name:        "form body with charset",
			target:      "/",
			contentType: formType + "; charset=utf-8",
			body:        "a=%C3%A9",
			want:        map[string]any{"a": "é"},
		},
		{
			name:        "form body keeps request order for arrays of hashes",
			target:      "/",
			contentType: formType,
			body:        "a[][c]=1&a[][b]=2&a[][c]=3",
			want: map[string]any{"a": []any{
				map[string]any{"c": "1", "b": "2"},
				map[string]any{"c": "3"},
			}},
		},
		{
			name:        "json body",
			target:      "/",
			contentType: jsonType,
			body:        `{"a":1,"b":1.50,"c":true,"d":null,"e":{"f":[1,"x"]},"g[h]":"i"}`,
			want: map[string]any{
				"a":    json.Number("1"),
				"b":    json.Number("1.50"),
				"c":    true,
				"d":    nil,
				"e":    map[string]any{"f": []any{json.Number("1"), "x"}},
				"g[h]": "i",
			},
		},
		{
			name:        "json suffix type",
			target:      "/",
			contentType: "application/vnd.api+json; charset=utf-8",
			body:        `{"a":"b"}`,
			want:        map[string]any{"a": "b"},
		},
		{
			name:        "empty json body",
			target:      "/?a=1",
			contentType: jsonType,
			body:        "",
			want:        map[string]any{"a": "1"},
		},
		{
			name:        "blank json body",
			target:      "/?a=1",
			contentType: jsonType,
			body:        " \n\t",
			want:        map[string]any{"a": "1"},
		},
		{
			name:        "body wins over query",
			target:      "/?a=1&b=2",
			contentType: jsonType,
			body:        `{"b":"3"}`,
			want:        map[string]any{"a": "1", "b": "3"},
		},
		{
			name:        "body replaces a whole top-level key",
			target:      "/?q[a]=1",
			contentType: formType,
			body:        "q[b]=2",
			want:        map[string]any{"q": map[string]any{"b": "2"}},
		},
		{
			name:   "form-like body without content type",
			target: "/",
			body:   "a=1&b[c]=2\r\n",
			want:   map[string]any{"a": "1", "b": map[string]any{"c": "2"}},
		},
		{
			name:        "form-like body with other content type",
			target:      "/",
			contentType: "text/plain",
			body:        "a=1",
			want:        map[string]any{"a": "1"},
		},
		{
			name:   "json body without content type is ignored",
			target: "/?a=1",
			body:   `{"b":"2"}`,
			want:   map[string]any{"a": "1"},
		},
		{
			name:        "text body is ignored",
			target:      "/",
			contentType: "text/plain",
			body:        "hello world",
			want:        map[string]any{},
		},
		{
			name:        "badly encoded body of unknown type is ignored",
			target:      "/",
			contentType: "application/octet-stream",
			body:        "a=%zz",
			want:        map[string]any{},
		},
		{
			name:        "malformed content type",
			target:      "/",
			contentType: "%%%",
			body:        "a=1",
			want:        map[string]any{"a": "1"},
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()

			r := newRequest(test.target, test.contentType, test.body)

			got, err := Decode(r, 1024)

			require.NoError(t, err)
			require.Equal(t, test.want, got)
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name        string
		target      string
		contentType string
		body        string
		status      int
		message     string
	}{
		{
			name:        "malformed json",
			contentType: jsonType,
			body:        `{"a":}`,
			status:      http.StatusBadRequest,
			message: "malformed JSON at byte 6: " +
				"invalid character '}' looking for beginning of value",
		},
		{
			name:        "truncated json",
			contentType: jsonType,
			body:        `{"a":"b"`,
			status:      http.StatusBadRequest,
			message:     "malformed JSON: unexpected end of input",
		},
		{
			name:        "json array",
			contentType: jsonType,
			body:        `[{"a":"b"}]`,
			status:      http.StatusBadRequest,
			message:     "request body must be a JSON object",
		},
		{
			name:        "json string",
			contentType: jsonType,
			body:        `"a"`,
			status:      http.StatusBadRequest,
			message:     "request body must be a JSON object",
		},
		{
			name:        "json null",
			contentType: jsonType,
			body:        `null`,
			status:      http.StatusBadRequest,
			message:     "request body must be a JSON object",
		},
		{
			name:        "two json values",
			contentType: jsonType,
			body:        `{"a":1} {"b":2}`,
			status:      http.StatusBadRequest,
			message:     "malformed JSON: more than one top-level value",
		},
		{
			name:        "json with trailing garbage",
			contentType: jsonType,
			body:        `{"a":1}}`,
			status:      http.StatusBadRequest,
		},
		{
			name:        "json NUL value",
			contentType: jsonType,
			body:        `{"a":{"b":["\u0000"]}}`,
			status:      http.StatusBadRequest,
			message:     "request body must not contain NUL characters",
		},
		{
			name:        "json NUL key",
			contentType: jsonType,
			body:        `{"a\u0000":1}`,
			status:      http.StatusBadRequest,
			message:     "request body must not contain NUL characters",
		},
		{
			name:        "form bad escape",
			contentType: formType,
			body:        "a=100%",
			status:      http.StatusBadRequest,
			message:     `form body is malformed: decode value of "a": invalid URL escape "%"`,
		},
		{
			name:        "form invalid utf-8",
			contentType: formType,
			body:        "a=%FF",
			status:      http.StatusBadRequest,
			message:     "form body is malformed: a parameter is not valid UTF-8",
		},
		{
			name:        "form NUL",
			contentType: formType,
			body:        "a%00=1",
			status:      http.StatusBadRequest,
			message:     "form body is malformed: a parameter contains a NUL character",
		},
		{
			name:    "query bad escape",
			target:  "/?a%zz=1",
			status:  http.StatusBadRequest,
			message: `query string is malformed: decode key: invalid URL escape "%zz"`,
		},
		{
			name:        "multipart without boundary",
			contentType: "multipart/form-data",
			body:        "a=1",
			status:      http.StatusBadRequest,
			message:     "multipart body has no boundary",
		},
		{
			name:        "multipart garbage",
			contentType: "multipart/form-data; boundary=xyz",
			body:        "a=1",
			status:      http.StatusBadRequest,
			message:     "multipart body is malformed",
		},
		{
			name:        "json too large",
			contentType: jsonType,
			body:        `{"a":"` + strings.Repeat("x", 100) + `"}`,
			status:      http.StatusRequestEntityTooLarge,
			message:     "request body is larger than 64 bytes",
		},
		{
			name:        "form too large",
			contentType: formType,
			body:        "a=" + strings.Repeat("x", 100),
			status:      http.StatusRequestEntityTooLarge,
			message:     "request body is larger than 64 bytes",
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()

			target := test.target
			if target == "" {
				target = "/"
			}
			r := newRequest(target, test.contentType, test.body)

			got, err := Decode(r, 64)

			require.Nil(t, got)
			var perr *Error
			require.ErrorAs(t, err, &perr)
			require.Equal(t, test.status, perr.Status)
			if test.message != "" {
				require.Equal(t, test.message, perr.Message)
			}
			require.Contains(t, perr.Error(), perr.Message)
		})
	}
}

func TestDecodeTooLargeWithoutContentLength(t *testing.T) {
	t.Parallel()

	for _, contentType := range []string{jsonType, formType, "", "text/plain"} {
		body := `{"a":"` + strings.Repeat("x", 100) + `"}`
		if contentType != jsonType {
			body = "a=" + strings.Repeat("x", 100)
		}
		r := newRequest("/", contentType, body)
		r.ContentLength = -1
		r.Body = io.NopCloser(strings.NewReader(body))

		_, err := Decode(r, 64)

		var perr *Error
		require.ErrorAs(t, err, &perr, contentType)
		require.Equal(t, http.StatusRequestEntityTooLarge, perr.Status, contentType)

		var maxErr *http.MaxBytesError
		require.ErrorAs(t, err, &maxErr, contentType)
	}
}

func TestDecodeDefaultMaxBody(t *testing.T) {
	t.Parallel()

	small := newRequest("/", formType, "a="+strings.Repeat("x", 2000))
	got, err := Decode(small, 0)
	require.NoError(t, err)
	require.Len(t, got["a"], 2000)

	large := newRequest("/", formType, "a="+strings.Repeat("x", DefaultMaxBody))
	_, err = Decode(large, -1)
	var perr *Error
	require.ErrorAs(t, err, &perr)
	require.Equal(t, http.StatusRequestEntityTooLarge, perr.Status)
}

func TestDecodeMultipart(t *testing.T) {
	t.Parallel()

	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	require.NoError(t, w.WriteField("a[][b]", "1"))
	require.NoError(t, w.WriteField("a[][c]", "2"))
	file, err := w.CreateFormFile("upload", "contacts.csv")
	require.NoError(t, err)
	_, err = file.Write([]byte("msisdn\n+252662345678\n"))
	require.NoError(t, err)
	require.NoError(t, w.WriteField("name", "x"))
	require.NoError(t, w.Close())

	r := newRequest("/?name=y&q=1", w.FormDataContentType(), buf.String())

	got, err := Decode(r, 1<<20)

	require.NoError(t, err)
	want := map[string]any{
		"a":    []any{map[string]any{"b": "1", "c": "2"}},
		"name": "x",
		"q":    "1",
	}
	require.Equal(t, want, got)
}

func TestDecodeMultipartTooLarge(t *testing.T) {
	t.Parallel()

	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	require.NoError(t, w.WriteField("a", strings.Repeat("x", 500)))
	require.NoError(t, w.Close())
	r := newRequest("/", w.FormDataContentType(), buf.String())
	r.ContentLength = -1

	_, err := Decode(r, 256)

	var perr *Error
	require.ErrorAs(t, err, &perr)
	require.Equal(t, http.StatusRequestEntityTooLarge, perr.Status)
}

func TestDecodeNilBody(t *testing.T) {
	t.Parallel()

	r := newRequest("/?a=1", "", "")
	r.Body = nil

	got, err := Decode(r, 64)

	require.NoError(t, err)
	require.Equal(t, map[string]any{"a": "1"}, got)
}

func TestErrorUnwrap(t *testing.T) {
	t.Parallel()

	cause := errors.New("boom")
	err := &Error{Status: http.StatusBadRequest, Message: "bad", Err: cause}

	require.ErrorIs(t, err, cause)
	require.Equal(t, "params: bad: boom", err.Error())
	require.Equal(t, "params: bad", (&Error{Message: "bad"}).Error())
}

// newRequest builds a POST request; an empty contentType sends none.
func newRequest(target, contentType, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}

	return r
}

func TestDecodeRefusesTooManyValues(t *testing.T) {
	t.Parallel()

	var b strings.Builder
	b.WriteString(`{"q":{"metadata":{`)
	for i := range MaxValues + 1 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":"v"`, i)
	}
	b.WriteString(`}}}`)
	r := httptest.NewRequest(http.MethodGet, "/api/contacts", strings.NewReader(b.String()))
	r.Header.Set("Content-Type", "application/json")

	_, err := Decode(r, 0)
	var pe *Error
	require.ErrorAs(t, err, &pe)
	require.Equal(t, http.StatusUnprocessableEntity, pe.Status)
}

func TestDecodeRefusesKeysNestedTooDeep(t *testing.T) {
	t.Parallel()

	deep := "q[metadata]" + strings.Repeat("[a]", maxDepth) + "=1"
	r := httptest.NewRequest(http.MethodGet, "/api/contacts?"+deep, nil)
	_, err := Decode(r, 0)
	var pe *Error
	require.ErrorAs(t, err, &pe)
	require.Equal(t, http.StatusBadRequest, pe.Status)

	kept := "q" + strings.Repeat("[a]", maxDepth-1) + "=1"
	r = httptest.NewRequest(http.MethodGet, "/api/contacts?"+kept, nil)
	_, err = Decode(r, 0)
	require.NoError(t, err)
}

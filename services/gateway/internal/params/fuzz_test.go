package params

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzDecodeValues(f *testing.F) {
	seeds := []string{
		"a[b][c]=v",
		"x[]=1&x[]=2",
		"[metadata][name]=x",
		"a[][b]=1&a[][c]=2&a[][b]=3",
		"a=1&a[b]=2",
		"a[b]=1&a[b][c]=2",
		"a[]=1&a[b]=2&a=3",
		"a[][]=1&a[][][b]=2",
		"a]b=1&c[d=2&e[f][=3",
		"=1&[]=2&[[]]]=3",
		"a" + strings.Repeat("[]", 40) + "=1",
		"a=%zz&b=%FF&c=%00",
	}
	for _, seed := range seeds {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, raw string) {
		values, _ := url.ParseQuery(raw)

		params := DecodeValues(values)

		if params == nil {
			t.Fatal("nil map")
		}
		for key := range params {
			if key == "" {
				t.Fatalf("empty key from %q", raw)
			}
		}
	})
}

func FuzzDecode(f *testing.F) {
	seeds := []struct {
		contentType string
		query       string
		body        string
	}{
		{contentType: jsonType, query: "a=1", body: `{"a":1,"b":{"c":[1,"x",null]}}`},
		{contentType: jsonType, body: `{"a":}`},
		{contentType: jsonType, body: `[1]`},
		{contentType: jsonType, body: `{"a":"\u0000"}`},
		{contentType: jsonType, body: `{"a":1} x`},
		{contentType: formType, query: "b[]=1", body: "a[b][c]=v&x[]=1&x[]=2"},
		{contentType: formType, body: "a=%zz"},
		{contentType: formType, body: "a=%FF&b=%00"},
		{contentType: "", body: "a=1&b=2\n"},
		{contentType: "text/plain", body: "hello"},
		{contentType: "multipart/form-data; boundary=xyz", body: multipartSeed},
		{contentType: "multipart/form-data; boundary=xyz", body: "--xyz\r\n"},
		{contentType: "multipart/form-data", body: "a=1"},
		{contentType: "%%%", query: "%zz", body: "a=1"},
	}
	for _, seed := range seeds {
		f.Add(seed.contentType, seed.query, []byte(seed.body))
	}

	f.Fuzz(func(t *testing.T, contentType, query string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
		r.URL.RawQuery = query
		r.Header.Set("Content-Type", contentType)

		params, err := Decode(r, 512)

		if err == nil {
			if params == nil {
				t.Fatal("nil map without error")
			}
			if !storable(params) {
				t.Fatalf("text that is not valid UTF-8 or holds a NUL in %v", params)
			}
			return
		}

		var perr *Error
		if !errors.As(err, &perr) {
			t.Fatalf("error %v is no *Error", err)
		}
		if perr.Status != http.StatusBadRequest && perr.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d", perr.Status)
		}
		if params != nil {
			t.Fatal("map with error")
		}
	})
}

// storable reports whether every string in v, object keys included, is
// valid UTF-8 without NUL characters.
func storable(v any) bool {
	switch v := v.(type) {
	case string:
		return utf8.ValidString(v) && !strings.ContainsRune(v, 0)
	case map[string]any:
		for key, item := range v {
			if !storable(key) || !storable(item) {
				return false
			}
		}
	case []any:
		for _, item := range v {
			if !storable(item) {
				return false
			}
		}
	}

	return true
}

const multipartSeed = "--xyz\r\n" +
	"Content-Disposition: form-data; name=\"a[b]\"\r\n\r\n" +
	"1\r\n" +
	"--xyz\r\n" +
	"Content-Disposition: form-data; name=\"file\"; filename=\"f.csv\"\r\n\r\n" +
	"x,y\r\n" +
	"--xyz--\r\n"

package e2e_test

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fuzzMethods are the methods a fuzz input picks from.
var fuzzMethods = []string{
	http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete,
	http.MethodHead, http.MethodOptions,
}

// fuzzTargetEnv passes the system under test from the fuzzing coordinator
// to its worker processes, which inherit its environment: without it every
// worker would build and start a system of its own.
const fuzzTargetEnv = "SCFM_E2E_FUZZ_TARGET"

// fuzzTarget is where fuzz inputs go: the gateway, a token of an ordinary
// account and one of its contacts, whose id replaces "{id}" in paths.
type fuzzTarget struct {
	base      string
	token     string
	contactID int64
}

// newFuzzTarget returns the coordinator's target in a fuzzing worker, and
// otherwise starts the system, makes the target and publishes it to the
// workers to come.
func newFuzzTarget(f *testing.F) fuzzTarget {
	f.Helper()

	if v := os.Getenv(fuzzTargetEnv); v != "" {
		var ft fuzzTarget
		_, err := fmt.Sscan(v, &ft.base, &ft.token, &ft.contactID)
		require.NoError(f, err, "%s=%q", fuzzTargetEnv, v)

		return ft
	}

	base, _ := gateway(f)
	a := newCaller(f)
	c := a.createContact(f, "msisdn="+msisdn(1)+"&metadata[name]=Fuzz")
	ft := fuzzTarget{base: base, token: a.Token, contactID: idOf(f, c)}
	require.NoError(f, os.Setenv(fuzzTargetEnv,
		fmt.Sprintf("%s %s %d", ft.base, ft.token, ft.contactID)))

	return ft
}

// FuzzGatewayNeverAnswers5xx sends arbitrary requests to the contact routes
// with a valid token: whatever the method, path, query, body and content
// type, the answer is never a server error, and never "unavailable" while
// every service is up.
func FuzzGatewayNeverAnswers5xx(f *testing.F) {
	ft := newFuzzTarget(f)

	for _, s := range fuzzSeeds() {
		f.Add(s.method, s.suffix, s.query, []byte(s.body), s.contentType)
	}

	f.Fuzz(func(t *testing.T, method uint8, suffix, query string, body []byte,
		contentType string,
	) {
		m := fuzzMethods[int(method)%len(fuzzMethods)]
		target := "/api/contacts" +
			escapeExcept(strings.ReplaceAll(suffix, "{id}", strconv.FormatInt(ft.contactID, 10)),
				"?#")
		if query != "" {
			target += "?" + escapeExcept(query, "#")
		}

		r, err := exchange(t.Context(), ft.base, m, target, headerValue(contentType), body,
			withBasic(ft.token))
		require.NoError(t, err, "%s %s", m, target)
		require.Less(t, r.Status, http.StatusInternalServerError,
			"%s %s\nContent-Type: %s\n\n%q\n\nanswered %s", m, target, contentType, body, r)
	})
}

// escapeExcept percent-encodes the bytes of s that cannot appear in a
// request target as written, the bytes in also, and every '%' that does
// not start an escape, leaving everything else (brackets included) as it
// is.
func escapeExcept(s, also string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(c)
		case c <= ' ' || c >= 0x7f || c == '%' || strings.IndexByte(also, c) >= 0:
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}

	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// headerValue drops the bytes an HTTP client refuses to send in a header.
func headerValue(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r >= ' ' && r < 0x7f {
			return r
		}
		return -1
	}, s)
}

// fuzzSeed is one seed input; method indexes fuzzMethods.
type fuzzSeed struct {
	method      uint8
	suffix      string
	query       string
	body        string
	contentType string
}

// Method indexes into fuzzMethods, for readable seeds.
const (
	get uint8 = iota
	post
	patch
	put
	del
	head
	options
)

// fuzzSeeds returns inputs known to upset parsers, databases and paging
// arithmetic.
func fuzzSeeds() []fuzzSeed {
	deepJSON := strings.Repeat(`{"a":`, 9000) + "1" + strings.Repeat("}", 9000)
	deepForm := "metadata" + strings.Repeat("[a]", 5000) + "=1"

	return []fuzzSeed{
		// Ordinary requests, for the fuzzer to start from.
		{method: get},
		{method: get, suffix: "/{id}"},
		{method: post, body: "msisdn=252662345679&metadata[a]=b", contentType: formType},
		{method: patch, suffix: "/{id}", body: `{"metadata":{"a":1}}`, contentType: jsonType},

		// Malformed and surprising JSON.
		{method: post, body: `{"msisdn":`, contentType: jsonType},
		{method: post, body: `{"msisdn":"252662345680",}`, contentType: jsonType},
		{method: post, body: `[1,2,3]`, contentType: jsonType},
		{method: post, body: `"msisdn"`, contentType: jsonType},
		{method: post, body: `null`, contentType: jsonType},
		{method: post, body: `{} {}`, contentType: jsonType},
		{method: post, body: strings.Repeat("[", 20000), contentType: jsonType},
		{method: post, body: `{"msisdn":"252662345681","metadata":` + deepJSON + `}`,
			contentType: jsonType},
		{method: patch, suffix: "/{id}", body: `{"metadata":` + deepJSON + `}`,
			contentType: jsonType},
		{method: post, body: `{"msisdn":"252662345682","metadata":{"n":1e999999}}`,
			contentType: jsonType},
		{method: post, body: `{"msisdn":"252662345683","metadata":{"n":-1e-999999}}`,
			contentType: jsonType},
		{method: post, body: `{"msisdn":252662345684,"metadata":{"big":` +
			strings.Repeat("9", 5000) + `}}`, contentType: jsonType},
		{method: post, body: `{"msisdn":1e400}`, contentType: jsonType},
		{method: post, body: `{"msisdn":true,"metadata":[1,2]}`, contentType: jsonType},
		{method: post, body: `{"msisdn":null,"metadata":null,"metadata_merge_mode":{}}`,
			contentType: jsonType},
		{method: post, body: `{"msisdn":["252662345685"],"metadata":"x"}`, contentType: jsonType},
		{method: patch, suffix: "/{id}", body: `{"metadata_merge_mode":["replace"],"metadata":{}}`,
			contentType: jsonType},
		{method: post, body: `{"msisdn":"252662345686","metadata":{"k":"\u0000"}}`,
			contentType: jsonType},
		{method: post, body: `{"msisdn":"2526623\u00004","metadata":{"\u0000":1}}`,
			contentType: jsonType},
		{method: post, body: "{\"msisdn\":\"252662345687\",\"metadata\":{\"k\":\"\xff\xfe\"}}",
			contentType: jsonType},
		{method: post, body: "{\"msisdn\":\"252662345688\",\"metadata\":{\"\xc3\x28\":1}}",
			contentType: jsonType},
		{method: post, body: `{"msisdn":"252662345689","metadata":{"k":"\ud800"}}`,
			contentType: jsonType},
		{method: post, body: `{"msisdn":"252662345690","msisdn":{"a":1}}`, contentType: jsonType},

		// Form bodies with odd shapes.
		{method: post, body: "msisdn[a]=1", contentType: formType},
		{method: post, body: "msisdn[]=1&msisdn[]=2", contentType: formType},
		{method: post, body: "msisdn=%00252662345678", contentType: formType},
		{method: post, body: "msisdn=%ff%fe&metadata[%ff]=%fe", contentType: formType},
		{method: post, body: "msisdn=252662345691&metadata[a]=1&metadata[a][b]=2",
			contentType: formType},
		{method: post, body: "msisdn=252662345692&metadata[][]=1&metadata[]]=2&[]=3",
			contentType: formType},
		{method: post, body: "msisdn=252662345693&" + deepForm, contentType: formType},
		{method: post, body: "%=%&&==&msisdn=%zz", contentType: formType},
		{method: post, body: "msisdn=" + strings.Repeat("9", 10000), contentType: formType},
		{method: post, body: "msisdn=+" + strings.Repeat("(", 500), contentType: formType},
		{method: patch, suffix: "/{id}", body: "metadata_merge_mode[]=replace&metadata=foo",
			contentType: formType},

		// Content types that do not match the body.
		{method: post, body: `{"msisdn":"252662345694"}`, contentType: formType},
		{method: post, body: "msisdn=252662345695", contentType: jsonType},
		{method: post, body: "msisdn=252662345696", contentType: "multipart/form-data"},
		{method: post, body: "--x\r\nContent-Disposition: form-data; name=\"msisdn\"\r\n\r\n" +
			"252662345697\r\n--x--\r\n", contentType: "multipart/form-data; boundary=x"},
		{method: post, body: "--x\r\nbroken", contentType: "multipart/form-data; boundary=x"},
		{method: post, body: "msisdn=252662345698", contentType: "text/plain; charset=\"unclosed"},
		{method: post, body: "\x00\x01\x02", contentType: "application/octet-stream"},
		{method: put, suffix: "/{id}", body: `{"msisdn":"x"}`,
			contentType: "application/vnd.api+json"},

		// Paths.
		{method: get, suffix: "/0"},
		{method: get, suffix: "/-1"},
		{method: get, suffix: "/9223372036854775807"},
		{method: get, suffix: "/99999999999999999999999"},
		{method: get, suffix: "/1e3"},
		{method: get, suffix: "/%00"},
		{method: get, suffix: "/%ff"},
		{method: get, suffix: "/{id}.json"},
		{method: get, suffix: "/{id}.xml"},
		{method: get, suffix: ".json."},
		{method: del, suffix: "/{id}/"},
		{method: get, suffix: "/{id}/../../contacts"},
		{method: options, suffix: "/{id}"},
		{method: head},
		{method: post, suffix: "/{id}"},

		// Paging.
		{method: get, query: "page=9223372036854775807"},
		{method: get, query: "page=9223372036854775807&per_page=1000"},
		{method: get, query: "page=-9223372036854775808&per_page=-1"},
		{method: get, query: "page=99999999999999999999999999&per_page=99999999999999999999"},
		{method: get, query: "page=2147483648&per_page=2147483647"},
		{method: get, query: "page[]=1&per_page[a]=2"},
		{method: get, query: "page=1e9&per_page=0x10"},
		{method: get, query: "per_page=%00"},

		// Filters with odd types and values.
		{method: get, query: "q=foo"},
		{method: get, query: "q[]=1"},
		{method: get, query: "q[metadata]=foo"},
		{method: get, query: "q[metadata][a][]=1&q[metadata][a][]=2"},
		{method: get, query: "q[metadata][a][b][c][d]=1"},
		{method: get, query: "q[metadata][%00]=%00"},
		{method: get, query: "q[metadata][%ff]=%fe"},
		{method: get, query: "q[metadata][a'b]=c'd&q[metadata][\"]=\\"},
		{method: get, query: "q[msisdn]=&q[msisdn][]=252662345678"},
		{method: get, query: "q[msisdn][a]=1"},
		{method: get, query: "q[msisdn]=%00"},
		{method: get, query: "q[created_at_before]=99999-99-99"},
		{method: get, query: "q[created_at_after]=2017-13-45+25:61:61"},
		{method: get, query: "q[created_at_or_after]=-292277022657-01-27"},
		{method: get, query: "q[created_at_or_before]=292277026596-12-04"},
		{method: get, query: "q[updated_at_after][]=2017-01-01"},
		{method: get, query: "q[updated_at_before][a]=1"},
		{method: get, query: "q[updated_at_before]=0000-00-00+00:00:00"},
		{method: get, query: "q[updated_at_after]=1e308"},
		{method: get, query: "q[created_at_after]=2017-11-29T01:36:02%2B99:99"},
		{method: get, query: "sort=-"},
		{method: get, query: "sort=,,"},
		{method: get, query: "sort=id;drop+table+contacts"},
		{method: get, query: "sort[]=id"},
		{method: get, query: "sort=-created_at,id,-updated_at,msisdn"},

		// Tokens and parameters in odd places.
		{method: get, query: "access_token[]=x&bearer_token[a]=y"},
		{method: get, query: "format=xml"},
		{method: post, query: "msisdn=252662345699", body: "metadata[a]=b", contentType: formType},
	}
}

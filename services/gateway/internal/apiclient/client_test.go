package apiclient

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAnswerErrorKeepsTheServersReasons(t *testing.T) {
	req := Request{Method: http.MethodPost, Path: "/api/callouts"}
	resp := &http.Response{StatusCode: 422, Header: http.Header{}}

	body := `{"errors":{"call_flow_logic":["is not included in the list"],"base":"one"}}`
	err := answerError(req, resp, []byte(body))

	var refused *APIError
	require.ErrorAs(t, err, &refused)
	require.Equal(t, []string{"base: one", "call_flow_logic: is not included in the list"},
		refused.Reasons())
	require.Contains(t, err.Error(), "POST /api/callouts: 422 Unprocessable Entity")
}

func TestAnswerErrorOfOtherShapes(t *testing.T) {
	req := Request{Method: http.MethodGet, Path: "/api/callouts/9"}

	notFound := []byte(`{"status":404,"error":"Not Found"}`)
	err := answerError(req, &http.Response{StatusCode: 404}, notFound)
	var refused *APIError
	require.ErrorAs(t, err, &refused)
	require.True(t, refused.NotFound())
	require.Equal(t, []string{"Not Found"}, refused.Reasons())

	err = answerError(req, &http.Response{StatusCode: 401}, nil)
	require.ErrorAs(t, err, &refused)
	require.Contains(t, refused.Reasons()[0], "access token")

	h := http.Header{"Retry-After": {"3"}}
	err = answerError(req, &http.Response{StatusCode: 503, Header: h}, nil)
	var unavailable *UnavailableError
	require.ErrorAs(t, err, &unavailable)
	require.Equal(t, 3*time.Second, unavailable.RetryAfter)
}

func TestMultipartFrameMakesAParsableUpload(t *testing.T) {
	head, tail, contentType, err := multipartFrame(`my "list".csv`)
	require.NoError(t, err)

	file := "msisdn,district\n+85512345678,Kampot\n"
	body := append(append(append([]byte{}, head...), file...), tail...)

	_, params, err := mime.ParseMediaType(contentType)
	require.NoError(t, err)

	r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	part, err := r.NextPart()
	require.NoError(t, err)
	require.Equal(t, "file", part.FormName())
	require.Equal(t, "my %22list%22.csv", part.FileName())

	got, err := io.ReadAll(part)
	require.NoError(t, err)
	require.Equal(t, file, string(got))

	_, err = r.NextPart()
	require.ErrorIs(t, err, io.EOF)
}

func TestEncodeQueryLeavesBracketsReadable(t *testing.T) {
	q := url.Values{"q[metadata][a b]": {"x&y"}, "per_page": {"1"}}
	require.Equal(t, "per_page=1&q[metadata][a+b]=x%26y", encodeQuery(q))
}

func TestNewRefusesBadSettings(t *testing.T) {
	_, err := New(Config{BaseURL: "localhost:3000", Token: "t"})
	require.Error(t, err)

	_, err = New(Config{BaseURL: "http://127.0.0.1:3000", Token: " "})
	require.Error(t, err)

	c, err := New(Config{BaseURL: "http://127.0.0.1:3000/", Token: "t"})
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:3000", c.BaseURL())
}

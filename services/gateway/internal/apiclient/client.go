// Package apiclient is a small client of the SCFM REST API, written for the
// scfm command-line tool. It authenticates every request, repeats requests
// that are safe to repeat while the server is briefly unavailable, and
// returns errors that tell a refused request (APIError) from a server that
// cannot be reached (UnavailableError), so that scripts can branch on them.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Defaults of Config.
const (
	defaultRetryFor       = 30 * time.Second
	defaultConnectRetries = 3
	defaultTimeout        = 60 * time.Second
)

// Config configures a Client.
type Config struct {
	// BaseURL is the API root, such as http://127.0.0.1:3000. Required.
	BaseURL string

	// Token is the access token, sent as the HTTP Basic user name. Required.
	Token string

	// HTTPClient sends the requests. Nil means a client with a 60-second
	// timeout per request. Uploads go through a copy without the timeout:
	// the server answers a large import only once it has read all of it.
	HTTPClient *http.Client

	// RetryFor bounds how long a request is repeated while the server
	// answers 502, 503 or 504. 0 means 30 seconds.
	RetryFor time.Duration

	// ConnectRetries is how many times a request is repeated when the
	// server cannot be reached at all. 0 means 3.
	ConnectRetries int
}

// Client talks to one SCFM API as one account.
type Client struct {
	base           *url.URL
	token          string
	http           *http.Client
	upload         *http.Client
	retryFor       time.Duration
	connectRetries int
	// uploadIdle is how long an upload may make no progress.
	uploadIdle time.Duration
}

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("API URL %q is not an http or https URL", cfg.BaseURL)
	}

	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("no access token")
	}

	c := &Client{
		base: u, token: strings.TrimSpace(cfg.Token), http: cfg.HTTPClient,
		retryFor: cfg.RetryFor, connectRetries: cfg.ConnectRetries, uploadIdle: uploadIdle,
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: defaultTimeout}
	}
	upload := *c.http
	upload.Timeout = 0
	c.upload = &upload
	if c.retryFor <= 0 {
		c.retryFor = defaultRetryFor
	}
	if c.connectRetries <= 0 {
		c.connectRetries = defaultConnectRetries
	}

	return c, nil
}

// BaseURL returns the API root the client talks to.
func (c *Client) BaseURL() string { return c.base.String() }

// WithToken returns a client for the same API that acts with another token.
func (c *Client) WithToken(token string) *Client {
	other := *c
	other.token = token

	return &other
}

// Request is one API request.
type Request struct {
	// Method is the HTTP method; empty means GET.
	Method string

	// Path is the route, such as /api/callouts/1, without a query.
	Path string

	// Query holds the query parameters, sent with brackets unescaped as
	// Rails-style clients do.
	Query url.Values

	// JSON, when not nil, is sent as a JSON body.
	JSON any

	// Form, when not nil, is sent as a URL-encoded body.
	Form url.Values

	// Body, when not nil, opens the body afresh for each attempt; it is
	// used for uploads. ContentType and ContentLength describe it.
	Body          func() (io.ReadCloser, error)
	ContentType   string
	ContentLength int64

	// IdempotencyKey is sent with POST requests so that a repeat after a
	// timeout or a 503 changes nothing. Empty means a new random key.
	IdempotencyKey string
}

// Response is a successful answer with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode decodes the JSON body into v.
func (r *Response) Decode(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}

	return nil
}

// Total returns the Total paging header of a listing.
func (r *Response) Total() (int64, error) {
	s := r.Header.Get("Total")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("listing has no Total header (got %q)", s)
	}

	return n, nil
}

// Do sends req, repeating it while the server is unavailable, and returns
// the answer when its status is 2xx. Any other answer is an *APIError or
// an *UnavailableError.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	if req.Method == http.MethodPost && req.IdempotencyKey == "" {
		req.IdempotencyKey = uuid.NewString()
	}

	deadline := time.Now().Add(c.retryFor)
	wait := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		resp, err := c.once(ctx, req)
		if err == nil {
			return resp, nil
		}

		var unavailable *UnavailableError
		if !errors.As(err, &unavailable) || !c.retryable(unavailable, attempt, deadline) {
			return nil, err
		}

		pause := wait
		if unavailable.RetryAfter > 0 {
			pause = unavailable.RetryAfter
		}
		if err := Sleep(ctx, pause); err != nil {
			return nil, err
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// retryable reports whether an unavailable answer is worth another try:
// a gateway that answers "unavailable" is given RetryFor, a server that
// cannot be reached only a few quick attempts.
func (c *Client) retryable(err *UnavailableError, attempt int, deadline time.Time) bool {
	if err.Status == 0 {
		return attempt <= c.connectRetries
	}

	switch err.Status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return time.Now().Before(deadline)
	}

	return false
}

// once sends one attempt of req.
func (c *Client) once(ctx context.Context, req Request) (*Response, error) {
	reqCtx, client := ctx, c.http
	if req.Body != nil {
		// An upload has no overall timeout, only one on silence.
		rc, err := req.Body()
		if err != nil {
			return nil, err
		}
		var (
			watched io.Reader
			stop    func()
		)
		reqCtx, watched, stop = watch(ctx, c.uploadIdle, rc)
		defer stop()
		req.Body = func() (io.ReadCloser, error) { return watched.(io.ReadCloser), nil }
		client = c.upload
	}

	hr, err := c.build(reqCtx, req)
	if err != nil {
		return nil, err
	}

	resp, err := client.Do(hr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(context.Cause(reqCtx), errStalled) {
			err = errStalled
		}

		return nil, &UnavailableError{Method: req.Method, Path: req.Path, Err: err}
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &UnavailableError{
			Method: req.Method, Path: req.Path, Err: fmt.Errorf("read answer: %w", err),
		}
	}

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
	}

	return nil, answerError(req, resp, body)
}

// build turns req into an HTTP request.
func (c *Client) build(ctx context.Context, req Request) (*http.Request, error) {
	target := *c.base
	target.Path = c.base.Path + req.Path
	target.RawQuery = encodeQuery(req.Query)

	body, contentType, length, err := requestBody(req)
	if err != nil {
		return nil, err
	}

	hr, err := http.NewRequestWithContext(ctx, req.Method, target.String(), body)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	if contentType != "" {
		hr.Header.Set("Content-Type", contentType)
	}
	if length >= 0 && body != nil {
		hr.ContentLength = length
	}

	hr.SetBasicAuth(c.token, "")
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", "scfm-cli")
	if req.IdempotencyKey != "" {
		hr.Header.Set("Idempotency-Key", req.IdempotencyKey)
	}

	return hr, nil
}

// requestBody returns the body of req, its content type and its length
// (-1 when unknown).
func requestBody(req Request) (io.Reader, string, int64, error) {
	switch {
	case req.Body != nil:
		rc, err := req.Body()
		if err != nil {
			return nil, "", 0, err
		}

		return rc, req.ContentType, req.ContentLength, nil
	case req.JSON != nil:
		b, err := json.Marshal(req.JSON)
		if err != nil {
			return nil, "", 0, fmt.Errorf("encode request: %w", err)
		}

		return bytes.NewReader(b), "application/json", int64(len(b)), nil
	case req.Form != nil:
		s := req.Form.Encode()
		return strings.NewReader(s), "application/x-www-form-urlencoded", int64(len(s)), nil
	}

	return nil, "", -1, nil
}

// encodeQuery encodes q with brackets left readable, as curl -g sends
// them; the server accepts both forms.
func encodeQuery(q url.Values) string {
	s := q.Encode()
	return strings.NewReplacer("%5B", "[", "%5D", "]").Replace(s)
}

// Sleep waits for d or until ctx ends, whichever comes first; it returns
// ctx's error in the second case.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()

	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

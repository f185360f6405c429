package apiclient

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// APIError is an answer that refuses a request: a 4xx status, with the
// reasons the server gave.
type APIError struct {
	Method string
	Path   string
	Status int

	// Errors holds the field messages of a 422 answer, such as
	// {"msisdn": ["is an invalid number"]}.
	Errors map[string][]string

	// Message is the error text of other answers ("Not Found"), or the
	// body when it is not the API's JSON.
	Message string
}

// Error implements error: the request, the status and every reason.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))

	for _, line := range e.Reasons() {
		b.WriteString("\n  ")
		b.WriteString(line)
	}

	return b.String()
}

// Reasons returns the server's reasons, one line each, fields in order.
func (e *APIError) Reasons() []string {
	fields := make([]string, 0, len(e.Errors))
	for f := range e.Errors {
		fields = append(fields, f)
	}
	sort.Strings(fields)

	var out []string
	for _, f := range fields {
		for _, msg := range e.Errors[f] {
			out = append(out, f+": "+msg)
		}
	}

	if len(out) == 0 && e.Message != "" {
		out = append(out, e.Message)
	}
	if len(out) == 0 && e.Status == http.StatusUnauthorized {
		out = append(out, "the access token is unknown, revoked or not allowed here")
	}

	return out
}

// NotFound reports whether the server answered 404.
func (e *APIError) NotFound() bool { return e.Status == http.StatusNotFound }

// UnavailableError means the server could not be reached, or answered
// that it cannot serve the request now (5xx).
type UnavailableError struct {
	Method string
	Path   string

	// Status is the HTTP status, or 0 when no answer came at all.
	Status int

	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration

	// Err is the transport error when no answer came.
	Err error
}

// Error implements error.
func (e *UnavailableError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("%s %s: cannot reach the API: %v", e.Method, e.Path, e.Err)
	}

	return fmt.Sprintf("%s %s: %d %s: the API is unavailable", e.Method, e.Path, e.Status,
		http.StatusText(e.Status))
}

// Unwrap returns the transport error.
func (e *UnavailableError) Unwrap() error { return e.Err }

// answerError turns a non-2xx answer into an *APIError (4xx) or an
// *UnavailableError (5xx).
func answerError(req Request, resp *http.Response, body []byte) error {
	if resp.StatusCode >= 500 {
		return &UnavailableError{
			Method: req.Method, Path: req.Path, Status: resp.StatusCode,
			RetryAfter: retryAfter(resp.Header.Get("Retry-After")),
		}
	}

	e := &APIError{Method: req.Method, Path: req.Path, Status: resp.StatusCode}

	var parsed struct {
		Errors json.RawMessage `json:"errors"`
		Error  string          `json:"error"`
	}
	if json.Unmarshal(body, &parsed) != nil {
		e.Message = strings.TrimSpace(string(body))
		return e
	}

	e.Errors = fieldErrors(parsed.Errors)
	e.Message = parsed.Error
	if e.Errors == nil && e.Message == "" {
		e.Message = strings.TrimSpace(string(body))
	}

	return e
}

// fieldErrors decodes an errors object whose values are a message or a
// list of messages.
func fieldErrors(raw json.RawMessage) map[string][]string {
	if len(raw) == 0 {
		return nil
	}

	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return map[string][]string{"base": {string(raw)}}
	}

	out := make(map[string][]string, len(m))
	for field, v := range m {
		var list []string
		if json.Unmarshal(v, &list) == nil {
			out[field] = list
			continue
		}

		var one string
		if json.Unmarshal(v, &one) == nil {
			out[field] = []string{one}
			continue
		}

		out[field] = []string{string(v)}
	}

	return out
}

// retryAfter reads a Retry-After header given in seconds.
func retryAfter(h string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || n <= 0 {
		return 0
	}

	return min(time.Duration(n)*time.Second, 10*time.Second)
}

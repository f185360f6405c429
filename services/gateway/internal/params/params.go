// Package params decodes request parameters the way Rails does for the API:
// the query string and the body (URL-encoded form, multipart form or JSON
// object) become one nested map.
//
// Form keys use bracket notation: "a[b][c]=v" nests objects and "x[]=1"
// appends to an array (see [DecodeValues] for the details). Form values are
// strings exactly as sent. JSON bodies keep their types, with numbers as
// [encoding/json.Number] so that 1 stays 1 and 1.50 stays 1.50.
package params

import (
	"errors"
	"fmt"
	"net/http"
)

// DefaultMaxBody is the body size limit, in bytes, that [Decode] applies when
// it is given a limit of zero or less.
const DefaultMaxBody = 1 << 20

// ErrNotScalar reports a hash or an array where a single value is expected.
// Handlers answer it with 422.
var ErrNotScalar = errors.New("params: value is not a scalar")

// Error is a request whose parameters cannot be decoded: a malformed body or
// query string, or a body over the size limit.
type Error struct {
	// Status is the HTTP status to answer with: http.StatusBadRequest,
	// http.StatusRequestEntityTooLarge or http.StatusUnprocessableEntity.
	Status int

	// Message says what is wrong in words fit for the client.
	Message string

	// Err is the underlying cause, if any. Its text may hold details that
	// are not meant for clients.
	Err error
}

// Error returns the message and, if there is one, the underlying cause.
func (e *Error) Error() string {
	if e.Err == nil {
		return "params: " + e.Message
	}

	return fmt.Sprintf("params: %s: %v", e.Message, e.Err)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error {
	return e.Err
}

// badRequest returns an *Error with status 400.
func badRequest(message string, err error) *Error {
	return &Error{Status: http.StatusBadRequest, Message: message, Err: err}
}

// malformed returns an *Error with status 400 that names the malformed part
// of the request and the problem err describes.
func malformed(what string, err error) *Error {
	return badRequest(what+" is malformed: "+err.Error(), err)
}

// Decode reads the parameters of r: the query string, then the body, merged
// into one map in which a top-level key sent in the body replaces the same key
// sent in the query string. It consumes r.Body.
//
// The body is read according to its Content-Type: application/json (or any
// "+json" type) must hold a JSON object, or nothing at all;
// application/x-www-form-urlencoded and multipart/form-data are decoded as
// forms, and multipart file parts are skipped. A body of any other or no
// Content-Type is decoded as a form when it looks like one (printable ASCII
// without spaces, not starting with '{' or '[', and its first field has a
// name and an '='; a trailing line break is dropped), and is ignored
// otherwise.
//
// A body longer than maxBody bytes (DefaultMaxBody when maxBody <= 0) yields
// an *Error with status 413. Malformed JSON, a JSON value other than an
// object, bad percent-encoding in the query string or a form body, a broken
// multipart body, and text that is not valid UTF-8 or holds a NUL character
// (which no database column can store) yield an *Error with status 400.
func Decode(r *http.Request, maxBody int64) (map[string]any, error) {
	params := map[string]any{}
	if r.URL != nil {
		pairs, err := parsePairs(r.URL.RawQuery)
		if err != nil {
			return nil, malformed("query string", err)
		}
		if err := decodePairs(params, pairs); err != nil {
			return nil, err
		}
	}

	body, err := decodeBody(r, maxBody)
	if err != nil {
		return nil, err
	}

	for key, value := range body {
		params[key] = value
	}

	if leaves(params, 0) > MaxValues {
		return nil, &Error{Status: http.StatusUnprocessableEntity,
			Message: fmt.Sprintf("has more than %d values", MaxValues)}
	}

	return params, nil
}

// MaxValues caps the values (leaves of the nested parameters) one request
// may send. Every value of a filter becomes a database argument; far more
// than any client needs would exceed what one query can carry.
const MaxValues = 2000

// leaves counts the values of v, stopping early once past MaxValues.
func leaves(v any, n int) int {
	switch t := v.(type) {
	case map[string]any:
		for _, e := range t {
			if n = leaves(e, n); n > MaxValues {
				return n
			}
		}
		return n
	case []any:
		for _, e := range t {
			if n = leaves(e, n); n > MaxValues {
				return n
			}
		}
		return n
	}
	return n + 1
}

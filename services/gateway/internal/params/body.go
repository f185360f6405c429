package params

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
)

// decodeBody decodes the body of r according to its Content-Type. It
// returns a nil map for an empty or ignored body.
func decodeBody(r *http.Request, maxBody int64) (map[string]any, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}

	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	if r.ContentLength > maxBody {
		return nil, tooLarge(maxBody, nil)
	}
	body := http.MaxBytesReader(nil, r.Body, maxBody)

	// A malformed parameter list still yields the media type when there is
	// one, and an unreadable header counts as no Content-Type at all.
	mediaType, mediaParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
		return decodeJSON(body, maxBody)
	case mediaType == "application/x-www-form-urlencoded":
		return decodeForm(body, maxBody, true)
	case mediaType == "multipart/form-data":
		return decodeMultipart(body, maxBody, mediaParams["boundary"])
	default:
		return decodeForm(body, maxBody, false)
	}
}

// decodeJSON decodes a body that must hold one JSON object, or only white
// space.
func decodeJSON(body io.Reader, maxBody int64) (map[string]any, error) {
	dec := json.NewDecoder(body)
	dec.UseNumber()

	var value any
	if err := dec.Decode(&value); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}

		return nil, jsonError(err, maxBody)
	}

	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("more than one top-level value")
		}

		return nil, jsonError(err, maxBody)
	}

	object, ok := value.(map[string]any)
	if !ok {
		return nil, badRequest("request body must be a JSON object", nil)
	}

	if !cleanValue(object) {
		return nil, badRequest("request body must not contain NUL characters", nil)
	}

	return object, nil
}

// jsonError turns a JSON decoding error into an *Error, naming the problem
// for the client.
func jsonError(err error, maxBody int64) *Error {
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &tooBig):
		return tooLarge(maxBody, err)
	case errors.As(err, &syntax):
		message := fmt.Sprintf("malformed JSON at byte %d: %s", syntax.Offset, syntax)
		return badRequest(message, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("malformed JSON: unexpected end of input", err)
	default:
		return badRequest("malformed JSON: "+err.Error(), err)
	}
}

// decodeForm decodes a URL-encoded body. When declared is false the body
// came with another or no Content-Type, and it is decoded only if it looks
// like a form; otherwise, and if it fails to decode, it is ignored.
func decodeForm(body io.Reader, maxBody int64, declared bool) (map[string]any, error) {
	raw, err := readAll(body, maxBody)
	if err != nil {
		return nil, err
	}

	if !declared {
		// Tools such as echo add a line break that is no part of the form.
		raw = bytes.TrimRight(raw, "\r\n")
		if !looksLikeForm(raw) {
			return nil, nil
		}
	}

	pairs, err := parsePairs(string(raw))
	if err != nil {
		if !declared {
			return nil, nil
		}

		return nil, malformed("form body", err)
	}

	params := map[string]any{}
	if err := decodePairs(params, pairs); err != nil {
		return nil, err
	}

	return params, nil
}

// looksLikeForm reports whether body could be URL-encoded: printable ASCII
// without spaces, not starting like JSON, with a named first field holding
// an '='.
func looksLikeForm(body []byte) bool {
	if len(body) == 0 || body[0] == '{' || body[0] == '[' {
		return false
	}

	for _, c := range body {
		if c <= ' ' || c > '~' {
			return false
		}
	}

	first, _, _ := bytes.Cut(body, []byte("&"))
	eq := bytes.IndexByte(first, '=')

	return eq > 0
}

// decodeMultipart decodes the form values of a multipart body, in order,
// skipping file parts.
func decodeMultipart(body io.Reader, maxBody int64, boundary string) (map[string]any, error) {
	if boundary == "" {
		return nil, badRequest("multipart body has no boundary", nil)
	}

	reader := multipart.NewReader(body, boundary)
	var pairs []pair
	for {
		// Only a bare io.EOF marks the closing boundary; NextPart wraps the
		// io.EOF of a body that ends before it.
		part, err := reader.NextPart()
		if err == io.EOF { //nolint:errorlint // a wrapped io.EOF is an error
			break
		}
		if err != nil {
			return nil, readError("multipart body is malformed", maxBody, err)
		}

		if part.FormName() == "" || part.FileName() != "" {
			continue
		}

		value, err := io.ReadAll(part)
		if err != nil {
			return nil, readError("multipart body is malformed", maxBody, err)
		}
		pairs = append(pairs, pair{key: part.FormName(), value: string(value)})
	}

	if err := checkPairs(pairs); err != nil {
		return nil, malformed("multipart body", err)
	}

	params := map[string]any{}
	if err := decodePairs(params, pairs); err != nil {
		return nil, err
	}

	return params, nil
}

// readAll reads r to the end, reporting a body over the limit as 413 and any
// other failure as 400.
func readAll(r io.Reader, maxBody int64) ([]byte, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, readError("request body could not be read", maxBody, err)
	}

	return b, nil
}

// readError reports err as 413 when the body went over the limit and as a
// 400 with message otherwise.
func readError(message string, maxBody int64, err error) *Error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return tooLarge(maxBody, err)
	}

	return badRequest(message, err)
}

// tooLarge returns an *Error with status 413.
func tooLarge(maxBody int64, err error) *Error {
	return &Error{
		Status:  http.StatusRequestEntityTooLarge,
		Message: fmt.Sprintf("request body is larger than %d bytes", maxBody),
		Err:     err,
	}
}

// cleanValue reports whether no string in the decoded JSON value v, object
// keys included, holds a NUL character.
func cleanValue(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.IndexByte(v, 0) < 0
	case map[string]any:
		for key, item := range v {
			if strings.IndexByte(key, 0) >= 0 || !cleanValue(item) {
				return false
			}
		}
	case []any:
		for _, item := range v {
			if !cleanValue(item) {
				return false
			}
		}
	}

	return true
}

package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"scfm/shared/contract/calloutsv1"
)

// maxElementBytes bounds one element of a JSON array upload. The decoder
// holds a whole element in memory, so a larger one fails the file instead
// of being read.
const maxElementBytes = 1 << 20

// errElementTooLarge reports an array element over maxElementBytes.
var errElementTooLarge = errors.New("array element too large")

// jsonRows reads the rows of a JSON array of objects, one element at a time.
type jsonRows struct {
	in  *windowReader
	dec *json.Decoder
	row int64
}

// newJSONRows reads up to the array's opening bracket.
func newJSONRows(r io.Reader) (*jsonRows, error) {
	in := &windowReader{r: r, allowed: maxElementBytes}
	dec := json.NewDecoder(in)
	dec.UseNumber()
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil, fileError{"is empty"}
	}
	if err != nil {
		return nil, jsonFileError(err, 1)
	}
	if tok != json.Delim('[') {
		return nil, fileError{"is not a JSON array"}
	}
	return &jsonRows{in: in, dec: dec}, nil
}

// next returns the next element as a row; io.EOF after the closing bracket.
func (j *jsonRows) next() (calloutsv1.ImportRow, error) {
	if !j.dec.More() {
		if _, err := j.dec.Token(); err != nil {
			return calloutsv1.ImportRow{}, jsonFileError(err, j.row+1)
		}
		if _, err := j.dec.Token(); !errors.Is(err, io.EOF) {
			return calloutsv1.ImportRow{}, fileError{"has more after the JSON array"}
		}
		return calloutsv1.ImportRow{}, io.EOF
	}

	j.in.allowed = j.dec.InputOffset() + maxElementBytes
	var raw json.RawMessage
	if err := j.dec.Decode(&raw); err != nil {
		return calloutsv1.ImportRow{}, jsonFileError(err, j.row+1)
	}
	j.row++
	return jsonRow(j.row, raw), nil
}

// jsonFileError names the problem of a malformed file at row; read errors
// of the body pass through.
func jsonFileError(err error, row int64) error {
	var syntax *json.SyntaxError
	var body bodyError
	switch {
	case errors.As(err, &body):
		return err
	case errors.Is(err, errElementTooLarge):
		return fileError{fmt.Sprintf("has row %d larger than %d bytes", row, maxElementBytes)}
	case errors.As(err, &syntax):
		return fileError{fmt.Sprintf("is not valid JSON at row %d: %s", row, syntax)}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fileError{fmt.Sprintf("is not valid JSON: it ends inside row %d", row)}
	}
	return err
}

// jsonRow turns one array element into a row: "msisdn" is the number,
// "metadata" an object of metadata, and every other key metadata too (the
// metadata object wins where both name a key).
func jsonRow(row int64, raw json.RawMessage) calloutsv1.ImportRow {
	r := calloutsv1.ImportRow{Row: row}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		r.Problem = problemNotObject
		return r
	}

	number, ok := jsonText(fields["msisdn"])
	r.MSISDN = number
	if !ok {
		r.Problem = problemInvalidNumber
		return r
	}
	delete(fields, "msisdn")

	if nested, present := fields["metadata"]; present && !isNull(nested) {
		var md map[string]json.RawMessage
		if json.Unmarshal(nested, &md) != nil {
			r.Problem = problemMetadataNotObject
			return r
		}
		delete(fields, "metadata")
		for k, v := range md {
			fields[k] = v
		}
	} else {
		delete(fields, "metadata")
	}

	md, err := json.Marshal(fields)
	if err != nil {
		r.Problem = problemMetadataNotObject
		return r
	}
	r.Metadata = md
	return r
}

// jsonText reads a number given as a JSON string or number; null and
// absence are blank. ok is false for any other value, returned as its
// JSON text.
func jsonText(v json.RawMessage) (string, bool) {
	if len(v) == 0 || isNull(v) {
		return "", true
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s, true
	}
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(v))
	d.UseNumber()
	if d.Decode(&n) == nil {
		return n.String(), true
	}
	// Shown as the JSON it was, so the rejected row names it plainly.
	return string(bytes.TrimSpace(v)), false
}

func isNull(v json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(v), []byte("null")) }

// windowReader lets a reader read only up to an allowed offset, which the
// caller moves forward as it consumes the input.
type windowReader struct {
	r       io.Reader
	read    int64
	allowed int64
}

func (w *windowReader) Read(p []byte) (int, error) {
	room := w.allowed - w.read
	if room <= 0 {
		return 0, errElementTooLarge
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := w.r.Read(p)
	w.read += int64(n)
	return n, err
}

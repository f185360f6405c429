package httpapi

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"scfm/shared/contract/calloutsv1"
)

// Bounds of what the CSV reader keeps of one record, so that memory stays
// bounded whatever the file holds: a longer record is consumed but kept
// only in part, and its row is rejected.
const (
	maxRowBytes   = 64 << 10
	maxRowColumns = 1000
)

// csvScanner reads CSV records one at a time: fields separated by commas,
// records ended by LF, CRLF or CR, quoted fields that may hold commas,
// doubled quotes and line breaks. It is lenient where spreadsheets are
// sloppy: a quote inside an unquoted field is text and text after a
// closing quote is kept. A quote left open until the end of the file is an
// error: it swallowed every row after it.
type csvScanner struct {
	in   *bufio.Reader
	buf  []byte // the current record's fields, one after another
	ends []int  // where each field ends in buf
	over bool   // the record went past the bounds and was cut
}

// newCSVScanner reads from r, skipping a UTF-8 byte order mark.
func newCSVScanner(r io.Reader) *csvScanner {
	in := bufio.NewReaderSize(r, 64<<10)
	if bom, err := in.Peek(3); err == nil && bytes.Equal(bom, []byte("\xEF\xBB\xBF")) {
		_, _ = in.Discard(3)
	}
	return &csvScanner{in: in}
}

// CSV parser states.
const (
	atFieldStart = iota
	inUnquoted
	inQuoted
	quoteInQuoted // a quote inside a quoted field: its end, or half of ""
)

// errOpenQuote reports a quoted field that the file never closes.
var errOpenQuote = errors.New("quoted field never closed")

// next reads the next record; io.EOF when the file holds no more.
func (s *csvScanner) next() error {
	s.buf, s.ends, s.over = s.buf[:0], s.ends[:0], false
	state, started := atFieldStart, false
	for {
		c, err := s.in.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) && state == inQuoted {
				return errOpenQuote
			}
			if errors.Is(err, io.EOF) && started {
				s.endField()
				return nil
			}
			return err
		}
		started = true

		switch state {
		case atFieldStart, inUnquoted, quoteInQuoted:
			switch {
			case c == ',':
				s.endField()
				state = atFieldStart
				continue
			case c == '\n':
				s.endField()
				return nil
			case c == '\r':
				s.endField()
				s.skipLF()
				return nil
			case c == '"' && state == atFieldStart:
				state = inQuoted
				continue
			case c == '"' && state == quoteInQuoted:
				state = inQuoted // a doubled quote stands for one
			default:
				state = inUnquoted
			}
			s.add(c)
		case inQuoted:
			switch c {
			case '"':
				state = quoteInQuoted
			case '\r':
				// A line break inside quotes is kept as LF, as written on
				// any system.
				if s.skipLF() {
					c = '\n'
				}
				s.add(c)
			default:
				s.add(c)
			}
		}
	}
}

// skipLF consumes an LF that follows a CR; it reports whether there was one.
func (s *csvScanner) skipLF() bool {
	if b, err := s.in.Peek(1); err == nil && b[0] == '\n' {
		_, _ = s.in.Discard(1)
		return true
	}
	return false
}

func (s *csvScanner) add(c byte) {
	if len(s.buf) >= maxRowBytes {
		s.over = true
		return
	}
	s.buf = append(s.buf, c)
}

func (s *csvScanner) endField() {
	if len(s.ends) >= maxRowColumns {
		s.over = true
		return
	}
	s.ends = append(s.ends, len(s.buf))
}

// fields is the number of fields of the current record.
func (s *csvScanner) fields() int { return len(s.ends) }

// field returns field i of the current record.
func (s *csvScanner) field(i int) []byte {
	start := 0
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.buf[start:s.ends[i]]
}

// blank reports whether every field of the current record is empty or
// white space: a blank row of a spreadsheet.
func (s *csvScanner) blank() bool {
	return len(bytes.TrimSpace(s.buf)) == 0 && !s.over
}

// csvRows reads the data rows of a CSV file whose header row names an
// msisdn column; every other named column becomes a metadata key.
type csvRows struct {
	s      *csvScanner
	msisdn int      // the msisdn column
	keys   [][]byte // each column's metadata key as a JSON string; nil for none
	row    int64
}

// newCSVRows reads the header row (the first record that is not blank).
func newCSVRows(r io.Reader) (*csvRows, error) {
	s := newCSVScanner(r)
	for {
		err := s.next()
		if errors.Is(err, io.EOF) {
			return nil, fileError{"is empty"}
		}
		if err != nil {
			return nil, err
		}
		if !s.blank() {
			break
		}
	}
	if s.over {
		return nil, fileError{"has a header row that is too long (at most 64 KiB and 1000 columns)"}
	}
	if !utf8.Valid(s.buf) {
		return nil, fileError{"is not UTF-8 text"}
	}
	if bytes.IndexByte(s.buf, 0) >= 0 {
		return nil, fileError{"has a NUL byte in its header row"}
	}

	c := &csvRows{s: s, msisdn: -1, keys: make([][]byte, s.fields())}
	seen := map[string]bool{}
	for i := range s.fields() {
		name := strings.TrimSpace(string(s.field(i)))
		switch {
		case name == "":
			continue // an unnamed column, e.g. after a trailing comma
		case seen[name]:
			return nil, fileError{"has the column " + name + " twice"}
		case strings.EqualFold(name, "msisdn"):
			if c.msisdn >= 0 {
				return nil, fileError{"has the column msisdn twice"}
			}
			c.msisdn = i
		default:
			c.keys[i] = appendJSONString(nil, []byte(name))
		}
		seen[name] = true
	}
	if c.msisdn < 0 {
		return nil, fileError{"has no msisdn column"}
	}
	return c, nil
}

// next returns the next row that is not blank; blank rows keep their
// number, so row numbers match the spreadsheet's. io.EOF ends the rows.
func (c *csvRows) next() (calloutsv1.ImportRow, error) {
	for {
		if err := c.s.next(); err != nil {
			if errors.Is(err, errOpenQuote) {
				return calloutsv1.ImportRow{}, fileError{fmt.Sprintf(
					"has a quote opened in row %d that is never closed, so every row after it "+
						"would be one cell", c.row+1)}
			}
			return calloutsv1.ImportRow{}, err
		}
		c.row++
		if !c.s.blank() {
			return c.build(), nil
		}
	}
}

// build turns the current record into a row: the msisdn cell, and a
// metadata object of the other named cells with their text as values.
func (c *csvRows) build() calloutsv1.ImportRow {
	r := calloutsv1.ImportRow{Row: c.row}
	s := c.s
	if c.msisdn < s.fields() {
		r.MSISDN = string(s.field(c.msisdn))
	}
	switch {
	case s.over:
		r.Problem = problemTooLarge
		return r
	case !utf8.Valid(s.buf):
		r.Problem = problemNotUTF8
		return r
	}

	md := make([]byte, 0, len(s.buf)+16*len(c.keys))
	md = append(md, '{')
	for i, key := range c.keys {
		if key == nil || i >= s.fields() {
			continue
		}
		if len(md) > 1 {
			md = append(md, ',')
		}
		md = append(md, key...)
		md = append(md, ':')
		md = appendJSONString(md, s.field(i))
	}
	r.Metadata = append(md, '}')
	return r
}

// appendJSONString appends s, valid UTF-8, as a JSON string.
func appendJSONString(dst, s []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

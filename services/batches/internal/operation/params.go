// Package operation holds the rules of batch operations: which types
// exist, how their parameters are read, what they select, how many rows a
// run may act on, and which status events apply.
package operation

import (
	"strings"

	"scfm/shared/filter"
)

// Params are an operation's parameters as the client sent them. Values keep
// the types they arrived with (form values are text, JSON keeps numbers and
// booleans); they are read leniently, as clients of this API expect.
type Params map[string]any

// Int reads an integer-ish parameter: the leading integer of its text
// ("12abc" is 12), 0 when the text does not start with one (so an empty
// value means 0), and ok false when the key is absent or null.
func (p Params) Int(key string) (n int64, ok bool) {
	v, present := p[key]
	if !present || v == nil {
		return 0, false
	}
	return leadingInt(filter.Text(v)), true
}

// Bool reads a boolean parameter: false when absent, empty or one of 0, f,
// F, false, FALSE, off, OFF; true for every other value.
func (p Params) Bool(key string) bool {
	v, present := p[key]
	if !present || v == nil {
		return false
	}
	s := filter.Text(v)
	return s != "" && !filter.Falsy(s)
}

// Text reads a parameter as text, "" when absent.
func (p Params) Text(key string) string {
	v, present := p[key]
	if !present || v == nil {
		return ""
	}
	return filter.Text(v)
}

// Hash reads an object parameter: nil when absent or null, ok false when
// present but not an object.
func (p Params) Hash(key string) (h map[string]any, ok bool) {
	v, present := p[key]
	if !present || v == nil {
		return nil, true
	}
	h, ok = v.(map[string]any)
	return h, ok
}

// leadingInt parses the optional sign and digits at the start of s (after
// spaces); anything else yields 0. Values too large to hold saturate.
func leadingInt(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\r")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var n int64
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := int64(s[i] - '0')
		if n > (1<<63-1-d)/10 {
			n = 1<<63 - 1
			break
		}
		n = n*10 + d
	}
	if neg {
		return -n
	}
	return n
}

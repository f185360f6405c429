// Package filter turns the q[...] parameters of listing routes into SQL
// conditions. Values always travel as arguments; only column names chosen by
// the calling code appear in the SQL text.
package filter

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"scfm/shared/msisdn"
)

// Builder accumulates ANDed conditions and their arguments.
type Builder struct {
	conds []string
	args  []any
}

// Arg adds v as an argument and returns its placeholder ($n).
func (b *Builder) Arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

// Where adds a condition written by the caller, e.g. "account_id = " + b.Arg(id).
func (b *Builder) Where(cond string) { b.conds = append(b.conds, cond) }

// SQL returns the conditions joined with AND ("TRUE" when there are none).
func (b *Builder) SQL() string {
	if len(b.conds) == 0 {
		return "TRUE"
	}
	return strings.Join(b.conds, " AND ")
}

// Args returns the arguments in placeholder order.
func (b *Builder) Args() []any { return b.args }

// ExactList matches column against the comma-separated pieces of the q
// value at key (trimmed, blanks dropped). A present but empty value matches
// nothing; an absent key adds no condition.
func (b *Builder) ExactList(q map[string]any, key, column string) {
	v, ok := q[key]
	if !ok {
		return
	}
	pieces := List(Text(v))
	if len(pieces) == 0 {
		b.Where("FALSE")
		return
	}
	b.Where(column + "::text = ANY(" + b.Arg(pieces) + "::text[])")
}

// JSONPath matches a jsonb column against the nested object at q[key]: for
// every leaf, the stored value at that key path, extracted as text, must
// equal the leaf's text. A leaf given as an array means "any of these". A
// value that is not an object adds no condition.
func (b *Builder) JSONPath(q map[string]any, key, column string) {
	obj, ok := q[key].(map[string]any)
	if !ok {
		return
	}
	b.jsonLeaves(column, nil, obj)
}

func (b *Builder) jsonLeaves(column string, path []string, obj map[string]any) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys) // stable SQL text for the same filter
	for _, k := range keys {
		p := append(append([]string(nil), path...), k)
		switch v := obj[k].(type) {
		case map[string]any:
			b.jsonLeaves(column, p, v)
		case []any:
			texts := make([]string, len(v))
			for i, e := range v {
				texts[i] = Text(e)
			}
			b.Where("(" + column + " #>> " + b.Arg(p) + "::text[]) = ANY(" + b.Arg(texts) + "::text[])")
		default:
			b.Where("(" + column + " #>> " + b.Arg(p) + "::text[]) = " + b.Arg(Text(v)))
		}
	}
}

// Text renders a parameter value as the text a filter compares: strings as
// they are, numbers as written, booleans as true/false, null as empty, and
// objects or arrays as their JSON text.
func Text(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	default:
		raw, err := json.Marshal(t)
		if err != nil {
			return fmt.Sprint(t)
		}
		return string(raw)
	}
}

// List splits a comma-separated value into trimmed, non-blank pieces.
func List(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Falsy reports whether a boolean-ish parameter means false: exactly 0, f,
// F, false, FALSE, off or OFF. Every other value means true.
func Falsy(s string) bool {
	switch s {
	case "0", "f", "F", "false", "FALSE", "off", "OFF":
		return true
	}
	return false
}

// MSISDN matches column against q[msisdn] normalised, so any way of writing
// a number finds it; a value with no digits matches nothing.
func (b *Builder) MSISDN(q map[string]any, column string) {
	v, ok := q["msisdn"]
	if !ok {
		return
	}
	if n := msisdn.Normalize(Text(v)); n == "" {
		b.Where("FALSE")
	} else {
		b.Where(column + " = " + b.Arg(n))
	}
}

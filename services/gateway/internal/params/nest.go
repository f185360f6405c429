package params

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// maxDepth is the most segments a key may have ("a[b][]" has three). Keys
// nested deeper are ignored, as a guard against abusive input.
const maxDepth = 32

// DecodeValues turns flat form values into nested parameters, following the
// Rails (Rack) bracket notation. Values are kept as sent, as strings.
//
//   - "a[b][c]=v" gives {"a":{"b":{"c":"v"}}}.
//   - "x[]=1&x[]=2" gives {"x":["1","2"]}.
//   - "a[][b]=1&a[][c]=2&a[][b]=3" gives {"a":[{"b":"1","c":"2"},{"b":"3"}]}:
//     a key after "[]" goes into the last object of the array unless that
//     object already has it, in which case a new object is appended.
//   - "a[][]=1" gives {"a":[["1"]]}: every such pair appends a new array.
//   - Brackets before the first name are skipped, so "[metadata][name]=x"
//     gives {"metadata":{"name":"x"}}. Unbalanced brackets are read leniently:
//     "a]b" and "a[b" both mean "a[b]", and brackets that name nothing at the
//     end of a key ("a[b][", "a[b]]") are ignored.
//   - A key with no name ("", "[]", "=v") is ignored, and so is a key nested
//     more than 32 levels deep.
//   - A repeated key keeps its last value: "a=1&a=2" gives {"a":"2"}.
//
// Where Rails would reject a key as a type conflict, DecodeValues resolves it
// instead, never panicking and never depending on the order of the pairs: an
// object or array always wins over a single value at the same place
// ("a=1&a[b]=2" and "a[b]=2&a=1" both give {"a":{"b":"2"}}), and between an
// object and an array the first one sent wins.
//
// url.Values does not keep the order of different keys, so DecodeValues
// takes the keys in sorted order, and each key's values in the order given.
// [Decode] keeps the order of the request itself. DecodeValues does not check
// the text of keys and values; Decode rejects text that is not valid UTF-8
// or holds a NUL character.
func DecodeValues(v url.Values) map[string]any {
	params := make(map[string]any, len(v))
	for _, key := range slices.Sorted(maps.Keys(v)) {
		for _, value := range v[key] {
			add(params, key, value)
		}
	}

	return params
}

// decodePairs adds pairs to params in order. A key nested deeper than
// maxDepth is an error here, not ignored: a filter that silently lost a
// condition would select more than the client asked for.
func decodePairs(params map[string]any, pairs []pair) error {
	for _, p := range pairs {
		if strings.Count(p.key, "[") >= maxDepth {
			return badRequest(fmt.Sprintf("parameter %.40q… is nested more than %d levels deep",
				p.key, maxDepth), nil)
		}
		add(params, p.key, p.value)
	}
	return nil
}

// add stores value in params under the bracketed key.
func add(params map[string]any, key, value string) {
	var buf [8]string
	segments, ok := parseKey(buf[:0], key)
	if !ok {
		return
	}

	name := segments[0]
	params[name] = assign(params[name], segments[1:], value)
}

// parseKey appends the segments of key to dst: first its name, then one
// segment per bracket pair, where "" stands for "[]" (append to an array). It
// reports false for a key without a name or nested deeper than maxDepth.
func parseKey(dst []string, key string) ([]string, bool) {
	name, rest := nextName(key)
	if name == "" {
		return nil, false
	}
	dst = append(dst, name)

	for rest != "" {
		if len(dst) == maxDepth {
			return nil, false
		}

		if strings.HasPrefix(rest, "[]") {
			dst = append(dst, "")
			rest = rest[2:]
			continue
		}

		name, rest = nextName(rest)
		if name == "" {
			break
		}
		dst = append(dst, name)
	}

	return dst, true
}

// nextName skips the brackets at the start of s, then returns the name up to
// the next bracket and what follows the closing brackets after it.
func nextName(s string) (name, rest string) {
	start := 0
	for start < len(s) && isBracket(s[start]) {
		start++
	}

	end := start
	for end < len(s) && !isBracket(s[end]) {
		end++
	}

	return s[start:end], strings.TrimLeft(s[end:], "]")
}

func isBracket(c byte) bool { return c == '[' || c == ']' }

// assign returns what a slot that holds cur holds once value is stored at
// the path of segments below it.
func assign(cur any, segments []string, value string) any {
	if len(segments) == 0 {
		if isContainer(cur) {
			return cur
		}

		return value
	}

	if segments[0] != "" {
		return assignKey(cur, segments, value)
	}

	return assignArray(cur, segments[1:], value)
}

// assignKey stores value below the object key segments[0]. A single value
// in the slot is replaced by a new object, and an array is kept as it is.
func assignKey(cur any, segments []string, value string) any {
	object, ok := cur.(map[string]any)
	if !ok {
		if isContainer(cur) {
			return cur
		}
		object = map[string]any{}
	}

	key := segments[0]
	object[key] = assign(object[key], segments[1:], value)

	return object
}

// assignArray stores value at rest below a new or the last element of an
// array. A single value in the slot is replaced by a new array, and an object
// is kept as it is.
func assignArray(cur any, rest []string, value string) any {
	array, ok := cur.([]any)
	if !ok && isContainer(cur) {
		return cur
	}

	if len(rest) > 0 && rest[0] != "" && len(array) > 0 {
		last, ok := array[len(array)-1].(map[string]any)
		if ok && !hasPath(last, rest) {
			assignKey(last, rest, value)
			return array
		}
	}

	return append(array, assign(nil, rest, value))
}

// hasPath reports whether object already holds a value at the path of
// object keys; a path that appends to an array is never held.
func hasPath(object map[string]any, path []string) bool {
	if slices.Contains(path, "") {
		return false
	}

	var cur any = object
	for _, key := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}

		cur, ok = m[key]
		if !ok {
			return false
		}
	}

	return true
}

// isContainer reports whether v is an object or an array.
func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	default:
		return false
	}
}

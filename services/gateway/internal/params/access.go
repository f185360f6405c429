package params

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Present reports whether m holds key, whatever its value, JSON null
// included.
func Present(m map[string]any, key string) bool {
	_, ok := m[key]
	return ok
}

// Hash returns the object that m holds under key. A missing key, JSON null,
// a single value or an array all count as absent: a scalar sent where a
// free-form hash is expected ("metadata=foo") is dropped, not an error.
func Hash(m map[string]any, key string) (map[string]any, bool) {
	object, ok := m[key].(map[string]any)
	return object, ok
}

// String returns the single value that m holds under key, as text. It
// reports false for a missing key. A string is returned as it is, a JSON
// number as its text as sent, a boolean as "true" or "false", and JSON null
// as "" (present). An object or an array is an error wrapping [ErrNotScalar],
// which handlers answer with 422.
func String(m map[string]any, key string) (string, bool, error) {
	value, ok := m[key]
	if !ok {
		return "", false, nil
	}

	switch value := value.(type) {
	case nil:
		return "", true, nil
	case string:
		return value, true, nil
	case json.Number:
		return value.String(), true, nil
	case bool:
		return strconv.FormatBool(value), true, nil
	case float64:
		return strconv.FormatFloat(value, 'f', -1, 64), true, nil
	default:
		return "", true, fmt.Errorf("parameter %q: %w", key, ErrNotScalar)
	}
}

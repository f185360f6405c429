package metadata

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Storable reports whether v (a decoded JSON value) can be stored as sent:
// every number must be a finite double that does not underflow to zero.
// Larger or tinier numbers would be refused by the database, or expanded to
// many kilobytes of digits.
func Storable(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		for _, e := range t {
			if !Storable(e) {
				return false
			}
		}
	case []any:
		for _, e := range t {
			if !Storable(e) {
				return false
			}
		}
	case json.Number:
		return storableNumber(t.String())
	}
	return true
}

func storableNumber(s string) bool {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return false
	}
	if f != 0 {
		return true
	}
	mantissa, _, _ := strings.Cut(strings.ToLower(s), "e")
	return strings.Trim(mantissa, "-+0.") == ""
}

package params

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// pair is one decoded key and value, in the order the request sent it.
type pair struct {
	key   string
	value string
}

var (
	// errNotUTF8 reports text that is not valid UTF-8.
	errNotUTF8 = errors.New("a parameter is not valid UTF-8")

	// errNUL reports text holding a NUL character, which PostgreSQL text
	// and jsonb columns cannot store.
	errNUL = errors.New("a parameter contains a NUL character")
)

// parsePairs splits URL-encoded text into its pairs, in order. Fields are
// separated by '&' only (a ';' is data, as in current Rack), a field without
// '=' has an empty value, and empty fields are skipped. Bad percent-encoding,
// and decoded text that is not valid UTF-8 or holds a NUL, are errors.
func parsePairs(s string) ([]pair, error) {
	var pairs []pair
	for s != "" {
		var field string
		field, s, _ = strings.Cut(s, "&")
		if field == "" {
			continue
		}

		rawKey, rawValue, _ := strings.Cut(field, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return nil, fmt.Errorf("decode key: %w", err)
		}

		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return nil, fmt.Errorf("decode value of %q: %w", key, err)
		}

		pairs = append(pairs, pair{key: key, value: value})
	}

	if err := checkPairs(pairs); err != nil {
		return nil, err
	}

	return pairs, nil
}

// checkPairs reports the first key or value that is not valid UTF-8 or holds
// a NUL character.
func checkPairs(pairs []pair) error {
	for _, p := range pairs {
		for _, s := range [...]string{p.key, p.value} {
			if !utf8.ValidString(s) {
				return errNotUTF8
			}
			if strings.IndexByte(s, 0) >= 0 {
				return errNUL
			}
		}
	}

	return nil
}

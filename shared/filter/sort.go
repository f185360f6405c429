package filter

import (
	"errors"
	"strings"
)

// ErrUnknownSortColumn reports a sort key outside the documented columns.
var ErrUnknownSortColumn = errors.New("filter: unknown sort column")

// OrderBy turns a sort parameter such as "created_at,-id" into an ORDER BY
// list over the allowed columns (parameter name → SQL column). The result
// always ends with the id so pages are stable; an empty spec sorts by id.
func OrderBy(spec string, allowed map[string]string, idColumn string) (string, error) {
	var parts []string
	hasID := false
	for _, key := range List(spec) {
		dir := " ASC"
		if strings.HasPrefix(key, "-") {
			key, dir = key[1:], " DESC"
		}
		col, ok := allowed[key]
		if !ok {
			return "", ErrUnknownSortColumn
		}
		if col == idColumn {
			hasID = true
		}
		parts = append(parts, col+dir)
	}
	if !hasID {
		parts = append(parts, idColumn+" ASC")
	}
	return strings.Join(parts, ", "), nil
}

package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// exactArgs is cobra.ExactArgs with the mistake reported as a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s takes %d argument(s), got %d", cmd.CommandPath(), n,
				len(args))}
		}

		return nil
	}
}

// parseID reads a resource id argument.
func parseID(what, s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || id <= 0 {
		return 0, usageError{fmt.Errorf("%s id %q is not a positive integer", what, s)}
	}

	return id, nil
}

// parsePairs turns key=value arguments into a nested map: dots in a key
// nest it ("metadata.district=Kampot" gives {"metadata":{"district":
// "Kampot"}}), and a key given twice holds a list of its values, which
// filters read as "any of these".
func parsePairs(flag string, pairs []string) (map[string]any, error) {
	out := map[string]any{}
	for _, pair := range pairs {
		key, value, ok := strings.Cut(pair, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return nil, usageError{fmt.Errorf("--%s %q is not key=value", flag, pair)}
		}

		if err := setPath(out, strings.Split(key, "."), value); err != nil {
			return nil, usageError{fmt.Errorf("--%s %q: %w", flag, pair, err)}
		}
	}

	return out, nil
}

// setPath stores value at path in m, making nested maps on the way.
func setPath(m map[string]any, path []string, value string) error {
	for _, part := range path {
		if part == "" {
			return fmt.Errorf("empty key part")
		}
	}

	for _, part := range path[:len(path)-1] {
		next, ok := m[part].(map[string]any)
		if !ok {
			if _, taken := m[part]; taken {
				return fmt.Errorf("%s is both a value and a group", part)
			}
			next = map[string]any{}
			m[part] = next
		}
		m = next
	}

	last := path[len(path)-1]
	switch old := m[last].(type) {
	case nil:
		m[last] = value
	case string:
		m[last] = []any{old, value}
	case []any:
		m[last] = append(old, value)
	default:
		return fmt.Errorf("%s is both a group and a value", last)
	}

	return nil
}

// queryOf flattens a filter map into Rails-style query parameters under
// prefix, as the listings take them: {"metadata":{"a":"b"}} under "q"
// gives q[metadata][a]=b.
func queryOf(prefix string, m map[string]any, into map[string][]string) {
	for k, v := range m {
		key := prefix + "[" + k + "]"
		switch v := v.(type) {
		case map[string]any:
			queryOf(key, v, into)
		case []any:
			for _, item := range v {
				into[key+"[]"] = append(into[key+"[]"], fmt.Sprint(item))
			}
		default:
			into[key] = append(into[key], fmt.Sprint(v))
		}
	}
}

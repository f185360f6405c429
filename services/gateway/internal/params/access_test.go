package params

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHash(t *testing.T) {
	t.Parallel()

	m := map[string]any{
		"metadata": map[string]any{"a": "b"},
		"scalar":   "foo",
		"array":    []any{"x"},
		"null":     nil,
	}

	got, ok := Hash(m, "metadata")
	require.True(t, ok)
	require.Equal(t, map[string]any{"a": "b"}, got)

	for _, key := range []string{"scalar", "array", "null", "missing"} {
		got, ok := Hash(m, key)
		require.False(t, ok, key)
		require.Nil(t, got, key)
	}
}

func TestString(t *testing.T) {
	t.Parallel()

	m := map[string]any{
		"string": "abc",
		"empty":  "",
		"number": json.Number("1.50"),
		"true":   true,
		"false":  false,
		"float":  float64(30),
		"null":   nil,
		"hash":   map[string]any{},
		"array":  []any{"a"},
	}

	tests := []struct {
		key     string
		want    string
		present bool
		err     error
	}{
		{key: "string", want: "abc", present: true},
		{key: "empty", want: "", present: true},
		{key: "number", want: "1.50", present: true},
		{key: "true", want: "true", present: true},
		{key: "false", want: "false", present: true},
		{key: "float", want: "30", present: true},
		{key: "null", want: "", present: true},
		{key: "missing", want: "", present: false},
		{key: "hash", present: true, err: ErrNotScalar},
		{key: "array", present: true, err: ErrNotScalar},
	}
	for _, test := range tests {
		t.Run(test.key, func(t *testing.T) {
			t.Parallel()

			got, present, err := String(m, test.key)

			require.ErrorIs(t, err, test.err)
			require.Equal(t, test.want, got)
			require.Equal(t, test.present, present)
		})
	}
}

func TestPresent(t *testing.T) {
	t.Parallel()

	m := map[string]any{"null": nil, "empty": ""}

	require.True(t, Present(m, "null"))
	require.True(t, Present(m, "empty"))
	require.False(t, Present(m, "missing"))
	require.False(t, Present(nil, "missing"))
}

package params

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDecodeValues(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name  string
		query string
		want  map[string]any
	}{
		{
			name:  "plain",
			query: "msisdn=%2B252662345678&call_flow_logic=HelloWorld",
			want:  map[string]any{"msisdn": "+252662345678", "call_flow_logic": "HelloWorld"},
		},
		{
			name:  "nested hash",
			query: "a[b][c]=v",
			want:  map[string]any{"a": map[string]any{"b": map[string]any{"c": "v"}}},
		},
		{
			name:  "siblings merge",
			query: "metadata[a]=1&metadata[b][c]=2&metadata[b][d]=3",
			want: map[string]any{"metadata": map[string]any{
				"a": "1",
				"b": map[string]any{"c": "2", "d": "3"},
			}},
		},
		{
			name:  "array",
			query: "x[]=1&x[]=2",
			want:  map[string]any{"x": []any{"1", "2"}},
		},
		{
			name:  "array in hash",
			query: "q[metadata][k][]=a&q[metadata][k][]=b",
			want: map[string]any{"q": map[string]any{
				"metadata": map[string]any{"k": []any{"a", "b"}},
			}},
		},
		{
			name:  "leading bracket",
			query: "[metadata][name]=x",
			want:  map[string]any{"metadata": map[string]any{"name": "x"}},
		},
		{
			name:  "leading brackets",
			query: "[][metadata]=x",
			want:  map[string]any{"metadata": "x"},
		},
		{
			name:  "array of hashes",
			query: "a[][b]=1&a[][c]=2",
			want:  map[string]any{"a": []any{map[string]any{"b": "1", "c": "2"}}},
		},
		{
			name:  "array of hashes, repeated key starts a new hash",
			query: "a[][b]=1&a[][b]=2",
			want: map[string]any{"a": []any{
				map[string]any{"b": "1"},
				map[string]any{"b": "2"},
			}},
		},
		{
			name:  "array of arrays",
			query: "a[][]=1&a[][]=2",
			want:  map[string]any{"a": []any{[]any{"1"}, []any{"2"}}},
		},
		{
			name:  "array of hashes holding arrays",
			query: "a[][b][]=1&a[][b][]=2",
			want:  map[string]any{"a": []any{map[string]any{"b": []any{"1", "2"}}}},
		},
		{
			name:  "repeated plain key keeps the last value",
			query: "a=1&a=2",
			want:  map[string]any{"a": "2"},
		},
		{
			name:  "hash wins over scalar sent first",
			query: "a=1&a[b]=2",
			want:  map[string]any{"a": map[string]any{"b": "2"}},
		},
		{
			name:  "hash wins over scalar sent last",
			query: "a[b]=2&a=1",
			want:  map[string]any{"a": map[string]any{"b": "2"}},
		},
		{
			name:  "deeper hash wins over scalar",
			query: "a[b]=1&a[b][c]=2",
			want:  map[string]any{"a": map[string]any{"b": map[string]any{"c": "2"}}},
		},
		{
			name:  "array wins over scalar",
			query: "a[]=1&a=2",
			want:  map[string]any{"a": []any{"1"}},
		},
		{
			name:  "first of hash and array wins",
			query: "a[]=1&a[b]=2",
			want:  map[string]any{"a": []any{"1"}},
		},
		{
			name:  "scalar array element then hash element",
			query: "a[]=1&a[][b]=2",
			want:  map[string]any{"a": []any{"1", map[string]any{"b": "2"}}},
		},
		{
			name:  "empty keys ignored",
			query: "=1&[]=2&[[]]=3&ok=4",
			want:  map[string]any{"ok": "4"},
		},
		{
			name:  "empty value",
			query: "a=&b",
			want:  map[string]any{"a": "", "b": ""},
		},
		{
			name:  "values kept as sent",
			query: "a=%20x%20&b=1.50&c=true&d=null",
			want:  map[string]any{"a": " x ", "b": "1.50", "c": "true", "d": "null"},
		},
		{
			name:  "unbalanced brackets",
			query: "a]b=1&c[d=2&e[f][=3&g[h]]]=4",
			want: map[string]any{
				"a": map[string]any{"b": "1"},
				"c": map[string]any{"d": "2"},
				"e": map[string]any{"f": "3"},
				"g": map[string]any{"h": "4"},
			},
		},
		{
			name:  "array then name without brackets",
			query: "a[]b=1",
			want:  map[string]any{"a": []any{map[string]any{"b": "1"}}},
		},
		{
			name:  "too deep",
			query: "a" + strings.Repeat("[b]", maxDepth) + "=1&ok=1",
			want:  map[string]any{"ok": "1"},
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()

			values, err := url.ParseQuery(test.query)
			require.NoError(t, err)

			require.Equal(t, test.want, DecodeValues(values))
		})
	}
}

func TestDecodeValuesDeepestAllowed(t *testing.T) {
	t.Parallel()

	values := url.Values{"a" + strings.Repeat("[b]", maxDepth-1): {"1"}}

	got := DecodeValues(values)

	var cur any = got["a"]
	for range maxDepth - 1 {
		m, ok := cur.(map[string]any)
		require.True(t, ok)
		cur = m["b"]
	}
	require.Equal(t, "1", cur)
}

func TestDecodeValuesEmpty(t *testing.T) {
	t.Parallel()

	require.Equal(t, map[string]any{}, DecodeValues(nil))
}

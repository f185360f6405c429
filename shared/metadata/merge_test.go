package metadata

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestApply(t *testing.T) {
	t.Parallel()

	existing := `{"a":"b","foo":"bar","baz":{"c":[1,2,3]}}`
	sent := `{"foo":"baz","bar":"baz","baz":{"x":[4,5,6]}}`
	tests := []struct {
		mode string
		want string
	}{
		{"", `{"a":"b","foo":"baz","bar":"baz","baz":{"x":[4,5,6]}}`},
		{"merge", `{"a":"b","foo":"baz","bar":"baz","baz":{"x":[4,5,6]}}`},
		{"delete", `{"a":"b","foo":"baz","bar":"baz","baz":{"x":[4,5,6]}}`},
		{"deep_merge", `{"a":"b","foo":"baz","bar":"baz","baz":{"c":[1,2,3],"x":[4,5,6]}}`},
		{"replace", `{"foo":"baz","bar":"baz","baz":{"x":[4,5,6]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()

			e, err := Decode([]byte(existing))
			require.NoError(t, err)
			s, err := Decode([]byte(sent))
			require.NoError(t, err)

			got := Encode(Apply(e, s, tt.mode))
			require.JSONEq(t, tt.want, string(got))
			require.JSONEq(t, existing, string(Encode(e)), "existing must not change")
		})
	}
}

func TestDecodeKeepsNumbers(t *testing.T) {
	t.Parallel()

	m, err := Decode([]byte(`{"n":1,"f":1.50,"big":12345678901234567890}`))
	require.NoError(t, err)
	require.Equal(t, `{"big":12345678901234567890,"f":1.50,"n":1}`, string(Encode(m)))

	empty, err := Decode(nil)
	require.NoError(t, err)
	require.Equal(t, "{}", string(Encode(empty)))

	_, err = Decode([]byte(`[1]`))
	require.Error(t, err)
	require.Equal(t, json.RawMessage("{}"), Encode(nil))
}

func TestStorable(t *testing.T) {
	t.Parallel()

	for raw, want := range map[string]bool{
		`{"a":1,"b":[1.5,{"c":-2e10}],"d":"1e99999"}`: true,
		`{"a":0.0,"b":-0,"c":0e5}`:                    true,
		`{"a":1e400}`:                                 false,
		`{"a":[1e-400]}`:                              false,
		`{"a":{"b":-1e309}}`:                          false,
	} {
		m, err := Decode([]byte(raw))
		require.NoError(t, err)
		require.Equal(t, want, Storable(m), raw)
	}
}

// Package metadata applies the update modes of free-form metadata objects.
package metadata

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Merge modes. Any other mode, or none, behaves as ModeMerge.
const (
	// ModeMerge overwrites top-level keys; nested objects are replaced whole.
	ModeMerge = "merge"
	// ModeReplace replaces the whole object with the one sent.
	ModeReplace = "replace"
	// ModeDeepMerge merges objects recursively; arrays and scalars sent
	// replace what was there.
	ModeDeepMerge = "deep_merge"
)

// Apply returns the object that results from sending sent over existing in
// mode. Neither input is modified.
func Apply(existing, sent map[string]any, mode string) map[string]any {
	switch mode {
	case ModeReplace:
		return clone(sent)
	case ModeDeepMerge:
		return deepMerge(existing, sent)
	default:
		out := clone(existing)
		for k, v := range sent {
			out[k] = v
		}
		return out
	}
}

func deepMerge(dst, src map[string]any) map[string]any {
	out := clone(dst)
	for k, v := range src {
		sv, sok := v.(map[string]any)
		dv, dok := out[k].(map[string]any)
		if sok && dok {
			out[k] = deepMerge(dv, sv)
			continue
		}
		out[k] = v
	}
	return out
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Decode reads a JSON object keeping numbers as written (json.Number), so
// that metadata round-trips without turning 1 into 1.0 or losing precision.
// Empty input decodes as an empty object.
func Decode(raw []byte) (map[string]any, error) {
	out := map[string]any{}
	if len(bytes.TrimSpace(raw)) == 0 {
		return out, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		return nil, fmt.Errorf("decode metadata: %w", err)
	}
	if out == nil {
		out = map[string]any{}
	}
	return out, nil
}

// Encode writes m as JSON; a nil map encodes as {}.
func Encode(m map[string]any) json.RawMessage {
	if m == nil {
		return json.RawMessage("{}")
	}
	b, err := json.Marshal(m)
	if err != nil {
		// Values come from JSON decoding, so they always marshal.
		return json.RawMessage("{}")
	}
	return b
}

package filter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// Request is what the gateway sends a service for a listing or a lookup.
type Request struct {
	// ID is the resource id for lookups of one row.
	ID int64 `json:"id,omitempty"`
	// Q holds the q[...] filter parameters.
	Q map[string]any `json:"q,omitempty"`
	// Page is the 1-based page; PerPage the rows per page (already capped).
	Page    int `json:"page,omitempty"`
	PerPage int `json:"per_page,omitempty"`
	// Sort is the sort parameter, e.g. "created_at,-id".
	Sort string `json:"sort,omitempty"`
	// Scope narrows the listing to a parent resource of a nested route,
	// e.g. {"callout_id": 3}.
	Scope map[string]int64 `json:"scope,omitempty"`
	// Type narrows a resource with subtypes to one of them (the top-level
	// type parameter of batch operation routes); it applies to lookups too.
	Type string `json:"type,omitempty"`
}

// DecodeRequest reads a Request keeping filter numbers as written.
func DecodeRequest(data []byte) (Request, error) {
	var r Request
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&r); err != nil {
		return r, fmt.Errorf("decode request: %w", err)
	}
	if r.Page < 1 {
		r.Page = 1
	}
	if r.PerPage < 1 {
		r.PerPage = 25
	}
	if r.Q == nil {
		r.Q = map[string]any{}
	}
	return r, nil
}

// Offset is the number of rows before the requested page; it saturates
// instead of overflowing for absurd page numbers.
func (r Request) Offset() int64 {
	page, per := int64(r.Page-1), int64(r.PerPage)
	if per > 0 && page > math.MaxInt64/per {
		return math.MaxInt64
	}
	return page * per
}

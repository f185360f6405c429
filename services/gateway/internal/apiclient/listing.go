package apiclient

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
)

// maxPerPage is the largest page the API serves.
const maxPerPage = 1000

// Count returns the Total of a listing, reading a one-row page: the server
// counts, the client pages through nothing.
func (c *Client) Count(ctx context.Context, path string, query url.Values) (int64, error) {
	q := cloneValues(query)
	q.Set("per_page", "1")
	q.Set("page", "1")

	resp, err := c.Do(ctx, Request{Path: path, Query: q})
	if err != nil {
		return 0, err
	}

	return resp.Total()
}

// Each calls fn with every row of a listing, in pages of 1,000 in the
// listing's own order (ids ascending). Use it for listings of a known,
// moderate size; Count answers "how many" without reading the rows.
func (c *Client) Each(
	ctx context.Context, path string, query url.Values, fn func(json.RawMessage) error,
) error {
	q := cloneValues(query)
	q.Set("per_page", strconv.Itoa(maxPerPage))

	for page := 1; ; page++ {
		q.Set("page", strconv.Itoa(page))

		resp, err := c.Do(ctx, Request{Path: path, Query: q})
		if err != nil {
			return err
		}

		var rows []json.RawMessage
		if err := resp.Decode(&rows); err != nil {
			return err
		}

		for _, row := range rows {
			if err := fn(row); err != nil {
				return err
			}
		}

		if len(rows) < maxPerPage {
			return nil
		}
	}
}

// cloneValues returns a copy of v that may be changed freely.
func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, list := range v {
		out[k] = append([]string(nil), list...)
	}

	return out
}

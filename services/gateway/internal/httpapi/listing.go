package httpapi

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"scfm/gateway/internal/params"
	"scfm/shared/filter"
	"scfm/shared/reply"
)

// Paging defaults: 25 rows a page, at most 1000.
const (
	defaultPerPage = 25
	maxPerPage     = 1000
)

// listRequest builds the listing request of p: q filters, page, per_page
// (non-numbers and values below 1 take the defaults; above the maximum is
// the maximum) and sort.
func listRequest(p map[string]any) filter.Request {
	req := filter.Request{Page: 1, PerPage: defaultPerPage}
	if q, ok := params.Hash(p, "q"); ok {
		req.Q = q
	}
	if n := leadingInt(p["page"]); n > 0 {
		req.Page = n
	}
	if n := leadingInt(p["per_page"]); n > 0 {
		req.PerPage = min(n, maxPerPage)
	}
	if s, ok, err := params.String(p, "sort"); ok && err == nil {
		req.Sort = s
	}
	if s, ok, err := params.String(p, "type"); ok && err == nil {
		req.Type = s // narrows resources with subtypes
	}
	return req
}

// leadingInt reads the leading integer of a scalar parameter, 0 if none.
func leadingInt(v any) int {
	s := strings.TrimSpace(filter.Text(v))
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	if errors.Is(err, strconv.ErrRange) {
		return math.MaxInt32 // far beyond any page: an empty one
	}
	if err != nil {
		return 0
	}
	return n
}

// writeList writes a listing answer with the paging headers: Per-Page,
// Total, and Link when there is more than one page.
func writeList(w http.ResponseWriter, r *http.Request, req filter.Request, rep reply.Reply) {
	if rep.Status != http.StatusOK || rep.Total < 0 {
		writeReply(w, rep)
		return
	}
	h := w.Header()
	h.Set("Per-Page", strconv.Itoa(req.PerPage))
	h.Set("Total", strconv.FormatInt(rep.Total, 10))
	if link := linkHeader(r, req, rep.Total); link != "" {
		h.Set("Link", link)
	}
	writeReply(w, rep)
}

// linkHeader builds the Link header: first and prev when past page 1, last
// and next when before the last page and not beyond it.
func linkHeader(r *http.Request, req filter.Request, total int64) string {
	pages := int((total + int64(req.PerPage) - 1) / int64(req.PerPage))
	if pages <= 1 {
		return ""
	}
	var links []string
	add := func(page int, rel string) {
		links = append(links, "<"+pageURL(r, page)+`>; rel="`+rel+`"`)
	}
	if req.Page > 1 {
		add(1, "first")
		add(req.Page-1, "prev")
	}
	if req.Page < pages {
		add(pages, "last")
		add(req.Page+1, "next")
	}
	return strings.Join(links, ", ")
}

// pageURL is the request's absolute URL with page replaced, parameters
// sorted by name and form-encoded.
func pageURL(r *http.Request, page int) string {
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(page))
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
		}
	}
	return baseURL(r) + r.URL.Path + "?" + b.String()
}

// baseURL is the scheme and host the client used.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain maps and structs are marshalled here
	}
	return b
}

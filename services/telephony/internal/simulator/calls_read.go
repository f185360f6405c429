package simulator

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

// callPage is one page of a call list.
type callPage struct {
	Calls           []callResource `json:"calls"`
	End             int            `json:"end"`
	FirstPageURI    string         `json:"first_page_uri"`
	NextPageURI     *string        `json:"next_page_uri"`
	Page            int            `json:"page"`
	PageSize        int            `json:"page_size"`
	PreviousPageURI *string        `json:"previous_page_uri"`
	Start           int            `json:"start"`
	URI             string         `json:"uri"`
}

// fetchCall answers GET .../Calls/{CallSid}.json.
func (s *Server) fetchCall(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.authorize(w, r); !ok {
		return
	}
	sid, ok := strings.CutSuffix(r.PathValue("call"), ".json")
	c, found := s.store.get(r.PathValue("account"), sid)
	if !ok || !found {
		respondError(w, http.StatusNotFound, codeNotFound,
			"The requested resource "+r.URL.Path+" was not found")
		return
	}
	respondJSON(w, http.StatusOK, c.resource())
}

// listCalls answers GET .../Calls.json, newest first, filtered by To, From,
// Status and StartTime (exact day, or bounds with "StartTime>" and
// "StartTime<"), in pages of PageSize numbered by Page.
func (s *Server) listCalls(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.authorize(w, r); !ok {
		return
	}
	q := r.URL.Query()
	f, page, size, msg := parseList(q)
	if msg != "" {
		respondError(w, http.StatusBadRequest, codeBadRequest, msg)
		return
	}
	f.account = r.PathValue("account")
	calls := s.store.list(f)

	start := min(page*size, len(calls))
	end := min(start+size, len(calls))
	path := r.URL.Path
	out := callPage{
		Calls:        make([]callResource, 0, end-start),
		End:          max(end-1, start),
		FirstPageURI: pageURI(path, q, 0, size),
		Page:         page,
		PageSize:     size,
		Start:        start,
		URI:          pageURI(path, q, page, size),
	}
	for _, c := range calls[start:end] {
		out.Calls = append(out.Calls, c.resource())
	}
	if end < len(calls) {
		out.NextPageURI = ptr(pageURI(path, q, page+1, size))
	}
	if page > 0 {
		out.PreviousPageURI = ptr(pageURI(path, q, page-1, size))
	}
	respondJSON(w, http.StatusOK, out)
}

// parseList reads a list request's filter and paging, or returns a message
// saying what is wrong.
func parseList(q url.Values) (f listFilter, page, size int, msg string) {
	f = listFilter{to: q.Get("To"), from: q.Get("From"), status: q.Get("Status")}
	page, size = 0, defaultPageSize
	var err error
	if v := q.Get("Page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 0 {
			return f, 0, 0, "Page must be a non-negative integer."
		}
	}
	if v := q.Get("PageSize"); v != "" {
		if size, err = strconv.Atoi(v); err != nil || size < 1 {
			return f, 0, 0, "PageSize must be a positive integer."
		}
		size = min(size, maxPageSize)
	}

	bounds := []struct {
		key          string
		lower, upper bool // which bounds the parameter sets
	}{{"StartTime", true, true}, {"StartTime>", true, false}, {"StartTime<", false, true}}
	for _, b := range bounds {
		v := q.Get(b.key)
		if v == "" {
			continue
		}
		from, to, ok := parseTime(v)
		if !ok {
			return f, 0, 0, b.key + " must be a date (YYYY-MM-DD) or an RFC 3339 time."
		}
		if b.lower {
			f.after = from
		}
		if b.upper {
			f.before = to
		}
	}
	return f, page, size, ""
}

// parseTime reads a date or an RFC 3339 time and returns the span it covers:
// a whole UTC day for a date, one instant for a time.
func parseTime(v string) (from, to time.Time, ok bool) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, t, true
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		return d, d.Add(24*time.Hour - time.Nanosecond), true
	}
	return time.Time{}, time.Time{}, false
}

// pageURI is the URI of page n of a list with query q.
func pageURI(path string, q url.Values, n, size int) string {
	q2 := url.Values{}
	for k, v := range q {
		q2[k] = v
	}
	delete(q2, "PageToken")
	q2.Set("Page", strconv.Itoa(n))
	q2.Set("PageSize", strconv.Itoa(size))
	return path + "?" + q2.Encode()
}

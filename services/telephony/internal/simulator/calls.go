package simulator

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxFormBytes bounds a create request's body.
const maxFormBytes = 64 << 10

// hooks is how the simulator reaches the caller's application during a
// call. It lives only while the call plays.
type hooks struct {
	token        string
	voiceURL     string
	voiceMethod  string
	statusURL    string
	statusMethod string
	events       eventSet
}

// eventSet is a set of status callback events.
type eventSet uint8

const (
	wantInitiated eventSet = 1 << iota
	wantRinging
	wantAnswered
	wantCompleted // any final status
	wantAll       = wantInitiated | wantRinging | wantAnswered | wantCompleted
)

// parseEvents reads StatusCallbackEvent values, repeated or space-separated.
// Unknown names are ignored; none at all means every event.
func parseEvents(values []string) eventSet {
	var set eventSet
	for _, v := range values {
		for _, name := range strings.FieldsFunc(v, isEventSeparator) {
			switch strings.ToLower(name) {
			case "initiated":
				set |= wantInitiated
			case "ringing":
				set |= wantRinging
			case "answered":
				set |= wantAnswered
			case "completed":
				set |= wantCompleted
			}
		}
	}
	if set == 0 {
		return wantAll
	}
	return set
}

func isEventSeparator(r rune) bool { return r == ' ' || r == ',' }

// has reports whether the set asks for st's callback.
func (e eventSet) has(st step) bool {
	switch {
	case st.event == eventInitiated:
		return e&wantInitiated != 0
	case st.status == statusRinging:
		return e&wantRinging != 0
	case st.status == statusInProgress:
		return e&wantAnswered != 0
	default:
		return e&wantCompleted != 0
	}
}

// createError is a create request the API refuses with 400.
type createError struct {
	code    int
	message string
}

// parseCreate validates a create request's form.
func parseCreate(form url.Values, token string) (call, hooks, *createError) {
	c := call{to: strings.TrimSpace(form.Get("To")), from: strings.TrimSpace(form.Get("From"))}
	h := hooks{
		token:        token,
		voiceURL:     strings.TrimSpace(form.Get("Url")),
		voiceMethod:  method(form.Get("Method")),
		statusURL:    strings.TrimSpace(form.Get("StatusCallback")),
		statusMethod: method(form.Get("StatusCallbackMethod")),
		events:       parseEvents(form["StatusCallbackEvent"]),
	}
	switch {
	case c.to == "":
		return c, h, &createError{codeMissingTo, "A 'To' phone number is required."}
	case c.from == "":
		return c, h, &createError{codeMissingFrom, "A 'From' phone number is required."}
	case h.voiceURL == "" && form.Get("ApplicationSid") == "" && form.Get("Twiml") == "":
		return c, h, &createError{codeInvalidURL,
			"Either a 'Url', 'Twiml' or 'ApplicationSid' parameter is required."}
	case h.voiceURL != "" && !webURL(h.voiceURL):
		return c, h, &createError{codeInvalidURL, "Url is not a valid URL: " + h.voiceURL}
	case h.statusURL != "" && !webURL(h.statusURL):
		return c, h, &createError{codeInvalidURL,
			"StatusCallback is not a valid URL: " + h.statusURL}
	}
	return c, h, nil
}

// method returns GET for "GET" in any case and POST for anything else.
func method(m string) string {
	if strings.EqualFold(strings.TrimSpace(m), http.MethodGet) {
		return http.MethodGet
	}
	return http.MethodPost
}

func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// createCall answers POST .../Calls.json.
func (s *Server) createCall(w http.ResponseWriter, r *http.Request) {
	acc, ok := s.authorize(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		respondError(w, http.StatusBadRequest, codeBadRequest,
			"The request body is not a valid form.")
		return
	}

	c, h, cerr := parseCreate(r.Form, acc.token)
	if cerr != nil {
		respondError(w, http.StatusBadRequest, cerr.code, cerr.message)
		return
	}
	if !acc.allow() {
		s.counters.rateLimited.Add(1)
		respondError(w, http.StatusTooManyRequests, codeTooManyRequests, "Too Many Requests")
		return
	}

	now := time.Now()
	c.sid, c.accountSid = newCallSid(), r.PathValue("account")
	c.status, c.created, c.updated = statusQueued, now, now
	outcome := s.picker.pick(c.sid, c.to)
	switch err := s.start(c, h, outcome); {
	case errors.Is(err, errSaturated):
		s.counters.saturated.Add(1)
		respondError(w, http.StatusTooManyRequests, codeTooManyRequests,
			"Too Many Requests: too many calls in progress")
		return
	case err != nil:
		respondError(w, http.StatusServiceUnavailable, codeInternal, "Service Unavailable")
		return
	}

	s.counters.creates.Add(1)
	s.log.DebugContext(r.Context(), "call created",
		"call_sid", c.sid, "account_sid", c.accountSid, "outcome", outcome)
	respondJSON(w, http.StatusCreated, c.resource())
}

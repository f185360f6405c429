package simulator

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// apiError is the REST API's error body.
type apiError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// Error codes the simulator answers with.
const (
	codeMissingTo       = 21201
	codeMissingFrom     = 21213
	codeInvalidURL      = 21205
	codeAuthenticate    = 20003
	codeNotFound        = 20404
	codeTooManyRequests = 20429
	codeInternal        = 20500
	codeBadRequest      = 20001
)

func respondJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client has gone; nothing to do
}

func respondError(w http.ResponseWriter, status, code int, message string) {
	respondJSON(w, status, apiError{
		Code:     code,
		Message:  message,
		MoreInfo: "https://www.twilio.com/docs/errors/" + strconv.Itoa(code),
		Status:   status,
	})
}

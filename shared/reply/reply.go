// Package reply is the answer a service gives to a command or a query,
// already in the shape of the REST API: a status code, an optional
// Location, an optional total for listings, and a JSON body.
package reply

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Reply is a service's answer to a command or query.
type Reply struct {
	// Status is the HTTP status the gateway answers with.
	Status int
	// Location is the path of a created or changed resource, if any.
	Location string
	// Total is the number of matching rows of a listing, ignoring paging.
	// It is -1 for answers that are not listings.
	Total int64
	// Body is the JSON body; empty for 204.
	Body []byte
}

// JSON answers status with v marshalled as the body.
func JSON(status int, v any) Reply {
	b, err := json.Marshal(v)
	if err != nil {
		return Internal(fmt.Errorf("marshal reply: %w", err))
	}
	return Reply{Status: status, Total: -1, Body: b}
}

// Created answers 201 with the new resource at location.
func Created(location string, v any) Reply {
	r := JSON(http.StatusCreated, v)
	r.Location = location
	return r
}

// List answers 200 with one page of rows and the total match count.
func List(total int64, rows any) Reply {
	r := JSON(http.StatusOK, rows)
	r.Total = total
	return r
}

// NoContent answers 204 with an empty body.
func NoContent() Reply {
	return Reply{Status: http.StatusNoContent, Total: -1}
}

// NotFound answers 404 with the body REST clients of this API expect.
func NotFound() Reply {
	return Reply{
		Status: http.StatusNotFound, Total: -1,
		Body: []byte(`{"status":404,"error":"Not Found"}`),
	}
}

// Unauthorized answers 401 with an empty body: the caller's account may not
// use this route.
func Unauthorized() Reply {
	return Reply{Status: http.StatusUnauthorized, Total: -1}
}

// Errors is the field → messages map of a validation answer.
type Errors map[string][]string

// Add appends msg to field's messages.
func (e Errors) Add(field, msg string) { e[field] = append(e[field], msg) }

// Invalid answers 422 with {"errors": e}.
func Invalid(e Errors) Reply {
	return JSON(http.StatusUnprocessableEntity, map[string]Errors{"errors": e})
}

// Invalid1 answers 422 with one message on one field.
func Invalid1(field, msg string) Reply {
	return Invalid(Errors{field: {msg}})
}

// BadRequest answers 400 with one message on one field, for payloads that
// cannot be read at all.
func BadRequest(field, msg string) Reply {
	r := Invalid1(field, msg)
	r.Status = http.StatusBadRequest
	return r
}

// Unavailable answers 503: a dependency is down and the client should retry.
func Unavailable() Reply {
	return Reply{
		Status: http.StatusServiceUnavailable, Total: -1,
		Body: []byte(`{"status":503,"error":"Service Unavailable"}`),
	}
}

// Internal answers 500 for a defect. err is not exposed to the client.
func Internal(_ error) Reply {
	return Reply{
		Status: http.StatusInternalServerError, Total: -1,
		Body: []byte(`{"status":500,"error":"Internal Server Error"}`),
	}
}

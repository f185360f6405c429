// Package telephonyv1 holds the public events of the telephony service:
// phone calls and what happened to them. The callouts service builds each
// participation's call history from them; their JSON is a contract with
// subscribers (see docs/events.md).
package telephonyv1

import (
	"encoding/json"
	"slices"
	"time"
)

// Service is the name in the telephony service's subjects and streams.
const Service = "telephony"

// AggregatePhoneCall is the stream type of phone calls.
const AggregatePhoneCall = "phone_call"

// Event type names, published on
// "telephony.evt.phone_call.<id>.<last part of the name>".
const (
	PhoneCallCreated       = "phone_call.created"
	PhoneCallUpdated       = "phone_call.updated"
	PhoneCallStatusChanged = "phone_call.status_changed"
	PhoneCallDeleted       = "phone_call.deleted"
)

// Phone call statuses. Dispatching is internal to the telephony service and
// shown by the API as queued.
const (
	StatusCreated           = "created"
	StatusQueued            = "queued"
	StatusDispatching       = "dispatching"
	StatusRemotelyQueued    = "remotely_queued"
	StatusRemoteFetchQueued = "remote_fetch_queued"
	StatusInProgress        = "in_progress"
	StatusErrored           = "errored"
	StatusFailed            = "failed"
	StatusBusy              = "busy"
	StatusNotAnswered       = "not_answered"
	StatusCanceled          = "canceled"
	StatusCompleted         = "completed"
	StatusExpired           = "expired"
)

// InFlightStatuses lists the statuses of calls that may still reach the
// callee: a participation has at most one such call at a time.
func InFlightStatuses() []string {
	return []string{
		StatusCreated, StatusQueued, StatusDispatching, StatusRemotelyQueued,
		StatusRemoteFetchQueued, StatusInProgress,
	}
}

// InFlight reports whether a call in status may still reach the callee.
func InFlight(status string) bool { return slices.Contains(InFlightStatuses(), status) }

// PhoneCallCreatedV1 records a new phone call (one attempt to reach a
// participation, or an inbound call). An inbound call from a number that is
// no contact yet has no contact_id: the callouts service then creates the
// contact, and the call belongs to it by its msisdn.
type PhoneCallCreatedV1 struct {
	ID                     int64           `json:"id"`
	AccountID              int64           `json:"account_id"`
	CalloutParticipationID *int64          `json:"callout_participation_id"`
	CalloutID              *int64          `json:"callout_id"`
	ContactID              *int64          `json:"contact_id"`
	CreateBatchOperationID *int64          `json:"create_batch_operation_id"`
	Status                 string          `json:"status"`
	MSISDN                 string          `json:"msisdn"`
	CallFlowLogic          *string         `json:"call_flow_logic"`
	Metadata               json.RawMessage `json:"metadata"`
	RemoteRequestParams    json.RawMessage `json:"remote_request_params"`
	CreatedAt              time.Time       `json:"created_at"`
}

// PhoneCallUpdatedV1 records a call's editable fields after a change (all
// in full).
type PhoneCallUpdatedV1 struct {
	ID                     int64           `json:"id"`
	AccountID              int64           `json:"account_id"`
	CalloutParticipationID *int64          `json:"callout_participation_id"`
	MSISDN                 string          `json:"msisdn"`
	CallFlowLogic          *string         `json:"call_flow_logic"`
	Metadata               json.RawMessage `json:"metadata"`
	RemoteRequestParams    json.RawMessage `json:"remote_request_params"`
	UpdatedAt              time.Time       `json:"updated_at"`
}

// PhoneCallStatusChangedV1 records a call's move to a new status, with
// what the provider said about it so far.
type PhoneCallStatusChangedV1 struct {
	ID                     int64      `json:"id"`
	AccountID              int64      `json:"account_id"`
	CalloutParticipationID *int64     `json:"callout_participation_id"`
	Status                 string     `json:"status"`
	PreviousStatus         string     `json:"previous_status"`
	BatchOperationID       *int64     `json:"batch_operation_id"`
	RemoteCallID           *string    `json:"remote_call_id"`
	RemoteStatus           *string    `json:"remote_status"`
	RemoteDirection        *string    `json:"remote_direction"`
	RemoteErrorMessage     *string    `json:"remote_error_message"`
	RemotelyQueuedAt       *time.Time `json:"remotely_queued_at"`
	ChangedAt              time.Time  `json:"changed_at"`
}

// PhoneCallDeletedV1 records the removal of a call that never left the
// created status.
type PhoneCallDeletedV1 struct {
	ID                     int64     `json:"id"`
	AccountID              int64     `json:"account_id"`
	CalloutParticipationID *int64    `json:"callout_participation_id"`
	DeletedAt              time.Time `json:"deleted_at"`
}

// Remote phone call event type names, published on
// "telephony.evt.remote_phone_call_event.<id>.<last part of the name>".
const (
	AggregateRemoteEvent = "remote_phone_call_event"
	RemoteEventCreated   = "remote_phone_call_event.created"
	RemoteEventUpdated   = "remote_phone_call_event.updated"
)

// RemoteEventCreatedV1 records a provider callback about a call. The
// callback's parameters stay private: they may carry credentials.
type RemoteEventCreatedV1 struct {
	ID              int64     `json:"id"`
	AccountID       int64     `json:"account_id"`
	PhoneCallID     *int64    `json:"phone_call_id"`
	RemoteCallID    string    `json:"remote_call_id"`
	RemoteDirection string    `json:"remote_direction"`
	CallStatus      string    `json:"call_status"`
	CallFlowLogic   string    `json:"call_flow_logic"`
	CreatedAt       time.Time `json:"created_at"`
}

// RemoteEventUpdatedV1 records new metadata of a remote event.
type RemoteEventUpdatedV1 struct {
	ID        int64           `json:"id"`
	AccountID int64           `json:"account_id"`
	Metadata  json.RawMessage `json:"metadata"`
	UpdatedAt time.Time       `json:"updated_at"`
}

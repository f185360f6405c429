package calloutsv1

import (
	"encoding/json"
	"time"
)

// Callout and participation event type names.
const (
	CalloutCreated              = "callout.created"
	CalloutUpdated              = "callout.updated"
	CalloutStarted              = "callout.started"
	CalloutPaused               = "callout.paused"
	CalloutResumed              = "callout.resumed"
	CalloutStopped              = "callout.stopped"
	CalloutDeleted              = "callout.deleted"
	ParticipationCreated        = "callout_participation.created"
	ParticipationUpdated        = "callout_participation.updated"
	ParticipationDeleted        = "callout_participation.deleted"
	AggregateCallout            = "callout"
	AggregateCalloutParticipant = "callout_participation"
)

// CalloutCreatedV1 records a new callout.
type CalloutCreatedV1 struct {
	ID            int64           `json:"id"`
	AccountID     int64           `json:"account_id"`
	Status        string          `json:"status"`
	CallFlowLogic *string         `json:"call_flow_logic"`
	Metadata      json.RawMessage `json:"metadata"`
	CreatedAt     time.Time       `json:"created_at"`
}

// CalloutUpdatedV1 records a callout's call flow logic and metadata after a
// change (both in full).
type CalloutUpdatedV1 struct {
	ID            int64           `json:"id"`
	AccountID     int64           `json:"account_id"`
	CallFlowLogic *string         `json:"call_flow_logic"`
	Metadata      json.RawMessage `json:"metadata"`
	UpdatedAt     time.Time       `json:"updated_at"`
}

// CalloutStatusChangedV1 is the payload of callout.started, .paused,
// .resumed and .stopped.
type CalloutStatusChangedV1 struct {
	ID             int64     `json:"id"`
	AccountID      int64     `json:"account_id"`
	Status         string    `json:"status"`
	PreviousStatus string    `json:"previous_status"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// CalloutDeletedV1 records a callout's removal.
type CalloutDeletedV1 struct {
	ID        int64     `json:"id"`
	AccountID int64     `json:"account_id"`
	DeletedAt time.Time `json:"deleted_at"`
}

// ParticipationCreatedV1 records a new participation: a contact to be
// reached by a callout, at msisdn.
type ParticipationCreatedV1 struct {
	ID                  int64           `json:"id"`
	AccountID           int64           `json:"account_id"`
	CalloutID           int64           `json:"callout_id"`
	ContactID           int64           `json:"contact_id"`
	CalloutPopulationID *int64          `json:"callout_population_id"`
	MSISDN              string          `json:"msisdn"`
	CallFlowLogic       *string         `json:"call_flow_logic"`
	Metadata            json.RawMessage `json:"metadata"`
	CreatedAt           time.Time       `json:"created_at"`
}

// ParticipationUpdatedV1 records a participation's state after a change.
type ParticipationUpdatedV1 struct {
	ID            int64           `json:"id"`
	AccountID     int64           `json:"account_id"`
	CalloutID     int64           `json:"callout_id"`
	MSISDN        string          `json:"msisdn"`
	CallFlowLogic *string         `json:"call_flow_logic"`
	Metadata      json.RawMessage `json:"metadata"`
	UpdatedAt     time.Time       `json:"updated_at"`
}

// ParticipationDeletedV1 records a participation's removal.
type ParticipationDeletedV1 struct {
	ID        int64     `json:"id"`
	AccountID int64     `json:"account_id"`
	CalloutID int64     `json:"callout_id"`
	DeletedAt time.Time `json:"deleted_at"`
}

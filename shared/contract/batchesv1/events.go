// Package batchesv1 holds the public events of the batches service: the
// lifecycle and progress of batch operations. Their JSON is a contract with
// subscribers (see docs/events.md).
package batchesv1

import (
	"encoding/json"
	"time"
)

// Service is the name in the batches service's subjects and streams.
const Service = "batches"

// AggregateBatchOperation is the stream type of batch operations.
const AggregateBatchOperation = "batch_operation"

// Event type names, published on
// "batches.evt.batch_operation.<id>.<last part of the name>".
const (
	Created    = "batch_operation.created"
	Updated    = "batch_operation.updated"
	Deleted    = "batch_operation.deleted"
	Queued     = "batch_operation.queued"
	Started    = "batch_operation.started"
	Progressed = "batch_operation.progressed"
	Stalled    = "batch_operation.stalled"
	Finished   = "batch_operation.finished"
)

// Statuses of a batch operation.
const (
	StatusPreview  = "preview"
	StatusQueued   = "queued"
	StatusRunning  = "running"
	StatusFinished = "finished"
)

// CreatedV1 records a new batch operation, in status preview.
type CreatedV1 struct {
	ID         int64           `json:"id"`
	AccountID  int64           `json:"account_id"`
	CalloutID  *int64          `json:"callout_id"`
	Type       string          `json:"type"`
	Parameters json.RawMessage `json:"parameters"`
	Metadata   json.RawMessage `json:"metadata"`
	Status     string          `json:"status"`
	CreatedAt  time.Time       `json:"created_at"`
}

// UpdatedV1 records an operation's parameters and metadata after a change
// (both in full).
type UpdatedV1 struct {
	ID         int64           `json:"id"`
	AccountID  int64           `json:"account_id"`
	Parameters json.RawMessage `json:"parameters"`
	Metadata   json.RawMessage `json:"metadata"`
	UpdatedAt  time.Time       `json:"updated_at"`
}

// DeletedV1 records an operation's removal.
type DeletedV1 struct {
	ID        int64     `json:"id"`
	AccountID int64     `json:"account_id"`
	DeletedAt time.Time `json:"deleted_at"`
}

// QueuedV1 records that a client queued (or requeued) the operation: run
// Run will act on what its parameters select at that time.
type QueuedV1 struct {
	ID             int64     `json:"id"`
	AccountID      int64     `json:"account_id"`
	Run            int       `json:"run"`
	Status         string    `json:"status"`
	PreviousStatus string    `json:"previous_status"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// StartedV1 records that a run began: how many rows it limits itself to
// (null: no limit) and how many its selection held when it began.
type StartedV1 struct {
	ID           int64     `json:"id"`
	AccountID    int64     `json:"account_id"`
	Run          int       `json:"run"`
	Status       string    `json:"status"`
	AppliedLimit *int64    `json:"applied_limit"`
	Expected     *int64    `json:"expected"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// ProgressedV1 records one step of a run: the rows selected and changed so
// far in this run, and the id the next step resumes after.
type ProgressedV1 struct {
	ID        int64     `json:"id"`
	AccountID int64     `json:"account_id"`
	Run       int       `json:"run"`
	After     int64     `json:"after"`
	Selected  int64     `json:"selected"`
	Applied   int64     `json:"applied"`
	UpdatedAt time.Time `json:"updated_at"`
}

// StalledV1 records that a step failed and will be tried again; the run
// resumes where it stopped.
type StalledV1 struct {
	ID        int64     `json:"id"`
	AccountID int64     `json:"account_id"`
	Run       int       `json:"run"`
	Error     string    `json:"error"`
	UpdatedAt time.Time `json:"updated_at"`
}

// FinishedV1 records the end of a run with its totals. Error is set when
// the run stopped early because what it acts on no longer exists.
type FinishedV1 struct {
	ID        int64     `json:"id"`
	AccountID int64     `json:"account_id"`
	Run       int       `json:"run"`
	Status    string    `json:"status"`
	Selected  int64     `json:"selected"`
	Applied   int64     `json:"applied"`
	Error     *string   `json:"error"`
	UpdatedAt time.Time `json:"updated_at"`
}

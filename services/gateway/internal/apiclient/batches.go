package apiclient

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Batch operation types, as the API names them.
const (
	CalloutPopulation = "BatchOperation::CalloutPopulation"
	PhoneCallCreate   = "BatchOperation::PhoneCallCreate"
	PhoneCallQueue    = "BatchOperation::PhoneCallQueue"
)

// Batch operation statuses.
const (
	BatchPreview  = "preview"
	BatchQueued   = "queued"
	BatchRunning  = "running"
	BatchFinished = "finished"
)

// BatchOperation is a batch operation as the API shows it.
type BatchOperation struct {
	ID         int64          `json:"id"`
	CalloutID  *int64         `json:"callout_id"`
	Type       string         `json:"type"`
	Status     string         `json:"status"`
	Parameters map[string]any `json:"parameters"`
	Metadata   map[string]any `json:"metadata"`
	Progress   *BatchProgress `json:"progress"`
}

// BatchProgress is how far the latest run of an operation got. Any field
// may be missing while the run has not reached it.
type BatchProgress struct {
	Run        *int64     `json:"run"`
	Expected   *int64     `json:"expected"`
	Selected   *int64     `json:"selected"`
	Applied    *int64     `json:"applied"`
	Skipped    *int64     `json:"skipped"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Error      *string    `json:"error"`
}

// CreateBatch creates a batch operation, under a callout when calloutID is
// positive.
func (c *Client) CreateBatch(
	ctx context.Context, calloutID int64, typ string, parameters, metadata map[string]any,
) (BatchOperation, error) {
	path := "/api/batch_operations"
	if calloutID > 0 {
		path = calloutPath(calloutID) + "/batch_operations"
	}

	body := map[string]any{"type": typ, "parameters": parameters}
	if len(metadata) > 0 {
		body["metadata"] = metadata
	}

	var out BatchOperation
	err := c.call(ctx, Request{Method: http.MethodPost, Path: path, JSON: body}, &out)

	return out, err
}

// QueueBatch fires the queue event on a batch operation in preview.
func (c *Client) QueueBatch(ctx context.Context, id int64) (BatchOperation, error) {
	var out BatchOperation
	err := c.call(ctx, Request{
		Method: http.MethodPost, Path: BatchPath(id) + "/batch_operation_events",
		Form: url.Values{"event": {"queue"}},
	}, &out)

	return out, err
}

// Batch fetches a batch operation.
func (c *Client) Batch(ctx context.Context, id int64) (BatchOperation, error) {
	var out BatchOperation
	err := c.call(ctx, Request{Path: BatchPath(id)}, &out)

	return out, err
}

// BatchPath returns the path of a batch operation.
func BatchPath(id int64) string {
	return "/api/batch_operations/" + strconv.FormatInt(id, 10)
}

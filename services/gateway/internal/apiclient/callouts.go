package apiclient

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Callout is the part of a callout the command-line tool uses.
type Callout struct {
	ID            int64          `json:"id"`
	Status        string         `json:"status"`
	CallFlowLogic string         `json:"call_flow_logic"`
	Metadata      map[string]any `json:"metadata"`
	CreatedAt     time.Time      `json:"created_at"`
}

// Summary is the answer of GET /api/callouts/:id/summary.
type Summary struct {
	CalloutID      int64  `json:"callout_id"`
	Status         string `json:"status"`
	Participations struct {
		Total            int64            `json:"total"`
		ByLastCallStatus map[string]int64 `json:"by_last_call_status"`
		WithCallInFlight int64            `json:"with_call_in_flight"`
	} `json:"participations"`
	PhoneCalls struct {
		Total    int64            `json:"total"`
		ByStatus map[string]int64 `json:"by_status"`
		InFlight int64            `json:"in_flight"`
	} `json:"phone_calls"`
}

// CreateCallout creates a callout with a call flow logic and metadata.
func (c *Client) CreateCallout(
	ctx context.Context, callFlowLogic string, metadata map[string]any,
) (Callout, error) {
	body := map[string]any{"call_flow_logic": callFlowLogic}
	if len(metadata) > 0 {
		body["metadata"] = metadata
	}

	var out Callout
	err := c.call(ctx, Request{Method: http.MethodPost, Path: "/api/callouts", JSON: body}, &out)

	return out, err
}

// Callout fetches a callout.
func (c *Client) Callout(ctx context.Context, id int64) (Callout, error) {
	var out Callout
	err := c.call(ctx, Request{Path: calloutPath(id)}, &out)

	return out, err
}

// CalloutEvent fires start, pause, resume or stop on a callout and returns
// the callout after it.
func (c *Client) CalloutEvent(ctx context.Context, id int64, event string) (Callout, error) {
	var out Callout
	err := c.call(ctx, Request{
		Method: http.MethodPost, Path: calloutPath(id) + "/callout_events",
		Form: url.Values{"event": {event}},
	}, &out)

	return out, err
}

// Summary fetches a callout's progress at a glance.
func (c *Client) Summary(ctx context.Context, id int64) (Summary, error) {
	var out Summary
	err := c.call(ctx, Request{Path: calloutPath(id) + "/summary"}, &out)

	return out, err
}

// calloutPath returns the path of a callout.
func calloutPath(id int64) string {
	return "/api/callouts/" + strconv.FormatInt(id, 10)
}

// call sends req and decodes a JSON answer into out (when not nil).
func (c *Client) call(ctx context.Context, req Request, out any) error {
	resp, err := c.Do(ctx, req)
	if err != nil {
		return err
	}

	if out == nil || len(resp.Body) == 0 {
		return nil
	}

	return resp.Decode(out)
}

// Participation is the part of a callout participation the tool uses.
type Participation struct {
	ID        int64  `json:"id"`
	CalloutID int64  `json:"callout_id"`
	ContactID int64  `json:"contact_id"`
	MSISDN    string `json:"msisdn"`
}

// PhoneCall is the part of a phone call the tool uses.
type PhoneCall struct {
	ID                     int64     `json:"id"`
	CalloutParticipationID *int64    `json:"callout_participation_id"`
	Status                 string    `json:"status"`
	CreateBatchOperationID *int64    `json:"create_batch_operation_id"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
}

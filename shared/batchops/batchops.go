// Package batchops is the wire between the batches service and the services
// that own the rows a batch operation acts on. The batches service keeps
// each operation's lifecycle; previews and results are queries, and runs are
// commands sent one step at a time, to the owner of the rows:
//
//   - callouts owns contacts and participations: the preview and run of a
//     callout population, and the preview of the participations a phone
//     call creation would call;
//   - telephony owns phone calls: the runs of phone call creation, queueing
//     and remote fetch, the phone call previews and results, and the count
//     of calls in a throttling period.
//
// Every step names the row id it resumes after and the operation's run
// number, and its command id is derived from both (StepID), so a step sent
// again after a crash gets the answer of the first execution instead of a
// second set of effects.
package batchops

import (
	"strconv"

	"github.com/google/uuid"

	"scfm/shared/filter"
)

// The four operation types, as the API names them.
const (
	CalloutPopulation         = "BatchOperation::CalloutPopulation"
	PhoneCallCreate           = "BatchOperation::PhoneCallCreate"
	PhoneCallQueue            = "BatchOperation::PhoneCallQueue"
	PhoneCallQueueRemoteFetch = "BatchOperation::PhoneCallQueueRemoteFetch"
)

// Types lists the operation types in a stable order.
func Types() []string {
	return []string{CalloutPopulation, PhoneCallCreate, PhoneCallQueue, PhoneCallQueueRemoteFetch}
}

// Query names, each answered by the owning service ("<model>.<verb>").
const (
	// QueryParticipations pages participations (callouts): a population's
	// results, or a phone call creation's preview or results.
	QueryParticipations = "batch.participations"
	// QueryContacts pages contacts (callouts): a population's preview or
	// results, or the contacts of a phone call creation's preview or results.
	QueryContacts = "batch.contacts"
	// QueryPhoneCalls pages phone calls (telephony): a queue or fetch
	// preview, or any phone call type's results.
	QueryPhoneCalls = "batch.phone_calls"
	// QueryPeriodCount counts an account's phone calls in a throttling
	// period (telephony); the answer is a PeriodCountResult.
	QueryPeriodCount = "batch.period_count"
	// QueryPosition asks for the position of the service's event log: the
	// callouts service answers the last position it recorded, the telephony
	// service the last callouts position it has applied. A run starts only
	// once telephony has applied what callouts had recorded when it began.
	QueryPosition = "batch.position"
)

// Command names ("<aggregate>.<verb>") of run steps.
const (
	// CommandPopulate creates participations for one step of a population
	// (callouts).
	CommandPopulate = "callout.populate"
	// CommandCreateCalls creates phone calls for one step of a phone call
	// creation (telephony).
	CommandCreateCalls = "phone_call.create_batch"
	// CommandQueueCalls queues calls (PhoneCallQueue) or queues their
	// remote fetch (PhoneCallQueueRemoteFetch) for one step (telephony).
	CommandQueueCalls = "phone_call.queue_batch"
)

// Mode tells whether a page query lists what an operation would act on
// (its preview, never limited) or what it did (its results).
type Mode string

// The page query modes.
const (
	Preview Mode = "preview"
	Results Mode = "results"
)

// Selection is what an operation acts on: its id, type and the filters of
// its parameters, each with the keys and meaning of the q filter of its
// resource. A nil filter selects everything in the account.
type Selection struct {
	OperationID         int64          `json:"operation_id"`
	Type                string         `json:"type"`
	CalloutID           *int64         `json:"callout_id,omitempty"`
	ContactFilter       map[string]any `json:"contact_filter,omitempty"`
	CalloutFilter       map[string]any `json:"callout_filter,omitempty"`
	ParticipationFilter map[string]any `json:"participation_filter,omitempty"`
	PhoneCallFilter     map[string]any `json:"phone_call_filter,omitempty"`
}

// PageQuery asks the owner for a page of a preview or of results. Request
// carries the client's own q, page, per_page and sort, which narrow the
// selection further. The account is the request's.
type PageQuery struct {
	filter.Request
	Mode      Mode      `json:"mode"`
	Selection Selection `json:"selection"`
	// Exists asks only whether any row matches: the answer is an
	// ExistsResult, with no count and no page.
	Exists bool `json:"exists,omitempty"`
}

// ExistsResult answers a PageQuery with Exists set.
type ExistsResult struct {
	Exists bool `json:"exists"`
}

// PeriodCount asks how many of the account's phone calls have Attribute
// (remotely_queued_at, created_at or updated_at) within the last Hours,
// counting only Statuses when there are any.
type PeriodCount struct {
	Attribute string   `json:"attribute"`
	Hours     int64    `json:"hours"`
	Statuses  []string `json:"statuses,omitempty"`
}

// PeriodCountResult answers a PeriodCount.
type PeriodCountResult struct {
	Count int64 `json:"count"`
}

// PositionResult answers a position query.
type PositionResult struct {
	Position int64 `json:"position"`
}

// Step is one run step: act on at most Limit selected rows with ids above
// After, in ascending id order. Rows are contacts for a population,
// participations for a phone call creation and phone calls for queue and
// fetch. The account is the request's.
type Step struct {
	Selection
	// Run is the operation's run number (1 for the first queue, one more
	// for each requeue).
	Run int `json:"run"`
	// After is the last row id an earlier step of this run selected.
	After int64 `json:"after"`
	// Limit caps the rows this step selects; always positive.
	Limit int `json:"limit"`
	// RemoteRequestParams are the provider parameters of the calls a phone
	// call creation makes.
	RemoteRequestParams map[string]any `json:"remote_request_params,omitempty"`
}

// StepResult answers a Step.
type StepResult struct {
	// Selected counts the rows the step selected (at most Limit).
	Selected int `json:"selected"`
	// Applied counts the rows it changed: participations or calls
	// created, calls queued or fetched. Selected rows that were not
	// changed were skipped (already participating, a call already in
	// flight, not in a status the operation moves).
	Applied int `json:"applied"`
	// Last is the id of the last row selected (After when none was);
	// the next step resumes after it.
	Last int64 `json:"last"`
	// Done is true when fewer than Limit rows were selected: nothing
	// after Last matched.
	Done bool `json:"done"`
}

// stepSpace is the namespace of step command ids.
var stepSpace = uuid.MustParse("6c1b7d7e-7d2c-4b53-9a43-6a1f0e0f5d21")

// StepID is the command id of the step of operation op's run that resumes
// after row id after: the same step always has the same id, so the owning
// service executes it once however often it is sent.
func StepID(op int64, run int, after int64) string {
	key := strconv.FormatInt(op, 10) + "/" + strconv.Itoa(run) + "/" + strconv.FormatInt(after, 10)
	return uuid.NewSHA1(stepSpace, []byte(key)).String()
}

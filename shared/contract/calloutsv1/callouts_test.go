package calloutsv1

import (
	"encoding/json"
	"maps"
	"path/filepath"
	"testing"
	"time"

	"scfm/shared/contract/contracttest"
)

// calloutExamples holds one value of every callout and participation event
// payload, keyed by event type.
func calloutExamples() map[string]any {
	at := time.Date(2026, 12, 3, 10, 20, 30, 123456000, time.UTC)
	flow, population := "CallFlowLogic::PlayMessage", int64(6)
	md := json.RawMessage(`{"message":"Flood warning: move to higher ground"}`)
	status := func(s, prev string) CalloutStatusChangedV1 {
		return CalloutStatusChangedV1{ID: 5, AccountID: 1, Status: s, PreviousStatus: prev, UpdatedAt: at}
	}
	return map[string]any{
		CalloutCreated: CalloutCreatedV1{
			ID: 5, AccountID: 1, Status: "initialized", CallFlowLogic: &flow, Metadata: md, CreatedAt: at,
		},
		CalloutUpdated: CalloutUpdatedV1{ID: 5, AccountID: 1, CallFlowLogic: &flow, Metadata: md, UpdatedAt: at},
		CalloutStarted: status("running", "initialized"),
		CalloutPaused:  status("paused", "running"),
		CalloutResumed: status("running", "paused"),
		CalloutStopped: status("stopped", "running"),
		CalloutDeleted: CalloutDeletedV1{ID: 5, AccountID: 1, DeletedAt: at},
		ParticipationCreated: ParticipationCreatedV1{
			ID: 11, AccountID: 1, CalloutID: 5, ContactID: 3, CalloutPopulationID: &population,
			MSISDN: "+252662345678", Metadata: json.RawMessage(`{}`), CreatedAt: at,
		},
		ParticipationUpdated: ParticipationUpdatedV1{
			ID: 11, AccountID: 1, CalloutID: 5, MSISDN: "+252662345678", CallFlowLogic: &flow,
			Metadata: json.RawMessage(`{"wave":"2"}`), UpdatedAt: at,
		},
		ParticipationDeleted: ParticipationDeletedV1{ID: 11, AccountID: 1, CalloutID: 5, DeletedAt: at},
	}
}

func TestCalloutEventJSONMatchesGoldenFiles(t *testing.T) {
	t.Parallel()
	contracttest.Golden(t, calloutExamples(), *update)
}

func TestCalloutEventsAreDocumented(t *testing.T) {
	t.Parallel()
	contracttest.Documented(t, calloutExamples(), filepath.Join("..", "..", "..", "docs", "events.md"))
}

func TestEveryEventTypeHasAnExample(t *testing.T) {
	t.Parallel()
	all := maps.Clone(examples())
	maps.Copy(all, calloutExamples())
	contracttest.Covered(t, ".", all)
}

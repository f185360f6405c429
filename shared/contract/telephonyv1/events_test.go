package telephonyv1

import (
	"encoding/json"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"scfm/shared/contract/contracttest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// examples holds one value of every public event payload, keyed by type.
func examples() map[string]any {
	at := time.Date(2026, 12, 3, 10, 20, 30, 123456000, time.UTC)
	p, k, call, contact := int64(5), int64(2), int64(9), int64(3)
	remote, sid := "busy", "CA0123456789abcdef0123456789abcdef"
	return map[string]any{
		PhoneCallCreated: PhoneCallCreatedV1{
			ID: 9, AccountID: 1, CalloutParticipationID: &p, CalloutID: &k, ContactID: &contact,
			Status: StatusCreated, MSISDN: "+252662345678", Metadata: json.RawMessage(`{}`),
			RemoteRequestParams: json.RawMessage(`{"from":"1234"}`), CreatedAt: at,
		},
		PhoneCallUpdated: PhoneCallUpdatedV1{
			ID: 9, AccountID: 1, CalloutParticipationID: &p, MSISDN: "+252662345678",
			Metadata: json.RawMessage(`{"note":"retry"}`), RemoteRequestParams: json.RawMessage(`{"from":"1234"}`),
			UpdatedAt: at,
		},
		PhoneCallStatusChanged: PhoneCallStatusChangedV1{
			ID: 9, AccountID: 1, CalloutParticipationID: &p, Status: StatusBusy,
			PreviousStatus: StatusInProgress, RemoteCallID: &sid, RemoteStatus: &remote, ChangedAt: at,
		},
		PhoneCallDeleted: PhoneCallDeletedV1{ID: 9, AccountID: 1, CalloutParticipationID: &p, DeletedAt: at},
		RemoteEventCreated: RemoteEventCreatedV1{
			ID: 12, AccountID: 1, PhoneCallID: &call, RemoteCallID: sid, RemoteDirection: "outbound-api",
			CallStatus: "ringing", CallFlowLogic: "CallFlowLogic::HelloWorld", CreatedAt: at,
		},
		RemoteEventUpdated: RemoteEventUpdatedV1{ID: 12, AccountID: 1, Metadata: json.RawMessage(`{"checked":true}`), UpdatedAt: at},
	}
}

func TestEventJSONMatchesGoldenFiles(t *testing.T) {
	t.Parallel()
	contracttest.Golden(t, examples(), *update)
}

func TestEventsAreDocumented(t *testing.T) {
	t.Parallel()
	contracttest.Documented(t, examples(), filepath.Join("..", "..", "..", "docs", "events.md"))
}

func TestEveryEventTypeHasAnExample(t *testing.T) {
	t.Parallel()
	contracttest.Covered(t, ".", examples())
}

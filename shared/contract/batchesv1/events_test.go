package batchesv1

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
	k, limit, expected := int64(2), int64(100), int64(80)
	gone := "callout not found"
	params := json.RawMessage(`{"contact_filter_params":{"metadata":{"district":"Banadir"}}}`)
	return map[string]any{
		Created: CreatedV1{
			ID: 7, AccountID: 1, CalloutID: &k, Type: "BatchOperation::CalloutPopulation",
			Parameters: params, Metadata: json.RawMessage(`{}`), Status: StatusPreview, CreatedAt: at,
		},
		Updated: UpdatedV1{
			ID: 7, AccountID: 1, Parameters: params, Metadata: json.RawMessage(`{"wave":"1"}`), UpdatedAt: at,
		},
		Deleted: DeletedV1{ID: 7, AccountID: 1, DeletedAt: at},
		Queued: QueuedV1{
			ID: 7, AccountID: 1, Run: 1, Status: StatusQueued, PreviousStatus: StatusPreview, UpdatedAt: at,
		},
		Started: StartedV1{
			ID: 7, AccountID: 1, Run: 1, Status: StatusRunning, AppliedLimit: &limit, Expected: &expected,
			UpdatedAt: at,
		},
		Progressed: ProgressedV1{ID: 7, AccountID: 1, Run: 1, After: 5120, Selected: 40, Applied: 38, UpdatedAt: at},
		Stalled:    StalledV1{ID: 7, AccountID: 1, Run: 1, Error: "telephony: timeout", UpdatedAt: at},
		Finished: FinishedV1{
			ID: 7, AccountID: 1, Run: 1, Status: StatusFinished, Selected: 80, Applied: 78, Error: &gone,
			UpdatedAt: at,
		},
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

package operation

import b "scfm/shared/contract/batchesv1"

// Queue is the client event that starts a run: queue from preview, or
// requeue from finished. Any other pair has no transition.
func Queue(event, status string) bool {
	switch event {
	case "queue":
		return status == b.StatusPreview
	case "requeue":
		return status == b.StatusFinished
	}
	return false
}

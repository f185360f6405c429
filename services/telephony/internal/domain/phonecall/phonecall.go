// Package phonecall holds the rules of phone calls: one attempt to reach a
// participation through a provider, moving only forward through its
// statuses.
package phonecall

import (
	tel "scfm/shared/contract/telephonyv1"
)

// CheckRequestParams returns the error message for params, "" when they are
// acceptable: present, not empty, and only known keys.
func CheckRequestParams(params map[string]any) string { return tel.CheckRequestParams(params) }

// Terminal reports whether no status follows status.
func Terminal(status string) bool {
	switch status {
	case tel.StatusErrored, tel.StatusFailed, tel.StatusBusy, tel.StatusNotAnswered,
		tel.StatusCanceled, tel.StatusCompleted, tel.StatusExpired:
		return true
	}
	return false
}

// Queue is the API event that hands a created call to the dispatcher.
func Queue(status string) (string, bool) {
	if status == tel.StatusCreated {
		return tel.StatusQueued, true
	}
	return "", false
}

// QueueRemoteFetch is the API event that asks the provider for a call's
// status. It is accepted from remotely_queued and in_progress; a call the
// provider never named (no remote call id) stays as it is (changed false).
func QueueRemoteFetch(status string, hasRemoteID bool) (next string, changed, ok bool) {
	if status != tel.StatusRemotelyQueued && status != tel.StatusInProgress {
		return "", false, false
	}
	if !hasRemoteID {
		return status, false, true
	}
	return tel.StatusRemoteFetchQueued, true, true
}

// FromRemote maps a provider call status to a local one; ok is false for a
// status that moves nothing (queued, or unknown).
func FromRemote(remote string) (string, bool) {
	switch remote {
	case "ringing", "in-progress":
		return tel.StatusInProgress, true
	case "busy":
		return tel.StatusBusy, true
	case "failed":
		return tel.StatusFailed, true
	case "no-answer":
		return tel.StatusNotAnswered, true
	case "canceled":
		return tel.StatusCanceled, true
	case "completed":
		return tel.StatusCompleted, true
	}
	return "", false
}

// Forward reports whether a call may move from one status to another: a
// terminal status is never left, and nothing returns to created.
func Forward(from, to string) bool {
	if from == to || Terminal(from) {
		return false
	}
	return to != tel.StatusCreated
}

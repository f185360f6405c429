package operation

import (
	"slices"

	"scfm/shared/batchops"
	tel "scfm/shared/contract/telephonyv1"
	"scfm/shared/reply"
)

// Messages of validation errors.
const (
	MsgBlank       = "can't be blank"
	MsgMustExist   = "must exist"
	MsgNotIncluded = "is not included in the list"
)

// Known reports whether typ names one of the four operation types.
func Known(typ string) bool { return slices.Contains(batchops.Types(), typ) }

// Filters lists the filter parameters each type reads.
func Filters(typ string) []string {
	switch typ {
	case batchops.CalloutPopulation:
		return []string{"contact_filter_params"}
	case batchops.PhoneCallCreate:
		return []string{"callout_filter_params", "callout_participation_filter_params"}
	case batchops.PhoneCallQueue, batchops.PhoneCallQueueRemoteFetch:
		return []string{"phone_call_filter_params", "callout_filter_params",
			"callout_participation_filter_params"}
	}
	return nil
}

// Check returns the errors of an operation's type and parameters that need
// nothing but the operation itself; calloutFound tells whether the callout
// it names exists in the account (false when it names none).
func Check(typ string, p Params, calloutFound bool) reply.Errors {
	errs := reply.Errors{}
	if !Known(typ) {
		errs.Add("type", MsgBlank)
		return errs
	}
	if typ == batchops.CalloutPopulation && !calloutFound {
		errs.Add("callout", MsgMustExist)
	}
	if typ == batchops.PhoneCallCreate {
		h, ok := p.Hash("remote_request_params")
		if !ok {
			h = nil
		}
		if msg := tel.CheckRequestParams(h); msg != "" {
			errs.Add("remote_request_params", msg)
		}
	}
	for _, key := range Filters(typ) {
		if _, ok := p.Hash(key); !ok {
			errs.Add(key, "must be an object of filters")
		}
	}
	return errs
}

// NeedsPreview reports whether an operation must select something to be
// valid: the phone call types do, unless skip_validate_preview_presence is
// set. The answer's key is the error's attribute.
func NeedsPreview(typ string, p Params) (attribute string, needed bool) {
	if p.Bool("skip_validate_preview_presence") {
		return "", false
	}
	switch typ {
	case batchops.PhoneCallCreate:
		return "callout_participations_preview", true
	case batchops.PhoneCallQueue, batchops.PhoneCallQueueRemoteFetch:
		return "phone_calls_preview", true
	}
	return "", false
}

// Selection is what an operation of typ with parameters p acts on. Check
// must have passed, so every filter is an object or absent.
func Selection(id int64, typ string, calloutID *int64, p Params) batchops.Selection {
	hash := func(key string) map[string]any {
		h, _ := p.Hash(key)
		return h
	}
	s := batchops.Selection{OperationID: id, Type: typ, CalloutID: calloutID}
	switch typ {
	case batchops.CalloutPopulation:
		s.ContactFilter = hash("contact_filter_params")
	case batchops.PhoneCallCreate:
		s.CalloutFilter = hash("callout_filter_params")
		s.ParticipationFilter = hash("callout_participation_filter_params")
	case batchops.PhoneCallQueue, batchops.PhoneCallQueueRemoteFetch:
		s.PhoneCallFilter = hash("phone_call_filter_params")
		s.CalloutFilter = hash("callout_filter_params")
		s.ParticipationFilter = hash("callout_participation_filter_params")
	}
	return s
}

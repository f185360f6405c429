// Package contact holds the rules of contacts: who may be called, under
// which number, with which free-form metadata.
package contact

import (
	"time"

	"scfm/shared/contract/calloutsv1"
	"scfm/shared/metadata"
	"scfm/shared/msisdn"
	"scfm/shared/reply"
)

// Validation messages.
const (
	MsgBlank   = "can't be blank"
	MsgInvalid = "is an invalid number"
	MsgTaken   = "has already been taken"
)

// State is a contact as the write side knows it.
type State struct {
	ID        int64
	AccountID int64
	MSISDN    string
	Metadata  map[string]any
	Version   int64
}

// Create decides a new contact from w. It returns the event, or the
// validation errors when w is not acceptable.
func Create(
	accountID, id int64,
	w calloutsv1.ContactWrite,
	now time.Time,
) (calloutsv1.ContactCreatedV1, reply.Errors) {
	number, errs := normalize(w.MSISDN, true)
	if errs != nil {
		return calloutsv1.ContactCreatedV1{}, errs
	}
	md := w.Metadata
	if md == nil {
		md = map[string]any{}
	}
	return calloutsv1.ContactCreatedV1{
		ID: id, AccountID: accountID, MSISDN: number,
		Metadata: metadata.Encode(md), CreatedAt: now,
	}, nil
}

// Update decides the change w makes to s. Absent fields keep their value;
// metadata follows w's merge mode.
func Update(s State, w calloutsv1.ContactWrite, now time.Time) (calloutsv1.ContactUpdatedV1, reply.Errors) {
	number := s.MSISDN
	if w.MSISDN != nil {
		n, errs := normalize(w.MSISDN, true)
		if errs != nil {
			return calloutsv1.ContactUpdatedV1{}, errs
		}
		number = n
	}
	md := s.Metadata
	if w.Metadata != nil {
		md = metadata.Apply(s.Metadata, w.Metadata, w.MetadataMergeMode)
	}
	return calloutsv1.ContactUpdatedV1{
		ID: s.ID, AccountID: s.AccountID, MSISDN: number,
		Metadata: metadata.Encode(md), UpdatedAt: now,
	}, nil
}

// normalize returns the normalised number of raw, or the msisdn error.
func normalize(raw *string, required bool) (string, reply.Errors) {
	if raw == nil {
		if required {
			return "", reply.Errors{"msisdn": {MsgBlank}}
		}
		return "", nil
	}
	n := msisdn.Normalize(*raw)
	switch {
	case n == "":
		return "", reply.Errors{"msisdn": {MsgBlank}}
	case !msisdn.Valid(n):
		return "", reply.Errors{"msisdn": {MsgInvalid}}
	}
	return n, nil
}

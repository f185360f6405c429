package simulator

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"time"
)

const (
	apiVersion = "2010-04-01"
	direction  = "outbound-api"
)

// callResource is a call as the REST API shows it. Every present value is a
// JSON string and every absent one null, because twilio-go decodes each
// field into a *string and fails on anything else.
type callResource struct {
	AccountSid      string            `json:"account_sid"`
	Annotation      *string           `json:"annotation"`
	AnsweredBy      *string           `json:"answered_by"`
	APIVersion      string            `json:"api_version"`
	CallerName      *string           `json:"caller_name"`
	DateCreated     string            `json:"date_created"`
	DateUpdated     string            `json:"date_updated"`
	Direction       string            `json:"direction"`
	Duration        *string           `json:"duration"`
	EndTime         *string           `json:"end_time"`
	ForwardedFrom   *string           `json:"forwarded_from"`
	From            string            `json:"from"`
	FromFormatted   string            `json:"from_formatted"`
	GroupSid        *string           `json:"group_sid"`
	ParentCallSid   *string           `json:"parent_call_sid"`
	PhoneNumberSid  *string           `json:"phone_number_sid"`
	Price           *string           `json:"price"`
	PriceUnit       string            `json:"price_unit"`
	QueueTime       string            `json:"queue_time"`
	Sid             string            `json:"sid"`
	StartTime       *string           `json:"start_time"`
	Status          string            `json:"status"`
	SubresourceURIs map[string]string `json:"subresource_uris"`
	To              string            `json:"to"`
	ToFormatted     string            `json:"to_formatted"`
	TrunkSid        *string           `json:"trunk_sid"`
	URI             string            `json:"uri"`
}

// resource renders c for the REST API.
func (c call) resource() callResource {
	base := callsPath(c.accountSid) + "/" + c.sid
	r := callResource{
		AccountSid:    c.accountSid,
		APIVersion:    apiVersion,
		DateCreated:   rfc2822(c.created),
		DateUpdated:   rfc2822(c.updated),
		Direction:     direction,
		From:          c.from,
		FromFormatted: c.from,
		PriceUnit:     "USD",
		QueueTime:     "0",
		Sid:           c.sid,
		Status:        c.status,
		SubresourceURIs: map[string]string{
			"events":        base + "/Events.json",
			"notifications": base + "/Notifications.json",
			"recordings":    base + "/Recordings.json",
		},
		To:          c.to,
		ToFormatted: c.to,
		URI:         base + ".json",
	}
	if !c.started.IsZero() {
		r.StartTime = ptr(rfc2822(c.started))
	}
	if !c.ended.IsZero() {
		r.EndTime = ptr(rfc2822(c.ended))
		r.Duration = ptr(strconv.Itoa(c.duration))
	}
	return r
}

// callsPath is the path of an account's call list, without ".json".
func callsPath(account string) string {
	return "/" + apiVersion + "/Accounts/" + account + "/Calls"
}

// rfc2822 formats t the way the REST API does, e.g. "Tue, 31 Aug 2010
// 20:36:28 +0000".
func rfc2822(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

func ptr[T any](v T) *T { return &v }

// newCallSid returns "CA" and 32 random hex digits.
func newCallSid() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "CA" + hex.EncodeToString(b[:])
}

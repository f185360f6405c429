// Package calloutsv1 holds the public events of the callouts service:
// accounts, access tokens and contacts. Their JSON is a contract with
// subscribers; see docs/events.md.
package calloutsv1

import (
	"encoding/json"
	"time"
)

// Service is the name in the callouts service's subjects and streams.
const Service = "callouts"

// Event type names. Each is published on
// "callouts.evt.<aggregate>.<id>.<last part of the name>".
const (
	AccountCreated     = "account.created"
	AccessTokenCreated = "access_token.created"
	ContactCreated     = "contact.created"
	ContactUpdated     = "contact.updated"
	ContactDeleted     = "contact.deleted"
)

// Aggregate type names (the stream types of the event log).
const (
	AggregateAccount     = "account"
	AggregateAccessToken = "access_token"
	AggregateContact     = "contact"
)

// AccountCreatedV1 records a new account. Provider credentials are never
// part of public events.
type AccountCreatedV1 struct {
	ID          int64           `json:"id"`
	Metadata    json.RawMessage `json:"metadata"`
	Settings    json.RawMessage `json:"settings"`
	Permissions []string        `json:"permissions"`
	CreatedAt   time.Time       `json:"created_at"`
}

// AccessTokenCreatedV1 records a new access token. The token's hash travels
// only in the event's private data.
type AccessTokenCreatedV1 struct {
	ID              int64           `json:"id"`
	ResourceOwnerID int64           `json:"resource_owner_id"`
	CreatedByID     int64           `json:"created_by_id"`
	Metadata        json.RawMessage `json:"metadata"`
	CreatedAt       time.Time       `json:"created_at"`
}

// AccessTokenSecretV1 is the private part of AccessTokenCreated.
type AccessTokenSecretV1 struct {
	TokenHash string `json:"token_hash"`
}

// ContactCreatedV1 records a new contact.
type ContactCreatedV1 struct {
	ID        int64           `json:"id"`
	AccountID int64           `json:"account_id"`
	MSISDN    string          `json:"msisdn"`
	Metadata  json.RawMessage `json:"metadata"`
	CreatedAt time.Time       `json:"created_at"`
}

// ContactUpdatedV1 records a contact's new msisdn and metadata (both always
// given in full, as they are after the update).
type ContactUpdatedV1 struct {
	ID        int64           `json:"id"`
	AccountID int64           `json:"account_id"`
	MSISDN    string          `json:"msisdn"`
	Metadata  json.RawMessage `json:"metadata"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// ContactDeletedV1 records a contact's removal.
type ContactDeletedV1 struct {
	ID        int64     `json:"id"`
	AccountID int64     `json:"account_id"`
	DeletedAt time.Time `json:"deleted_at"`
}

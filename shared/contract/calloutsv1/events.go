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
	AccountUpdated     = "account.updated"
	AccountDeleted     = "account.deleted"
	AccessTokenCreated = "access_token.created"
	AccessTokenUpdated = "access_token.updated"
	AccessTokenDeleted = "access_token.deleted"
	UserCreated        = "user.created"
	UserUpdated        = "user.updated"
	UserInvited        = "user.invited"
	UserDeleted        = "user.deleted"
	ContactCreated     = "contact.created"
	ContactUpdated     = "contact.updated"
	ContactDeleted     = "contact.deleted"
)

// Aggregate type names (the stream types of the event log).
const (
	AggregateAccount     = "account"
	AggregateAccessToken = "access_token"
	AggregateUser        = "user"
	AggregateContact     = "contact"
)

// AccountV1 is an account's public state. Provider auth tokens are never
// part of public events: they travel in the event's private data.
type AccountV1 struct {
	ID                int64           `json:"id"`
	Metadata          json.RawMessage `json:"metadata"`
	Settings          json.RawMessage `json:"settings"`
	TwilioAccountSID  *string         `json:"twilio_account_sid"`
	SomlengAccountSID *string         `json:"somleng_account_sid"`
	Permissions       []string        `json:"permissions"`
}

// AccountCreatedV1 records a new account.
type AccountCreatedV1 struct {
	AccountV1
	CreatedAt time.Time `json:"created_at"`
}

// AccountUpdatedV1 records an account's state after a change, in full.
type AccountUpdatedV1 struct {
	AccountV1
	UpdatedAt time.Time `json:"updated_at"`
}

// AccountDeletedV1 records an account's removal.
type AccountDeletedV1 struct {
	ID        int64     `json:"id"`
	DeletedAt time.Time `json:"deleted_at"`
}

// AccountSecretV1 is the private part of account events: the provider auth
// tokens as they are after the event.
type AccountSecretV1 struct {
	TwilioAuthToken  *string `json:"twilio_auth_token"`
	SomlengAuthToken *string `json:"somleng_auth_token"`
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

// AccessTokenUpdatedV1 records a token's new metadata.
type AccessTokenUpdatedV1 struct {
	ID              int64           `json:"id"`
	ResourceOwnerID int64           `json:"resource_owner_id"`
	Metadata        json.RawMessage `json:"metadata"`
	UpdatedAt       time.Time       `json:"updated_at"`
}

// AccessTokenDeletedV1 records a token's removal: it stops working at once.
type AccessTokenDeletedV1 struct {
	ID              int64     `json:"id"`
	ResourceOwnerID int64     `json:"resource_owner_id"`
	DeletedAt       time.Time `json:"deleted_at"`
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

// UserV1 is a user's public state. The password hash and the invitation
// token digest travel only in the event's private data.
type UserV1 struct {
	ID                   int64           `json:"id"`
	AccountID            int64           `json:"account_id"`
	Email                string          `json:"email"`
	Metadata             json.RawMessage `json:"metadata"`
	InvitationCreatedAt  *time.Time      `json:"invitation_created_at"`
	InvitationSentAt     *time.Time      `json:"invitation_sent_at"`
	InvitationAcceptedAt *time.Time      `json:"invitation_accepted_at"`
	InvitationLimit      *int64          `json:"invitation_limit"`
	InvitedByID          *int64          `json:"invited_by_id"`
	InvitationsCount     int64           `json:"invitations_count"`
}

// UserCreatedV1 records a new user of an account.
type UserCreatedV1 struct {
	UserV1
	CreatedAt time.Time `json:"created_at"`
}

// UserUpdatedV1 records a user's state after a change, in full.
type UserUpdatedV1 struct {
	UserV1
	UpdatedAt time.Time `json:"updated_at"`
}

// UserInvitedV1 records that an invitation was issued to the user; a
// mailer subscribed to it sends the e-mail.
type UserInvitedV1 struct {
	UserV1
	UpdatedAt time.Time `json:"updated_at"`
}

// UserDeletedV1 records a user's removal.
type UserDeletedV1 struct {
	ID        int64     `json:"id"`
	AccountID int64     `json:"account_id"`
	DeletedAt time.Time `json:"deleted_at"`
}

// UserSecretV1 is the private part of user events.
type UserSecretV1 struct {
	PasswordHash    string  `json:"password_hash"`
	InvitationToken *string `json:"invitation_token"`
}

package calloutsv1

import (
	"encoding/json"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"scfm/shared/contract/contracttest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// examples holds one value of every public event payload, keyed by event
// type. A new event type must be added here, to the golden files and to
// docs/events.md.
func examples() map[string]any {
	at := time.Date(2026, 12, 3, 10, 20, 30, 123456000, time.UTC)
	sid, secs := "AC123", int64(2)
	acct := AccountV1{
		ID: 1, Metadata: json.RawMessage(`{}`), Settings: json.RawMessage(`{"platform_provider_name":"twilio"}`),
		TwilioAccountSID: &sid, Permissions: []string{},
	}
	user := UserV1{
		ID: 4, AccountID: 1, Email: "user@example.com", Metadata: json.RawMessage(`{}`),
		InvitationCreatedAt: &at, InvitationSentAt: &at, InvitationsCount: 0, InvitedByID: &secs,
	}
	return map[string]any{
		AccountCreated: AccountCreatedV1{AccountV1: acct, CreatedAt: at},
		AccountUpdated: AccountUpdatedV1{AccountV1: acct, UpdatedAt: at},
		AccountDeleted: AccountDeletedV1{ID: 1, DeletedAt: at},
		AccessTokenCreated: AccessTokenCreatedV1{
			ID: 2, ResourceOwnerID: 1, CreatedByID: 1, Metadata: json.RawMessage(`{}`), CreatedAt: at,
		},
		AccessTokenUpdated: AccessTokenUpdatedV1{
			ID: 2, ResourceOwnerID: 1, Metadata: json.RawMessage(`{"purpose":"ci"}`), UpdatedAt: at,
		},
		AccessTokenDeleted: AccessTokenDeletedV1{ID: 2, ResourceOwnerID: 1, DeletedAt: at},
		UserCreated:        UserCreatedV1{UserV1: user, CreatedAt: at},
		UserUpdated:        UserUpdatedV1{UserV1: user, UpdatedAt: at},
		UserInvited:        UserInvitedV1{UserV1: user, UpdatedAt: at},
		UserDeleted:        UserDeletedV1{ID: 4, AccountID: 1, DeletedAt: at},
		ContactCreated: ContactCreatedV1{
			ID: 3, AccountID: 1, MSISDN: "+252662345678",
			Metadata: json.RawMessage(`{"name":"Alice"}`), CreatedAt: at,
		},
		ContactUpdated: ContactUpdatedV1{
			ID: 3, AccountID: 1, MSISDN: "+252662345699",
			Metadata: json.RawMessage(`{"name":"Alice","gender":"f"}`), UpdatedAt: at,
		},
		ContactDeleted: ContactDeletedV1{ID: 3, AccountID: 1, DeletedAt: at},
		ParticipationsPopulated: ParticipationsPopulatedV1{
			BatchOperationID: 6, AccountID: 1, CalloutID: 5,
			Participations: []PopulatedParticipationV1{
				{ID: 11, ContactID: 3, MSISDN: "+252662345678"},
				{ID: 12, ContactID: 4, MSISDN: "+252662345679"},
			},
			CreatedAt: at,
		},
		ContactImportCreated:      importCreatedExample(at),
		ContactsImported:          contactsImportedExample(at),
		ContactImportRowsRejected: rowsRejectedExample(at),
		ContactImportFinished:     importFinishedExample(at),
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

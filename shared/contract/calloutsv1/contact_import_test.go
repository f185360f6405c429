package calloutsv1

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The contact import examples of the golden and documentation tests.

func importCreatedExample(at time.Time) ContactImportCreatedV1 {
	name := "contacts.csv"
	return ContactImportCreatedV1{
		ID: 5, AccountID: 1, Filename: &name, MetadataMergeMode: "merge", CreatedAt: at,
	}
}

func contactsImportedExample(at time.Time) ContactsImportedV1 {
	return ContactsImportedV1{
		ImportID: 5, AccountID: 1, Chunk: 1, ImportedAt: at,
		Contacts: []ImportedContactV1{
			{
				ID: 3, Row: 1, Action: ImportActionUpdated, MSISDN: "+252662345678",
				Metadata: json.RawMessage(`{"name":"Alice","ward":"7"}`), Version: 3,
			},
			{
				ID: 9, Row: 2, Action: ImportActionCreated, MSISDN: "+85510202101",
				Metadata: json.RawMessage(`{"name":"Bob"}`), Version: 1,
			},
		},
	}
}

func rowsRejectedExample(at time.Time) ContactImportRowsRejectedV1 {
	return ContactImportRowsRejectedV1{
		ImportID: 5, AccountID: 1, Chunk: 1, RejectedAt: at,
		Rows: []RejectedRowV1{
			{Row: 3, MSISDN: "", Reason: "msisdn can't be blank"},
			{Row: 4, MSISDN: "+252662345678", Reason: "duplicate of row 1 in this file"},
		},
	}
}

func importFinishedExample(at time.Time) ContactImportFinishedV1 {
	return ContactImportFinishedV1{
		ID: 5, AccountID: 1, Status: ImportCompleted,
		Rows: 4, Created: 1, Updated: 1, Rejected: 2, FinishedAt: at,
	}
}

func TestImportCommandIDsAreStableAndDistinct(t *testing.T) {
	t.Parallel()

	require.Equal(t, ContactImportChunkID(7, 1), ContactImportChunkID(7, 1))
	seen := map[string]bool{}
	for _, id := range []string{
		ContactImportChunkID(7, 1), ContactImportChunkID(7, 2), ContactImportChunkID(71, 1),
		ContactImportChunkID(1, 71), ContactImportFinishID(7), ContactImportFinishID(71),
	} {
		require.False(t, seen[id], "id %s given twice", id)
		seen[id] = true
	}
}

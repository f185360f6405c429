package known_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"scfm/shared/contract"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/pgtest"
	"scfm/telephony/internal/known"
	"scfm/telephony/internal/postgres"
)

func TestContactsImportedKeepTheNewestVersion(t *testing.T) {
	t.Parallel()

	pool, _ := pgtest.Pool(t, postgres.Schema, postgres.Migrations())
	ctx := context.Background()
	apply := func(typ, aggregate, id string, version int64, data any) {
		t.Helper()
		raw, err := json.Marshal(data)
		require.NoError(t, err)
		env := contract.Envelope{EventType: typ, AggregateType: aggregate, AggregateID: id,
			AggregateVersion: version, Data: raw}
		require.NoError(t, pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			return known.Apply(ctx, tx, env)
		}))
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	imported := calloutsv1.ContactsImportedV1{ImportID: 5, AccountID: 2, Chunk: 1, ImportedAt: at,
		Contacts: []calloutsv1.ImportedContactV1{
			{ID: 3, Row: 1, Action: "updated", MSISDN: "+252662345678", Version: 2},
			{ID: 9, Row: 2, Action: "created", MSISDN: "+85510202101", Version: 1},
		}}

	apply(calloutsv1.ContactCreated, "contact", "3", 1,
		calloutsv1.ContactCreatedV1{ID: 3, AccountID: 2, MSISDN: "+252662345678", CreatedAt: at})
	apply(calloutsv1.ContactsImported, "contact_import", "5", 2, imported)
	apply(calloutsv1.ContactUpdated, "contact", "3", 3,
		calloutsv1.ContactUpdatedV1{ID: 3, AccountID: 2, MSISDN: "+252662345699", UpdatedAt: at})
	apply(calloutsv1.ContactsImported, "contact_import", "5", 2, imported) // redelivered

	rows, err := pool.Query(ctx, `SELECT id, account_id, msisdn, version FROM known_contacts ORDER BY id`)
	require.NoError(t, err)
	type knownContact struct {
		ID, AccountID int64
		MSISDN        string
		Version       int64
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[knownContact])
	require.NoError(t, err)
	require.Equal(t, []knownContact{{3, 2, "+252662345699", 3}, {9, 2, "+85510202101", 1}}, got)
}

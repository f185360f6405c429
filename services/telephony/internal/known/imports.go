package known

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"scfm/shared/contract"
	"scfm/shared/contract/calloutsv1"
)

// applyContactsImported records the contacts a chunk of an import created
// or updated, in one statement. Each carries its own contact version, so a
// contact event applied earlier or later wins exactly as it would alone.
func applyContactsImported(ctx context.Context, tx pgx.Tx, env contract.Envelope) error {
	var d calloutsv1.ContactsImportedV1
	if err := json.Unmarshal(env.Data, &d); err != nil {
		return err
	}
	n := len(d.Contacts)
	ids, versions, numbers := make([]int64, n), make([]int64, n), make([]string, n)
	for i, c := range d.Contacts {
		ids[i], versions[i], numbers[i] = c.ID, c.Version, c.MSISDN
	}
	return exec(ctx, tx, `
		INSERT INTO known_contacts (id, account_id, msisdn, version)
		SELECT c.id, $1, c.msisdn, c.version
		FROM unnest($2::bigint[], $3::text[], $4::bigint[]) AS c (id, msisdn, version)
		ON CONFLICT (id) DO UPDATE SET msisdn = excluded.msisdn, version = excluded.version
		WHERE known_contacts.version < excluded.version`,
		d.AccountID, ids, numbers, versions)
}

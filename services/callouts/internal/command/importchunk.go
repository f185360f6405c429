package command

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"scfm/shared/commands"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/eventstore"
	"scfm/shared/metadata"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// eventBudget is the payload size an import event is filled up to. The
// largest single entry (a contact at the metadata limit) still leaves the
// event far below the event size limit.
const eventBudget = 512 << 10

// ImportContactChunk applies the next rows of an import in a handful of
// statements, whatever the number of rows: one lookup that locks the
// account's contacts with the chunk's numbers, one allocation of new ids,
// and the events, whose projection upserts all contacts at once and lists
// the rejected rows. The gateway derives the command id from the import
// and chunk number, so a chunk sent twice is applied once.
func (h *Handlers) ImportContactChunk(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
	var c calloutsv1.ContactImportChunk
	if r, ok := commands.Decode(req.Data, &c); !ok {
		return r, nil
	}
	if len(c.Rows) > calloutsv1.ImportChunkRows {
		return reply.Invalid1("rows", "are too many"), nil
	}
	checked, rejected := checkRows(c.Rows)

	return h.runAlone(ctx, req, func(ctx context.Context, tx pgx.Tx, rec *recorder) (reply.Reply, error) {
		s, found, err := loadImport(ctx, tx, req.AccountID, c.ImportID)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		if s.Status != calloutsv1.ImportRunning {
			return reply.Invalid1("base", "import is "+s.Status), nil
		}

		contacts, late, err := upserts(ctx, tx, s, checked)
		if err != nil {
			return reply.Reply{}, err
		}
		rows := append(slices.Clone(rejected), late...)
		slices.SortFunc(rows, func(a, b calloutsv1.RejectedRowV1) int { return cmp.Compare(a.Row, b.Row) })

		now := h.clock()
		events := chunkEvents(s, c.Chunk, contacts, rows, now, rec.Metadata())
		if err := rec.Record(ctx, events...); err != nil {
			return reply.Reply{}, err
		}
		res := calloutsv1.ContactImportChunkResult{Rows: int64(len(contacts) + len(rows))}
		for _, e := range contacts {
			if e.Action == calloutsv1.ImportActionCreated {
				res.Created++
			} else {
				res.Updated++
			}
		}
		res.Rejected = int64(len(rows))
		return reply.JSON(200, res), nil
	})
}

// existingContact is a contact a chunk row matches by number.
type existingContact struct {
	id, version     int64
	metadata        []byte
	lastImport, row *int64
}

// upserts decides what the checked rows of a chunk do to the contacts of
// s's account: create, update (metadata merged in the import's mode), or
// nothing, with the reason (the number was already in an earlier chunk, or
// the merged metadata is too large).
func upserts(
	ctx context.Context, tx pgx.Tx, s importState, rows []checkedRow,
) ([]calloutsv1.ImportedContactV1, []calloutsv1.RejectedRowV1, error) {
	existing, err := lockContacts(ctx, tx, s.AccountID, rows)
	if err != nil {
		return nil, nil, err
	}
	var out []calloutsv1.ImportedContactV1
	var rejected []calloutsv1.RejectedRowV1
	var fresh []int
	for _, r := range rows {
		entry := calloutsv1.ImportedContactV1{
			Row: r.row, Action: calloutsv1.ImportActionCreated, MSISDN: r.msisdn, Version: 1,
		}
		md := r.metadata
		if e, ok := existing[r.msisdn]; ok {
			if e.lastImport != nil && *e.lastImport == s.ID && e.row != nil {
				rejected = append(rejected, rejectRow(r.row, r.written, reasonDuplicate(*e.row)))
				continue
			}
			old, err := metadata.Decode(e.metadata)
			if err != nil {
				return nil, nil, err
			}
			md = metadata.Apply(old, r.metadata, s.Mode)
			entry.ID, entry.Action, entry.Version = e.id, calloutsv1.ImportActionUpdated, e.version+1
		}
		entry.Metadata = metadata.Encode(md)
		if len(entry.Metadata) > calloutsv1.MaxImportMetadataBytes {
			rejected = append(rejected, rejectRow(r.row, r.written, reasonTooLarge))
			continue
		}
		if entry.ID == 0 {
			fresh = append(fresh, len(out))
		}
		out = append(out, entry)
	}

	ids, err := contactIDs(ctx, tx, len(fresh))
	if err != nil {
		return nil, nil, err
	}
	for i, at := range fresh {
		out[at].ID = ids[i]
	}
	return out, rejected, nil
}

// lockContacts reads and locks the contacts of account with the rows'
// numbers, in number order so that concurrent imports lock without
// deadlocks.
func lockContacts(
	ctx context.Context, tx pgx.Tx, account int64, rows []checkedRow,
) (map[string]existingContact, error) {
	numbers := make([]string, len(rows))
	for i, r := range rows {
		numbers[i] = r.msisdn
	}
	found, err := tx.Query(ctx, `
		SELECT msisdn, id, version, metadata::text, last_import_id, last_import_row FROM contacts
		WHERE account_id = $1 AND msisdn = ANY($2::text[])
		ORDER BY msisdn FOR UPDATE`, account, numbers)
	if err != nil {
		return nil, fmt.Errorf("lock contacts: %w", err)
	}
	defer found.Close()
	out := make(map[string]existingContact, len(rows))
	for found.Next() {
		var number string
		var e existingContact
		if err := found.Scan(&number, &e.id, &e.version, &e.metadata, &e.lastImport, &e.row); err != nil {
			return nil, fmt.Errorf("lock contacts: %w", err)
		}
		out[number] = e
	}
	if err := found.Err(); err != nil {
		return nil, fmt.Errorf("lock contacts: %w", err)
	}
	return out, nil
}

// contactIDs allocates n contact ids in one statement.
func contactIDs(ctx context.Context, tx pgx.Tx, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx,
		`SELECT nextval(pg_get_serial_sequence('contacts', 'id')) FROM generate_series(1, $1)`, n)
	if err != nil {
		return nil, fmt.Errorf("allocate contact ids: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("allocate contact ids: %w", err)
	}
	slices.Sort(ids)
	return ids, nil
}

// chunkEvents packs a chunk's contacts and rejected rows into as few events
// on the import's stream as the event budget allows.
func chunkEvents(
	s importState, chunk int, contacts []calloutsv1.ImportedContactV1, rejected []calloutsv1.RejectedRowV1,
	now time.Time, md eventstore.Metadata,
) []eventstore.Event {
	var events []eventstore.Event
	version := s.Version
	add := func(typ string, data any) {
		version++
		events = append(events, eventstore.New(calloutsv1.AggregateContactImport,
			strconv.FormatInt(s.ID, 10), version, typ, data, md))
	}
	for _, part := range pack(contacts, func(c calloutsv1.ImportedContactV1) int {
		return len(c.Metadata) + len(c.MSISDN) + 100
	}) {
		add(calloutsv1.ContactsImported, calloutsv1.ContactsImportedV1{
			ImportID: s.ID, AccountID: s.AccountID, Chunk: chunk, Contacts: part, ImportedAt: now,
		})
	}
	for _, part := range pack(rejected, func(r calloutsv1.RejectedRowV1) int {
		return len(r.MSISDN) + len(r.Reason) + 60
	}) {
		add(calloutsv1.ContactImportRowsRejected, calloutsv1.ContactImportRowsRejectedV1{
			ImportID: s.ID, AccountID: s.AccountID, Chunk: chunk, Rows: part, RejectedAt: now,
		})
	}
	return events
}

// pack splits items, in order, into runs whose estimated size stays within
// eventBudget; a run holds at least one item.
func pack[T any](items []T, size func(T) int) [][]T {
	var out [][]T
	start, used := 0, 0
	for i, it := range items {
		n := size(it)
		if i > start && used+n > eventBudget {
			out = append(out, items[start:i])
			start, used = i, 0
		}
		used += n
	}
	if start < len(items) {
		out = append(out, items[start:])
	}
	return out
}

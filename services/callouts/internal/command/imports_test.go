package command_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"scfm/callouts/internal/command"
	"scfm/callouts/internal/postgres"
	"scfm/callouts/internal/projection"
	"scfm/callouts/internal/query"
	"scfm/shared/callflow"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/pgtest"
	"scfm/shared/reply"
)

// importBundle is a migrated database with the super-admin account (1) and
// an ordinary account (2).
type importBundle struct {
	ctx  context.Context
	pool *pgxpool.Pool
	cmds *command.Handlers
}

func setupImports(t *testing.T) importBundle {
	t.Helper()

	pool, _ := pgtest.Pool(t, postgres.Schema, postgres.Migrations())
	ctx := context.Background()
	tick := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { tick = tick.Add(1500 * time.Microsecond); return tick }
	b := importBundle{ctx: ctx, pool: pool, cmds: command.New(pool, clock, callflow.NewRegistry(nil))}

	_, err := b.cmds.SeedSuperAdmin(ctx)
	require.NoError(t, err)
	r, err := b.cmds.CreateAccount(ctx, natsbus.Request{
		ID: uuid.NewString(), AccountID: 1, SuperAdmin: true, Data: []byte(`{}`),
	})
	require.NoError(t, err)
	require.Equal(t, 201, r.Status, "%s", r.Body)
	return b
}

// handler is a command or query handler.
type handler = func(context.Context, natsbus.Request) (reply.Reply, error)

// send runs a command handler as account with a fresh or the given id.
func (b importBundle) send(
	t *testing.T, h handler, account int64, id string, payload any,
) reply.Reply {
	t.Helper()

	if id == "" {
		id = uuid.NewString()
	}
	data, err := json.Marshal(payload)
	require.NoError(t, err)
	r, err := h(b.ctx, natsbus.Request{ID: id, AccountID: account, Data: data})
	require.NoError(t, err)
	return r
}

// ask runs a query handler as account.
func (b importBundle) ask(
	t *testing.T, h handler, account int64, req filter.Request,
) reply.Reply {
	t.Helper()

	data, err := json.Marshal(req)
	require.NoError(t, err)
	r, err := h(b.ctx, natsbus.Request{AccountID: account, Data: data})
	require.NoError(t, err)
	return r
}

// start opens an import as account and returns its id.
func (b importBundle) start(t *testing.T, account int64, mode string) int64 {
	t.Helper()

	r := b.send(t, b.cmds.CreateContactImport, account, "",
		calloutsv1.ContactImportStart{MetadataMergeMode: mode})
	require.Equal(t, 201, r.Status, "%s", r.Body)
	var got struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &got))
	require.Equal(t, calloutsv1.ImportRunning, got.Status)
	require.Equal(t, fmt.Sprintf("/api/contact_imports/%d", got.ID), r.Location)
	return got.ID
}

// chunk sends chunk n of import id as account with its stable id.
func (b importBundle) chunk(
	t *testing.T, account, id int64, n int, rows ...calloutsv1.ImportRow,
) reply.Reply {
	t.Helper()

	return b.send(t, b.cmds.ImportContactChunk, account, calloutsv1.ContactImportChunkID(id, n),
		calloutsv1.ContactImportChunk{ImportID: id, Chunk: n, Rows: rows})
}

func importRow(n int64, number, md string) calloutsv1.ImportRow {
	r := calloutsv1.ImportRow{Row: n, MSISDN: number}
	if md != "" {
		r.Metadata = json.RawMessage(md)
	}
	return r
}

// contactMetadata returns the metadata and version of account's contact
// with number.
func (b importBundle) contactMetadata(t *testing.T, account int64, number string) (string, int64) {
	t.Helper()

	var md string
	var version int64
	require.NoError(t, b.pool.QueryRow(b.ctx,
		`SELECT metadata::text, version FROM contacts WHERE account_id = $1 AND msisdn = $2`,
		account, number).Scan(&md, &version))
	return md, version
}

func TestImportCreatesUpdatesAndRejectsRows(t *testing.T) {
	t.Parallel()

	b := setupImports(t)
	r := b.send(t, b.cmds.CreateContact, 2, "", map[string]any{
		"msisdn": "252662345678", "metadata": map[string]any{"a": "old", "keep": "x"},
	})
	require.Equal(t, 201, r.Status, "%s", r.Body)

	id := b.start(t, 2, "")
	r = b.chunk(t, 2, id, 1,
		importRow(1, "252662345678", `{"a":"new"}`),
		importRow(2, "85510202101", `{"n":1.50}`),
		importRow(3, "", ""),
		importRow(4, "2.52662E+11", ""),
		importRow(5, "+252 66 234 5678", `{"a":"again"}`),
	)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	require.JSONEq(t, `{"rows":5,"created":1,"updated":1,"rejected":3}`, string(r.Body))

	second := []calloutsv1.ImportRow{
		importRow(6, "+85510202101", `{"n":2}`),
		importRow(8, "85510202102", `{"deep":{"x":1}}`),
	}
	r = b.chunk(t, 2, id, 2, second...)
	require.JSONEq(t, `{"rows":2,"created":1,"updated":0,"rejected":1}`, string(r.Body))
	again := b.chunk(t, 2, id, 2, second...)
	require.Equal(t, r, again, "a chunk sent twice is applied once")

	// While running, the import shows its counts so far.
	imp := b.ask(t, query.ContactImports(b.pool).Get, 2, filter.Request{ID: id})
	require.Equal(t, 200, imp.Status)
	requireImport(t, imp.Body, "running", 7, 2, 1, 4)

	r = b.send(t, b.cmds.FinishContactImport, 2, calloutsv1.ContactImportFinishID(id),
		calloutsv1.ContactImportFinish{ImportID: id})
	require.Equal(t, 201, r.Status, "%s", r.Body)
	requireImport(t, r.Body, "completed", 7, 2, 1, 4)

	md, version := b.contactMetadata(t, 2, "+252662345678")
	require.JSONEq(t, `{"a":"new","keep":"x"}`, md)
	require.Equal(t, int64(2), version)
	md, version = b.contactMetadata(t, 2, "+85510202101")
	require.JSONEq(t, `{"n":1.50}`, md)
	require.Equal(t, int64(1), version)

	errs := b.ask(t, query.ContactImportErrors(b.pool), 2,
		filter.Request{Page: 1, PerPage: 10, Scope: map[string]int64{"contact_import_id": id}})
	require.Equal(t, int64(4), errs.Total)
	require.JSONEq(t, `[
		{"row":3,"msisdn":"","reason":"msisdn can't be blank"},
		{"row":4,"msisdn":"2.52662E+11","reason":"msisdn looks like a number in scientific notation `+
		`(reformat the column as text in the spreadsheet)"},
		{"row":5,"msisdn":"+252 66 234 5678","reason":"duplicate of row 1 in this file"},
		{"row":6,"msisdn":"+85510202101","reason":"duplicate of row 2 in this file"}
	]`, string(errs.Body))
	page := b.ask(t, query.ContactImportErrors(b.pool), 2,
		filter.Request{Page: 2, PerPage: 3, Scope: map[string]int64{"contact_import_id": id}})
	require.JSONEq(t, `[{"row":6,"msisdn":"+85510202101","reason":"duplicate of row 2 in this file"}]`,
		string(page.Body))

	// A finished import takes no more rows.
	r = b.chunk(t, 2, id, 3, importRow(9, "85510202109", ""))
	require.Equal(t, 422, r.Status)
	require.JSONEq(t, `{"errors":{"base":["import is completed"]}}`, string(r.Body))

	// Importing the same rows again updates every contact.
	id2 := b.start(t, 2, "replace")
	r = b.chunk(t, 2, id2, 1, importRow(1, "252662345678", `{"only":"this"}`),
		importRow(2, "85510202101", ""), importRow(3, "85510202102", `{}`))
	require.JSONEq(t, `{"rows":3,"created":0,"updated":3,"rejected":0}`, string(r.Body))
	md, version = b.contactMetadata(t, 2, "+252662345678")
	require.JSONEq(t, `{"only":"this"}`, md)
	require.Equal(t, int64(3), version)
}

func TestImportIsScopedToItsAccount(t *testing.T) {
	t.Parallel()

	b := setupImports(t)
	id := b.start(t, 2, "")

	require.Equal(t, 404, b.chunk(t, 1, id, 1, importRow(1, "252662345678", "")).Status)
	require.Equal(t, 404, b.ask(t, query.ContactImports(b.pool).Get, 1, filter.Request{ID: id}).Status)
	require.Equal(t, 404, b.ask(t, query.ContactImportErrors(b.pool), 1,
		filter.Request{Scope: map[string]int64{"contact_import_id": id}}).Status)
	list := b.ask(t, query.ContactImports(b.pool).List, 1, filter.Request{})
	require.Equal(t, int64(0), list.Total)
	r := b.send(t, b.cmds.FinishContactImport, 1, "", calloutsv1.ContactImportFinish{ImportID: id})
	require.Equal(t, 404, r.Status)

	// The same number in two accounts is two contacts.
	b.chunk(t, 2, id, 1, importRow(1, "252662345678", ""))
	other := b.start(t, 1, "")
	r = b.chunk(t, 1, other, 1, importRow(1, "252662345678", ""))
	require.JSONEq(t, `{"rows":1,"created":1,"updated":0,"rejected":0}`, string(r.Body))
}

func TestImportRejectsMetadataThatWouldBeTooLarge(t *testing.T) {
	t.Parallel()

	b := setupImports(t)
	// Each half fits; merged, they do not.
	first := fmt.Sprintf(`{"a":"%s"}`, strings.Repeat("x", calloutsv1.MaxImportMetadataBytes/2))
	other := fmt.Sprintf(`{"b":"%s"}`, strings.Repeat("y", calloutsv1.MaxImportMetadataBytes/2))

	id := b.start(t, 2, "")
	r := b.chunk(t, 2, id, 1, importRow(1, "252662345678", first))
	require.JSONEq(t, `{"rows":1,"created":1,"updated":0,"rejected":0}`, string(r.Body))
	id2 := b.start(t, 2, "")
	r = b.chunk(t, 2, id2, 1, importRow(1, "252662345678", other))
	require.JSONEq(t, `{"rows":1,"created":0,"updated":0,"rejected":1}`, string(r.Body))
	errs := b.ask(t, query.ContactImportErrors(b.pool), 2,
		filter.Request{Scope: map[string]int64{"contact_import_id": id2}})
	require.JSONEq(t, `[{"row":1,"msisdn":"252662345678","reason":"metadata is too large"}]`,
		string(errs.Body))
}

func TestStaleImportsFailWhenTheNextStarts(t *testing.T) {
	t.Parallel()

	b := setupImports(t)
	id := b.start(t, 2, "")
	b.chunk(t, 2, id, 1, importRow(1, "252662345678", ""))
	_, err := b.pool.Exec(b.ctx, `UPDATE contact_imports SET updated_at = updated_at - interval '1 hour'`)
	require.NoError(t, err)

	b.start(t, 2, "")
	imp := b.ask(t, query.ContactImports(b.pool).Get, 2, filter.Request{ID: id})
	requireImport(t, imp.Body, "failed", 1, 1, 0, 0)
	require.Contains(t, string(imp.Body), `"error":"upload interrupted"`)
}

// The sweeper fails an import whose upload stopped long ago even when its
// account starts no other import, and leaves a recent one running.
func TestSweeperFailsStaleImports(t *testing.T) {
	t.Parallel()

	b := setupImports(t)
	stale := b.start(t, 2, "")
	b.chunk(t, 2, stale, 1, importRow(1, "252662345678", ""))
	_, err := b.pool.Exec(b.ctx, `UPDATE contact_imports SET updated_at = updated_at - interval '1 hour'`)
	require.NoError(t, err)
	fresh := b.start(t, 1, "")

	n, err := b.cmds.SweepStaleImports(b.ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	imp := b.ask(t, query.ContactImports(b.pool).Get, 2, filter.Request{ID: stale})
	requireImport(t, imp.Body, "failed", 1, 1, 0, 0)
	require.Contains(t, string(imp.Body), `"error":"upload interrupted"`)
	imp = b.ask(t, query.ContactImports(b.pool).Get, 1, filter.Request{ID: fresh})
	requireImport(t, imp.Body, "running", 0, 0, 0, 0)

	n, err = b.cmds.SweepStaleImports(b.ctx)
	require.NoError(t, err)
	require.Zero(t, n, "a second sweep finds nothing")
}

func TestRebuildReproducesImports(t *testing.T) {
	t.Parallel()

	b := setupImports(t)
	b.send(t, b.cmds.CreateContact, 2, "",
		map[string]any{"msisdn": "252662345678", "metadata": map[string]any{"x": 1}})
	for i := range 3 {
		id := b.start(t, 2, []string{"merge", "deep_merge", "replace"}[i])
		var rows []calloutsv1.ImportRow
		for n := range 300 {
			rows = append(rows, importRow(int64(n+1), fmt.Sprintf("2526623%05d", n*(i+1)),
				fmt.Sprintf(`{"i":%d,"n":{"v":%d}}`, i, n)))
		}
		rows = append(rows, importRow(301, "nope", ""))
		require.Equal(t, 200, b.chunk(t, 2, id, 1, rows...).Status)
		if i < 2 {
			b.send(t, b.cmds.FinishContactImport, 2, "", calloutsv1.ContactImportFinish{ImportID: id})
		}
	}
	b.send(t, b.cmds.UpdateContact, 2, "",
		map[string]any{"id": 1, "metadata": map[string]any{"after": true}})

	answers := func() []string {
		var out []string
		for _, q := range []struct {
			h   handler
			req filter.Request
		}{
			{query.ContactImports(b.pool).List, filter.Request{PerPage: 100}},
			{query.Contacts(b.pool).List, filter.Request{PerPage: 1000}},
			{
				query.ContactImportErrors(b.pool),
				filter.Request{Scope: map[string]int64{"contact_import_id": 2}},
			},
		} {
			r := b.ask(t, q.h, 2, q.req)
			out = append(out, fmt.Sprintf("%d %d %s", r.Status, r.Total, r.Body))
		}
		var versions string
		require.NoError(t, b.pool.QueryRow(b.ctx, `
			SELECT string_agg(id || ':' || version || ':' || coalesce(last_import_id, 0) || ':' ||
				coalesce(last_import_row, 0), ',' ORDER BY id)
			FROM contacts`).Scan(&versions))
		return append(out, versions)
	}
	before := answers()
	require.NoError(t, projection.Rebuild(b.ctx, b.pool))
	require.Equal(t, before, answers())
}

func requireImport(t *testing.T, body []byte, status string, rows, created, updated, rejected int64) {
	t.Helper()

	var got struct {
		Status                           string
		Rows, Created, Updated, Rejected int64
	}
	require.NoError(t, json.Unmarshal(body, &got))
	require.Equal(t, status, got.Status, "%s", body)
	require.Equal(t, []int64{rows, created, updated, rejected},
		[]int64{got.Rows, got.Created, got.Updated, got.Rejected}, "%s", body)
}

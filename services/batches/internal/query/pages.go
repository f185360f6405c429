package query

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"scfm/batches/internal/operation"
	"scfm/batches/internal/owners"
	"scfm/shared/batchops"
	"scfm/shared/eventstore"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// route is one preview or results listing of an operation: the rows it
// lists and whether it lists what the operation would select or what it did.
type route struct {
	name string
	mode batchops.Mode
}

// Routes names the listings of an operation by the verb of their query
// ("batch_operation.<verb>") and the types that have them; any other type
// answers 404.
var routes = map[string]struct {
	route
	types []string
}{
	"callout_participations": {
		route{batchops.QueryParticipations, batchops.Results},
		[]string{batchops.CalloutPopulation, batchops.PhoneCallCreate},
	},
	"contacts": {
		route{batchops.QueryContacts, batchops.Results},
		[]string{batchops.CalloutPopulation, batchops.PhoneCallCreate},
	},
	"phone_calls": {
		route{batchops.QueryPhoneCalls, batchops.Results},
		[]string{batchops.PhoneCallCreate, batchops.PhoneCallQueue, batchops.PhoneCallQueueRemoteFetch},
	},
	"preview_callout_participations": {
		route{batchops.QueryParticipations, batchops.Preview},
		[]string{batchops.PhoneCallCreate},
	},
	"preview_contacts": {
		route{batchops.QueryContacts, batchops.Preview},
		[]string{batchops.CalloutPopulation, batchops.PhoneCallCreate},
	},
	"preview_phone_calls": {
		route{batchops.QueryPhoneCalls, batchops.Preview},
		[]string{batchops.PhoneCallQueue, batchops.PhoneCallQueueRemoteFetch},
	},
}

// Verbs lists the listing verbs, for registration.
func Verbs() []string {
	out := make([]string, 0, len(routes))
	for v := range routes {
		out = append(out, v)
	}
	return out
}

// Op is a batch operation as previews, results and runs need it.
type Op struct {
	ID        int64
	AccountID int64
	CalloutID *int64
	Type      string
	Params    operation.Params
	Status    string
	Run       int
	After     int64
	Selected  int64
	Applied   int64
	Limit     *int64
	Error     *string
}

// Selection is what op acts on.
func (op Op) Selection() batchops.Selection {
	return operation.Selection(op.ID, op.Type, op.CalloutID, op.Params)
}

// LoadOp reads operation id of account (any account when 0); found is
// false when there is none or typ (when set) is not its type.
func LoadOp(ctx context.Context, db eventstore.Querier, account, id int64, typ string) (Op, bool, error) {
	op := Op{ID: id}
	var params []byte
	err := db.QueryRow(ctx, `SELECT account_id, callout_id, type, parameters::text, status, run,
			run_after, run_selected, run_applied, run_limit, run_error
		FROM batch_operations WHERE id = $1 AND ($2 = 0 OR account_id = $2)
			AND ($3 = '' OR type = $3)`, id, account, typ).
		Scan(&op.AccountID, &op.CalloutID, &op.Type, &params, &op.Status, &op.Run, &op.After,
			&op.Selected, &op.Applied, &op.Limit, &op.Error)
	if errors.Is(err, pgx.ErrNoRows) {
		return op, false, nil
	}
	if err != nil {
		return op, false, fmt.Errorf("load batch operation %d: %w", id, err)
	}
	op.Params, err = DecodeParams(params)
	return op, err == nil, err
}

// DecodeParams reads stored parameters keeping numbers as written.
func DecodeParams(raw []byte) (operation.Params, error) {
	var p operation.Params
	if err := decodeNumbers(raw, &p); err != nil {
		return nil, fmt.Errorf("decode parameters: %w", err)
	}
	if p == nil {
		p = operation.Params{}
	}
	return p, nil
}

// Listing answers the preview or results listing verb of an operation by
// asking the service that owns the rows. Previews ignore the operation's
// limit: they show everything it selects, paged like any listing.
func Listing(db eventstore.Querier, own owners.Owners, verb string) natsbus.Handler {
	rt := routes[verb]
	return func(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
		r, err := filter.DecodeRequest(req.Data)
		if err != nil {
			return reply.BadRequest("base", "is invalid"), nil
		}
		op, found, err := LoadOp(ctx, db, req.AccountID, r.ID, r.Type)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		if !slices.Contains(rt.types, op.Type) {
			return reply.NotFound(), nil
		}
		if errs := operation.Check(op.Type, op.Params, true); len(errs) > 0 {
			return reply.Invalid(errs), nil // parameters that select nothing readable
		}
		r.ID, r.Type, r.Scope = 0, "", nil
		q := batchops.PageQuery{Request: r, Mode: rt.mode, Selection: op.Selection()}
		return own.Page(ctx, CallOf(req), rt.name, q)
	}
}

// decodeNumbers unmarshals raw keeping numbers as json.Number.
func decodeNumbers(raw []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	return d.Decode(v)
}

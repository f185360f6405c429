package readmodel

import (
	"context"
	"encoding/json"

	"scfm/shared/eventstore"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// CommandAnswer answers the stored answer of a command id, or 404 while the
// command has not been executed. Gateways ask for it when a command they
// publish turns out to be a duplicate of one already sent.
func CommandAnswer(db eventstore.Querier) natsbus.Handler {
	return func(ctx context.Context, req natsbus.Request) (reply.Reply, error) {
		var in struct {
			CommandID string `json:"command_id"`
		}
		if err := json.Unmarshal(req.Data, &in); err != nil {
			return reply.BadRequest("base", "is invalid"), nil
		}
		r, found, err := eventstore.LookupAnswer(ctx, db, in.CommandID)
		if err != nil || !found {
			return reply.NotFound(), err
		}
		return r, nil
	}
}

// Package owners asks the services that own the rows batch operations act
// on: callouts for contacts and participations, telephony for phone calls.
package owners

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"scfm/shared/batchops"
	"scfm/shared/contract/calloutsv1"
	"scfm/shared/contract/telephonyv1"
	"scfm/shared/filter"
	"scfm/shared/natsbus"
	"scfm/shared/reply"
)

// Owners sends queries and run steps to the owning services.
type Owners struct {
	Client *natsbus.Client
}

// ErrUnavailable reports an owner that did not answer or answered a server
// error; the caller tries again later.
var ErrUnavailable = errors.New("owning service unavailable")

// Rejection is a client-error answer to a run step: the step cannot succeed
// as it is (e.g. its callout was deleted).
type Rejection struct {
	Status int
	Body   string
}

func (r *Rejection) Error() string {
	return fmt.Sprintf("step refused (%d): %s", r.Status, strings.TrimSpace(r.Body))
}

// ServiceOf names the owner of the rows a query or step concerns.
func ServiceOf(name string) string {
	switch name {
	case batchops.QueryParticipations, batchops.QueryContacts, batchops.CommandPopulate:
		return calloutsv1.Service
	}
	return telephonyv1.Service
}

// Page forwards a page query to its owner and returns the owner's answer.
func (o Owners) Page(ctx context.Context, call natsbus.Call, name string, q batchops.PageQuery) (reply.Reply, error) {
	payload, err := json.Marshal(q)
	if err != nil {
		return reply.Reply{}, err
	}
	model, verb, _ := strings.Cut(name, ".")
	return o.Client.Query(ctx, ServiceOf(name), model, verb, call, payload)
}

// Exists asks whether the page query q selects any row.
func (o Owners) Exists(ctx context.Context, call natsbus.Call, name string, q batchops.PageQuery) (bool, error) {
	q.Exists = true
	var res batchops.ExistsResult
	if err := o.ask(ctx, call, name, q, &res); err != nil {
		return false, err
	}
	return res.Exists, nil
}

// Count returns how many rows the page query q selects (its Total).
func (o Owners) Count(ctx context.Context, call natsbus.Call, name string, q batchops.PageQuery) (int64, error) {
	q.Request = filter.Request{Page: 1, PerPage: 1}
	r, err := o.Page(ctx, call, name, q)
	if err != nil {
		return 0, err
	}
	if r.Status != http.StatusOK || r.Total < 0 {
		return 0, fmt.Errorf("%w: %s answered %d", ErrUnavailable, name, r.Status)
	}
	return r.Total, nil
}

// PeriodCount counts the account's phone calls in a throttling period.
func (o Owners) PeriodCount(ctx context.Context, call natsbus.Call, q batchops.PeriodCount) (int64, error) {
	var res batchops.PeriodCountResult
	err := o.ask(ctx, call, batchops.QueryPeriodCount, q, &res)
	return res.Count, err
}

// Position asks a service for its position: the callouts log's last
// position, or the last callouts position telephony has applied.
func (o Owners) Position(ctx context.Context, service string) (int64, error) {
	r, err := o.Client.Query(ctx, service, "batch", "position", natsbus.Call{}, []byte(`{}`))
	if err != nil {
		return 0, err
	}
	if r.Status != http.StatusOK {
		return 0, fmt.Errorf("%w: %s position answered %d", ErrUnavailable, service, r.Status)
	}
	var res batchops.PositionResult
	if err := json.Unmarshal(r.Body, &res); err != nil {
		return 0, fmt.Errorf("decode %s position: %w", service, err)
	}
	return res.Position, nil
}

// CalloutExists tells whether callout id belongs to the caller's account.
func (o Owners) CalloutExists(ctx context.Context, call natsbus.Call, id int64) (bool, error) {
	payload, _ := json.Marshal(filter.Request{ID: id})
	r, err := o.Client.Query(ctx, calloutsv1.Service, "callout", "get", call, payload)
	if err != nil {
		return false, err
	}
	switch r.Status {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	}
	return false, fmt.Errorf("%w: callout lookup answered %d", ErrUnavailable, r.Status)
}

// Step sends one run step as the command named name, with the step's id,
// and returns the owner's result. A client-error answer is a *Rejection.
func (o Owners) Step(ctx context.Context, call natsbus.Call, name string, s batchops.Step) (batchops.StepResult, error) {
	var res batchops.StepResult
	payload, err := json.Marshal(s)
	if err != nil {
		return res, err
	}
	aggregate, verb, _ := strings.Cut(name, ".")
	r, err := o.Client.Command(ctx, ServiceOf(name), aggregate, verb, call, payload)
	if err != nil {
		return res, fmt.Errorf("%w: %s: %v", ErrUnavailable, name, err)
	}
	switch {
	case r.Status >= 500:
		return res, fmt.Errorf("%w: %s answered %d", ErrUnavailable, name, r.Status)
	case r.Status >= 400:
		return res, &Rejection{Status: r.Status, Body: string(r.Body)}
	}
	if err := json.Unmarshal(r.Body, &res); err != nil {
		return res, fmt.Errorf("decode %s answer: %w", name, err)
	}
	return res, nil
}

// ask runs a query whose answer is a small JSON object decoded into out.
func (o Owners) ask(ctx context.Context, call natsbus.Call, name string, q any, out any) error {
	payload, err := json.Marshal(q)
	if err != nil {
		return err
	}
	model, verb, _ := strings.Cut(name, ".")
	r, err := o.Client.Query(ctx, ServiceOf(name), model, verb, call, payload)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnavailable, name, err)
	}
	if r.Status != http.StatusOK {
		return fmt.Errorf("%w: %s answered %d", ErrUnavailable, name, r.Status)
	}
	if err := json.Unmarshal(r.Body, out); err != nil {
		return fmt.Errorf("decode %s answer: %w", name, err)
	}
	return nil
}

package operation

import (
	"context"

	"scfm/shared/batchops"
	"scfm/shared/filter"
)

// Counter counts the account's phone calls in a throttling period.
type Counter func(ctx context.Context, q batchops.PeriodCount) (int64, error)

// AppliedLimit is the most rows a run of typ may act on; nil means no
// limit. An explicit limit wins as it is. Otherwise the phone call creation
// and queue types take the smaller of max and what is left of
// max_per_period after the calls already in the period (counted by count,
// only when max_per_period is set). The remote fetch type reads limit
// only; a population has no limit.
func AppliedLimit(ctx context.Context, typ string, p Params, count Counter) (*int64, error) {
	if typ == batchops.CalloutPopulation {
		return nil, nil
	}
	if n, ok := p.Int("limit"); ok {
		return nonNegative(n), nil
	}
	if typ == batchops.PhoneCallQueueRemoteFetch {
		return nil, nil
	}

	var limit *int64
	if n, ok := p.Int("max"); ok {
		limit = nonNegative(n)
	}
	if perPeriod, ok := p.Int("max_per_period"); ok {
		used, err := count(ctx, Period(p))
		if err != nil {
			return nil, err
		}
		left := *nonNegative(perPeriod - used)
		if limit == nil || left < *limit {
			limit = &left
		}
	}
	return limit, nil
}

// Period is the throttling period the per-period parameters describe: the
// last max_per_period_hours (24 by default) of
// max_per_period_timestamp_attribute (remotely_queued_at by default),
// counting only max_per_period_statuses when given.
func Period(p Params) batchops.PeriodCount {
	q := batchops.PeriodCount{Attribute: "remotely_queued_at", Hours: 24}
	switch a := p.Text("max_per_period_timestamp_attribute"); a {
	case "created_at", "updated_at", "remotely_queued_at":
		q.Attribute = a
	}
	if h, ok := p.Int("max_per_period_hours"); ok {
		q.Hours = h
	}
	q.Statuses = filter.List(p.Text("max_per_period_statuses"))
	return q
}

func nonNegative(n int64) *int64 {
	if n < 0 {
		n = 0
	}
	return &n
}

package operation

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"scfm/shared/batchops"
)

func TestIntReadsTheLeadingInteger(t *testing.T) {
	t.Parallel()
	p := Params{
		"a": "12abc", "b": "abc", "c": "", "d": json.Number("7"), "e": " -3", "f": true,
		"g": "99999999999999999999999", "h": nil,
	}
	for key, want := range map[string]int64{
		"a": 12, "b": 0, "c": 0, "d": 7, "e": -3, "f": 0, "g": 1<<63 - 1,
	} {
		n, ok := p.Int(key)
		require.True(t, ok, key)
		require.Equal(t, want, n, key)
	}
	for _, key := range []string{"h", "missing"} {
		_, ok := p.Int(key)
		require.False(t, ok, key)
	}
}

func TestBoolIsFalseOnlyForFalsyText(t *testing.T) {
	t.Parallel()
	for _, v := range []any{nil, "", "0", "f", "F", "false", "FALSE", "off", "OFF", false} {
		require.False(t, Params{"k": v}.Bool("k"), "%v", v)
	}
	for _, v := range []any{"1", "true", "yes", "no", "False", true, json.Number("2")} {
		require.True(t, Params{"k": v}.Bool("k"), "%v", v)
	}
	require.False(t, Params{}.Bool("k"))
}

func TestCheck(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{MsgBlank}, Check("Contact", Params{}, true)["type"])
	require.Equal(t, []string{MsgMustExist}, Check(batchops.CalloutPopulation, Params{}, false)["callout"])
	require.Empty(t, Check(batchops.CalloutPopulation, Params{}, true))

	errs := Check(batchops.PhoneCallCreate, Params{}, false)
	require.Equal(t, []string{MsgBlank}, errs["remote_request_params"])
	errs = Check(batchops.PhoneCallCreate, Params{"remote_request_params": map[string]any{"foo": "bar"}}, false)
	require.Equal(t, []string{MsgNotIncluded}, errs["remote_request_params"])
	errs = Check(batchops.PhoneCallQueue, Params{"phone_call_filter_params": "status=created"}, false)
	require.Contains(t, errs, "phone_call_filter_params")
}

// The worked example: calls remotely queued 23h, 23h and 24h ago, so two
// fall in a 24-hour period and three in a 25-hour one.
func TestAppliedLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	count := func(_ context.Context, q batchops.PeriodCount) (int64, error) {
		switch {
		case len(q.Statuses) == 1 && q.Statuses[0] == "completed":
			return 1, nil
		case q.Attribute == "created_at":
			return 3, nil
		case q.Hours == 25:
			return 3, nil
		}
		return 2, nil
	}
	limit := func(typ string, p Params) *int64 {
		n, err := AppliedLimit(ctx, typ, p, count)
		require.NoError(t, err)
		return n
	}
	base := Params{"max": "100", "max_per_period": "50"}
	with := func(k, v string) Params {
		p := Params{}
		for key, val := range base {
			p[key] = val
		}
		p[k] = v
		return p
	}
	require.EqualValues(t, 48, *limit(batchops.PhoneCallCreate, base))
	require.EqualValues(t, 47, *limit(batchops.PhoneCallCreate, with("max_per_period_hours", "25")))
	require.EqualValues(t, 47, *limit(batchops.PhoneCallQueue,
		with("max_per_period_timestamp_attribute", "created_at")))
	require.EqualValues(t, 49, *limit(batchops.PhoneCallCreate, with("max_per_period_statuses", "completed")))
	require.EqualValues(t, 5, *limit(batchops.PhoneCallCreate, with("max", "5")))
	require.EqualValues(t, 0, *limit(batchops.PhoneCallCreate, with("max_per_period", "1")))

	require.EqualValues(t, 7, *limit(batchops.PhoneCallCreate, with("limit", "7")), "limit wins")
	require.EqualValues(t, 0, *limit(batchops.PhoneCallCreate, Params{"limit": ""}))
	require.Nil(t, limit(batchops.PhoneCallCreate, Params{}))
	require.Nil(t, limit(batchops.PhoneCallQueueRemoteFetch, base), "fetch reads limit only")
	require.Nil(t, limit(batchops.CalloutPopulation, Params{"limit": "3"}))
}

func TestPeriodDefaults(t *testing.T) {
	t.Parallel()
	q := Period(Params{"max_per_period_timestamp_attribute": "deleted_at"})
	require.Equal(t, batchops.PeriodCount{Attribute: "remotely_queued_at", Hours: 24}, q)
	q = Period(Params{"max_per_period_statuses": " failed,  errored ", "max_per_period_hours": "6"})
	require.Equal(t, []string{"failed", "errored"}, q.Statuses)
	require.EqualValues(t, 6, q.Hours)
}

func TestQueue(t *testing.T) {
	t.Parallel()
	require.True(t, Queue("queue", "preview"))
	require.False(t, Queue("queue", "finished"))
	require.True(t, Queue("requeue", "finished"))
	require.False(t, Queue("requeue", "preview"))
	require.False(t, Queue("start", "queued"))
}

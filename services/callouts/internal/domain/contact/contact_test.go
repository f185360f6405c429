package contact

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"scfm/shared/contract/calloutsv1"
	"scfm/shared/reply"
)

func ptr(s string) *string { return &s }

func TestCreate(t *testing.T) {
	t.Parallel()

	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		msisdn *string
		want   string
		errs   reply.Errors
	}{
		{name: "normalises", msisdn: ptr("252662345678"), want: "+252662345678"},
		{name: "punctuation", msisdn: ptr("+252 66-(2)-345-678"), want: "+252662345678"},
		{name: "absent", msisdn: nil, errs: reply.Errors{"msisdn": {MsgBlank}}},
		{name: "letters", msisdn: ptr("abc"), errs: reply.Errors{"msisdn": {MsgBlank}}},
		{name: "impossible", msisdn: ptr("25212345"), errs: reply.Errors{"msisdn": {MsgInvalid}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			ev, errs := Create(7, 1, calloutsv1.ContactWrite{MSISDN: tt.msisdn}, now)
			require.Equal(t, tt.errs, errs)
			if errs == nil {
				require.Equal(t, tt.want, ev.MSISDN)
				require.Equal(t, int64(7), ev.AccountID)
				require.JSONEq(t, `{}`, string(ev.Metadata))
			}
		})
	}
}

func TestUpdateKeepsAbsentFields(t *testing.T) {
	t.Parallel()

	s := State{ID: 1, AccountID: 7, MSISDN: "+252662345678", Metadata: map[string]any{"a": "b"}}
	now := time.Now().UTC()

	ev, errs := Update(s, calloutsv1.ContactWrite{}, now)
	require.Nil(t, errs)
	require.Equal(t, "+252662345678", ev.MSISDN)
	require.JSONEq(t, `{"a":"b"}`, string(ev.Metadata))

	ev, errs = Update(s, calloutsv1.ContactWrite{
		MSISDN: ptr("252662345699"), Metadata: map[string]any{"c": json.Number("1")},
	}, now)
	require.Nil(t, errs)
	require.Equal(t, "+252662345699", ev.MSISDN)
	require.JSONEq(t, `{"a":"b","c":1}`, string(ev.Metadata))

	_, errs = Update(s, calloutsv1.ContactWrite{MSISDN: ptr("")}, now)
	require.Equal(t, reply.Errors{"msisdn": {MsgBlank}}, errs)
}

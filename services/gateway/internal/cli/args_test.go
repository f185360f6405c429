package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"scfm/gateway/internal/apiclient"
	"scfm/shared/natsbus"
)

func TestParsePairsNestsKeysAndListsRepeats(t *testing.T) {
	got, err := parsePairs("filter", []string{
		"metadata.district=Kampot", "metadata.language=km", "metadata.language=en",
		"msisdn=+855 12 345 678", "note=a=b",
	})
	require.NoError(t, err)
	require.Equal(t, map[string]any{
		"metadata": map[string]any{"district": "Kampot", "language": []any{"km", "en"}},
		"msisdn":   "+855 12 345 678",
		"note":     "a=b",
	}, got)
}

func TestParsePairsRefusesMalformedPairs(t *testing.T) {
	for _, bad := range [][]string{
		{"district"}, {"=x"}, {"metadata..a=1"}, {"a=1", "a.b=2"}, {"a.b=1", "a=2"},
	} {
		_, err := parsePairs("filter", bad)

		var usage usageError
		require.ErrorAs(t, err, &usage, "%v", bad)
	}
}

func TestContactFilterRefusesKeysContactsLack(t *testing.T) {
	t.Parallel()

	for _, ok := range [][]string{
		{"metadata.district=Kampot", "metadata.language=km"},
		{"msisdn=+85512345678", "created_at_after=2026-01-01"},
	} {
		f, err := parsePairs("filter", ok)
		require.NoError(t, err)
		require.NoError(t, checkContactFilter(f), ok)
	}
	for _, bad := range []string{"distrcit=Banadir", "metadata=x", "id=4", "account_id=3"} {
		f, err := parsePairs("filter", []string{bad})
		require.NoError(t, err)
		err = checkContactFilter(f)
		require.ErrorAs(t, err, new(usageError), bad)
	}
}

func TestQueryOfFlattensLikeRails(t *testing.T) {
	q := url.Values{}
	queryOf("q", map[string]any{
		"metadata": map[string]any{"a": map[string]any{"b": "c"}, "l": []any{"x", "y"}},
		"status":   "running",
	}, q)
	require.Equal(t, url.Values{
		"q[metadata][a][b]": {"c"}, "q[metadata][l][]": {"x", "y"}, "q[status]": {"running"},
	}, q)
}

func TestStreamFiltersKeepSubjectsOfTheStream(t *testing.T) {
	plain, prefixed := natsbus.Names{}, natsbus.Names{Prefix: "eu"}

	require.Equal(t, []string{"callouts.evt.>"}, streamFilters(plain, "callouts", nil))
	require.Equal(t, []string{"eu.telephony.evt.phone_call.*.status_changed"},
		streamFilters(prefixed, "telephony", []string{
			"telephony.evt.phone_call.*.status_changed", "callouts.evt.>",
		}))
	require.Equal(t, []string{"*.evt.*.*.created"},
		streamFilters(plain, "batches", []string{"*.evt.*.*.created"}))
	require.Empty(t, streamFilters(plain, "batches", []string{"callouts.evt.>"}))
}

func TestSubjectsOverlap(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"callouts.evt.>", "callouts.evt.contact.1.created", true},
		{"callouts.evt.>", "telephony.evt.>", false},
		{"*.evt.*", "callouts.evt.>", true},
		{"callouts.evt.contact", "callouts.evt.contact.1", false},
		{"a.*.c", "a.b.c", true},
	}
	for _, c := range cases {
		require.Equal(t, c.want, subjectsOverlap(c.a, c.b), "%s vs %s", c.a, c.b)
	}
}

func TestExitCodes(t *testing.T) {
	cases := []struct {
		err  error
		want int
	}{
		{&apiclient.APIError{Status: 422}, ExitError},
		{fmt.Errorf("run: %w", &apiclient.UnavailableError{Status: 503}), ExitUnavailable},
		{unavailableError{errors.New("nats down")}, ExitUnavailable},
		{usageError{errors.New("bad flag")}, ExitError},
		{checkError{failed: 2}, ExitCheckFailed},
		{fmt.Errorf("wait: %w", context.Canceled), ExitInterrupted},
		{errors.New("anything else"), ExitError},
	}
	for _, c := range cases {
		require.Equal(t, c.want, exitCode(c.err), "%v", c.err)
	}
}

func TestInertKeepsFormulasOut(t *testing.T) {
	t.Parallel()

	for in, want := range map[string]string{
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+252 61": "'+252 61", "-1": "'-1", "@SUM": "'@SUM",
		"252 61": "252 61", "": "",
	} {
		if got := inert(in); got != want {
			t.Errorf("inert(%q) = %q, want %q", in, got, want)
		}
	}
}

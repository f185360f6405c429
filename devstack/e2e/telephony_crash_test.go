package e2e_test

// The dialer's first promise: nobody is called twice by mistake, whatever
// crashes. A queued call is marked dispatching before the provider is
// asked to place it; a call left dispatching (by a crash, or an answer that
// never came) is reconciled with the provider's list of calls to its number
// before it is ever dialled again. These tests kill the telephony service
// with SIGKILL at the dangerous moments, each on a private stack so that
// the kills disturb no other test.

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A crash after the call was marked dispatching, while its request is on
// its way and before the provider took it: after the restart the provider
// has no such call, so the call is dialled again, once.
func TestTelephonyCrashBeforeTheProviderTookTheCallDialsItOnce(t *testing.T) {
	t.Parallel()

	sys := crashStart(t)
	stub := crashNewStub(t)
	a := sys.account(t, stub.URL, "")
	c := a.newCalls(t, 1, 1)[0]

	hold := crashHoldNext(stub, false)
	a.queue(t, c)
	held := hold.await(t)
	require.Equal(t, c.MSISDN, held.To)
	crashKillWhileHeld(t, sys, held)

	// The provider refuses the request nobody is waiting for any more:
	// nothing was placed.
	hold.release(http.StatusServiceUnavailable)
	require.Empty(t, stub.Calls(c.MSISDN), "the provider holds no call yet")

	sys.restart(t)
	got := a.awaitStatus(t, telRemotelyQueued, c)[0]
	time.Sleep(crashSettle)

	calls := stub.Calls(c.MSISDN)
	require.Len(t, calls, 1, "the provider placed the call exactly once")
	got = crashRequireRemotelyQueued(t, a, c, calls[0].SID, got)
	require.Len(t, stub.Creates(c.MSISDN), 2,
		"one request lost in the crash, one after the provider said it had no such call")
	lists := stub.Lists(c.MSISDN)
	require.NotEmpty(t, lists, "the provider was asked for the call before it was dialled again")
	require.Zero(t, lists[0].Found, "the first look found nothing")
	t.Logf("remotely queued as %s; the dialer said:\n%s", got["remote_call_id"], sys.logs.Dialer())
}

// A crash after the provider took the call and before its answer was
// recorded: after the restart the provider's list has the call, which is
// recorded without dialling again.
func TestTelephonyCrashAfterTheProviderTookTheCallFindsItWithoutRedialling(t *testing.T) {
	t.Parallel()

	sys := crashStart(t)
	stub := crashNewStub(t)
	a := sys.account(t, stub.URL, "")
	c := a.newCalls(t, 1, 1)[0]

	hold := crashHoldNext(stub, true)
	a.queue(t, c)
	held := hold.await(t)
	require.Equal(t, c.MSISDN, held.To)
	require.NotEmpty(t, held.SID)
	crashKillWhileHeld(t, sys, held)

	// The acceptance goes to a dead connection.
	hold.release(http.StatusCreated)

	sys.restart(t)
	got := a.awaitStatus(t, telRemotelyQueued, c)[0]
	time.Sleep(crashSettle)

	crashRequireRemotelyQueued(t, a, c, held.SID, got)
	require.Len(t, stub.Calls(c.MSISDN), 1, "the provider placed the call exactly once")
	require.Len(t, stub.Creates(c.MSISDN), 1, "the call was not dialled again")
	lists := stub.Lists(c.MSISDN)
	require.NotEmpty(t, lists, "the call was found through the provider's list")
	require.Equal(t, 1, lists[len(lists)-1].Found)
	t.Logf("the dialer said:\n%s", sys.logs.Dialer())
}

// Without a crash, a provider that takes the call but answers later than
// the request timeout leaves an unclear outcome: the call stays dispatching
// until the provider's list shows it, and is not dialled again.
func TestTelephonyCrashRecoveryAlsoSettlesAProviderTimeoutWithoutRedialling(t *testing.T) {
	t.Parallel()

	const answerAfter = 3 * time.Second // the provider timeout is 1s

	sys := crashStart(t)
	stub := crashNewStub(t)
	a := sys.account(t, stub.URL, "")
	c := a.newCalls(t, 1, 1)[0]

	var sid atomic.Value
	var gaveUp atomic.Bool
	stub.OnCreate(func(ctx context.Context, _ string, record func() crashProviderCall) int {
		sid.Store(record().SID)
		if !crashSleep(ctx, answerAfter) {
			gaveUp.Store(true)
		}
		return http.StatusCreated
	})
	a.queue(t, c)
	got := a.awaitStatus(t, telRemotelyQueued, c)[0]
	time.Sleep(crashSettle)

	require.True(t, gaveUp.Load(), "the dialer stopped waiting for the slow answer")
	recorded, _ := sid.Load().(string)
	crashRequireRemotelyQueued(t, a, c, recorded, got)
	require.Len(t, stub.Calls(c.MSISDN), 1, "the provider placed the call exactly once")
	require.Len(t, stub.Creates(c.MSISDN), 1, "the call was not dialled again")
	require.NotEmpty(t, stub.Lists(c.MSISDN), "the call was found through the provider's list")
	t.Logf("the dialer said:\n%s", sys.logs.Dialer())
}

// Twenty calls, and the telephony service killed twice at random moments
// while it dials them: everyone is called, nobody twice.
func TestTelephonyCrashesDuringDispatchCallEveryoneOnce(t *testing.T) {
	t.Parallel()

	const calls = 20

	seed := uint64(time.Now().UnixNano())
	t.Logf("kill timing seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1))

	sys := crashStart(t)
	stub := crashNewStub(t)
	// The request takes a while to reach the provider (a client gone by
	// then leaves nothing placed), and the answer a while to come back.
	stub.OnCreate(func(ctx context.Context, _ string, record func() crashProviderCall) int {
		if !crashSleep(ctx, rand.N(250*time.Millisecond)) {
			return http.StatusServiceUnavailable
		}
		record()
		crashSleep(ctx, rand.N(500*time.Millisecond))
		return http.StatusCreated
	})
	a := sys.account(t, stub.URL, "settings[calls_per_second]=5")
	cs := a.newCalls(t, 1, calls)
	for _, c := range cs {
		a.queue(t, c)
	}

	for round := 1; round <= 2; round++ {
		before, more := stub.CreateCount(), 1+rng.IntN(5)
		deadline := time.Now().Add(crashWait)
		for stub.CreateCount() < before+more && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		sys.kill(t)
		t.Logf("kill %d: %d creation requests received, %d calls placed", round,
			stub.CreateCount(), len(stub.AllCalls()))
		sys.restart(t)
	}

	got := a.awaitStatus(t, telRemotelyQueued, cs...)
	time.Sleep(crashSettle)

	for i, c := range cs {
		placed := stub.Calls(c.MSISDN)
		require.Len(t, placed, 1, "the provider placed the call to %s exactly once: %d requests",
			c.MSISDN, len(stub.Creates(c.MSISDN)))
		crashRequireRemotelyQueued(t, a, c, placed[0].SID, got[i])
	}
	require.Len(t, stub.AllCalls(), calls)

	reconciled := 0
	for _, c := range cs {
		if len(stub.Lists(c.MSISDN)) > 0 {
			reconciled++
		}
	}
	t.Logf("%d creation requests for %d calls; %d calls reconciled through the provider's list",
		stub.CreateCount(), calls, reconciled)
	t.Logf("the dialer said:\n%s", sys.logs.Dialer())
}

// crashKillWhileHeld kills the telephony service while the stub holds its
// request, and requires that the service was still waiting for the answer
// until then: the crash, not a timeout, ended the request.
func crashKillWhileHeld(t testing.TB, sys *crashSystem, held crashHeld) {
	t.Helper()

	select {
	case <-held.Gone:
		require.FailNow(t, "the dialer stopped waiting before it was killed",
			"kill it sooner than the provider timeout (%s)", crashProviderTimeout)
	default:
	}
	sys.kill(t)
	select {
	case <-held.Gone:
	case <-time.After(10 * time.Second):
		require.FailNow(t, "the held request's connection stayed open after the kill")
	}
}

// crashRequireRemotelyQueued requires that call c is (still) remotely queued
// as the provider's call sid; seen is the call as first seen remotely
// queued. It returns the call as it is now.
func crashRequireRemotelyQueued(t testing.TB, a crashAccount, c crashCall, sid string,
	seen map[string]any,
) map[string]any {
	t.Helper()

	require.NotEmpty(t, sid)
	require.Equal(t, sid, seen["remote_call_id"], "call %d: %s", c.ID, jsonText(t, seen))
	now, err := a.phoneCall(t.Context(), c.ID)
	require.NoError(t, err)
	require.Equal(t, telRemotelyQueued, now["status"], "call %d later: %s", c.ID, jsonText(t, now))
	require.Equal(t, sid, now["remote_call_id"], "call %d later: %s", c.ID, jsonText(t, now))
	require.Equal(t, "queued", now["remote_status"])
	require.Equal(t, "outbound-api", now["remote_direction"])
	require.Nil(t, now["remote_error_message"])
	requireTimestamp(t, now["remotely_queued_at"])

	return now
}

// crashSleep waits for d, or until ctx ends; it reports whether it waited
// all of d.
func crashSleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()

	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

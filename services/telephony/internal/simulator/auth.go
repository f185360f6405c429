package simulator

import (
	"crypto/subtle"
	"math"
	"net/http"
	"sync"

	"golang.org/x/time/rate"
)

// maxAccounts bounds the accounts the simulator remembers. Any SID is
// accepted, so without a cap a client could grow memory without end.
const maxAccounts = 10_000

// account is an account seen by the simulator: the first token presented
// for its SID, and its own call-creation bucket (nil when unlimited).
type account struct {
	token   string
	limiter *rate.Limiter
}

// accounts remembers each account's token on first use.
type accounts struct {
	mu  sync.Mutex
	m   map[string]*account
	cps float64
}

func newAccounts(cps float64) *accounts {
	return &accounts{m: map[string]*account{}, cps: cps}
}

// authenticate checks r's Basic credentials against the account sid named in
// its path. The first token seen for a SID becomes the account's token.
func (a *accounts) authenticate(r *http.Request, sid string) (*account, bool) {
	user, token, ok := r.BasicAuth()
	if !ok || user != sid || sid == "" || token == "" {
		return nil, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	acc, known := a.m[sid]
	if !known {
		if len(a.m) >= maxAccounts {
			return nil, false
		}
		acc = &account{token: token}
		if a.cps > 0 {
			acc.limiter = rate.NewLimiter(rate.Limit(a.cps), int(math.Ceil(a.cps)))
		}
		a.m[sid] = acc
	}
	if subtle.ConstantTimeCompare([]byte(acc.token), []byte(token)) != 1 {
		return nil, false
	}
	return acc, true
}

// allow reports whether the account may create a call now.
func (acc *account) allow() bool { return acc.limiter == nil || acc.limiter.Allow() }

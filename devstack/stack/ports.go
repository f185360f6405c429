package stack

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
)

// Ports are drawn from [portLow, portHigh): above the well-known and common
// development ports, below the range the kernel uses for outgoing
// connections, where a lingering TIME_WAIT socket can hold a port.
const (
	portLow  = 15000
	portHigh = 32768
)

// handedOut remembers the ports given to stacks of this process, so that
// stacks started in parallel never get the same port before their services
// have bound it. It is process state for that reason alone.
var handedOut = struct {
	mu    sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// freePort returns a port on 127.0.0.1 that could be bound just now and was
// not handed out before by this process.
func freePort() (int, error) {
	handedOut.mu.Lock()
	defer handedOut.mu.Unlock()

	for range 100 {
		port := portLow + rand.IntN(portHigh-portLow)
		if handedOut.ports[port] || !PortFree(port) {
			continue
		}

		handedOut.ports[port] = true
		return port, nil
	}

	return 0, fmt.Errorf("find free port: none found below %d", portHigh)
}

// PortFree reports whether port can be bound on 127.0.0.1 right now.
func PortFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}

	_ = l.Close()
	return true
}

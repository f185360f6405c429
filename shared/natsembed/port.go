package natsembed

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
)

// Ports are drawn from [portLow, portHigh): above the well-known and common
// development ports, below the range the kernel uses for outgoing
// connections, where a lingering TIME_WAIT socket can hold a port.
const (
	portLow  = 15000
	portHigh = 32768
)

// freePort returns a port on host that could be bound just now.
func freePort(host string) (int, error) {
	for range 50 {
		port := portLow + rand.IntN(portHigh-portLow)

		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			continue
		}

		_ = l.Close()
		return port, nil
	}

	return 0, fmt.Errorf("find free port on %s: none found below %d", host, portHigh)
}

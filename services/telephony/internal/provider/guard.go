package provider

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrPrivateAddress reports a provider URL that leads into a private
// network.
var ErrPrivateAddress = errors.New("provider address is private")

// PublicOnly returns a transport that refuses to connect to loopback,
// private, link-local and unspecified addresses. Accounts name their own
// provider base URLs; this keeps them from making the service reach into
// its own network. The check runs on the address actually dialled, so a
// name that resolves to a private address is refused too.
func PublicOnly() http.RoundTripper {
	d := &net.Dialer{
		Timeout: 10 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil {
				return err
			}
			ip = ip.Unmap()
			if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() ||
				ip.IsLinkLocalMulticast() || ip.IsMulticast() {
				return ErrPrivateAddress
			}
			return nil
		},
	}
	t := Transport()
	t.DialContext = d.DialContext
	t.Proxy = nil
	return t
}

// maxIdlePerHost is how many idle connections to one provider are kept.
// The default transport keeps two: with dozens of requests in flight,
// nearly every call would open (and then drop) a connection of its own.
const maxIdlePerHost = 128

// Transport returns a transport for provider requests that keeps enough
// idle connections for the dialer's concurrency.
func Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 2 * maxIdlePerHost
	t.MaxIdleConnsPerHost = maxIdlePerHost
	return t
}

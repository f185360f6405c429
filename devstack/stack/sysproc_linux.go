package stack

import "syscall"

// childSysProcAttr puts a service in its own process group, so that a
// Ctrl-C in the terminal reaches only the supervisor, which then stops the
// services in order. The kernel sends SIGTERM to the service if the
// supervisor dies without doing so.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

//go:build !linux

package stack

import "syscall"

// childSysProcAttr puts a service in its own process group, so that a
// Ctrl-C in the terminal reaches only the supervisor, which then stops the
// services in order.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

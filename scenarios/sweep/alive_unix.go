//go:build unix

package sweep

import (
	"errors"
	"syscall"
)

// alive reports whether a process of this host with that pid exists:
// signal 0 checks without sending anything. EPERM means it exists under
// another user.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

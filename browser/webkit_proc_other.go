//go:build !linux

package browser

import (
	"os"
	"syscall"
)

// signalGroup signals the main process only, off Linux.
func signalGroup(pid int, sig syscall.Signal) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Signal(sig)
	}
}

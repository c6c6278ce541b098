//go:build !linux

package browser

import "os"

// killGroup kills the main process only, off Linux.
func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
}

// groupAlive is unknown off Linux.
func groupAlive(int) int { return 0 }

//go:build unix

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// terminalWidth is w's width in columns when it is a terminal, else 0.
func terminalWidth(w any) int {
	f, ok := w.(*os.File)
	if !ok || !isTTY(f) {
		return 0
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}

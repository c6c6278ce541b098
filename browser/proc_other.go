//go:build !linux

package browser

import "os/exec"

// browserCmdOptions leaves the process attributes alone off Linux, where
// Pdeathsig does not exist; Close and CloseOnSignal still clean up.
func browserCmdOptions(cmd *exec.Cmd) {}

//go:build linux

package browser

import (
	"os/exec"
	"syscall"
)

// browserCmdOptions replaces chromedp's defaults for the browser process
// (chromedp only sets Pdeathsig, and a ModifyCmdFunc replaces that):
//   - Pdeathsig: the kernel kills the browser when the Go process dies, even
//     by SIGKILL, so no orphan browser outlives a crashed run.
//   - Setpgid: the browser gets its own process group, so a terminal's
//     Ctrl-C reaches only the Go process, which then closes the browser
//     gracefully (CloseOnSignal) instead of racing the browser's own exit.
func browserCmdOptions(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = new(syscall.SysProcAttr)
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	cmd.SysProcAttr.Setpgid = true
}

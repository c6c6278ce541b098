package browser

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// corsOffSwitches are Chromium switches that switch CORS, or the checks
// around it, off. A conformance harness launched with one of them tests
// nothing.
var corsOffSwitches = []string{
	"--disable-web-security",
	"--allow-running-insecure-content",
	"--disable-site-isolation-trials",
	"--user-data-dir=/tmp/chrome-unsafe",
	"OriginsWithUniversalNetworkAccess",
	"--ignore-certificate-errors ", // blanket trust; pins are used instead
	"--test-type",
}

// TestTheRunningBrowserHasNoSwitchThatTurnsCORSOff reads the real command
// line of the browser process the tests drive, not the options we meant to
// pass, so a default chromedp adds or a later edit cannot slip through.
func TestTheRunningBrowserHasNoSwitchThatTurnsCORSOff(t *testing.T) {
	c := needBrowser(t)
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(c.PID()) + "/cmdline")
	if err != nil {
		t.Skipf("cannot read the browser's command line: %v", err)
	}
	args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	line := strings.Join(args, " ") + " "
	for _, bad := range corsOffSwitches {
		if strings.Contains(line, bad) {
			t.Errorf("the browser runs with %q:\n%s", strings.TrimSpace(bad), line)
		}
	}
	if !strings.Contains(line, "--ignore-certificate-errors-spki-list=") {
		t.Errorf("expected trust by SPKI pin only:\n%s", line)
	}
	if !strings.Contains(line, "--host-resolver-rules=") {
		t.Errorf("expected the host mapping:\n%s", line)
	}
}

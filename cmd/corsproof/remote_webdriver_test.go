//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/report"
)

// TestRunThroughAWebDriverEndpoint is `corsproof run` end to end through
// --remote webdriver=, --capability, --listen and --remote-ca: a
// ChromeDriver on this host (a grid is TestRemoteGridOffLoopback's)
// starts the Chromium, which trusts the CA 'corsproof ca' made; the
// report must name that browser and hold the verdicts of a run in a
// Chromium corsproof launches.
func TestRunThroughAWebDriverEndpoint(t *testing.T) {
	chromium, err := browser.FindChromium()
	testenv.Started(t, "chromium", err)
	dir := t.TempDir()
	caFile, certFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca.crt")
	if code, _, stderr := cli(t, "ca", "--out", caFile, "--cert", certFile); code != exitOK {
		t.Fatalf("ca: exit %d: %s", code, stderr)
	}
	// Trusted as the ca command's help says, in the NSS database of the
	// HOME the driver gives Chromium.
	cert, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	testenv.TrustInNSS(t, filepath.Join(home, ".pki", "nssdb"), cert)
	driver := testenv.ChromeDriver(t, home)

	opts := fmt.Sprintf(`goog:chromeOptions={"binary":%q,"args":["--headless=new","--no-sandbox","--disable-gpu","--no-first-run","--disable-background-networking","--disable-component-update","--disable-sync"]}`, chromium)
	remotePath, remoteCode := runJSON(t, dir, "remote.json", "run", "--label", "credentials:include",
		"--remote", "webdriver="+driver, "--capability", opts, "--capability", "platformName=linux",
		"--listen", "127.0.0.1", "--remote-ca", caFile)
	localPath, localCode := runJSON(t, dir, "local.json", "run", "--label", "credentials:include")
	if remoteCode != localCode {
		t.Errorf("exit %d through the driver, %d locally", remoteCode, localCode)
	}
	remote, err := report.ReadJSONFile(remotePath)
	if err != nil {
		t.Fatal(err)
	}
	local, err := report.ReadJSONFile(localPath)
	if err != nil {
		t.Fatal(err)
	}
	rr, lr := remote.Runs[0], local.Runs[0]
	if rr.Engine != corsproof.Chromium || !strings.HasPrefix(rr.Version, "Chrome/") || rr.Platform == "" || rr.Error != "" {
		t.Errorf("the remote run says engine %q version %q platform %q error %q; want chromium, its Chrome/ version and platform", rr.Engine, rr.Version, rr.Platform, rr.Error)
	}
	verdicts := func(r report.JSONRun) []string {
		var out []string
		for _, res := range r.Results {
			out = append(out, res.ID+" "+string(res.Verdict))
		}
		return out
	}
	if got, want := verdicts(rr), verdicts(lr); len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("through the driver:\n%q\nlocally:\n%q", got, want)
	}
}

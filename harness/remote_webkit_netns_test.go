//go:build linux

package harness

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/scenarios"
)

// remoteWebKitPort is WebKitWebDriver's port on the browser's host.
const remoteWebKitPort = "4444"

// systemCABundle is where GnuTLS (under WebKitGTK's glib-networking)
// reads the system's trust anchors on Debian.
const systemCABundle = "/etc/ssl/certs/ca-certificates.crt"

// remoteWebKitPrereqs are what a remote WebKit test needs beyond the
// off-box test's (ip): WebKitWebDriver, Xvfb for its browser, and the
// system CA bundle its host's trust is bound over. Missing, the test
// skips saying why (Xvfb and the driver fail under CI=true).
func remoteWebKitPrereqs(t *testing.T) (ip, driver, xvfb string) {
	t.Helper()
	ip = offboxPrereqs(t)
	driver = testenv.Found(t, "webkit", browser.FindWebKit)
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		if testenv.InCI() {
			t.Fatal("no Xvfb for the remote WebKit (CI=true makes this a failure)")
		}
		t.Skip("no Xvfb for the remote WebKit")
	}
	if _, err := os.Stat(systemCABundle); err != nil {
		t.Skipf("no system CA bundle at %s for the remote WebKit's host to trust the run's CA in: %v", systemCABundle, err)
	}
	return ip, driver, xvfb
}

// TestRemoteWebKitOffLoopback: WebKitWebDriver on one test host, started
// as a user would (--host=ITS_ADDRESS), its host trusting the run's CA in
// the system store WebKitGTK reads (here a bundle bound over the system's
// in that host's own mount namespace); corsproof on the other host
// attaches with --remote webkit=http://IP:4444 and runs a slice of the
// catalog through its proxy on the veth, which admits the driver's host
// by its address. Certificate checks stay on (no acceptInsecureCerts).
// The results must be those of the same slice in a WebKit corsproof
// launches itself.
func TestRemoteWebKitOffLoopback(t *testing.T) {
	if flag.Arg(0) == remoteChildFlag {
		t.Skip("in a child")
	}
	ip, driver, xvfb := remoteWebKitPrereqs(t)
	var list []corsproof.Scenario
	var ids []string
	for i, s := range scenarios.Catalog() {
		if i%10 == 0 { // every tenth: the same slice local and remote
			list = append(list, s)
			ids = append(ids, s.ID)
		}
	}
	browserNS, runNS := remoteHosts(t, ip)
	ca, caFile := remoteCA(t)
	url := startRemoteWebKit(t, ip, browserNS, driver, xvfb, ca, true)

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	local := remoteSummaries(t, runLocal(ctx, t, corsproof.WebKit, list))

	remote := runRemote(t, ip, runNS, remoteChild{Arg: url, CA: caFile, Engine: corsproof.WebKit, IDs: ids}, fmt.Sprintf("corsproof in namespace %s against the WebKit at %s", runNS, url))
	compareSummaries(t, local, remote)
	noErrors(t, "the remote WebKit", remote)
}

// noErrors fails t when any of a remote run's summaries is an error: the
// same results as a local run's must be verdicts, not the same error
// everywhere (a page that failed to load in both, say).
func noErrors(t *testing.T, what string, remote []string) {
	t.Helper()
	errs := 0
	for _, r := range remote {
		if strings.Contains(r, " error ") || strings.Contains(r, "error=") {
			errs++
		}
	}
	if errs > 0 {
		t.Errorf("%d of %s's %d results are errors", errs, what, len(remote))
	}
}

// TestRemoteWebKitThatDoesNotTrustTheCAFails: a remote WebKit whose host
// does not trust the run's CA loads no origin page (its session checks
// certificates), so every scenario is an error, never a verdict.
func TestRemoteWebKitThatDoesNotTrustTheCAFails(t *testing.T) {
	if flag.Arg(0) == remoteChildFlag {
		t.Skip("in a child")
	}
	ip, driver, xvfb := remoteWebKitPrereqs(t)
	browserNS, runNS := remoteHosts(t, ip)
	ca, caFile := remoteCA(t)
	url := startRemoteWebKit(t, ip, browserNS, driver, xvfb, ca, false)
	got := runRemote(t, ip, runNS, remoteChild{Arg: url, CA: caFile, Engine: corsproof.WebKit, IDs: []string{"get-allowed", "put-preflight-allowed"}}, "corsproof against a WebKit whose host does not trust the CA")
	if len(got) != 2 {
		t.Fatalf("%d results, want 2: %q", len(got), got)
	}
	for _, r := range got {
		t.Logf("remote: %s", r)
		if !strings.Contains(r, " error ") {
			t.Errorf("a remote WebKit whose host does not trust the run's CA gave %q: want an error", r)
		}
	}
}

// startRemoteWebKit starts Xvfb and WebKitWebDriver on its veth address in
// namespace ns, the system trust store there holding ca besides the
// system's anchors (trust) or only the system's, and returns the driver's URL. t.Cleanup stops both.
func startRemoteWebKit(t *testing.T, ip, ns, driver, xvfb string, ca *CA, trust bool) string {
	t.Helper()
	_, bundle, env := remoteHostHome(t, ca, trust)
	display := fmt.Sprintf(":%d", 150+os.Getpid()%100)
	// ip netns exec gives the host a mount namespace of its own (slave to
	// this one): the bundle bound there is that host's trust store only.
	script := `set -e
mount --bind "$1" "$2"
"$3" "$4" -nolisten tcp -screen 0 1280x1024x24 &
for i in $(seq 100); do [ -e "/tmp/.X11-unix/X${4#:}" ] && break; sleep 0.1; done
export DISPLAY="$4"
echo "remote webkit: starting the driver" >&2
exec "$5" --host="$6" --port="$7"`
	cmd := exec.Command(ip, "netns", "exec", ns, "sh", "-c", script, "sh", bundle, systemCABundle, xvfb, display,
		driver, remoteBrowserAddr, remoteWebKitPort)
	cmd.Env = env
	startListening(t, cmd, "remote webkit: ")
	return "http://" + remoteBrowserAddr + ":" + remoteWebKitPort
}

// remoteHostHome is a HOME for the processes of a browser's test host,
// the trust bundle to bind over the system's there (the system's anchors,
// and ca when trust), and their environment: that HOME, no display, no
// proxy of this host's. Without a system bundle (a host with no WebKit
// on it need not have one; remoteWebKitPrereqs skips) bundle is "".
func remoteHostHome(t *testing.T, ca *CA, trust bool) (home, bundle string, env []string) {
	t.Helper()
	home = t.TempDir()
	if sys, err := os.ReadFile(systemCABundle); err == nil {
		bundle = filepath.Join(home, "ca-certificates.crt")
		if trust {
			sys = append(append(sys, '\n'), ca.CertificatePEM()...)
		}
		if err := os.WriteFile(bundle, sys, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env = append(withoutEnv(os.Environ(), "HOME", "DISPLAY", "http_proxy", "https_proxy", "all_proxy", "no_proxy",
		"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"),
		"HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, "cache"), "XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"), "NO_AT_BRIDGE=1", "GTK_A11Y=none", "WEBKIT_DISABLE_COMPOSITING_MODE=1")
	return home, bundle, env
}

// waitForTCP waits until addr ("host:port") accepts a connection: a
// driver started on another host a moment ago.
func waitForTCP(ctx context.Context, addr string) error {
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s accepts no connection: %w", addr, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

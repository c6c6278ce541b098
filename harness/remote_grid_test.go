//go:build linux

package harness

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/scenarios"
)

// The grid tests: a real Selenium Grid 4 (the standalone server, a hub
// and a node in one process) on the browser's test host, as a team's
// browser farm; corsproof on the other host opens its session there with
// capabilities (what --remote webdriver= and --capability set) and drives
// the browser over what the grid offers: its se:cdp websocket for
// Chromium, classic WebDriver through the grid for WebKit. The verdicts
// must be those of the same scenarios in a browser corsproof launches.

// seleniumVersion is the Selenium Grid .ci/install-grid fetches.
const seleniumVersion = "4.48.0"

// gridPrereqs are what a grid test needs beyond the off-box test's: a
// Java runtime, the Selenium server's jar ($CORSPROOF_SELENIUM_JAR, or
// where .ci/install-grid puts it) and ChromeDriver. Missing, the test
// skips saying how to install them; under CI=true it fails.
func gridPrereqs(t *testing.T) (ip, java, jar string) {
	t.Helper()
	ip = offboxPrereqs(t)
	refuse := func(format string, a ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, a...) + " (bash .ci/install-grid installs it)"
		if testenv.InCI() {
			t.Fatal(msg + "; CI=true makes this a failure")
		}
		t.Skip(msg)
	}
	java, err := exec.LookPath("java")
	if err != nil {
		refuse("no Java runtime for the Selenium Grid: %v", err)
	}
	jar = os.Getenv("CORSPROOF_SELENIUM_JAR")
	if jar == "" {
		cache := os.Getenv("CORSPROOF_CACHE")
		if cache == "" {
			home, _ := os.UserHomeDir()
			cache = filepath.Join(home, ".cache", "corsproof")
		}
		jar = filepath.Join(cache, "selenium-server-"+seleniumVersion+".jar")
	}
	if _, err := os.Stat(jar); err != nil {
		refuse("no Selenium Grid jar: %v", err)
	}
	if _, err := exec.LookPath("chromedriver"); err != nil {
		refuse("no chromedriver for the grid's Chromium node: %v", err)
	}
	return ip, java, jar
}

// gridPort is the grid's port on the browser's host; gridWebKitPort is
// WebKitWebDriver's there, on the host's loopback, behind the grid.
const (
	gridPort       = "4444"
	gridWebKitPort = "4445"
)

// startGrid starts a Selenium Grid standalone server on the browser's
// host (namespace ns), its Chromium node trusting ca through the NSS
// database of the HOME it gives the browsers, or, with webkit (the
// driver and Xvfb of remoteWebKitPrereqs), a node that relays to a
// WebKitWebDriver on that host's loopback (its system trust store holding
// ca, as startRemoteWebKit's). It returns the grid's URL; t.Cleanup stops
// it and its browsers.
func startGrid(t *testing.T, ip, ns, java, jar string, ca *CA, webkit *gridWebKit) string {
	t.Helper()
	home, bundle, env := remoteHostHome(t, ca, true)
	trustCA(t, filepath.Join(home, ".pki", "nssdb"), ca)
	args := []string{"sh", "-c", "", "sh", java, jar, remoteBrowserAddr, gridPort}
	script := `set -e
exec "$1" -jar "$2" standalone --host "$3" --port "$4" --selenium-manager false 1>&2`
	if webkit != nil {
		config := filepath.Join(home, "grid.toml")
		toml := fmt.Sprintf(`[node]
detect-drivers = false
selenium-manager = false

[relay]
url = "http://127.0.0.1:%s"
status-endpoint = "/status"
configs = ["1", "{\"browserName\": \"MiniBrowser\", \"platformName\": \"linux\"}"]
`, gridWebKitPort)
		if err := os.WriteFile(config, []byte(toml), 0o644); err != nil {
			t.Fatal(err)
		}
		display := fmt.Sprintf(":%d", 250+os.Getpid()%100)
		// The bundle bound in the host's own mount namespace is its trust
		// store only; MiniBrowser needs a display.
		script = `set -e
mount --bind "$5" "$6"
"$7" "$8" -nolisten tcp -screen 0 1280x1024x24 &
for i in $(seq 100); do [ -e "/tmp/.X11-unix/X${8#:}" ] && break; sleep 0.1; done
DISPLAY="$8" "$9" --host=127.0.0.1 --port="${10}" &
for i in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/${10}") 2>/dev/null && break; sleep 0.1; done
exec "$1" -jar "$2" standalone --host "$3" --port "$4" --config "${11}" 1>&2`
		args = append(args, bundle, systemCABundle, webkit.xvfb, display, webkit.driver, gridWebKitPort, config)
	}
	args[2] = script
	cmd := exec.Command(ip, append([]string{"netns", "exec", ns}, args...)...)
	cmd.Env = env
	startListening(t, cmd, "Started Selenium Standalone ")
	return "http://" + remoteBrowserAddr + ":" + gridPort
}

// gridSessionsGone fails t when a slot of the grid at url still holds a
// session a few seconds after the run closed: closing deletes the run's
// session, which closes its browser on the grid (whose status follows
// the node's a moment later).
func gridSessionsGone(ctx context.Context, t *testing.T, url string) {
	t.Helper()
	var held []string
	slots := 0
	for start := time.Now(); time.Since(start) < 15*time.Second; time.Sleep(250 * time.Millisecond) {
		held, slots = gridSessions(ctx, t, url)
		if len(held) == 0 {
			break
		}
	}
	switch {
	case slots == 0:
		t.Error("the grid's status names no slot")
	case len(held) > 0:
		t.Errorf("the grid still holds sessions %q 15 s after the run closed", held)
	default:
		t.Logf("the grid's %d slots are free", slots)
	}
}

// gridSessions are the sessions the grid at url says its slots hold, and
// how many slots it has.
func gridSessions(ctx context.Context, t *testing.T, url string) (held []string, slots int) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/status", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("the grid's status: %v", err)
	}
	defer resp.Body.Close()
	var status struct {
		Value struct {
			Nodes []struct {
				Slots []struct {
					Session *struct {
						SessionID string `json:"sessionId"`
					} `json:"session"`
				} `json:"slots"`
			} `json:"nodes"`
		} `json:"value"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&status); err != nil {
		t.Fatalf("the grid's status: %v", err)
	}
	for _, n := range status.Value.Nodes {
		for _, s := range n.Slots {
			slots++
			if s.Session != nil {
				held = append(held, s.Session.SessionID)
			}
		}
	}
	return held, slots
}

// gridWebKit is the WebKitWebDriver and the Xvfb of a grid's WebKit node.
type gridWebKit struct{ driver, xvfb string }

// gridChromeCaps are the capabilities a team's suite would send its grid
// for Debian's Chromium: the binary, headless, and the flags that keep it
// off the network it has none of. Nothing that switches CORS or
// certificate checks off.
func gridChromeCaps(t *testing.T) map[string]any {
	exe := testenv.Found(t, "chromium", browser.FindChromium)
	return map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{
			"binary": exe,
			"args": []any{"--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
				"--disable-component-update", "--disable-sync"},
		},
	}
}

// everyNth is every nth scenario of the catalog, and their ids.
func everyNth(n int) ([]corsproof.Scenario, []string) {
	var list []corsproof.Scenario
	var ids []string
	for i, s := range scenarios.Catalog() {
		if i%n == 0 {
			list = append(list, s)
			ids = append(ids, s.ID)
		}
	}
	return list, ids
}

// TestRemoteGridOffLoopback runs the catalog (WebKit: a slice of it) in a Chromium and
// a WebKit that a Selenium Grid on another host starts for corsproof's
// session, and compares it with the same slice in browsers launched here.
// The grid's port is the only one its host offers the other (ChromeDriver
// gives Chromium a debugging port on that host's loopback), so Chromium
// is reached through the grid's se:cdp and nothing else.
func TestRemoteGridOffLoopback(t *testing.T) {
	if flag.Arg(0) == remoteChildFlag {
		t.Skip("in a child")
	}
	ip, java, jar := gridPrereqs(t)
	for _, tc := range []struct {
		eng  corsproof.Engine
		nth  int
		caps func(*testing.T) map[string]any
	}{
		{corsproof.Chromium, 1, gridChromeCaps},
		{corsproof.WebKit, 5, func(*testing.T) map[string]any { return map[string]any{"browserName": "MiniBrowser"} }},
	} {
		t.Run(string(tc.eng), func(t *testing.T) {
			var webkit *gridWebKit
			if tc.eng == corsproof.WebKit {
				_, driver, xvfb := remoteWebKitPrereqs(t)
				webkit = &gridWebKit{driver: driver, xvfb: xvfb}
			}
			list, ids := everyNth(tc.nth)
			browserNS, runNS := remoteHosts(t, ip)
			ca, caFile := remoteCA(t)
			grid := startGrid(t, ip, browserNS, java, jar, ca, webkit)

			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
			defer cancel()
			local := remoteSummaries(t, runLocal(ctx, t, tc.eng, list))
			remote := runRemote(t, ip, runNS, remoteChild{Arg: grid, CA: caFile, Engine: tc.eng, IDs: ids, Capabilities: tc.caps(t)},
				fmt.Sprintf("corsproof in namespace %s against a %s session on the grid at %s", runNS, tc.eng, grid))
			compareSummaries(t, local, remote)
			noErrors(t, "the grid "+string(tc.eng), remote)
		})
	}
}

// TestRemoteChromeDriverOnThisHost: --remote webdriver= pointed at a
// ChromeDriver (no grid) on this host. The session offers CDP only as the
// browser's debuggerAddress, on the driver's host, which is this one, so
// corsproof attaches there. A slice of the catalog gives the verdicts of
// a Chromium corsproof launches.
func TestRemoteChromeDriverOnThisHost(t *testing.T) {
	if flag.Arg(0) == remoteChildFlag {
		t.Skip("in a child")
	}
	ca, _ := remoteCA(t)
	home := t.TempDir()
	trustCA(t, filepath.Join(home, ".pki", "nssdb"), ca)
	driver := testenv.ChromeDriver(t, home)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	list, _ := everyNth(10)
	local := remoteSummaries(t, runLocal(ctx, t, corsproof.Chromium, list))
	rc := &RemoteConfig{URL: driver, Listen: "127.0.0.1", CA: ca, Capabilities: gridChromeCaps(t)}
	s, err := Start(ctx, Config{Engine: corsproof.Chromium, Policies: scenarios.Policies(), Remote: rc, FetchTimeout: 15 * time.Second, Logf: offboxLogf(t)})
	if err != nil {
		t.Fatalf("a session on the ChromeDriver: %v", err)
	}
	remote := remoteSummaries(t, s.Runner().RunAll(ctx, list, RunOptions{}))
	if err := s.Close(); err != nil {
		t.Errorf("closing the session: %v", err)
	}
	compareSummaries(t, local, remote)
}

package browser_test

import (
	"context"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
)

// firefoxUnder is what the tests need of the harness's Firefox engine.
type firefoxUnder interface {
	browser.Engine
	PID() int
	ProfileDir() string
}

// TestFirefox checks what only Firefox has, in the Firefox the conformance
// table ran in (one browser per test binary: the machine has two cores),
// launched through the harness's topology and proxy, then closes it and
// proves nothing is left. What every engine must do is in
// TestEngineConformance.
func TestFirefox(t *testing.T) {
	env := sharedEngine(t, corsproof.Firefox)
	defer env.Close()
	e, ctx := env.e, env.ctx
	ff := harness.Unwrap(e).(firefoxUnder) // closed through e, which also stops the proxy
	if testing.Verbose() {
		browser.SetFirefoxTraceHook(func(url string, evs []string) {
			log.Printf("trace %s:\n  %s", url, strings.Join(evs, "\n  "))
		})
		defer browser.SetFirefoxTraceHook(nil)
	}
	fetch := fetcher(ctx, e, ffAppPage)

	// Measurement only (timing goals live in benchmarks).
	t.Run("Rate", func(t *testing.T) {
		const n = 50
		start := time.Now()
		for range n {
			u, _ := ffURL("acao=" + ffApp + "&acam=PUT")
			if o := fetch(t, browser.Fetch{URL: u, Method: "PUT"}); !o.Allowed {
				t.Fatalf("%+v", o)
			}
		}
		d := time.Since(start)
		t.Logf("%d preflighted PUTs in %v: %.0f fetches/s", n, d.Round(time.Millisecond), n/d.Seconds())
	})

	// Leak test: Close leaves no process of the browser's group and no
	// profile dir.
	pid, dir := ff.PID(), ff.ProfileDir()
	if pid <= 0 || dir == "" {
		t.Fatalf("pid %d, profile %q", pid, dir)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("profile dir missing while running: %v", err)
	}
	if browser.FirefoxGroupAlive(pid) < 2 {
		t.Errorf("expected the browser and its content processes to run; %d alive", browser.FirefoxGroupAlive(pid))
	}
	if err := env.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if n := browser.FirefoxGroupAlive(pid); n != 0 {
		t.Errorf("%d firefox processes outlived Close", n)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("profile dir %s outlived Close (%v)", dir, err)
	}
	dirsAfter, _ := filepath.Glob(browser.FirefoxProfileGlob())
	for _, d := range dirsAfter {
		if !slices.Contains(env.dirsBefore, d) {
			t.Errorf("new profile dir left behind: %s", d)
		}
	}
	if _, err := e.Fetch(context.Background(), browser.Fetch{PageURL: ffAppPage, URL: ffAPI + "/after-close"}); err == nil {
		t.Error("Fetch after Close should fail")
	}
}

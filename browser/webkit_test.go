package browser_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/internal/testenv"
)

// webkitUnder is what the tests need of the WebKit engine.
type webkitUnder interface {
	browser.Engine
	DriverPID() int
	XvfbPID() int
	Display() string
	TempDir() string
}

// needWebKit returns the driver's path, or skips (fails when CI=true)
// with the install hint.
func needWebKit(t *testing.T) string {
	t.Helper()
	return testenv.Found(t, "webkit", browser.FindWebKit)
}

// TestWebKit checks what only WebKit has, in the WebKitGTK the conformance
// table ran in (MiniBrowser under WebKitWebDriver, on a private Xvfb,
// behind the harness's topology and proxy so the pages have their real
// names), then closes it and proves nothing is left. What every engine
// must do is in TestEngineConformance.
func TestWebKit(t *testing.T) {
	env := sharedEngine(t, corsproof.WebKit)
	defer env.Close()
	e, ctx, api, topo := env.e.(webkitUnder), env.ctx, env.api, env.topo
	fetch := fetcher(ctx, e, ffAppPage)

	t.Run("AuthorizationCoveredByWildcard", func(t *testing.T) {
		// spec.WebKit's AuthorizationCoveredByWildcard rests on this.
		u, _ := ffURL("acao=*&acah=*")
		o := fetch(t, browser.Fetch{URL: u, Headers: []browser.Header{{Name: "Authorization", Value: "Bearer x"}}})
		if !o.Allowed {
			t.Fatalf("WebKitGTK 2.50 let * cover Authorization; now: %+v", o)
		}
	})

	t.Run("PreflightCache", func(t *testing.T) {
		// spec.WebKit's max-age data, as far as it can be measured quickly:
		// a cached preflight is reused, and a negative max-age caches
		// nothing (the standard would cache it for 5 s).
		for _, c := range []struct {
			maxAge string
			want   []string
		}{
			{"60", []string{"OPTIONS", "PUT", "PUT"}},
			{"-1", []string{"OPTIONS", "PUT", "OPTIONS", "PUT"}},
		} {
			u, p := ffURL("acao=" + ffApp + "&acam=PUT&max-age=" + c.maxAge)
			for range 2 {
				if o := fetch(t, browser.Fetch{URL: u, Method: "PUT"}); !o.Allowed {
					t.Fatalf("%+v", o)
				}
			}
			if got := methods(api.requests(p)); !slices.Equal(got, c.want) {
				t.Errorf("max-age %s: server saw %v, want %v", c.maxAge, got, c.want)
			}
		}
	})

	t.Run("SetCookieRefusesNonHTTP", func(t *testing.T) {
		if err := e.SetCookie(ctx, "ftp://x/", browser.Cookie{Name: "a", Value: "b"}); err == nil {
			t.Error("a non-HTTP URL should be refused")
		}
	})

	t.Run("UnmappedPageIsAnError", func(t *testing.T) {
		// The proxy refuses names outside the topology: loading such a page
		// is an infrastructure error, not an observation.
		_, err := e.Fetch(ctx, browser.Fetch{PageURL: "https://nowhere.test/", URL: ffAPI + "/x"})
		if err == nil || !strings.Contains(err.Error(), "nowhere.test") || !strings.Contains(err.Error(), "webkit") {
			t.Fatalf("want an error naming the page, got %v", err)
		}
	})

	t.Run("HungFetchEndsWithCtx", func(t *testing.T) {
		// A fetch that never settles ends with its ctx, and the engine
		// stays usable right away.
		u, _ := ffURL("acao=*&hang=1")
		hctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		start := time.Now()
		_, err := e.Fetch(hctx, browser.Fetch{PageURL: ffAppPage, URL: u})
		if err == nil || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("want a deadline error, got %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("the hung fetch took %v to end", d)
		}
		start = time.Now()
		u, _ = ffURL("acao=*")
		if o := fetch(t, browser.Fetch{URL: u}); !o.Allowed {
			t.Fatalf("%+v", o)
		}
		t.Logf("next fetch after the hung one took %v", time.Since(start))
	})

	// Measurement only (timing goals live in benchmarks).
	t.Run("Rate", func(t *testing.T) {
		const n = 50
		start := time.Now()
		for range n {
			u, _ := ffURL("acao=" + ffApp + "&acam=PUT")
			o, err := e.Fetch(ctx, browser.Fetch{PageURL: ffAppPage, URL: u, Method: "PUT"})
			if err != nil || !o.Allowed {
				t.Fatalf("%v %+v", err, o)
			}
		}
		d := time.Since(start)
		t.Logf("%d preflighted PUTs in %v: %.0f fetches/s", n, d.Round(time.Millisecond), n/d.Seconds())
	})

	// Measurement only: one window per origin page, switched per fetch
	// (the pages are loaded already), against the same-page rate above.
	t.Run("AlternatingPagesRate", func(t *testing.T) {
		nullPage, err := topo.PageURL("null")
		if err != nil {
			t.Fatal(err)
		}
		const n = 40
		start := time.Now()
		for i := range n {
			page, want := ffAppPage, ffApp
			if i%2 == 1 {
				page, want = nullPage, "null"
			}
			u, p := ffURL("acao=*")
			o, err := e.Fetch(ctx, browser.Fetch{PageURL: page, URL: u})
			if err != nil || !o.Allowed {
				t.Fatalf("%v %+v", err, o)
			}
			if got := originOf(api.requests(p)); got != want {
				t.Fatalf("fetch %d from %s sent Origin %q, want %q", i, page, got, want)
			}
		}
		d := time.Since(start)
		t.Logf("%d GETs alternating between two windows in %v: %.0f fetches/s", n, d.Round(time.Millisecond), n/d.Seconds())
	})

	// Leak test: Close leaves no process of the driver's group (MiniBrowser,
	// WebKitWebProcess, WebKitNetworkProcess), no Xvfb, no temp dir and no
	// X lock or socket.
	dpid, xpid, dir, disp := e.DriverPID(), e.XvfbPID(), e.TempDir(), e.Display()
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("temp dir missing while running: %v", err)
	}
	if n := browser.GroupAlive(dpid); n < 3 {
		t.Errorf("expected the driver, MiniBrowser and its WebKit processes in one group; %d alive", n)
	}
	running := webkitProcs()
	t.Logf("running: %v", running)
	if err := env.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if n := browser.GroupAlive(dpid); n != 0 {
		t.Errorf("%d webkit processes outlived Close", n)
	}
	if xpid != 0 && browser.GroupAlive(xpid) != 0 {
		t.Errorf("Xvfb outlived Close")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("temp dir %s outlived Close (%v)", dir, err)
	}
	if disp != "" {
		n := strings.TrimPrefix(disp, ":")
		for _, f := range []string{"/tmp/.X" + n + "-lock", "/tmp/.X11-unix/X" + n} {
			if _, err := os.Stat(f); !os.IsNotExist(err) {
				t.Errorf("%s outlived Close", f)
			}
		}
	}
	// Every WebKit or Xvfb process of this engine's process groups, seen
	// while it ran, must be gone. Other runs' processes on the machine (a
	// parallel test binary, another user) are not this engine's business.
	for _, p := range running {
		pid, _, _ := strings.Cut(p, " ")
		if g := pgidOf(pid); g != 0 && (g == dpid || g == xpid) {
			t.Errorf("process left behind: %s", p)
		}
	}
	if _, err := e.Fetch(context.Background(), browser.Fetch{PageURL: ffAppPage, URL: ffAPI + "/after-close"}); !errors.Is(err, browser.ErrWebKitClosed) {
		t.Errorf("Fetch after Close = %v, want ErrWebKitClosed", err)
	}
}

func originOf(rs []*http.Request) string {
	if len(rs) == 0 {
		return "(no request)"
	}
	return rs[0].Header.Get("Origin")
}

func methods(rs []*http.Request) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Method)
	}
	return out
}

// webkitProcs lists "pid name" of the live processes the engine may start.
// pgidOf is the process group of a live, non-zombie process, 0 otherwise.
func pgidOf(pid string) int {
	stat, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(stat[i+1:])) // state ppid pgrp ...
	if len(f) < 3 || f[0] == "Z" {
		return 0
	}
	g, _ := strconv.Atoi(f[2])
	return g
}

func webkitProcs() []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil {
			continue
		}
		name := strings.TrimSpace(string(comm))
		switch {
		case strings.HasPrefix(name, "WebKit"), name == "MiniBrowser", name == "Xvfb":
			stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
			if i := strings.LastIndexByte(string(stat), ')'); i > 0 && len(stat) > i+2 && (stat[i+2] == 'Z') {
				continue
			}
			out = append(out, e.Name()+" "+name)
		}
	}
	return out
}

// TestWebKitStartErrors: a missing driver, a missing MiniBrowser and a bad
// display are clear errors that name the engine and leave nothing behind.
func TestWebKitStartErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t.Run("MissingDriver", func(t *testing.T) {
		t.Setenv(browser.EnvWebKitDriver, "/nonexistent/WebKitWebDriver")
		_, err := browser.LaunchWebKit(ctx, browser.WebKitOptions{})
		var nf *browser.NotFoundError
		if !errors.As(err, &nf) || !strings.Contains(err.Error(), "webkit") || !strings.Contains(err.Error(), "/nonexistent/WebKitWebDriver") ||
			!strings.Contains(err.Error(), browser.EnvWebKitDriver) || !strings.Contains(err.Error(), "apt-get install -y webkit2gtk-driver xvfb") {
			t.Fatalf("want a NotFoundError naming webkit, the path, the variable and the install hint, got %v", err)
		}
		t.Setenv(browser.EnvWebKitDriver, "")
		t.Setenv("PATH", t.TempDir())
		_, err = browser.FindWebKit()
		if !errors.As(err, &nf) || !strings.Contains(err.Error(), "apt-get install -y webkit2gtk-driver xvfb") {
			t.Fatalf("want the install hint, got %v", err)
		}
	})
	driver := needWebKit(t)
	dirsBefore, _ := filepath.Glob(browser.WebKitTmpGlob())
	t.Run("MissingMiniBrowser", func(t *testing.T) {
		_, err := browser.LaunchWebKit(ctx, browser.WebKitOptions{DriverPath: driver, BrowserPath: "/nonexistent/MiniBrowser"})
		var nf *browser.NotFoundError
		if !errors.As(err, &nf) || !strings.Contains(err.Error(), "webkit") || !strings.Contains(err.Error(), "/nonexistent/MiniBrowser") {
			t.Fatalf("want a NotFoundError naming webkit and the path, got %v", err)
		}
		t.Log(err)
	})
	t.Run("DriverExitsAtStart", func(t *testing.T) {
		// A "driver" that exits at once stands for a driver crash.
		_, err := browser.LaunchWebKit(ctx, browser.WebKitOptions{DriverPath: "/bin/false"})
		if err == nil || !strings.Contains(err.Error(), "webkit") || !strings.Contains(err.Error(), "exited") {
			t.Fatalf("want an error naming webkit and the exit, got %v", err)
		}
		t.Log(err)
	})
	t.Run("NoSuchDisplay", func(t *testing.T) {
		if _, err := exec.LookPath("Xvfb"); err != nil {
			t.Skip(err)
		}
		_, err := browser.LaunchWebKit(ctx, browser.WebKitOptions{DriverPath: driver, Display: ":4711"})
		if err == nil || !strings.Contains(err.Error(), "webkit") {
			t.Fatalf("want an error naming webkit, got %v", err)
		}
		t.Log(err)
	})
	dirsAfter, _ := filepath.Glob(browser.WebKitTmpGlob())
	for _, d := range dirsAfter {
		if !slices.Contains(dirsBefore, d) {
			t.Errorf("a failed launch left %s", d)
		}
	}
}

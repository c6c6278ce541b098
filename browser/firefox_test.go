package browser_test

import (
	"github.com/corsproof/corsproof"
	"context"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
)

// firefoxUnder is what the tests need of the harness's Firefox engine.
type firefoxUnder interface {
	browser.Engine
	PID() int
	ProfileDir() string
}

// TestFirefox drives one Firefox (the machine has two cores: one browser
// per test binary) through the harness's topology and proxy, then closes it
// and proves nothing is left.
func TestFirefox(t *testing.T) {
	path, err := browser.FindFirefox()
	if err != nil {
		if os.Getenv("CI") == "true" { // CI installs every engine: missing is a failure
			t.Fatal(err)
		}
		t.Skip(err)
	}
	logf := func(f string, a ...any) {
		if testing.Verbose() {
			log.Printf(f, a...)
		}
	}
	api := newQueryAPI()
	topo, err := harness.StartTopology(harness.TopologyConfig{
		Sites: []corsproof.Site{
			{Name: "app", Origin: ffApp, Class: "allowed"},
			{Name: "null", Origin: "null", Class: "null", Host: "https://sandbox.example.test", Sandboxed: true},
		},
		APIOrigins: []string{ffAPI},
		API:        api,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer topo.Close()

	dirsBefore, _ := filepath.Glob(browser.FirefoxProfileGlob())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	e, err := harness.Launch(ctx, harness.EngineConfig{Engine: corsproof.Firefox, ExecPath: path, Topology: topo, Logf: logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s started in %v", e.Version(), time.Since(start).Round(time.Millisecond))
	ff := harness.Unwrap(e).(firefoxUnder) // closed through e, which also stops the proxy
	closed := false
	defer func() {
		if !closed {
			e.Close()
		}
	}()
	if testing.Verbose() {
		browser.SetFirefoxTraceHook(func(url string, evs []string) {
			log.Printf("trace %s:\n  %s", url, strings.Join(evs, "\n  "))
		})
		defer browser.SetFirefoxTraceHook(nil)
	}
	if !strings.HasPrefix(e.Version(), "Firefox/") || e.Name() != "firefox" {
		t.Errorf("Name/Version = %q/%q", e.Name(), e.Version())
	}

	fetch := fetcher(ctx, e, ffAppPage)

	t.Run("SimpleGETAllowed", func(t *testing.T) {
		u, p := ffURL("acao=" + ffApp)
		o := fetch(t, browser.Fetch{URL: u})
		if !o.Allowed || o.Status != 200 || o.Body != "hello GET "+p {
			t.Fatalf("want allowed 200 with the body, got %+v", o)
		}
		if o.CorsError != "" || o.Preflight != nil {
			t.Errorf("no reason and no preflight expected: %+v", o)
		}
		if len(o.Actual) != 1 || o.Actual[0].Status != 200 || o.Actual[0].Method != "GET" {
			t.Fatalf("actual exchange = %+v", o.Actual)
		}
		if v, _ := browser.HeaderValue(o.Actual[0].RequestHeaders, "Origin"); v != ffApp {
			t.Errorf("wire Origin = %q, want %q (headers %v)", v, ffApp, o.Actual[0].RequestHeaders)
		}
		if v, _ := browser.HeaderValue(o.Actual[0].ResponseHeaders, "Access-Control-Allow-Origin"); v != ffApp {
			t.Errorf("wire ACAO = %q", v)
		}
		if !slices.Contains(o.Unavailable, "blocked_cookies") {
			t.Errorf("BiDi cannot report blocked cookies; Unavailable = %v", o.Unavailable)
		}
	})

	t.Run("SimpleGETBlockedMissingACAO", func(t *testing.T) {
		u, p := ffURL("")
		o := fetch(t, browser.Fetch{URL: u})
		if o.Allowed || o.CorsError != "MissingAllowOriginHeader" {
			t.Fatalf("want blocked MissingAllowOriginHeader, got %+v", o)
		}
		if !strings.Contains(o.Error, "NetworkError") {
			t.Errorf("script error = %q", o.Error)
		}
		if n := len(api.requests(p)); n != 1 {
			t.Errorf("a blocked simple GET still reaches the server once; saw %d", n)
		}
		if len(o.Actual) != 1 || o.Actual[0].Status != 200 {
			t.Errorf("the blocked response's wire status should be visible: %+v", o.Actual)
		}
	})

	t.Run("AllowOriginMismatch", func(t *testing.T) {
		u, _ := ffURL("acao=https://other.test")
		o := fetch(t, browser.Fetch{URL: u})
		if o.Allowed || o.CorsError != "AllowOriginMismatch" {
			t.Fatalf("want AllowOriginMismatch, got %+v", o)
		}
	})

	t.Run("CredentialedWildcard", func(t *testing.T) {
		u, _ := ffURL("acao=*")
		o := fetch(t, browser.Fetch{URL: u, Credentials: "include"})
		if o.Allowed || o.CorsError != "WildcardOriginNotAllowed" {
			t.Fatalf("want WildcardOriginNotAllowed, got %+v", o)
		}
	})

	t.Run("PreflightedPUTBlocked", func(t *testing.T) {
		u, p := ffURL("acao=" + ffApp) // no Access-Control-Allow-Methods
		o := fetch(t, browser.Fetch{URL: u, Method: "PUT", Body: "x"})
		if o.Allowed || o.CorsError != "MethodDisallowedByPreflightResponse" || o.FailedParameter != "PUT" {
			t.Fatalf("want MethodDisallowedByPreflightResponse/PUT, got %+v", o)
		}
		hits := api.requests(p)
		if len(hits) != 1 || hits[0].Method != http.MethodOptions {
			t.Fatalf("server should see only the OPTIONS, saw %d requests", len(hits))
		}
		if len(o.Actual) != 0 {
			t.Errorf("the PUT was never sent, yet Actual = %+v", o.Actual)
		}
		switch {
		case o.Preflight != nil:
			if o.Preflight.Method != "OPTIONS" || o.Preflight.Status != 204 {
				t.Errorf("preflight = %+v", o.Preflight)
			}
			if v, _ := browser.HeaderValue(o.Preflight.RequestHeaders, "Access-Control-Request-Method"); v != "PUT" {
				t.Errorf("preflight ACRM = %q", v)
			}
		case slices.Contains(o.Unavailable, "preflight"):
			t.Log("Firefox's BiDi does not report preflights")
		default:
			t.Errorf("the preflight is neither observed nor marked unavailable: %+v", o)
		}
	})

	t.Run("PreflightedPUTAllowed", func(t *testing.T) {
		u, p := ffURL("acao=" + ffApp + "&acam=PUT")
		o := fetch(t, browser.Fetch{URL: u, Method: "PUT", Body: "x"})
		if !o.Allowed || o.Body != "hello PUT "+p {
			t.Fatalf("want allowed, got %+v", o)
		}
		if o.Preflight == nil && !slices.Contains(o.Unavailable, "preflight") {
			t.Errorf("preflight neither observed nor unavailable")
		}
		if len(o.Actual) != 1 || o.Actual[0].Method != "PUT" {
			t.Errorf("actual = %+v", o.Actual)
		}
	})

	t.Run("HeaderDisallowed", func(t *testing.T) {
		u, _ := ffURL("acao=" + ffApp + "&acah=x-foo")
		o := fetch(t, browser.Fetch{URL: u, Headers: []browser.Header{{Name: "X-Bar", Value: "1"}}})
		if o.Allowed || o.CorsError != "HeaderDisallowedByPreflightResponse" || o.FailedParameter != "x-bar" {
			t.Fatalf("want HeaderDisallowedByPreflightResponse/x-bar, got %+v", o)
		}
	})

	t.Run("ExposedHeaders", func(t *testing.T) {
		u, _ := ffURL("acao=" + ffApp + "&x=1&aceh=X-Exposed")
		o := fetch(t, browser.Fetch{URL: u})
		if !o.Allowed {
			t.Fatalf("want allowed: %+v", o)
		}
		if _, ok := browser.HeaderValue(o.Headers, "X-Exposed"); !ok {
			t.Errorf("X-Exposed should be readable: %v", o.Headers)
		}
		if _, ok := browser.HeaderValue(o.Headers, "X-Hidden"); ok {
			t.Errorf("X-Hidden must not be readable: %v", o.Headers)
		}
		if len(o.Actual) != 1 {
			t.Fatalf("actual = %+v", o.Actual)
		}
		if v, _ := browser.HeaderValue(o.Actual[0].ResponseHeaders, "X-Hidden"); v != "2" {
			t.Errorf("the wire still carries X-Hidden: %v", o.Actual[0].ResponseHeaders)
		}
	})

	t.Run("NullOriginFromSandboxedPage", func(t *testing.T) {
		page, err := topo.PageURL("null")
		if err != nil {
			t.Fatal(err)
		}
		u, p := ffURL("acao=null")
		o := fetch(t, browser.Fetch{PageURL: page, URL: u})
		if !o.Allowed {
			t.Fatalf("ACAO null answers an opaque origin: %+v", o)
		}
		hits := api.requests(p)
		if len(hits) != 1 || hits[0].Header.Get("Origin") != "null" {
			t.Fatalf("server should see Origin: null, saw %v", hits)
		}
	})

	t.Run("SetCookieIsSentOnCredentialedFetch", func(t *testing.T) {
		u, p := ffURL("acao=" + ffApp + "&acac=true")
		if err := e.SetCookie(ctx, ffAPI+p, browser.Cookie{Name: "sid", Value: "s3cret", Path: p, Secure: true, SameSite: "None"}); err != nil {
			t.Fatal(err)
		}
		o := fetch(t, browser.Fetch{URL: u, Credentials: "include"})
		if !o.Allowed {
			t.Fatalf("want allowed: %+v", o)
		}
		hits := api.requests(p)
		if len(hits) != 1 || hits[0].Header.Get("Cookie") != "sid=s3cret" {
			t.Fatalf("the stored cookie should reach the API: %v", hits)
		}
		// And not on a fetch that omits credentials.
		o = fetch(t, browser.Fetch{URL: u + "&again=1", Credentials: "omit"})
		hits = api.requests(p)
		if !o.Allowed || len(hits) != 2 || hits[1].Header.Get("Cookie") != "" {
			t.Fatalf("credentials omit must send no cookie: %+v", hits)
		}
	})

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
	closed = true
	if err := e.Close(); err != nil {
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
		if !slices.Contains(dirsBefore, d) {
			t.Errorf("new profile dir left behind: %s", d)
		}
	}
	if _, err := e.Fetch(ctx, browser.Fetch{PageURL: ffAppPage, URL: ffAPI + "/after-close"}); err == nil {
		t.Error("Fetch after Close should fail")
	}
}

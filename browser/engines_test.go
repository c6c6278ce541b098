package browser_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/internal/testenv"
)

// What the engine tests share: the origins, an API that answers as the
// query says, unique URLs, a fetch helper and the launch of each engine
// behind a topology of its own.

const (
	ffApp     = "https://app.example.test"
	ffAPI     = "https://api.example.test"
	ffAppPage = ffApp + "/"
	// wkAPI2 is a second API origin, same site as the app, for redirects.
	wkAPI2 = "https://api2.example.test"
)

// queryAPI answers as the query says (the language of the Chromium tests'
// API): acao, acac, acam, acah, aceh and max-age set the CORS headers,
// preflight and actual alike; x adds X-Exposed and X-Hidden; setcookie adds
// a Set-Cookie; redirect answers 302 to it; hang never answers. The actual
// response echoes the sid cookie in X-Got-Cookie. It records what reached
// it, by path.
type queryAPI struct {
	mu   sync.Mutex
	hits map[string][]*http.Request
}

func newQueryAPI() *queryAPI { return &queryAPI{hits: map[string][]*http.Request{}} }

func (s *queryAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path] = append(s.hits[r.URL.Path], r)
	s.mu.Unlock()
	q, h := r.URL.Query(), w.Header()
	for param, name := range map[string]string{
		"acao": "Access-Control-Allow-Origin", "acac": "Access-Control-Allow-Credentials",
		"acam": "Access-Control-Allow-Methods", "acah": "Access-Control-Allow-Headers",
		"aceh": "Access-Control-Expose-Headers", "max-age": "Access-Control-Max-Age",
	} {
		if v, ok := q[param]; ok {
			h.Set(name, v[0])
		}
	}
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if q.Has("hang") {
		<-r.Context().Done() // until the browser gives up
		return
	}
	if to := q.Get("redirect"); to != "" {
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	if q.Has("x") {
		h.Set("X-Exposed", "1")
		h.Set("X-Hidden", "2")
	}
	if v := q.Get("setcookie"); v != "" {
		h.Add("Set-Cookie", v)
	}
	if c, err := r.Cookie("sid"); err == nil {
		h.Set("X-Got-Cookie", c.Value)
	}
	h.Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "hello %s %s", r.Method, r.URL.Path)
}

func (s *queryAPI) requests(path string) []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

var ffCount atomic.Int64

// ffURL is a URL on the API no other test uses, and its path.
func ffURL(query string) (url, path string) {
	path = fmt.Sprintf("/ff/%d-%d", os.Getpid(), ffCount.Add(1))
	return ffAPI + path + "?" + query, path
}

// fetcher runs fetches in e from page (unless the Fetch names its own) and
// logs each observation; an engine error fails the test.
func fetcher(ctx context.Context, e browser.Engine, page string) func(*testing.T, browser.Fetch) browser.Observation {
	return func(t *testing.T, f browser.Fetch) browser.Observation {
		t.Helper()
		if f.PageURL == "" {
			f.PageURL = page
		}
		o, err := e.Fetch(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("observation: %+v", o)
		return o
	}
}

// engineEnv is one engine under test with its own topology (the app page,
// a sandboxed page for Origin: null, the API under ffAPI and wkAPI2) and
// the query API behind it.
type engineEnv struct {
	name corsproof.Engine
	e    browser.Engine
	topo *harness.Topology
	api  *queryAPI
	ctx  context.Context
	// dirsBefore are Firefox's profile dirs before this launch.
	dirsBefore []string
	launched   time.Duration

	stop   []func() error // after the engine: proxy, topology, ctx
	closed bool
}

// Close closes the engine, then what was started for it, once.
func (env *engineEnv) Close() error {
	shared.mu.Lock()
	if shared.m[env.name] == env {
		delete(shared.m, env.name)
	}
	shared.mu.Unlock()
	if env.closed {
		return nil
	}
	env.closed = true
	err := env.e.Close()
	for _, f := range env.stop {
		err = errors.Join(err, f())
	}
	return err
}

// shared holds the engines a test launched for a later test to reuse:
// TestEngineConformance runs its table in the Firefox and WebKit that
// TestFirefox and TestWebKit then check and close (a launch costs seconds,
// Firefox's ten). What no test closed is closed when the tests end.
var shared = struct {
	mu sync.Mutex
	m  map[corsproof.Engine]*engineEnv
}{m: map[corsproof.Engine]*engineEnv{}}

func init() {
	browser.AtTestExit(func() {
		shared.mu.Lock()
		var left []*engineEnv
		for _, env := range shared.m {
			left = append(left, env)
		}
		shared.mu.Unlock()
		for _, env := range left {
			env.Close()
		}
	})
}

// sharedEngine is the running engine of that name, launched now if there
// is none. A browser that is not installed skips t (fails it under CI=true).
func sharedEngine(t *testing.T, name corsproof.Engine) *engineEnv {
	t.Helper()
	shared.mu.Lock()
	env := shared.m[name]
	shared.mu.Unlock()
	if env != nil {
		return env
	}
	env = launchEnv(t, name)
	shared.mu.Lock()
	shared.m[name] = env
	shared.mu.Unlock()
	return env
}

func testLogf(f string, a ...any) {
	if testing.Verbose() {
		log.Printf(f, a...)
	}
}

// launchEnv starts the topology and the engine: Chromium and Firefox
// through harness.Launch (host rules, or the proxy), WebKit behind
// harness.StartProxy on a private Xvfb unless CORSPROOF_TEST_DISPLAY names
// a display (the WebKit leak check covers the Xvfb).
func launchEnv(t *testing.T, name corsproof.Engine) *engineEnv {
	t.Helper()
	var find func() (string, error)
	switch name {
	case corsproof.Chromium:
		find = browser.FindChromium
	case corsproof.Firefox:
		find = browser.FindFirefox
	case corsproof.WebKit:
		find = browser.FindWebKit
	}
	path := testenv.Found(t, string(name), find)
	api := newQueryAPI()
	topo, err := harness.StartTopology(harness.TopologyConfig{
		Sites: []corsproof.Site{
			{Name: "app", Origin: ffApp, Class: "allowed"},
			{Name: "null", Origin: "null", Class: "null", Host: "https://sandbox.example.test", Sandboxed: true},
		},
		APIOrigins: []string{ffAPI, wkAPI2},
		API:        api,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	env := &engineEnv{name: name, topo: topo, api: api, ctx: ctx,
		stop: []func() error{topo.Close, func() error { cancel(); return nil }}}
	fail := func(err error) {
		for _, f := range env.stop {
			f()
		}
		testenv.Started(t, string(name), err)
	}
	lctx, lcancel := context.WithTimeout(ctx, 3*time.Minute)
	defer lcancel()
	env.dirsBefore, _ = filepath.Glob(browser.FirefoxProfileGlob())
	start := time.Now()
	switch name {
	case corsproof.WebKit:
		proxy, err := harness.StartProxy(topo.HostRules(), testLogf)
		if err != nil {
			fail(err)
		}
		env.stop = append([]func() error{proxy.Close}, env.stop...)
		env.e, err = browser.LaunchWebKit(lctx, browser.WebKitOptions{
			DriverPath: path, ProxyURL: proxy.URL(), AcceptInsecureCerts: true, Logf: testLogf,
			Display: os.Getenv("CORSPROOF_TEST_DISPLAY"), // empty: a private Xvfb
		})
		if err != nil {
			fail(err)
		}
	default:
		env.e, err = harness.Launch(lctx, harness.EngineConfig{Engine: name, ExecPath: path, Topology: topo, Logf: testLogf})
		if err != nil {
			fail(err)
		}
	}
	env.launched = time.Since(start)
	t.Logf("%s started in %v", env.e.Version(), env.launched.Round(time.Millisecond))
	return env
}

// page is the URL of a topology site's origin page.
func (env *engineEnv) page(t *testing.T, site string) string {
	t.Helper()
	u, err := env.topo.PageURL(site)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

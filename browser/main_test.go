package browser

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
)

// One browser for the whole package, as chromedp's own tests do: a launch
// costs about as much as a hundred fetches. Each test uses its own unique
// URLs, so tests never share cache or preflight-cache entries.
var (
	engine   *Chromium
	skipWhy  string // set when no browser is installed outside CI
	site     *testSite
	urlCount atomic.Int64
)

// Hosts the tests use. All map to one loopback TLS server; the handler
// tells them apart by Host.
const (
	appHost  = "app.example.test" // the usual origin page
	apiHost  = "api.example.test" // the API: same site as app, other origin
	evilHost = "evil.test"        // a cross-site origin page
	appPage  = "https://" + appHost + "/"
	evilPage = "https://" + evilHost + "/"
	apiBase  = "https://" + apiHost
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

// atExit runs when the tests are over, before the package's Chromium
// closes: the external tests close the engines they kept for each other.
var atExit []func()

// AtTestExit registers f to run when every test has run (for package
// browser_test, which cannot have a TestMain of its own).
func AtTestExit(f func()) { atExit = append(atExit, f) }

func runTests(m *testing.M) int {
	code := m.Run()
	for _, f := range atExit {
		f()
	}
	return code
}

func runMain(m *testing.M) int {
	flag.Parse()
	site = newTestSite()
	defer site.Close()

	if _, err := FindChromium(); err != nil {
		if os.Getenv("CI") == "true" {
			// Never skip silently in CI: a missing browser there is a
			// broken setup, not a reason to pass.
			fmt.Fprintln(os.Stderr, "FAIL: CI=true and", err)
			return 1
		}
		skipWhy = err.Error()
		return runTests(m)
	}
	var err error
	engine, err = LaunchChromium(context.Background(), site.options())
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: launching Chromium:", err)
		return 1
	}
	code := runTests(m)
	if err := engine.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: closing Chromium:", err)
		code = 1
	}
	return code
}

// needBrowser skips the test when no browser is installed (never in CI;
// TestMain fails there first).
func needBrowser(tb testing.TB) *Chromium {
	tb.Helper()
	if engine == nil {
		tb.Skip(skipWhy)
	}
	return engine
}

// uniqueURL returns a fresh API URL for one fetch; query parameters tell the
// test API what to answer (see testSite.api).
func uniqueURL(query string) string {
	u := fmt.Sprintf("%s/t/%d", apiBase, urlCount.Add(1))
	if query != "" {
		u += "?" + query
	}
	return u
}

// testSite is the loopback HTTPS server behind every test host.
type testSite struct {
	srv *httptest.Server
}

func newTestSite() *testSite {
	s := &testSite{}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(ioDiscard{}, "", 0) // TLS chatter from the browser's probes
	s.srv.StartTLS()
	return s
}

type ioDiscard struct{}

func (ioDiscard) Write(p []byte) (int, error) { return len(p), nil }

func (s *testSite) Close() { s.srv.Close() }

// options maps the test hosts to the server and pins its certificate.
func (s *testSite) options() Options {
	_, port, _ := net.SplitHostPort(s.srv.Listener.Addr().String())
	to := "127.0.0.1:" + port
	return Options{
		HostRules: map[string]string{appHost + ":443": to, apiHost + ":443": to, evilHost + ":443": to},
		SPKIPins:  []string{SPKIPin(s.srv.Certificate())},
		Logf: func(f string, a ...any) {
			if testing.Verbose() {
				log.Printf(f, a...)
			}
		},
	}
}

func (s *testSite) serve(w http.ResponseWriter, r *http.Request) {
	host, _, _ := strings.Cut(r.Host, ":")
	switch host {
	case apiHost:
		s.api(w, r)
	case appHost, evilHost:
		if r.URL.Path == "/sandboxed" {
			// An opaque origin for a top-level page: its fetches send
			// Origin: null.
			w.Header().Set("Content-Security-Policy", "sandbox allow-scripts")
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!doctype html><title>origin</title>")
	default:
		http.NotFound(w, r)
	}
}

// api answers as the query says, for OPTIONS and the actual request alike:
//
//	acao, acac, acam, acah, aceh   the CORS response headers
//	setcookie                      a Set-Cookie value
//	x                              X-Exposed: 1 and X-Hidden: 2
//	dup                            two X-Dup lines
//	status                         the actual response's status
//	hang                           never answer
func (s *testSite) api(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	h := w.Header()
	for param, name := range map[string]string{
		"acao": "Access-Control-Allow-Origin", "acac": "Access-Control-Allow-Credentials",
		"acam": "Access-Control-Allow-Methods", "acah": "Access-Control-Allow-Headers",
		"aceh": "Access-Control-Expose-Headers",
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
	if v := q.Get("setcookie"); v != "" {
		h.Add("Set-Cookie", v)
	}
	if q.Has("x") {
		h.Set("X-Exposed", "1")
		h.Set("X-Hidden", "2")
	}
	if q.Has("dup") {
		h.Add("X-Dup", "a")
		h.Add("X-Dup", "b")
	}
	h.Set("Content-Type", "text/plain")
	if c, err := r.Cookie("sid"); err == nil {
		h.Set("X-Got-Cookie", c.Value)
	}
	status := http.StatusOK
	if v := q.Get("status"); v != "" {
		fmt.Sscan(v, &status)
	}
	w.WriteHeader(status)
	fmt.Fprintf(w, "hello %s %s", r.Method, r.URL.Path)
}

package harness

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

func TestLiveTargetURLsAndThePathThePolicySees(t *testing.T) {
	p := mustParsePolicy(t, `origins: [https://app.example.com]`)
	tests := []struct {
		desc, target, path string
		wantURL, wantPath  string
	}{
		{desc: "no base path", target: "http://127.0.0.1:8080", path: "/api/items",
			wantURL: "http://127.0.0.1:8080/api/items?cp=tok", wantPath: "/api/items"},
		{desc: "a base path, with trailing slash", target: "https://staging.example.com/v2/", path: "/api/items",
			wantURL: "https://staging.example.com/v2/api/items?cp=tok", wantPath: "/api/items"},
		{desc: "a path with a query", target: "https://staging.example.com", path: "/search?q=a",
			wantURL: "https://staging.example.com/search?q=a&cp=tok", wantPath: "/search"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			lt, err := NewLiveTarget(tt.target, p)
			if err != nil {
				t.Fatal(err)
			}
			s := corsproof.Scenario{ID: "x", Request: corsproof.Request{Path: tt.path}}
			got, _ := lt.URL(s, "tok")
			if got != tt.wantURL {
				t.Errorf("URL = %q, want %q", got, tt.wantURL)
			}
			_, pathOf, _ := lt.Policy(s)
			u, _ := url.Parse(got)
			if p := pathOf(u); p != tt.wantPath {
				t.Errorf("the policy sees %q, want %q", p, tt.wantPath)
			}
			if lt.Reached("tok") != nil {
				t.Error("a live target claims to know whether a request reached it")
			}
		})
	}
}

func TestNewLiveTargetRejectsWhatIsNoBaseURL(t *testing.T) {
	p := mustParsePolicy(t, `origins: []`)
	for _, bad := range []string{"localhost:8080", "ftp://example.com", "https://", "http://x/?a=1", "http://u:p@x/"} {
		if _, err := NewLiveTarget(bad, p); err == nil {
			t.Errorf("%q accepted as a target", bad)
		}
	}
}

func TestLiveTargetCookiesAreSentCrossSiteOnlyWhereTheyCanBe(t *testing.T) {
	p := mustParsePolicy(t, `origins: []`)
	for _, tt := range []struct {
		target     string
		wantSecure bool
	}{
		{"https://api.example.com", true},
		{"http://127.0.0.1:8080", true},
		{"http://localhost:8080", true},
		{"http://api.example.com", false},
	} {
		lt, _ := NewLiveTarget(tt.target, p)
		c, err := lt.ParseCookie("sid=a=b")
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "sid" || c.Value != "a=b" || c.Path != "/" || !c.HTTPOnly {
			t.Errorf("%s: cookie %+v", tt.target, c)
		}
		if c.Secure != tt.wantSecure || (c.SameSite == "None") != tt.wantSecure {
			t.Errorf("%s: Secure=%v SameSite=%q, want Secure=%v", tt.target, c.Secure, c.SameSite, tt.wantSecure)
		}
	}
}

func TestProbeTargetSaysWhy(t *testing.T) {
	p := mustParsePolicy(t, `origins: []`)
	probe := func(target string, roots ...*x509.Certificate) error {
		lt, err := NewLiveTarget(target, p)
		if err != nil {
			t.Fatal(err)
		}
		return ProbeTarget(context.Background(), lt, 2*time.Second, roots)
	}
	kind := func(err error) string {
		var te *TargetError
		if errors.As(err, &te) {
			return te.Kind
		}
		return "none: " + errString(err)
	}

	ok := httptest.NewServer(http.NotFoundHandler()) // any status is an answer
	defer ok.Close()
	if err := probe(ok.URL); err != nil {
		t.Errorf("a 404 server: %v", err)
	}
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	if k := kind(probe(tlsSrv.URL)); k != TargetTLS {
		t.Errorf("a self-signed server: kind %s, want %s", k, TargetTLS)
	}
	if err := probe(tlsSrv.URL, tlsSrv.Certificate()); err != nil {
		t.Errorf("a self-signed server with its certificate as root: %v", err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if k := kind(probe("http://" + addr)); k != TargetUnreachable {
		t.Errorf("a closed port: kind %s, want %s", k, TargetUnreachable)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// liveTestAPI is a live API on 127.0.0.1 with a hand-written CORS layer
// allowing https://app.example.com with credentials; /slow never answers.
type liveTestAPI struct {
	mu      sync.Mutex
	cookies map[string]string // token → Cookie header of the actual request
	stop    chan struct{}
}

func (a *liveTestAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/slow" {
		select {
		case <-a.stop:
		case <-r.Context().Done():
		}
		return
	}
	if o := r.Header.Get("Origin"); o == "https://app.example.com" {
		w.Header().Set("Access-Control-Allow-Origin", o)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
	}
	if r.Method != http.MethodOptions {
		a.mu.Lock()
		a.cookies[r.URL.Query().Get("cp")] = r.Header.Get("Cookie")
		a.mu.Unlock()
	}
	w.Write([]byte("ok"))
}

// TestLiveRunInChromium runs a live check's building blocks in one browser:
// an https origin page fetching an http://127.0.0.1 target, a target that
// hangs, the user's cookie, and an https target trusted as an anchor.
func TestLiveRunInChromium(t *testing.T) {
	testenv.Found(t, "chromium", browser.FindChromium)
	api := &liveTestAPI{cookies: map[string]string{}, stop: make(chan struct{})}
	srv := httptest.NewServer(api)
	defer srv.Close()
	defer close(api.stop)
	tlsSrv := httptest.NewUnstartedServer(api)
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	defer tlsSrv.Close()

	p := mustParsePolicy(t, "origins: [https://app.example.com]\ncredentials: true\n")
	target, err := NewLiveTarget(srv.URL, p)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := target.ParseCookie("sid=s3cret")
	target.Cookies = []browser.Cookie{c}
	sites := []corsproof.Site{
		{Name: "app", Class: corsproof.ClassAllowed, Origin: "https://app.example.com"},
		{Name: "evil", Class: corsproof.ClassCrossSite, Origin: "https://evil.corsproof.test"},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	run, err := Start(ctx, Config{
		Live: target, Sites: sites, FetchTimeout: 2 * time.Second,
		CAs: []*x509.Certificate{tlsSrv.Certificate()},
	})
	testenv.Started(t, "chromium with a trusted CA (certutil)", err)
	defer run.Close()
	if rules := run.Topology.HostRules(); len(rules) != 2 || rules["app.example.com:443"] == "" || rules["evil.corsproof.test:443"] == "" {
		t.Errorf("host rules = %v, want exactly the two pages", rules)
	}

	get := func(site, path string, cred spec.CredentialsMode) corsproof.Scenario {
		return corsproof.Scenario{ID: site + path + string(cred), Site: site, Session: cred == spec.CredentialsInclude,
			Request: corsproof.Request{Path: path, Method: "GET", Credentials: cred}}
	}

	// An https page may fetch http://127.0.0.1: it is potentially
	// trustworthy, so no mixed-content block, and loopback to loopback
	// is no Local Network Access request.
	res := run.Runner().Run(ctx, get("app", "/items", ""), 0)
	if res.Verdict != corsproof.VerdictPass || !res.Browser.Allowed {
		t.Errorf("https page → http://127.0.0.1: %s: %s", res.VerdictLabel(), res.Explanation)
	}
	if res.Observation != nil && (res.Observation.NetError != "" || res.Observation.CorsError != "") {
		t.Errorf("blocked by the network or CORS: %+v", res.Observation)
	}
	res = run.Runner().Run(ctx, get("evil", "/items", ""), 0)
	if res.Verdict != corsproof.VerdictPass || res.Browser.Allowed {
		t.Errorf("evil page: %s: %s", res.VerdictLabel(), res.Explanation)
	}

	// A target that hangs ends the fetch at the timeout as an error, never
	// a verdict, and the browser goes on working.
	start := time.Now()
	res = run.Runner().Run(ctx, get("app", "/slow", ""), 0)
	if res.Verdict != corsproof.VerdictError {
		t.Errorf("hanging target: %s: %s", res.VerdictLabel(), res.Explanation)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the hanging fetch took %v with a 2 s timeout", d)
	}
	res = run.Runner().Run(ctx, get("app", "/items", ""), 1)
	if res.Verdict != corsproof.VerdictPass {
		t.Errorf("after a hang: %s: %s", res.VerdictLabel(), res.Explanation)
	}

	// The user's cookie rides on credentialed fetches to the target.
	s := get("app", "/me", spec.CredentialsInclude)
	res = run.Runner().Run(ctx, s, 0)
	if res.Verdict != corsproof.VerdictPass {
		t.Errorf("credentialed: %s: %s", res.VerdictLabel(), res.Explanation)
	}
	u, _ := url.Parse(res.URL)
	api.mu.Lock()
	sent := api.cookies[u.Query().Get("cp")]
	api.mu.Unlock()
	t.Logf("credentialed fetch from https://app.example.com to %s: Cookie %q, diagnoses %v", srv.URL, sent, res.Diagnoses)
	// Chromium blocks third-party cookies by default, and the page and
	// 127.0.0.1 are cross-site: either the cookie is sent, or a diagnosis
	// says that no CORS header could make it so.
	if !strings.Contains(sent, "sid=s3cret") && !strings.Contains(strings.Join(res.Diagnoses, " "), "cookie-dropped") {
		t.Errorf("the cookie was not sent (%q) and no diagnosis says why: %v", sent, res.Diagnoses)
	}

	// An https target with a self-signed CA certificate, trusted as a
	// trust anchor in the browser's own NSS database.
	tlsTarget, _ := NewLiveTarget(tlsSrv.URL, p)
	tlsRunner := *run.Runner()
	tlsRunner.Target = tlsTarget
	res = tlsRunner.Run(ctx, get("app", "/items", ""), 0)
	if res.Verdict != corsproof.VerdictPass || !res.Browser.Allowed {
		t.Errorf("trusted https target: %s: %s", res.VerdictLabel(), res.Explanation)
	}
}

func mustParsePolicy(t *testing.T, yaml string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse("policy.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("policy: %v", err)
	}
	return p
}

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
)

// checkPolicy is the small policy the end-to-end checks run: one endpoint,
// one method, so a run is a few dozen fetches.
const checkPolicy = `# the API's CORS policy
origins: [https://app.example.com]
methods: [PUT]
request_headers: [X-Request-Id]
expose_headers: [X-Total-Count]
credentials: true
endpoints:
  - {path: /api/items, methods: [GET]}
`

const checkAllowed = "https://app.example.com"

// checkAPI is a small API with a hand-written CORS middleware, the way an
// API in any language would do it: it keeps checkPolicy faithfully, or makes
// one of the real-world mistakes.
type checkAPI struct {
	// reflectAny echoes every Origin, with credentials.
	reflectAny bool
	// noPreflight forgets the preflight handler: the router answers 405.
	noPreflight bool
	// hang never answers the API's paths (the reachability check on / works).
	hang chan struct{}
}

func (a checkAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/" {
		w.WriteHeader(http.StatusOK)
		return
	}
	if a.hang != nil {
		select {
		case <-a.hang:
		case <-r.Context().Done():
		}
		return
	}
	origin := r.Header.Get("Origin")
	allowed := origin == checkAllowed || a.reflectAny && origin != ""
	w.Header().Add("Vary", "Origin")
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		if a.noPreflight {
			w.Header().Set("Allow", "GET")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if allowed {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			w.Header().Set("Access-Control-Allow-Methods", "PUT")
			w.Header().Set("Access-Control-Allow-Headers", "X-Request-Id")
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.URL.Path != "/api/items" {
		http.NotFound(w, r)
		return
	}
	if allowed {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Set("Access-Control-Expose-Headers", "X-Total-Count")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Total-Count", "2")
	w.Write([]byte(`[{"id":1},{"id":2}]`))
}

// startAPI serves h on 127.0.0.1 over plain HTTP.
func checkStartAPI(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func checkWriteFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// needChromium skips without a browser, except in CI where it fails.
func checkNeedChromium(t *testing.T) {
	t.Helper()
	if _, err := browser.FindChromium(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and no browser: %v", err)
		}
		t.Skipf("no Chromium (%v); install it with 'apt-get install chromium' or set CORSPROOF_CHROME", err)
	}
}

// cliEnv runs Main with an environment.
func checkCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code = Main(ctx, args, func(k string) string { return env[k] }, &out, &errb)
	return code, out.String(), errb.String()
}

// checkReport is the one engine's run of a JSON report.
type checkReport struct {
	Results []struct {
		ID          string `json:"id"`
		Verdict     string `json:"verdict"`
		Severity    string `json:"severity"`
		Explanation string `json:"explanation"`
		Origin      string `json:"origin"`
	} `json:"results"`
}

func checkReadReport(t *testing.T, path string) checkReport {
	t.Helper()
	doc := readJSONReport[struct{ Runs []checkReport }](t, path)
	if len(doc.Runs) != 1 {
		t.Fatalf("JSON report %s has %d runs, want one engine's", path, len(doc.Runs))
	}
	r := doc.Runs[0]
	if len(r.Results) == 0 {
		t.Fatalf("JSON report %s has no results", path)
	}
	return r
}

// readJSONReport decodes a JSON report file into T.
func readJSONReport[T any](t *testing.T, path string) T {
	t.Helper()
	var r T
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no JSON report: %v", err)
	}
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("JSON report: %v\n%.2000s", err, data)
	}
	return r
}

// TestCheckLiveAPIs is the "done when": check against servers on
// 127.0.0.1, from https origin pages, in real Chromium.
func TestCheckLiveAPIs(t *testing.T) {
	checkNeedChromium(t)
	pol := checkWriteFile(t, "policy.yaml", checkPolicy)

	t.Run("a correctly configured API passes", func(t *testing.T) {
		target := checkStartAPI(t, checkAPI{})
		report := filepath.Join(t.TempDir(), "report.json")
		code, stdout, stderr := checkCLI(t, nil, "check", "--policy", pol, "--target", target, "--json", report)
		if code != exitOK {
			t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		r := checkReadReport(t, report)
		passed := 0
		for _, res := range r.Results {
			if res.Verdict == "pass" {
				passed++
			}
		}
		if passed != len(r.Results) {
			t.Errorf("%d of %d scenarios passed", passed, len(r.Results))
		}
	})

	t.Run("reflecting any origin with credentials is a security mismatch", func(t *testing.T) {
		target := checkStartAPI(t, checkAPI{reflectAny: true})
		report := filepath.Join(t.TempDir(), "report.json")
		code, stdout, stderr := checkCLI(t, nil, "check", "--policy", pol, "--target", target, "--json", report)
		if code != exitMismatch {
			t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		r := checkReadReport(t, report)
		found := false
		for _, res := range r.Results {
			if res.ID == "get-api-items-evil-cred" {
				found = true
				if res.Verdict != "server-mismatch" || res.Severity != "security" {
					t.Errorf("%s: %s (%s), want server-mismatch (security): %s", res.ID, res.Verdict, res.Severity, res.Explanation)
				}
				if !strings.Contains(res.Explanation, "https://evil.corsproof.test") {
					t.Errorf("the explanation does not name the attacker origin: %s", res.Explanation)
				}
			}
			if res.Verdict == "server-mismatch" && res.Severity != "security" {
				t.Errorf("%s: severity %s, want security: %s", res.ID, res.Severity, res.Explanation)
			}
		}
		if !found {
			t.Errorf("no result for get-api-items-evil-cred")
		}
		if !strings.Contains(stdout, "get-api-items-evil-cred") {
			t.Errorf("the terminal report does not list the failing scenario:\n%s", stdout)
		}
	})

	t.Run("a missing preflight handler is a broken mismatch", func(t *testing.T) {
		target := checkStartAPI(t, checkAPI{noPreflight: true})
		report := filepath.Join(t.TempDir(), "report.json")
		code, stdout, stderr := checkCLI(t, nil, "check", "--policy", pol, "--target", target, "--json", report)
		if code != exitMismatch {
			t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		r := checkReadReport(t, report)
		var broken []string
		for _, res := range r.Results {
			if res.Verdict == "server-mismatch" {
				if res.Severity != "broken" {
					t.Errorf("%s: severity %s, want broken: %s", res.ID, res.Severity, res.Explanation)
				}
				broken = append(broken, res.ID)
			}
		}
		if strings.Join(broken, ",") != "get-api-items-app-h-x-request-id" {
			t.Errorf("broken scenarios = %v, want exactly the allowed preflighted one", broken)
		}
	})
}

func TestCheckPlanPrintsScenariosAndSendsNothing(t *testing.T) {
	var mu sync.Mutex
	hits := 0
	target := checkStartAPI(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
	}))
	pol := checkWriteFile(t, "policy.yaml", checkPolicy)
	// No browser either: a bad browser path would fail a launch.
	code, stdout, stderr := checkCLI(t, map[string]string{"CORSPROOF_CHROME": "/nonexistent/chromium"},
		"check", "--policy", pol, "--target", target, "--plan", "--header", "Authorization: Bearer t0k")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"get-api-items-evil-cred", "https://evil.corsproof.test", "GET /api/items +Authorization cred=include",
		"get-api-items-app-h-x-request-id", "null",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the plan lacks %q:\n%s", want, stdout)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if hits != 0 {
		t.Errorf("--plan sent %d requests to the target", hits)
	}
}

func TestCheckMethodsFilter(t *testing.T) {
	pol := checkWriteFile(t, "policy.yaml", `origins: [https://app.example.com]
methods: [DELETE]
endpoints: [{path: /api/items/1, methods: [GET, DELETE]}]
`)
	code, stdout, stderr := checkCLI(t, nil, "check", "--policy", pol, "--target", "http://127.0.0.1:1", "--plan")
	if code != exitOK || !strings.Contains(stdout, "DELETE /api/items/1") {
		t.Fatalf("exit %d; by default the endpoint's listed DELETE is planned:\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = checkCLI(t, nil, "check", "--policy", pol, "--target", "http://127.0.0.1:1", "--plan", "--methods", "GET,HEAD")
	if code != exitOK || strings.Contains(stdout, "DELETE") || !strings.Contains(stdout, "GET /api/items/1") {
		t.Fatalf("exit %d; --methods GET,HEAD must drop DELETE:\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = checkCLI(t, nil, "check", "--policy", pol, "--target", "http://127.0.0.1:1", "--plan", "--methods", "PATCH")
	if code != exitUsage || !strings.Contains(stderr, "no scenario to run") {
		t.Fatalf("exit %d, want 2 with no scenario: %s", code, stderr)
	}
}

// garbageServer accepts TCP connections and answers with something that is
// not HTTP.
func checkGarbageServer(t *testing.T, answer string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				if answer == "" { // hang until the test ends
					c.SetDeadline(time.Now().Add(30 * time.Second))
					buf := make([]byte, 1024)
					go func() { <-done; c.Close() }()
					for {
						if _, err := c.Read(buf); err != nil {
							return
						}
					}
				}
				c.Read(make([]byte, 1024))
				c.Write([]byte(answer))
			}()
		}
	}()
	return ln.Addr().String()
}

func TestCheckBadInput(t *testing.T) {
	pol := checkWriteFile(t, "policy.yaml", checkPolicy)
	badPol := checkWriteFile(t, "bad.yaml", "origins: [https://app.example.com]\nmethods: [GET]\ncredentials: yes please\n")

	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()

	tlsSrv := httptest.NewUnstartedServer(checkAPI{})
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	caFile := checkWriteFile(t, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw})))
	wrongCA := checkWriteFile(t, "wrong.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: checkOtherCert(t)})))
	good := checkStartAPI(t, checkAPI{})

	tests := []struct {
		desc string
		env  map[string]string
		args []string
		code int
		want []string // all in stderr
	}{
		{desc: "no policy", args: []string{"--target", good}, code: exitUsage, want: []string{"--policy FILE is required"}},
		{desc: "no target", args: []string{"--policy", pol}, code: exitUsage, want: []string{"--target URL is required"}},
		{desc: "a malformed policy names file and line", args: []string{"--policy", badPol, "--target", good},
			code: exitUsage, want: []string{badPol + ":3:"}},
		{desc: "a missing policy file", args: []string{"--policy", "/nonexistent.yaml", "--target", good},
			code: exitUsage, want: []string{"cannot read the policy", "/nonexistent.yaml"}},
		{desc: "a target that is no http(s) URL", args: []string{"--policy", pol, "--target", "ftp://localhost:8080"},
			code: exitUsage, want: []string{"must be an http:// or https:// URL"}},
		{desc: "a target without a scheme", args: []string{"--policy", pol, "--target", "localhost:8080"},
			code: exitUsage, want: []string{"has no scheme: add http://", "--target http://localhost:8080"}},
		{desc: "a forbidden header", args: []string{"--policy", pol, "--target", good, "--header", "Cookie: a=b"},
			code: exitUsage, want: []string{"use --cookie"}},
		{desc: "a malformed header", args: []string{"--policy", pol, "--target", good, "--header", "Authorization"},
			code: exitUsage, want: []string{"want 'Name: value'"}},
		{desc: "a malformed cookie", args: []string{"--policy", pol, "--target", good, "--cookie", "session"},
			code: exitUsage, want: []string{"want name=value"}},
		{desc: "an unreachable target", args: []string{"--policy", pol, "--target", "http://" + closedAddr},
			code: exitInfra, want: []string{"http://" + closedAddr, "unreachable", "connection refused"}},
		{desc: "a target that is not HTTP", args: []string{"--policy", pol, "--target", "http://" + checkGarbageServer(t, "SSH-2.0-OpenSSH_9.2\r\n")},
			code: exitInfra, want: []string{"is not an HTTP server"}},
		{desc: "a target that hangs", args: []string{"--policy", pol, "--target", "http://" + checkGarbageServer(t, ""), "--timeout", "300ms"},
			code: exitInfra, want: []string{"did not answer", "no answer within 300ms"}},
		{desc: "http:// to a TLS server", args: []string{"--policy", pol, "--target", strings.Replace(tlsSrv.URL, "https:", "http:", 1)},
			code: exitInfra, want: []string{"use https://"}},
		{desc: "https:// to a plain server", args: []string{"--policy", pol, "--target", strings.Replace(good, "http:", "https:", 1)},
			code: exitInfra, want: []string{"does not speak TLS", "use http://"}},
		{desc: "a self-signed https target", args: []string{"--policy", pol, "--target", tlsSrv.URL},
			code: exitInfra, want: []string{"TLS", "certificate", "never weakens", "--ca FILE"}},
		{desc: "a self-signed https target with the wrong --ca", args: []string{"--policy", pol, "--target", tlsSrv.URL, "--ca", wrongCA},
			code: exitInfra, want: []string{"TLS", "does not make the target's certificate valid"}},
		{desc: "an unreadable --ca", args: []string{"--policy", pol, "--target", tlsSrv.URL, "--ca", pol},
			code: exitUsage, want: []string{"holds no PEM certificate"}},
		{desc: "a missing browser", env: map[string]string{"CORSPROOF_CHROME": "/nonexistent/chromium"},
			args: []string{"--policy", pol, "--target", good}, code: exitInfra, want: []string{"/nonexistent/chromium", "apt-get install"}},
		{desc: "the right --ca and a missing browser get past the TLS check", env: map[string]string{"CORSPROOF_CHROME": "/nonexistent/chromium"},
			args: []string{"--policy", pol, "--target", tlsSrv.URL, "--ca", caFile}, code: exitInfra, want: []string{"/nonexistent/chromium", "apt-get install"}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			start := time.Now()
			code, _, stderr := checkCLI(t, tt.env, append([]string{"check"}, tt.args...)...)
			t.Log(stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("a stack trace:\n%s", stderr)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// checkOtherCert is the certificate of an unrelated CA.
func checkOtherCert(t *testing.T) []byte {
	t.Helper()
	_, caDER := newTestCA(t)
	return caDER
}

// newTestCA makes a CA of its own and its leaf certificate for 127.0.0.1;
// caDER is the CA's certificate.
func newTestCA(t *testing.T) (leaf *tls.Certificate, caDER []byte) {
	t.Helper()
	ca, err := harness.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	leaf, err = ca.Leaf("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return leaf, leaf.Certificate[len(leaf.Certificate)-1]
}

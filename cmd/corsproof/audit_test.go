package main

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/policy"
)

func auditMock(t *testing.T, fault string) string {
	t.Helper()
	var f mockapi.Fault
	if fault != "" {
		var ok bool
		if f, ok = mockapi.FaultByName(fault); !ok {
			t.Fatalf("no fault %q", fault)
		}
	}
	srv := httptest.NewServer(mockapi.New(policy.Default(), mockapi.WithFault(f)))
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server is not on loopback: %s", srv.URL)
	}
	return srv.URL + "/api/items"
}

func writePolicy(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "policy", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAuditExitCodes(t *testing.T) {
	pol := writePolicy(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String() + "/api/items"
	l.Close()
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("origins: [https://app.example.test/]\n"), 0o644)

	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // in stdout
		stderr string // in stderr
	}{
		{name: "conforming server", args: []string{"--target", auditMock(t, ""), "--policy", pol}, code: exitOK, stdout: "no findings"},
		{name: "reflected origin with credentials", args: []string{"--target", auditMock(t, "reflect-origin-credentials")}, code: exitMismatch, stdout: "origin-reflected-credentials"},
		{name: "trusted origin given by flag", args: []string{"--target", auditMock(t, "http-origin-accepted"), "--origin", "https://app.example.test"}, code: exitMismatch, stdout: "downgrade-origin-allowed"},
		{name: "no target", args: nil, code: exitUsage, stderr: "--target is required"},
		{name: "target not an http(s) URL", args: []string{"--target", "ftp://api.example.com/items"}, code: exitUsage, stderr: "not an absolute http(s) URL"},
		{name: "target without a scheme", args: []string{"--target", "api.example.com"}, code: exitUsage, stderr: "add https://: --target https://api.example.com"},
		{name: "bad origin", args: []string{"--target", auditMock(t, ""), "--origin", "app.example.test"}, code: exitUsage, stderr: "is not an origin"},
		{name: "bad policy names file and line", args: []string{"--target", auditMock(t, ""), "--policy", bad}, code: exitUsage, stderr: "bad.yaml:1:"},
		{name: "target down", args: []string{"--target", down, "--timeout", "2s"}, code: exitInfra, stderr: "unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, append([]string{"audit"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stdout lacks %q or stderr lacks %q\nstdout:\n%s\nstderr:\n%s", tt.stdout, tt.stderr, stdout, stderr)
			}
		})
	}
}

func TestAuditWritesJSONFindings(t *testing.T) {
	out := filepath.Join(t.TempDir(), "audit.json")
	code, _, stderr := cli(t, "audit", "--target", auditMock(t, "allow-null"), "--policy", writePolicy(t), "--json", out)
	if code != exitMismatch {
		t.Fatalf("exit code = %d (%s)", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Findings []struct {
			ID, Severity, Title, Explanation string
			Probe                            struct {
				Method, URL, Origin string
				Status              int
			}
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, f := range doc.Findings {
		if f.ID == "null-origin-allowed" && f.Severity == "security" && f.Probe.Origin == "null" && f.Probe.Method == "GET" && f.Probe.Status == 200 {
			return
		}
	}
	t.Fatalf("no security null-origin-allowed finding with its probe in:\n%s", data)
}

// frameworkAPI answers like a web framework whose CORS layer covers its API
// routes only: the policy's endpoints get the policy's answer (/api/me with
// its preflights' Access-Control-Allow-Headers cut short when brokenMe),
// every other path, / included, a 404 without CORS headers.
func frameworkAPI(t *testing.T, pol *policy.Policy, brokenMe bool) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slices.ContainsFunc(pol.Endpoints, func(e policy.Endpoint) bool { return e.Path == r.URL.Path }) {
			http.NotFound(w, r)
			return
		}
		a := pol.Answer(policy.RequestFrom(r))
		for k, v := range a.Header {
			w.Header()[k] = v
		}
		if brokenMe && r.URL.Path == "/api/me" && w.Header().Get("Access-Control-Allow-Headers") != "" {
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		}
		if a.Preflight {
			w.WriteHeader(a.Status)
		}
	}))
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server is not on loopback: %s", srv.URL)
	}
	return srv.URL
}

func TestAuditProbesThePolicysEndpointsNotTheTargetsRoot(t *testing.T) {
	const rules = "origins: [https://app.example.test]\nmethods: [GET, PUT]\nrequest_headers: [Content-Type, X-Request-Id]\ncredentials: true\n"
	const endpoints = "endpoints:\n  - {path: /api/items, methods: [GET, PUT]}\n  - {path: /api/me, methods: [GET]}\n"
	dir := t.TempDir()
	withEndpoints, withoutEndpoints := filepath.Join(dir, "api.yaml"), filepath.Join(dir, "rules.yaml")
	os.WriteFile(withEndpoints, []byte(rules+endpoints), 0o644)
	os.WriteFile(withoutEndpoints, []byte(rules), 0o644)
	pol, err := policy.Load(withEndpoints)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("conforming endpoints, 404 at the root", func(t *testing.T) {
		base := frameworkAPI(t, pol, false)
		// Before: the root alone was probed and its 404 a broken preflight.
		code, stdout, stderr := cli(t, "audit", "--target", base, "--policy", withoutEndpoints)
		if code != exitMismatch || !strings.Contains(stdout, "preflight-rejected") {
			t.Fatalf("the root's 404 is not the broken preflight the test is about: exit %d\n%s%s", code, stdout, stderr)
		}
		code, stdout, stderr = cli(t, "audit", "--target", base, "--policy", withEndpoints)
		if code != exitOK {
			t.Errorf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitOK, stdout, stderr)
		}
		for _, want := range []string{"endpoints probed: /api/items, /api/me\n", "no findings"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout)
			}
		}
	})

	t.Run("one broken endpoint", func(t *testing.T) {
		base := frameworkAPI(t, pol, true)
		out := filepath.Join(t.TempDir(), "audit.json")
		code, stdout, stderr := cli(t, "audit", "--target", base, "--policy", withEndpoints, "--json", out)
		if code != exitMismatch {
			t.Fatalf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitMismatch, stdout, stderr)
		}
		if !strings.Contains(stdout, "preflight-rejected") || !strings.Contains(stdout, "  at: /api/me\n") || strings.Contains(stdout, "/api/items\n") {
			t.Errorf("want preflight-rejected at /api/me only:\n%s", stdout)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Endpoints []string
			Findings  []struct {
				ID, Severity string
				Endpoints    []string
			}
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(doc.Endpoints, []string{"/api/items", "/api/me"}) {
			t.Errorf("json endpoints = %q", doc.Endpoints)
		}
		if len(doc.Findings) != 1 || doc.Findings[0].ID != "preflight-rejected" || !slices.Equal(doc.Findings[0].Endpoints, []string{"/api/me"}) {
			t.Errorf("want one preflight-rejected finding at /api/me in:\n%s", data)
		}
	})
}

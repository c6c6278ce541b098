package main

import (
	"encoding/json"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
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
		{name: "target not a URL", args: []string{"--target", "api.example.com"}, code: exitUsage, stderr: "not an absolute http(s) URL"},
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

package audit

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/policy"
)

// startMock serves the default policy on 127.0.0.1, with fault f (zero: none).
func startMock(t *testing.T, f mockapi.Fault) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(mockapi.New(policy.Default(), mockapi.WithFault(f)))
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL + "/api/items"
}

func audit(t *testing.T, cfg Config) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := Run(ctx, cfg)
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	return r
}

func TestAuditFindsEveryOriginMatchingFaultOfTheGallery(t *testing.T) {
	tests := []struct {
		fault    string
		id       string
		severity Severity
	}{
		{fault: "reflect-origin", id: "origin-reflected", severity: SeveritySecurity},
		{fault: "reflect-origin-credentials", id: "origin-reflected-credentials", severity: SeveritySecurity},
		{fault: "allow-null", id: "null-origin-allowed", severity: SeveritySecurity},
		{fault: "suffix-match", id: "suffix-origin-allowed", severity: SeveritySecurity},
		{fault: "prefix-match", id: "prefix-origin-allowed", severity: SeveritySecurity},
		{fault: "unescaped-dot", id: "unescaped-dot-origin-allowed", severity: SeveritySecurity},
		{fault: "subdomain-too-broad", id: "pre-domain-origin-allowed", severity: SeveritySecurity},
		{fault: "http-origin-accepted", id: "downgrade-origin-allowed", severity: SeveritySecurity},
		{fault: "wildcard-credentials", id: "wildcard-with-credentials", severity: SeverityBroken},
		{fault: "duplicate-acao", id: "acao-multiple-values", severity: SeverityBroken},
		{fault: "trailing-slash-acao", id: "acao-malformed", severity: SeverityBroken},
		{fault: "acac-capitalized", id: "acac-not-true", severity: SeverityBroken},
		{fault: "missing-vary", id: "vary-origin-missing", severity: SeverityBroken},
		{fault: "stateful-matcher", id: "stateful-answer", severity: SeverityBroken},
		// Not origin matching, but only the preflights show them.
		{fault: "acah-missing-header", id: "preflight-rejected", severity: SeverityBroken},
		{fault: "acam-case-mismatch", id: "preflight-rejected", severity: SeverityBroken},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			f, ok := mockapi.FaultByName(tt.fault)
			if !ok {
				t.Fatalf("no fault %q in the gallery", tt.fault)
			}
			r := audit(t, Config{Target: startMock(t, f), Policy: policy.Default()})
			got, ok := r.Has(tt.id)
			if !ok {
				t.Fatalf("no %s finding; findings:\n%s", tt.id, dump(r))
			}
			if got.Severity != tt.severity {
				t.Errorf("%s severity = %s, want %s", tt.id, got.Severity, tt.severity)
			}
			if got.Probe.Method == "" || got.Probe.Status == 0 || got.Explanation == "" || got.Title == "" {
				t.Errorf("finding lacks its proof or explanation: %+v", got)
			}
			if !r.Failed() {
				t.Error("Failed() = false with a finding")
			}
		})
	}
}

func TestConformingMockHasNoSecurityOrBrokenFinding(t *testing.T) {
	r := audit(t, Config{Target: startMock(t, mockapi.Fault{}), Policy: policy.Default()})
	for _, f := range r.Findings {
		if f.Severity != SeverityInfo {
			t.Errorf("conforming server: %s %s: %s (%s)", f.Severity, f.ID, f.Title, f.Explanation)
		}
	}
	if r.Requests == 0 || r.Requests > 600 {
		t.Errorf("requests = %d, want a bounded positive number", r.Requests)
	}
	// The preflights were sent and passed: some request was an OPTIONS.
	if len(r.Trusted) != 1 || r.Trusted[0] != "https://app.example.test" {
		t.Errorf("trusted = %v, want the policy's origin", r.Trusted)
	}
}

func TestReflectionWithoutPolicyOrCredentialsIsOnlyInfo(t *testing.T) {
	f, _ := mockapi.FaultByName("reflect-origin")
	r := audit(t, Config{Target: startMock(t, f), Trusted: []string{"https://app.example.test"}})
	got, ok := r.Has("origin-reflected")
	if !ok || got.Severity != SeverityInfo {
		t.Fatalf("want an info origin-reflected finding:\n%s", dump(r))
	}
	if _, ok := r.Has("suffix-origin-allowed"); ok {
		t.Error("crafted classes are reported one by one although the arbitrary origin is reflected")
	}
}

func TestNonBrowserOriginsAreSentVerbatim(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Origin"))
		// A matcher that cuts the host at the first odd character.
		if o := r.Header.Get("Origin"); strings.HasPrefix(o, "https://app.example.test`") {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		w.Header().Set("Vary", "Origin")
	}))
	defer srv.Close()
	r := audit(t, Config{Target: srv.URL + "/x", Trusted: []string{"https://app.example.test"}})
	f, ok := r.Has("special-char-origin-allowed")
	if !ok || f.Severity != SeveritySecurity || f.Probe.Origin != "https://app.example.test`.evil.test" {
		t.Fatalf("want a security special-char finding proved by the backtick origin:\n%s", dump(r))
	}
	for _, want := range []string{"null", "https://whatever.github.io", "https://app.example.test%60.evil.test", "https://app.example.test{.evil.test", "http://app.example.test", "https://app.example.test:8443"} {
		if !contains(got, want) {
			t.Errorf("origin %q was never sent", want)
		}
	}
}

func TestUnreachableTargetIsAnUnreachableError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = Run(context.Background(), Config{Target: "http://" + addr + "/", Timeout: 2 * time.Second})
	var ue *UnreachableError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want *UnreachableError", err)
	}
}

func TestBadConfigIsAConfigError(t *testing.T) {
	for _, cfg := range []Config{
		{Target: "api.example.com/x"},
		{Target: "ftp://example.com/"},
		{Target: "http://127.0.0.1:1/", Trusted: []string{"https://app.example.test/path"}},
	} {
		_, err := Run(context.Background(), cfg)
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%+v: err = %v, want *ConfigError", cfg, err)
		}
	}
}

func TestRequestBudgetIsEnforced(t *testing.T) {
	_, err := Run(context.Background(), Config{Target: startMock(t, mockapi.Fault{}), Policy: policy.Default(), MaxRequests: 10})
	if !errors.Is(err, ErrBudget) {
		t.Fatalf("err = %v, want ErrBudget", err)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func dump(r *Report) string {
	var b strings.Builder
	WriteText(&b, r)
	return b.String()
}

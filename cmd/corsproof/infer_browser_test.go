package main

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestInferThenCheckPassesInChromium is the round trip: for a
// correct real middleware, check --policy <inferred> passes in a real
// browser; with --openapi, check runs every operation of an OpenAPI 3.1
// document. Two checks, one engine: the machine is shared.
func TestInferThenCheckPassesInChromium(t *testing.T) {
	checkNeedChromium(t)
	tests := []struct {
		desc  string
		srv   *httptest.Server
		args  []string
		check []string
		ops   []string // result id prefixes every operation must have
	}{
		{desc: "rs/cors, endpoints from OpenAPI 3.1", srv: httptest.NewServer(inferRSCors()),
			args:  []string{"--origin", "https://app.example.com", "--openapi", "testdata/infer-items-3.1.yaml"},
			check: []string{"--openapi", "testdata/infer-items-3.1.yaml"},
			ops:   []string{"get-v1-items-app", "post-v1-items-app", "get-v1-items-42-app", "put-v1-items-42-app", "delete-v1-items-42-app"}},
		{desc: "go-chi/cors with a subdomain pattern", srv: httptest.NewServer(inferChiCors()),
			args: []string{"--origin", "https://app.example.com", "--endpoint", "/api/items:GET,PATCH"},
			ops:  []string{"get-api-items-", "patch-api-items-"}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			defer tt.srv.Close()
			pol := filepath.Join(t.TempDir(), "inferred.yaml")
			code, _, stderr := checkCLI(t, nil, append([]string{"infer", "--target", tt.srv.URL, "--out", pol}, tt.args...)...)
			if code != exitOK {
				t.Fatalf("infer: exit %d\n%s", code, stderr)
			}
			report := filepath.Join(t.TempDir(), "report.json")
			code, stdout, stderr := checkCLI(t, nil, append([]string{"check", "--policy", pol, "--target", tt.srv.URL, "--json", report, "--concurrency", "4"}, tt.check...)...)
			if code != exitOK {
				t.Fatalf("check --policy <inferred>: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			r := checkReadReport(t, report)
			for _, op := range tt.ops {
				n := 0
				for _, res := range r.Results {
					if strings.HasPrefix(res.ID, op) {
						n++
						if res.Verdict != "pass" {
							t.Errorf("%s: %s: %s", res.ID, res.Verdict, res.Explanation)
						}
					}
				}
				if n == 0 {
					t.Errorf("no scenario %s*: the operation was not checked", op)
				}
			}
		})
	}
}

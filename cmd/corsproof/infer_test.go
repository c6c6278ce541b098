package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	chicors "github.com/go-chi/cors"
	"github.com/rs/cors"

	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/policy"
)

var inferItems = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Total-Count", "2")
	w.Write([]byte(`[{"id":1},{"id":2}]`))
})

// inferRSCors is rs/cors configured as a proper policy, for the API of
// testdata/infer-items-3.1.yaml.
func inferRSCors() http.Handler {
	return cors.New(cors.Options{
		AllowedOrigins: []string{"https://app.example.com"},
		AllowedMethods: []string{"GET", "POST", "PUT", "DELETE"},
		AllowedHeaders: []string{"Content-Type", "X-Request-Id", "Authorization"},
		ExposedHeaders: []string{"X-Total-Count"}, AllowCredentials: true, MaxAge: 600,
	}).Handler(inferItems)
}

// inferChiCors is go-chi/cors with a subdomain pattern.
func inferChiCors() http.Handler {
	return chicors.Handler(chicors.Options{
		AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"GET", "PATCH"},
		AllowedHeaders: []string{"Content-Type"}, MaxAge: 300,
	})(inferItems)
}

func inferMock(t *testing.T, fault string) string {
	t.Helper()
	f, _ := mockapi.FaultByName(fault)
	srv := httptest.NewServer(mockapi.New(policy.Default(), mockapi.WithFault(f)))
	t.Cleanup(srv.Close)
	return srv.URL
}

var inferMockEndpoints = []string{"--endpoint", "/api/items:GET,HEAD,POST", "--endpoint", "/api/items/1:GET,PUT,PATCH,DELETE", "--endpoint", "/api/me:GET"}

func TestInferWritesThePolicyOrNamesTheCause(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cors.yaml")
	args := append([]string{"infer", "--target", inferMock(t, ""), "--origin", "https://app.example.test", "--out", out}, inferMockEndpoints...)
	code, stdout, stderr := cli(t, args...)
	if code != exitOK || stdout != "" || !strings.Contains(stderr, "wrote "+out) {
		t.Fatalf("conforming mock: exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	got, err := policy.Load(out)
	if err != nil {
		t.Fatalf("the written policy does not load: %v", err)
	}
	want := policy.Default()
	if strings.Join(got.Origins, ",") != strings.Join(want.Origins, ",") || !got.Credentials || got.MaxAge == nil || *got.MaxAge != 600 || len(got.Endpoints) != 3 {
		t.Errorf("inferred %+v, want the mock's %+v", got, want)
	}

	code, stdout, stderr = cli(t, append([]string{"infer", "--target", inferMock(t, "reflect-origin-credentials"), "--origin", "https://app.example.test"}, inferMockEndpoints...)...)
	if code != exitMismatch || !strings.Contains(stdout, "# - origin-accepted (reflect-origin-credentials): reflects any Origin with credentials: this is not") ||
		!strings.Contains(stderr, "origin-accepted") || !strings.Contains(stdout, "\norigins:\n") {
		t.Errorf("reflecting mock: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	// With the intended policy, a difference a policy can say is named too.
	intended := filepath.Join(t.TempDir(), "intended.yaml")
	data, err := os.ReadFile("../../policy/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(intended, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = cli(t, append([]string{"infer", "--target", inferMock(t, "max-age-ignored"), "--origin", "https://app.example.test", "--policy", intended}, inferMockEndpoints...)...)
	if code != exitMismatch || !strings.Contains(stdout, "# - max-age-differs:") {
		t.Errorf("max-age-ignored with the intended policy: exit %d\n%s", code, stdout)
	}
}

func TestInferTakesTheEndpointsOfAnOpenAPIDocument(t *testing.T) {
	srv := httptest.NewServer(inferRSCors())
	defer srv.Close()
	code, stdout, stderr := cli(t, "infer", "--target", srv.URL, "--origin", "https://app.example.com", "--openapi", "testdata/infer-items-3.1.yaml")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	p, err := policy.Parse("stdout", []byte(stdout))
	if err != nil {
		t.Fatal(err)
	}
	var eps []string
	for _, e := range p.Endpoints {
		eps = append(eps, e.Path+":"+strings.Join(e.Methods, ","))
	}
	if strings.Join(eps, " ") != "/v1/items:GET,POST /v1/items/42:GET,PUT,DELETE" {
		t.Errorf("endpoints %q", eps)
	}
	for _, h := range []string{"Content-Type", "X-Request-Id", "Authorization"} {
		if !strings.Contains(strings.Join(p.RequestHeaders, ","), h) {
			t.Errorf("request_headers %q lack %s", p.RequestHeaders, h)
		}
	}
}

func TestInferUsageAndInfrastructureErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "api.yaml")
	os.WriteFile(bad, []byte("openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths:\n  /a/{id}:\n    get:\n      parameters:\n        - {name: id, in: path}\n      responses: {'200': {description: ok}}\n"), 0o644)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	tests := []struct {
		desc string
		args []string
		code int
		want string
	}{
		{desc: "no target", args: []string{"infer"}, code: exitUsage, want: "--target is required"},
		{desc: "no scheme", args: []string{"infer", "--target", "api.example.com"}, code: exitUsage, want: "https://"},
		{desc: "bad origin", args: []string{"infer", "--target", "http://127.0.0.1:1", "--origin", "app.example.com"}, code: exitUsage, want: "is not an origin"},
		{desc: "bad endpoint", args: []string{"infer", "--target", "http://127.0.0.1:1", "--endpoint", "api/items"}, code: exitUsage, want: "a path starting with /"},
		{desc: "bad OpenAPI document", args: []string{"infer", "--target", "http://127.0.0.1:1", "--openapi", bad}, code: exitUsage, want: bad + ":5: "},
		{desc: "bad OpenAPI document in check", args: []string{"check", "--policy", writePolicy(t), "--target", "http://127.0.0.1:1", "--openapi", bad, "--plan"}, code: exitUsage, want: bad + ":5: "},
		{desc: "bad OpenAPI document in audit", args: []string{"audit", "--target", "http://127.0.0.1:1", "--openapi", bad}, code: exitUsage, want: bad + ":5: "},
		{desc: "target down", args: []string{"infer", "--target", down.URL, "--origin", "https://app.example.com"}, code: exitInfra, want: "unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			code, _, stderr := cli(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.want)
			}
		})
	}
}

func TestCheckAndAuditWithOpenAPITakeEveryOperation(t *testing.T) {
	srv := httptest.NewServer(inferRSCors())
	defer srv.Close()
	pol := checkWriteFile(t, "policy.yaml", "origins: [https://app.example.com]\nmethods: [PUT, DELETE]\nrequest_headers: [Content-Type, X-Request-Id, Authorization]\n"+
		"expose_headers: [X-Total-Count]\ncredentials: true\nmax_age: 600\nendpoints: [{path: /elsewhere}]\n")
	code, stdout, stderr := cli(t, "check", "--policy", pol, "--target", srv.URL, "--openapi", "testdata/infer-items-3.1.yaml", "--plan")
	if code != exitOK {
		t.Fatalf("check --plan: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, op := range []string{"GET /v1/items", "POST /v1/items", "GET /v1/items/42", "PUT /v1/items/42", "DELETE /v1/items/42"} {
		if !strings.Contains(stdout, op+" ") && !strings.Contains(stdout, op+"\n") {
			t.Errorf("the plan lacks %s:\n%s", op, stdout)
		}
	}
	if strings.Contains(stdout, "/elsewhere") {
		t.Errorf("the plan keeps the policy's own endpoint:\n%s", stdout)
	}
	code, stdout, stderr = cli(t, "audit", "--target", srv.URL, "--policy", pol, "--openapi", "testdata/infer-items-3.1.yaml", "--origin", "https://app.example.com")
	if code != exitOK || !strings.Contains(stdout, "endpoints probed: /v1/items, /v1/items/42") {
		t.Errorf("audit: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

package infer

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/openapi"
	"github.com/corsproof/corsproof/policy"
)

// serve serves h on 127.0.0.1 and returns its base URL.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// startMock serves the default policy, with fault f (zero: none).
func startMock(t *testing.T, f mockapi.Fault) string {
	return serve(t, mockapi.New(policy.Default(), mockapi.WithFault(f)))
}

// mockEndpoints are the mock's endpoints as its OpenAPI document says.
func mockEndpoints(t *testing.T) []Endpoint {
	t.Helper()
	api, err := openapi.Load("testdata/mockapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out []Endpoint
	for _, e := range api.Endpoints() {
		out = append(out, Endpoint{Path: e.Path, Methods: e.Methods, RequestHeaders: e.RequestHeaders, ResponseHeaders: e.ResponseHeaders})
	}
	return out
}

func infer(t *testing.T, cfg Config) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := Run(ctx, cfg)
	if err != nil {
		t.Fatalf("infer: %v", err)
	}
	return r
}

func yamlOf(t *testing.T, r *Result) string {
	t.Helper()
	var b strings.Builder
	if err := WriteYAML(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

package mockapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

// todoPolicy is an API none of whose paths the mock serves itself.
func todoPolicy() *policy.Policy {
	return &policy.Policy{
		Rules: policy.Rules{
			Origins:        []string{appOrigin},
			Methods:        []string{"PUT", "DELETE", "PATCH"},
			RequestHeaders: []string{"Content-Type"},
			ExposeHeaders:  []string{"X-Todo-Version", HeaderTotalCount, "Content-Type", "Set-Cookie"},
			Credentials:    true,
		},
		Endpoints: []policy.Endpoint{
			{Path: "/api/todos", Methods: []string{"GET", "POST"}},
			{Path: "/api/todos/{id}", Methods: []string{"GET", "PUT", "PATCH", "DELETE"}},
			{Path: "/api/todos/archive", Methods: []string{"POST"}},
			{Path: "/healthz"},
		},
	}
}

func setupPolicyEndpoints(t *testing.T, p *policy.Policy, opts ...Option) *testApp {
	t.Helper()
	s := New(p, append([]Option{WithPolicyEndpoints()}, opts...)...)
	return serveOnLoopback(t, s, s)
}

func TestPolicyEndpointsAnswerTheirMethodsWithThePolicysHeaders(t *testing.T) {
	app := setupPolicyEndpoints(t, todoPolicy())
	for _, tt := range []struct {
		desc, method, path string
		wantEndpoint       string
		wantParams         map[string]string
	}{
		{desc: "the collection's GET", method: "GET", path: "/api/todos", wantEndpoint: "/api/todos"},
		{desc: "GET brings HEAD", method: "HEAD", path: "/api/todos", wantEndpoint: "/api/todos"},
		{desc: "the collection's POST", method: "POST", path: "/api/todos", wantEndpoint: "/api/todos"},
		{desc: "a path parameter matches any id", method: "PUT", path: "/api/todos/42", wantEndpoint: "/api/todos/{id}", wantParams: map[string]string{"id": "42"}},
		{desc: "DELETE of one", method: "DELETE", path: "/api/todos/7", wantEndpoint: "/api/todos/{id}", wantParams: map[string]string{"id": "7"}},
		{desc: "a literal segment beats a parameter", method: "POST", path: "/api/todos/archive", wantEndpoint: "/api/todos/archive"},
		{desc: "an endpoint without methods serves GET", method: "GET", path: "/healthz", wantEndpoint: "/healthz"},
		{desc: "the path as the policy writes it, as check sends it", method: "GET", path: "/api/todos/%7Bid%7D", wantEndpoint: "/api/todos/{id}", wantParams: map[string]string{"id": "{id}"}},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			r := app.do(t, tt.method, tt.path, spec.HeaderOrigin, appOrigin)
			wantStatus(t, r, http.StatusOK)
			wantHeader(t, r, spec.HeaderAllowOrigin, appOrigin)
			wantHeader(t, r, spec.HeaderAllowCredentials, "true")
			wantHeader(t, r, spec.HeaderExposeHeaders, "X-Todo-Version, X-Total-Count, Content-Type, Set-Cookie")
			wantHeader(t, r, "X-Todo-Version", exposedValue)
			wantHeader(t, r, "Set-Cookie", "")
			if r.entry.Route != tt.wantEndpoint {
				t.Errorf("journal route = %q, want %q", r.entry.Route, tt.wantEndpoint)
			}
			if tt.method == "HEAD" {
				return
			}
			wantHeader(t, r, "Content-Type", "application/json")
			var body struct {
				Endpoint string            `json:"endpoint"`
				Method   string            `json:"method"`
				Params   map[string]string `json:"params"`
			}
			if err := json.Unmarshal([]byte(r.body), &body); err != nil {
				t.Fatalf("body %q: %v", r.body, err)
			}
			if body.Endpoint != tt.wantEndpoint || body.Method != tt.method || len(body.Params) != len(tt.wantParams) {
				t.Errorf("body %q, want endpoint %s, method %s, params %v", r.body, tt.wantEndpoint, tt.method, tt.wantParams)
			}
			for k, v := range tt.wantParams {
				if body.Params[k] != v {
					t.Errorf("params[%s] = %q, want %q", k, body.Params[k], v)
				}
			}
		})
	}
}

func TestPolicyEndpointsRefuseOtherMethodsAndPathsWithCORSHeaders(t *testing.T) {
	app := setupPolicyEndpoints(t, todoPolicy())
	for _, tt := range []struct {
		desc, method, path string
		wantStatus         int
		wantAllow          string
	}{
		{desc: "a method the endpoint lacks", method: "DELETE", path: "/api/todos", wantStatus: 405, wantAllow: "GET, POST, HEAD, OPTIONS"},
		{desc: "methods byte for byte", method: "patch", path: "/api/todos/1", wantStatus: 405, wantAllow: "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"},
		{desc: "a plain OPTIONS", method: "OPTIONS", path: "/api/todos/1", wantStatus: 204, wantAllow: "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"},
		{desc: "the mock's own items are not the policy's", method: "GET", path: "/api/items", wantStatus: 404},
		{desc: "an empty id is not an id", method: "GET", path: "/api/todos/", wantStatus: 404},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			r := app.do(t, tt.method, tt.path, spec.HeaderOrigin, appOrigin)
			wantStatus(t, r, tt.wantStatus)
			wantHeader(t, r, "Allow", tt.wantAllow)
			wantHeader(t, r, spec.HeaderAllowOrigin, appOrigin)
			wantHeader(t, r, spec.HeaderAllowCredentials, "true")
		})
	}
	r := app.do(t, "GET", "/api/todos", spec.HeaderOrigin, evilOrigin)
	wantStatus(t, r, http.StatusOK)
	wantHeader(t, r, spec.HeaderAllowOrigin, "")
}

func TestPolicyEndpointsKeepTheSessionRoutes(t *testing.T) {
	app := setupPolicyEndpoints(t, todoPolicy())
	login := app.do(t, "POST", "/api/login", spec.HeaderOrigin, appOrigin)
	wantStatus(t, login, http.StatusOK)
	cookie := login.header.Get("Set-Cookie")
	if !strings.HasPrefix(cookie, sessionCookie+"=") {
		t.Fatalf("POST /api/login set %q, want the session cookie", cookie)
	}
	sid, _, _ := strings.Cut(cookie, ";")
	wantStatus(t, app.do(t, "GET", "/api/me", "Cookie", sid), http.StatusOK)
	r := app.do(t, "GET", "/api/todos/1", spec.HeaderOrigin, appOrigin, "Cookie", sid)
	if !strings.Contains(r.body, `"session":true`) {
		t.Errorf("with the session cookie the body is %q, want session true", r.body)
	}
	r = app.do(t, "GET", "/api/todos/1", spec.HeaderOrigin, appOrigin)
	if !strings.Contains(r.body, `"session":false`) {
		t.Errorf("without a cookie the body is %q, want session false", r.body)
	}

	// A policy endpoint on the session route's path wins.
	p := todoPolicy()
	p.Endpoints = append(p.Endpoints, policy.Endpoint{Path: "/api/me", Methods: []string{"GET"}})
	own := setupPolicyEndpoints(t, p)
	r = own.do(t, "GET", "/api/me")
	wantStatus(t, r, http.StatusOK)
	if r.entry.Route != "/api/me" || !strings.Contains(r.body, `"endpoint":"/api/me"`) {
		t.Errorf("GET /api/me answered %q, want the policy's endpoint", r.body)
	}
}

func TestPolicyEndpointsKeepPreflightsAndFaults(t *testing.T) {
	app := setupPolicyEndpoints(t, todoPolicy())
	r := app.do(t, http.MethodOptions, "/api/todos/3", preflight(appOrigin, "PUT", "content-type")...)
	wantStatus(t, r, http.StatusNoContent)
	wantHeader(t, r, spec.HeaderAllowMethods, "PUT, DELETE, PATCH")
	if r.entry.Route != "" {
		t.Errorf("the preflight reached route %q, want the CORS layer", r.entry.Route)
	}

	faulty := setupPolicyEndpoints(t, todoPolicy(), WithFault(Fault{Name: "no-preflight-handler-405"}))
	r = faulty.do(t, http.MethodOptions, "/api/todos/3", preflight(appOrigin, "PUT", "")...)
	wantStatus(t, r, http.StatusMethodNotAllowed)
	wantHeader(t, r, "Allow", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS")
}

func TestPolicyWithoutEndpointsKeepsTheMocksAPI(t *testing.T) {
	p := todoPolicy()
	p.Endpoints = nil
	app := setupPolicyEndpoints(t, p)
	wantStatus(t, app.do(t, "GET", "/api/items"), http.StatusOK)
}

func TestEndpointsListWhatTheAPIServes(t *testing.T) {
	p := todoPolicy()
	got := New(p, WithPolicyEndpoints()).Endpoints()
	want := []string{
		"/api/todos GET,POST,HEAD", "/api/todos/{id} GET,PUT,PATCH,DELETE,HEAD", "/api/todos/archive POST",
		"/healthz GET,HEAD", "/api/me GET,HEAD", "/api/login POST",
	}
	var have []string
	for _, e := range got {
		have = append(have, e.Path+" "+strings.Join(e.Methods, ","))
	}
	if strings.Join(have, "; ") != strings.Join(want, "; ") {
		t.Errorf("Endpoints() = %q, want %q", have, want)
	}
	if e := New(p).Endpoints(); e != nil {
		t.Errorf("the mock's own API lists %v, want nil", e)
	}
}

package audit

import (
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

// endpointPolicy trusts one origin with cookies, allows PUT and DELETE with
// Content-Type and X-Request-Id, and lists the given endpoints.
func endpointPolicy(p string) *policy.Policy {
	pol, err := policy.Parse("policy.yaml", []byte(`
origins: [https://app.example.test]
methods: [GET, POST, PUT, DELETE]
request_headers: [Content-Type, X-Request-Id]
credentials: true
`+p))
	if err != nil {
		panic(err)
	}
	return pol
}

// seen is one request the test server got.
type seen struct{ method, path, acrm string }

// frameworkServer answers like a web framework with a CORS layer on its API
// routes only: the policy's endpoints get the policy's answer (then break,
// when set, may spoil it), every other path a 404 without CORS headers.
// It listens on 127.0.0.1 and records every request.
func frameworkServer(t *testing.T, pol *policy.Policy, brk func(r *http.Request, h http.Header)) (base string, log func() []seen) {
	t.Helper()
	var mu sync.Mutex
	var got []seen
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.Path, r.Header.Get(spec.HeaderRequestMethod)})
		mu.Unlock()
		if !slices.ContainsFunc(pol.Endpoints, func(e policy.Endpoint) bool { return e.Path == r.URL.Path }) {
			http.NotFound(w, r)
			return
		}
		a := pol.Answer(policy.RequestFrom(r))
		for k, v := range a.Header {
			w.Header()[k] = v
		}
		if brk != nil {
			brk(r, w.Header())
		}
		if a.Preflight {
			w.WriteHeader(a.Status)
			return
		}
		w.Write([]byte("[]"))
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL, func() []seen {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
}

func failures(r *Report) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity != SeverityInfo {
			out = append(out, f)
		}
	}
	return out
}

// The issue: a framework that answers 404 at / made audit report a broken
// preflight that check does not see.
func TestAuditOfAPolicyWithEndpointsProbesTheEndpointsNotTheRoot(t *testing.T) {
	pol := endpointPolicy("endpoints: [{path: /api/items, methods: [GET, PUT]}]\n")
	base, log := frameworkServer(t, pol, nil)

	// The server really is broken at /: without endpoints, audit judges it.
	noEndpoints := *pol
	noEndpoints.Endpoints = nil
	before := audit(t, Config{Target: base + "/", Policy: &noEndpoints})
	if _, ok := before.Has("preflight-rejected"); !ok {
		t.Fatalf("the 404 at / is not the broken preflight the test is about:\n%s", dump(before))
	}

	for _, target := range []string{base, base + "/", base + "/api/items"} {
		t.Run(target[len(base):], func(t *testing.T) {
			n := len(log())
			r := audit(t, Config{Target: target, Policy: pol})
			if fs := failures(r); len(fs) > 0 {
				t.Errorf("a server conforming on its only endpoint has failures:\n%s", dump(r))
			}
			if !slices.Equal(r.Endpoints, []string{"/api/items"}) {
				t.Errorf("report endpoints = %q, want [/api/items]", r.Endpoints)
			}
			sent := log()[n:]
			if len(sent) != r.Requests || len(sent) == 0 {
				t.Fatalf("server saw %d requests, report says %d", len(sent), r.Requests)
			}
			var methods []string
			for _, s := range sent {
				if s.path != "/api/items" {
					t.Fatalf("request to %s: only the endpoint should be probed", s.path)
				}
				if s.method == "OPTIONS" && !slices.Contains(methods, s.acrm) {
					methods = append(methods, s.acrm)
				}
			}
			// The endpoint's methods, not the rules' (which add POST, DELETE).
			if !slices.Equal(methods, []string{"GET", "PUT"}) {
				t.Errorf("preflights asked for %q, want the endpoint's GET and PUT", methods)
			}
			if !strings.Contains(dump(r), "endpoints probed: /api/items\n") {
				t.Errorf("the text report does not say what was probed:\n%s", dump(r))
			}
		})
	}
}

func TestAProblemOnOneEndpointIsReportedForThatEndpointOnly(t *testing.T) {
	pol := endpointPolicy(`endpoints:
  - {path: /api/items, methods: [GET, POST]}
  - {path: /api/items/1, methods: [GET, PUT, DELETE]}
  - {path: /api/me, methods: [GET]}
`)
	tests := []struct {
		name     string
		brk      func(r *http.Request, h http.Header)
		id       string
		severity Severity
	}{
		{name: "preflight drops a header", id: "preflight-rejected", severity: SeverityBroken,
			brk: func(r *http.Request, h http.Header) {
				if r.Method == "OPTIONS" && h.Get(spec.HeaderAllowHeaders) != "" {
					h.Set(spec.HeaderAllowHeaders, "Content-Type")
				}
			}},
		{name: "origin reflected with cookies", id: "origin-reflected-credentials", severity: SeveritySecurity,
			brk: func(r *http.Request, h http.Header) {
				if o := r.Header.Get("Origin"); o != "" {
					h.Set(spec.HeaderAllowOrigin, o)
					h.Set(spec.HeaderAllowCredentials, "true")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, _ := frameworkServer(t, pol, func(r *http.Request, h http.Header) {
				if r.URL.Path == "/api/me" {
					tt.brk(r, h)
				}
			})
			r := audit(t, Config{Target: base, Policy: pol})
			f, ok := r.Has(tt.id)
			if !ok || f.Severity != tt.severity {
				t.Fatalf("no %s %s finding:\n%s", tt.severity, tt.id, dump(r))
			}
			for _, f := range failures(r) {
				if !slices.Equal(f.Endpoints, []string{"/api/me"}) {
					t.Errorf("%s %s names %q, want only /api/me", f.ID, f.Title, f.Endpoints)
				}
			}
			if f.Probe.URL != base+"/api/me" {
				t.Errorf("probe %s is not the broken endpoint's", f.Probe)
			}
			if !strings.Contains(dump(r), "  at: /api/me\n") {
				t.Errorf("the text report does not name the endpoint:\n%s", dump(r))
			}
		})
	}
}

func TestTheSameProblemOnSeveralEndpointsIsOneFinding(t *testing.T) {
	pol := endpointPolicy(`endpoints:
  - {path: /api/items, methods: [GET, POST]}
  - {path: /api/items/1, methods: [PUT, DELETE]}
  - {path: /api/me, methods: [GET]}
`)
	// Every preflight forgets X-Request-Id, and every answer reflects any
	// origin with cookies, on every endpoint.
	base, _ := frameworkServer(t, pol, func(r *http.Request, h http.Header) {
		if r.Method == "OPTIONS" && h.Get(spec.HeaderAllowHeaders) != "" {
			h.Set(spec.HeaderAllowHeaders, "Content-Type")
		}
		if o := r.Header.Get("Origin"); o != "" {
			h.Set(spec.HeaderAllowOrigin, o)
			h.Set(spec.HeaderAllowCredentials, "true")
		}
	})
	r := audit(t, Config{Target: base, Policy: pol})
	count := map[string]int{}
	for _, f := range r.Findings {
		count[f.ID]++
	}
	all := []string{"/api/items", "/api/items/1", "/api/me"}
	for _, id := range []string{"origin-reflected-credentials", "preflight-rejected"} {
		f, ok := r.Has(id)
		if !ok || count[id] != 1 {
			t.Fatalf("want one %s finding, got %d:\n%s", id, count[id], dump(r))
		}
		if !slices.Equal(f.Endpoints, all) {
			t.Errorf("%s names %q, want every endpoint %q", id, f.Endpoints, all)
		}
	}
	// The merged preflight finding names the methods of every endpoint.
	f, _ := r.Has("preflight-rejected")
	if !strings.Contains(f.Title, "cannot send GET/POST/PUT/DELETE with Content-Type, X-Request-Id and cookies") {
		t.Errorf("preflight-rejected title %q does not name every endpoint's methods", f.Title)
	}
	if !strings.Contains(dump(r), "  at: /api/items, /api/items/1, /api/me\n") {
		t.Errorf("the text report does not list the endpoints:\n%s", dump(r))
	}
}

func TestAStatefulEndpointIsOneFindingNamingIt(t *testing.T) {
	pol := endpointPolicy("endpoints: [{path: /api/items}, {path: /api/me}]\n")
	var mu sync.Mutex
	n := 0
	base, _ := frameworkServer(t, pol, func(r *http.Request, h http.Header) {
		if r.URL.Path != "/api/me" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if n++; n%2 == 0 {
			h.Del(spec.HeaderAllowOrigin) // a regexp with the g flag
		}
	})
	r := audit(t, Config{Target: base, Policy: pol})
	f, ok := r.Has("stateful-answer")
	if !ok {
		t.Fatalf("no stateful-answer finding:\n%s", dump(r))
	}
	if !slices.Equal(f.Endpoints, []string{"/api/me"}) || !strings.HasPrefix(f.Probe.URL, base+"/api/me") {
		t.Errorf("stateful-answer at %q proved by %s, want /api/me", f.Endpoints, f.Probe)
	}
}

func TestATargetPathThatIsNoEndpointIsProbedToo(t *testing.T) {
	pol := endpointPolicy("endpoints: [{path: /api/items}]\n")
	base, log := frameworkServer(t, pol, nil)
	r := audit(t, Config{Target: base + "/legacy/items", Policy: pol})
	if !slices.Equal(r.Endpoints, []string{"/legacy/items", "/api/items"}) {
		t.Errorf("report endpoints = %q, want the target's path, then the policy's", r.Endpoints)
	}
	paths := map[string]bool{}
	for _, s := range log() {
		paths[s.path] = true
	}
	if !paths["/legacy/items"] || !paths["/api/items"] || len(paths) != 2 {
		t.Errorf("paths probed = %v, want /legacy/items and /api/items", paths)
	}
	// /legacy/items answers 404 without CORS: judged there, and only there.
	f, ok := r.Has("trusted-origin-blocked")
	if !ok || !slices.Equal(f.Endpoints, []string{"/legacy/items"}) {
		t.Errorf("want trusted-origin-blocked at /legacy/items:\n%s", dump(r))
	}
}

func TestWithoutEndpointsTheReportNamesNoEndpoint(t *testing.T) {
	pol := endpointPolicy("")
	base, log := frameworkServer(t, pol, nil)
	r := audit(t, Config{Target: base + "/api/items", Policy: pol})
	if r.Endpoints != nil {
		t.Errorf("report endpoints = %q, want none", r.Endpoints)
	}
	for _, f := range r.Findings {
		if f.Endpoints != nil {
			t.Errorf("%s names endpoints %q", f.ID, f.Endpoints)
		}
	}
	for _, s := range log() {
		if s.path != "/api/items" {
			t.Fatalf("request to %s: only the target should be probed", s.path)
		}
	}
	if strings.Contains(dump(r), "endpoints probed") || strings.Contains(dump(r), "  at: ") {
		t.Errorf("the text report speaks of endpoints:\n%s", dump(r))
	}
}

// An endpoint written as a route template is probed at a concrete path,
// never at the literal "{id}" a router would not route.
func TestATemplatedEndpointIsProbedAtAConcretePath(t *testing.T) {
	pol := endpointPolicy("endpoints: [{path: \"/api/items/{id}\", methods: [GET, PUT]}]\n")
	base, log := frameworkServer(t, pol, nil)
	r := audit(t, Config{Target: base, Policy: pol})
	if !slices.Equal(r.Endpoints, []string{"/api/items/1"}) {
		t.Errorf("report endpoints = %q, want [/api/items/1]", r.Endpoints)
	}
	sent := log()
	if len(sent) == 0 {
		t.Fatal("nothing was probed")
	}
	for _, s := range sent {
		if s.path != "/api/items/1" {
			t.Errorf("request to %s, want /api/items/1", s.path)
		}
	}
}

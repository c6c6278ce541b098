package mockapi

import (
	"slices"
	"strings"
	"testing"

	"github.com/corsproof/corsproof/spec"

	"github.com/corsproof/corsproof/policy"
)

func mustFault(t *testing.T, name string) Fault {
	t.Helper()
	f, ok := FaultByName(name)
	if !ok {
		t.Fatalf("no fault %q", name)
	}
	return f
}

func TestFaultGalleryIsCompleteAndDocumented(t *testing.T) {
	want := []string{
		"acac-capitalized", "acah-missing-header", "acam-case-mismatch", "aceh-missing",
		"allow-null", "duplicate-acao", "http-origin-accepted", "max-age-ignored", "missing-vary",
		"no-cors-on-errors", "no-preflight-handler-404", "no-preflight-handler-405",
		"prefix-match", "preflight-passthrough", "preflight-redirected", "reflect-origin",
		"reflect-origin-credentials", "stateful-matcher", "subdomain-too-broad", "suffix-match",
		"trailing-slash-acao", "unescaped-dot", "wildcard-credentials",
	}
	if got := FaultNames(); !slices.Equal(got, want) {
		t.Errorf("FaultNames() = %q\nwant %q", got, want)
	}
	for _, f := range Faults() {
		if f.Summary == "" || f.Reveals == "" || len(f.Description) < 150 {
			t.Errorf("%s: needs a summary, what it reveals, and a paragraph of description", f.Name)
		}
		if f.match == nil && f.rewrite == nil && f.preflight == nil {
			t.Errorf("%s: does nothing", f.Name)
		}
		if g, ok := FaultByName(f.Name); !ok || g.Name != f.Name {
			t.Errorf("FaultByName(%q) = %q, %t", f.Name, g.Name, ok)
		}
	}
	if _, ok := FaultByName("no-such-fault"); ok {
		t.Errorf("FaultByName found an unknown fault")
	}
	// Faults returns a copy: callers cannot reorder the gallery.
	fs := Faults()
	fs[0] = Fault{}
	if Faults()[0].Name == "" {
		t.Errorf("Faults() exposes the gallery itself")
	}
}

// exchange is one request a fault case sends to both servers.
type exchange struct {
	method, path string
	headers      []string
}

func get(path, origin string) exchange {
	return exchange{"GET", path, []string{spec.HeaderOrigin, origin}}
}

func pre(path, origin, method, headers string) exchange {
	return exchange{"OPTIONS", path, preflight(origin, method, headers)}
}

// TestEachFaultShowsItsCharacteristicDifference sends the same requests to
// the conforming server and to the faulty one, and checks the wire
// difference the fault is named for.
func TestEachFaultShowsItsCharacteristicDifference(t *testing.T) {
	tests := []struct {
		fault    string
		requests []exchange
		// check compares the replies, request by request.
		check func(t *testing.T, conforming, faulty []reply)
	}{
		{
			fault:    "reflect-origin",
			requests: []exchange{get("/api/items", evilOrigin)},
			check: func(t *testing.T, c, f []reply) {
				wantHeader(t, c[0], spec.HeaderAllowOrigin, "")
				wantHeader(t, f[0], spec.HeaderAllowOrigin, evilOrigin)
				wantHeader(t, f[0], spec.HeaderAllowCredentials, "")
				wantHeader(t, f[0], spec.HeaderVary, "Origin")
			},
		},
		{
			fault:    "reflect-origin-credentials",
			requests: []exchange{get("/api/items", evilOrigin), pre("/api/items/1", evilOrigin, "PUT", "")},
			check: func(t *testing.T, c, f []reply) {
				for i := range f {
					wantHeader(t, c[i], spec.HeaderAllowOrigin, "")
					wantHeader(t, f[i], spec.HeaderAllowOrigin, evilOrigin)
					wantHeader(t, f[i], spec.HeaderAllowCredentials, "true")
				}
				wantHeader(t, f[1], spec.HeaderAllowMethods, "PUT, DELETE, PATCH")
			},
		},
		{
			fault:    "allow-null",
			requests: []exchange{get("/api/items", "null")},
			check: func(t *testing.T, c, f []reply) {
				wantHeader(t, c[0], spec.HeaderAllowOrigin, "")
				wantHeader(t, f[0], spec.HeaderAllowOrigin, "null")
				wantHeader(t, f[0], spec.HeaderAllowCredentials, "true")
			},
		},
		{
			fault:    "suffix-match",
			requests: []exchange{get("/api/items", "https://evilapp.example.test"), get("/api/items", "https://evil.partner.test.x")},
			check: func(t *testing.T, c, f []reply) {
				wantHeader(t, c[0], spec.HeaderAllowOrigin, "")
				wantHeader(t, f[0], spec.HeaderAllowOrigin, "https://evilapp.example.test")
				wantHeader(t, f[1], spec.HeaderAllowOrigin, "") // a suffix, not a substring
			},
		},
		{
			fault:    "prefix-match",
			requests: []exchange{get("/api/items", "https://app.example.test.evil.test")},
			check: func(t *testing.T, c, f []reply) {
				wantHeader(t, c[0], spec.HeaderAllowOrigin, "")
				wantHeader(t, f[0], spec.HeaderAllowOrigin, "https://app.example.test.evil.test")
			},
		},
		{
			fault:    "unescaped-dot",
			requests: []exchange{get("/api/items", "https://appxexample.test"), get("/api/items", "https://app.example.test.evil.test")},
			check: func(t *testing.T, c, f []reply) {
				wantHeader(t, c[0], spec.HeaderAllowOrigin, "")
				wantHeader(t, f[0], spec.HeaderAllowOrigin, "https://appxexample.test")
				wantHeader(t, f[1], spec.HeaderAllowOrigin, "") // anchored
			},
		},
		{
			fault: "subdomain-too-broad",
			requests: []exchange{
				get("/api/items", "https://evilexample.test"),
				get("/api/items", "https://other.example.test"),
				get("/api/items", "http://other.example.test"),
			},
			check: func(t *testing.T, c, f []reply) {
				wantHeader(t, c[0], spec.HeaderAllowOrigin, "")
				wantHeader(t, c[1], spec.HeaderAllowOrigin, "")
				wantHeader(t, f[0], spec.HeaderAllowOrigin, "https://evilexample.test")
				wantHeader(t, f[1], spec.HeaderAllowOrigin, "https://other.example.test")
				wantHeader(t, f[2], spec.HeaderAllowOrigin, "") // the scheme still counts
			},
		},
		{
			fault:    "http-origin-accepted",
			requests: []exchange{get("/api/items", "http://app.example.test"), get("/api/items", "http://shop.partner.test")},
			check: func(t *testing.T, c, f []reply) {
				wantHeader(t, c[0], spec.HeaderAllowOrigin, "")
				wantHeader(t, f[0], spec.HeaderAllowOrigin, "http://app.example.test")
				wantHeader(t, f[1], spec.HeaderAllowOrigin, "http://shop.partner.test")
			},
		},
		{
			fault:    "stateful-matcher",
			requests: []exchange{get("/api/items", appOrigin), get("/api/items", appOrigin), get("/api/items", appOrigin), get("/api/items", evilOrigin)},
			check: func(t *testing.T, c, f []reply) {
				for i := range 3 {
					wantHeader(t, c[i], spec.HeaderAllowOrigin, appOrigin)
				}
				wantHeader(t, f[0], spec.HeaderAllowOrigin, appOrigin)
				wantHeader(t, f[1], spec.HeaderAllowOrigin, "")
				wantHeader(t, f[1], spec.HeaderAllowCredentials, "")
				wantHeader(t, f[2], spec.HeaderAllowOrigin, appOrigin)
				wantHeader(t, f[3], spec.HeaderAllowOrigin, "") // never allows what the policy refuses
			},
		},
		{
			fault:    "wildcard-credentials",
			requests: []exchange{get("/api/items", appOrigin), get("/api/items", evilOrigin)},
			check: func(t *testing.T, c, f []reply) {
				wantHeader(t, c[0], spec.HeaderAllowOrigin, appOrigin)
				wantHeader(t, f[0], spec.HeaderAllowOrigin, "*")
				wantHeader(t, f[0], spec.HeaderAllowCredentials, "true")
				wantHeader(t, f[1], spec.HeaderAllowOrigin, "")
			},
		},
		{
			fault:    "duplicate-acao",
			requests: []exchange{get("/api/items", appOrigin)},
			check: func(t *testing.T, c, f []reply) {
				wantHeader(t, c[0], spec.HeaderAllowOrigin, appOrigin)
				wantHeader(t, f[0], spec.HeaderAllowOrigin, appOrigin+" | "+appOrigin)
			},
		},
		{
			fault:    "trailing-slash-acao",
			requests: []exchange{get("/api/items", appOrigin), get("/api/status/200", appOrigin)},
			check: func(t *testing.T, c, f []reply) {
				wantHeader(t, f[0], spec.HeaderAllowOrigin, appOrigin+"/")
				wantHeader(t, f[1], spec.HeaderAllowOrigin, "*") // the wildcard route is left alone
			},
		},
		{
			fault:    "acac-capitalized",
			requests: []exchange{get("/api/items", appOrigin)},
			check: func(t *testing.T, c, f []reply) {
				wantHeader(t, c[0], spec.HeaderAllowCredentials, "true")
				wantHeader(t, f[0], spec.HeaderAllowCredentials, "True")
			},
		},
		{
			fault:    "acam-case-mismatch",
			requests: []exchange{pre("/api/items/1", appOrigin, "PUT", "")},
			check: func(t *testing.T, c, f []reply) {
				wantHeader(t, c[0], spec.HeaderAllowMethods, "PUT, DELETE, PATCH")
				wantHeader(t, f[0], spec.HeaderAllowMethods, "put, delete, patch")
			},
		},
		{
			fault:    "acah-missing-header",
			requests: []exchange{pre("/api/items/1", appOrigin, "PUT", "content-type,x-api-key")},
			check: func(t *testing.T, c, f []reply) {
				wantHeader(t, c[0], spec.HeaderAllowHeaders, "Content-Type, X-Api-Key")
				wantHeader(t, f[0], spec.HeaderAllowHeaders, "Content-Type")
			},
		},
		{
			fault:    "aceh-missing",
			requests: []exchange{get("/api/items", appOrigin)},
			check: func(t *testing.T, c, f []reply) {
				wantHeader(t, c[0], spec.HeaderExposeHeaders, HeaderTotalCount+", "+HeaderRequestID)
				wantHeader(t, f[0], spec.HeaderExposeHeaders, "")
				wantHeader(t, f[0], spec.HeaderAllowOrigin, appOrigin)
			},
		},
		{
			fault:    "max-age-ignored",
			requests: []exchange{pre("/api/items/1", appOrigin, "PUT", "")},
			check: func(t *testing.T, c, f []reply) {
				wantHeader(t, c[0], spec.HeaderMaxAge, "600")
				wantHeader(t, f[0], spec.HeaderMaxAge, "")
				wantHeader(t, f[0], spec.HeaderAllowMethods, "PUT, DELETE, PATCH")
			},
		},
		{
			fault:    "missing-vary",
			requests: []exchange{get("/api/items", appOrigin), pre("/api/items/1", appOrigin, "PUT", "")},
			check: func(t *testing.T, c, f []reply) {
				wantHeader(t, c[0], spec.HeaderVary, "Origin")
				wantHeader(t, f[0], spec.HeaderVary, "")
				wantHeader(t, f[0], spec.HeaderAllowOrigin, appOrigin)
				wantHeader(t, f[1], spec.HeaderVary, "")
			},
		},
		{
			fault:    "no-cors-on-errors",
			requests: []exchange{get("/api/me", appOrigin), get("/api/items", appOrigin), get("/nowhere", appOrigin)},
			check: func(t *testing.T, c, f []reply) {
				wantStatus(t, f[0], 401)
				wantHeader(t, c[0], spec.HeaderAllowOrigin, appOrigin)
				wantHeader(t, f[0], spec.HeaderAllowOrigin, "")
				wantHeader(t, f[0], spec.HeaderAllowCredentials, "")
				wantHeader(t, f[1], spec.HeaderAllowOrigin, appOrigin) // successes keep them
				wantHeader(t, f[2], spec.HeaderAllowOrigin, "")
			},
		},
		{
			fault:    "no-preflight-handler-404",
			requests: []exchange{pre("/api/items/1", appOrigin, "PUT", "")},
			check: func(t *testing.T, c, f []reply) {
				wantStatus(t, c[0], 204)
				wantStatus(t, f[0], 404)
				wantHeader(t, f[0], spec.HeaderAllowOrigin, "")
				wantHeader(t, f[0], spec.HeaderAllowMethods, "")
			},
		},
		{
			fault:    "no-preflight-handler-405",
			requests: []exchange{pre("/api/items", appOrigin, "PUT", "")},
			check: func(t *testing.T, c, f []reply) {
				wantStatus(t, c[0], 204)
				wantStatus(t, f[0], 405)
				wantHeader(t, f[0], "Allow", "GET, HEAD, POST, OPTIONS")
				wantHeader(t, f[0], spec.HeaderAllowOrigin, "")
			},
		},
		{
			fault:    "preflight-passthrough",
			requests: []exchange{pre("/api/items/1", appOrigin, "PUT", "x-api-key"), pre("/api/me", appOrigin, "GET", "x-api-key")},
			check: func(t *testing.T, c, f []reply) {
				wantStatus(t, c[0], 204)
				wantStatus(t, f[0], 200)
				if !strings.Contains(f[0].body, `"method":"OPTIONS"`) {
					t.Errorf("body = %q, want the handler's JSON", f[0].body)
				}
				wantHeader(t, f[0], spec.HeaderAllowOrigin, appOrigin)
				wantHeader(t, f[0], spec.HeaderAllowCredentials, "true")
				wantHeader(t, f[0], spec.HeaderAllowMethods, "")
				wantHeader(t, f[0], spec.HeaderAllowHeaders, "")
				wantHeader(t, f[0], spec.HeaderVary, "Origin")
				if c[0].entry.Route != "" || f[0].entry.Route != "/api/items/{id}" {
					t.Errorf("journal routes: conforming %q, faulty %q; want the fault's preflight to reach the handler", c[0].entry.Route, f[0].entry.Route)
				}
				wantStatus(t, f[1], 401) // auth ran on a cookieless preflight
			},
		},
		{
			fault:    "preflight-redirected",
			requests: []exchange{pre("/api/items/1?tok=r", appOrigin, "PUT", "")},
			check: func(t *testing.T, c, f []reply) {
				wantStatus(t, c[0], 204)
				wantStatus(t, f[0], 307)
				wantHeader(t, f[0], "Location", "/api/items/1?tok=r&"+redirectMarker)
				wantHeader(t, f[0], spec.HeaderAllowOrigin, appOrigin)
			},
		},
	}
	tested := map[string]bool{}
	for _, tt := range tests {
		tested[tt.fault] = true
		t.Run(tt.fault, func(t *testing.T) {
			conforming := setupTestApp(t)
			faulty := setupTestApp(t, WithFault(mustFault(t, tt.fault)))
			var c, f []reply
			for _, x := range tt.requests {
				c = append(c, conforming.do(t, x.method, x.path, x.headers...))
				f = append(f, faulty.do(t, x.method, x.path, x.headers...))
			}
			tt.check(t, c, f)
		})
	}
	for _, name := range FaultNames() {
		if !tested[name] {
			t.Errorf("fault %s has no test of its wire difference", name)
		}
	}
}

func TestOriginMatchersOfTheFaults(t *testing.T) {
	rules := policy.Rules{Origins: []string{"https://app.example.test:8443", "https://*.partner.test", "null", "*"}}
	st := newFaultState(&policy.Policy{Rules: rules})
	tests := []struct {
		desc   string
		match  func(*faultState, policy.Rules, string) bool
		origin string
		want   bool
	}{
		{"suffix keeps the port", hostSuffixMatch, "https://evilapp.example.test:8443", true},
		{"suffix needs the port", hostSuffixMatch, "https://evilapp.example.test", false},
		{"suffix of a pattern's domain", hostSuffixMatch, "https://evilpartner.test", true},
		{"prefix", originPrefixMatch, "https://app.example.test:84430", true},
		{"prefix ignores patterns", originPrefixMatch, "https://x", false},
		{"unescaped dot in a pattern", unescapedDotMatch, "https://evilxpartnerxtest", true},
		{"regexp is anchored at the start", unescapedDotMatch, "xhttps://app.example.test:8443", false},
		{"parent domain, same port", parentDomainMatch, "https://evilexample.test:8443", true},
		{"parent domain, other port", parentDomainMatch, "https://evilexample.test", false},
		{"parent of a pattern", parentDomainMatch, "https://evilpartner.test", true},
		{"http downgrade of a pattern", httpDowngradeMatch, "http://a.partner.test", true},
		{"http downgrade only from https", httpDowngradeMatch, "ftp://app.example.test:8443", false},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			if got := tt.match(st, rules, tt.origin); got != tt.want {
				t.Errorf("match(%q) = %t, want %t", tt.origin, got, tt.want)
			}
		})
	}
	if parentDomain("127.0.0.1") != "" || parentDomain("[::1]") != "" {
		t.Errorf("IP hosts must have no parent domain")
	}
}

func TestWithFaultSelectsByNameAndTheServerSaysWhichFault(t *testing.T) {
	p := testPolicy()
	s := New(p, WithFault(Fault{Name: "missing-vary"}))
	if s.Fault().Name != "missing-vary" || s.Fault().rewrite == nil || s.Policy() != p {
		t.Errorf("Fault() = %+v, Policy() = %p; want the gallery's missing-vary and %p", s.Fault(), s.Policy(), p)
	}
	if New(p).Fault().Name != "" {
		t.Errorf("a server without WithFault reports a fault")
	}
}

func TestAcahMissingHeaderWithASingleAllowedHeaderDropsTheHeader(t *testing.T) {
	sv := &served{
		rules:  policy.Rules{RequestHeaders: []string{"X-Api-Key"}},
		header: map[string][]string{spec.HeaderAllowHeaders: {"X-Api-Key"}},
	}
	dropLastAllowedHeader(sv)
	if _, ok := sv.header[spec.HeaderAllowHeaders]; ok {
		t.Errorf("Access-Control-Allow-Headers = %q, want it absent", sv.header.Get(spec.HeaderAllowHeaders))
	}
}

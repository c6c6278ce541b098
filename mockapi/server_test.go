package mockapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/corsproof/corsproof/spec"
)

func TestPreflightIsAnsweredByTheCORSLayerAndNeverReachesHandlers(t *testing.T) {
	app := setupTestApp(t)
	tests := []struct {
		desc    string
		path    string
		headers []string
		want    map[string]string // "" = absent
	}{
		{
			desc:    "allowed origin gets the full preflight answer",
			path:    "/api/items/1",
			headers: preflight(appOrigin, "PUT", "content-type,x-api-key"),
			want: map[string]string{
				spec.HeaderAllowOrigin:      appOrigin,
				spec.HeaderAllowCredentials: "true",
				spec.HeaderAllowMethods:     "PUT, DELETE, PATCH",
				spec.HeaderAllowHeaders:     "Content-Type, X-Api-Key",
				spec.HeaderMaxAge:           "600",
				spec.HeaderVary:             "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
			},
		},
		{
			desc:    "subdomain pattern origin is allowed",
			path:    "/api/items/1",
			headers: preflight(partnerOrigin, "DELETE", ""),
			want:    map[string]string{spec.HeaderAllowOrigin: partnerOrigin},
		},
		{
			desc:    "disallowed origin gets 204 without CORS headers",
			path:    "/api/items/1",
			headers: preflight(evilOrigin, "PUT", ""),
			want:    map[string]string{spec.HeaderAllowOrigin: "", spec.HeaderAllowMethods: ""},
		},
		{
			desc:    "unrouted path is still answered, not 404",
			path:    "/nowhere",
			headers: preflight(appOrigin, "PUT", ""),
			want:    map[string]string{spec.HeaderAllowOrigin: appOrigin},
		},
		{
			desc:    "auth-protected path is answered without a cookie, not 401",
			path:    "/api/me",
			headers: preflight(appOrigin, "GET", "x-api-key"),
			want:    map[string]string{spec.HeaderAllowOrigin: appOrigin},
		},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			r := app.do(t, http.MethodOptions, tt.path, tt.headers...)
			wantStatus(t, r, http.StatusNoContent)
			for name, want := range tt.want {
				wantHeader(t, r, name, want)
			}
			if r.body != "" {
				t.Errorf("body = %q, want none", r.body)
			}
			if !r.entry.Preflight || r.entry.Route != "" {
				t.Errorf("journal: preflight=%t route=%q, want a preflight answered by the CORS layer", r.entry.Preflight, r.entry.Route)
			}
		})
	}
}

func TestPlainOptionsReachesTheRouter(t *testing.T) {
	app := setupTestApp(t)
	tests := []struct {
		desc      string
		path      string
		status    int
		allow     string
		wantRoute string
	}{
		{desc: "routed path answers 204 with Allow", path: "/api/items", status: 204, allow: "GET, HEAD, POST, OPTIONS", wantRoute: "/api/items"},
		{desc: "any-method path advertises the usual methods", path: "/api/items/1", status: 204, allow: "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS", wantRoute: "/api/items/{id}"},
		{desc: "unrouted path is a 404", path: "/nowhere", status: 404, wantRoute: "/"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			r := app.do(t, http.MethodOptions, tt.path, spec.HeaderOrigin, appOrigin)
			wantStatus(t, r, tt.status)
			wantHeader(t, r, "Allow", tt.allow)
			wantHeader(t, r, spec.HeaderAllowOrigin, appOrigin) // an actual request: CORS headers apply
			wantHeader(t, r, spec.HeaderAllowMethods, "")
			if r.entry.Preflight || r.entry.Route != tt.wantRoute {
				t.Errorf("journal: preflight=%t route=%q, want false %q", r.entry.Preflight, r.entry.Route, tt.wantRoute)
			}
		})
	}
}

func TestActualResponsesCarryThePolicysHeaders(t *testing.T) {
	app := setupTestApp(t)
	exposed := HeaderTotalCount + ", " + HeaderRequestID
	tests := []struct {
		desc           string
		method, path   string
		origin         string
		status         int
		acao, acac     string
		aceh, vary     string
		wantTotalCount bool
	}{
		{desc: "allowed origin", method: "GET", path: "/api/items", origin: appOrigin, status: 200, acao: appOrigin, acac: "true", aceh: exposed, vary: "Origin"},
		{desc: "pattern origin", method: "GET", path: "/api/items", origin: partnerOrigin, status: 200, acao: partnerOrigin, acac: "true", aceh: exposed, vary: "Origin"},
		{desc: "pattern apex is not a subdomain", method: "GET", path: "/api/items", origin: "https://partner.test", status: 200, vary: "Origin"},
		{desc: "lookalike of the pattern", method: "GET", path: "/api/items", origin: "https://evilpartner.test", status: 200, vary: "Origin"},
		{desc: "disallowed origin still gets the data, not the permission", method: "GET", path: "/api/items", origin: evilOrigin, status: 200, vary: "Origin"},
		{desc: "no origin", method: "GET", path: "/api/items", status: 200, vary: "Origin"},
		{desc: "wildcard route answers * without credentials or Vary", method: "GET", path: "/api/status/200", origin: evilOrigin, status: 200, acao: "*", aceh: exposed},
		{desc: "404 carries CORS headers", method: "GET", path: "/nowhere", origin: appOrigin, status: 404, acao: appOrigin, acac: "true", aceh: exposed, vary: "Origin"},
		{desc: "405 carries CORS headers", method: "DELETE", path: "/api/items", origin: appOrigin, status: 405, acao: appOrigin, acac: "true", aceh: exposed, vary: "Origin"},
		{desc: "401 carries CORS headers", method: "GET", path: "/api/me", origin: appOrigin, status: 401, acao: appOrigin, acac: "true", aceh: exposed, vary: "Origin"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			var h []string
			if tt.origin != "" {
				h = []string{spec.HeaderOrigin, tt.origin}
			}
			r := app.do(t, tt.method, tt.path, h...)
			wantStatus(t, r, tt.status)
			wantHeader(t, r, spec.HeaderAllowOrigin, tt.acao)
			wantHeader(t, r, spec.HeaderAllowCredentials, tt.acac)
			wantHeader(t, r, spec.HeaderExposeHeaders, tt.aceh)
			wantHeader(t, r, spec.HeaderVary, tt.vary)
			wantHeader(t, r, spec.HeaderAllowMethods, "")
			wantHeader(t, r, HeaderTotalCount, "3")
			if r.header.Get(HeaderRequestID) == "" {
				t.Errorf("no %s", HeaderRequestID)
			}
			if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
				t.Errorf("Content-Type = %q, want JSON", r.header.Get("Content-Type"))
			}
		})
	}
}

func TestAnyMethodRouteAcceptsEverySpelling(t *testing.T) {
	app := setupTestApp(t)
	for _, method := range []string{"GET", "PUT", "PATCH", "patch", "DELETE", "PURGE", "POST"} {
		t.Run(method, func(t *testing.T) {
			r := app.do(t, method, "/api/items/42", spec.HeaderOrigin, appOrigin)
			wantStatus(t, r, http.StatusOK)
			var body struct{ ID, Method string }
			if err := json.Unmarshal([]byte(r.body), &body); err != nil {
				t.Fatalf("body %q: %v", r.body, err)
			}
			if body.ID != "42" || body.Method != method {
				t.Errorf("body = %+v, want id 42 method %s", body, method)
			}
			wantHeader(t, r, spec.HeaderAllowOrigin, appOrigin)
		})
	}
	t.Run("methods are byte-exact on fixed routes", func(t *testing.T) {
		r := app.do(t, "get", "/api/items")
		wantStatus(t, r, http.StatusMethodNotAllowed)
		wantHeader(t, r, "Allow", "GET, HEAD, POST, OPTIONS")
	})
	t.Run("HEAD has the headers and no body", func(t *testing.T) {
		r := app.do(t, "HEAD", "/api/items", spec.HeaderOrigin, appOrigin)
		wantStatus(t, r, http.StatusOK)
		wantHeader(t, r, spec.HeaderAllowOrigin, appOrigin)
	})
}

func TestLoginSetsASessionCookieThatUnlocksMe(t *testing.T) {
	app := setupTestApp(t)
	r := app.do(t, "GET", "/api/me", spec.HeaderOrigin, appOrigin)
	wantStatus(t, r, http.StatusUnauthorized)
	if r.entry.Cookie {
		t.Errorf("journal: cookie=true for a request without one")
	}

	login := app.do(t, "POST", "/api/login", spec.HeaderOrigin, appOrigin)
	wantStatus(t, login, http.StatusOK)
	setCookie := login.header.Get("Set-Cookie")
	for _, attr := range []string{"sid=", "Path=/", "Secure", "HttpOnly", "SameSite=None"} {
		if !strings.Contains(setCookie, attr) {
			t.Errorf("Set-Cookie %q lacks %s", setCookie, attr)
		}
	}
	sid := strings.TrimPrefix(strings.Split(setCookie, ";")[0], "sid=")

	_, helperSID := app.NewSession()
	tests := []struct {
		desc       string
		cookie     string
		status     int
		validInLog bool
	}{
		{desc: "cookie from login", cookie: "sid=" + sid, status: 200, validInLog: true},
		{desc: "cookie from NewSession", cookie: "sid=" + helperSID, status: 200, validInLog: true},
		{desc: "cookie among others", cookie: "theme=dark; sid=" + sid, status: 200, validInLog: true},
		{desc: "unknown sid", cookie: "sid=forged", status: 401},
		{desc: "other cookie only", cookie: "theme=dark", status: 401},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			r := app.do(t, "GET", "/api/me", spec.HeaderOrigin, appOrigin, "Cookie", tt.cookie)
			wantStatus(t, r, tt.status)
			wantHeader(t, r, spec.HeaderAllowOrigin, appOrigin)
			if !r.entry.Cookie || r.entry.ValidSession != tt.validInLog {
				t.Errorf("journal: cookie=%t valid=%t, want true %t", r.entry.Cookie, r.entry.ValidSession, tt.validInLog)
			}
		})
	}
}

func TestSessionStoreForgetsTheOldestPastItsBound(t *testing.T) {
	s := newSessions(2)
	a, b, c := s.create(), s.create(), s.create()
	if s.has(a) || !s.has(b) || !s.has(c) {
		t.Errorf("has(a, b, c) = %t %t %t, want false true true", s.has(a), s.has(b), s.has(c))
	}
}

func TestStatusEndpointAnswersTheAskedStatusWithCORSHeaders(t *testing.T) {
	app := setupTestApp(t)
	for _, code := range []int{200, 204, 400, 401, 403, 404, 418, 500, 503} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			r := app.do(t, "GET", fmt.Sprintf("/api/status/%d", code), spec.HeaderOrigin, appOrigin)
			wantStatus(t, r, code)
			wantHeader(t, r, spec.HeaderAllowOrigin, "*") // the wildcard route
			if r.entry.Status != code {
				t.Errorf("journal status = %d", r.entry.Status)
			}
		})
	}
	t.Run("any method", func(t *testing.T) {
		wantStatus(t, app.do(t, "PUT", "/api/status/502"), 502)
	})
	for _, bad := range []string{"abc", "99", "101", "600", "-1"} {
		t.Run("refuses "+bad, func(t *testing.T) {
			wantStatus(t, app.do(t, "GET", "/api/status/"+bad), http.StatusBadRequest)
		})
	}
}

func TestRedirectEndpointAnswersARedirectWithCORSHeaders(t *testing.T) {
	app := setupTestApp(t)
	const to = "https://other.example.test/api/items?x=1"
	for _, code := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			r := app.do(t, "PUT", fmt.Sprintf("/api/redirect/%d?to=%s", code, "https%3A%2F%2Fother.example.test%2Fapi%2Fitems%3Fx%3D1"), spec.HeaderOrigin, appOrigin)
			wantStatus(t, r, code)
			wantHeader(t, r, "Location", to)
			wantHeader(t, r, spec.HeaderAllowOrigin, appOrigin)
			wantHeader(t, r, spec.HeaderAllowCredentials, "true")
		})
	}
	tests := []struct{ desc, target string }{
		{"not a redirect status", "/api/redirect/200?to=/x"},
		{"300 is not followed by fetch", "/api/redirect/300?to=/x"},
		{"missing to", "/api/redirect/302"},
		{"control character in to", "/api/redirect/302?to=%0d%0aSet-Cookie:x"},
		{"too long", "/api/redirect/302?to=" + strings.Repeat("a", maxLocation+1)},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			r := app.do(t, "GET", tt.target, spec.HeaderOrigin, appOrigin)
			wantStatus(t, r, http.StatusBadRequest)
			wantHeader(t, r, "Location", "")
			wantHeader(t, r, spec.HeaderAllowOrigin, appOrigin)
		})
	}
}

func TestServerWorksUnderStripPrefix(t *testing.T) {
	s := New(testPolicy(), WithFault(mustFault(t, "preflight-redirected")))
	app := serveOnLoopback(t, s, http.StripPrefix("/mock", s))
	r := app.do(t, "GET", "/mock/api/items?q=1", spec.HeaderOrigin, appOrigin)
	wantStatus(t, r, http.StatusOK)
	wantHeader(t, r, spec.HeaderAllowOrigin, appOrigin)
	if r.entry.Path != "/api/items" || r.entry.RawQuery != "q=1" {
		t.Errorf("journal path %q query %q, want the stripped path", r.entry.Path, r.entry.RawQuery)
	}
	// The redirect a fault answers keeps the prefix: it is the URL the client sent.
	p := app.do(t, "OPTIONS", "/mock/api/items/1", preflight(appOrigin, "PUT", "")...)
	wantStatus(t, p, http.StatusTemporaryRedirect)
	wantHeader(t, p, "Location", "/mock/api/items/1?"+redirectMarker)
}

func TestLogfPrintsEachRequest(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	app := setupTestApp(t, WithLogf(func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}))
	app.do(t, "OPTIONS", "/api/items/1?token=abc", preflight(appOrigin, "PUT", "")...)
	app.do(t, "GET", "/api/items")
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2: %q", len(lines), lines)
	}
	for _, want := range []string{"OPTIONS /api/items/1?token=abc", `origin="https://app.example.test"`, "preflight=true", "status=204"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("line %q lacks %q", lines[0], want)
		}
	}
}

func TestNewPanicsOnMisuse(t *testing.T) {
	tests := []struct {
		desc string
		call func()
	}{
		{"nil policy", func() { New(nil) }},
		{"fault not in the gallery", func() { New(testPolicy(), WithFault(Fault{Name: "made-up"})) }},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("New did not panic")
				}
			}()
			tt.call()
		})
	}
}

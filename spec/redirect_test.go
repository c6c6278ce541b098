package spec

import (
	"fmt"
	"strings"
	"testing"
)

const apiC = "https://c.example"

func redirectTo(status int, loc, acao string) Response {
	h := hdrs("Location: " + loc)
	if acao != "" {
		h = append(h, Header{HeaderAllowOrigin, acao})
	}
	return Response{Status: status, Headers: h}
}

func TestRedirects(t *testing.T) {
	tests := []struct {
		name       string
		req        Request
		routes     map[string]Response
		want       Reason
		wantOrigin string // Origin header on the last request sent
		preflights int
		lastMethod string
	}{
		{name: "A to B keeps origin", req: Request{Origin: pageA, URL: apiB + "/1"},
			routes: map[string]Response{"GET " + apiB + "/1": redirectTo(302, apiB+"/2", pageA), "GET " + apiB + "/2": okActual(pageA)},
			want:   ReasonNone, wantOrigin: pageA, lastMethod: "GET"},
		{name: "A to B to C gives null", req: Request{Origin: pageA, URL: apiB + "/1"},
			routes: map[string]Response{"GET " + apiB + "/1": redirectTo(302, apiC+"/x", pageA), "GET " + apiC + "/x": okActual("null")},
			want:   ReasonNone, wantOrigin: "null", lastMethod: "GET"},
		{name: "A to B to C needs null, not A", req: Request{Origin: pageA, URL: apiB + "/1"},
			routes: map[string]Response{"GET " + apiB + "/1": redirectTo(302, apiC+"/x", pageA), "GET " + apiC + "/x": okActual(pageA)},
			want:   ReasonAllowOriginMismatch, wantOrigin: "null", lastMethod: "GET"},
		{name: "A to B to A gives null", req: Request{Origin: pageA, URL: apiB + "/1"},
			routes: map[string]Response{"GET " + apiB + "/1": redirectTo(302, pageA+"/back", pageA), "GET " + pageA + "/back": okActual("*")},
			want:   ReasonNone, wantOrigin: "null", lastMethod: "GET"},
		{name: "A to B to A without ACAO fails: tainting stays cors", req: Request{Origin: pageA, URL: apiB + "/1"},
			routes: map[string]Response{"GET " + apiB + "/1": redirectTo(302, pageA+"/back", pageA), "GET " + pageA + "/back": {Status: 200}},
			want:   ReasonMissingAllowOriginHeader, wantOrigin: "null", lastMethod: "GET"},
		{name: "redirect without ACAO fails before following", req: Request{Origin: pageA, URL: apiB + "/1"},
			routes: map[string]Response{"GET " + apiB + "/1": redirectTo(302, apiB+"/2", "")},
			want:   ReasonMissingAllowOriginHeader, wantOrigin: pageA, lastMethod: "GET"},
		{name: "303 turns a json POST into a simple GET", req: Request{Origin: pageA, URL: apiB + "/1", Method: "POST", Headers: hdrs("Content-Type: application/json"), Body: BodyText},
			routes: map[string]Response{"OPTIONS " + apiB + "/1": okPreflight(pageA, "", "content-type"), "POST " + apiB + "/1": redirectTo(303, apiB+"/2", pageA), "GET " + apiB + "/2": okActual(pageA)},
			want:   ReasonNone, wantOrigin: pageA, preflights: 1, lastMethod: "GET"},
		{name: "307 keeps PUT and preflights the new URL", req: Request{Origin: pageA, URL: apiB + "/1", Method: "PUT"},
			routes: map[string]Response{"OPTIONS " + apiB + "/1": okPreflight(pageA, "PUT", ""), "PUT " + apiB + "/1": redirectTo(307, apiB+"/2", pageA),
				"OPTIONS " + apiB + "/2": okPreflight(pageA, "PUT", ""), "PUT " + apiB + "/2": okActual(pageA)},
			want: ReasonNone, wantOrigin: pageA, preflights: 2, lastMethod: "PUT"},
		{name: "307 to a URL whose preflight fails", req: Request{Origin: pageA, URL: apiB + "/1", Method: "PUT"},
			routes: map[string]Response{"OPTIONS " + apiB + "/1": okPreflight(pageA, "PUT", ""), "PUT " + apiB + "/1": redirectTo(307, apiB+"/2", pageA),
				"OPTIONS " + apiB + "/2": {Status: 404}},
			want: ReasonPreflightMissingAllowOriginHeader, wantOrigin: pageA, preflights: 2, lastMethod: "OPTIONS"},
		{name: "302 POST becomes GET", req: Request{Origin: pageA, URL: apiB + "/1", Method: "POST", Body: BodyText},
			routes: map[string]Response{"POST " + apiB + "/1": redirectTo(302, apiB+"/2", pageA), "GET " + apiB + "/2": okActual(pageA)},
			want:   ReasonNone, wantOrigin: pageA, lastMethod: "GET"},
		{name: "308 POST stays POST", req: Request{Origin: pageA, URL: apiB + "/1", Method: "POST", Body: BodyText},
			routes: map[string]Response{"POST " + apiB + "/1": redirectTo(308, apiB+"/2", pageA), "POST " + apiB + "/2": okActual(pageA)},
			want:   ReasonNone, wantOrigin: pageA, lastMethod: "POST"},
		{name: "location with userinfo", req: Request{Origin: pageA, URL: apiB + "/1"},
			routes: map[string]Response{"GET " + apiB + "/1": redirectTo(302, "https://u:p@api.example/2", pageA)},
			want:   ReasonRedirectContainsCredentials, wantOrigin: pageA, lastMethod: "GET"},
		{name: "location with non-http scheme", req: Request{Origin: pageA, URL: apiB + "/1"},
			routes: map[string]Response{"GET " + apiB + "/1": redirectTo(302, "ftp://api.example/2", pageA)},
			want:   ReasonCorsDisabledScheme, wantOrigin: pageA, lastMethod: "GET"},
		{name: "redirect mode error", req: Request{Origin: pageA, URL: apiB + "/1", Redirect: RedirectError},
			routes: map[string]Response{"GET " + apiB + "/1": redirectTo(302, apiB+"/2", pageA)},
			want:   ReasonRedirectModeError, wantOrigin: pageA, lastMethod: "GET"},
		{name: "redirect mode manual after a passing CORS check", req: Request{Origin: pageA, URL: apiB + "/1", Redirect: RedirectManual},
			routes: map[string]Response{"GET " + apiB + "/1": redirectTo(302, apiB+"/2", pageA)},
			want:   ReasonNone, wantOrigin: pageA, lastMethod: "GET"},
		{name: "same-origin to cross-origin needs CORS", req: Request{Origin: pageA, URL: pageA + "/1"},
			routes: map[string]Response{"GET " + pageA + "/1": redirectTo(302, apiB+"/2", ""), "GET " + apiB + "/2": okActual(pageA)},
			want:   ReasonNone, wantOrigin: pageA, lastMethod: "GET"},
		{name: "mode same-origin redirected away", req: Request{Origin: pageA, URL: pageA + "/1", Mode: ModeSameOrigin},
			routes: map[string]Response{"GET " + pageA + "/1": redirectTo(302, apiB+"/2", "")},
			want:   ReasonDisallowedByMode, lastMethod: "GET"},
		{name: "3xx without Location is the response", req: Request{Origin: pageA, URL: apiB + "/1"},
			routes: map[string]Response{"GET " + apiB + "/1": {Status: 302, Headers: hdrs("Access-Control-Allow-Origin: *")}},
			want:   ReasonNone, wantOrigin: pageA, lastMethod: "GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.req, routes(tt.routes), Standard)
			if d.Incomplete {
				t.Fatalf("incomplete: %+v", d.Steps)
			}
			last := d.Sent[len(d.Sent)-1]
			o, _ := last.Headers.Get(HeaderOrigin)
			if d.Reason != tt.want || o != tt.wantOrigin || countPreflights(d) != tt.preflights || last.Method != tt.lastMethod {
				t.Errorf("got %q origin %q preflights %d last %s; want %q %q %d %s\n%+v",
					d.Reason, o, countPreflights(d), last.Method, tt.want, tt.wantOrigin, tt.preflights, tt.lastMethod, d.Steps)
			}
		})
	}
}

func TestRedirectDetails(t *testing.T) {
	t.Run("303 drops Content-Type and Authorization on a cross-origin hop", func(t *testing.T) {
		req := Request{Origin: pageA, URL: apiB + "/1", Method: "POST", Body: BodyText, Headers: hdrs("Authorization: t")}
		d := Decide(req, routes(map[string]Response{
			"OPTIONS " + apiB + "/1": okPreflight(pageA, "", "authorization"),
			"POST " + apiB + "/1":    redirectTo(303, apiC+"/2", pageA),
			"GET " + apiC + "/2":     okActual("null"),
		}), Standard)
		last := d.Sent[len(d.Sent)-1]
		if !d.Allowed || last.Headers.Has(headerCT) || last.Headers.Has(headerAuth) || countPreflights(d) != 1 {
			t.Errorf("allowed %v, last request %+v, preflights %d", d.Allowed, last, countPreflights(d))
		}
	})
	t.Run("opaqueredirect has status 0", func(t *testing.T) {
		d := Decide(Request{Origin: pageA, URL: apiB + "/1", Redirect: RedirectManual},
			server(Response{}, redirectTo(301, "/2", "*")), Standard)
		if d.Type != "opaqueredirect" || d.Status != 0 || !d.Allowed {
			t.Errorf("got %+v", d)
		}
	})
}

func TestRedirectLimit(t *testing.T) {
	tests := []struct {
		name string
		hops int
		want Reason
	}{
		{name: "20 redirects are followed", hops: 20, want: ReasonNone},
		{name: "21 redirects fail", hops: 21, want: ReasonTooManyRedirects},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := map[string]Response{}
			for i := range tt.hops {
				m[fmt.Sprintf("GET %s/%d", apiB, i)] = redirectTo(302, fmt.Sprintf("/%d", i+1), "*")
			}
			m[fmt.Sprintf("GET %s/%d", apiB, tt.hops)] = okActual("*")
			d := Decide(Request{Origin: pageA, URL: apiB + "/0"}, routes(m), Standard)
			if d.Reason != tt.want || d.Incomplete {
				t.Errorf("got %q after %d redirects (incomplete %v)", d.Reason, d.Redirects, d.Incomplete)
			}
		})
	}
}

func TestSerializeRequestOrigin(t *testing.T) {
	tests := []struct {
		name  string
		chain string
		want  string
	}{
		{name: "A to B", chain: "https://api.example/", want: pageA},
		{name: "A to B to B prime", chain: "https://api.example/ https://api.example/x", want: pageA},
		{name: "A to B to C", chain: "https://api.example/ https://c.example/", want: "null"},
		{name: "A to B to A", chain: "https://api.example/ https://app.example/", want: "null"},
		{name: "A to A prime to B", chain: "https://app.example/ https://app.example/x https://api.example/", want: pageA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var us []urlT
			for _, s := range strings.Fields(tt.chain) {
				u, err := parseURL(s)
				if err != nil {
					t.Fatal(err)
				}
				us = append(us, u)
			}
			if got := serializeRequestOrigin(parseOrigin(pageA), us); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

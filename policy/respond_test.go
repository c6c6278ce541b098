package policy

import (
	"net/http"
	"reflect"
	"testing"
)

func TestAnswer(t *testing.T) {
	const (
		app   = "https://app.example.test"
		evil  = "https://evil.example"
		items = "/api/items"
		open  = "/api/public/feed"
	)
	// The default policy: credentials with one origin, and a route with "*".
	p := Default()
	preflight := func(path, origin string) Request {
		return Request{Method: http.MethodOptions, Path: path, Origin: origin, HasRequestMethod: true, RequestMethod: "PUT"}
	}
	actual := func(path, origin string) Request {
		return Request{Method: http.MethodGet, Path: path, Origin: origin}
	}
	tests := []struct {
		desc string
		req  Request
		want Answer
	}{
		{
			desc: "preflight from an allowed origin with credentials",
			req:  preflight(items, app),
			want: Answer{Preflight: true, Status: http.StatusNoContent, OriginAllowed: true, Header: http.Header{
				"Vary":                             {"Origin, Access-Control-Request-Method, Access-Control-Request-Headers"},
				"Access-Control-Allow-Origin":      {app},
				"Access-Control-Allow-Credentials": {"true"},
				"Access-Control-Allow-Methods":     {"GET, POST, PUT, DELETE, PATCH"},
				"Access-Control-Allow-Headers":     {"Content-Type, Authorization, X-Request-Id"},
				"Access-Control-Max-Age":           {"600"},
			}},
		},
		{
			desc: "preflight from a disallowed origin with credentials",
			req:  preflight(items, evil),
			want: Answer{Preflight: true, Status: http.StatusNoContent, Header: http.Header{
				"Vary": {"Origin, Access-Control-Request-Method, Access-Control-Request-Headers"},
			}},
		},
		{
			desc: "actual request from an allowed origin with credentials",
			req:  actual(items, app),
			want: Answer{OriginAllowed: true, Header: http.Header{
				"Vary":                             {"Origin"},
				"Access-Control-Allow-Origin":      {app},
				"Access-Control-Allow-Credentials": {"true"},
				"Access-Control-Expose-Headers":    {"X-Total-Count, X-Request-Id"},
			}},
		},
		{
			desc: "actual request from a disallowed origin with credentials",
			req:  actual(items, evil),
			want: Answer{Header: http.Header{"Vary": {"Origin"}}},
		},
		{
			desc: "actual request without Origin with credentials",
			req:  actual(items, ""),
			want: Answer{Header: http.Header{"Vary": {"Origin"}}},
		},
		{
			desc: "preflight under the wildcard route",
			req:  preflight(open, evil),
			want: Answer{Preflight: true, Status: http.StatusNoContent, OriginAllowed: true, Header: http.Header{
				"Vary":                         {"Origin, Access-Control-Request-Method, Access-Control-Request-Headers"},
				"Access-Control-Allow-Origin":  {"*"},
				"Access-Control-Allow-Methods": {"GET, POST, PUT, DELETE, PATCH"},
				"Access-Control-Allow-Headers": {"Content-Type, Authorization, X-Request-Id"},
				"Access-Control-Max-Age":       {"600"},
			}},
		},
		{
			desc: "actual request under the wildcard route needs no Vary",
			req:  actual(open, evil),
			want: Answer{OriginAllowed: true, Header: http.Header{
				"Access-Control-Allow-Origin":   {"*"},
				"Access-Control-Expose-Headers": {"X-Total-Count, X-Request-Id"},
			}},
		},
		{
			desc: "actual request under the wildcard route from the null origin",
			req:  actual(open, "null"),
			want: Answer{OriginAllowed: true, Header: http.Header{
				"Access-Control-Allow-Origin":   {"*"},
				"Access-Control-Expose-Headers": {"X-Total-Count, X-Request-Id"},
			}},
		},
		{
			desc: "actual request under the wildcard route without Origin",
			req:  actual(open, ""),
			want: Answer{Header: http.Header{}},
		},
		{
			desc: "OPTIONS without Access-Control-Request-Method is not a preflight",
			req:  Request{Method: http.MethodOptions, Path: items, Origin: app},
			want: Answer{OriginAllowed: true, Header: http.Header{
				"Vary":                             {"Origin"},
				"Access-Control-Allow-Origin":      {app},
				"Access-Control-Allow-Credentials": {"true"},
				"Access-Control-Expose-Headers":    {"X-Total-Count, X-Request-Id"},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			if got := p.Answer(tt.req); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Answer(%+v)\n  got  %+v\n  want %+v", tt.req, got, tt.want)
			}
		})
	}
}

func TestAllowsOriginSubdomainPattern(t *testing.T) {
	rules := Rules{Origins: []string{"https://*.example.test"}}
	tests := []struct {
		origin string
		want   bool
	}{
		{origin: "https://a.example.test", want: true},
		{origin: "https://a.b.example.test", want: true},
		{origin: "https://example.test", want: false},
		{origin: "https://evilexample.test", want: false},
		{origin: "https://.example.test", want: false},
		{origin: "http://a.example.test", want: false},
		{origin: "https://a.example.test:8443", want: false},
		{origin: "https://a.example.test.evil", want: false},
		{origin: "null", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			if got := rules.AllowsOrigin(tt.origin); got != tt.want {
				t.Errorf("AllowsOrigin(%q) = %v, want %v", tt.origin, got, tt.want)
			}
		})
	}
}

package spec

import (
	"strings"
	"testing"
)

func TestPreflightStatus(t *testing.T) {
	tests := []struct {
		name   string
		status int
		loc    bool
		want   Reason
	}{
		{name: "200 passes", status: 200, want: ReasonNone},
		{name: "204 passes", status: 204, want: ReasonNone},
		{name: "299 passes", status: 299, want: ReasonNone},
		{name: "300 without location fails", status: 300, want: ReasonPreflightInvalidStatus},
		{name: "301 redirect refused", status: 301, loc: true, want: ReasonPreflightDisallowedRedirect},
		{name: "302 redirect refused", status: 302, loc: true, want: ReasonPreflightDisallowedRedirect},
		{name: "307 redirect refused", status: 307, loc: true, want: ReasonPreflightDisallowedRedirect},
		{name: "302 without location is a bad status", status: 302, want: ReasonPreflightInvalidStatus},
		{name: "400 fails", status: 400, want: ReasonPreflightInvalidStatus},
		{name: "404 fails", status: 404, want: ReasonPreflightInvalidStatus},
		{name: "405 fails", status: 405, want: ReasonPreflightInvalidStatus},
		{name: "500 fails", status: 500, want: ReasonPreflightInvalidStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pre := okPreflight(pageA, "PUT", "")
			pre.Status = tt.status
			if tt.loc {
				pre.Headers = append(pre.Headers, Header{headerLoc, "/elsewhere"})
			}
			d := Decide(Request{Origin: pageA, URL: apiB + "/r", Method: "PUT"}, server(pre, okActual(pageA)), Standard)
			checkDecision(t, d, tt.want == ReasonNone, tt.want, true)
			if d.ActualSent != (tt.want == ReasonNone) {
				t.Errorf("ActualSent = %v: the actual request is sent only after a passing preflight", d.ActualSent)
			}
		})
	}
}

// The "*" matrix: each wildcard header against the three credentials modes.
func TestWildcardMatrix(t *testing.T) {
	const credsOK = "Access-Control-Allow-Credentials: true"
	tests := []struct {
		name    string
		creds   CredentialsMode
		method  string
		headers Headers
		pre     Response
		act     Response
		want    Reason
		exposed string
	}{
		{name: "ACAO * omit", creds: CredentialsOmit, act: okActual("*"), want: ReasonNone},
		{name: "ACAO * same-origin", creds: CredentialsSameOrigin, act: okActual("*"), want: ReasonNone},
		{name: "ACAO * include", creds: CredentialsInclude, act: okActual("*", credsOK), want: ReasonWildcardOriginNotAllowed},
		{name: "preflight ACAO * include", creds: CredentialsInclude, method: "PUT", pre: okPreflight("*", "PUT", "", credsOK), act: okActual(pageA, credsOK), want: ReasonPreflightWildcardOriginNotAllowed},
		{name: "ACAM * omit", creds: CredentialsOmit, method: "PUT", pre: okPreflight(pageA, "*", ""), act: okActual(pageA), want: ReasonNone},
		{name: "ACAM * same-origin", creds: CredentialsSameOrigin, method: "PUT", pre: okPreflight(pageA, "*", ""), act: okActual(pageA), want: ReasonNone},
		{name: "ACAM * include", creds: CredentialsInclude, method: "PUT", pre: okPreflight(pageA, "*", "", credsOK), act: okActual(pageA, credsOK), want: ReasonMethodDisallowedByPreflightResponse},
		{name: "ACAH * omit", creds: CredentialsOmit, headers: hdrs("X-Foo: 1"), pre: okPreflight(pageA, "", "*"), act: okActual(pageA), want: ReasonNone},
		{name: "ACAH * same-origin", creds: CredentialsSameOrigin, headers: hdrs("X-Foo: 1"), pre: okPreflight(pageA, "", "*"), act: okActual(pageA), want: ReasonNone},
		{name: "ACAH * include", creds: CredentialsInclude, headers: hdrs("X-Foo: 1"), pre: okPreflight(pageA, "", "*", credsOK), act: okActual(pageA, credsOK), want: ReasonHeaderDisallowedByPreflightResponse},
		{name: "ACEH * omit", creds: CredentialsOmit, act: okActual(pageA, "Access-Control-Expose-Headers: *", "X-Foo: 1"), want: ReasonNone, exposed: "access-control-allow-origin,access-control-expose-headers,x-foo"},
		{name: "ACEH * same-origin", creds: CredentialsSameOrigin, act: okActual(pageA, "Access-Control-Expose-Headers: *", "X-Foo: 1"), want: ReasonNone, exposed: "access-control-allow-origin,access-control-expose-headers,x-foo"},
		{name: "ACEH * include", creds: CredentialsInclude, act: okActual(pageA, credsOK, "Access-Control-Expose-Headers: *", "X-Foo: 1"), want: ReasonNone, exposed: ""},
		{name: "ACAM literal * with include and * method", creds: CredentialsInclude, method: "DELETE", pre: okPreflight(pageA, "*, DELETE", "", credsOK), act: okActual(pageA, credsOK), want: ReasonNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := Request{Origin: pageA, URL: apiB + "/r", Method: tt.method, Headers: tt.headers, Credentials: tt.creds}
			d := Decide(req, server(tt.pre, tt.act), Standard)
			if d.Reason != tt.want {
				t.Fatalf("reason %q, want %q; steps %+v", d.Reason, tt.want, d.Steps)
			}
			if got := strings.Join(d.Exposed, ","); d.Allowed && got != tt.exposed {
				t.Errorf("exposed %q, want %q", got, tt.exposed)
			}
		})
	}
}

func TestPreflightChecks(t *testing.T) {
	tests := []struct {
		name      string
		profile   Profile
		method    string
		headers   Headers
		creds     CredentialsMode
		pre       Response
		want      Reason
		wantParam string
		wantACRH  string
		wantDev   string
	}{
		{name: "patch with ACAM PATCH is blocked", method: "patch", pre: okPreflight(pageA, "PATCH", ""), want: ReasonMethodDisallowedByPreflightResponse, wantParam: "patch"},
		{name: "patch with ACAM patch passes", method: "patch", pre: okPreflight(pageA, "patch", ""), want: ReasonNone},
		{name: "PATCH with ACAM PATCH passes", method: "PATCH", pre: okPreflight(pageA, "PATCH", ""), want: ReasonNone},
		{name: "patch blocked in Chromium too", profile: Chromium, method: "patch", pre: okPreflight(pageA, "PATCH", ""), want: ReasonMethodDisallowedByPreflightResponse, wantParam: "patch"},
		{name: "put lowercase normalized and allowed by PUT", method: "put", pre: okPreflight(pageA, "PUT", ""), want: ReasonNone},
		{name: "method missing from ACAM", method: "DELETE", pre: okPreflight(pageA, "PUT", ""), want: ReasonMethodDisallowedByPreflightResponse, wantParam: "DELETE"},
		{name: "no ACAM at all", method: "PUT", pre: okPreflight(pageA, "", ""), want: ReasonMethodDisallowedByPreflightResponse, wantParam: "PUT"},
		{name: "POST with custom header needs no ACAM", method: "POST", headers: hdrs("X-Foo: 1"), pre: okPreflight(pageA, "", "x-foo"), want: ReasonNone, wantACRH: "x-foo"},
		{name: "invalid ACAM syntax", method: "PUT", pre: okPreflight(pageA, "GET PUT", ""), want: ReasonInvalidAllowMethodsPreflightResponse},
		{name: "invalid ACAH syntax", method: "PUT", pre: okPreflight(pageA, "PUT", "X-A;"), want: ReasonInvalidAllowHeadersPreflightResponse},
		{name: "invalid ACAH even if unused", method: "PUT", pre: okPreflight(pageA, "PUT", "(x)"), want: ReasonInvalidAllowHeadersPreflightResponse},
		{name: "header missing", headers: hdrs("X-Bar: 1"), pre: okPreflight(pageA, "", "x-foo"), want: ReasonHeaderDisallowedByPreflightResponse, wantParam: "x-bar", wantACRH: "x-bar"},
		{name: "header case-insensitive", headers: hdrs("X-Foo: 1"), pre: okPreflight(pageA, "", "X-FOO"), want: ReasonNone, wantACRH: "x-foo"},
		{name: "content-type json needs listing", method: "POST", headers: hdrs("Content-Type: application/json"), pre: okPreflight(pageA, "", ""), want: ReasonHeaderDisallowedByPreflightResponse, wantParam: "content-type", wantACRH: "content-type"},
		{name: "authorization under * standard", headers: hdrs("Authorization: Bearer t"), pre: okPreflight(pageA, "", "*"), want: ReasonHeaderDisallowedByPreflightResponse, wantParam: "authorization", wantACRH: "authorization"},
		{name: "authorization under * chromium", profile: Chromium, headers: hdrs("Authorization: Bearer t"), pre: okPreflight(pageA, "", "*"), want: ReasonNone, wantACRH: "authorization", wantDev: DevAuthorizationWildcard},
		{name: "authorization under * chromium with include", profile: Chromium, creds: CredentialsInclude, headers: hdrs("Authorization: Bearer t"),
			pre: okPreflight(pageA, "", "*", "Access-Control-Allow-Credentials: true"), want: ReasonHeaderDisallowedByPreflightResponse, wantParam: "authorization", wantACRH: "authorization"},
		{name: "authorization listed explicitly", headers: hdrs("Authorization: Bearer t"), pre: okPreflight(pageA, "", "Authorization"), want: ReasonNone, wantACRH: "authorization"},
		{name: "authorization checked before other headers", headers: hdrs("X-A: 1", "Authorization: t"), pre: okPreflight(pageA, "", "*"), want: ReasonHeaderDisallowedByPreflightResponse, wantParam: "authorization", wantACRH: "authorization,x-a"},
		{name: "preflight ACAO missing", method: "PUT", pre: Response{Status: 200, Headers: hdrs("Access-Control-Allow-Methods: PUT")}, want: ReasonPreflightMissingAllowOriginHeader},
		{name: "preflight ACAO mismatch", method: "PUT", pre: okPreflight("https://other.example", "PUT", ""), want: ReasonPreflightAllowOriginMismatch, wantParam: "https://other.example"},
		{name: "preflight include without ACAC", method: "PUT", creds: CredentialsInclude, pre: okPreflight(pageA, "PUT", ""), want: ReasonPreflightInvalidAllowCredentials},
		{name: "user-agent preflighted by standard", headers: hdrs("User-Agent: bot"), pre: okPreflight(pageA, "", ""), want: ReasonHeaderDisallowedByPreflightResponse, wantParam: "user-agent", wantACRH: "user-agent"},
		{name: "user-agent dropped by chromium", profile: Chromium, headers: hdrs("User-Agent: bot"), pre: okPreflight(pageA, "", ""), want: ReasonNone, wantDev: DevUserAgentForbidden},
		{name: "dpr preflighted by standard", headers: hdrs("DPR: 2"), pre: okPreflight(pageA, "", ""), want: ReasonHeaderDisallowedByPreflightResponse, wantParam: "dpr", wantACRH: "dpr"},
		{name: "dpr simple in chromium", profile: Chromium, headers: hdrs("DPR: 2"), pre: okPreflight(pageA, "", ""), want: ReasonNone, wantDev: DevClientHintsSafelisted},
		{name: "stream body always preflights", method: "POST", pre: okPreflight(pageA, "", ""), want: ReasonNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.profile
			if p.Name == "" {
				p = Standard
			}
			req := Request{Origin: pageA, URL: apiB + "/r", Method: tt.method, Headers: tt.headers, Credentials: tt.creds}
			if strings.HasPrefix(tt.name, "stream") {
				req.Body = BodyStream
			}
			act := okActual(pageA, "Access-Control-Allow-Credentials: true")
			d := Decide(req, server(tt.pre, act), p)
			if d.Reason != tt.want || d.FailedParameter != tt.wantParam || d.RequestHeaders != tt.wantACRH {
				t.Errorf("got %q %q ACRH %q, want %q %q ACRH %q\nsteps %+v", d.Reason, d.FailedParameter, d.RequestHeaders, tt.want, tt.wantParam, tt.wantACRH, d.Steps)
			}
			if tt.wantDev != "" && !hasDeviation(d, tt.wantDev) {
				t.Errorf("deviations %v lack %q", d.Deviations, tt.wantDev)
			}
			if tt.wantDev == "" && len(d.Deviations) > 0 {
				t.Errorf("unexpected deviations %v", d.Deviations)
			}
		})
	}
}

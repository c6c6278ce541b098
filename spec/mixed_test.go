package spec

import "testing"

func TestMixedContent(t *testing.T) {
	const httpAPI = "http://api.example"
	anyOrigin := func(ServerRequest) (Response, bool) { return okActual("*"), true }
	tests := []struct {
		name      string
		req       Request
		srv       Server
		p         Profile
		want      Reason
		sent      int    // requests the model sent
		deviation string // expected in Deviations
	}{
		{name: "https page to plain http is blocked before sending",
			req: Request{Origin: pageA, URL: httpAPI + "/x"}, srv: anyOrigin, p: Standard, want: ReasonMixedContent},
		{name: "no-cors does not escape it",
			req: Request{Origin: pageA, URL: httpAPI + "/x", Mode: ModeNoCORS}, srv: anyOrigin, p: Standard, want: ReasonMixedContent},
		{name: "https page to http loopback is allowed: potentially trustworthy",
			req: Request{Origin: pageA, URL: "http://127.0.0.1:8080/x"}, srv: anyOrigin, p: Standard, want: ReasonNone, sent: 1},
		{name: "localhost too",
			req: Request{Origin: pageA, URL: "http://localhost:8080/x"}, srv: anyOrigin, p: Chromium, want: ReasonNone, sent: 1},
		{name: "and ::1",
			req: Request{Origin: pageA, URL: "http://[::1]:8080/x"}, srv: anyOrigin, p: Firefox, want: ReasonNone, sent: 1},
		{name: "a name that only ends in localhost is not loopback",
			req: Request{Origin: pageA, URL: "http://evillocalhost/x"}, srv: anyOrigin, p: Standard, want: ReasonMixedContent},
		{name: "WebKit blocks loopback, a known deviation",
			req: Request{Origin: pageA, URL: "http://127.0.0.1:8080/x"}, srv: anyOrigin, p: WebKit, want: ReasonMixedContent, deviation: DevMixedContentLoopback},
		{name: "an http page may fetch http",
			req: Request{Origin: "http://app.example", URL: httpAPI + "/x"}, srv: anyOrigin, p: WebKit, want: ReasonNone, sent: 1},
		{name: "a sandboxed page's origin is null, but its document came over https",
			req: Request{Origin: "null", PageURL: "https://sandbox.example/page", URL: httpAPI + "/x"}, srv: anyOrigin, p: Standard, want: ReasonMixedContent},
		{name: "an http page with an opaque origin is not checked",
			req: Request{Origin: "null", PageURL: "http://sandbox.example/page", URL: httpAPI + "/x"}, srv: anyOrigin, p: Standard, want: ReasonNone, sent: 1},
		{name: "a redirect to plain http is checked on its hop",
			req: Request{Origin: pageA, URL: apiB + "/1"},
			srv: routes(map[string]Response{"GET " + apiB + "/1": redirectTo(302, httpAPI+"/2", pageA)}),
			p:   Standard, want: ReasonMixedContent, sent: 1},
		{name: "a preflighted request is blocked before its preflight",
			req: Request{Origin: pageA, URL: httpAPI + "/x", Method: "PUT"}, srv: anyOrigin, p: Standard, want: ReasonMixedContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.req, tt.srv, tt.p)
			if d.Reason != tt.want || d.Allowed != (tt.want == ReasonNone) {
				t.Errorf("allowed=%v reason=%q, want reason %q\nsteps: %+v", d.Allowed, d.Reason, tt.want, d.Steps)
			}
			if len(d.Sent) != tt.sent {
				t.Errorf("sent %d requests, want %d: %+v", len(d.Sent), tt.sent, d.Sent)
			}
			gotDev := len(d.Deviations) == 1 && d.Deviations[0] == tt.deviation
			if tt.deviation == "" {
				gotDev = len(d.Deviations) == 0
			}
			if !gotDev {
				t.Errorf("deviations %v, want [%s]", d.Deviations, tt.deviation)
			}
			if tt.want == ReasonMixedContent {
				last := d.Steps[len(d.Steps)-1]
				if last.Rule != RuleMixedContent || last.OK {
					t.Errorf("the last step is %+v, want a failed %s step", last, RuleMixedContent)
				}
			}
		})
	}
}

func TestWithoutMixedContentDecidesOnTheHeaders(t *testing.T) {
	req := Request{Origin: pageA, URL: "http://api.example/x", Credentials: CredentialsInclude}
	srv := func(ServerRequest) (Response, bool) { return okActual("*"), true }
	if d := Decide(req, srv, Standard); d.Reason != ReasonMixedContent {
		t.Fatalf("reason %q, want mixed content", d.Reason)
	}
	d := Decide(req, srv, Standard, WithoutMixedContent())
	if d.Reason != ReasonWildcardOriginNotAllowed || len(d.Sent) != 1 {
		t.Errorf("without mixed content: reason %q after %d requests, want the CORS check's %q after 1", d.Reason, len(d.Sent), ReasonWildcardOriginNotAllowed)
	}
}

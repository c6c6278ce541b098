package spec

import (
	"strings"
	"testing"
)

func TestPlan(t *testing.T) {
	tests := []struct {
		name     string
		req      Request
		profile  Profile
		invalid  bool
		needs    bool
		acrm     string
		acrh     string
		why      string // substring
		headers  string // Name=value|... of the normalized request
		dropped  string
		wantDevs string
	}{
		{name: "simple GET adds Accept", req: Request{URL: apiB}, headers: "Accept=*/*"},
		{name: "own Accept kept", req: Request{URL: apiB, Headers: hdrs("Accept: application/json")}, headers: "Accept=application/json"},
		{name: "PUT preflights", req: Request{URL: apiB, Method: "PUT"}, needs: true, acrm: "PUT", why: "method PUT is not CORS-safelisted", headers: "Accept=*/*"},
		{name: "patch keeps case in ACRM", req: Request{URL: apiB, Method: "patch"}, needs: true, acrm: "patch", why: "method patch is not CORS-safelisted", headers: "Accept=*/*"},
		{name: "post is simple", req: Request{URL: apiB, Method: "post", Body: BodyText}, headers: "Content-Type=text/plain;charset=UTF-8|Accept=*/*"},
		{name: "x-foo in ACRH", req: Request{URL: apiB, Headers: hdrs("X-Foo: 1")}, needs: true, acrm: "GET", acrh: "x-foo", why: "header x-foo is not CORS-safelisted", headers: "X-Foo=1|Accept=*/*"},
		{name: "json content type why", req: Request{URL: apiB, Method: "POST", Headers: hdrs("Content-Type: application/json")}, needs: true, acrm: "POST", acrh: "content-type",
			why: "content-type value application/json is not safelisted", headers: "Content-Type=application/json|Accept=*/*"},
		{name: "ACRH sorted without spaces", req: Request{URL: apiB, Headers: hdrs("X-C: 1", "X-B: 1", "Authorization: t", "Content-Type: application/json")}, needs: true, acrm: "GET",
			acrh: "authorization,content-type,x-b,x-c", headers: "X-C=1|X-B=1|Authorization=t|Content-Type=application/json|Accept=*/*"},
		{name: "value whitespace trimmed", req: Request{URL: apiB, Headers: hdrs("Accept-Language:  en ")}, headers: "Accept-Language=en|Accept=*/*"},
		{name: "forbidden header dropped silently", req: Request{URL: apiB, Headers: hdrs("Cookie: a=b", "Sec-Foo: 1", "Proxy-X: 1")}, headers: "Accept=*/*", dropped: "cookie,sec-foo,proxy-x"},
		{name: "method override with TRACE dropped", req: Request{URL: apiB, Headers: hdrs("X-HTTP-Method-Override: TRACE")}, headers: "Accept=*/*", dropped: "x-http-method-override"},
		{name: "method override with PUT is unsafe", req: Request{URL: apiB, Headers: hdrs("X-HTTP-Method-Override: PUT")}, needs: true, acrm: "GET", acrh: "x-http-method-override", headers: "X-HTTP-Method-Override=PUT|Accept=*/*"},
		{name: "user-agent unsafe in standard", req: Request{URL: apiB, Headers: hdrs("User-Agent: x")}, needs: true, acrm: "GET", acrh: "user-agent", headers: "User-Agent=x|Accept=*/*"},
		{name: "user-agent dropped in chromium", profile: Chromium, req: Request{URL: apiB, Headers: hdrs("User-Agent: x")}, headers: "Accept=*/*", dropped: "user-agent", wantDevs: DevUserAgentForbidden},
		{name: "blob json preflights", req: Request{URL: apiB, Method: "POST", Body: BodyBlob, BlobType: "application/json"}, needs: true, acrm: "POST", acrh: "content-type", headers: "Content-Type=application/json|Accept=*/*"},
		{name: "blob without type", req: Request{URL: apiB, Method: "POST", Body: BodyBlob}, headers: "Accept=*/*"},
		{name: "urlsearchparams simple", req: Request{URL: apiB, Method: "POST", Body: BodyURLSearchParams}, headers: "Content-Type=application/x-www-form-urlencoded;charset=UTF-8|Accept=*/*"},
		{name: "formdata simple", req: Request{URL: apiB, Method: "POST", Body: BodyFormData}, headers: "Content-Type=" + formDataContentType + "|Accept=*/*"},
		{name: "explicit content type wins over body", req: Request{URL: apiB, Method: "POST", Body: BodyText, Headers: hdrs("Content-Type: application/json")}, needs: true, acrm: "POST", acrh: "content-type", headers: "Content-Type=application/json|Accept=*/*"},
		{name: "stream body preflights", req: Request{URL: apiB, Method: "POST", Body: BodyStream}, needs: true, acrm: "POST", why: "use-CORS-preflight", headers: "Accept=*/*"},
		{name: "no-cors drops x-foo", req: Request{URL: apiB, Mode: ModeNoCORS, Headers: hdrs("X-Foo: 1", "Accept-Language: en")}, headers: "Accept-Language=en|Accept=*/*", dropped: "x-foo"},
		{name: "no-cors drops json content type", req: Request{URL: apiB, Mode: ModeNoCORS, Method: "POST", Body: BodyBlob, BlobType: "application/json"}, headers: "Accept=*/*", dropped: "content-type"},
		{name: "no-cors drops range", req: Request{URL: apiB, Mode: ModeNoCORS, Headers: hdrs("Range: bytes=0-1")}, headers: "Accept=*/*", dropped: "range"},
		{name: "URL with userinfo throws", req: Request{URL: "https://u:p@api.example/"}, invalid: true},
		{name: "relative URL throws", req: Request{URL: "/x"}, invalid: true},
		{name: "CONNECT throws", req: Request{URL: apiB, Method: "CONNECT"}, invalid: true},
		{name: "track throws", req: Request{URL: apiB, Method: "track"}, invalid: true},
		{name: "method with a space throws", req: Request{URL: apiB, Method: "GE T"}, invalid: true},
		{name: "GET with a body throws", req: Request{URL: apiB, Body: BodyText}, invalid: true},
		{name: "HEAD with a body throws", req: Request{URL: apiB, Method: "HEAD", Body: BodyText}, invalid: true},
		{name: "no-cors PUT throws", req: Request{URL: apiB, Method: "PUT", Mode: ModeNoCORS}, invalid: true},
		{name: "only-if-cached in cors mode throws", req: Request{URL: apiB, Cache: "only-if-cached"}, invalid: true},
		{name: "stream in no-cors throws", req: Request{URL: apiB, Method: "POST", Mode: ModeNoCORS, Body: BodyStream}, invalid: true},
		{name: "bad header name throws", req: Request{URL: apiB, Headers: hdrs("X Foo: 1")}, invalid: true},
		{name: "header value with LF inside throws", req: Request{URL: apiB, Headers: Headers{{"X-Foo", "a\nb"}}}, invalid: true},
		{name: "header value with NUL throws", req: Request{URL: apiB, Headers: Headers{{"X-Foo", "a\x00b"}}}, invalid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.profile
			if p.Name == "" {
				p = Standard
			}
			tt.req.Origin = pageA
			pr := Plan(tt.req, p)
			if pr.Invalid != tt.invalid {
				t.Fatalf("invalid %v (%s), want %v", pr.Invalid, pr.InvalidWhy, tt.invalid)
			}
			if pr.Invalid {
				return
			}
			var hs []string
			for _, h := range pr.Headers {
				hs = append(hs, h.Name+"="+h.Value)
			}
			if pr.NeedsPreflight != tt.needs || pr.RequestMethod != tt.acrm || pr.RequestHeaders != tt.acrh ||
				!strings.Contains(pr.Why, tt.why) || strings.Join(hs, "|") != tt.headers ||
				strings.Join(pr.Dropped, ",") != tt.dropped || strings.Join(pr.Deviations, ",") != tt.wantDevs {
				t.Errorf("got %+v", pr)
			}
		})
	}
}

func TestModesAndCredentials(t *testing.T) {
	tests := []struct {
		name        string
		req         Request
		act         Response
		want        Reason
		typ         string
		status      int
		cookiesSent bool
		sent        int
		exposed     string
	}{
		{name: "same-origin GET is basic, no Origin needed", req: Request{Origin: pageA, URL: pageA + "/x"}, act: Response{Status: 200, Headers: hdrs("X-Foo: 1", "Set-Cookie: a=b")},
			typ: "basic", status: 200, cookiesSent: true, sent: 1, exposed: "x-foo"},
		{name: "same-origin PUT needs no preflight", req: Request{Origin: pageA, URL: pageA + "/x", Method: "PUT"}, act: Response{Status: 201},
			typ: "basic", status: 201, cookiesSent: true, sent: 1},
		{name: "cross-origin same-origin credentials send no cookies", req: Request{Origin: pageA, URL: apiB + "/x"}, act: okActual(pageA),
			typ: "cors", status: 200, sent: 1, exposed: ""},
		{name: "include sends cookies", req: Request{Origin: pageA, URL: apiB + "/x", Credentials: CredentialsInclude}, act: okActual(pageA, "Access-Control-Allow-Credentials: true"),
			typ: "cors", status: 200, cookiesSent: true, sent: 1},
		{name: "include blocked still sent with cookies", req: Request{Origin: pageA, URL: apiB + "/x", Credentials: CredentialsInclude}, act: okActual(pageA),
			want: ReasonInvalidAllowCredentials, cookiesSent: true, sent: 1},
		{name: "omit same-origin sends no cookies", req: Request{Origin: pageA, URL: pageA + "/x", Credentials: CredentialsOmit}, act: Response{Status: 200},
			typ: "basic", status: 200, sent: 1},
		{name: "no-cors gives opaque", req: Request{Origin: pageA, URL: apiB + "/x", Mode: ModeNoCORS}, act: Response{Status: 200, Headers: hdrs("X-Foo: 1")},
			typ: "opaque", status: 0, sent: 1},
		{name: "no-cors with redirect manual fails", req: Request{Origin: pageA, URL: apiB + "/x", Mode: ModeNoCORS, Redirect: RedirectManual}, want: ReasonNoCorsRedirectModeNotFollow},
		{name: "mode same-origin cross-origin fails unsent", req: Request{Origin: pageA, URL: apiB + "/x", Mode: ModeSameOrigin}, want: ReasonDisallowedByMode},
		{name: "error status readable with CORS", req: Request{Origin: pageA, URL: apiB + "/x"}, act: Response{Status: 500, Headers: hdrs("Access-Control-Allow-Origin: *")},
			typ: "cors", status: 500, sent: 1},
		{name: "blocked simple request still reached the server", req: Request{Origin: pageA, URL: apiB + "/x", Method: "POST", Body: BodyText}, act: Response{Status: 200},
			want: ReasonMissingAllowOriginHeader, sent: 1},
		{name: "opaque page origin sends null", req: Request{Origin: "null", URL: apiB + "/x"}, act: okActual("null"), typ: "cors", status: 200, sent: 1},
		{name: "invalid request sends nothing", req: Request{Origin: pageA, URL: apiB + "/x", Method: "TRACE"}, want: ReasonInvalidRequest},
		{name: "non-http scheme", req: Request{Origin: pageA, URL: "ftp://api.example/x"}, want: ReasonCorsDisabledScheme},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.req, server(Response{}, tt.act), Standard)
			if d.Reason != tt.want || d.Type != tt.typ || d.Status != tt.status || d.CookiesSent != tt.cookiesSent ||
				len(d.Sent) != tt.sent || strings.Join(d.Exposed, ",") != tt.exposed || d.Allowed != (tt.want == ReasonNone) {
				t.Errorf("got %+v", d)
			}
			if len(d.Sent) > 0 {
				o, has := d.Sent[0].Headers.Get(HeaderOrigin)
				wantHas := d.Type != "basic" && tt.req.Mode != ModeNoCORS || (tt.req.Method != "" && tt.req.Method != "GET")
				if has != wantHas {
					t.Errorf("Origin header %q present %v, want %v", o, has, wantHas)
				}
			}
		})
	}
}

func TestIncomplete(t *testing.T) {
	d := Decide(Request{Origin: pageA, URL: apiB + "/x", Method: "PUT"}, routes(nil), Standard)
	if !d.Incomplete || d.Allowed || len(d.Sent) != 1 || !d.Sent[0].Preflight {
		t.Errorf("got %+v", d)
	}
	h := d.Sent[0].Headers
	want := "Origin=https://app.example|Access-Control-Request-Method=PUT|Accept=*/*"
	var got []string
	for _, x := range h {
		got = append(got, x.Name+"="+x.Value)
	}
	if strings.Join(got, "|") != want {
		t.Errorf("preflight headers %q, want %q", strings.Join(got, "|"), want)
	}
}

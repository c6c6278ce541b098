package browser

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func fetch(t *testing.T, f Fetch) Observation {
	t.Helper()
	e := needBrowser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	o, err := e.Fetch(ctx, f)
	if err != nil {
		t.Fatalf("Fetch(%s): %v", f.URL, err)
	}
	if len(o.Notes) > 0 {
		t.Logf("notes: %q", o.Notes)
	}
	return o
}

func TestFetchReportsTheBrowsersCORSVerdict(t *testing.T) {
	for _, tc := range []struct {
		desc          string
		query         string
		method        string
		headers       []Header
		credentials   string
		wantAllowed   bool
		wantCorsError string
		wantParam     string
	}{
		{desc: "simple GET with ACAO * is allowed", query: "acao=*", wantAllowed: true},
		{desc: "simple GET without ACAO is blocked", query: "", wantCorsError: "MissingAllowOriginHeader"},
		{desc: "credentialed GET with ACAO * is blocked", query: "acao=*", credentials: "include",
			wantCorsError: "WildcardOriginNotAllowed"},
		{desc: "PUT whose preflight lacks ACAM is blocked on the method", query: "acao=*", method: "PUT",
			wantCorsError: "MethodDisallowedByPreflightResponse", wantParam: "PUT"},
		{desc: "custom header not in ACAH is blocked on the header", query: "acao=*&acah=x-foo",
			headers: []Header{{Name: "X-Bar", Value: "1"}}, wantCorsError: "HeaderDisallowedByPreflightResponse", wantParam: "x-bar"},
		{desc: "PUT allowed by the preflight", query: "acao=*&acam=PUT", method: "PUT", wantAllowed: true},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			o := fetch(t, Fetch{PageURL: appPage, URL: uniqueURL(tc.query), Method: tc.method,
				Headers: tc.headers, Credentials: tc.credentials})
			if o.Allowed != tc.wantAllowed || o.CorsError != tc.wantCorsError || o.FailedParameter != tc.wantParam {
				t.Errorf("got allowed=%v cors=%q param=%q error=%q, want allowed=%v cors=%q param=%q",
					o.Allowed, o.CorsError, o.FailedParameter, o.Error, tc.wantAllowed, tc.wantCorsError, tc.wantParam)
			}
			if !o.Allowed && o.Error != "TypeError: Failed to fetch" {
				t.Errorf("script saw %q, want TypeError: Failed to fetch", o.Error)
			}
			if o.Allowed && (o.Status != 200 || o.Type != "cors" || !strings.HasPrefix(o.Body, "hello")) {
				t.Errorf("script saw status=%d type=%q body=%q", o.Status, o.Type, o.Body)
			}
		})
	}
}

func TestPreflightExchangeIsCapturedWithItsWireHeaders(t *testing.T) {
	u := uniqueURL("acao=*&acam=PUT&acah=x-foo")
	o := fetch(t, Fetch{PageURL: appPage, URL: u, Method: "PUT", Headers: []Header{{Name: "X-Foo", Value: "1"}}})
	if !o.Allowed {
		t.Fatalf("blocked: %s %s", o.CorsError, o.Error)
	}
	p := o.Preflight
	if p == nil {
		t.Fatal("no preflight captured")
	}
	if p.Method != "OPTIONS" || p.URL != u || p.Status != 204 {
		t.Errorf("preflight = %s %s %d", p.Method, p.URL, p.Status)
	}
	for name, want := range map[string]string{
		"Access-Control-Request-Method":  "PUT",
		"Access-Control-Request-Headers": "x-foo",
		"Origin":                         "https://" + appHost,
	} {
		if got, _ := HeaderValue(p.RequestHeaders, name); got != want {
			t.Errorf("preflight request %s = %q, want %q", name, got, want)
		}
	}
	if got, _ := HeaderValue(p.ResponseHeaders, "Access-Control-Allow-Methods"); got != "PUT" {
		t.Errorf("preflight response ACAM = %q, want PUT", got)
	}
	if len(o.Actual) != 1 || o.Actual[0].Method != "PUT" || o.Actual[0].Status != 200 {
		t.Errorf("actual = %+v", o.Actual)
	}
	if n := len(site.requests(mustPath(t, u))); n != 2 {
		t.Errorf("server saw %d requests, want OPTIONS + PUT", n)
	}
}

func TestFailedPreflightMeansNoActualRequest(t *testing.T) {
	u := uniqueURL("acao=*")
	o := fetch(t, Fetch{PageURL: appPage, URL: u, Method: "PUT"})
	if o.Preflight == nil || o.Preflight.Status != 204 {
		t.Errorf("preflight = %+v, want the 204 exchange", o.Preflight)
	}
	if len(o.Actual) != 0 {
		t.Errorf("actual = %+v, want none: the PUT never left the browser", o.Actual)
	}
	if hits := site.requests(mustPath(t, u)); len(hits) != 1 || hits[0].Method != "OPTIONS" {
		t.Errorf("server saw %d requests, want only the OPTIONS", len(hits))
	}
}

func TestBlockedSimpleResponseKeepsItsWireHeaders(t *testing.T) {
	o := fetch(t, Fetch{PageURL: appPage, URL: uniqueURL("x")})
	if o.Allowed || o.CorsError != "MissingAllowOriginHeader" {
		t.Fatalf("allowed=%v cors=%q", o.Allowed, o.CorsError)
	}
	if len(o.Actual) != 1 {
		t.Fatalf("actual = %+v, want one exchange", o.Actual)
	}
	a := o.Actual[0]
	if a.Status != 200 {
		t.Errorf("wire status = %d, want 200 (script saw nothing)", a.Status)
	}
	if v, _ := HeaderValue(a.ResponseHeaders, "X-Hidden"); v != "2" {
		t.Errorf("wire X-Hidden = %q, want 2; headers %v", v, a.ResponseHeaders)
	}
	if v, _ := HeaderValue(a.RequestHeaders, "Origin"); v != "https://"+appHost {
		t.Errorf("wire Origin = %q", v)
	}
}

func TestOnlyExposedHeadersAreReadable(t *testing.T) {
	o := fetch(t, Fetch{PageURL: appPage, URL: uniqueURL("acao=*&aceh=x-exposed&x")})
	if !o.Allowed {
		t.Fatalf("blocked: %s", o.CorsError)
	}
	if v, ok := HeaderValue(o.Headers, "x-exposed"); !ok || v != "1" {
		t.Errorf("x-exposed = %q %v, want readable", v, ok)
	}
	if _, ok := HeaderValue(o.Headers, "x-hidden"); ok {
		t.Error("x-hidden is readable, want filtered")
	}
	if v, _ := HeaderValue(o.Actual[0].ResponseHeaders, "X-Hidden"); v != "2" {
		t.Errorf("wire X-Hidden = %q, want it captured although hidden from script", v)
	}
}

func TestDuplicateResponseHeaderLinesArePreserved(t *testing.T) {
	o := fetch(t, Fetch{PageURL: appPage, URL: uniqueURL("acao=*&dup")})
	var dups []string
	for _, h := range o.Actual[0].ResponseHeaders {
		if strings.EqualFold(h.Name, "X-Dup") {
			dups = append(dups, h.Value)
		}
	}
	if !slices.Equal(dups, []string{"a", "b"}) {
		t.Errorf("X-Dup lines = %q, want [a b]", dups)
	}
}

func TestCrossSiteCredentialedSetCookieIsReportedBlocked(t *testing.T) {
	q := "acao=https://" + evilHost + "&acac=true&setcookie=" + url.QueryEscape("sid=x1; Path=/; Secure; SameSite=None")
	o := fetch(t, Fetch{PageURL: evilPage, URL: uniqueURL(q), Credentials: "include"})
	if !o.Allowed {
		t.Fatalf("blocked: %s (the CORS headers are right)", o.CorsError)
	}
	i := slices.IndexFunc(o.BlockedCookies, func(c BlockedCookie) bool { return c.Name == "sid" })
	if i < 0 {
		t.Fatalf("blocked cookies = %+v, want sid", o.BlockedCookies)
	}
	if c := o.BlockedCookies[i]; c.Reason == "" || c.Source != "response" {
		t.Errorf("blocked cookie = %+v", c)
	}
	t.Logf("cross-site Set-Cookie blocked: %+v", o.BlockedCookies[i])
}

func TestSameSiteCredentialedSetCookieIsStoredAndSent(t *testing.T) {
	path := "/t/cookie-" + time.Now().Format("150405.000000")
	q := "acao=https://" + appHost + "&acac=true&setcookie=" + url.QueryEscape("sid=s1; Path="+path+"; Secure; SameSite=None")
	first := fetch(t, Fetch{PageURL: appPage, URL: apiBase + path + "?" + q, Credentials: "include"})
	if !first.Allowed || len(first.BlockedCookies) > 0 {
		t.Fatalf("first: allowed=%v cors=%q blocked=%+v", first.Allowed, first.CorsError, first.BlockedCookies)
	}
	second := fetch(t, Fetch{PageURL: appPage, URL: apiBase + path + "?n=2&" + q, Credentials: "include"})
	if v, _ := HeaderValue(second.Actual[0].RequestHeaders, "Cookie"); v != "sid=s1" {
		t.Errorf("second request's wire Cookie = %q, want sid=s1", v)
	}
}

func TestSetCookiePutsACookieInTheJar(t *testing.T) {
	e := needBrowser(t)
	path := "/t/jar-" + time.Now().Format("150405.000000")
	if err := e.SetCookie(context.Background(), apiBase+path, Cookie{Name: "sid", Value: "jar", Path: path, Secure: true, SameSite: "None"}); err != nil {
		t.Fatal(err)
	}
	o := fetch(t, Fetch{PageURL: appPage, URL: apiBase + path + "?acao=https://" + appHost + "&acac=true", Credentials: "include"})
	if v, _ := HeaderValue(o.Actual[0].RequestHeaders, "Cookie"); v != "sid=jar" {
		t.Errorf("wire Cookie = %q, want sid=jar", v)
	}
}

func TestSandboxedPageSendsOriginNull(t *testing.T) {
	o := fetch(t, Fetch{PageURL: "https://" + appHost + "/sandboxed", URL: uniqueURL("acao=null")})
	if len(o.Actual) != 1 {
		t.Fatalf("no network events seen from the sandboxed page: %+v", o)
	}
	if v, _ := HeaderValue(o.Actual[0].RequestHeaders, "Origin"); v != "null" {
		t.Errorf("Origin = %q, want null", v)
	}
	if !o.Allowed {
		t.Errorf("ACAO null should allow an opaque origin: %s", o.CorsError)
	}
}

// A data: page runs the fetch, but its opaque origin has no IP address
// space, so Chromium's Local Network Access blocks it before the request
// leaves: every test host resolves to loopback. So a data: page is no
// substitute for the CSP-sandboxed page here; this test pins that down.
func TestDataURLPageRunsButIsBlockedByLocalNetworkAccess(t *testing.T) {
	start := time.Now()
	o := fetch(t, Fetch{PageURL: "data:text/html,<title>opaque</title>", URL: uniqueURL("acao=*")})
	if o.Allowed || o.Error != "TypeError: Failed to fetch" {
		t.Fatalf("allowed=%v error=%q", o.Allowed, o.Error)
	}
	if !strings.Contains(o.CorsError, "LocalNetwork") && !strings.Contains(o.CorsError, "PrivateNetwork") {
		t.Errorf("cors error = %q, want a Local Network Access block", o.CorsError)
	}
	if len(o.Actual) != 0 {
		t.Errorf("actual = %+v, want none: blocked before sending", o.Actual)
	}
	if len(o.Notes) > 0 || time.Since(start) > time.Second {
		t.Errorf("waited %v for events that never come: %q", time.Since(start), o.Notes)
	}
	t.Logf("data: page: cors=%q", o.CorsError)
}

func TestBodyKinds(t *testing.T) {
	for _, tc := range []struct {
		kind, blobType, wantType string
	}{
		{kind: "text", wantType: "text/plain;charset=UTF-8"},
		{kind: "urlsearchparams", wantType: "application/x-www-form-urlencoded;charset=UTF-8"},
		{kind: "blob", blobType: "text/plain", wantType: "text/plain"},
		{kind: "arraybuffer", wantType: ""},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			o := fetch(t, Fetch{PageURL: appPage, URL: uniqueURL("acao=*"), Method: "POST",
				Body: "a=1", BodyKind: tc.kind, BlobType: tc.blobType})
			if !o.Allowed {
				t.Fatalf("blocked: %s %s", o.CorsError, o.Error)
			}
			got, _ := HeaderValue(o.Actual[0].RequestHeaders, "Content-Type")
			if got != tc.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tc.wantType)
			}
		})
	}
}

func TestInvalidInitIsReportedWithoutNetwork(t *testing.T) {
	o := fetch(t, Fetch{PageURL: appPage, URL: uniqueURL("acao=*"), Headers: []Header{{Name: "bad name", Value: "x"}}})
	if o.Allowed || !strings.HasPrefix(o.Error, "TypeError") || len(o.Actual) != 0 {
		t.Errorf("got %+v", o)
	}
}

func TestVersionAndName(t *testing.T) {
	e := needBrowser(t)
	if e.Name() != "chromium" || !strings.Contains(e.Version(), "/1") {
		t.Errorf("Name=%q Version=%q", e.Name(), e.Version())
	}
	t.Logf("%s %s, launched in %v", e.Name(), e.Version(), launchTime)
}

func mustPath(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// Chromium serialises the URL its own way ("a b" becomes "a%20b"); the
// engine must still find the request, and say how it did.
func TestRequestIsFoundWhenChromiumReencodesTheURL(t *testing.T) {
	o := fetch(t, Fetch{PageURL: appPage, URL: uniqueURL("acao=*&q=a b")})
	if !o.Allowed || len(o.Actual) != 1 || !strings.Contains(o.Actual[0].URL, "a%20b") {
		t.Fatalf("allowed=%v actual=%+v", o.Allowed, o.Actual)
	}
	if len(o.Notes) != 1 || !strings.Contains(o.Notes[0], "only fetch") {
		t.Errorf("notes = %q, want the by-elimination note", o.Notes)
	}
}

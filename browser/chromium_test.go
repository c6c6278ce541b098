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

// A data: page runs the fetch, but its opaque origin has no IP address
// space, so Chromium's Local Network Access blocks it before the request
// leaves: every test host resolves to loopback. So a data: page is no
// substitute for the CSP-sandboxed page here; this test pins that down.
func TestDataURLPageRunsButIsBlockedByLocalNetworkAccess(t *testing.T) {
	const page = "data:text/html,<title>opaque</title>"
	// Load the tab first: the timing below is of the fetch, not of the
	// page load (which took over a second on a loaded machine).
	fetch(t, Fetch{PageURL: page, URL: uniqueURL("acao=*")})
	start := time.Now()
	o := fetch(t, Fetch{PageURL: page, URL: uniqueURL("acao=*")})
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

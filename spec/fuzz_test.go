package spec

import (
	"strings"
	"testing"
)

// FuzzHeaderParsers feeds one byte string to every header parser and checks
// they never panic and keep their invariants.
func FuzzHeaderParsers(f *testing.F) {
	for _, s := range []string{"PUT, DELETE", "GET,,PUT", "GET PUT", `text/plain; charset="utf-8"`,
		"bytes=0-99", "bytes=-5", "https://app.example", "*", "null", "a/b;x=\"\\", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l := ParseList(Headers{{HeaderAllowMethods, s}}, HeaderAllowMethods)
		if l.State == ListOK {
			for _, it := range l.Items {
				if !IsToken(it) {
					t.Fatalf("ParseList(%q) item %q is not a token", s, it)
				}
			}
		}
		if l.State == ListNull {
			t.Fatalf("ParseList(%q) is null for a present header", s)
		}
		if m, ok := ParseMIMEType(s); ok {
			if m.Type != lowerASCII(m.Type) || !IsToken(m.Type) || !IsToken(m.Subtype) {
				t.Fatalf("ParseMIMEType(%q) = %+v", s, m)
			}
		}
		if r, ok := ParseSingleRange(s, false); ok {
			if r.Start == "" && r.End == "" {
				t.Fatalf("ParseSingleRange(%q) has no bounds", s)
			}
			if r.Start != "" && r.End != "" && decimalLess(r.End, r.Start) {
				t.Fatalf("ParseSingleRange(%q) start after end", s)
			}
		}
		ParseSingleRange(s, true)
		reason, _ := CORSCheck(Response{Headers: Headers{{HeaderAllowOrigin, s}}}, pageA, CredentialsOmit)
		if (reason == ReasonNone) != (s == "*" || s == pageA) {
			t.Fatalf("CORSCheck(%q) = %q", s, reason)
		}
		if IsCORSSafelistedRequestHeader("Accept", s) && (len(s) > 128 || hasUnsafeByte(s)) {
			t.Fatalf("Accept %q safelisted", s)
		}
		ok := IsCORSSafelistedRequestHeader("Content-Type", s)
		if ok && strings.Contains(s, `"`) {
			t.Fatalf("Content-Type %q with a quote safelisted", s)
		}
		ParseMaxAge(Headers{{HeaderMaxAge, s}}, Chromium)
	})
}

// FuzzDecide runs whole decisions over fuzzed server headers: never panic,
// and a blocked fetch always has a reason.
func FuzzDecide(f *testing.F) {
	f.Add("PUT", "x-foo", "https://app.example", "PUT", "x-foo", "600")
	f.Add("patch", "authorization", "*", "*", "*", "-1")
	f.Add("post", "content-type", "null", "GET PUT", "X-A;", "abc")
	f.Fuzz(func(t *testing.T, method, header, acao, acam, acah, maxAge string) {
		req := Request{Origin: pageA, URL: apiB + "/f", Method: method, Headers: Headers{{header, "v"}}}
		pre := Response{Status: 204, Headers: Headers{{HeaderAllowOrigin, acao}, {HeaderAllowMethods, acam}, {HeaderAllowHeaders, acah}, {HeaderMaxAge, maxAge}}}
		for _, p := range []Profile{Standard, Chromium} {
			d := Decide(req, server(pre, Response{Status: 200, Headers: Headers{{HeaderAllowOrigin, acao}}}), p, WithCache(NewCache()))
			if !d.Allowed && d.Reason == ReasonNone && !d.Incomplete {
				t.Fatalf("blocked without a reason: %+v", d)
			}
			if d.Allowed && d.Reason != ReasonNone {
				t.Fatalf("allowed with a reason: %+v", d)
			}
		}
	})
}

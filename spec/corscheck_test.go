package spec

import (
	"strings"
	"testing"
)

// The ACAO parsing vectors of R16 with Chromium's names (R6.3).
func TestCORSCheck(t *testing.T) {
	tests := []struct {
		name      string
		headers   Headers
		origin    string
		creds     CredentialsMode
		want      Reason
		wantParam string
	}{
		{name: "exact origin", headers: hdrs("Access-Control-Allow-Origin: https://app.example"), origin: pageA, want: ReasonNone},
		{name: "trailing slash", headers: hdrs("Access-Control-Allow-Origin: https://app.example/"), origin: pageA, want: ReasonAllowOriginMismatch, wantParam: "https://app.example/"},
		{name: "uppercase", headers: hdrs("Access-Control-Allow-Origin: HTTPS://APP.EXAMPLE"), origin: pageA, want: ReasonAllowOriginMismatch, wantParam: "HTTPS://APP.EXAMPLE"},
		{name: "default port spelled out", headers: hdrs("Access-Control-Allow-Origin: https://app.example:443"), origin: pageA, want: ReasonAllowOriginMismatch, wantParam: "https://app.example:443"},
		{name: "other origin", headers: hdrs("Access-Control-Allow-Origin: https://evil.example"), origin: pageA, want: ReasonAllowOriginMismatch, wantParam: "https://evil.example"},
		{name: "scheme downgrade", headers: hdrs("Access-Control-Allow-Origin: http://app.example"), origin: pageA, want: ReasonAllowOriginMismatch, wantParam: "http://app.example"},
		{name: "missing", headers: hdrs("X: 1"), origin: pageA, want: ReasonMissingAllowOriginHeader},
		{name: "empty value is not a match", headers: hdrs("Access-Control-Allow-Origin: "), origin: pageA, want: ReasonInvalidAllowOriginValue},
		{name: "star omit", headers: hdrs("Access-Control-Allow-Origin: *"), origin: pageA, creds: CredentialsOmit, want: ReasonNone},
		{name: "star same-origin", headers: hdrs("Access-Control-Allow-Origin: *"), origin: pageA, creds: CredentialsSameOrigin, want: ReasonNone},
		{name: "star include", headers: hdrs("Access-Control-Allow-Origin: *"), origin: pageA, creds: CredentialsInclude, want: ReasonWildcardOriginNotAllowed},
		{name: "two lines", headers: hdrs("Access-Control-Allow-Origin: https://app.example", "Access-Control-Allow-Origin: https://b.example"), origin: pageA, want: ReasonMultipleAllowOriginValues, wantParam: "https://app.example, https://b.example"},
		{name: "two identical lines", headers: hdrs("Access-Control-Allow-Origin: https://app.example", "Access-Control-Allow-Origin: https://app.example"), origin: pageA, want: ReasonMultipleAllowOriginValues, wantParam: "https://app.example, https://app.example"},
		{name: "two star lines", headers: hdrs("Access-Control-Allow-Origin: *", "Access-Control-Allow-Origin: *"), origin: pageA, want: ReasonMultipleAllowOriginValues, wantParam: "*, *"},
		{name: "comma list in one line", headers: hdrs("Access-Control-Allow-Origin: https://app.example,https://b.example"), origin: pageA, want: ReasonMultipleAllowOriginValues, wantParam: "https://app.example,https://b.example"},
		{name: "space separated", headers: hdrs("Access-Control-Allow-Origin: https://app.example https://b.example"), origin: pageA, want: ReasonMultipleAllowOriginValues, wantParam: "https://app.example https://b.example"},
		{name: "not an origin", headers: hdrs("Access-Control-Allow-Origin: app.example"), origin: pageA, want: ReasonInvalidAllowOriginValue, wantParam: "app.example"},
		{name: "literal null from a normal page", headers: hdrs("Access-Control-Allow-Origin: null"), origin: pageA, want: ReasonAllowOriginMismatch, wantParam: "null"},
		{name: "null for an opaque origin", headers: hdrs("Access-Control-Allow-Origin: null"), origin: "null", want: ReasonNone},
		{name: "Null is case-sensitive", headers: hdrs("Access-Control-Allow-Origin: Null"), origin: "null", want: ReasonInvalidAllowOriginValue, wantParam: "Null"},
		{name: "include with true", headers: hdrs("Access-Control-Allow-Origin: https://app.example", "Access-Control-Allow-Credentials: true"), origin: pageA, creds: CredentialsInclude, want: ReasonNone},
		{name: "include with True", headers: hdrs("Access-Control-Allow-Origin: https://app.example", "Access-Control-Allow-Credentials: True"), origin: pageA, creds: CredentialsInclude, want: ReasonInvalidAllowCredentials, wantParam: "True"},
		{name: "include without ACAC", headers: hdrs("Access-Control-Allow-Origin: https://app.example"), origin: pageA, creds: CredentialsInclude, want: ReasonInvalidAllowCredentials},
		{name: "include with two ACAC lines", headers: hdrs("Access-Control-Allow-Origin: https://app.example", "Access-Control-Allow-Credentials: true", "Access-Control-Allow-Credentials: true"), origin: pageA, creds: CredentialsInclude, want: ReasonInvalidAllowCredentials, wantParam: "true, true"},
		{name: "ACAC ignored without include", headers: hdrs("Access-Control-Allow-Origin: https://app.example", "Access-Control-Allow-Credentials: nope"), origin: pageA, creds: CredentialsSameOrigin, want: ReasonNone},
		{name: "header name case-insensitive", headers: hdrs("access-control-allow-origin: https://app.example"), origin: pageA, want: ReasonNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, param := CORSCheck(Response{Status: 200, Headers: tt.headers}, tt.origin, tt.creds)
			if got != tt.want || param != tt.wantParam {
				t.Errorf("CORSCheck = %q %q, want %q %q", got, param, tt.want, tt.wantParam)
			}
		})
	}
}

func TestExposedHeaders(t *testing.T) {
	base := []string{"Content-Type: text/plain", "Content-Length: 3", "X-Foo: 1", "X-Bar: 2", "Set-Cookie: a=b", "Cache-Control: no-store"}
	tests := []struct {
		name  string
		extra []string
		creds CredentialsMode
		want  string
	}{
		{name: "safelisted only", want: "cache-control,content-length,content-type"},
		{name: "listed x-foo", extra: []string{"Access-Control-Expose-Headers: X-Foo"}, want: "cache-control,content-length,content-type,x-foo"},
		{name: "listed case-insensitively", extra: []string{"Access-Control-Expose-Headers: x-FOO"}, want: "cache-control,content-length,content-type,x-foo"},
		{name: "star without credentials exposes all but set-cookie", extra: []string{"Access-Control-Expose-Headers: *"}, creds: CredentialsOmit,
			want: "access-control-expose-headers,cache-control,content-length,content-type,x-bar,x-foo"},
		{name: "star with include is literal", extra: []string{"Access-Control-Expose-Headers: *"}, creds: CredentialsInclude, want: "cache-control,content-length,content-type"},
		{name: "set-cookie listed is still hidden", extra: []string{"Access-Control-Expose-Headers: Set-Cookie, X-Bar"}, want: "cache-control,content-length,content-type,x-bar"},
		{name: "syntax error clears the list", extra: []string{"Access-Control-Expose-Headers: X-Foo, X Bar"}, want: "cache-control,content-length,content-type"},
		{name: "two lines", extra: []string{"Access-Control-Expose-Headers: X-Foo", "Access-Control-Expose-Headers: X-Bar"}, want: "cache-control,content-length,content-type,x-bar,x-foo"},
		{name: "listed but absent", extra: []string{"Access-Control-Expose-Headers: X-None"}, want: "cache-control,content-length,content-type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := hdrs(append(append([]string{}, base...), tt.extra...)...)
			if got := strings.Join(ExposedHeaders(h, tt.creds), ","); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

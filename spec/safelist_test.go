package spec

import (
	"strings"
	"testing"
)

func TestIsCORSSafelistedRequestHeader(t *testing.T) {
	tests := []struct {
		name   string
		header string
		value  string
		want   bool
	}{
		{name: "accept */*", header: "Accept", value: "*/*", want: true},
		{name: "accept 128 bytes passes (inclusive limit)", header: "Accept", value: strings.Repeat("a", 128), want: true},
		{name: "accept 129 bytes fails", header: "Accept", value: strings.Repeat("a", 129), want: false},
		{name: "accept with a double quote is unsafe", header: "Accept", value: `text/"x"`, want: false},
		{name: "accept with a colon is unsafe", header: "Accept", value: "a:b", want: false},
		{name: "accept with @ is unsafe", header: "Accept", value: "a@b", want: false},
		{name: "accept with DEL is unsafe", header: "Accept", value: "a\x7fb", want: false},
		{name: "accept with a control byte is unsafe", header: "Accept", value: "a\x01b", want: false},
		{name: "accept with a tab is fine", header: "Accept", value: "a\tb", want: true},
		{name: "accept with comma slash semicolon equals is fine", header: "Accept", value: "text/html;q=0.9,*/*", want: true},
		{name: "accept with braces is unsafe", header: "Accept", value: "{x}", want: false},
		{name: "name case does not matter", header: "ACCEPT", value: "*/*", want: true},
		{name: "accept-language en-US", header: "Accept-Language", value: "en-US,en;q=0.9", want: true},
		{name: "accept-language underscore fails", header: "Accept-Language", value: "en_US", want: false},
		{name: "accept-language @ fails", header: "Accept-Language", value: "en@x", want: false},
		{name: "accept-language star", header: "Accept-Language", value: "*", want: true},
		{name: "content-language de", header: "Content-Language", value: "de-DE", want: true},
		{name: "content-language slash fails", header: "Content-Language", value: "de/DE", want: false},
		{name: "content-type text/plain", header: "Content-Type", value: "text/plain", want: true},
		{name: "content-type text/plain;charset=UTF-8", header: "Content-Type", value: "text/plain;charset=UTF-8", want: true},
		{name: "content-type with a quoted charset is unsafe", header: "Content-Type", value: `text/plain; charset="utf-8"`, want: false},
		{name: "content-type uppercase essence", header: "Content-Type", value: "TEXT/PLAIN", want: true},
		{name: "content-type form-urlencoded", header: "Content-Type", value: "application/x-www-form-urlencoded", want: true},
		{name: "content-type multipart with boundary", header: "Content-Type", value: "multipart/form-data; boundary=abc", want: true},
		{name: "content-type application/json", header: "Content-Type", value: "application/json", want: false},
		{name: "content-type two types fail to parse", header: "Content-Type", value: "text/plain, application/json", want: false},
		{name: "content-type without subtype", header: "Content-Type", value: "text", want: false},
		{name: "content-type text/plain with space before slash", header: "Content-Type", value: "text /plain", want: false},
		{name: "content-type empty", header: "Content-Type", value: "", want: false},
		{name: "content-type with bad parameter still parses", header: "Content-Type", value: "text/plain;;;", want: true},
		{name: "content-type 129 bytes", header: "Content-Type", value: "text/plain;a=" + strings.Repeat("b", 116), want: false},
		{name: "content-type 128 bytes", header: "Content-Type", value: "text/plain;a=" + strings.Repeat("b", 115), want: true},
		{name: "content-type ad auction is not standard", header: "Content-Type", value: "message/ad-auction-trusted-signals-request", want: false},
		{name: "range bytes=0-", header: "Range", value: "bytes=0-", want: true},
		{name: "range bytes=0-99", header: "Range", value: "bytes=0-99", want: true},
		{name: "range bytes=5-5", header: "Range", value: "bytes=5-5", want: true},
		{name: "range suffix bytes=-5 has no start", header: "Range", value: "bytes=-5", want: false},
		{name: "range two ranges", header: "Range", value: "bytes=0-1,2-3", want: false},
		{name: "range with whitespace", header: "Range", value: "bytes = 0-1", want: false},
		{name: "range start after end", header: "Range", value: "bytes=9-1", want: false},
		{name: "range uppercase BYTES", header: "Range", value: "BYTES=0-1", want: false},
		{name: "range other unit", header: "Range", value: "items=0-1", want: false},
		{name: "range trailing garbage", header: "Range", value: "bytes=0-1x", want: false},
		{name: "custom header", header: "X-Foo", value: "a", want: false},
		{name: "authorization", header: "Authorization", value: "Bearer x", want: false},
		{name: "dpr is not standard", header: "DPR", value: "2", want: false},
		{name: "save-data is not standard", header: "Save-Data", value: "on", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsCORSSafelistedRequestHeader(tt.header, tt.value); got != tt.want {
				t.Errorf("IsCORSSafelistedRequestHeader(%q, %q) = %v, want %v", tt.header, tt.value, got, tt.want)
			}
		})
	}
}

func TestSafelistChromiumExtras(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		value   string
		want    bool
		wantDev string
	}{
		{name: "dpr 2", header: "DPR", value: "2", want: true, wantDev: DevClientHintsSafelisted},
		{name: "dpr 1.5", header: "DPR", value: "1.5", want: true, wantDev: DevClientHintsSafelisted},
		{name: "dpr 1. fails", header: "DPR", value: "1.", want: false},
		{name: "width 100", header: "Width", value: "100", want: true, wantDev: DevClientHintsSafelisted},
		{name: "width 1.5 fails", header: "Width", value: "1.5", want: false},
		{name: "viewport-width", header: "Viewport-Width", value: "800", want: true, wantDev: DevClientHintsSafelisted},
		{name: "device-memory", header: "Device-Memory", value: "0.5", want: true, wantDev: DevClientHintsSafelisted},
		{name: "rtt", header: "RTT", value: "50", want: true, wantDev: DevClientHintsSafelisted},
		{name: "downlink", header: "Downlink", value: "10.0", want: true, wantDev: DevClientHintsSafelisted},
		{name: "ect 4g", header: "ECT", value: "4g", want: true, wantDev: DevClientHintsSafelisted},
		{name: "ect 5g fails", header: "ECT", value: "5g", want: false},
		{name: "save-data on", header: "Save-Data", value: "on", want: true, wantDev: DevClientHintsSafelisted},
		{name: "save-data off fails", header: "Save-Data", value: "off", want: false},
		{name: "intervention anything", header: "Intervention", value: "<x>", want: true, wantDev: DevClientHintsSafelisted},
		{name: "intervention 129 bytes fails", header: "Intervention", value: strings.Repeat("i", 129), want: false},
		// Measured in Chromium 156 (browser.TestProfileDeviations): both
		// are preflighted, as in the standard.
		{name: "range BYTES not lowercased", header: "Range", value: "BYTES=0-1", want: false},
		{name: "ad auction content type not safelisted", header: "Content-Type", value: "message/ad-auction-trusted-signals-request", want: false},
		{name: "x-foo still unsafe", header: "X-Foo", value: "1", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, dev := safelistVerdict(tt.header, tt.value, Chromium)
			if got != tt.want || dev != tt.wantDev {
				t.Errorf("safelistVerdict(%q, %q, Chromium) = %v, %q; want %v, %q", tt.header, tt.value, got, dev, tt.want, tt.wantDev)
			}
		})
	}
}

// The profile fields no measured engine sets today still work for a
// profile that sets them.
func TestSafelistProfileFields(t *testing.T) {
	p := Profile{Name: "test", RangeValueCaseInsensitive: true,
		ExtraSafelistedContentTypes: []string{"message/ad-auction-trusted-signals-request"}}
	for _, tt := range []struct {
		header, value string
		want          bool
		wantDev       string
	}{
		{"Range", "BYTES=0-1", true, DevRangeCaseInsensitive},
		{"Range", "bytes=0-1", true, ""},
		{"Content-Type", "message/ad-auction-trusted-signals-request", true, DevAdAuctionContentType},
		{"Content-Type", "application/json", false, ""},
	} {
		got, _, dev := safelistVerdict(tt.header, tt.value, p)
		if got != tt.want || dev != tt.wantDev {
			t.Errorf("safelistVerdict(%q, %q) = %v, %q; want %v, %q", tt.header, tt.value, got, dev, tt.want, tt.wantDev)
		}
	}
}

func TestCORSUnsafeRequestHeaderNames(t *testing.T) {
	big := strings.Repeat("a", 128)
	tests := []struct {
		name    string
		headers Headers
		want    string
	}{
		{name: "none", headers: hdrs("Accept: */*"), want: ""},
		{name: "custom header lowercased", headers: hdrs("X-Foo: 1"), want: "x-foo"},
		{name: "sorted by bytes", headers: hdrs("X-C: 1", "Content-Type: application/json", "X-B: 2", "Authorization: x"), want: "authorization,content-type,x-b,x-c"},
		{name: "duplicates once", headers: hdrs("X-A: 1", "x-a: 2", "X-A: 3"), want: "x-a"},
		{name: "mixed case names", headers: hdrs("X-MiXeD: 1"), want: "x-mixed"},
		{name: "total exactly 1024 is fine", headers: repeatHeader("Accept", big, 8), want: ""},
		{name: "total 1025 makes all unsafe", headers: append(repeatHeader("Accept", big, 8), Header{"Content-Language", "d"}), want: "accept,content-language"},
		{name: "unsafe values do not count toward the total", headers: append(repeatHeader("Accept", big, 7), Header{"X-Big", big + big}), want: "x-big"},
		{name: "safelisted name with unsafe value", headers: hdrs("Content-Type: application/json"), want: "content-type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(CORSUnsafeRequestHeaderNames(tt.headers, Standard), ",")
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func repeatHeader(name, value string, n int) Headers {
	var h Headers
	for range n {
		h = append(h, Header{name, value})
	}
	return h
}

func TestMethods(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		normalized string
		safelisted bool
		forbidden  bool
	}{
		{name: "post uppercased", method: "post", normalized: "POST", safelisted: true},
		{name: "get uppercased", method: "get", normalized: "GET", safelisted: true},
		{name: "Head uppercased", method: "Head", normalized: "HEAD", safelisted: true},
		{name: "put uppercased not safelisted", method: "put", normalized: "PUT"},
		{name: "delete uppercased", method: "delete", normalized: "DELETE"},
		{name: "options uppercased", method: "options", normalized: "OPTIONS"},
		{name: "patch stays lowercase", method: "patch", normalized: "patch"},
		{name: "PATCH stays", method: "PATCH", normalized: "PATCH"},
		{name: "custom method keeps case", method: "Foo", normalized: "Foo"},
		{name: "connect forbidden", method: "connect", normalized: "connect", forbidden: true},
		{name: "TRACE forbidden", method: "TRACE", normalized: "TRACE", forbidden: true},
		{name: "track forbidden", method: "track", normalized: "track", forbidden: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := NormalizeMethod(tt.method)
			if n != tt.normalized || IsCORSSafelistedMethod(n) != tt.safelisted || IsForbiddenMethod(tt.method) != tt.forbidden {
				t.Errorf("%q: normalized %q safelisted %v forbidden %v", tt.method, n, IsCORSSafelistedMethod(n), IsForbiddenMethod(tt.method))
			}
		})
	}
}

func TestIsForbiddenRequestHeader(t *testing.T) {
	tests := []struct {
		name   string
		header string
		value  string
		want   bool
	}{
		{name: "cookie", header: "Cookie", value: "a=b", want: true},
		{name: "origin", header: "origin", value: "x", want: true},
		{name: "content-length", header: "Content-Length", value: "1", want: true},
		{name: "proxy- prefix", header: "Proxy-Foo", value: "1", want: true},
		{name: "sec- prefix", header: "Sec-Custom", value: "1", want: true},
		{name: "method override with TRACE", header: "X-HTTP-Method-Override", value: "TRACE", want: true},
		{name: "method override list with connect", header: "X-Method-Override", value: "GET, connect", want: true},
		{name: "method override with PUT", header: "X-HTTP-Method", value: "PUT", want: false},
		{name: "user-agent is allowed by the standard", header: "User-Agent", value: "x", want: false},
		{name: "x-foo", header: "X-Foo", value: "1", want: false},
		{name: "authorization", header: "Authorization", value: "x", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsForbiddenRequestHeader(tt.header, tt.value); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

package spec

import (
	"testing"
	"time"
)

func TestParseMaxAge(t *testing.T) {
	tests := []struct {
		name     string
		lines    []string
		standard time.Duration
		chromium time.Duration
	}{
		{name: "absent", standard: 5 * time.Second, chromium: 5 * time.Second},
		{name: "0", lines: []string{"0"}, standard: 0, chromium: 0},
		{name: "-1", lines: []string{"-1"}, standard: 5 * time.Second, chromium: 0},
		{name: "5", lines: []string{"5"}, standard: 5 * time.Second, chromium: 5 * time.Second},
		{name: "600", lines: []string{"600"}, standard: 600 * time.Second, chromium: 600 * time.Second},
		{name: "7200", lines: []string{"7200"}, standard: 2 * time.Hour, chromium: 2 * time.Hour},
		{name: "86400", lines: []string{"86400"}, standard: 24 * time.Hour, chromium: 2 * time.Hour},
		{name: "abc", lines: []string{"abc"}, standard: 5 * time.Second, chromium: 5 * time.Second},
		{name: "1.5", lines: []string{"1.5"}, standard: 5 * time.Second, chromium: 5 * time.Second},
		{name: "10, 20 in one line", lines: []string{"10, 20"}, standard: 5 * time.Second, chromium: 5 * time.Second},
		{name: "two lines 10 and 20", lines: []string{"10", "20"}, standard: 5 * time.Second, chromium: 5 * time.Second},
		{name: "huge", lines: []string{"99999999999999999999999"}, standard: maxAgeSecondsLimit * time.Second, chromium: 2 * time.Hour},
	}
	for _, tt := range tests {
		for _, pc := range []struct {
			p    Profile
			want time.Duration
		}{{Standard, tt.standard}, {Chromium, tt.chromium}} {
			t.Run(tt.name+" "+pc.p.Name, func(t *testing.T) {
				var h Headers
				for _, l := range tt.lines {
					h = append(h, Header{HeaderMaxAge, l})
				}
				if got := ParseMaxAge(h, pc.p); got.Duration != pc.want {
					t.Errorf("got %s (%s), want %s", got.Duration, got.Why, pc.want)
				}
			})
		}
	}
}

// TestPreflightCache runs two Decide calls through one Cache and counts the
// preflights of the second.
func TestPreflightCache(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	put := Request{Origin: pageA, URL: apiB + "/r", Method: "PUT"}
	credPut := put
	credPut.Credentials = CredentialsInclude
	const acac = "Access-Control-Allow-Credentials: true"
	tests := []struct {
		name       string
		profile    Profile
		first      Request
		second     Request
		maxAge     string // "" omits
		acam       string
		acah       string
		after      time.Duration
		wantSecond int // preflights sent by the second request
		wantDev    string
		blocked    bool // the second request is blocked by its own preflight
	}{
		{name: "hit within default 5 s", first: put, second: put, acam: "PUT", after: 4 * time.Second, wantSecond: 0},
		{name: "miss after default 5 s", first: put, second: put, acam: "PUT", after: 5 * time.Second, wantSecond: 1},
		{name: "hit within max-age 600", first: put, second: put, maxAge: "600", acam: "PUT", after: 599 * time.Second, wantSecond: 0},
		{name: "max-age 0 always preflights", first: put, second: put, maxAge: "0", acam: "PUT", after: 0, wantSecond: 1},
		{name: "max-age -1 standard caches 5 s", first: put, second: put, maxAge: "-1", acam: "PUT", after: time.Second, wantSecond: 0},
		{name: "max-age -1 chromium does not cache", profile: Chromium, first: put, second: put, maxAge: "-1", acam: "PUT", after: time.Second, wantSecond: 1},
		{name: "max-age 86400 chromium capped at 2 h", profile: Chromium, first: put, second: put, maxAge: "86400", acam: "PUT", after: 3 * time.Hour, wantSecond: 1},
		{name: "max-age 86400 standard still cached after 3 h", first: put, second: put, maxAge: "86400", acam: "PUT", after: 3 * time.Hour, wantSecond: 0},
		{name: "credentialed after non-credentialed preflights", first: put, second: credPut, acam: "PUT", after: time.Second, wantSecond: 1},
		{name: "non-credentialed after credentialed hits", first: credPut, second: put, acam: "PUT", after: time.Second, wantSecond: 0},
		{name: "different query is a different URL", first: put, second: Request{Origin: pageA, URL: apiB + "/r?x=1", Method: "PUT"}, acam: "PUT", after: time.Second, wantSecond: 1},
		{name: "different method not cached", first: put, second: Request{Origin: pageA, URL: apiB + "/r", Method: "DELETE"}, acam: "PUT", after: time.Second, wantSecond: 1, blocked: true},
		{name: "method listed but not used is cached", first: put, second: Request{Origin: pageA, URL: apiB + "/r", Method: "DELETE"}, acam: "PUT, DELETE", after: time.Second, wantSecond: 0},
		{name: "header cache hit", first: Request{Origin: pageA, URL: apiB + "/r", Headers: hdrs("X-A: 1")}, second: Request{Origin: pageA, URL: apiB + "/r", Headers: hdrs("x-a: 2")}, acah: "X-A", after: time.Second, wantSecond: 0},
		{name: "chromium re-preflights authorization under *", profile: Chromium, first: Request{Origin: pageA, URL: apiB + "/r", Headers: hdrs("Authorization: t")},
			second: Request{Origin: pageA, URL: apiB + "/r", Headers: hdrs("Authorization: t")}, acah: "*", after: time.Second, wantSecond: 1},
		{name: "chromium no-store bypasses the cache", profile: Chromium, first: put, second: Request{Origin: pageA, URL: apiB + "/r", Method: "PUT", Cache: "no-store"},
			acam: "PUT", after: time.Second, wantSecond: 1, wantDev: DevCacheModeBypass},
		{name: "standard serves a header from a cached ACAH *", first: Request{Origin: pageA, URL: apiB + "/r", Headers: hdrs("X-A: 1")},
			second: Request{Origin: pageA, URL: apiB + "/r", Headers: hdrs("X-A: 1")}, acah: "*", after: time.Second, wantSecond: 0},
		{name: "firefox re-preflights a header only a cached ACAH * covers", profile: Firefox, first: Request{Origin: pageA, URL: apiB + "/r", Headers: hdrs("X-A: 1")},
			second: Request{Origin: pageA, URL: apiB + "/r", Headers: hdrs("X-A: 1")}, acah: "*", after: time.Second, wantSecond: 1, wantDev: DevCacheTokensLiteral},
		{name: "firefox serves a literally listed header from the cache", profile: Firefox, first: Request{Origin: pageA, URL: apiB + "/r", Headers: hdrs("X-A: 1")},
			second: Request{Origin: pageA, URL: apiB + "/r", Headers: hdrs("x-a: 2")}, acah: "X-A", after: time.Second, wantSecond: 0},
		{name: "firefox re-preflights a method only a cached ACAM * covers", profile: Firefox, first: put, second: put, acam: "*", after: time.Second, wantSecond: 1, wantDev: DevCacheTokensLiteral},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.profile
			if p.Name == "" {
				p = Standard
			}
			extra := []string{acac}
			if tt.maxAge != "" {
				extra = append(extra, "Access-Control-Max-Age: "+tt.maxAge)
			}
			srv := server(okPreflight(pageA, tt.acam, tt.acah, extra...), okActual(pageA, acac))
			c := NewCache()
			d1 := Decide(tt.first, srv, p, WithCache(c), WithNow(t0))
			if !d1.Allowed || countPreflights(d1) != 1 {
				t.Fatalf("first request: allowed %v preflights %d; %+v", d1.Allowed, countPreflights(d1), d1.Steps)
			}
			d2 := Decide(tt.second, srv, p, WithCache(c), WithNow(t0.Add(tt.after)))
			if got := countPreflights(d2); got != tt.wantSecond || d2.Allowed == tt.blocked {
				t.Errorf("second request: %d preflights (allowed %v), want %d; %+v", got, d2.Allowed, tt.wantSecond, d2.Steps)
			}
			if tt.wantDev != "" && !hasDeviation(d2, tt.wantDev) {
				t.Errorf("deviations %v lack %s", d2.Deviations, tt.wantDev)
			}
		})
	}
}

// Chromium replaces the whole entry: after a second preflight for other
// methods, the first method is no longer cached (R5.5).
func TestCacheWholeEntryReplacement(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := func(r ServerRequest) (Response, bool) {
		if r.Preflight {
			m, _ := r.Headers.Get(HeaderRequestMethod)
			return okPreflight(pageA, m, "", "Access-Control-Max-Age: 600"), true
		}
		return okActual(pageA), true
	}
	tests := []struct {
		name    string
		profile Profile
		want    int
		dev     bool
	}{
		{name: "standard keeps PUT", profile: Standard, want: 0},
		{name: "chromium forgot PUT", profile: Chromium, want: 1, dev: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCache()
			for i, m := range []string{"PUT", "DELETE"} {
				Decide(Request{Origin: pageA, URL: apiB + "/r", Method: m}, srv, tt.profile, WithCache(c), WithNow(t0.Add(time.Duration(i)*time.Second)))
			}
			d := Decide(Request{Origin: pageA, URL: apiB + "/r", Method: "PUT"}, srv, tt.profile, WithCache(c), WithNow(t0.Add(3*time.Second)))
			if countPreflights(d) != tt.want || hasDeviation(d, DevCacheWholeEntry) != tt.dev {
				t.Errorf("preflights %d deviations %v", countPreflights(d), d.Deviations)
			}
		})
	}
}

// A failing actual response clears the cached approvals for that URL (R5.4).
func TestCacheClearedOnFailure(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewCache()
	pre := okPreflight(pageA, "PUT", "", "Access-Control-Max-Age: 600")
	req := Request{Origin: pageA, URL: apiB + "/r", Method: "PUT"}
	Decide(req, server(pre, Response{Status: 500}), Standard, WithCache(c), WithNow(t0))
	if n := c.Len(t0); n != 0 {
		t.Fatalf("cache holds %d entries after a failed fetch", n)
	}
	d := Decide(req, server(pre, okActual(pageA)), Standard, WithCache(c), WithNow(t0.Add(time.Second)))
	if countPreflights(d) != 1 {
		t.Errorf("want a new preflight, got %d", countPreflights(d))
	}
}

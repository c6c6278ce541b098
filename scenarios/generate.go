package scenarios

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

// The generated part of the catalog: each generator crosses a few
// dimensions (origin, method, request headers, credentials, exposure,
// status, preflight cache, redirects, side effects). A scenario's id is
// derived from its coordinates, so it is stable across runs and releases
// as long as the dimension's values are.

// req is a named request shape.
type req struct {
	name string
	r    corsproof.Request
}

// siteNames are every origin page of the mock topology, in a fixed order:
// the allowed origin, its same-site sibling, a cross-site attacker, the
// scheme downgrade, another port, the sandboxed null page, and the
// scanners' crafted-origin classes. (A data: page is left out: Chromium's
// Local Network Access blocks its requests to loopback before they leave,
// see browser.TestDataURLPageRunsButIsBlockedByLocalNetworkAccess.)
func siteNames() []string {
	var out []string
	for _, s := range corsproof.MockSites() {
		out = append(out, s.Name)
	}
	return out
}

var (
	getItems = req{"get", corsproof.Request{Path: "/api/items"}}
	putJSON  = req{"put-json", corsproof.Request{Path: "/api/items/1", Method: "PUT",
		Headers: spec.Headers{jsonCT}, Body: spec.BodyText, BodyText: `{"name":"x"}`}}
	getMe = req{"get-me-cred", corsproof.Request{Path: "/api/me", Credentials: spec.CredentialsInclude}}
)

// originMatrix: every site against the simple GET, the preflighted PUT and
// the credentialed GET, under the default, subdomain and public policies.
func originMatrix() []sc {
	var out []sc
	for _, pol := range []string{PolicyDefault, PolicySubdomains, PolicyPublic} {
		for _, site := range siteNames() {
			for _, rq := range []req{getItems, putJSON, getMe} {
				if pol == PolicyPublic && rq.name == "get-me-cred" {
					continue // public has no credentials: covered by credentialsMatrix
				}
				if pol == PolicySubdomains && rq.name == "put-json" && site != "app" && site != "sibling" && site != "evil" {
					continue // the origin check is the same as for GET
				}
				out = append(out, sc{
					id:     fmt.Sprintf("origin-%s-%s-%s", pol, site, rq.name),
					title:  fmt.Sprintf("%s from the %s page under the %s policy", rq.r, site, pol),
					policy: pol, site: site, req: rq.r,
					session: rq.r.Credentials == spec.CredentialsInclude,
					extra:   []string{"dimension:origin"},
				})
			}
		}
	}
	return out
}

// methodMatrix: each method, including a lower-case spelling and a custom
// one, under the policies that list them, list none, or allow any origin.
func methodMatrix() []sc {
	methods := []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "patch", "PURGE", "OPTIONS"}
	var out []sc
	for _, pol := range []string{PolicyDefault, PolicyStrict, PolicyPublic, PolicySubdomains} {
		sites := []string{"app"}
		if pol == PolicyPublic || pol == PolicyDefault {
			sites = append(sites, "evil")
		}
		for _, site := range sites {
			for _, m := range methods {
				r := corsproof.Request{Path: "/api/items/1", Method: m}
				if m == "POST" || m == "PUT" || m == "PATCH" || m == "patch" {
					r.Body, r.BodyText = spec.BodyText, "x"
				}
				out = append(out, sc{
					id:     fmt.Sprintf("method-%s-%s-%s", pol, site, methodSlug(m)),
					title:  fmt.Sprintf("%s /api/items/1 from %s under the %s policy", m, site, pol),
					policy: pol, site: site, req: r, extra: []string{"dimension:method"},
				})
			}
		}
	}
	return out
}

func methodSlug(m string) string {
	if m != strings.ToUpper(m) {
		return "lower-" + strings.ToLower(m)
	}
	return strings.ToLower(m)
}

// headerVariants are request headers a page sets: safelisted ones with safe
// and unsafe values, Content-Type variants, custom, Authorization, mixed
// case and duplicates.
func headerVariants() []struct {
	name string
	hs   spec.Headers
	body bool // sent on a POST with a text body
} {
	long := "text/html," + strings.Repeat("a", 129-len("text/html,"))
	return []struct {
		name string
		hs   spec.Headers
		body bool
	}{
		{"accept-safe", spec.Headers{hdr("Accept", "application/json")}, false},
		{"accept-129-bytes", spec.Headers{hdr("Accept", long)}, false},
		{"accept-language-safe", spec.Headers{hdr("Accept-Language", "en-US,en;q=0.9")}, false},
		{"accept-language-unsafe-byte", spec.Headers{hdr("Accept-Language", "en(US)")}, false},
		{"content-language-safe", spec.Headers{hdr("Content-Language", "de")}, false},
		{"range-single", spec.Headers{hdr("Range", "bytes=0-9")}, false},
		{"range-multi", spec.Headers{hdr("Range", "bytes=0-1,3-4")}, false},
		{"ct-text-plain", spec.Headers{hdr("Content-Type", "text/plain")}, true},
		{"ct-form-urlencoded", spec.Headers{hdr("Content-Type", "application/x-www-form-urlencoded")}, true},
		{"ct-multipart", spec.Headers{hdr("Content-Type", "multipart/form-data; boundary=x")}, true},
		{"ct-text-plain-quoted-charset", spec.Headers{hdr("Content-Type", `text/plain; charset="x"`)}, true},
		{"ct-json", spec.Headers{jsonCT}, true},
		{"ct-json-mixed-case-name", spec.Headers{hdr("content-TYPE", "application/json")}, true},
		{"custom-listed", spec.Headers{hdr("X-Request-Id", "r-1")}, false},
		{"custom-listed-mixed-case", spec.Headers{hdr("x-ReQuEsT-iD", "r-1")}, false},
		{"custom-duplicate", spec.Headers{hdr("X-Request-Id", "a"), hdr("X-Request-Id", "b")}, false},
		{"custom-unlisted", spec.Headers{hdr("X-Debug", "1")}, false},
		{"custom-listed-and-unlisted", spec.Headers{hdr("X-Request-Id", "r"), hdr("X-Debug", "1")}, false},
		{"authorization", spec.Headers{hdr("Authorization", "Bearer t")}, false},
	}
}

// headerMatrix: every header variant under four policies, and with
// credentials under the default one.
func headerMatrix() []sc {
	var out []sc
	type polCred struct {
		pol  string
		cred spec.CredentialsMode
	}
	for _, pc := range []polCred{{PolicyDefault, ""}, {PolicyStrict, ""}, {PolicyPublic, ""},
		{PolicySubdomains, ""}, {PolicyDefault, spec.CredentialsInclude}} {
		for _, v := range headerVariants() {
			r := corsproof.Request{Path: "/api/items", Headers: v.hs, Credentials: pc.cred}
			if v.body {
				r.Method, r.Body, r.BodyText = "POST", spec.BodyText, "x"
			}
			id := fmt.Sprintf("header-%s-%s", pc.pol, v.name)
			if pc.cred != "" {
				id += "-cred"
			}
			out = append(out, sc{
				id: id, title: fmt.Sprintf("%s under the %s policy", r, pc.pol),
				policy: pc.pol, site: "app", req: r, session: pc.cred == spec.CredentialsInclude,
				extra: []string{"dimension:header"},
			})
		}
	}
	return out
}

// credentialsMatrix: each credentials mode with a session cookie in the jar,
// from the allowed origin, a same-site sibling and a cross-site page, on a
// route with and without credentials.
func credentialsMatrix() []sc {
	var out []sc
	for _, pol := range []string{PolicyDefault, PolicySubdomains, PolicyPublic} {
		for _, site := range []string{"app", "sibling", "evil"} {
			for _, cred := range []spec.CredentialsMode{spec.CredentialsOmit, spec.CredentialsSameOrigin, spec.CredentialsInclude} {
				for _, path := range []string{"/api/me", "/api/public/items"} {
					if pol != PolicyDefault && path == "/api/public/items" {
						continue // only the default policy has a public route
					}
					extra := []string{"dimension:credentials"}
					if site == "evil" && cred == spec.CredentialsInclude {
						// Cross-site: Chromium's third-party cookie blocking
						// keeps the session cookie back, whatever CORS says.
						extra = append(extra, "feature:cookie-dropped")
					}
					out = append(out, sc{
						id:     fmt.Sprintf("cred-%s-%s-%s-%s", pol, site, cred, pathSlug(path)),
						title:  fmt.Sprintf("GET %s with credentials %s from %s under the %s policy", path, cred, site, pol),
						policy: pol, site: site, session: true,
						req:   corsproof.Request{Path: path, Credentials: cred},
						extra: extra,
					})
				}
			}
		}
	}
	return out
}

// pathSlug names a catalog path in ids without the /api/ every one has:
// "/api/items/1" is "items-1".
func pathSlug(p string) string { return corsproof.Slug(strings.TrimPrefix(p, "/api/")) }

// exposureMatrix: which response headers a page can read, with the policy
// exposing some, none or "*", with and without credentials.
func exposureMatrix() []sc {
	var out []sc
	for _, pol := range []string{PolicyDefault, PolicyStrict, PolicyPublic, PolicySubdomains} {
		for _, cred := range []spec.CredentialsMode{spec.CredentialsOmit, spec.CredentialsInclude} {
			for _, path := range []string{"/api/items", "/api/items/1"} {
				out = append(out, sc{
					id:     fmt.Sprintf("expose-%s-%s-%s", pol, cred, pathSlug(path)),
					title:  fmt.Sprintf("readable headers of GET %s with credentials %s under the %s policy", path, cred, pol),
					policy: pol, site: "app", session: cred == spec.CredentialsInclude,
					req:   corsproof.Request{Path: path, Credentials: cred},
					extra: []string{"feature:expose"},
				})
			}
		}
	}
	return out
}

// statusMatrix: errors must carry CORS headers too, after a simple request
// and after a preflight; from the allowed and a cross-site page.
func statusMatrix() []sc {
	var out []sc
	codes := []int{200, 201, 204, 300, 400, 401, 403, 404, 409, 418, 429, 500, 502, 503}
	for _, code := range codes {
		for _, m := range []string{"GET", "PUT"} {
			for _, site := range []string{"app", "evil"} {
				if site == "evil" && code != 200 && code != 401 && code != 500 {
					continue
				}
				r := corsproof.Request{Path: fmt.Sprintf("/api/status/%d", code), Method: m}
				if m == "PUT" {
					r.Headers, r.Body, r.BodyText = spec.Headers{jsonCT}, spec.BodyText, "{}"
				}
				out = append(out, sc{
					id:    fmt.Sprintf("status-%d-%s-%s", code, strings.ToLower(m), site),
					title: fmt.Sprintf("%s answered %d, fetched from %s", m, code, site),
					site:  site, req: r,
					extra: []string{"feature:status"},
				})
			}
		}
	}
	out = append(out,
		sc{id: "status-me-401-no-cookie", title: "a credentialed GET without a session gets a readable 401",
			site: "app", req: corsproof.Request{Path: "/api/me", Credentials: spec.CredentialsInclude}, extra: []string{"feature:status"}},
		sc{id: "status-me-401-no-cookie-subdomains", title: "a credentialed GET without a session gets a readable 401 (subdomains)",
			policy: PolicySubdomains, site: "sibling", req: corsproof.Request{Path: "/api/me", Credentials: spec.CredentialsInclude}, extra: []string{"feature:status"}},
	)
	return out
}

// cacheMatrix: the preflight cache. Each scenario repeats its fetch on the
// same URL; the model, sharing one preflight cache across the repeats,
// says whether the repeat should send a preflight (max-age 0: yes; absent:
// not within 5 s; positive: no). One scenario waits past the 5 s default,
// so a server that drops Access-Control-Max-Age shows.
func cacheMatrix() []sc {
	var out []sc
	reqs := []req{
		{"put", corsproof.Request{Path: "/api/items/1", Method: "PUT"}},
		{"delete", corsproof.Request{Path: "/api/items/1", Method: "DELETE"}},
		{"get-custom-header", corsproof.Request{Path: "/api/items", Headers: spec.Headers{hdr("X-Request-Id", "r")}}},
	}
	for _, pol := range []string{PolicyNoCache, PolicyDefaultAge, PolicyLongCache, PolicyDefault, PolicyPublic} {
		for _, rq := range reqs {
			for _, site := range []string{"app", "evil"} {
				if site == "evil" && rq.name != "put" {
					continue
				}
				out = append(out, sc{
					id:     fmt.Sprintf("cache-%s-%s-%s", pol, rq.name, site),
					title:  fmt.Sprintf("%s twice on one URL from %s under the %s policy: the preflight cache", rq.r, site, pol),
					policy: pol, site: site, req: rq.r, repeat: 1,
				})
			}
		}
	}
	out = append(out,
		sc{id: "cache-default-put-cred", title: "a credentialed PUT twice: the cached preflight serves the credentialed repeat",
			site: "app", session: true, repeat: 1, req: corsproof.Request{Path: "/api/items/1", Method: "PUT", Credentials: spec.CredentialsInclude}},
		sc{id: "cache-default-put-three-times", title: "PUT three times on one URL: one preflight",
			site: "app", repeat: 2, req: corsproof.Request{Path: "/api/items/1", Method: "PUT"}},
		sc{id: "cache-default-put-no-store", title: "PUT twice with cache: no-store: Chromium bypasses the preflight cache",
			site: "app", repeat: 1, req: corsproof.Request{Path: "/api/items/1", Method: "PUT", Cache: "no-store"}},
		// Four repeats 1.375 s apart, not one at 5.5 s: Firefox's preflight
		// cache holds 100 entries, least recently used out first, and the
		// other scenarios running meanwhile fill it (150 of them during one
		// 5.5 s wait evict the entry: TestMaxAgeScenarioKeepsItsEntryInAFull
		// FirefoxCache; seen in CI as an unknown deviation). Each hit moves the entry to the front
		// and none extends it; the fourth fetch (4.1 s) is inside the 5 s
		// default, the judged fifth (5.5 s) past it, so a server that sends
		// no max-age (max-age-ignored) still costs a preflight there.
		sc{id: "cache-max-age-600-put-after-default", title: "PUT until past the 5 s default max-age: the 600 s max-age covers every repeat",
			policy: PolicyLongCache, site: "app", repeat: 4, repeatAfter: 1375 * time.Millisecond,
			req: corsproof.Request{Path: "/api/items/1", Method: "PUT"}, extra: []string{"speed:slow"}},
		// The HTTP cache: a response cached for one origin must not be
		// served to another. With Vary: Origin the browser refetches.
		sc{id: "http-cache-subdomains-app-then-sibling", title: "GET cached from app, then force-cache from the sibling: Vary: Origin keeps the sibling's own answer",
			policy: PolicySubdomains, site: "sibling", prime: "app", req: corsproof.Request{Path: "/api/items", Cache: "force-cache"}},
		// Across sites the HTTP cache is partitioned by top-level site, so
		// these two cannot meet in one cache entry: they pin that down.
		sc{id: "http-cache-default-evil-then-app", title: "GET cached from an attacker page, then force-cache from the allowed origin: the app gets its own answer",
			site: "app", prime: "evil", req: corsproof.Request{Path: "/api/items", Cache: "force-cache"}},
		sc{id: "http-cache-default-app-then-evil", title: "GET cached from the allowed origin, then force-cache from an attacker page: still blocked",
			site: "evil", prime: "app", req: corsproof.Request{Path: "/api/items", Cache: "force-cache"}},
	)
	for i := range out {
		out[i].extra = append(out[i].extra, "feature:cache")
	}
	return out
}

// redirectMatrix: /api/redirect/{code}?to=URL, to the same origin, a
// same-site API origin and a cross-site one; the model says when Origin
// becomes "null" and what that costs.
func redirectMatrix() []sc {
	targets := []struct{ name, origin string }{
		{"same-origin", corsproof.MockAPIOrigin},
		{"same-site", corsproof.MockAPI2Origin},
		{"cross-site", corsproof.MockAPIOtherOrigin},
	}
	var out []sc
	type shape struct {
		pol, site string
		rq        req
	}
	post := req{"post", corsproof.Request{Method: "POST", Body: spec.BodyText, BodyText: "x"}}
	put := req{"put", corsproof.Request{Method: "PUT", Headers: spec.Headers{jsonCT}, Body: spec.BodyText, BodyText: "{}"}}
	get := req{"get", corsproof.Request{}}
	getCred := req{"get-cred", corsproof.Request{Credentials: spec.CredentialsInclude}}
	shapes := []shape{
		{PolicyDefault, "app", get}, {PolicyDefault, "app", put}, {PolicyDefault, "app", post},
		{PolicyPublic, "evil", get}, {PolicyPublic, "evil", put}, {PolicyDefault, "app", getCred},
	}
	for _, sh := range shapes {
		for _, code := range []int{301, 302, 303, 307, 308} {
			for _, t := range targets {
				if sh.rq.name == "get-cred" && code != 302 && code != 307 {
					continue
				}
				r := sh.rq.r
				to := t.origin + "{mount}/api/items/1?hop={token}"
				r.Path = fmt.Sprintf("/api/redirect/%d?to=%s", code, strings.NewReplacer("%7Bmount%7D", "{mount}", "%7Btoken%7D", "{token}").Replace(url.QueryEscape(to)))
				out = append(out, sc{
					id:     fmt.Sprintf("redirect-%s-%s-%s-%d-%s", sh.pol, sh.site, sh.rq.name, code, t.name),
					title:  fmt.Sprintf("%s redirected %d to a %s URL, from %s under the %s policy", strings.ToUpper(sh.rq.name), code, t.name, sh.site, sh.pol),
					policy: sh.pol, site: sh.site, req: r, session: r.Credentials == spec.CredentialsInclude,
				})
			}
		}
	}
	// A redirect with redirect: "error" and "manual".
	for _, mode := range []spec.RedirectMode{spec.RedirectError, spec.RedirectManual} {
		r := corsproof.Request{Path: "/api/redirect/302?to=" + url.QueryEscape(corsproof.MockAPIOrigin) + "{mount}%2Fapi%2Fitems%3Fhop%3D{token}", Redirect: mode}
		out = append(out, sc{id: "redirect-default-app-mode-" + string(mode), title: "GET redirected with redirect mode " + string(mode),
			site: "app", req: r})
	}
	return out
}

// sideEffects: a simple request the browser blocks from reading still
// reaches the server; a preflighted one whose preflight fails does not.
func sideEffects() []sc {
	var out []sc
	for _, site := range []string{"evil", "sibling", "null", "downgrade", "crafted-prefix"} {
		out = append(out, sc{
			id:    "side-effect-simple-post-" + site,
			title: "a simple POST from " + site + " is blocked from reading but reaches the server",
			site:  site, req: corsproof.Request{Path: "/api/items", Method: "POST", Body: spec.BodyURLSearchParams, BodyText: "name=x"},
			extra: []string{"feature:side-effect"},
		})
		out = append(out, sc{
			id:    "side-effect-put-" + site,
			title: "a PUT from " + site + " stops at its preflight and never reaches the server",
			site:  site, req: corsproof.Request{Path: "/api/items/1", Method: "PUT", Headers: spec.Headers{jsonCT}, Body: spec.BodyText, BodyText: "{}"},
			extra: []string{"feature:side-effect"},
		})
	}
	return out
}

// generated is every generator's output.
func generated() []sc {
	var out []sc
	for _, g := range []func() []sc{originMatrix, methodMatrix, headerMatrix, credentialsMatrix,
		exposureMatrix, statusMatrix, cacheMatrix, redirectMatrix, sideEffects} {
		out = append(out, g()...)
	}
	return out
}

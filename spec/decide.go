package spec

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Option configures Decide.
type Option func(*options)

type options struct {
	cache   *Cache
	now     func() time.Time
	noMixed bool
}

// WithoutMixedContent decides as if the page could fetch any URL, mixed
// content or not: what the server's headers alone allow, for judging a
// server whose CORS headers a mixed-content block keeps from the browser.
func WithoutMixedContent() Option { return func(o *options) { o.noMixed = true } }

// WithCache lets Decide consult and fill a preflight cache shared across
// calls (R5). Without it the model is a UA with no preflight cache.
func WithCache(c *Cache) Option { return func(o *options) { o.cache = c } }

// WithClock gives the time for cache decisions. Without a clock, time stands
// still at the zero time: every Decide call happens at the same instant.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithNow fixes the time of this decision.
func WithNow(t time.Time) Option { return WithClock(func() time.Time { return t }) }

// maxRedirects is R8.2 step 3.
const maxRedirects = 20

// Tainting is a request's response tainting (R3.1).
const (
	taintBasic  = "basic"
	taintCORS   = "cors"
	taintOpaque = "opaque"
)

// Decide runs fetch() for req under profile p against srv: the Request
// constructor (R1), main fetch's dispatch (R3.1) on every hop, the
// preflight (R3.2, R4) with the cache (R5), the actual request with its
// credentials (R10) and CORS check (R6), redirects (R8, R9) and the response
// filter (R7). It never reads the real clock.
func Decide(req Request, srv Server, p Profile, opts ...Option) Decision {
	o := options{now: func() time.Time { return time.Time{} }}
	for _, f := range opts {
		f(&o)
	}
	d := &decider{p: p, srv: srv, o: o}
	d.run(req)
	return d.dec
}

// decider holds one fetch's state while it runs.
type decider struct {
	p        Profile
	srv      Server
	o        options
	fr       *fetchRequest
	urls     []*url.URL
	tainting string
	// preflightPath: this hop took R3.1 step 6, so a network error clears
	// the cache (R5.4).
	preflightPath bool
	// pageSecure: the page came over https (mixed content applies).
	pageSecure bool
	query      cacheQuery
	dec        Decision
}

func (d *decider) step(rule string, ok bool, format string, args ...any) {
	d.dec.Steps = append(d.dec.Steps, Step{Rule: rule, Text: fmt.Sprintf(format, args...), OK: ok})
}

func (d *decider) block(r Reason, param string) {
	d.dec.Allowed, d.dec.Reason, d.dec.FailedParameter = false, r, param
	d.dec.Status, d.dec.Type, d.dec.Exposed = 0, "", nil
}

func (d *decider) deviate(ids ...string) {
	for _, id := range ids {
		d.dec.Deviations = appendUnique(d.dec.Deviations, id)
	}
}

func (d *decider) cur() *url.URL { return d.urls[len(d.urls)-1] }

func (d *decider) run(req Request) {
	fr, err := construct(req, d.p)
	if err != nil {
		d.step(err.rule, false, "fetch() throws a TypeError before sending anything: %s", err.why)
		d.block(ReasonInvalidRequest, "")
		return
	}
	d.fr, d.urls, d.tainting = fr, []*url.URL{fr.url}, taintBasic
	d.pageSecure = pageIsSecure(req) && !d.o.noMixed
	d.step("R1.3", true, "the request is %s %s", fr.method, fr.url)
	if len(fr.dropped) > 0 {
		d.step("R1.5", true, "headers dropped silently: %s", strings.Join(fr.dropped, ", "))
	}
	d.deviate(fr.deviations...)
	for {
		resp, ok := d.mainFetch()
		if !ok {
			return
		}
		loc, follow := resp.Headers.Get(headerLoc)
		if !isRedirectStatus(resp.Status) || !follow {
			d.finish(resp)
			return
		}
		if !d.redirect(resp, loc) {
			return
		}
	}
}

// mainFetch is R3.1 for the current URL; ok=false means the fetch ended
// (blocked or incomplete).
func (d *decider) mainFetch() (Response, bool) {
	cur, page := d.cur(), d.fr.page
	d.dec.URL = cur.String()
	if d.mixedContent() {
		return Response{}, false
	}
	switch {
	case d.tainting == taintBasic && urlOrigin(cur).sameOrigin(page):
		d.step("R3.1.2", true, "%s is same origin with the page %s: basic fetch, no CORS", urlOrigin(cur), page)
	case cur.Scheme == "data" && len(d.urls) == 1:
		d.step("R3.1.2", true, "a data: URL is fetched without CORS")
		d.dec.Allowed, d.dec.Type, d.dec.Status = true, taintBasic, 200
		return Response{}, false
	case d.fr.mode == ModeSameOrigin:
		d.step("R3.1.3", false, "mode same-origin and %s is another origin than %s", urlOrigin(cur), page)
		d.block(ReasonDisallowedByMode, "")
		return Response{}, false
	case d.fr.mode == ModeNoCORS:
		if d.fr.redirect != RedirectFollow {
			d.step("R3.1.4", false, "mode no-cors requires redirect mode follow, not %s", d.fr.redirect)
			d.block(ReasonNoCorsRedirectModeNotFollow, "")
			return Response{}, false
		}
		d.tainting = taintOpaque
		d.step("R3.1.4", true, "mode no-cors: the response will be opaque, no CORS check")
	case !isHTTPScheme(cur.Scheme):
		d.step("R3.1.5", false, "scheme %s is not http(s): no CORS", cur.Scheme)
		d.block(ReasonCorsDisabledScheme, "")
		return Response{}, false
	default:
		d.tainting = taintCORS
		if !d.preflight() {
			return Response{}, false
		}
	}
	return d.actual()
}

// requestOrigin is the byte-serialized request origin on this hop (R9.2).
func (d *decider) requestOrigin() string { return serializeRequestOrigin(d.fr.page, d.urls) }

package browser

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/corsproof/corsproof"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// fetchJS is the page-side half of a Fetch: it builds the init, awaits
// fetch() and returns what script can read. The CDP side (events.go) sees
// what script cannot: the preflight, the wire headers, the block reason.
//
//go:embed fetch.js
var fetchJS string

// BodyLimit is how much of a response body (in UTF-16 code units, as
// script counts) an Observation keeps.
const BodyLimit = 64 << 10

// eventGrace bounds the wait for network events after the promise settled.
// Normally they are all there within a few milliseconds; the bound only
// matters when an expected event never comes.
const eventGrace = 2 * time.Second

// traceHook lets the package's tests see the raw events of each fetch
// (event order, arrival after the promise). Nil outside tests.
var traceHook func(*recorder)

// jsFetch is Fetch as fetch.js reads it.
type jsFetch struct {
	URL         string      `json:"url"`
	Method      string      `json:"method,omitempty"`
	Headers     [][2]string `json:"headers,omitempty"`
	Body        string      `json:"body,omitempty"`
	BodyKind    string      `json:"bodyKind,omitempty"`
	BlobType    string      `json:"blobType,omitempty"`
	Credentials string      `json:"credentials,omitempty"`
	Mode        string      `json:"mode,omitempty"`
	Redirect    string      `json:"redirect,omitempty"`
	Cache       string      `json:"cache,omitempty"`
	BodyLimit   int         `json:"bodyLimit"`
}

// jsResult is what fetch.js returns.
type jsResult struct {
	Allowed    bool        `json:"allowed"`
	Stage      string      `json:"stage"` // init: fetch() was never called; fetch: it rejected
	Error      string      `json:"error"`
	Status     int         `json:"status"`
	Type       string      `json:"type"`
	URL        string      `json:"url"`
	Redirected bool        `json:"redirected"`
	Headers    [][2]string `json:"headers"`
	Body       string      `json:"body"`
	Truncated  bool        `json:"truncated"`
	BodyError  string      `json:"bodyError"`
}

// Fetch implements Engine. It runs f in the tab of f.PageURL (loading the
// page on first use) with one Runtime.evaluate that awaits the promise, and
// joins what script saw with the Network events of the same request. ctx
// bounds the whole call; a fetch that never settles runs until ctx ends.
func (c *Chromium) Fetch(ctx context.Context, f Fetch) (Observation, error) {
	if f.URL == "" || f.PageURL == "" {
		return Observation{}, errors.New("browser: Fetch needs both PageURL and URL")
	}
	if c.closed.Load() {
		return Observation{}, ErrClosed
	}
	t, err := c.tabFor(ctx, f.PageURL)
	if err != nil {
		if c.closed.Load() { // Close raced the tab's creation (seen under load)
			return Observation{}, fmt.Errorf("browser: fetch %s: %w", f.URL, ErrClosed)
		}
		return Observation{}, err
	}
	defer t.release()

	expr, err := fetchExpression(f)
	if err != nil {
		return Observation{}, err
	}
	rec := newRecorder(normalizeURL(f.PageURL, f.URL))
	if t.recs.add(rec) > 0 {
		// Not alone on the tab: a request can only be matched by its URL.
		t.recs.each(func(r *recorder) { r.shared.Store(true) })
	}
	c.active.add(rec)
	defer func() {
		t.recs.remove(rec)
		c.active.remove(rec)
	}()

	res, err := c.evaluate(ctx, t, expr)
	if err != nil {
		switch {
		case c.closed.Load():
			return Observation{}, fmt.Errorf("browser: fetch %s: %w", f.URL, ErrClosed)
		case errors.Is(err, ErrCrashed):
			c.dropTab(f.PageURL, t)
			return Observation{}, &CrashError{Engine: corsproof.Chromium, Part: "tab", URL: f.URL, Err: errors.New("its renderer process died (Inspector.targetCrashed)")}
		case !c.Alive():
			return Observation{}, &CrashError{Engine: corsproof.Chromium, Part: "browser", URL: f.URL, Err: err}
		}
		// A fetch that never settled (a server that never answers) leaves
		// its tab usable; a renderer that hangs does not answer a trivial
		// evaluation either, and is replaced by the next fetch's new tab.
		// A caller who gave up (a cancelled run) says nothing of the tab.
		if !errors.Is(ctx.Err(), context.Canceled) && !c.responsive(t) {
			c.dropTab(f.PageURL, t)
		}
		return Observation{}, fmt.Errorf("browser: running fetch %s in %s: %w", f.URL, f.PageURL, err)
	}
	rec.settled()
	tr, missing := rec.wait(ctx, res.Stage == "init", eventGrace)
	// A fetch that settled while the browser or its tab went down can
	// reject like a block; with other fetches in flight the crash need not
	// have hit this one's evaluation first. A block counts only from a
	// live browser and tab.
	if !res.Allowed {
		select {
		case <-t.crashed:
			c.dropTab(f.PageURL, t)
			return Observation{}, &CrashError{Engine: corsproof.Chromium, Part: "tab", URL: f.URL, Err: errors.New("its renderer process died as the fetch settled")}
		default:
		}
		if !c.Alive() {
			return Observation{}, &CrashError{Engine: corsproof.Chromium, Part: "browser", URL: f.URL, Err: errors.New("the browser died as the fetch settled")}
		}
	}
	_, decodeErrs := rec.snapshot()
	if traceHook != nil {
		traceHook(rec)
	}
	return observe(res, tr, missing, decodeErrs), nil
}

// evaluate runs expr in t and awaits its promise, returning early when the
// tab's renderer crashes (an error wrapping ErrCrashed) or ctx ends.
func (c *Chromium) evaluate(ctx context.Context, t *tab, expr string) (jsResult, error) {
	cctx, stop := bind(t.ctx, ctx)
	defer stop()
	type reply struct {
		res jsResult
		err error
	}
	done := make(chan reply, 1)
	go func() {
		res, err := chromedp.Run(cctx, chromedp.Evaluate[jsResult](expr, chromedp.EvalAwaitPromise))
		done <- reply{res, err}
	}()
	select {
	case r := <-done:
		return r.res, r.err
	case <-t.crashed:
		stop() // ends the command above; its goroutine returns on its own
		return jsResult{}, ErrCrashed
	}
}

// responsive says whether t's renderer still answers: a trivial
// evaluation within a second.
func (c *Chromium) responsive(t *tab) bool {
	select {
	case <-t.crashed:
		return false
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	cctx, stop := bind(t.ctx, ctx)
	defer stop()
	_, err := chromedp.Run(cctx, chromedp.Evaluate[int]("1"))
	return err == nil
}

func fetchExpression(f Fetch) (string, error) {
	jf := jsFetch{
		URL: f.URL, Method: f.Method, Body: f.Body, BodyKind: f.BodyKind, BlobType: f.BlobType,
		Credentials: f.Credentials, Mode: f.Mode, Redirect: f.Redirect, Cache: f.Cache,
		BodyLimit: BodyLimit,
	}
	for _, h := range f.Headers {
		jf.Headers = append(jf.Headers, [2]string{h.Name, h.Value})
	}
	arg, err := json.Marshal(jf)
	if err != nil {
		return "", fmt.Errorf("browser: encoding fetch: %w", err)
	}
	return "(" + fetchJS + ")(" + string(arg) + ")", nil
}

// wait returns once the trace is complete, or after grace, or when ctx
// ends, with a description of what is still missing. Events can arrive
// after the promise settled: the ExtraInfo events come from the network
// service on another path than the renderer's, so there is no order
// between them and the Evaluate reply. noNetwork says fetch() was never
// called, so no event is due.
func (r *recorder) wait(ctx context.Context, noNetwork bool, grace time.Duration) (trace, string) {
	if noNetwork {
		events, _ := r.snapshot()
		return assemble(r.url, events, r.shared.Load()), ""
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	for {
		events, _ := r.snapshot()
		t := assemble(r.url, events, r.shared.Load())
		if t.complete() {
			return t, ""
		}
		select {
		case <-r.changed:
		case <-timer.C:
			return t, t.missing()
		case <-ctx.Done():
			return t, t.missing()
		}
	}
}

// missing describes an incomplete trace, for Observation.Notes.
func (t trace) missing() string {
	switch {
	case !t.actual.terminal():
		return "the request has no loadingFinished/loadingFailed event"
	case t.preflight == nil && t.actual.failedByPreflight():
		return "the request failed on its preflight, but no preflight event arrived"
	default:
		return "wire details (ExtraInfo events) incomplete"
	}
}

// observation is what script saw, the part of an Observation every engine
// reports the same way (they all run fetch.js).
func (res jsResult) observation() Observation {
	o := Observation{
		Allowed:       res.Allowed,
		Error:         res.Error,
		Status:        res.Status,
		Type:          res.Type,
		Body:          res.Body,
		BodyTruncated: res.Truncated,
	}
	for _, h := range res.Headers {
		o.Headers = append(o.Headers, Header{Name: h[0], Value: h[1]})
	}
	if res.BodyError != "" {
		o.Notes = append(o.Notes, "reading the body failed: "+res.BodyError)
	}
	return o
}

// observe joins the script's view and the network's view.
func observe(res jsResult, t trace, missing string, decodeErrs []string) Observation {
	o := res.observation()
	if missing != "" {
		o.Notes = append(o.Notes, "after "+eventGrace.String()+": "+missing)
	}
	if t.byElimination {
		o.Notes = append(o.Notes, "the request was matched as the only fetch of its window, not by URL: "+t.actual.hops[0].Request.URL)
	}
	if t.actual == nil && res.Stage == "fetch" {
		o.Notes = append(o.Notes, "fetch() rejected before any network request; the browser reports no reason over CDP")
	}
	for _, e := range decodeErrs {
		o.Notes = append(o.Notes, "a CDP event could not be decoded and was lost: "+e)
	}
	for _, p := range t.preflights {
		if ex := exchanges(p); len(ex) > 0 {
			o.Preflights = append(o.Preflights, ex[0])
		}
	}
	if len(o.Preflights) > 0 {
		o.Preflight = &o.Preflights[0]
	}
	if len(o.Preflights) < 2 {
		o.Preflights = nil // one preflight: Preflight says it all
	}
	if q := t.actual; q != nil {
		if q.failed != nil {
			if cs := q.failed.CorsErrorStatus; cs != nil {
				o.CorsError, o.FailedParameter = string(cs.CorsError), cs.FailedParameter
			} else if !res.Allowed {
				o.NetError = q.failed.ErrorText
				if q.failed.BlockedReason != "" {
					o.NetError += " (blocked: " + string(q.failed.BlockedReason) + ")"
				}
			}
		}
		o.Actual = exchanges(q)
		o.BlockedCookies = blockedCookies(q)
	}
	// Never guess: a blocked fetch without its reason, while an event was
	// lost, may be the lost event's fault.
	if !o.Allowed && o.CorsError == "" && o.NetError == "" && (len(decodeErrs) > 0 || missing != "") && res.Stage != "init" {
		o.Unavailable = append(o.Unavailable, "cors_error")
	}
	return o
}

// exchanges renders each hop of q as it crossed the wire, preferring the
// ExtraInfo events (real wire headers, including Cookie and Set-Cookie, and
// the status of a blocked response) over the renderer's view.
func exchanges(q *request) []Exchange {
	var out []Exchange
	n := len(q.hops)
	if w := q.sentHops(); w < n {
		n = w
	}
	for i := 0; i < n; i++ {
		hop := q.hops[i]
		ex := Exchange{URL: hop.Request.URL, Method: hop.Request.Method}
		if i < len(q.reqExtra) {
			ex.RequestHeaders = mapHeaders(q.reqExtra[i].Headers)
		} else {
			ex.RequestHeaders = mapHeaders(hop.Request.Headers)
		}
		switch {
		case i < len(q.respExtra):
			re := q.respExtra[i]
			ex.Status = int(re.StatusCode)
			if hs, ok := parseHeadersText(re.HeadersText); ok {
				ex.ResponseHeaders = hs
			} else {
				ex.ResponseHeaders = mapHeaders(re.Headers)
			}
		case i+1 < len(q.hops) && q.hops[i+1].RedirectResponse != nil:
			rr := q.hops[i+1].RedirectResponse
			ex.Status, ex.ResponseHeaders = int(rr.Status), mapHeaders(rr.Headers)
		case i == len(q.hops)-1 && q.response != nil:
			ex.Status, ex.ResponseHeaders = int(q.response.Response.Status), mapHeaders(q.response.Response.Headers)
		}
		out = append(out, ex)
	}
	return out
}

// mapHeaders turns CDP's header map into lines. The map has lost the wire
// order, so names are sorted to keep output stable; duplicate lines were
// joined with "\n", so they are split again.
func mapHeaders(m network.Headers) []Header {
	var out []Header
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}) {
		for v := range strings.SplitSeq(fmt.Sprint(m[name]), "\n") {
			out = append(out, Header{Name: name, Value: v})
		}
	}
	return out
}

// parseHeadersText reads the verbatim HTTP/1.x header block, which keeps
// the order, case and duplicates of the lines. HTTP/2 has none.
func parseHeadersText(text string) ([]Header, bool) {
	if text == "" {
		return nil, false
	}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var out []Header
	for _, line := range lines[1:] { // lines[0] is the status line
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		out = append(out, Header{Name: name, Value: strings.TrimSpace(value)})
	}
	return out, true
}

// blockedCookies lists the cookies the browser refused on q's hops: a
// Set-Cookie it did not store, and a stored cookie it did not send. Cookies
// that simply do not belong to the URL (NotOnPath, DomainMismatch) are not
// blocks, and are left out: the harness isolates scenarios by cookie path.
func blockedCookies(q *request) []BlockedCookie {
	var out []BlockedCookie
	for _, re := range q.respExtra {
		for _, bc := range re.BlockedCookies {
			name := ""
			if bc.Cookie != nil {
				name = bc.Cookie.Name
			} else {
				name, _, _ = strings.Cut(bc.CookieLine, "=")
			}
			var reasons []string
			for _, r := range bc.BlockedReasons {
				reasons = append(reasons, string(r))
			}
			out = append(out, newBlockedCookie(name, "response", reasons))
		}
	}
	for _, rq := range q.reqExtra {
		for _, ac := range rq.AssociatedCookies {
			var reasons []string
			for _, r := range ac.BlockedReasons {
				if r == network.CookieBlockedReasonNotOnPath || r == network.CookieBlockedReasonDomainMismatch {
					continue
				}
				reasons = append(reasons, string(r))
			}
			if len(reasons) == 0 || ac.Cookie == nil {
				continue
			}
			out = append(out, newBlockedCookie(ac.Cookie.Name, "request", reasons))
		}
	}
	return out
}

func newBlockedCookie(name, source string, reasons []string) BlockedCookie {
	bc := BlockedCookie{Name: name, Source: source, Reasons: reasons}
	if len(reasons) > 0 {
		bc.Reason = reasons[0]
	}
	return bc
}

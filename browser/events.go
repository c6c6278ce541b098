package browser

import (
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/chromedp/cdproto/network"
)

// recorder collects the Network events of one fetch. Its add method runs in
// chromedp's read loop, so it only appends under a short lock and pokes a
// channel without blocking; all interpretation happens in the fetch's own
// goroutine, in assemble.
type recorder struct {
	url     string // the fetch's URL as Chromium reports it: absolute, no fragment
	changed chan struct{}

	mu         sync.Mutex
	events     []any
	decodeErrs []string
	settledAt  int // len(events) when the promise settled, for measurements

	// shared: another fetch was in flight on the same tab at some point,
	// so a request is this fetch's only if its URL says so.
	shared atomic.Bool
}

func newRecorder(fetchURL string) *recorder {
	return &recorder{url: fetchURL, changed: make(chan struct{}, 1)}
}

// add keeps the Network events that can belong to a fetch. Events are not
// filtered by URL here: the ExtraInfo events carry only a requestId, and
// they may arrive before the requestWillBeSent that names the URL.
func (r *recorder) add(ev any) {
	switch ev.(type) {
	case *network.EventRequestWillBeSent, *network.EventRequestWillBeSentExtraInfo,
		*network.EventResponseReceived, *network.EventResponseReceivedExtraInfo,
		*network.EventLoadingFinished, *network.EventLoadingFailed:
	default:
		return
	}
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	r.poke()
}

// settled marks the moment the Evaluate reply arrived.
func (r *recorder) settled() {
	r.mu.Lock()
	r.settledAt = len(r.events)
	r.mu.Unlock()
}

func (r *recorder) decodeFailed(msg string) {
	r.mu.Lock()
	r.decodeErrs = append(r.decodeErrs, msg)
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) poke() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *recorder) snapshot() ([]any, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events), slices.Clone(r.decodeErrs)
}

// request is everything seen for one requestId. A redirect reuses the
// requestId, so each requestWillBeSent opens a new hop; the ExtraInfo
// events of a requestId come once per hop, in hop order.
type request struct {
	id        network.RequestID
	preflight bool
	hops      []*network.EventRequestWillBeSent
	reqExtra  []*network.EventRequestWillBeSentExtraInfo
	respExtra []*network.EventResponseReceivedExtraInfo
	response  *network.EventResponseReceived
	finished  bool
	failed    *network.EventLoadingFailed
	initiator network.RequestID // for a preflight: the actual request
}

func (q *request) terminal() bool { return q.finished || q.failed != nil }

// trace is the recorder's events grouped by request.
type trace struct {
	actual    *request
	preflight *request // the first of preflights
	// preflights are all the preflights the actual request caused, in
	// order: one more after each redirect to a URL that needs one.
	preflights []*request
	// byElimination: no request had the fetch's URL as serialised here,
	// and the only fetch-type request of the window was taken instead.
	byElimination bool
}

// assemble groups the events and picks the fetch's requests: the actual
// request is the first non-preflight request for the fetch's URL; the
// preflight is the one whose initiator is the actual request (or, failing
// that, a preflight for the same URL). shared says other fetches ran on
// the tab meanwhile, so their requests are in events too.
func assemble(fetchURL string, events []any, shared bool) trace {
	byID := map[network.RequestID]*request{}
	get := func(id network.RequestID) *request {
		q := byID[id]
		if q == nil {
			q = &request{id: id}
			byID[id] = q
		}
		return q
	}
	var order []*request // by first requestWillBeSent
	for _, ev := range events {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			q := get(e.RequestID)
			if len(q.hops) == 0 {
				order = append(order, q)
			}
			q.hops = append(q.hops, e)
			// Chromium 156 reports a preflight with Type "Other" and an
			// initiator of type "preflight" naming the actual request;
			// the protocol also has Type "Preflight". Accept both.
			if e.Type == network.ResourceTypePreflight ||
				(e.Initiator != nil && e.Initiator.Type == network.InitiatorTypePreflight) {
				q.preflight = true
				if e.Initiator != nil {
					q.initiator = e.Initiator.RequestID
				}
			}
		case *network.EventRequestWillBeSentExtraInfo:
			q := get(e.RequestID)
			q.reqExtra = append(q.reqExtra, e)
		case *network.EventResponseReceived:
			get(e.RequestID).response = e
		case *network.EventResponseReceivedExtraInfo:
			q := get(e.RequestID)
			q.respExtra = append(q.respExtra, e)
		case *network.EventLoadingFinished:
			get(e.RequestID).finished = true
		case *network.EventLoadingFailed:
			get(e.RequestID).failed = e
		}
	}
	var t trace
	for _, q := range order {
		if !q.preflight && sameURL(q.hops[0].Request, fetchURL) {
			t.actual = q
			break
		}
	}
	if t.actual == nil && !shared {
		// Chromium may serialise a URL differently (percent-encoding in
		// the query, IDNA hosts). When this fetch was alone on its tab,
		// a single fetch-type request in the window is ours.
		var cands []*request
		for _, q := range order {
			if !q.preflight && q.hops[0].Type == network.ResourceTypeFetch {
				cands = append(cands, q)
			}
		}
		if len(cands) == 1 {
			t.actual, t.byElimination = cands[0], true
		}
	}
	var byURL *request
	for _, q := range order {
		if !q.preflight {
			continue
		}
		if t.actual != nil && q.initiator == t.actual.id {
			t.preflights = append(t.preflights, q)
			continue
		}
		if byURL == nil && sameURL(q.hops[0].Request, fetchURL) {
			byURL = q
		}
	}
	if len(t.preflights) == 0 && byURL != nil {
		t.preflights = []*request{byURL}
	}
	if len(t.preflights) > 0 {
		t.preflight = t.preflights[0]
	}
	return t
}

func sameURL(req *network.Request, want string) bool {
	return req != nil && req.URL == want
}

// normalizeURL resolves ref against the page, drops the fragment, and
// serialises it the way Chromium reports Request.URL, for the common cases.
func normalizeURL(page, ref string) string {
	base, err := url.Parse(page)
	if err != nil {
		return ref
	}
	u, err := base.Parse(ref)
	if err != nil {
		return ref
	}
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" && u.Opaque == "" {
		u.Path = "/"
	}
	return u.String()
}

// complete says whether the trace has everything that will come: the
// actual request ended, and every hop that reached the network has its
// ExtraInfo events (the wire headers, cookies, and the status of a blocked
// response, which the network service sends on another path than the
// renderer's events). It is only asked after the promise settled.
//
// No actual request at that point means none will come: the renderer
// emits requestWillBeSent when fetch() starts the load, on the same ordered
// channel as the Evaluate reply, before any settlement. (Seen: mode
// "same-origin" to another origin, and invalid init, reject with no event.)
func (t trace) complete() bool {
	if t.actual == nil {
		return true
	}
	if !t.actual.terminal() {
		return false
	}
	if t.preflight == nil && t.actual.failedByPreflight() {
		// The actual request failed on its preflight, so a preflight
		// went out; its events can trail the actual request's failure
		// (seen in about 1 of 200 failed preflights under load).
		return false
	}
	if t.preflight != nil && t.actual.failedByPreflight() && !t.preflight.answered() {
		// A CORS error of the preflight's response: the preflight went out
		// and was answered, so its ExtraInfo events are due, however the
		// preflight's own failure reads (they trail it under load: seen
		// once in 5,000 fetches with eight in flight).
		return false
	}
	for _, p := range t.preflights {
		if !p.wireComplete() {
			return false
		}
	}
	return t.actual.wireComplete()
}

// answered: the request's first hop went out and its response came back,
// as the network service reports them.
func (q *request) answered() bool { return len(q.reqExtra) > 0 && len(q.respExtra) > 0 }

// failedByPreflight: the request failed with a CORS error that only a
// preflight response can cause.
func (q *request) failedByPreflight() bool {
	if q.failed == nil || q.failed.CorsErrorStatus == nil {
		return false
	}
	e := string(q.failed.CorsErrorStatus.CorsError)
	return strings.HasPrefix(e, "Preflight") || strings.HasSuffix(e, "PreflightResponse")
}

// wireComplete: each hop that went out has a requestWillBeSentExtraInfo,
// and each hop that got a response has a responseReceivedExtraInfo.
func (q *request) wireComplete() bool {
	want := q.sentHops()
	if q.response != nil && !q.response.HasExtraInfo && want > 0 {
		want-- // served from the HTTP cache: no wire, no ExtraInfo
	}
	return len(q.reqExtra) >= want && len(q.respExtra) >= q.responseHops()
}

// sentHops is the number of hops that left the browser. The last hop did
// not when the browser failed it before writing it: a CORS error decided
// before the request (a failed preflight, Local Network Access, the
// mode), or a network error with no ExtraInfo (DNS, connection refused,
// blocked by the client).
func (q *request) sentHops() int {
	n := len(q.hops)
	if q.failed == nil || q.response != nil {
		return n
	}
	if cs := q.failed.CorsErrorStatus; cs != nil {
		if responseCorsErrors[string(cs.CorsError)] {
			return n
		}
		// Decided before sending; an unknown (newer) value lands here
		// too, so that it never makes the fetch wait for events that do
		// not come. Events that did come are still used.
		return min(n, len(q.reqExtra))
	}
	return min(n, len(q.reqExtra))
}

// responseCorsErrors are the CORS errors found by checking a response of
// the actual request, so that request went out and its response came back.
var responseCorsErrors = map[string]bool{
	"MissingAllowOriginHeader":    true,
	"WildcardOriginNotAllowed":    true,
	"MultipleAllowOriginValues":   true,
	"InvalidAllowOriginValue":     true,
	"AllowOriginMismatch":         true,
	"InvalidAllowCredentials":     true,
	"InvalidResponse":             true,
	"RedirectContainsCredentials": true,
}

// responseHops is the number of hops whose response came over the wire:
// every redirect, plus the last hop if a response arrived (a CORS failure
// of the actual response still had one: loadingFailed comes after it).
func (q *request) responseHops() int {
	n := len(q.hops) - 1
	switch {
	case q.response != nil:
		if q.response.HasExtraInfo {
			n++
		}
	case q.failed != nil && q.failed.CorsErrorStatus != nil && responseCorsErrors[string(q.failed.CorsErrorStatus.CorsError)]:
		n++
	case q.failed != nil:
		if len(q.respExtra) > n { // a response came after all
			n++
		}
	}
	return n
}

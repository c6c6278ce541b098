package browser

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/corsproof/corsproof/browser/bidi"
)

// ffLogGrace bounds the wait for the console message of a blocked fetch
// once its network events are in.
const ffLogGrace = 500 * time.Millisecond

// ffRequest is one BiDi request id: its hops (one beforeRequestSent per
// redirect), the responses, and how it ended.
type ffRequest struct {
	id        string
	method    string
	hops      []bidi.RequestData
	responses map[int]*bidi.ResponseData // by redirect count
	completed bool
	errorText string
	failed    bool
}

func (q *ffRequest) terminal() bool { return q.completed || q.failed }

// ffRecorder collects the events of one fetch.
type ffRecorder struct {
	url     string
	method  string // the fetch's method, upper case
	context string

	mu      sync.Mutex
	reqs    map[string]*ffRequest
	order   []string
	logs    []bidi.LogEntry
	raw     []string // every event seen, for the trace in tests
	changed chan struct{}
}

func newFFRecorder(url, method, context string) *ffRecorder {
	if method == "" {
		method = "GET"
	}
	return &ffRecorder{url: url, method: strings.ToUpper(method), context: context, reqs: map[string]*ffRequest{}, changed: make(chan struct{}, 1)}
}

func (r *ffRecorder) poke() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *ffRecorder) addNet(method string, e bidi.NetworkEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	q, known := r.reqs[e.Request.Request]
	if !known {
		if e.Request.URL != r.url || method != "network.beforeRequestSent" {
			return
		}
		q = &ffRequest{id: e.Request.Request, method: e.Request.Method, responses: map[int]*bidi.ResponseData{}}
		r.reqs[q.id] = q
		r.order = append(r.order, q.id)
	}
	status := 0
	if e.Response != nil {
		status = e.Response.Status
	}
	r.raw = append(r.raw, fmt.Sprintf("%s %s %s redirect=%d status=%d err=%q", method, e.Request.Method, e.Request.URL, e.RedirectCount, status, e.ErrorText))
	switch method {
	case "network.beforeRequestSent":
		for len(q.hops) <= e.RedirectCount {
			q.hops = append(q.hops, bidi.RequestData{})
		}
		q.hops[e.RedirectCount] = e.Request
	case "network.responseStarted", "network.responseCompleted":
		if e.Response != nil {
			q.responses[e.RedirectCount] = e.Response
		}
		if method == "network.responseCompleted" && e.Response != nil && !isRedirect(e.Response.Status) {
			q.completed = true
		}
	case "network.fetchError":
		q.failed, q.errorText = true, e.ErrorText
	}
	r.poke()
}

func isRedirect(status int) bool {
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308
}

func (r *ffRecorder) addLog(e bidi.LogEntry) {
	if e.Source.Context != "" && e.Source.Context != r.context {
		return
	}
	// Fetches of other tabs run at the same time: a message that names no
	// tab is this fetch's only if it names its URL.
	if e.Source.Context == "" && !strings.Contains(e.Text, r.url) {
		return
	}
	if !strings.HasPrefix(e.Text, "Cross-Origin Request") {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, e)
	r.raw = append(r.raw, fmt.Sprintf("log.entryAdded %s %s: %s", e.Type, e.Level, e.Text))
	r.poke()
}

// split returns the preflight and the actual request as far as seen.
// Firefox announces the actual request (beforeRequestSent) before its
// preflight, even when the preflight then fails and the actual request is
// never sent; so order says nothing, the method does: an OPTIONS request
// for a fetch whose method is not OPTIONS is the preflight.
func (r *ffRecorder) split() (pre, actual *ffRequest) {
	for _, id := range r.order {
		q := r.reqs[id]
		if q.method == "OPTIONS" && r.method != "OPTIONS" && pre == nil {
			pre = q
			continue
		}
		if actual == nil {
			actual = q
		}
	}
	return pre, actual
}

// sent says whether the actual request went out: it got a response, or it
// failed for another reason than its preflight.
func (r *ffRecorder) sent(pre, actual *ffRequest) bool {
	if actual == nil {
		return false
	}
	if len(actual.responses) > 0 {
		return true
	}
	return pre == nil || !pre.failed
}

// corsLog returns the CORS block message of this fetch, preferring one that
// names its URL.
// Firefox logs a second message for the actual request after a failed
// preflight ("CORS request did not succeed", status null): a message with a
// CORS verdict wins over one without.
func (r *ffRecorder) corsLog() (bidi.LogEntry, bool) {
	best, bestScore := -1, 0
	for i, e := range r.logs {
		if !strings.HasPrefix(e.Text, "Cross-Origin Request Blocked:") {
			continue
		}
		score := 1
		if strings.Contains(e.Text, r.url) {
			score += 2
		}
		if b, _ := parseFirefoxCORS(e.Text, r.method); b.Reason != "" {
			score += 4
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	if best < 0 {
		return bidi.LogEntry{}, false
	}
	return r.logs[best], true
}

// wait returns once the fetch's events are all in (the request that
// settled the promise ended; a blocked fetch has its console message), or
// after grace, with a description of what is missing.
func (r *ffRecorder) wait(ctx context.Context, res jsResult, grace time.Duration) string {
	if res.Stage == "init" {
		return ""
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	var logTimer <-chan time.Time
	for {
		r.mu.Lock()
		pre, actual := r.split()
		e, hasLog := r.corsLog()
		// "CORS request did not succeed" (a network error) can come before
		// the message that names the CORS check that failed; only the
		// latter ends the wait at once.
		verdictLog := false
		if hasLog {
			b, _ := parseFirefoxCORS(e.Text, r.method)
			verdictLog = b.Reason != ""
		}
		r.mu.Unlock()
		netDone := (actual != nil && actual.terminal()) || (actual == nil && pre != nil && pre.terminal() && !res.Allowed)
		switch {
		case res.Allowed && netDone:
			return ""
		case !res.Allowed && verdictLog && (netDone || actual == nil && pre == nil):
			return ""
		case !res.Allowed && (netDone || hasLog) && logTimer == nil:
			// A network failure has no console message, or only the
			// network-error one; give the message of a CORS block a moment,
			// it comes from another thread.
			logTimer = time.After(ffLogGrace)
		}
		select {
		case <-r.changed:
		case <-logTimer:
			return ""
		case <-timer.C:
			switch {
			case !netDone:
				return "the request has no responseCompleted/fetchError event"
			default:
				return "no console message for the blocked request"
			}
		case <-ctx.Done():
			return "the context ended while waiting for events"
		}
	}
}

// observe joins what script saw with the events.
func (r *ffRecorder) observe(fe Fetch, res jsResult, missing string) Observation {
	o := res.observation()
	if missing != "" {
		o.Notes = append(o.Notes, "after "+eventGrace.String()+": "+missing)
	}
	// WebDriver BiDi reports no cookie the browser refused.
	o.Unavailable = append(o.Unavailable, "blocked_cookies")

	r.mu.Lock()
	defer r.mu.Unlock()
	pre, actual := r.split()
	if pre != nil {
		if ex := ffExchanges(pre); len(ex) > 0 {
			o.Preflight = &ex[0]
		}
	}
	if r.sent(pre, actual) {
		o.Actual = ffExchanges(actual)
	}
	if !res.Allowed && res.Stage == "fetch" {
		if e, ok := r.corsLog(); ok {
			b, _ := parseFirefoxCORS(e.Text, fe.Method)
			switch {
			case b.Key == "":
				o.Notes = append(o.Notes, "firefox: unrecognised CORS message: "+e.Text)
				o.Unavailable = append(o.Unavailable, "cors_error")
			case b.Reason == "":
				o.NetError = b.Key
				if actual != nil && actual.errorText != "" {
					o.NetError += " (" + actual.errorText + ")"
				}
			default:
				o.CorsError, o.FailedParameter = b.Reason, b.Param
				// The same message serves the preflight and the actual
				// response; if the actual request never went out, it was
				// the preflight's.
				if pre != nil && !r.sent(pre, actual) {
					o.CorsError = preflightVariant(b.Reason)
				}
			}
		} else {
			switch {
			case actual != nil && actual.errorText != "":
				o.NetError = actual.errorText
			case pre != nil && pre.errorText != "":
				o.NetError = pre.errorText
			default:
				o.Unavailable = append(o.Unavailable, "cors_error")
			}
			if actual == nil && pre == nil {
				o.Notes = append(o.Notes, "fetch() rejected before any network request; Firefox logged no reason")
			}
		}
	}
	for _, e := range r.logs {
		if firefoxWarning.MatchString(e.Text) {
			o.Notes = append(o.Notes, "firefox warns: "+e.Text)
		}
	}
	return o
}

// ffExchanges renders q's hops. BiDi's headers are the ones Firefox put on
// the channel and received, in order, with duplicates as separate lines.
func ffExchanges(q *ffRequest) []Exchange {
	var out []Exchange
	for i, h := range q.hops {
		if h.Request == "" {
			continue
		}
		ex := Exchange{URL: h.URL, Method: h.Method, RequestHeaders: ffHeaders(h.Headers)}
		if resp := q.responses[i]; resp != nil {
			ex.Status, ex.ResponseHeaders = resp.Status, ffHeaders(resp.Headers)
		}
		out = append(out, ex)
	}
	return out
}

func ffHeaders(hs []bidi.Header) []Header {
	var out []Header
	for _, h := range hs {
		v := h.Value.Value
		if h.Value.Type == "base64" {
			if b, err := base64.StdEncoding.DecodeString(v); err == nil {
				v = string(b)
			}
		}
		out = append(out, Header{Name: h.Name, Value: v})
	}
	return out
}

// trace returns the raw events seen, for tests.
func (r *ffRecorder) trace() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.raw...)
}

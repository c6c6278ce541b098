package judge

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

// wireServer replays what the browser saw on the wire, so the model can say
// what a conforming browser does with the headers the server really sent.
func wireServer(obs corsproof.Observation) spec.Server {
	hop, preflights := 0, obs.AllPreflights()
	used := make([]bool, len(preflights))
	return func(r spec.ServerRequest) (spec.Response, bool) {
		if r.Preflight {
			// The model's preflights in order, each matched to the first
			// unused observed one for the same URL: after a redirect the
			// browser preflights the new URL (maybe with Origin: null).
			// The first preflight needs no URL match: an engine may
			// serialise the URL differently than the model does.
			for i, p := range preflights {
				if !used[i] && (p.URL == r.URL || i == 0) && p.Status != 0 {
					used[i] = true
					return spec.Response{Status: p.Status, Headers: specHeaders(p.ResponseHeaders)}, true
				}
			}
			return spec.Response{}, false
		}
		if hop >= len(obs.Actual) || obs.Actual[hop].Status == 0 {
			return spec.Response{}, false
		}
		x := obs.Actual[hop]
		hop++
		return spec.Response{Status: x.Status, Headers: specHeaders(x.ResponseHeaders)}, true
	}
}

// policySide answers like a server that keeps the policy: for a preflight,
// exactly the policy's answer; for an actual request, the response the
// server really sent (status, Location, its own headers) with the CORS
// headers replaced by the policy's. So a wrong status or a missing header
// outside CORS is never blamed on the policy, and a live target needs no
// model of its routes. It is built once per fetch; each server() replays
// the fetch from its first hop and records what it answered.
type policySide struct {
	pol    *policy.Policy
	obs    corsproof.Observation
	pathOf func(*url.URL) string
	// oracle answers the server's part of an actual exchange the engine
	// did not observe (nil: a plain 200 is assumed).
	oracle spec.Server
	// answered are the last server()'s answers, in order.
	answered []answer
}

type answer struct {
	req  spec.ServerRequest
	resp spec.Response
}

func newPolicySide(pol *policy.Policy, obs corsproof.Observation, pathOf func(*url.URL) string, oracle spec.Server) *policySide {
	return &policySide{pol: pol, obs: obs, pathOf: pathOf, oracle: oracle}
}

func (p *policySide) server() spec.Server {
	hop := 0
	p.answered = p.answered[:0]
	return func(r spec.ServerRequest) (spec.Response, bool) {
		resp, ok := p.answer(r, hop)
		if ok {
			if !r.Preflight {
				hop++
			}
			p.answered = append(p.answered, answer{r, resp})
		}
		return resp, ok
	}
}

func (p *policySide) answer(r spec.ServerRequest, hop int) (spec.Response, bool) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return spec.Response{}, false
	}
	acrm, hasACRM := r.Headers.Get(spec.HeaderRequestMethod)
	acrh, _ := r.Headers.Get(spec.HeaderRequestHeaders)
	origin, _ := r.Headers.Get(spec.HeaderOrigin)
	ans := p.pol.Answer(policy.Request{
		Method: r.Method, Path: p.pathOf(u), Origin: origin,
		HasRequestMethod: hasACRM, RequestMethod: acrm, RequestHeaders: acrh,
	})
	if ans.Preflight {
		return spec.Response{Status: ans.Status, Headers: spec.HeadersOf(ans.Header)}, true
	}
	resp := spec.Response{Status: http.StatusOK}
	var server spec.Response
	seen := hop < len(p.obs.Actual) && p.obs.Actual[hop].Status != 0
	switch {
	case seen:
		server = spec.Response{Status: p.obs.Actual[hop].Status, Headers: specHeaders(p.obs.Actual[hop].ResponseHeaders)}
	case p.oracle != nil:
		server, seen = p.oracle(r)
	}
	if seen {
		resp.Status = server.Status
		for _, h := range server.Headers {
			if !spec.IsCORSResponseHeader(h.Name) {
				resp.Headers = append(resp.Headers, h)
			}
		}
	}
	for _, h := range spec.HeadersOf(ans.Header) {
		if spec.IsCORSResponseHeader(h.Name) {
			resp.Headers = append(resp.Headers, h)
		}
	}
	return resp, true
}

// decidingExchange picks the exchange whose CORS headers explain a mismatch:
// the preflight when it failed or was the only one, else the last response.
// The policy's side is what it answered the model for the policy (the last
// decision), so it does not depend on which request headers an engine can
// report.
//
// When the engine cannot show the exchange (WebKit), wireUnseen is true:
// the server's headers are unknown, never taken as empty.
func decidingExchange(expected *policySide, obs corsproof.Observation) (exchange string, want, got spec.Headers, wireUnseen bool) {
	var wantPreflight, wantActual spec.Headers
	var sentPreflight, sentActual bool
	for _, a := range expected.answered {
		if a.req.Preflight {
			wantPreflight, sentPreflight = a.resp.Headers, true
		} else {
			wantActual, sentActual = a.resp.Headers, true
		}
	}
	preflightFailed := isPreflightReason(obs.CorsError)
	if obs.Preflight != nil && (len(obs.Actual) == 0 || preflightFailed) {
		return "preflight response", corsOnly(wantPreflight), corsOnly(specHeaders(obs.Preflight.ResponseHeaders)), false
	}
	if len(obs.Actual) > 0 {
		last := obs.Actual[len(obs.Actual)-1]
		return "response", corsOnly(wantActual), corsOnly(specHeaders(last.ResponseHeaders)), false
	}
	if !slices.Contains(obs.Unavailable, "actual") {
		return "response", corsOnly(wantActual), nil, false
	}
	// Nothing on the wire is observable in this engine. The target's
	// oracle knows only the non-CORS part of a response (it answers as the
	// conforming server, whatever fault is served), so the server's CORS
	// headers stay unknown.
	if sentPreflight && (!sentActual || !obs.Allowed) {
		return "preflight response", corsOnly(wantPreflight), nil, true
	}
	return "response", corsOnly(wantActual), nil, true
}

func corsOnly(hs spec.Headers) spec.Headers {
	var out spec.Headers
	for _, h := range hs {
		if spec.IsCORSResponseHeader(h.Name) {
			out = append(out, h)
		}
	}
	return out
}

// relevantHeaders are the response header names whose readability the
// verdict compares: every header of the final actual response on the wire
// but the CORS headers.
func relevantHeaders(obs corsproof.Observation) []string {
	if len(obs.Actual) == 0 {
		return nil
	}
	var names []string
	for _, h := range obs.Actual[len(obs.Actual)-1].ResponseHeaders {
		// The CORS headers themselves are no data of the API: whether a
		// page can read Access-Control-Allow-Credentials (exposed by "*")
		// says nothing a policy is about.
		if !spec.IsCORSResponseHeader(h.Name) {
			names = append(names, h.Name)
		}
	}
	return names
}

// maxAgeOf describes the Access-Control-Max-Age the first fetch's
// preflight carried: the one the browser cached, or did not.
func maxAgeOf(obs corsproof.Observation) string {
	if obs.Preflight == nil {
		return "was not seen"
	}
	if v, ok := corsproof.HeaderValue(obs.Preflight.ResponseHeaders, spec.HeaderMaxAge); ok {
		return "sent " + spec.HeaderMaxAge + ": " + v
	}
	return "lacks " + spec.HeaderMaxAge
}

func specHeaders(hs []corsproof.Header) spec.Headers {
	out := make(spec.Headers, 0, len(hs))
	for _, h := range hs {
		out = append(out, spec.Header{Name: h.Name, Value: h.Value})
	}
	return out
}

// isPreflightReason: Chromium reports this CorsError only about a
// preflight response.
func isPreflightReason(r string) bool {
	return strings.HasPrefix(r, "Preflight") || strings.HasSuffix(r, "PreflightResponse")
}

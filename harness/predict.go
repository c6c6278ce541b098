package harness

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

// corsResponseHeaders are the headers a CORS policy decides. Everything else
// on a response (status, Location, X-Total-Count, ...) is the API's business.
var corsResponseHeaders = []string{
	policy.HeaderAllowOrigin, policy.HeaderAllowCredentials, policy.HeaderAllowMethods,
	policy.HeaderAllowHeaders, policy.HeaderExposeHeaders, policy.HeaderMaxAge,
}

func isCORSResponseHeader(name string) bool {
	for _, h := range corsResponseHeaders {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// wireServer replays what the browser saw on the wire, so the model can say
// what a conforming browser does with the headers the server really sent.
func wireServer(obs browser.Observation) spec.Server {
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

// policyServer answers like a server that conforms to the policy: for a
// preflight, exactly the policy's answer; for an actual request, the response
// the server really sent (status, Location, its own headers) with the CORS
// headers replaced by the policy's. So a wrong status or a missing header
// outside CORS is never blamed on the policy, and a live target needs no model
// of its routes. pathOf maps a request URL to the path the policy sees.
//
// When the engine did not observe an actual exchange, unseen answers the
// server's part of it (nil: a plain 200 is assumed).
func policyServer(p *policy.Policy, obs browser.Observation, pathOf func(*url.URL) string, unseen spec.Server) spec.Server {
	hop := 0
	return func(r spec.ServerRequest) (spec.Response, bool) {
		u, err := url.Parse(r.URL)
		if err != nil {
			return spec.Response{}, false
		}
		acrm, hasACRM := r.Headers.Get(policy.HeaderRequestMethod)
		acrh, _ := r.Headers.Get(policy.HeaderRequestHeaders)
		origin, _ := r.Headers.Get(policy.HeaderOrigin)
		ans := p.Answer(policy.Request{
			Method: r.Method, Path: pathOf(u), Origin: origin,
			HasRequestMethod: hasACRM, RequestMethod: acrm, RequestHeaders: acrh,
		})
		if ans.Preflight {
			return spec.Response{Status: ans.Status, Headers: headersOf(ans.Header)}, true
		}
		resp := spec.Response{Status: http.StatusOK}
		var server spec.Response
		seen := hop < len(obs.Actual) && obs.Actual[hop].Status != 0
		switch {
		case seen:
			server = spec.Response{Status: obs.Actual[hop].Status, Headers: specHeaders(obs.Actual[hop].ResponseHeaders)}
		case unseen != nil:
			server, seen = unseen(r)
		}
		if seen {
			resp.Status = server.Status
			for _, h := range server.Headers {
				if !isCORSResponseHeader(h.Name) {
					resp.Headers = append(resp.Headers, h)
				}
			}
		}
		hop++
		for _, h := range headersOf(ans.Header) {
			if isCORSResponseHeader(h.Name) {
				resp.Headers = append(resp.Headers, h)
			}
		}
		return resp, true
	}
}

func specHeaders(hs []browser.Header) spec.Headers {
	out := make(spec.Headers, 0, len(hs))
	for _, h := range hs {
		out = append(out, spec.Header{Name: h.Name, Value: h.Value})
	}
	return out
}

func headersOf(h http.Header) spec.Headers {
	var out spec.Headers
	for name, vs := range h {
		for _, v := range vs {
			out = append(out, spec.Header{Name: name, Value: v})
		}
	}
	return out
}

// relevantHeaders are the response header names whose readability the
// verdict compares: every header of the final actual response on the wire
// but the CORS headers.
func relevantHeaders(obs browser.Observation) []string {
	if len(obs.Actual) == 0 {
		return nil
	}
	var names []string
	for _, h := range obs.Actual[len(obs.Actual)-1].ResponseHeaders {
		// The CORS headers themselves are no data of the API: whether a
		// page can read Access-Control-Allow-Credentials (exposed by "*")
		// says nothing a policy is about.
		if !isCORSResponseHeader(h.Name) {
			names = append(names, h.Name)
		}
	}
	return names
}

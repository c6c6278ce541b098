package spec

import (
	"strings"
	"testing"
)

const (
	pageA = "https://app.example"
	apiB  = "https://api.example"
)

// hdrs builds Headers from "Name: value" strings.
func hdrs(lines ...string) Headers {
	var h Headers
	for _, l := range lines {
		n, v, _ := strings.Cut(l, ":")
		h = append(h, Header{Name: n, Value: strings.TrimSpace(v)})
	}
	return h
}

// server answers preflights with pre and everything else with act.
func server(pre, act Response) Server {
	return func(r ServerRequest) (Response, bool) {
		if r.Preflight {
			return pre, true
		}
		return act, true
	}
}

// routes answers "METHOD URL" keys; OPTIONS for preflights. Missing keys
// are unknown (ok=false).
func routes(m map[string]Response) Server {
	return func(r ServerRequest) (Response, bool) {
		resp, ok := m[r.Method+" "+r.URL]
		return resp, ok
	}
}

// okPreflight is a preflight answer allowing origin with the given ACAM and
// ACAH (empty strings omit the header).
func okPreflight(origin, acam, acah string, extra ...string) Response {
	h := hdrs("Access-Control-Allow-Origin: " + origin)
	if acam != "" {
		h = append(h, Header{HeaderAllowMethods, acam})
	}
	if acah != "" {
		h = append(h, Header{HeaderAllowHeaders, acah})
	}
	return Response{Status: 204, Headers: append(h, hdrs(extra...)...)}
}

func okActual(origin string, extra ...string) Response {
	return Response{Status: 200, Headers: append(hdrs("Access-Control-Allow-Origin: "+origin), hdrs(extra...)...)}
}

func countPreflights(d Decision) int {
	n := 0
	for _, s := range d.Sent {
		if s.Preflight {
			n++
		}
	}
	return n
}

// checkDecision compares the outcome fields every Decide table sets.
func checkDecision(t *testing.T, d Decision, allowed bool, reason Reason, preflight bool) {
	t.Helper()
	if d.Allowed != allowed || d.Reason != reason || d.Preflight != preflight {
		t.Errorf("got allowed=%v reason=%q preflight=%v, want allowed=%v reason=%q preflight=%v\nsteps: %+v",
			d.Allowed, d.Reason, d.Preflight, allowed, reason, preflight, d.Steps)
	}
}

func hasDeviation(d Decision, id string) bool {
	for _, x := range d.Deviations {
		if x == id {
			return true
		}
	}
	return false
}

package harness

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/spec"
)

// Verdict is how a scenario ended. The zero value is invalid.
type Verdict string

const (
	// VerdictPass: the browser did what the policy claims.
	VerdictPass Verdict = "pass"
	// VerdictServerMismatch: the server's headers differ from the policy,
	// and the browser therefore allowed what the policy forbids (security) or
	// blocked what it allows (broken).
	VerdictServerMismatch Verdict = "server-mismatch"
	// VerdictBrowserDeviation: given the headers the server really sent, the
	// browser did not do what the Fetch standard says; Known when a listed
	// deviation of the browser's profile explains it.
	VerdictBrowserDeviation Verdict = "browser-deviation"
	// VerdictError: infrastructure failed (browser died, target down); no
	// judgement about CORS was made.
	VerdictError Verdict = "error"
)

// Severity of a server mismatch.
type Severity string

const (
	SeverityNone Severity = ""
	// SeveritySecurity: something the policy forbids was readable.
	SeveritySecurity Severity = "security"
	// SeverityBroken: something the policy allows was blocked.
	SeverityBroken Severity = "broken"
)

// Outcome is the part of a fetch's result that verdicts compare.
type Outcome struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"` // CorsError-style, when blocked
	Param   string `json:"param,omitempty"`
	// Exposed: response header names script could read (lowercase, sorted),
	// limited to the headers the API sends that are not always safelisted.
	Exposed   []string `json:"exposed,omitempty"`
	Preflight bool     `json:"preflight"`
}

// String is "allowed" or "blocked: Reason param".
func (o Outcome) String() string {
	if o.Allowed {
		return "allowed"
	}
	s := "blocked"
	if o.Reason != "" {
		s += ": " + o.Reason
		if o.Param != "" {
			s += " " + o.Param
		}
	}
	return s
}

// Result is one scenario's end.
type Result struct {
	Scenario Scenario `json:"scenario"`
	Verdict  Verdict  `json:"verdict"`
	Severity Severity `json:"severity,omitempty"`
	// Known: a browser deviation that the profile lists.
	Known bool `json:"known,omitempty"`
	// Explanation is one line a person can act on.
	Explanation string `json:"explanation"`
	// Diagnoses are extra findings that do not change the verdict, such as
	// a cookie the browser's cookie policy dropped.
	Diagnoses []string `json:"diagnoses,omitempty"`

	URL      string  `json:"url"`
	Expected Outcome `json:"expected"` // from the policy, through the model
	Model    Outcome `json:"model"`    // from the wire headers, through the model
	Observed Outcome `json:"observed"` // from the browser

	PolicyDecision *spec.Decision       `json:"policy_decision,omitempty"`
	WireDecision   *spec.Decision       `json:"wire_decision,omitempty"`
	Observation    *browser.Observation `json:"observation,omitempty"`
	// ReachedServer: the API's journal saw the actual request (nil when
	// the run has no journal, e.g. a live target).
	ReachedServer *bool         `json:"reached_server,omitempty"`
	Duration      time.Duration `json:"duration_ns"`
	Err           string        `json:"error,omitempty"`
}

// Failed reports whether the result should fail a run: a server mismatch,
// an unexplained browser deviation, or an error.
func (r Result) Failed() bool {
	switch r.Verdict {
	case VerdictPass:
		return false
	case VerdictBrowserDeviation:
		return !r.Known
	}
	return true
}

// VerdictLabel is the verdict with its qualifier: "server-mismatch (security)".
func (r Result) VerdictLabel() string {
	switch {
	case r.Verdict == VerdictServerMismatch:
		return fmt.Sprintf("%s (%s)", r.Verdict, r.Severity)
	case r.Verdict == VerdictBrowserDeviation && r.Known:
		return string(r.Verdict) + " (known)"
	case r.Verdict == VerdictBrowserDeviation:
		return string(r.Verdict) + " (unknown)"
	}
	return string(r.Verdict)
}

func outcomeOfDecision(d spec.Decision, relevant []string) Outcome {
	return Outcome{
		Allowed:   d.Allowed,
		Reason:    string(d.Reason),
		Param:     d.FailedParameter,
		Exposed:   intersect(d.Exposed, relevant),
		Preflight: d.Preflight,
	}
}

func outcomeOfObservation(o browser.Observation, relevant []string) Outcome {
	out := Outcome{Allowed: o.Allowed, Reason: o.CorsError, Param: o.FailedParameter, Preflight: o.Preflight != nil}
	if !o.Allowed && out.Reason == "" && o.NetError != "" {
		out.Reason = o.NetError
	}
	if o.Allowed {
		var names []string
		for _, h := range o.Headers {
			names = append(names, strings.ToLower(h.Name))
		}
		out.Exposed = intersect(names, relevant)
	}
	return out
}

// intersect keeps the names of xs that are in relevant, sorted and unique.
func intersect(xs, relevant []string) []string {
	set := map[string]bool{}
	for _, r := range relevant {
		set[strings.ToLower(r)] = true
	}
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		x = strings.ToLower(x)
		if set[x] && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

// sameOutcome compares the parts both sides know. A block reason is
// compared only when both sides give one.
func sameOutcome(a, b Outcome) bool {
	if a.Allowed != b.Allowed {
		return false
	}
	if !a.Allowed {
		if netErrorMatch(a.Reason, b.Reason) || netErrorMatch(b.Reason, a.Reason) {
			return true
		}
		if a.Reason != "" && b.Reason != "" && (a.Reason != b.Reason || !strings.EqualFold(a.Param, b.Param)) {
			return false
		}
		return true
	}
	return strings.Join(a.Exposed, ",") == strings.Join(b.Exposed, ",")
}

// netErrorMatch: the browser reports some blocks as a plain network error
// (net::ERR_FAILED) with no CorsError, where the model names the Fetch
// standard's network error (a redirect with redirect mode "error", too
// many redirects, a bad Location). Both say the same thing.
func netErrorMatch(observed, model string) bool {
	if !strings.HasPrefix(observed, "net::") {
		return false
	}
	switch spec.Reason(model) {
	case spec.ReasonRedirectModeError, spec.ReasonTooManyRedirects, spec.ReasonInvalidRedirect:
		return true
	}
	return false
}

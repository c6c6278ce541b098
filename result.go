package corsproof

import (
	"fmt"
	"time"

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
	// VerdictNotTested: the request (the actual request or its preflight)
	// was redirected to an origin outside the run, neither the target's nor
	// one the run serves itself, so whatever happened there says nothing
	// about the API the policy is about. The cause (CauseRedirectedAway)
	// names the redirect. It fails a run like a mismatch: a check that
	// tested nothing must not look clean.
	VerdictNotTested Verdict = "not-tested"
	// VerdictError: infrastructure failed (browser died, target down); no
	// judgement about CORS was made.
	VerdictError Verdict = "error"
	// VerdictNotRun: the run ended (Ctrl-C, SIGTERM, a deadline) before the
	// scenario finished, or before it started; nothing was judged and
	// nothing is claimed about the target or the browser. An interrupted
	// run's reports list these beside the scenarios that finished.
	VerdictNotRun Verdict = "not-run"
)

// Verdicts lists every verdict, from pass to error, then not run (the JSON
// schema and the reports are held to it by their tests).
var Verdicts = []Verdict{VerdictPass, VerdictServerMismatch, VerdictBrowserDeviation, VerdictNotTested, VerdictError, VerdictNotRun}

// Severity of a server mismatch.
type Severity string

const (
	SeverityNone Severity = ""
	// SeveritySecurity: something the policy forbids was readable.
	SeveritySecurity Severity = "security"
	// SeverityBroken: something the policy allows was blocked.
	SeverityBroken Severity = "broken"
	// SeverityInfo: headers the policy does not expose became readable,
	// but none that carries data (Date, Connection, Vary, ...): a finding,
	// not a leak.
	SeverityInfo Severity = "info"
)

// Outcome is the part of a fetch's result that verdicts compare, the same
// for each of the three sides (policy, wire, browser).
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
	// Origin is the origin the fetch ran from (the site's Origin).
	Origin   string   `json:"origin"`
	Verdict  Verdict  `json:"verdict"`
	Severity Severity `json:"severity,omitempty"`
	// Known: a browser deviation that the profile lists.
	Known bool `json:"known,omitempty"`
	// Explanation is one line a person can act on.
	Explanation string `json:"explanation"`
	// Cause is the root cause of a verdict other than pass: what the server
	// did wrong, which deviation decided, or why the scenario could not run.
	// A run's findings group results by it.
	Cause *Cause `json:"cause,omitempty"`
	// Notes are what the wire shows beyond the verdict (a missing Vary:
	// Origin, a max-age other than the policy's, a deviation that applied
	// without deciding); they do not change the verdict.
	Notes []Cause `json:"notes,omitempty"`
	// Diagnoses are extra findings that do not change the verdict, such as
	// a cookie the browser's cookie policy dropped.
	Diagnoses []string `json:"diagnoses,omitempty"`

	URL string `json:"url"`
	// The three sides: what the policy says (through the model), what the
	// server sent on the wire (through the model), what the browser did.
	Policy  Outcome `json:"policy"`
	Wire    Outcome `json:"wire"`
	Browser Outcome `json:"browser"`

	PolicyDecision *spec.Decision `json:"policy_decision,omitempty"`
	WireDecision   *spec.Decision `json:"wire_decision,omitempty"`
	Observation    *Observation   `json:"observation,omitempty"`
	// ReachedServer: the API's journal saw the actual request (nil when
	// the run has no journal, e.g. a live target).
	ReachedServer *bool         `json:"reached_server,omitempty"`
	Duration      time.Duration `json:"duration_ns"`
	Err           string        `json:"error,omitempty"`
}

// Failed reports whether the result should fail a run: a server mismatch,
// an unexplained browser deviation, a scenario that was not tested, an
// error, or one not run (a run that did not finish is not clean).
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

// NotRun is s not run, from the page of origin, because the run ended
// first; why is what ended it ("interrupt signal received").
func NotRun(s Scenario, origin, why string) Result {
	return Result{Scenario: s, Origin: origin, Verdict: VerdictNotRun,
		Explanation: "not run: the run ended before this scenario finished (" + why + ")"}
}

// Run is one engine's run of many scenarios: the unit every report takes a
// list of (one engine is a list of one).
type Run struct {
	Engine Engine `json:"engine"`
	// Version is the browser's product version ("" when it did not start).
	Version string `json:"version,omitempty"`
	// Platform is what the browser runs on, as it says (a remote one), or
	// this machine's GOOS/GOARCH (a browser corsproof started).
	Platform string `json:"platform,omitempty"`
	// ProfileNote is said beside the version: "Safari profile: unmeasured
	// …" when the run's deviation profile is unmeasured (ProfileFor).
	ProfileNote string   `json:"profile_note,omitempty"`
	Results     []Result `json:"results"`
	// Err says why the engine could not run (it did not start); Results is
	// then empty.
	Err string `json:"error,omitempty"`
}

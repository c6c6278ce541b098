package differential

import (
	"fmt"
	"slices"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/judge"
	"github.com/corsproof/corsproof/spec"
)

// Outcome is the part of a fetch both the model and the browser report.
type Outcome struct {
	Allowed bool
	Reason  string // Chromium's CorsError name, when blocked
	Param   string // its failed parameter
	// Preflight: an OPTIONS request went out.
	Preflight bool
	// Exposed are the response header names script could read, among those
	// the case's actual response sends; lowercase, sorted.
	Exposed []string
}

// outcome is o in the judge's words.
func (o Outcome) outcome() corsproof.Outcome {
	return corsproof.Outcome{Allowed: o.Allowed, Reason: o.Reason, Param: o.Param, Preflight: o.Preflight, Exposed: o.Exposed}
}

func (o Outcome) String() string {
	var s string
	switch {
	case o.Allowed:
		s = fmt.Sprintf("allowed, readable [%s]", strings.Join(o.Exposed, ", "))
	case o.Param != "":
		s = fmt.Sprintf("blocked: %s %s", o.Reason, o.Param)
	default:
		s = "blocked: " + o.Reason
	}
	if o.Preflight {
		s += " (preflighted)"
	}
	return s
}

// Equal compares outcomes; failed parameters compare case-insensitively
// (Chromium reports header names as the page wrote them in some versions).
func (o Outcome) Equal(p Outcome) bool {
	return o.Allowed == p.Allowed && o.Reason == p.Reason && strings.EqualFold(o.Param, p.Param) &&
		o.Preflight == p.Preflight && slices.Equal(o.Exposed, p.Exposed)
}

// ModelOutcome is a decision seen through the case's response headers.
func ModelOutcome(c Case, d spec.Decision) Outcome {
	o := Outcome{Allowed: d.Allowed, Reason: string(d.Reason), Param: d.FailedParameter, Preflight: d.Preflight}
	if d.Allowed {
		o.Exposed = sent(c, d.Exposed)
	}
	return o
}

// BrowserOutcome is an observation seen through the case's response headers.
func BrowserOutcome(c Case, obs browser.Observation) Outcome {
	o := Outcome{Allowed: obs.Allowed, Reason: obs.CorsError, Param: obs.FailedParameter, Preflight: obs.Preflight != nil}
	// A preflight block reason proves a preflight went out even when the
	// engine's capture of the OPTIONS exchange came up empty (it sometimes
	// does for a preflight that fails its CORS check; see PreflightUncaptured).
	o.Preflight = o.Preflight || isPreflightReason(o.Reason)
	if !obs.Allowed && o.Reason == "" {
		o.Reason = obs.NetError
		if o.Reason == "" {
			o.Reason = obs.Error
		}
	}
	if obs.Allowed {
		var names []string
		for _, x := range obs.Headers {
			names = append(names, x.Name)
		}
		o.Exposed = sent(c, names)
	}
	return o
}

// sent keeps the names among the headers the case's actual response sends,
// lowercased, unique and sorted: net/http adds Content-Length, which the
// model was not told about.
func sent(c Case, names []string) []string {
	out := []string{}
	for _, n := range names {
		n = strings.ToLower(n)
		if c.Actual.Headers.Has(n) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// Verdict is the comparison of one case.
type Verdict struct {
	// Engine is the browser compared ("chromium" when empty).
	Engine                   corsproof.Engine
	Model, Standard, Browser Outcome
	// Known lists the engine profile's deviations that explain why the
	// browser departs from the standard here.
	Known []string
	// Unobservable names what the engine cannot report (browser.Observation
	// .Unavailable: "cors_error", "preflight"); those parts of the outcomes
	// were left out of the comparison, never guessed.
	Unobservable []string
	// Problem is empty when the case is fine, else what is wrong.
	Problem string
}

// Judge compares Chromium with the model under the Chromium profile (see
// JudgeEngine).
func Judge(c Case, chromium, standard spec.Decision, obs browser.Observation) Verdict {
	return JudgeEngine(c, corsproof.Chromium, spec.Chromium, chromium, standard, obs)
}

// JudgeEngine compares the browser with the model. The browser must agree
// with the engine's profile (model is spec.Decide under profile). Where it
// departs from the standard, the profile's decision must name the deviation
// that explains it: a profile that agrees with the browser by accident is a
// finding too. What the engine cannot observe (a block reason, whether a
// preflight went out) is compared on no side.
func JudgeEngine(c Case, engine corsproof.Engine, profile spec.Profile, model, standard spec.Decision, obs browser.Observation) Verdict {
	v := Verdict{Engine: engine, Model: ModelOutcome(c, model), Standard: ModelOutcome(c, standard), Browser: BrowserOutcome(c, obs)}
	for _, f := range []string{"cors_error", "preflight"} {
		if slices.Contains(obs.Unavailable, f) {
			v.Unobservable = append(v.Unobservable, f)
		}
	}
	// Firefox's console messages name a parameter for a few reasons only
	// (browser/firefox_reasons.go); for the others there is none to compare.
	if engine == corsproof.Firefox && v.Browser.Reason != "" && !firefoxNamesParam[v.Browser.Reason] {
		v.Unobservable = append(v.Unobservable, "failed_parameter")
	}
	for _, o := range []*Outcome{&v.Model, &v.Standard, &v.Browser} {
		if slices.Contains(v.Unobservable, "failed_parameter") {
			o.Param = ""
		}
		if slices.Contains(v.Unobservable, "cors_error") {
			o.Reason, o.Param = "", ""
		}
		if slices.Contains(v.Unobservable, "preflight") {
			o.Preflight = false
		}
	}
	// The deviations that change only the block reason are the judge's
	// (judge.ReasonDeviation): a catalog run and this proof tolerate the
	// same ones.
	replay := judge.Replay{Preflight: c.Preflight, Origin: c.Origin, Credentials: c.Credentials}
	dev, reasonOnly := judge.ReasonDeviation(profile, replay, model, v.Model.outcome(), v.Browser.outcome())
	switch {
	case !v.Model.Equal(v.Browser) && reasonOnly:
		v.Known = []string{dev}
	case !v.Model.Equal(v.Browser):
		v.Problem = fmt.Sprintf("the model (%s profile) and %s disagree", profile.Name, engine)
	case !v.Standard.Equal(v.Browser) && len(model.Deviations) == 0:
		v.Problem = fmt.Sprintf("%s departs from the Fetch standard but the %s profile names no deviation", engine, profile.Name)
	case !v.Standard.Equal(v.Browser):
		v.Known = model.Deviations
	}
	return v
}

// firefoxNamesParam are the reasons whose Firefox message names the failed
// parameter (a method, a header name, an invalid token).
// parameter the way Chromium does (a method, a header name). Its messages
// for an invalid Access-Control-Allow-Methods/-Headers name the invalid
// token, which Chromium (and so the model) does not: not comparable either.
var firefoxNamesParam = map[string]bool{
	string(spec.ReasonMethodDisallowedByPreflightResponse): true,
	string(spec.ReasonHeaderDisallowedByPreflightResponse): true,
}

// Report is the failure message for a case: enough to replay and to judge.
func (v Verdict) Report(seed uint64, c Case, url string) string {
	engine := v.Engine
	if engine == "" {
		engine = corsproof.Chromium
	}
	unobs := ""
	if len(v.Unobservable) > 0 {
		unobs = fmt.Sprintf("\n    not observable in %s, left out: %s", engine, strings.Join(v.Unobservable, ", "))
	}
	return fmt.Sprintf("seed %d case %d: %s\n    %s\n    url: %s\n    model (%s): %s\n    model (standard): %s\n    %-17s %s%s\n    replay: CORSPROOF_DIFF_SEED=%d go test ./differential/",
		seed, c.Index, v.Problem, c, url, engine, v.Model, v.Standard, engine+":", v.Browser, unobs, seed)
}

// isPreflightReason: Chromium reports this CorsError only about a preflight
// response.
func isPreflightReason(r string) bool {
	return strings.HasPrefix(r, "Preflight") || strings.HasSuffix(r, "PreflightResponse")
}

// PreflightUncaptured: the browser blocked for a preflight reason but the
// observation holds no preflight exchange.
func PreflightUncaptured(obs browser.Observation) bool {
	return !obs.Allowed && obs.Preflight == nil && isPreflightReason(obs.CorsError)
}

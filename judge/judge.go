package judge

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

// Fetch is one fetch of a scenario: when it started and what the browser
// observed.
type Fetch struct {
	At          time.Time
	Observation corsproof.Observation
}

// Input is everything one verdict weighs.
type Input struct {
	Scenario corsproof.Scenario
	// Site is the origin page the fetch ran from; PageURL its URL.
	Site    corsproof.Site
	PageURL string
	// URL is the URL fetched (unique to the scenario run).
	URL string
	// Fetches are the judged fetches in order (a scenario's repeats); the
	// last decides. They share one preflight cache in the model, with
	// each fetch's start as the model's clock.
	Fetches []Fetch
	// Policy is what the API claims; PathOf maps a request URL to the
	// path the policy sees.
	Policy *policy.Policy
	PathOf func(*url.URL) string
	// Engine and Profile: the browser and its known deviations.
	Engine  corsproof.Engine
	Profile spec.Profile
	// Oracle answers, for the policy's side, the exchanges the engine
	// could not observe (status, Location, the server's own headers); nil
	// when the target has none (a live API).
	Oracle spec.Server
	// ReachedServer: the API's journal saw the actual request (nil when
	// the target cannot tell).
	ReachedServer *bool
	// Hosts are the "host:port" names the run serves itself (its origin
	// pages, the mock's API origins: the topology's host rules). A
	// redirect to URL's own origin or to one of them stays in the run;
	// one anywhere else leaves it, and the scenario is not tested (nil:
	// only URL's origin is in the run).
	Hosts []string
	// Certificate is what the target presented in TLS, read by the
	// harness for the message of a fetch that failed on it (nil: not
	// read, or not a live https target).
	Certificate *ServerCertificate
}

// Judge is the verdict of one scenario run. A request the target
// redirected outside the run tested nothing of the API, whatever the
// browser did there, so that comes first (not tested); then an engine's
// unexplained behaviour, which makes any statement about the server
// unsafe; a server mismatch outranks a known deviation.
func Judge(in Input) corsproof.Result {
	res := corsproof.Result{Scenario: in.Scenario, Origin: in.Site.Origin, URL: in.URL, ReachedServer: in.ReachedServer}
	if len(in.Fetches) == 0 {
		return Errored(res, fmt.Errorf("scenario %s: no fetch to judge", in.Scenario.ID))
	}
	last := in.Fetches[len(in.Fetches)-1].Observation
	res.Observation = &last
	away, redirected := redirectedAway(last, in.URL, in.Hosts, in.Scenario.Request.Redirect)
	if code := certFailure(last); code != "" && !redirected {
		return Errored(res, certError(in, code))
	}
	j := newJudgement(in)
	res.PolicyDecision, res.WireDecision = &j.policy, &j.wire
	res.Policy = outcomeOfDecision(j.policy, j.relevant)
	res.Wire = outcomeOfDecision(j.wire, j.relevant)
	res.Browser = outcomeOfObservation(j.obs, j.relevant)
	if j.intent != nil {
		res.Policy = outcomeOfDecision(*j.intent, j.relevant)
	}
	if redirected {
		// The wire's notes and the cookie diagnoses are about a server
		// the policy is not about.
		v := notTested(away, res.Browser)
		res.Verdict, res.Explanation, res.Cause = v.verdict, v.text, v.cause
		return res
	}
	v := j.verdict(res.Policy, res.Wire, res.Browser)
	res.Verdict, res.Severity, res.Known, res.Explanation = v.verdict, v.severity, v.known, v.text
	res.Cause = v.cause
	cookies := cookieDiagnoses(in.Scenario, j.obs, j.wire)
	res.Diagnoses = append(v.diagnoses, cookies...)
	res.Notes = append(v.notes, j.notes()...)
	if len(cookies) > 0 {
		res.Notes = append(res.Notes, corsproof.Cause{Kind: corsproof.CauseCookieDropped, Exchange: "actual", Header: "Cookie"})
	}
	return res
}

// Errored is res ended by an infrastructure failure: no judgement about
// CORS was made.
func Errored(res corsproof.Result, err error) corsproof.Result {
	res.Verdict = corsproof.VerdictError
	res.Err = err.Error()
	res.Explanation = "error: " + err.Error()
	res.Cause = errorCause(err.Error())
	return res
}

// judgement is what the verdict weighs for the scenario's last fetch.
type judgement struct {
	in       Input
	req      spec.Request
	obs      corsproof.Observation
	first    corsproof.Observation // the first judged fetch (max-age of a repeat)
	relevant []string
	// policy and wire are the model's decisions with the policy's and the
	// wire's answers, for the last fetch.
	policy, wire spec.Decision
	// policyStd and wireStd are the same with the standard's profile: a
	// deviation decides only where the engine's profile and the standard
	// differ.
	policyStd, wireStd spec.Decision
	// expected is the policy's side of the last fetch, with its answers.
	expected *policySide
	// intent is the policy's answer with mixed content set aside, when the
	// model blocked the fetch as mixed content (nil otherwise).
	intent *spec.Decision
	// exchange is the exchange whose CORS headers decided ("preflight
	// response" or "response"); policyHeaders and wireHeaders are its CORS
	// headers as the policy says and as the server sent them.
	exchange                   string
	policyHeaders, wireHeaders spec.Headers
	// wireUnseen: the engine cannot show the deciding exchange, so
	// wireHeaders are unknown (not empty).
	wireUnseen bool
}

func newJudgement(in Input) *judgement {
	j := &judgement{in: in, first: in.Fetches[0].Observation, obs: in.Fetches[len(in.Fetches)-1].Observation}
	j.req = in.Scenario.Request.Spec(in.Site.Origin, in.URL)
	j.req.PageURL = in.PageURL
	j.relevant = relevantHeaders(j.obs)

	// Every fetch through the model twice, against the policy and against
	// the wire, each side with its own preflight cache: within max-age the
	// model skips the preflight just as the browser should.
	pc, wc, psc, wsc := spec.NewCache(), spec.NewCache(), spec.NewCache(), spec.NewCache()
	var expected *policySide
	for _, f := range in.Fetches {
		expected = newPolicySide(in.Policy, f.Observation, in.PathOf, in.Oracle)
		j.policyStd = spec.Decide(j.req, expected.server(), spec.Standard, spec.WithCache(psc), spec.WithNow(f.At))
		j.wireStd = spec.Decide(j.req, wireServer(f.Observation), spec.Standard, spec.WithCache(wsc), spec.WithNow(f.At))
		// The engine's decision last: expected records its answers.
		j.policy = spec.Decide(j.req, expected.server(), in.Profile, spec.WithCache(pc), spec.WithNow(f.At))
		j.wire = spec.Decide(j.req, wireServer(f.Observation), in.Profile, spec.WithCache(wc), spec.WithNow(f.At))
	}
	j.expected = expected
	if j.wire.Reason == spec.ReasonMixedContent {
		// The server's part, had the browser sent it: what the policy
		// means for this origin.
		intent := spec.Decide(j.req, expected.server(), in.Profile, spec.WithoutMixedContent())
		j.intent = &intent
	}
	j.exchange, j.policyHeaders, j.wireHeaders, j.wireUnseen = decidingExchange(expected, j.obs)
	return j
}

// verdict is how the scenario ended, before it is put into a Result.
type verdict struct {
	verdict   corsproof.Verdict
	severity  corsproof.Severity
	known     bool
	text      string
	diagnoses []string
	cause     *corsproof.Cause
	notes     []corsproof.Cause
}

// verdict weighs the three sides' outcomes, in order of precedence.
func (j *judgement) verdict(pol, wire, browser corsproof.Outcome) verdict {
	s := j.in.Scenario
	repeated := s.Repeat > 0 && !j.wire.Incomplete
	switch {
	case j.intent != nil:
		return j.mixedContent(pol, browser)
	case !j.wire.Incomplete && !j.agree(browser, wire):
		return verdict{verdict: corsproof.VerdictBrowserDeviation, text: deviationText(j.in.Engine, browser, j.wire),
			cause: unknownDeviation(browser, wire)}
	case !sameAccess(browser, pol):
		sev := severity(browser, pol)
		c := j.brokenCause(browser, pol, wire)
		if sev != corsproof.SeverityBroken {
			c = j.securityCause(browser, pol)
		}
		return verdict{verdict: corsproof.VerdictServerMismatch, severity: sev, text: j.mismatchText(sev, browser, pol, c), cause: c}
	case repeated && browser.Preflight != wire.Preflight:
		// Access alone cannot tell the preflight cache apart: the judged
		// fetch either sent a preflight or used a cached one.
		return verdict{verdict: corsproof.VerdictBrowserDeviation, text: fmt.Sprintf(
			"the browser %s a preflight on fetch %d, but its preflight cache, given the max-age the server sent, says it should %s",
			sentOrSkipped(browser.Preflight), s.Repeat+1, sendOrSkip(wire.Preflight)),
			cause: &corsproof.Cause{Kind: corsproof.CauseUnknownDeviation, Exchange: "preflight",
				Subject: "the preflight cache does not keep the server's max-age"}}
	case repeated && browser.Preflight != pol.Preflight:
		// The browser did what the wire says but not what the policy says:
		// the server's Access-Control-Max-Age is wrong.
		return j.maxAgeMismatch(browser.Preflight)
	case len(j.wire.Deviations) > 0 && decides(j.wire, j.wireStd):
		return verdict{verdict: corsproof.VerdictBrowserDeviation, known: true, text: j.knownDeviationText(browser, j.wire.Deviations),
			cause: knownDeviation(j.wire.Deviations)}
	case j.wire.Incomplete && slices.Contains(j.obs.Unavailable, "actual") && len(j.policy.Deviations) > 0 && decides(j.policy, j.policyStd):
		// No wire to go by (WebKit): the policy's own answers reach this
		// outcome only through a deviation, so say so rather than pass.
		return verdict{verdict: corsproof.VerdictBrowserDeviation, known: true, text: j.knownDeviationText(browser, j.policy.Deviations) +
			fmt.Sprintf(" (%s shows no wire: this is how the policy's answers fare in it)", j.in.Engine),
			cause: knownDeviation(j.policy.Deviations)}
	}
	v := verdict{verdict: corsproof.VerdictPass, text: passText(browser)}
	// A deviation that applied but changed nothing is detail, not verdict.
	if len(j.wire.Deviations) > 0 {
		v.notes = appliedNotes(j.wire.Deviations)
	} else if j.wire.Incomplete && slices.Contains(j.obs.Unavailable, "actual") {
		v.notes = appliedNotes(j.policy.Deviations)
	}
	if j.wire.Incomplete {
		v.diagnoses = append(v.diagnoses, "the browser did not send a request the model expected (a preflight served from its cache?): the wire check was partial")
	}
	return v
}

// agree: the browser did what the model says given the headers it received,
// up to a block reason only one side gives and the reason-only deviations
// the engine's profile lists.
func (j *judgement) agree(browser, wire corsproof.Outcome) bool {
	if sameOutcome(browser, wire) {
		return true
	}
	_, ok := ReasonDeviation(j.in.Profile, j.wireReplay(), j.wire, wire, browser)
	return ok
}

// wireReplay is what ReasonDeviation needs to re-run the model's checks on
// the preflight the server really sent.
func (j *judgement) wireReplay() Replay {
	r := Replay{Origin: j.req.Origin, Credentials: j.req.Credentials}
	if p := j.obs.Preflight; p != nil {
		r.Preflight = spec.Response{Status: p.Status, Headers: specHeaders(p.ResponseHeaders)}
	}
	return r
}

// mixedContent judges a fetch the model blocks as mixed content: an https
// page's fetch of a plain-http URL, which never reaches the server, so the
// server's CORS headers are not what decided. pol is the policy's answer
// had the browser sent it.
func (j *judgement) mixedContent(pol, browser corsproof.Outcome) verdict {
	target := j.wire.URL
	if u, err := url.Parse(target); err == nil {
		target = u.Scheme + "://" + u.Host
	}
	sent := j.obs.Preflight != nil || len(j.obs.Actual) > 0
	loopback := slices.Contains(j.wire.Deviations, spec.DevMixedContentLoopback)
	engine := j.in.Engine
	switch {
	case browser.Allowed || sent:
		return verdict{verdict: corsproof.VerdictBrowserDeviation, text: fmt.Sprintf(
			"%s sent it (%s), but an https page's fetch of %s is mixed content, which the standard blocks before anything is sent",
			engine, browser, target),
			cause: &corsproof.Cause{Kind: corsproof.CauseUnknownDeviation, Subject: "sends mixed content"}}
	case loopback:
		d, _ := j.in.Profile.Deviation(spec.DevMixedContentLoopback)
		return verdict{verdict: corsproof.VerdictBrowserDeviation, known: true, text: fmt.Sprintf(
			"blocked before it was sent: %s treats an https page's fetch of %s as mixed content (known deviation %s: %s [seen in %s]); "+
				"the policy %s it, and the server's CORS headers were not tested in %s: give an https target to test them there",
			engine, target, d.ID, d.Summary, d.SeenIn, allowsOrForbids(pol), engine),
			cause: knownDeviation([]string{d.ID})}
	case pol.Allowed:
		return verdict{verdict: corsproof.VerdictServerMismatch, severity: corsproof.SeverityBroken, text: fmt.Sprintf(
			"broken: the policy allows %s to read %s, but no browser lets an https page fetch %s: it is mixed content, blocked before it is sent; serve the API over https",
			j.in.Site.Origin, j.in.Scenario.Request, target),
			cause: &corsproof.Cause{Kind: corsproof.CauseMixedContent}}
	}
	return verdict{verdict: corsproof.VerdictPass,
		text:      fmt.Sprintf("blocked before it was sent: an https page's fetch of %s is mixed content, and the policy forbids it anyway", target),
		diagnoses: []string{"the server's CORS headers were not tested: the browser never sent this request (mixed content)"}}
}

// maxAgeMismatch: on a repeat, the browser sent a preflight the policy's
// max-age should have spared (broken: a cost), or skipped one the policy
// requires (security: a check the server let it skip).
func (j *judgement) maxAgeMismatch(sent bool) verdict {
	n, got := j.in.Scenario.Repeat+1, maxAgeOf(j.first)
	if sent {
		return verdict{verdict: corsproof.VerdictServerMismatch, severity: corsproof.SeverityBroken, text: fmt.Sprintf(
			"broken: the browser had to send a preflight again on fetch %d although the policy's max-age caches it; the server's preflight response %s", n, got),
			cause: j.maxAgeCause(sent)}
	}
	return verdict{verdict: corsproof.VerdictServerMismatch, severity: corsproof.SeveritySecurity, text: fmt.Sprintf(
		"security: the browser skipped the preflight on fetch %d although the policy's max-age requires one; the server's preflight response %s", n, got),
		cause: j.maxAgeCause(sent)}
}

// cookieDiagnoses reports a session cookie the browser's cookie policy kept
// from the request: CORS headers cannot fix that, the topology must.
func cookieDiagnoses(s corsproof.Scenario, obs corsproof.Observation, wire spec.Decision) []string {
	if !s.Session || !wire.CookiesSent || len(obs.Actual) == 0 {
		return nil
	}
	if _, sent := corsproof.HeaderValue(obs.Actual[0].RequestHeaders, "Cookie"); sent {
		return nil
	}
	why := "no reason given"
	if len(obs.BlockedCookies) > 0 {
		var rs []string
		for _, c := range obs.BlockedCookies {
			rs = append(rs, c.Name+": "+c.Reason)
		}
		why = strings.Join(rs, ", ")
	}
	return []string{fmt.Sprintf("cookie-dropped: the browser sent no session cookie although the request is credentialed (%s); "+
		"the page and the API are cross-site and third-party cookies are blocked, so no CORS header can make this work", why)}
}

// certErrorCode matches what engines put in a failed fetch's error when the
// TLS handshake failed on the certificate: Chromium's net error names,
// Firefox's NSS and mozilla::pkix codes.
var certErrorCode = regexp.MustCompile(`(net::ERR_CERT_|net::ERR_SSL_|MOZILLA_PKIX_ERROR_|SEC_ERROR_|SSL_ERROR_)[A-Za-z0-9_]*`)

// certFailure is the certificate error code a blocked fetch failed with,
// or "" when it did not fail on a certificate.
func certFailure(o corsproof.Observation) string {
	if o.Allowed {
		return ""
	}
	for _, text := range []string{o.NetError, o.CorsError, o.Error} {
		if code := certErrorCode.FindString(text); code != "" {
			return code
		}
	}
	return ""
}

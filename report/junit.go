package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     float64     `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      float64       `xml:"time,attr"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// JUnit writes a JUnit XML report: a test suite per engine, a test case
// per scenario, its classname the endpoint it fetched
// ("corsproof.chromium.PUT /api/items"). A server mismatch or unexplained
// deviation is a failure, an infrastructure problem an error, each with the
// explanation, the cause and the deciding exchanges on the wire in its body.
// A scenario that tested nothing of the server is skipped, with the reason:
// one the target redirected out of the run (not tested, which still fails
// the run's exit code), and one that did not fail where the browser sent no
// request (e.g. a mixed-content block). A scenario not run (the run was
// interrupted, or reached its deadline, first) is skipped too, with why.
// An engine that could not start is a suite with one errored case.
func JUnit(w io.Writer, runs []corsproof.Run, m Meta) error {
	suites := make([]junitSuite, 0, len(runs))
	for _, run := range runs {
		suites = append(suites, junitSuiteOf(run, m))
	}
	return writeJUnit(w, suites)
}

// junitSuiteOf is one engine's run as a test suite.
func junitSuiteOf(run corsproof.Run, m Meta) junitSuite {
	engine := string(run.Engine)
	version := run.Version
	if version == "" {
		version = engine
	}
	suite := junitSuite{Name: fmt.Sprintf("corsproof %s (%s, %s)", m.Command, m.Target, version)}
	if run.Err != "" {
		suite.Tests, suite.Errors = 1, 1
		suite.Cases = []junitCase{{Name: "start " + engine, Classname: "corsproof.engine",
			Error: &junitMessage{Message: run.Err, Type: "error", Body: run.Err}}}
		return suite
	}
	for _, r := range run.Results {
		c := junitCase{
			Name: r.Scenario.ID, Classname: junitClassname(run.Engine, r.Scenario.Request),
			Time:      r.Duration.Seconds(),
			SystemOut: fmt.Sprintf("policy says %s, browser did %s: %s", r.Policy, r.Browser, r.Explanation),
		}
		switch {
		case r.Verdict == corsproof.VerdictNotRun:
			c.Skipped = &junitSkipped{Message: oneLine(r.Explanation)}
			c.SystemOut = ""
			suite.Skipped++
		case r.Verdict == corsproof.VerdictError:
			c.Error = &junitMessage{Message: r.Explanation, Type: r.VerdictLabel(), Body: junitBody(r)}
			suite.Errors++
		case r.Verdict == corsproof.VerdictNotTested:
			c.Skipped = &junitSkipped{Message: oneLine(r.Explanation)}
			c.SystemOut = junitBody(r)
			suite.Skipped++
		case r.Failed():
			c.Failure = &junitMessage{Message: r.Explanation, Type: r.VerdictLabel(), Body: junitBody(r)}
			suite.Failures++
		case nothingSent(r):
			c.Skipped = &junitSkipped{Message: "the server was not tested: the browser sent no request: " + oneLine(r.Explanation)}
			suite.Skipped++
		}
		suite.Tests++
		suite.Time += r.Duration.Seconds()
		suite.Cases = append(suite.Cases, c)
	}
	return suite
}

// junitClassname names a scenario's endpoint, so a CI view groups the
// scenarios by what they fetched: "corsproof.<engine>.<METHOD> <path>",
// the path without its query, prefixed with the API origin when it is not
// the run's main one.
func junitClassname(e corsproof.Engine, req corsproof.Request) string {
	method := req.Method
	if method == "" {
		method = "GET"
	}
	path, _, _ := strings.Cut(req.Path, "?")
	path, _, _ = strings.Cut(path, "#")
	return strings.TrimSpace(fmt.Sprintf("corsproof.%s.%s %s%s", e, strings.ToUpper(method), strings.TrimSuffix(req.API, "/"), path))
}

// nothingSent reports whether r tested nothing of the server: the fetch
// failed and the browser sent no request that got an answer (an https
// page's fetch of plain http, a fetch the browser refused before sending).
// When the engine shows the wire, its exchanges say so; when it does not
// (WebKit), the model does: it decided without sending anything. A
// journal that saw the request overrides both.
func nothingSent(r corsproof.Result) bool {
	obs := r.Observation
	// A resolved fetch got a response; an observation with notes may have
	// missed the events that would show the request.
	if obs == nil || obs.Allowed || len(obs.Notes) > 0 || r.ReachedServer != nil && *r.ReachedServer {
		return false
	}
	for _, x := range slices.Concat(obs.AllPreflights(), obs.Actual) {
		if x.Status != 0 {
			return false
		}
	}
	if !slices.Contains(obs.Unavailable, "preflight") && !slices.Contains(obs.Unavailable, "actual") {
		return true
	}
	d := r.WireDecision
	if d == nil || d.Incomplete {
		d = r.PolicyDecision
	}
	return d != nil && !d.Incomplete && len(d.Sent) == 0 && !d.PreflightCached
}

// junitBody is a failure's or an error's text: the explanation, the cause
// and what to do, the scenario, and the exchanges on the wire that decided
// with their CORS headers.
func junitBody(r corsproof.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", oneLine(r.Explanation))
	if c := r.Cause; c != nil {
		fmt.Fprintf(&b, "cause: %s\n", c.String())
		if a := c.Advice(); a != "" {
			fmt.Fprintf(&b, "fix: %s\n", a)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n.String())
	}
	for _, d := range r.Diagnoses {
		fmt.Fprintf(&b, "note: %s\n", oneLine(d))
	}
	if r.Err != "" {
		fmt.Fprintf(&b, "error: %s\n", oneLine(r.Err))
	}
	fmt.Fprintf(&b, "\nscenario: %s", r.Scenario.ID)
	if r.Scenario.Title != "" && r.Scenario.Title != r.Scenario.ID {
		fmt.Fprintf(&b, " (%s)", r.Scenario.Title)
	}
	fmt.Fprintf(&b, "\npage origin: %s\nfetch(): %s\npolicy says %s; wire says %s; browser did %s\n",
		r.Origin, r.Scenario.Request, r.Policy, r.Wire, r.Browser)
	b.WriteString(junitWire(r))
	return strings.TrimRight(b.String(), "\n")
}

// junitWire is the deciding exchanges as the wire showed them: the
// preflight when the cause is in it, the actual request's hops when the
// cause is in the response, both when the cause names neither.
func junitWire(r corsproof.Result) string {
	obs := r.Observation
	if obs == nil {
		return ""
	}
	var b strings.Builder
	exchange := ""
	if r.Cause != nil {
		exchange = r.Cause.Exchange
	}
	if exchange != "actual" {
		b.WriteString("\npreflight:\n")
		switch ps := obs.AllPreflights(); {
		case len(ps) > 0:
			for _, x := range ps {
				writeExchange(&b, x)
			}
		case slices.Contains(obs.Unavailable, "preflight"):
			b.WriteString("  not observable in this engine\n")
		default:
			b.WriteString("  none sent\n")
		}
	}
	// A preflight cause shows on the actual request too when the judged
	// fetch sent no preflight (a cached one that should not have been).
	if exchange != "preflight" || len(obs.AllPreflights()) == 0 && len(obs.Actual) > 0 {
		b.WriteString("\nactual request:\n")
		switch {
		case len(obs.Actual) > 0:
			for _, x := range obs.Actual {
				writeExchange(&b, x)
			}
		case slices.Contains(obs.Unavailable, "actual"):
			b.WriteString("  not observable in this engine\n")
		default:
			b.WriteString("  not sent\n")
		}
	}
	return b.String()
}

// writeExchange writes one exchange: the request line and its CORS request
// headers, then the status and the CORS response headers (with Vary, and
// Location on a redirect).
func writeExchange(b *strings.Builder, x corsproof.Exchange) {
	fmt.Fprintf(b, "  %s %s\n", x.Method, x.URL)
	for _, h := range x.RequestHeaders {
		if strings.EqualFold(h.Name, "Origin") || strings.HasPrefix(strings.ToLower(h.Name), "access-control-request-") {
			fmt.Fprintf(b, "  %s: %s\n", h.Name, h.Value)
		}
	}
	if x.Status == 0 {
		b.WriteString("  -> no response\n")
		return
	}
	fmt.Fprintf(b, "  -> %d\n", x.Status)
	for _, h := range x.ResponseHeaders {
		if spec.IsCORSResponseHeader(h.Name) || strings.EqualFold(h.Name, "Vary") ||
			x.Status/100 == 3 && strings.EqualFold(h.Name, "Location") {
			fmt.Fprintf(b, "  %s: %s\n", h.Name, h.Value)
		}
	}
}

func writeJUnit(w io.Writer, suites []junitSuite) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: suites}); err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

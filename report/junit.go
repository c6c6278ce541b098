package report

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/corsproof/corsproof"
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
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// JUnit writes a JUnit XML report: a test suite per engine, a test case
// per scenario; a server mismatch or unexplained deviation is a failure, an
// infrastructure problem an error. An engine that could not start is a
// suite with one errored case.
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
			Name: r.Scenario.ID, Classname: "corsproof." + engine + "." + r.Scenario.Policy,
			Time:      r.Duration.Seconds(),
			SystemOut: fmt.Sprintf("policy says %s, browser did %s: %s", r.Policy, r.Browser, r.Explanation),
		}
		msg := &junitMessage{Message: r.Explanation, Type: r.VerdictLabel(), Body: r.Scenario.Title}
		switch {
		case r.Verdict == corsproof.VerdictError:
			c.Error = msg
			suite.Errors++
		case r.Failed():
			c.Failure = msg
			suite.Failures++
		}
		suite.Tests++
		suite.Time += r.Duration.Seconds()
		suite.Cases = append(suite.Cases, c)
	}
	return suite
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

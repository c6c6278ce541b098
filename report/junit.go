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

// JUnit writes a JUnit XML report: one test case per scenario; a server
// mismatch or unexplained deviation is a failure, an infrastructure problem
// an error.
func JUnit(w io.Writer, results []corsproof.Result, m Meta) error {
	return writeJUnit(w, []junitSuite{junitSuiteOf(results, m)})
}

// junitSuiteOf is one engine's run as a test suite.
func junitSuiteOf(results []corsproof.Result, m Meta) junitSuite {
	suite := junitSuite{Name: fmt.Sprintf("corsproof %s (%s, %s)", m.Command, m.Target, m.BrowserVersion)}
	for _, r := range results {
		c := junitCase{
			Name: r.Scenario.ID, Classname: "corsproof." + r.Scenario.Policy,
			Time:      r.Duration.Seconds(),
			SystemOut: fmt.Sprintf("expected %s, observed %s: %s", r.Policy, r.Browser, r.Explanation),
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

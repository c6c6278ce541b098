// Package report renders a run's results for people and CI: a terminal
// table, JSON, JUnit XML and a self-contained HTML page.
package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/corsproof/corsproof/harness"
)

// Summary counts results by verdict.
type Summary struct {
	Total            int `json:"total"`
	Pass             int `json:"pass"`
	ServerMismatch   int `json:"server_mismatch"`
	BrowserDeviation int `json:"browser_deviation"`
	Error            int `json:"error"`
}

// Summarize counts results.
func Summarize(results []harness.Result) Summary {
	var s Summary
	for _, r := range results {
		s.Total++
		switch r.Verdict {
		case harness.VerdictPass:
			s.Pass++
		case harness.VerdictServerMismatch:
			s.ServerMismatch++
		case harness.VerdictBrowserDeviation:
			s.BrowserDeviation++
		default:
			s.Error++
		}
	}
	return s
}

func (s Summary) String() string {
	return fmt.Sprintf("%d scenarios: %d pass, %d server mismatch, %d browser deviation, %d error",
		s.Total, s.Pass, s.ServerMismatch, s.BrowserDeviation, s.Error)
}

// TextOptions shape the terminal table.
type TextOptions struct {
	Color bool // ANSI colours (on a TTY)
	// OnlyFailures prints only the rows that are not a plain pass.
	OnlyFailures bool
}

// Text writes one line per scenario (id, expected, observed, verdict,
// explanation) and the summary.
func Text(w io.Writer, results []harness.Result, o TextOptions) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tEXPECTED\tOBSERVED\tVERDICT\tEXPLANATION")
	for _, r := range results {
		if o.OnlyFailures && r.Verdict == harness.VerdictPass {
			continue
		}
		expected, observed := r.Expected.String(), r.Observed.String()
		if r.Verdict == harness.VerdictError {
			expected, observed = "-", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Scenario.ID, expected, observed,
			paint(o.Color, r), oneLine(r.Explanation))
		for _, d := range r.Diagnoses {
			fmt.Fprintf(tw, "\t\t\t\t  note: %s\n", oneLine(d))
		}
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintln(w, Summarize(results))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func paint(color bool, r harness.Result) string {
	label := r.VerdictLabel()
	if !color {
		return label
	}
	code := "32" // green
	switch {
	case r.Verdict == harness.VerdictServerMismatch && r.Severity == harness.SeveritySecurity:
		code = "1;31"
	case r.Verdict == harness.VerdictServerMismatch:
		code = "31"
	case r.Verdict == harness.VerdictBrowserDeviation && r.Known:
		code = "36"
	case r.Verdict == harness.VerdictBrowserDeviation, r.Verdict == harness.VerdictError:
		code = "33"
	}
	return "\x1b[" + code + "m" + label + "\x1b[0m"
}

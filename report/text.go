// Package report renders a run's results for people and CI: a terminal
// table, JSON, JUnit XML and a self-contained HTML page.
package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/corsproof/corsproof"
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
func Summarize(results []corsproof.Result) Summary {
	var s Summary
	for _, r := range results {
		s.Total++
		switch r.Verdict {
		case corsproof.VerdictPass:
			s.Pass++
		case corsproof.VerdictServerMismatch:
			s.ServerMismatch++
		case corsproof.VerdictBrowserDeviation:
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
//
// Colour codes are invisible but tabwriter counts them as text, so the
// verdict column is padded on its plain label first and painted afterwards;
// it is the last column before the free-text explanation, so the painted
// cell never goes through the tabwriter.
func Text(w io.Writer, results []corsproof.Result, o TextOptions) {
	type row struct {
		cells []string // scenario, expected, observed
		r     corsproof.Result
	}
	var rows []row
	for _, r := range results {
		if o.OnlyFailures && r.Verdict == corsproof.VerdictPass {
			continue
		}
		expected, observed := r.Policy.String(), r.Browser.String()
		if r.Verdict == corsproof.VerdictError {
			expected, observed = "-", "-"
		}
		rows = append(rows, row{cells: []string{r.Scenario.ID, expected, observed}, r: r})
	}
	header := []string{"SCENARIO", "EXPECTED", "OBSERVED"}
	widths := make([]int, len(header))
	verdictWidth := len("VERDICT")
	for i, h := range header {
		widths[i] = len(h)
	}
	for _, rw := range rows {
		for i, c := range rw.cells {
			widths[i] = max(widths[i], runeLen(c))
		}
		verdictWidth = max(verdictWidth, len(rw.r.VerdictLabel()))
	}
	line := func(cells []string, verdict string, verdictLen int, rest string) {
		var b strings.Builder
		for i, c := range cells {
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", widths[i]-runeLen(c)+2))
		}
		b.WriteString(verdict)
		if rest != "" {
			b.WriteString(strings.Repeat(" ", verdictWidth-verdictLen+2))
			b.WriteString(rest)
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	if len(rows) > 0 {
		line(header, "VERDICT", len("VERDICT"), "EXPLANATION")
	}
	blank := make([]string, len(header))
	for _, rw := range rows {
		label := rw.r.VerdictLabel()
		line(rw.cells, paint(o.Color, rw.r, label), len(label), oneLine(rw.r.Explanation))
		for _, d := range rw.r.Diagnoses {
			line(blank, "", 0, "  note: "+oneLine(d))
		}
	}
	if len(rows) > 0 {
		fmt.Fprintln(w)
	}
	sum := Summarize(results)
	if o.Color {
		fmt.Fprintln(w, sum.colored())
		return
	}
	fmt.Fprintln(w, sum)
}

func runeLen(s string) int { return len([]rune(s)) }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

const (
	ansiReset  = "\x1b[0m"
	ansiGreen  = "32"
	ansiRed    = "31"
	ansiBold   = "1;31"
	ansiCyan   = "36"
	ansiYellow = "33"
)

func ansi(code, s string) string { return "\x1b[" + code + "m" + s + ansiReset }

// paint colours an already measured label by the result's verdict.
func paint(color bool, r corsproof.Result, label string) string {
	if !color {
		return label
	}
	code := ansiGreen
	switch {
	case r.Verdict == corsproof.VerdictServerMismatch && r.Severity == corsproof.SeveritySecurity:
		code = ansiBold
	case r.Verdict == corsproof.VerdictServerMismatch:
		code = ansiRed
	case r.Verdict == corsproof.VerdictBrowserDeviation && r.Known:
		code = ansiCyan
	case r.Verdict == corsproof.VerdictBrowserDeviation, r.Verdict == corsproof.VerdictError:
		code = ansiYellow
	}
	return ansi(code, label)
}

// colored is the summary line with each non-zero count painted.
func (s Summary) colored() string {
	part := func(n int, code, what string) string {
		t := fmt.Sprintf("%d %s", n, what)
		if n == 0 {
			return t
		}
		return ansi(code, t)
	}
	return fmt.Sprintf("%d scenarios: %s, %s, %s, %s", s.Total,
		part(s.Pass, ansiGreen, "pass"), part(s.ServerMismatch, ansiRed, "server mismatch"),
		part(s.BrowserDeviation, ansiYellow, "browser deviation"), part(s.Error, ansiYellow, "error"))
}

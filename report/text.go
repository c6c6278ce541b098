// Package report renders runs for people and CI: a terminal table, JSON,
// JUnit XML and a self-contained HTML page. Every report takes a list of
// runs, one per engine (one engine is a list of one), and has one shape
// whatever their number.
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
	// OnlyFailures prints only the rows that are not a plain pass: in one
	// engine the rows whose verdict is not pass, across several the rows
	// that differ (≠).
	OnlyFailures bool
}

// Text writes the terminal table, one layout for one engine or several: a
// row per scenario with what the policy says and a column per engine with
// what the browser did, coloured by the verdict; then a summary line per
// engine.
//
// With one engine each row also has the verdict and the explanation, and the
// result's diagnoses follow as note lines. With several, a mark (≠) flags the
// rows where the engines disagree with each other or with the standard, each
// followed by its one-line explanation, and a last line counts them.
//
// Colour codes are invisible but count as text for the width, so each cell
// is padded on its plain text and painted afterwards.
func Text(w io.Writer, runs []corsproof.Run, o TextOptions) {
	single := len(runs) == 1
	rows := Cross(runs)
	type cell struct{ text, painted string }
	plain := func(s string) cell { return cell{s, s} }
	header := []cell{plain("SCENARIO"), plain("POLICY")}
	for _, run := range runs {
		header = append(header, plain(strings.ToUpper(string(run.Engine))))
	}
	rest := ""
	if single {
		header, rest = append(header, plain("VERDICT")), "EXPLANATION"
	}
	type line struct {
		cells []cell
		rest  string   // free text after the last column
		under []string // lines after the row
	}
	var table []line
	for _, r := range rows {
		if o.OnlyFailures && !failing(r, single) {
			continue
		}
		id := r.ID
		if !single {
			id = "  " + id
			if r.Differs {
				id = "≠ " + r.ID
			}
		}
		l := line{cells: []cell{plain(id), plain(policyOf(r))}}
		for _, c := range r.Cells {
			t := cellText(c)
			painted := t
			if c != nil {
				painted = paint(o.Color, *c, t)
			}
			l.cells = append(l.cells, cell{t, painted})
		}
		switch c := r.Cells[0]; {
		case single && c != nil:
			label := c.VerdictLabel()
			l.cells = append(l.cells, cell{label, paint(o.Color, *c, label)})
			l.rest = oneLine(c.Explanation)
			for _, d := range c.Diagnoses {
				l.under = append(l.under, "  note: "+oneLine(d))
			}
		case r.Differs:
			l.under = []string{"    " + r.Explanation}
		}
		table = append(table, l)
	}
	widths := make([]int, len(header))
	for _, l := range append([]line{{cells: header}}, table...) {
		for i, c := range l.cells {
			widths[i] = max(widths[i], runeLen(c.text))
		}
	}
	write := func(cells []cell, rest string) {
		var b strings.Builder
		for i, c := range cells {
			b.WriteString(c.painted)
			b.WriteString(strings.Repeat(" ", widths[i]-runeLen(c.text)+2))
		}
		b.WriteString(rest)
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	if len(table) > 0 {
		write(header, rest)
	}
	blank := make([]cell, len(header))
	for _, l := range table {
		write(l.cells, l.rest)
		for _, u := range l.under {
			if single {
				write(blank, u) // under the explanation
			} else {
				fmt.Fprintln(w, u)
			}
		}
	}
	if len(table) > 0 {
		fmt.Fprintln(w)
	}
	for _, run := range runs {
		name := string(run.Engine)
		if run.Version != "" {
			name += " (" + run.Version + ")"
		}
		if run.Err != "" {
			fmt.Fprintf(w, "%s: did not run: %s\n", name, oneLine(run.Err))
			continue
		}
		sum := Summarize(run.Results)
		if o.Color {
			fmt.Fprintf(w, "%s: %s\n", name, sum.colored())
		} else {
			fmt.Fprintf(w, "%s: %s\n", name, sum)
		}
	}
	if !single {
		differ := 0
		for _, r := range rows {
			if r.Differs {
				differ++
			}
		}
		fmt.Fprintf(w, "%d of %d scenarios differ between engines or from the standard (≠)\n", differ, len(rows))
	}
}

// failing: the row is not a plain pass. In one engine that is its verdict;
// across several, the row differs (≠).
func failing(r CrossRow, single bool) bool {
	if !single {
		return r.Differs
	}
	return r.Cells[0] == nil || r.Cells[0].Verdict != corsproof.VerdictPass
}

// policyOf is what the policy says about a row's scenario, "-" when no
// engine got as far as judging it.
func policyOf(r CrossRow) string {
	for _, c := range r.Cells {
		if c != nil && c.Verdict != corsproof.VerdictError {
			return c.Policy.String()
		}
	}
	return "-"
}

// cellText is what one engine's browser did: "-" when the engine did not
// run, "error" when the scenario hit an infrastructure error.
func cellText(c *corsproof.Result) string {
	switch {
	case c == nil:
		return "-"
	case c.Verdict == corsproof.VerdictError:
		return "error"
	}
	return c.Browser.String()
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

// Package report renders runs for people and CI: a terminal table, JSON,
// JUnit XML and a self-contained HTML page. Every report takes a list of
// runs, one per engine (one engine is a list of one), and has one shape
// whatever their number.
package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

// Summary counts results by verdict.
type Summary struct {
	Total            int `json:"total"`
	Pass             int `json:"pass"`
	ServerMismatch   int `json:"server_mismatch"`
	BrowserDeviation int `json:"browser_deviation"`
	// NotTested: the target redirected the request outside the run.
	NotTested int `json:"not_tested"`
	Error     int `json:"error"`
	// NotRun: the run ended (interrupted, a deadline) before these finished.
	NotRun int `json:"not_run"`
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
		case corsproof.VerdictNotTested:
			s.NotTested++
		case corsproof.VerdictNotRun:
			s.NotRun++
		default:
			s.Error++
		}
	}
	return s
}

// String is the counts in one line; "not tested" and "not run" only when
// some were not.
func (s Summary) String() string {
	return fmt.Sprintf("%d scenarios: %d pass, %d server mismatch, %d browser deviation, %s%d error%s",
		s.Total, s.Pass, s.ServerMismatch, s.BrowserDeviation, s.notTested(), s.Error, s.notRun())
}

func (s Summary) notRun() string {
	if s.NotRun == 0 {
		return ""
	}
	return fmt.Sprintf(", %d not run", s.NotRun)
}

func (s Summary) notTested() string {
	if s.NotTested == 0 {
		return ""
	}
	return fmt.Sprintf("%d not tested, ", s.NotTested)
}

// TextOptions shape the terminal report.
type TextOptions struct {
	Color bool // ANSI colours (on a TTY, unless NO_COLOR is set)
	// OnlyFailures prints only the rows that fail a run (see
	// corsproof.Result.Failed): in one engine the rows whose verdict fails,
	// across several the rows that differ (≠). Known deviations are then
	// summarised per engine instead.
	OnlyFailures bool
	// Width is the terminal's width in columns; no line is longer. 0 means
	// DefaultWidth.
	Width int
}

// DefaultWidth is the width of the text report when the terminal's is not
// known (not a terminal, no COLUMNS).
const DefaultWidth = 100

// Text writes the terminal report, one layout for one engine or several:
// first the findings (one per root cause, what to fix first first), then a
// table with a row per scenario, what the policy says and a column per
// engine with what its browser did, then a summary per engine.
//
// With one engine each row also has the verdict; the explanation and the
// result's diagnoses follow on their own indented lines. With several, a
// mark (≠) flags the rows where the engines disagree with each other or
// with the standard in a way no known deviation explains, each followed by
// its one-line explanation, and a last line counts them.
//
// Colour codes are invisible but count as text for the width, so each cell
// is padded on its plain text and painted afterwards.
func Text(w io.Writer, runs []corsproof.Run, o TextOptions) {
	width := o.Width
	if width <= 0 {
		width = DefaultWidth
	}
	width = max(width, 40)
	out := &lineWriter{w: w, width: width}
	single := len(runs) == 1
	rows := Cross(runs)
	findings(out, corsproof.Findings(runs), o.Color)

	type cell struct{ text, painted string }
	plain := func(s string) cell { return cell{s, s} }
	header := []cell{plain("SCENARIO"), plain("POLICY")}
	for _, run := range runs {
		header = append(header, plain(strings.ToUpper(string(run.Engine))))
	}
	if single {
		header = append(header, plain("VERDICT"))
	}
	type line struct {
		cells []cell
		under []string // lines after the row, indented
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
			l.under = append(l.under, oneLine(c.Explanation))
			for _, d := range c.Diagnoses {
				l.under = append(l.under, "note: "+oneLine(d))
			}
		case r.Differs:
			l.under = []string{r.Explanation}
		}
		table = append(table, l)
	}
	widths := make([]int, len(header))
	for _, l := range append([]line{{cells: header}}, table...) {
		for i, c := range l.cells {
			widths[i] = max(widths[i], runeLen(c.text))
		}
	}
	verdictCol := -1
	if single {
		verdictCol = len(header) - 1
	}
	fitColumns(widths, width, verdictCol)
	write := func(cells []cell) {
		var b strings.Builder
		for i, c := range cells {
			text, painted := c.text, c.painted
			if runeLen(text) > widths[i] {
				text = truncate(text, widths[i])
				painted = text
				if c.painted != c.text {
					painted = strings.Replace(c.painted, c.text, text, 1)
				}
			}
			b.WriteString(painted)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-runeLen(text)+2))
			}
		}
		out.raw(strings.TrimRight(b.String(), " "))
	}
	if len(table) > 0 {
		write(header)
	}
	for _, l := range table {
		write(l.cells)
		for _, u := range l.under {
			out.wrap("    ", u)
		}
	}
	if len(table) > 0 {
		out.raw("")
	}
	for _, run := range runs {
		name := string(run.Engine)
		name += versionLine(run)
		if run.Err != "" {
			out.wrap("", fmt.Sprintf("%s: did not run: %s", name, oneLine(run.Err)))
			continue
		}
		sum := Summarize(run.Results)
		if o.Color {
			out.wrap("", fmt.Sprintf("%s: %s", name, sum.colored()))
		} else {
			out.wrap("", fmt.Sprintf("%s: %s", name, sum))
		}
		if k := knownSummary(run); k != "" {
			out.wrap("  ", k)
		}
	}
	if !single {
		differ := 0
		for _, r := range rows {
			if r.Differs {
				differ++
			}
		}
		out.wrap("", fmt.Sprintf("%d of %d scenarios differ between engines or from the standard (≠)", differ, len(rows)))
	}
}

// findings writes the run's root causes: each with its verdict, how many
// scenarios show it, the cause, the fix and one example; the notes (what
// decided nothing) last, one line each.
func findings(out *lineWriter, fs []corsproof.Finding, color bool) {
	// Known deviations are not here: the summary per engine counts them.
	var failing, notes []corsproof.Finding
	for _, f := range fs {
		switch {
		case f.Note:
			notes = append(notes, f)
		case f.Failed():
			failing = append(failing, f)
		}
	}
	if len(failing) == 0 && len(notes) == 0 {
		return
	}
	if len(failing) > 0 {
		n := 0
		for _, f := range failing {
			n += f.Count
		}
		out.raw(fmt.Sprintf("FINDINGS: %d %s in %d %s", len(failing), plural(len(failing), "cause", "causes"), n, plural(n, "result", "results")))
		for i, f := range failing {
			label := f.Label()
			if color && f.Example != nil {
				label = paint(true, *f.Example, label)
			}
			out.rawFit(fmt.Sprintf("%2d. %s  %d×  %s", i+1, label, f.Count, engineList(f.Engines)),
				fmt.Sprintf("%2d. %s  %d×  %s", i+1, f.Label(), f.Count, engineList(f.Engines)))
			out.wrap("    ", f.Line)
			if f.Advice != "" {
				out.wrap("    ", "fix: "+f.Advice)
			}
			if f.Example != nil {
				out.wrap("    ", fmt.Sprintf("e.g. %s: %s from %s", f.ExampleID, f.Example.Scenario.Request, f.Example.Origin))
				if w := wireLine(f.Example, f.Cause); w != "" {
					out.wrap("      ", w)
				}
			}
		}
		out.raw("")
	}
	if len(notes) > 0 {
		out.raw("NOTES (they change no verdict):")
		for _, f := range notes {
			out.wrap("  ", fmt.Sprintf("%d× %s", f.Count, f.Line))
		}
		out.raw("")
	}
}

// wireLine is the example's deciding exchange as it crossed the wire: the
// request line, the status and the CORS headers of the response ("" when
// the engine shows no wire).
func wireLine(r *corsproof.Result, c corsproof.Cause) string {
	o := r.Observation
	if o == nil {
		return ""
	}
	x := o.Preflight
	if c.Exchange != "preflight" || x == nil {
		if len(o.Actual) == 0 {
			return ""
		}
		x = &o.Actual[len(o.Actual)-1]
	}
	if c.Kind == corsproof.CauseRedirectedAway {
		// The redirect itself, not what came after it.
		for _, y := range slices.Concat(o.AllPreflights(), o.Actual) {
			if loc, ok := corsproof.HeaderValue(y.ResponseHeaders, "Location"); ok && loc == c.Value {
				x = &y
				break
			}
		}
	}
	if x.Status == 0 {
		return ""
	}
	var cors []string
	for _, h := range x.ResponseHeaders {
		if spec.IsCORSResponseHeader(h.Name) || strings.EqualFold(h.Name, "Vary") || strings.EqualFold(h.Name, "Location") {
			cors = append(cors, h.Name+": "+h.Value)
		}
	}
	hs := "no CORS headers"
	if len(cors) > 0 {
		hs = strings.Join(cors, "; ")
	}
	origin, _ := corsproof.HeaderValue(x.RequestHeaders, "Origin")
	return fmt.Sprintf("wire: %s %s (Origin: %s) → %d; %s", x.Method, x.URL, orDash(origin), x.Status, hs)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// knownSummary counts, for one engine, the scenarios that ended as known
// deviations, by deviation.
func knownSummary(run corsproof.Run) string {
	counts := map[string]int{}
	var order []string
	n := 0
	for _, r := range run.Results {
		if r.Verdict != corsproof.VerdictBrowserDeviation || !r.Known {
			continue
		}
		n++
		id := strings.Join(deviationsOf(r), ", ")
		if r.Cause != nil && r.Cause.Subject != "" {
			id = r.Cause.Subject
		}
		if id == "" {
			id = "unnamed"
		}
		if counts[id] == 0 {
			order = append(order, id)
		}
		counts[id]++
	}
	if n == 0 {
		return ""
	}
	parts := make([]string, 0, len(order))
	for _, id := range order {
		parts = append(parts, fmt.Sprintf("%s (%d)", id, counts[id]))
	}
	return fmt.Sprintf("%d %s only through known deviations: %s", n, plural(n, "scenario", "scenarios"), strings.Join(parts, ", "))
}

func engineList(es []corsproof.Engine) string {
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = string(e)
	}
	return strings.Join(names, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// fitColumns narrows columns until the row fits width (two spaces between
// columns): the outcome columns first, then the scenario ids (what a user
// copies into repro) and the verdict (verdictCol, -1 for none) last.
func fitColumns(widths []int, width int, verdictCol int) {
	total := func() int {
		t := 2 * (len(widths) - 1)
		for _, w := range widths {
			t += w
		}
		return t
	}
	// The outcome columns to 10, the ids to 24, then everything to 8.
	outcome := func(i int) bool { return i > 0 && i != verdictCol }
	for _, stage := range []struct {
		cols func(int) bool
		min  int
	}{{outcome, 10}, {func(i int) bool { return i == 0 }, 24}, {func(int) bool { return true }, 8}} {
		for total() > width {
			widest := -1
			for i := range widths {
				if stage.cols(i) && widths[i] > stage.min && (widest < 0 || widths[i] > widths[widest]) {
					widest = i
				}
			}
			if widest < 0 {
				break
			}
			widths[widest]--
		}
	}
}

// truncate shortens s to n runes, the last an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 1 {
		return string(r[:n])
	}
	return string(r[:n-1]) + "…"
}

// lineWriter writes lines no longer than width: wrap breaks text at spaces
// under an indent, raw writes a line as it is (it must already fit).
type lineWriter struct {
	w     io.Writer
	width int
}

func (l *lineWriter) raw(s string) { fmt.Fprintln(l.w, s) }

// rawFit writes painted, whose plain text is plain, or plain truncated when
// it does not fit.
func (l *lineWriter) rawFit(painted, plain string) {
	if runeLen(plain) <= l.width {
		l.raw(painted)
		return
	}
	l.raw(truncate(plain, l.width))
}

// wrap measures words by what shows: colour codes take no columns.
func (l *lineWriter) wrap(indent, s string) {
	avail := max(l.width-runeLen(indent), 20)
	words := strings.Fields(s)
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			l.raw(indent + string(cur))
			cur = cur[:0]
		}
	}
	for _, w := range words {
		r := []rune(w)
		for len(r) > avail { // a word longer than a line: split it
			flush()
			l.raw(indent + string(r[:avail]))
			r = r[avail:]
		}
		switch {
		case len(cur) == 0:
			cur = append(cur, r...)
		case visibleLen(cur)+1+visibleLen(r) <= avail:
			cur = append(append(cur, ' '), r...)
		default:
			flush()
			cur = append(cur, r...)
		}
	}
	flush()
}

// failing: the row is not a plain pass. In one engine that is its verdict;
// across several, the row differs (≠).
func failing(r CrossRow, single bool) bool {
	if !single {
		return r.Differs
	}
	return r.Cells[0] == nil || r.Cells[0].Failed()
}

// policyOf is what the policy says about a row's scenario, "-" when no
// engine got as far as judging it (an error, or a request redirected out of
// the run, which the policy is not about).
func policyOf(r CrossRow) string {
	for _, c := range r.Cells {
		if c != nil && c.Verdict != corsproof.VerdictError && c.Verdict != corsproof.VerdictNotTested && c.Verdict != corsproof.VerdictNotRun {
			return c.Policy.String()
		}
	}
	return "-"
}

// cellText is what one engine's browser did: "-" when the engine did not
// run, "not run" when the run ended before the scenario finished, "error"
// when the scenario hit an infrastructure error, "not tested" when the
// target redirected it out of the run (what the browser did there is no
// answer of the API).
func cellText(c *corsproof.Result) string {
	switch {
	case c == nil:
		return "-"
	case c.Verdict == corsproof.VerdictNotRun:
		return "not run"
	case c.Verdict == corsproof.VerdictError:
		return "error"
	case c.Verdict == corsproof.VerdictNotTested:
		return "not tested"
	case c.Verdict == corsproof.VerdictServerMismatch && c.Browser.Allowed && c.Policy.Allowed:
		// Both allowed: what differs is which headers script could read.
		var parts []string
		if m := minus(c.Policy.Exposed, c.Browser.Exposed); len(m) > 0 {
			parts = append(parts, strings.Join(m, ", ")+" unreadable")
		}
		if m := minus(c.Browser.Exposed, c.Policy.Exposed); len(m) > 0 {
			parts = append(parts, strings.Join(m, ", ")+" readable")
		}
		if len(parts) > 0 {
			return strings.Join(parts, "; ")
		}
	}
	return c.Browser.String()
}

// minus is the names of a not in b.
func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func runeLen(s string) int { return len([]rune(s)) }

// visibleLen counts the runes of r that show: not those of ANSI colour
// codes (ESC [ ... m).
func visibleLen(r []rune) int {
	n := 0
	for i := 0; i < len(r); i++ {
		if r[i] == '\x1b' && i+1 < len(r) && r[i+1] == '[' {
			for i < len(r) && r[i] != 'm' {
				i++
			}
			continue
		}
		n++
	}
	return n
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

const (
	ansiReset   = "\x1b[0m"
	ansiGreen   = "32"
	ansiRed     = "31"
	ansiBold    = "1;31"
	ansiCyan    = "36"
	ansiYellow  = "33"
	ansiMagenta = "35"
)

func ansi(code, s string) string { return "\x1b[" + code + "m" + s + ansiReset }

// paint colours an already measured label by the result's verdict.
func paint(color bool, r corsproof.Result, label string) string {
	if !color || r.Verdict == corsproof.VerdictNotRun {
		return label // not run: nothing to colour, good or bad
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
	case r.Verdict == corsproof.VerdictNotTested:
		code = ansiMagenta
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
	notTested := ""
	if s.NotTested > 0 {
		notTested = part(s.NotTested, ansiMagenta, "not tested") + ", "
	}
	return fmt.Sprintf("%d scenarios: %s, %s, %s, %s%s%s", s.Total,
		part(s.Pass, ansiGreen, "pass"), part(s.ServerMismatch, ansiRed, "server mismatch"),
		part(s.BrowserDeviation, ansiYellow, "browser deviation"), notTested, part(s.Error, ansiYellow, "error"), s.notRun())
}

// versionLine is " (VERSION on PLATFORM; NOTE)" for an engine's header, the
// parts it has ("" when it has none).
func versionLine(run corsproof.Run) string {
	if t := versionText(run); t != "" {
		return " (" + t + ")"
	}
	return ""
}

// versionText is "VERSION on PLATFORM; NOTE", the parts run has.
func versionText(run corsproof.Run) string {
	var parts []string
	v := run.Version
	if run.Platform != "" && v != "" {
		v += " on " + run.Platform
	}
	if v != "" {
		parts = append(parts, v)
	}
	if run.ProfileNote != "" {
		parts = append(parts, run.ProfileNote)
	}
	return strings.Join(parts, "; ")
}

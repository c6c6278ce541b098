package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"

	"github.com/corsproof/corsproof"
)

// EngineRun is one engine's part of a cross-browser run: its results, or
// why it could not run.
type EngineRun struct {
	Engine  string             `json:"-"`
	Version string             `json:"-"`
	Results []corsproof.Result `json:"-"`
	// Err is why the engine did not run (it could not start); it then has
	// no results.
	Err string `json:"-"`
}

// CrossRow is one scenario run across engines.
type CrossRow struct {
	ID string
	// Cells has one result per engine, in the order of the runs; nil where
	// the engine has no result for this scenario (it did not start).
	Cells []*corsproof.Result
	// Differs: the engines disagree with each other about access, or at
	// least one departs from the standard (any verdict but pass).
	Differs bool
	// Explanation says, in one line, how each engine fared, grouping the
	// engines that fared alike.
	Explanation string
}

// Cross lines the engines' results up by scenario (and repetition, for
// -twice runs), in the order of the first engine that ran.
func Cross(runs []EngineRun) []CrossRow {
	type key struct {
		id  string
		rep int
	}
	index := map[key]int{}
	var rows []CrossRow
	for ei, run := range runs {
		seen := map[string]int{}
		for i := range run.Results {
			r := &run.Results[i]
			k := key{r.Scenario.ID, seen[r.Scenario.ID]}
			seen[r.Scenario.ID]++
			ri, ok := index[k]
			if !ok {
				ri = len(rows)
				index[k] = ri
				rows = append(rows, CrossRow{ID: r.Scenario.ID, Cells: make([]*corsproof.Result, len(runs))})
			}
			rows[ri].Cells[ei] = r
		}
	}
	for i := range rows {
		rows[i].Differs, rows[i].Explanation = compareCells(runs, rows[i].Cells)
	}
	return rows
}

// compareCells judges one row: whether it differs and why.
func compareCells(runs []EngineRun, cells []*corsproof.Result) (bool, string) {
	differs := false
	var first *corsproof.Result
	for _, c := range cells {
		if c == nil {
			continue // an engine that did not run differs in nothing
		}
		if c.Verdict != corsproof.VerdictPass || len(deviationsOf(*c)) > 0 {
			differs = true
		}
		if c.Verdict == corsproof.VerdictError {
			continue
		}
		if first == nil {
			first = c
		} else if !sameAccessOutcome(*first, *c) {
			differs = true
		}
	}
	// Group the engines by what happened to them, in first-seen order.
	var order []string
	groups := map[string][]string{}
	for i, c := range cells {
		s := engineStatus(runs[i], c)
		if _, ok := groups[s]; !ok {
			order = append(order, s)
		}
		groups[s] = append(groups[s], runs[i].Engine)
	}
	parts := make([]string, 0, len(order))
	for _, s := range order {
		parts = append(parts, strings.Join(groups[s], ", ")+": "+s)
	}
	return differs, strings.Join(parts, "; ")
}

// sameAccessOutcome compares what a page could read: allowed or not, and
// which headers. Block reasons are not compared: engines name them
// differently, and WebKit not at all. Readable headers are compared only
// between engines that saw the response on the wire: the verdict counts
// only the headers the server sent, which an engine without the wire
// (WebKit) cannot list.
func sameAccessOutcome(a, b corsproof.Result) bool {
	if a.Browser.Allowed != b.Browser.Allowed {
		return false
	}
	if !a.Browser.Allowed || !sawWire(a) || !sawWire(b) {
		return true
	}
	return slices.Equal(a.Browser.Exposed, b.Browser.Exposed)
}

func sawWire(r corsproof.Result) bool {
	return r.Observation != nil && !slices.Contains(r.Observation.Unavailable, "actual")
}

// engineStatus is one engine's part of a row's explanation.
func engineStatus(run EngineRun, c *corsproof.Result) string {
	if c == nil {
		if run.Err != "" {
			return "did not run (could not start)"
		}
		return "not run"
	}
	ids := deviationsOf(*c)
	switch {
	case c.Verdict == corsproof.VerdictPass && len(ids) == 0:
		return "as the standard"
	case c.Verdict == corsproof.VerdictPass || c.Verdict == corsproof.VerdictBrowserDeviation && c.Known:
		if len(ids) == 0 {
			return "known deviation"
		}
		s := "known deviation " + strings.Join(ids, ", ")
		if c.WireDecision != nil && c.WireDecision.Incomplete {
			s += " (by the model of the policy: the wire is not observable)"
		}
		return s
	case c.Verdict == corsproof.VerdictBrowserDeviation:
		return "unknown deviation: " + oneLine(c.Explanation)
	case c.Verdict == corsproof.VerdictServerMismatch:
		return fmt.Sprintf("server mismatch (%s): %s where the policy says %s", c.Severity, c.Browser, c.Policy)
	}
	return "error: " + oneLine(c.Err)
}

// deviationsOf are the profile deviations that decided a result: the wire
// model's, or, where the engine cannot show the wire (WebKit) and the wire
// check was partial, the policy model's, so an engine is never said to act
// "as the standard" where its profile departs from it.
func deviationsOf(r corsproof.Result) []string {
	if r.WireDecision != nil && !r.WireDecision.Incomplete {
		return r.WireDecision.Deviations
	}
	if r.PolicyDecision != nil {
		return r.PolicyDecision.Deviations
	}
	return nil
}

// CrossText writes one table for several engines: a row per scenario, a
// column per engine holding the observed outcome coloured by its verdict,
// a mark (≠) on the rows where the engines disagree with each other or with
// the standard, each such row followed by its one-line explanation; then
// one summary line per engine. OnlyFailures keeps the marked rows.
func CrossText(w io.Writer, runs []EngineRun, o TextOptions) {
	rows := Cross(runs)
	var shown []CrossRow
	for _, r := range rows {
		if o.OnlyFailures && !r.Differs {
			continue
		}
		shown = append(shown, r)
	}
	header := []string{"SCENARIO", "EXPECTED"}
	for _, run := range runs {
		header = append(header, strings.ToUpper(run.Engine))
	}
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = runeLen(h)
	}
	cellText := func(c *corsproof.Result) string {
		switch {
		case c == nil:
			return "-"
		case c.Verdict == corsproof.VerdictError:
			return "error"
		}
		return c.Browser.String()
	}
	expected := func(r CrossRow) string {
		for _, c := range r.Cells {
			if c != nil && c.Verdict != corsproof.VerdictError {
				return c.Policy.String()
			}
		}
		return "-"
	}
	for _, r := range shown {
		widths[0] = max(widths[0], runeLen(r.ID)+2)
		widths[1] = max(widths[1], runeLen(expected(r)))
		for i, c := range r.Cells {
			widths[2+i] = max(widths[2+i], runeLen(cellText(c)))
		}
	}
	pad := func(b *strings.Builder, s string, width int, painted string) {
		b.WriteString(painted)
		b.WriteString(strings.Repeat(" ", width-runeLen(s)+2))
	}
	if len(shown) > 0 {
		var b strings.Builder
		for i, h := range header {
			pad(&b, h, widths[i], h)
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	for _, r := range shown {
		var b strings.Builder
		mark := "  "
		if r.Differs {
			mark = "≠ "
		}
		pad(&b, mark+r.ID, widths[0], mark+r.ID)
		pad(&b, expected(r), widths[1], expected(r))
		for i, c := range r.Cells {
			t := cellText(c)
			painted := t
			if c != nil {
				painted = paint(o.Color, *c, t)
			}
			pad(&b, t, widths[2+i], painted)
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		if r.Differs {
			fmt.Fprintln(w, "    "+r.Explanation)
		}
	}
	if len(shown) > 0 {
		fmt.Fprintln(w)
	}
	differ := 0
	for _, r := range rows {
		if r.Differs {
			differ++
		}
	}
	for _, run := range runs {
		name := run.Engine
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
	fmt.Fprintf(w, "%d of %d scenarios differ between engines or from the standard (≠)\n", differ, len(rows))
}

// CrossDocument is the JSON report of a run in several engines (schema:
// $defs/cross_report in report/schema.json).
type CrossDocument struct {
	Meta       Meta             `json:"run"`
	Engines    []EngineDocument `json:"engines"`
	Comparison []CrossJSONRow   `json:"comparison"`
}

// EngineDocument is one engine's part of a CrossDocument: the results in
// the single-engine shape, or the error that kept the engine from running.
type EngineDocument struct {
	Browser BrowserInfo  `json:"browser"`
	Summary *Summary     `json:"summary,omitempty"`
	Error   string       `json:"error,omitempty"`
	Results []JSONResult `json:"results"`
}

// CrossJSONRow is one scenario across engines.
type CrossJSONRow struct {
	ID          string                   `json:"id"`
	Differs     bool                     `json:"differs"`
	Explanation string                   `json:"explanation"`
	Engines     map[string]CrossJSONCell `json:"engines"`
}

// CrossJSONCell is one engine's outcome of a scenario.
type CrossJSONCell struct {
	Observed string             `json:"observed"`
	Verdict  string             `json:"verdict"`
	Severity corsproof.Severity `json:"severity,omitempty"`
	Known    bool               `json:"known_deviation,omitempty"`
}

// NewCrossDocument builds the JSON report of a run in several engines.
func NewCrossDocument(runs []EngineRun, m Meta, origins map[string]string) CrossDocument {
	d := CrossDocument{Meta: m, Engines: []EngineDocument{}, Comparison: []CrossJSONRow{}}
	for _, run := range runs {
		ed := EngineDocument{Browser: BrowserInfo{Name: run.Engine, Version: run.Version}, Error: run.Err, Results: []JSONResult{}}
		if run.Err == "" {
			single := NewDocument(run.Results, m, origins)
			ed.Summary, ed.Results = &single.Summary, single.Results
		}
		d.Engines = append(d.Engines, ed)
	}
	for _, row := range Cross(runs) {
		jr := CrossJSONRow{ID: row.ID, Differs: row.Differs, Explanation: row.Explanation, Engines: map[string]CrossJSONCell{}}
		for i, c := range row.Cells {
			cell := CrossJSONCell{Observed: "-", Verdict: "not-run"}
			if c != nil {
				cell = CrossJSONCell{Observed: c.Browser.String(), Verdict: string(c.Verdict), Severity: c.Severity, Known: c.Known}
				if c.Verdict == corsproof.VerdictError {
					cell.Observed = "error"
				}
			}
			jr.Engines[runs[i].Engine] = cell
		}
		d.Comparison = append(d.Comparison, jr)
	}
	return d
}

// CrossJSON writes the JSON report of a run in several engines.
func CrossJSON(w io.Writer, runs []EngineRun, m Meta, origins map[string]string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(NewCrossDocument(runs, m, origins)); err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	return nil
}

// CrossJUnit writes a JUnit XML report with one test suite per engine; an
// engine that could not start is a suite with one errored case.
func CrossJUnit(w io.Writer, runs []EngineRun, m Meta) error {
	var suites []junitSuite
	for _, run := range runs {
		em := m
		em.Browser, em.BrowserVersion = run.Engine, run.Version
		if em.BrowserVersion == "" {
			em.BrowserVersion = run.Engine
		}
		if run.Err != "" {
			suites = append(suites, junitSuite{
				Name: fmt.Sprintf("corsproof %s (%s, %s)", m.Command, m.Target, run.Engine), Tests: 1, Errors: 1,
				Cases: []junitCase{{Name: "start " + run.Engine, Classname: "corsproof.engine",
					Error: &junitMessage{Message: run.Err, Type: "error", Body: run.Err}}},
			})
			continue
		}
		s := junitSuiteOf(run.Results, em)
		for i := range s.Cases {
			s.Cases[i].Classname = "corsproof." + run.Engine + "." + strings.TrimPrefix(s.Cases[i].Classname, "corsproof.")
		}
		suites = append(suites, s)
	}
	return writeJUnit(w, suites)
}

//go:embed cross.tmpl
var crossSource string

var crossTemplate = template.Must(template.New("cross").Parse(crossSource))

// reportStyle is the single-engine page's stylesheet, shared by the
// cross-browser page so both paint verdicts alike.
func reportStyle() string {
	_, rest, _ := strings.Cut(htmlSource, "<style>")
	style, _, _ := strings.Cut(rest, "</style>")
	return style
}

type crossPage struct {
	Meta    Meta
	Style   template.CSS
	Engines []crossEngine
	Rows    []crossHTMLRow
	Differ  int
	Legend  []string
}

type crossEngine struct {
	Name, Version, Err string
	Summary            Summary
}

type crossHTMLRow struct {
	ID, Expected, Explanation string
	Differs                   bool
	Cells                     []crossHTMLCell
}

type crossHTMLCell struct {
	NotRun             bool
	Class, Text, Title string
}

// CrossHTML writes one self-contained page for a run in several engines: a
// summary per engine and one table with a row per scenario and a column per
// engine (the observed outcome, coloured by verdict, the explanation on
// hover), the rows that differ first, each with its one-line explanation.
func CrossHTML(w io.Writer, runs []EngineRun, m Meta) error {
	p := crossPage{Meta: m, Style: template.CSS(reportStyle()),
		Legend: []string{"pass", "deviation-known", "deviation-unknown", "broken", "security", "error"}}
	for _, run := range runs {
		p.Engines = append(p.Engines, crossEngine{Name: run.Engine, Version: run.Version, Err: run.Err, Summary: Summarize(run.Results)})
	}
	var same []crossHTMLRow
	for _, row := range Cross(runs) {
		hr := crossHTMLRow{ID: row.ID, Expected: "-", Explanation: row.Explanation, Differs: row.Differs}
		for _, c := range row.Cells {
			if c == nil {
				hr.Cells = append(hr.Cells, crossHTMLCell{NotRun: true})
				continue
			}
			if hr.Expected == "-" && c.Verdict != corsproof.VerdictError {
				hr.Expected = c.Policy.String()
			}
			text := c.Browser.String()
			if c.Verdict == corsproof.VerdictError {
				text = "error"
			}
			hr.Cells = append(hr.Cells, crossHTMLCell{Class: VerdictClass(*c), Text: text, Title: c.VerdictLabel() + ": " + oneLine(c.Explanation)})
		}
		if row.Differs {
			p.Differ++
			p.Rows = append(p.Rows, hr)
		} else {
			same = append(same, hr)
		}
	}
	p.Rows = append(p.Rows, same...)
	if err := crossTemplate.Execute(w, p); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return nil
}

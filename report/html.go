package report

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

// The page is one file that works offline and from file://: CSS and script
// inline, no fonts, no images, and a Content-Security-Policy that forbids the
// page any network request, so a report opened from a CI artifact never
// calls home.
//
//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

// htmlScript is the page's one script: following a link to a scenario
// opens its section. The filters are CSS alone. The page's
// Content-Security-Policy allows this script by its hash and no other.
const htmlScript = `(function () {
  function openTarget() {
    var el = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (el && el.tagName === 'DETAILS') { el.open = true; }
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();
})();`

// htmlScriptHash is htmlScript's CSP hash source, without its quotes.
var htmlScriptHash = func() string {
	sum := sha256.Sum256([]byte(htmlScript))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}()

// htmlFilter is one choice of what the page shows: a radio input, whose
// labels are the chips, and CSS that hides the rest.
type htmlFilter struct {
	ID, Label string
	// Chip is the class its chips are coloured by.
	Chip string
	// Classes are the verdict classes it shows (a row shows when one of
	// its engines has one); none for "hide passed" and "all".
	Classes []string
}

// htmlFilters: the first, hiding what passed, is the default.
var htmlFilters = []htmlFilter{
	{ID: "failing", Label: "hide passed", Chip: "plain"},
	{ID: "all", Label: "show all", Chip: "plain"},
	{ID: "mismatch", Label: "server mismatch", Chip: "broken", Classes: []string{"security", "broken"}},
	{ID: "security", Label: "security", Chip: "security", Classes: []string{"security"}},
	{ID: "broken", Label: "broken", Chip: "broken", Classes: []string{"broken"}},
	{ID: "deviation", Label: "browser deviation", Chip: "deviation-unknown", Classes: []string{"deviation-known", "deviation-unknown"}},
	{ID: "deviation-known", Label: "deviation-known", Chip: "deviation-known", Classes: []string{"deviation-known"}},
	{ID: "deviation-unknown", Label: "deviation-unknown", Chip: "deviation-unknown", Classes: []string{"deviation-unknown"}},
	{ID: "not-tested", Label: "not tested", Chip: "not-tested", Classes: []string{"not-tested"}},
	{ID: "error", Label: "error", Chip: "error", Classes: []string{"error"}},
	{ID: "not-run", Label: "not run", Chip: "not-run", Classes: []string{"not-run"}},
	{ID: "pass", Label: "pass", Chip: "pass", Classes: []string{"pass"}},
}

// htmlFilterCSS is the rules of htmlFilters: with "hide passed" checked the
// rows whose every engine passed and the passed scenarios are hidden; with a
// verdict checked, the rows and scenarios without it. A link's target shows
// whatever the filter.
func htmlFilterCSS() template.CSS {
	var b strings.Builder
	on := func(f htmlFilter) string { return "#show-" + f.ID + ":checked ~ #page " }
	for _, f := range htmlFilters {
		fmt.Fprintf(&b, "%slabel[for=show-%s] { outline: 2px solid #1f2328; outline-offset: 1px; }\n", on(f), f.ID)
		switch {
		case f.ID == "failing":
			fmt.Fprintf(&b, "%s#cross tbody tr[data-passed], %sdetails.scenario.pass { display: none; }\n", on(f), on(f))
			fmt.Fprintf(&b, "%s.passed-hidden { display: block; }\n", on(f))
		case len(f.Classes) > 0:
			var row, section strings.Builder
			for _, c := range f.Classes {
				fmt.Fprintf(&row, `:not([data-verdicts~="%s"])`, c)
				fmt.Fprintf(&section, ":not(.%s)", c)
			}
			fmt.Fprintf(&b, "%s#cross tbody tr%s, %sdetails.scenario%s { display: none; }\n", on(f), row.String(), on(f), section.String())
		}
	}
	b.WriteString("#page #cross tbody tr:target { display: table-row !important; }\n#page details.scenario:target { display: block !important; }\n")
	return template.CSS(b.String())
}

// VerdictClass is the CSS class of a result in the HTML report: pass,
// security, broken, deviation-known, deviation-unknown, not-tested, error
// or not-run.
func VerdictClass(r corsproof.Result) string {
	switch r.Verdict {
	case corsproof.VerdictPass:
		return "pass"
	case corsproof.VerdictServerMismatch:
		if r.Severity == corsproof.SeveritySecurity {
			return "security"
		}
		return "broken"
	case corsproof.VerdictBrowserDeviation:
		if r.Known {
			return "deviation-known"
		}
		return "deviation-unknown"
	case corsproof.VerdictNotTested:
		return "not-tested"
	case corsproof.VerdictNotRun:
		return "not-run"
	}
	return "error"
}

// classRank orders classes from best to worst for a matrix cell holding
// several results; not run is below pass: it hides no result that finished.
var classRank = map[string]int{"not-run": -1, "pass": 0, "deviation-known": 1, "not-tested": 2, "deviation-unknown": 3, "broken": 4, "security": 5, "error": 6}

type htmlPage struct {
	Meta    Meta
	Engines []htmlEngine
	// Findings are the run's root causes, what to fix first first.
	Findings []htmlFinding
	// Rows are the scenarios across engines, those that differ first.
	Rows   []htmlRow
	Differ int
	// Passed counts the rows every engine passed (hidden by default).
	Passed  int
	Columns []htmlColumn
	Matrix  []htmlMatrixRow
	// Multi: several engines, so a matrix cell has a part per engine.
	Multi   bool
	Legend  []string
	Filters []htmlFilter
	// FilterCSS is the filters' rules; Script the page's script and
	// ScriptHash its hash for the Content-Security-Policy.
	FilterCSS  template.CSS
	Script     template.JS
	ScriptHash string
}

// htmlFinding is one finding with what the page shows of it.
type htmlFinding struct {
	F            corsproof.Finding
	Class, Label string
	// Engines, Origins and Requests are the finding's lists, shortened.
	Engines, Origins, Requests string
	// Anchor is the example's section.
	Anchor string
}

// htmlEngine is one engine's run: its summary and its scenarios in full.
type htmlEngine struct {
	Name, Version, Err string
	Summary            Summary
	Results            []htmlResult
}

type htmlRow struct {
	ID, Policy, Explanation string
	Differs                 bool
	// Verdicts are the verdict classes of its engines, space-separated,
	// for the filters; Passed: every engine that ran passed.
	Verdicts string
	Passed   bool
	Cells    []htmlRowCell
}

type htmlRowCell struct {
	NotRun                     bool
	Class, Text, Title, Anchor string
}

type htmlColumn struct{ Request, Policy string }

type htmlMatrixRow struct {
	Origin, Site string
	Cells        []htmlCell
}

type htmlCell struct {
	Empty  bool
	Class  string
	Anchor string
	Count  int
	Title  string
	// Parts has one entry per engine when the page has several: each
	// engine's worst verdict in the cell.
	Parts []htmlCellPart
}

type htmlCellPart struct {
	Engine, Class, Anchor, Title string
	Empty                        bool
}

type htmlResult struct {
	Anchor, Class, Label string
	Engine               string
	R                    corsproof.Result
	Request              string
	Preflight            *htmlExchange
	Actual               []htmlExchange
	Browser              []string
	WireSteps            []spec.Step
	PolicySteps          []spec.Step
}

type htmlExchange struct {
	Request, Response string
}

// HTML writes one self-contained page for runs in one engine or several:
// a summary per engine; the findings, one per root cause, what to fix first
// first, each with its advice and a link to an example; a table with a row
// per scenario and a column per engine (the browser's outcome coloured by
// verdict, the explanation on hover), the rows that differ between engines
// or from the standard first, each with its one-line explanation; the
// origin × request matrix coloured by the worst verdict, a part per engine
// when there are several; then each engine's scenarios with the request,
// the preflight and actual exchanges as seen on the wire, the browser's
// reason and the model's steps.
//
// The summary's chips filter the table and the scenarios (CSS alone); what
// passed is hidden until the reader shows it.
func HTML(w io.Writer, runs []corsproof.Run, m Meta) error {
	page := htmlPage{Meta: m, Legend: []string{"pass", "security", "broken", "deviation-known", "deviation-unknown", "not-tested", "error", "not-run"},
		Multi: len(runs) > 1, Filters: htmlFilters, FilterCSS: htmlFilterCSS(),
		Script: template.JS(htmlScript), ScriptHash: htmlScriptHash}
	anchors := map[*corsproof.Result]string{}
	colIndex := map[string]int{}
	rowIndex := map[string]int{}
	type at struct{ row, col int }
	cells := map[at][]htmlResult{}
	for ei, run := range runs {
		e := htmlEngine{Name: string(run.Engine), Version: versionText(run), Err: run.Err, Summary: Summarize(run.Results)}
		for i := range run.Results {
			r := &run.Results[i]
			hr := newHTMLResult(fmt.Sprintf("r%d-s%d", ei, i), *r)
			hr.Engine = e.Name
			anchors[r] = hr.Anchor
			e.Results = append(e.Results, hr)
			key := r.Scenario.Policy + "\x00" + hr.Request
			c, ok := colIndex[key]
			if !ok {
				c = len(page.Columns)
				colIndex[key] = c
				page.Columns = append(page.Columns, htmlColumn{Request: hr.Request, Policy: r.Scenario.Policy})
			}
			rk := r.Origin + "\x00" + r.Scenario.Site
			row, ok := rowIndex[rk]
			if !ok {
				row = len(page.Matrix)
				rowIndex[rk] = row
				page.Matrix = append(page.Matrix, htmlMatrixRow{Origin: r.Origin, Site: r.Scenario.Site})
			}
			cells[at{row, c}] = append(cells[at{row, c}], hr)
		}
		page.Engines = append(page.Engines, e)
	}
	for ri := range page.Matrix {
		page.Matrix[ri].Cells = make([]htmlCell, len(page.Columns))
		for ci := range page.Columns {
			in := cells[at{ri, ci}]
			if len(in) == 0 {
				page.Matrix[ri].Cells[ci] = htmlCell{Empty: true}
				continue
			}
			cell := htmlCell{Count: len(in), Anchor: in[0].Anchor, Class: in[0].Class}
			var titles []string
			for _, hr := range in {
				if classRank[hr.Class] > classRank[cell.Class] {
					cell.Class, cell.Anchor = hr.Class, hr.Anchor
				}
				title := hr.R.Scenario.ID + ": " + hr.Label
				if len(runs) > 1 {
					title = hr.R.Scenario.ID + " (" + hr.Engine + "): " + hr.Label
				}
				titles = append(titles, title)
			}
			cell.Title = strings.Join(titles, "\n")
			if page.Multi {
				cell.Parts = matrixParts(runs, in)
			}
			page.Matrix[ri].Cells[ci] = cell
		}
	}
	page.Findings = htmlFindings(runs, anchors)
	var same []htmlRow
	for _, row := range Cross(runs) {
		hr := htmlRow{ID: row.ID, Policy: policyOf(row), Explanation: row.Explanation, Differs: row.Differs}
		var verdicts []string
		for _, c := range row.Cells {
			if c == nil {
				hr.Cells = append(hr.Cells, htmlRowCell{NotRun: true})
				continue
			}
			class := VerdictClass(*c)
			if !slices.Contains(verdicts, class) {
				verdicts = append(verdicts, class)
			}
			hr.Cells = append(hr.Cells, htmlRowCell{Class: class, Text: cellText(c),
				Title: c.VerdictLabel() + ": " + oneLine(c.Explanation), Anchor: anchors[c]})
		}
		hr.Verdicts = strings.Join(verdicts, " ")
		hr.Passed = !row.Differs && len(verdicts) == 1 && verdicts[0] == "pass"
		if hr.Passed {
			page.Passed++
		}
		if row.Differs {
			page.Differ++
			page.Rows = append(page.Rows, hr)
		} else {
			same = append(same, hr)
		}
	}
	page.Rows = append(page.Rows, same...)
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, page); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// matrixParts is a matrix cell's part per engine: the worst verdict of that
// engine's results in the cell, linked to it.
func matrixParts(runs []corsproof.Run, in []htmlResult) []htmlCellPart {
	parts := make([]htmlCellPart, len(runs))
	for i, run := range runs {
		p := htmlCellPart{Engine: string(run.Engine), Empty: true}
		var titles []string
		for _, hr := range in {
			if hr.Engine != p.Engine {
				continue
			}
			if p.Empty || classRank[hr.Class] > classRank[p.Class] {
				p.Class, p.Anchor = hr.Class, hr.Anchor
			}
			p.Empty = false
			titles = append(titles, hr.R.Scenario.ID+": "+hr.Label)
		}
		if p.Empty {
			p.Title = p.Engine + ": not run"
		} else {
			p.Title = p.Engine + "\n" + strings.Join(titles, "\n")
		}
		parts[i] = p
	}
	return parts
}

// htmlFindings is the findings of runs as the page lists them, each linked
// to its example's section.
func htmlFindings(runs []corsproof.Run, anchors map[*corsproof.Result]string) []htmlFinding {
	fs := corsproof.Findings(runs)
	out := make([]htmlFinding, 0, len(fs))
	for _, f := range fs {
		hf := htmlFinding{F: f, Label: f.Label(), Class: "note",
			Origins: listUpTo(f.Origins, 4), Requests: listUpTo(f.Requests, 3)}
		if !f.Note {
			hf.Class = VerdictClass(corsproof.Result{Verdict: f.Verdict, Severity: f.Severity, Known: f.Known})
		}
		names := make([]string, len(f.Engines))
		for i, e := range f.Engines {
			names[i] = string(e)
		}
		hf.Engines = strings.Join(names, ", ")
		hf.Anchor = anchors[f.Example]
		if hf.Anchor == "" {
			hf.Anchor = exampleAnchor(runs, anchors, f)
		}
		out = append(out, hf)
	}
	return out
}

// exampleAnchor finds a finding's example by engine and scenario id, for a
// finding whose Example is not one of runs' results.
func exampleAnchor(runs []corsproof.Run, anchors map[*corsproof.Result]string, f corsproof.Finding) string {
	for ri := range runs {
		if runs[ri].Engine != f.ExampleEngine {
			continue
		}
		for i := range runs[ri].Results {
			if r := &runs[ri].Results[i]; r.Scenario.ID == f.ExampleID {
				return anchors[r]
			}
		}
	}
	return ""
}

// listUpTo lists up to n items and counts the rest.
func listUpTo(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(xs[:n], ", "), len(xs)-n)
}

func newHTMLResult(anchor string, r corsproof.Result) htmlResult {
	hr := htmlResult{
		Anchor: anchor, Class: VerdictClass(r), Label: r.VerdictLabel(),
		R: r, Request: r.Scenario.Request.String(),
	}
	if obs := r.Observation; obs != nil {
		if obs.Preflight != nil {
			x := wire(*obs.Preflight)
			hr.Preflight = &x
		}
		for _, a := range obs.Actual {
			hr.Actual = append(hr.Actual, wire(a))
		}
		hr.Browser = browserSays(*obs)
	}
	if r.WireDecision != nil {
		hr.WireSteps = r.WireDecision.Steps
	}
	if r.PolicyDecision != nil {
		hr.PolicySteps = r.PolicyDecision.Steps
	}
	return hr
}

// wire renders an exchange like an HTTP/1.1 trace.
func wire(x corsproof.Exchange) htmlExchange {
	var req, resp strings.Builder
	fmt.Fprintf(&req, "%s %s\n", x.Method, x.URL)
	for _, h := range x.RequestHeaders {
		fmt.Fprintf(&req, "%s: %s\n", h.Name, h.Value)
	}
	if x.Status == 0 {
		resp.WriteString("(no response)")
	} else {
		fmt.Fprintf(&resp, "%d\n", x.Status)
		for _, h := range x.ResponseHeaders {
			fmt.Fprintf(&resp, "%s: %s\n", h.Name, h.Value)
		}
	}
	return htmlExchange{Request: strings.TrimRight(req.String(), "\n"), Response: strings.TrimRight(resp.String(), "\n")}
}

// browserSays lists what the browser reported, its own words first.
func browserSays(o corsproof.Observation) []string {
	var out []string
	if o.Allowed {
		out = append(out, fmt.Sprintf("allowed: status %d, response type %s", o.Status, o.Type))
	} else {
		out = append(out, "blocked")
	}
	if o.CorsError != "" {
		s := "CorsError " + o.CorsError
		if o.FailedParameter != "" {
			s += " (failedParameter " + o.FailedParameter + ")"
		}
		out = append(out, s)
	}
	if o.NetError != "" {
		out = append(out, "network error "+o.NetError)
	}
	if o.Error != "" {
		out = append(out, "script saw: "+o.Error)
	}
	for _, c := range o.BlockedCookies {
		out = append(out, fmt.Sprintf("cookie %s blocked: %s", c.Name, c.Reason))
	}
	out = append(out, o.Notes...)
	return out
}

package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
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

// VerdictClass is the CSS class of a result in the HTML report: pass,
// security, broken, deviation-known, deviation-unknown or error.
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
	}
	return "error"
}

// classRank orders classes from best to worst for a matrix cell holding
// several results.
var classRank = map[string]int{"pass": 0, "deviation-known": 1, "deviation-unknown": 2, "broken": 3, "security": 4, "error": 5}

type htmlPage struct {
	Meta    Meta
	Engines []htmlEngine
	// Rows are the scenarios across engines, those that differ first.
	Rows    []htmlRow
	Differ  int
	Columns []htmlColumn
	Matrix  []htmlMatrixRow
	Legend  []string
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
	Cells                   []htmlRowCell
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

// HTML writes one self-contained page for runs in one engine or several: a
// summary per engine; a table with a row per scenario and a column per
// engine (the browser's outcome coloured by verdict, the explanation on
// hover), the rows that differ between engines or from the standard first,
// each with its one-line explanation; the origin × request matrix coloured
// by the worst verdict over the engines; then each engine's scenarios with
// the request, the preflight and actual exchanges as seen on the wire, the
// browser's reason and the model's steps.
func HTML(w io.Writer, runs []corsproof.Run, m Meta) error {
	page := htmlPage{Meta: m, Legend: []string{"pass", "security", "broken", "deviation-known", "deviation-unknown", "error"}}
	anchors := map[*corsproof.Result]string{}
	colIndex := map[string]int{}
	rowIndex := map[string]int{}
	type at struct{ row, col int }
	cells := map[at][]htmlResult{}
	for ei, run := range runs {
		e := htmlEngine{Name: string(run.Engine), Version: run.Version, Err: run.Err, Summary: Summarize(run.Results)}
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
			cell := htmlCell{Count: len(in), Anchor: in[0].Anchor, Class: "pass"}
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
			page.Matrix[ri].Cells[ci] = cell
		}
	}
	var same []htmlRow
	for _, row := range Cross(runs) {
		hr := htmlRow{ID: row.ID, Policy: policyOf(row), Explanation: row.Explanation, Differs: row.Differs}
		for _, c := range row.Cells {
			if c == nil {
				hr.Cells = append(hr.Cells, htmlRowCell{NotRun: true})
				continue
			}
			hr.Cells = append(hr.Cells, htmlRowCell{Class: VerdictClass(*c), Text: cellText(c),
				Title: c.VerdictLabel() + ": " + oneLine(c.Explanation), Anchor: anchors[c]})
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

package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/corsproof/corsproof"

	"github.com/corsproof/corsproof/browser"
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
	Summary Summary
	Columns []htmlColumn
	Rows    []htmlRow
	Results []htmlResult
	Legend  []string
}

type htmlColumn struct{ Request, Policy string }

type htmlRow struct {
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
	R                    corsproof.Result
	Origin, Request      string
	Preflight            *htmlExchange
	Actual               []htmlExchange
	Browser              []string
	WireSteps            []spec.Step
	PolicySteps          []spec.Step
}

type htmlExchange struct {
	Request, Response string
}

// HTML writes a self-contained HTML report: the origin × request matrix
// coloured by verdict, then each scenario with its request, the preflight
// and actual exchanges as seen on the wire, the browser's reason and the
// model's explanation.
func HTML(w io.Writer, results []corsproof.Result, m Meta, origins map[string]string) error {
	page := htmlPage{Meta: m, Summary: Summarize(results),
		Legend: []string{"pass", "security", "broken", "deviation-known", "deviation-unknown", "error"}}
	colIndex := map[string]int{}
	rowIndex := map[string]int{}
	type at struct{ row, col int }
	cells := map[at][]int{}
	for i, r := range results {
		origin := originOf(r, origins)
		key := r.Scenario.Policy + "\x00" + r.Scenario.Request.String()
		c, ok := colIndex[key]
		if !ok {
			c = len(page.Columns)
			colIndex[key] = c
			page.Columns = append(page.Columns, htmlColumn{Request: r.Scenario.Request.String(), Policy: r.Scenario.Policy})
		}
		rk := origin + "\x00" + r.Scenario.Site
		row, ok := rowIndex[rk]
		if !ok {
			row = len(page.Rows)
			rowIndex[rk] = row
			page.Rows = append(page.Rows, htmlRow{Origin: origin, Site: r.Scenario.Site})
		}
		cells[at{row, c}] = append(cells[at{row, c}], i)
		page.Results = append(page.Results, newHTMLResult(i, r, origin))
	}
	for ri := range page.Rows {
		page.Rows[ri].Cells = make([]htmlCell, len(page.Columns))
		for ci := range page.Columns {
			idx := cells[at{ri, ci}]
			if len(idx) == 0 {
				page.Rows[ri].Cells[ci] = htmlCell{Empty: true}
				continue
			}
			cell := htmlCell{Count: len(idx), Anchor: page.Results[idx[0]].Anchor, Class: "pass"}
			var titles []string
			for _, i := range idx {
				hr := page.Results[i]
				if classRank[hr.Class] > classRank[cell.Class] {
					cell.Class, cell.Anchor = hr.Class, hr.Anchor
				}
				titles = append(titles, hr.R.Scenario.ID+": "+hr.Label)
			}
			cell.Title = strings.Join(titles, "\n")
			page.Rows[ri].Cells[ci] = cell
		}
	}
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, page); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	_, err := buf.WriteTo(w)
	return err
}

func newHTMLResult(i int, r corsproof.Result, origin string) htmlResult {
	hr := htmlResult{
		Anchor: fmt.Sprintf("s%d", i), Class: VerdictClass(r), Label: r.VerdictLabel(),
		R: r, Origin: origin, Request: r.Scenario.Request.String(),
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
func wire(x browser.Exchange) htmlExchange {
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
func browserSays(o browser.Observation) []string {
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

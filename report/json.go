package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/policy"
)

// Schema is the JSON Schema (draft 2020-12) of the JSON report.
//
//go:embed schema.json
var Schema []byte

// Meta describes a run for the reports; the engines and their versions
// come from the runs.
type Meta struct {
	Command string    `json:"command"` // run or check
	Target  string    `json:"target"`
	Fault   string    `json:"fault,omitempty"`
	Seed    uint64    `json:"seed,omitempty"`
	Started time.Time `json:"started"`
	// Shard is the part of the scenario list the run ran ("2/4", see
	// corsproof.Shard); "" for the whole list. corsproof merge combines
	// the shards' reports.
	Shard string `json:"shard,omitempty"`
	// Policies (by name) and Sites are what the run served: the report
	// keeps those its results name (Document.Policies, Document.Sites), so
	// that a result can be reproduced from the report alone.
	Policies map[string]*policy.Policy `json:"-"`
	Sites    []JSONSite                `json:"-"`
}

// Document is the JSON report (schema: report/schema.json), one shape for
// one engine or several: each engine's run, and the scenarios lined up
// across them (for one engine, whether it departs from the standard).
type Document struct {
	Meta Meta `json:"run"`
	// Findings are the run's root causes across engines (see
	// corsproof.Findings), what to fix first first.
	Findings []corsproof.Finding `json:"findings"`
	Runs     []JSONRun           `json:"runs"`
	Rows     []JSONRow           `json:"rows"`
	// Policies are the policies the results name (JSONResult.PolicyName),
	// by name, and Sites the origin pages they ran from (JSONResult.Site):
	// with each result's Detail, what 'corsproof repro --from' needs to
	// rebuild the fetch and replay its exchanges.
	Policies map[string]*policy.Policy `json:"policies,omitempty"`
	Sites    []JSONSite                `json:"sites,omitempty"`
}

// JSONSite is an origin page of the run: its site, and the URL the page
// was loaded from.
type JSONSite struct {
	Name   string              `json:"name"`
	Origin string              `json:"origin"`
	Class  corsproof.SiteClass `json:"class"`
	// Host is the origin the page is really served from, when it is not
	// Origin (a sandboxed page's URL origin).
	Host      string `json:"host,omitempty"`
	Sandboxed bool   `json:"sandboxed,omitempty"`
	PageURL   string `json:"page_url"`
}

// Site is s as a corsproof.Site.
func (s JSONSite) Site() corsproof.Site {
	return corsproof.Site{Name: s.Name, Origin: s.Origin, Class: s.Class, Host: s.Host, Sandboxed: s.Sandboxed}
}

// NewJSONSite is site s whose page is at pageURL.
func NewJSONSite(s corsproof.Site, pageURL string) JSONSite {
	return JSONSite{Name: s.Name, Origin: s.Origin, Class: s.Class, Host: s.Host, Sandboxed: s.Sandboxed, PageURL: pageURL}
}

// JSONRun is one engine's run: its results, or the error that kept the
// engine from running (Results is then empty).
type JSONRun struct {
	Engine  corsproof.Engine `json:"engine"`
	Version string           `json:"version"`
	// Platform is what the browser runs on (corsproof.Run.Platform).
	Platform string `json:"platform,omitempty"`
	// ProfileNote says the run's deviation profile is unmeasured (Safari).
	ProfileNote string       `json:"profile_note,omitempty"`
	Error       string       `json:"error,omitempty"`
	Summary     Summary      `json:"summary"`
	Results     []JSONResult `json:"results"`
}

// JSONResult is one scenario in one engine. Policy, Wire and Browser are the
// three sides: what the policy says, what the headers on the wire say (both
// through the Fetch model), what the browser did; PolicyName names the policy.
type JSONResult struct {
	ID          string             `json:"id"`
	Title       string             `json:"title,omitempty"`
	Labels      []string           `json:"labels"`
	Origin      string             `json:"origin"`
	Site        string             `json:"site"`
	PolicyName  string             `json:"policy_name,omitempty"`
	Request     corsproof.Request  `json:"request"`
	State       []corsproof.State  `json:"state,omitempty"`
	URL         string             `json:"url,omitempty"`
	Policy      corsproof.Outcome  `json:"policy"`
	Wire        corsproof.Outcome  `json:"wire"`
	Browser     corsproof.Outcome  `json:"browser"`
	Verdict     corsproof.Verdict  `json:"verdict"`
	Severity    corsproof.Severity `json:"severity"`
	Known       bool               `json:"known_deviation,omitempty"`
	Explanation string             `json:"explanation"`
	Cause       *corsproof.Cause   `json:"cause,omitempty"`
	Notes       []corsproof.Cause  `json:"notes,omitempty"`
	Diagnoses   []string           `json:"diagnoses,omitempty"`
	Error       string             `json:"error,omitempty"`
	DurationMS  float64            `json:"duration_ms"`
	Detail      *corsproof.Result  `json:"detail,omitempty"`
}

// JSONRow is one scenario across the engines (see CrossRow).
type JSONRow struct {
	ID          string              `json:"id"`
	Differs     bool                `json:"differs"`
	Explanation string              `json:"explanation"`
	Engines     map[string]JSONCell `json:"engines"`
}

// JSONCell is one engine's outcome of a scenario.
type JSONCell struct {
	Browser  string             `json:"browser"`
	Verdict  string             `json:"verdict"` // a corsproof.Verdict, or not-run
	Severity corsproof.Severity `json:"severity,omitempty"`
	Known    bool               `json:"known_deviation,omitempty"`
}

// NewDocument builds the JSON report of runs.
func NewDocument(runs []corsproof.Run, m Meta) Document {
	d := Document{Meta: m, Findings: corsproof.Findings(runs), Runs: make([]JSONRun, 0, len(runs)), Rows: []JSONRow{}}
	if d.Findings == nil {
		d.Findings = []corsproof.Finding{}
	}
	for _, run := range runs {
		jr := JSONRun{Engine: run.Engine, Version: run.Version, Platform: run.Platform, ProfileNote: run.ProfileNote, Error: run.Err,
			Summary: Summarize(run.Results), Results: make([]JSONResult, 0, len(run.Results))}
		for i := range run.Results {
			jr.Results = append(jr.Results, newJSONResult(&run.Results[i]))
		}
		d.Runs = append(d.Runs, jr)
	}
	for _, row := range Cross(runs) {
		jr := JSONRow{ID: row.ID, Differs: row.Differs, Explanation: row.Explanation, Engines: map[string]JSONCell{}}
		for i, c := range row.Cells {
			cell := JSONCell{Browser: cellText(c), Verdict: "not-run"}
			if c != nil {
				cell.Verdict, cell.Severity, cell.Known = string(c.Verdict), c.Severity, c.Known
			}
			jr.Engines[string(runs[i].Engine)] = cell
		}
		d.Rows = append(d.Rows, jr)
	}
	d.Policies, d.Sites = usedContext(runs, m)
	return d
}

// usedContext is m's policies and sites that the results of runs name.
func usedContext(runs []corsproof.Run, m Meta) (map[string]*policy.Policy, []JSONSite) {
	pols, sites := map[string]bool{}, map[string]bool{}
	for _, run := range runs {
		for _, r := range run.Results {
			pols[r.Scenario.Policy], sites[r.Scenario.Site] = true, true
		}
	}
	var outP map[string]*policy.Policy
	for name, p := range m.Policies {
		if pols[name] && p != nil {
			if outP == nil {
				outP = map[string]*policy.Policy{}
			}
			outP[name] = p
		}
	}
	var outS []JSONSite
	for _, s := range m.Sites {
		if sites[s.Name] {
			outS = append(outS, s)
		}
	}
	return outP, outS
}

func newJSONResult(r *corsproof.Result) JSONResult {
	labels := r.Scenario.Labels
	if labels == nil {
		labels = []string{}
	}
	detail := r
	if r.Verdict == corsproof.VerdictNotRun {
		detail = nil // nothing ran: no decision, no observation
	}
	return JSONResult{
		ID: r.Scenario.ID, Title: r.Scenario.Title, Labels: labels,
		Origin: r.Origin, Site: r.Scenario.Site, PolicyName: r.Scenario.Policy,
		Request: r.Scenario.Request, State: r.Scenario.Uses(), URL: r.URL,
		Policy: r.Policy, Wire: r.Wire, Browser: r.Browser,
		Verdict: r.Verdict, Severity: r.Severity, Known: r.Known,
		Explanation: r.Explanation, Cause: r.Cause, Notes: r.Notes, Diagnoses: r.Diagnoses, Error: r.Err,
		DurationMS: float64(r.Duration.Microseconds()) / 1000,
		Detail:     detail,
	}
}

// JSON writes the JSON report of runs.
func JSON(w io.Writer, runs []corsproof.Run, m Meta) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(NewDocument(runs, m)); err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	return nil
}

// Catches says in one line, for a run against a faulty server, whether the
// fault was caught: how many results failed and in how many causes (the
// findings, printed above it, list them).
func Catches(w io.Writer, runs []corsproof.Run) {
	n, causes := 0, 0
	for _, run := range runs {
		for _, r := range run.Results {
			if r.Verdict == corsproof.VerdictServerMismatch {
				n++
			}
		}
	}
	for _, f := range corsproof.Findings(runs) {
		if !f.Note && f.Verdict == corsproof.VerdictServerMismatch {
			causes++
		}
	}
	if n == 0 {
		fmt.Fprintln(w, "fault NOT caught: no scenario saw a server mismatch")
		return
	}
	fmt.Fprintf(w, "fault caught by %d %s, in %d %s (see FINDINGS)\n", n, plural(n, "scenario", "scenarios"), causes, plural(causes, "cause", "causes"))
}

package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/corsproof/corsproof"

	"github.com/corsproof/corsproof/browser"
)

// Schema is the JSON Schema (draft 2020-12) of the JSON report.
//
//go:embed schema.json
var Schema []byte

// Meta describes a run for the reports.
type Meta struct {
	Command        string    `json:"command"` // run or check
	Target         string    `json:"target"`
	Fault          string    `json:"fault,omitempty"`
	Browser        string    `json:"-"`
	BrowserVersion string    `json:"-"`
	Seed           uint64    `json:"seed,omitempty"`
	Started        time.Time `json:"started"`
}

// Document is the JSON report (schema: report/schema.json).
type Document struct {
	Meta    Meta         `json:"run"`
	Summary Summary      `json:"summary"`
	Browser BrowserInfo  `json:"browser"`
	Results []JSONResult `json:"results"`
}

// BrowserInfo names the engine.
type BrowserInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// JSONResult is one scenario in the JSON report.
type JSONResult struct {
	ID          string             `json:"id"`
	Title       string             `json:"title,omitempty"`
	Labels      []string           `json:"labels"`
	Origin      string             `json:"origin"`
	Site        string             `json:"site"`
	Policy      string             `json:"policy,omitempty"`
	Request     corsproof.Request  `json:"request"`
	URL         string             `json:"url,omitempty"`
	Expected    corsproof.Outcome  `json:"expected"`
	Model       corsproof.Outcome  `json:"model"`
	Observed    corsproof.Outcome  `json:"observed"`
	Verdict     corsproof.Verdict  `json:"verdict"`
	Severity    corsproof.Severity `json:"severity"`
	Known       bool               `json:"known_deviation,omitempty"`
	Explanation string             `json:"explanation"`
	Diagnoses   []string           `json:"diagnoses,omitempty"`
	Error       string             `json:"error,omitempty"`
	DurationMS  float64            `json:"duration_ms"`
	Detail      *corsproof.Result  `json:"detail,omitempty"`
}

// NewDocument builds the JSON report. origins maps site names to origins.
func NewDocument(results []corsproof.Result, m Meta, origins map[string]string) Document {
	d := Document{Meta: m, Summary: Summarize(results), Browser: BrowserInfo{Name: m.Browser, Version: m.BrowserVersion}}
	d.Results = make([]JSONResult, 0, len(results))
	for i := range results {
		r := results[i]
		labels := r.Scenario.Labels
		if labels == nil {
			labels = []string{}
		}
		d.Results = append(d.Results, JSONResult{
			ID: r.Scenario.ID, Title: r.Scenario.Title, Labels: labels,
			Origin: originOf(r, origins), Site: r.Scenario.Site, Policy: r.Scenario.Policy,
			Request: r.Scenario.Request, URL: r.URL,
			Expected: r.Policy, Model: r.Wire, Observed: r.Browser,
			Verdict: r.Verdict, Severity: r.Severity, Known: r.Known,
			Explanation: r.Explanation, Diagnoses: r.Diagnoses, Error: r.Err,
			DurationMS: float64(r.Duration.Microseconds()) / 1000,
			Detail:     &results[i],
		})
	}
	return d
}

// originOf is the page's origin: from the run's site map, else the Origin
// header the browser really sent, else the embedded mock's site of that name.
func originOf(r corsproof.Result, origins map[string]string) string {
	if o, ok := origins[r.Scenario.Site]; ok {
		return o
	}
	if obs := r.Observation; obs != nil {
		var xs []browser.Exchange
		if obs.Preflight != nil {
			xs = append(xs, *obs.Preflight)
		}
		xs = append(xs, obs.Actual...)
		for _, x := range xs {
			if o, ok := browser.HeaderValue(x.RequestHeaders, "Origin"); ok && strings.TrimSpace(o) != "" {
				return o
			}
		}
	}
	for _, s := range corsproof.MockSites() {
		if s.Name == r.Scenario.Site {
			return s.Origin
		}
	}
	return ""
}

// JSON writes the JSON report.
func JSON(w io.Writer, results []corsproof.Result, m Meta, origins map[string]string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(NewDocument(results, m, origins)); err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	return nil
}

// Catches lists, for a run against a faulty server, which scenarios caught
// the fault and with which severity.
func Catches(w io.Writer, results []corsproof.Result) {
	n := 0
	for _, r := range results {
		if r.Verdict == corsproof.VerdictServerMismatch {
			n++
		}
	}
	if n == 0 {
		fmt.Fprintln(w, "fault NOT caught: no scenario saw a server mismatch")
		return
	}
	fmt.Fprintf(w, "fault caught by %d scenario(s):\n", n)
	for _, r := range results {
		if r.Verdict == corsproof.VerdictServerMismatch {
			fmt.Fprintf(w, "  %-48s %s\n", r.Scenario.ID, r.Severity)
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/report"
	"github.com/corsproof/corsproof/repro"
)

// reportSites are the origin pages of a run as the JSON report keeps them
// (with their page URLs), so that repro --from can serve each page again.
func reportSites(sites []corsproof.Site) []report.JSONSite {
	out := make([]report.JSONSite, 0, len(sites))
	for _, s := range sites {
		out = append(out, report.NewJSONSite(s, harness.PageURLOf(s)))
	}
	return out
}

// cmdReproFrom writes the reproduction of one result of a JSON report
// (repro --from REPORT --id ID): the exchanges the report recorded on the
// wire, replayed byte for byte, with the page at the origin and the API at
// the host the report recorded, so neither the server nor corsproof is
// needed to see it again.
func cmdReproFrom(e env, o reproOpts) int {
	usage := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "corsproof repro: "+format+"\n", a...)
		return exitUsage
	}
	if o.id == "" {
		return usage("--from %s needs --id ID: the scenario to reproduce (the report's results name them: runs[].results[].id)", o.from)
	}
	doc, err := readReport(o.from)
	if err != nil {
		return usage("%v", err)
	}
	in, what, err := reproInput(doc, o.from, o.id)
	if err != nil {
		return usage("%v", err)
	}
	files, err := repro.Build(in)
	if err != nil {
		fmt.Fprintf(e.stderr, "corsproof repro: %v\n", err)
		return exitUsage
	}
	dir := o.out
	if dir == "" {
		dir = "repro-" + corsproof.SafeName(o.id)
	}
	return finishRepro(e, o, dir, files, what)
}

// readReport reads a JSON report of run, check or corstest.
func readReport(path string) (report.Document, error) {
	var doc report.Document
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return doc, fmt.Errorf("--from: cannot read the report: %v", pe)
		}
		return doc, fmt.Errorf("--from: %v", err)
	}
	// A report has its run's command and a list of runs; anything else
	// that parses as JSON is not one.
	var probe struct {
		Run  *struct{ Command string } `json:"run"`
		Runs []json.RawMessage         `json:"runs"`
	}
	notReport := fmt.Errorf("--from %s is not a corsproof JSON report (write one with 'corsproof run --json FILE', 'corsproof check ... --json FILE' or corstest's Options.JSONReport)", path)
	if err := json.Unmarshal(data, &probe); err != nil {
		return doc, fmt.Errorf("%w: %v", notReport, err)
	}
	if probe.Run == nil || probe.Run.Command == "" || probe.Runs == nil {
		return doc, notReport
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return doc, fmt.Errorf("%w: %v", notReport, err)
	}
	return doc, nil
}

// reproInput finds the result of scenario id in doc and what a
// reproduction needs besides it (the policy, the origin page). With
// several engines it takes the first engine whose result failed, else the
// first that has one; an engine that shows no wire (WebKit) only when no
// other does.
func reproInput(doc report.Document, path, id string) (repro.Input, string, error) {
	var found []report.JSONResult
	var versions []string
	var engines []corsproof.Engine
	var ids []string
	for _, run := range doc.Runs {
		for _, r := range run.Results {
			ids = append(ids, r.ID)
			if r.ID == id {
				found = append(found, r)
				versions, engines = append(versions, run.Version), append(engines, run.Engine)
			}
		}
	}
	if len(found) == 0 {
		return repro.Input{}, "", fmt.Errorf("no result %q in %s%s", id, path, nearReportIDs(id, ids))
	}
	best := -1
	score := func(r report.JSONResult) int {
		switch {
		case r.Detail == nil || r.Detail.Observation == nil:
			return 0
		case !hasWire(r.Detail.Observation):
			return 1
		case !r.Detail.Failed():
			return 2
		}
		return 3
	}
	for i, r := range found {
		if best < 0 || score(r) > score(found[best]) {
			best = i
		}
	}
	r, engine := found[best], engines[best]
	if r.Detail == nil || r.Detail.Observation == nil {
		why := r.Explanation
		if r.Error != "" {
			why = r.Error
		}
		return repro.Input{}, "", fmt.Errorf("%s in %s was %s, nothing the browser saw to reproduce: %s", id, engine, r.Verdict, why)
	}
	if !hasWire(r.Detail.Observation) {
		return repro.Input{}, "", fmt.Errorf("%s in %s holds no exchange seen on the wire (%s reports none), nothing to replay; a report of a chromium or firefox run has them", id, engine, engine)
	}
	pol := doc.Policies[r.PolicyName]
	if pol == nil {
		return repro.Input{}, "", fmt.Errorf("%s has no policy %q for %s (a report written before corsproof recorded policies; run it again)", path, r.PolicyName, id)
	}
	var site *report.JSONSite
	for i := range doc.Sites {
		if doc.Sites[i].Name == r.Site {
			site = &doc.Sites[i]
		}
	}
	if site == nil || site.PageURL == "" {
		return repro.Input{}, "", fmt.Errorf("%s has no origin page %q for %s (a report written before corsproof recorded its sites; run it again)", path, r.Site, id)
	}
	in := repro.Input{
		Result: *r.Detail, Policy: pol, Site: site.Site(), PageURL: site.PageURL,
		Browser: versions[best], Command: "corsproof repro --from " + filepath.Base(path) + " --id " + id,
	}
	if f, ok := mockapi.FaultByName(doc.Meta.Fault); ok {
		in.Fault, in.FaultSummary = f.Name, f.Summary
	}
	what := fmt.Sprintf("%s (%s, %s %s): %s", id, engine, doc.Meta.Command, doc.Meta.Target, r.Detail.VerdictLabel())
	return in, what, nil
}

// hasWire says whether o holds any exchange seen on the wire.
func hasWire(o *corsproof.Observation) bool {
	return o.Preflight != nil || len(o.Actual) > 0
}

// nearReportIDs suggests the report's IDs for a mistyped one: those that
// contain it or that it contains (at most three), else the nearest by
// edit distance.
func nearReportIDs(id string, ids []string) string {
	seen := map[string]bool{}
	var near, all []string
	for _, s := range ids {
		if seen[s] {
			continue
		}
		seen[s] = true
		all = append(all, s)
		if len(id) >= 4 && (strings.Contains(s, id) || strings.Contains(id, s)) {
			near = append(near, s)
		}
	}
	sort.Strings(near)
	if len(near) >= 1 && len(near) <= 3 {
		return " (did you mean " + strings.Join(near, ", ") + "?)"
	}
	if len(all) == 0 {
		return " (the report has no results)"
	}
	return didYouMean(id, all)
}

// runReproIn runs the reproduction in dir on loopback and opens its page
// in each engine, printing each one's outcome (repro --run --browsers):
// the replay's certificate is signed by a per-run harness CA, so each
// engine is launched for it exactly as a run launches it for its own
// origins (Chromium by host rules and pins, Firefox and WebKit behind the
// run's proxy).
func runReproIn(e env, dir string, engines []corsproof.Engine) int {
	var f browser.Fetch
	raw, err := os.ReadFile(filepath.Join(dir, repro.FileFetch))
	if err == nil {
		err = json.Unmarshal(raw, &f)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "corsproof repro: --run: the reproduction's %s: %v\n", repro.FileFetch, err)
		return exitInfra
	}
	f.PageURL += "#norun" // page.html would otherwise run the same fetch by itself on load
	ca, err := harness.NewCA()
	if err != nil {
		return infraFailure(e, "repro", err)
	}
	tmp, err := os.MkdirTemp("", "corsproof-repro-ca-")
	if err != nil {
		return infraFailure(e, "repro", err)
	}
	defer os.RemoveAll(tmp)
	caPEM, err := ca.PEM()
	if err == nil {
		err = os.WriteFile(filepath.Join(tmp, "ca.pem"), caPEM, 0o600)
	}
	if err != nil {
		return infraFailure(e, "repro", err)
	}
	p, err := repro.Start(e.ctx, dir, "127.0.0.1:0", "127.0.0.1:0", "-ca", filepath.Join(tmp, "ca.pem"))
	if err != nil {
		if e.ctx.Err() != nil {
			fmt.Fprintln(e.stderr, "corsproof repro: interrupted")
			return exitInfra
		}
		fmt.Fprintf(e.stderr, "corsproof repro: --run: %v\n", err)
		return exitInfra
	}
	defer interrupts.add(func() { p.Close() })()
	defer p.Close()
	topo := harness.MappedTopology(ca, p.HostRules)
	code := exitOK
	for _, name := range engines {
		line, started, err := openRepro(e.ctx, e, name, topo, f)
		if err != nil {
			if e.ctx.Err() != nil {
				fmt.Fprintln(e.stderr, "corsproof repro: interrupted")
				return exitInfra
			}
			msg := fmt.Sprintf("%s: the fetch failed: %v", name, err)
			if !started {
				msg = startError(name, err)
			}
			fmt.Fprintf(e.stderr, "corsproof repro: %s\n", msg)
			fmt.Fprintf(e.stdout, "%-8s error: %v\n", name, err)
			code = exitInfra
			continue
		}
		fmt.Fprintf(e.stdout, "%-8s %s\n", name, line)
	}
	return code
}

// openRepro launches engine for the replay's topology, runs the
// reproduction's fetch in its page and says what the engine did; started
// says whether the engine started.
func openRepro(ctx context.Context, e env, name corsproof.Engine, topo *harness.Topology, f browser.Fetch) (_ string, started bool, _ error) {
	cfg := harness.EngineConfig{Engine: name, Topology: topo}
	if name == corsproof.Chromium {
		cfg.ExecPath = e.getenv(browser.EnvChrome)
	}
	eng, err := harness.Launch(ctx, cfg)
	if err != nil {
		return "", false, err
	}
	defer interrupts.add(func() { eng.Close() })()
	defer eng.Close()
	o, err := eng.Fetch(ctx, f)
	if err != nil {
		return "", true, err
	}
	return outcomeLine(o), true, nil
}

// outcomeLine is an engine's outcome of the fetch in one line: allowed
// with what script saw, or blocked with the reason as the engine gave it
// (Chromium's CorsError and failed parameter; else the rejection).
func outcomeLine(o browser.Observation) string {
	if o.Allowed {
		return fmt.Sprintf("allowed: status %d, type %s", o.Status, o.Type)
	}
	var parts []string
	if o.CorsError != "" {
		r := o.CorsError
		if o.FailedParameter != "" {
			r += " " + o.FailedParameter
		}
		parts = append(parts, r)
	}
	if o.NetError != "" && o.CorsError == "" {
		parts = append(parts, o.NetError)
	}
	if o.Error != "" {
		parts = append(parts, "("+o.Error+")")
	}
	if len(parts) == 0 {
		return "blocked"
	}
	return "blocked: " + strings.Join(parts, " ")
}

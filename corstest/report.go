package corstest

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/report"
)

// policyName is the name corstest's scenarios give their policy.
const policyName = "policy"

// reportRun is one engine's results for Options.JSONReport.
type reportRun struct {
	run   corsproof.Run
	sites []corsproof.Site
}

// runOf is lab's results as one engine's run.
func runOf(l *Lab, results []corsproof.Result) reportRun {
	return reportRun{run: corsproof.Run{Engine: l.session.Engine.Name(), Version: l.session.Engine.Version(), Results: results}, sites: l.sites}
}

// writeReport writes the JSON report of runs (the schema of
// 'corsproof run --json', command "corstest") to path, with the policy and
// the origin pages, so 'corsproof repro --from path --id ID' can reproduce
// any of its results.
func writeReport(path, target string, p *policy.Policy, runs []reportRun) error {
	var rs []corsproof.Run
	var sites []report.JSONSite
	seen := map[string]bool{}
	for _, r := range runs {
		rs = append(rs, r.run)
		for _, s := range r.sites {
			if !seen[s.Name] {
				seen[s.Name] = true
				sites = append(sites, report.NewJSONSite(s, harness.PageURLOf(s)))
			}
		}
	}
	m := report.Meta{Command: "corstest", Target: target, Started: time.Now().UTC(),
		Policies: map[string]*policy.Policy{policyName: p}, Sites: sites}
	var b bytes.Buffer
	if err := report.JSON(&b, rs, m); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("corstest: the JSON report: %w", err)
	}
	return nil
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/internal/schematest"
	"github.com/corsproof/corsproof/report"
)

func TestABadShardIsAUsageError(t *testing.T) {
	policy := writePolicy(t)
	for _, cmd := range [][]string{{"run"}, {"check", "--policy", policy, "--target", "http://127.0.0.1:9"}} {
		for _, tt := range []struct{ shard, want string }{
			{shard: "0/4", want: `--shard "0/4": shards count from 1 to 4: want 1/4 to 4/4`},
			{shard: "5/4", want: `--shard "5/4": shards count from 1 to 4: want 1/4 to 4/4`},
			{shard: "x", want: `--shard "x": want I/N, the I-th of N shards, e.g. 2/4`},
			{shard: "1/0", want: `--shard "1/0": want at least one shard`},
		} {
			code, _, stderr := cli(t, append(slices.Clone(cmd), "--shard", tt.shard)...)
			if code != exitUsage || !strings.Contains(stderr, "corsproof "+cmd[0]+": "+tt.want) {
				t.Errorf("%s --shard %s: exit %d, stderr %q; want exit 2 and %q", cmd[0], tt.shard, code, stderr, tt.want)
			}
		}
	}
}

// planIDs are the scenario ids check --plan lists.
func planIDs(t *testing.T, args ...string) []string {
	t.Helper()
	code, stdout, stderr := cli(t, args...)
	if code != exitOK {
		t.Fatalf("%q: exit %d, stderr %s", args, code, stderr)
	}
	_, table, ok := strings.Cut(stdout, "\nID ")
	if !ok {
		t.Fatalf("no plan table:\n%s", stdout)
	}
	var ids []string
	for _, l := range strings.Split(table, "\n")[1:] {
		if f := strings.Fields(l); len(f) > 0 {
			ids = append(ids, f[0])
		}
	}
	return ids
}

func TestCheckShardsCoverThePlanOnceEach(t *testing.T) {
	base := []string{"check", "--policy", writePolicy(t), "--target", "http://127.0.0.1:9", "--plan"}
	whole := planIDs(t, base...)
	seen := map[string]int{}
	for k := 1; k <= 4; k++ {
		ids := planIDs(t, append(slices.Clone(base), "--shard", fmt.Sprintf("%d/4", k))...)
		if len(ids) == 0 {
			t.Errorf("shard %d/4 of %d scenarios is empty", k, len(whole))
		}
		for _, id := range ids {
			seen[id]++
		}
	}
	for _, id := range whole {
		if seen[id] != 1 {
			t.Errorf("%s is in %d of the four shards, want 1", id, seen[id])
		}
	}
	if len(seen) != len(whole) {
		t.Errorf("the shards list %d scenarios, the whole plan %d", len(seen), len(whole))
	}
}

// writeReportFile writes runs as the JSON report of a run into dir.
func writeReportFile(t *testing.T, dir, name string, runs []corsproof.Run, m report.Meta) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.JSON(&b, runs, m); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMergeRefusesWhatDoesNotCombine(t *testing.T) {
	dir := t.TempDir()
	result := func(id string) corsproof.Result {
		return corsproof.Result{Scenario: corsproof.Scenario{ID: id, Policy: "default", Site: "app"},
			Origin: "https://app.example.test", Verdict: corsproof.VerdictPass, Explanation: "as the policy says"}
	}
	run := func(ids ...string) []corsproof.Run {
		r := corsproof.Run{Engine: corsproof.Chromium, Version: "Chrome/1"}
		for _, id := range ids {
			r.Results = append(r.Results, result(id))
		}
		return []corsproof.Run{r}
	}
	m := report.Meta{Command: "run", Target: "embedded mock", Shard: "1/2"}
	one := writeReportFile(t, dir, "one.json", run("a", "b"), m)
	m.Shard = "2/2"
	two := writeReportFile(t, dir, "two.json", run("c"), m)
	again := writeReportFile(t, dir, "again.json", run("b"), m)
	m.Command = "check"
	check := writeReportFile(t, dir, "check.json", run("d"), m)
	notReport := filepath.Join(dir, "audit.json")
	if err := os.WriteFile(notReport, []byte(`{"target": "x", "findings": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		desc string
		args []string
		want string
	}{
		{desc: "no report", args: nil, want: "which reports?"},
		{desc: "a missing file", args: []string{one, filepath.Join(dir, "absent.json")}, want: "cannot read a report: open " + filepath.Join(dir, "absent.json")},
		{desc: "not a report", args: []string{one, notReport}, want: notReport + `: not a corsproof JSON report (report/schema.json): /: lacks required property "run"`},
		{desc: "a scenario twice", args: []string{one, two, again}, want: "chromium: " + again + " holds scenario b, which " + one + " holds too"},
		{desc: "another command", args: []string{one, check}, want: one + ` is a report of command "run", ` + check + ` of command "check": not one run`},
		{desc: "an unknown flag after the files", args: []string{one, two, "--jsn", "x"}, want: "unknown flag --jsn (did you mean --json?)"},
	} {
		code, _, stderr := cli(t, append([]string{"merge"}, tt.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant exit 2 and %q", tt.desc, code, stderr, tt.want)
		}
	}
	// The two halves combine, flags after the files, and say so.
	out := filepath.Join(dir, "merged.json")
	code, _, stderr := cli(t, "merge", two, one, "--json", out)
	if code != exitOK || !strings.Contains(stderr, "corsproof merge: 2 reports of run embedded mock: 3 scenarios in chromium") {
		t.Fatalf("merge: exit %d, stderr %s", code, stderr)
	}
	d, err := report.ReadJSONFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range d.Runs[0].Results {
		ids = append(ids, r.ID)
	}
	if !slices.Equal(ids, []string{"a", "b", "c"}) || d.Meta.Shard != "" {
		t.Errorf("merged: ids %q (want the shards in their order), shard %q", ids, d.Meta.Shard)
	}
	// One shard of two: noted.
	if _, _, stderr := cli(t, "merge", one); !strings.Contains(stderr, "note: chromium: shard 2/2 missing: the merged report holds 1 of 2 shards") {
		t.Errorf("a missing shard is not noted:\n%s", stderr)
	}
}

// runJSON runs corsproof with args and --json into dir, and returns the
// report's path and the run's exit code.
func runJSON(t *testing.T, dir, name string, args ...string) (string, int) {
	t.Helper()
	path := filepath.Join(dir, name)
	code, stdout, stderr := cli(t, append(slices.Clone(args), "--json", path)...)
	if code == exitInfra && strings.Contains(stderr, "not found") && os.Getenv("CI") != "true" {
		t.Skipf("no browser: %s", stderr)
	}
	if code == exitInfra || code == exitUsage {
		t.Fatalf("%q: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, stdout, stderr)
	}
	return path, code
}

// comparable is what a merged report must share with the whole run's:
// per result its id, verdict, severity and cause; the findings (their
// causes, verdicts, counts and scenarios, in any order); the summaries;
// the rows; and the policies and sites the report carries.
func comparable(t *testing.T, d report.Document) map[string]string {
	t.Helper()
	out := map[string]string{}
	js := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, run := range d.Runs {
		out["summary "+string(run.Engine)] = js(run.Summary)
		for _, r := range run.Results {
			out["result "+string(run.Engine)+" "+r.ID] += fmt.Sprintf("%s %s %s;", r.Verdict, r.Severity, js(r.Cause))
		}
	}
	var findings []string
	for _, f := range d.Findings {
		findings = append(findings, fmt.Sprintf("%s %s %s %d %s %v", f.Cause.Key(), f.Label(), f.Verdict, f.Count,
			strings.Join(slices.Sorted(slices.Values(f.IDs)), ","), f.Engines))
	}
	slices.Sort(findings)
	out["findings"] = strings.Join(findings, "\n")
	for _, r := range d.Rows {
		out["row "+r.ID] += js(r.Engines) + r.Explanation + ";"
	}
	out["policies"] = js(d.Policies)
	var sites []string
	for _, s := range d.Sites {
		sites = append(sites, js(s))
	}
	slices.Sort(sites)
	out["sites"] = strings.Join(sites, "\n")
	return out
}

// The test: --shard 1/4 ... 4/4 of a run in Chromium against a
// faulty mock, merged, is the whole run's report: the same ids, verdicts,
// severities, causes, findings and summary (durations and start times
// aside), and merge exits as the whole run did. Once with a fault whose
// answers depend on the requests before (stateful-matcher: each origin's
// scenarios must stay in one shard, in order, for the verdicts to be the
// same), once with the whole catalog and a fault of several findings.
func TestMergeOfFourShardsIsTheWholeRunsReport(t *testing.T) {
	if testing.Short() {
		t.Skip("launches Chromium ten times")
	}
	for _, tt := range []struct {
		desc string
		args []string
	}{
		{desc: "a stateful fault, one policy", args: []string{"run", "--browsers", "chromium", "--fault", "stateful-matcher", "--label", "policy:public"}},
		{desc: "the catalog", args: []string{"run", "--browsers", "chromium", "--fault", "reflect-origin-credentials"}},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			dir := t.TempDir()
			whole, wholeCode := runJSON(t, dir, "whole.json", tt.args...)
			var shards []string
			seen := map[string]int{}
			for k := 1; k <= 4; k++ {
				path, _ := runJSON(t, dir, fmt.Sprintf("shard-%d.json", k), append(slices.Clone(tt.args), "--shard", fmt.Sprintf("%d/4", k))...)
				d, err := report.ReadJSONFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if d.Meta.Shard != fmt.Sprintf("%d/4", k) {
					t.Errorf("shard %d's report says shard %q", k, d.Meta.Shard)
				}
				for _, r := range d.Runs[0].Results {
					seen[r.ID]++
				}
				shards = append(shards, path)
			}
			merged := filepath.Join(dir, "merged.json")
			code, stdout, stderr := cli(t, append([]string{"merge", "--junit", filepath.Join(dir, "merged.xml")}, append(shards, "--json", merged)...)...)
			if code != wholeCode {
				t.Errorf("merge exits %d, the whole run %d\nstdout:\n%s\nstderr:\n%s", code, wholeCode, stdout, stderr)
			}
			if !strings.Contains(stdout, "fault caught by") {
				t.Errorf("merge does not say whether the fault was caught:\n%s", stdout)
			}
			w, err := report.ReadJSONFile(whole)
			if err != nil {
				t.Fatal(err)
			}
			m, err := report.ReadJSONFile(merged)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range w.Runs[0].Results {
				if seen[r.ID] != 1 {
					t.Errorf("%s is in %d of the four shards, want 1", r.ID, seen[r.ID])
				}
			}
			if len(seen) != len(w.Runs[0].Results) {
				t.Errorf("the shards ran %d scenarios, the whole run %d", len(seen), len(w.Runs[0].Results))
			}
			if len(w.Findings) < 2 {
				t.Errorf("the whole run has %d findings: too few to compare", len(w.Findings))
			}
			got, want := comparable(t, m), comparable(t, w)
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s:\nmerged %s\nwhole  %s", k, got[k], v)
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("the merged report has %s, the whole run's has not", k)
				}
			}
			var raw any
			data, _ := os.ReadFile(merged)
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatal(err)
			}
			if errs, err := schematest.Validate(report.Schema, raw); err != nil || len(errs) > 0 {
				t.Errorf("the merged report against the schema: %v %v", err, errs)
			}
			if m.Meta.Shard != "" || m.Meta.Fault != w.Meta.Fault || m.Meta.Command != "run" {
				t.Errorf("merged meta %+v", m.Meta)
			}
			// The JUnit report of the merge is the whole run's.
			xml, err := os.ReadFile(filepath.Join(dir, "merged.xml"))
			if err != nil {
				t.Fatal(err)
			}
			jd, err := parseJUnit(xml)
			if err != nil {
				t.Fatal(err)
			}
			cases, failures := jd.counts()
			wholeRuns, err := report.RunsOf(w)
			if err != nil {
				t.Fatal(err)
			}
			var wx bytes.Buffer
			if err := report.JUnit(&wx, wholeRuns, w.Meta); err != nil {
				t.Fatal(err)
			}
			wd, err := parseJUnit(wx.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			wantCases, wantFailures := wd.counts()
			if cases != wantCases || failures != wantFailures || cases != len(w.Runs[0].Results) {
				t.Errorf("the merged JUnit report has %d cases, %d failing; the whole run's %d, %d failing (%d results)", cases, failures, wantCases, wantFailures, len(w.Runs[0].Results))
			}
		})
	}
}

package main

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/corstest"
	"github.com/corsproof/corsproof/internal/schematest"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/report"
	"github.com/corsproof/corsproof/repro"
	"github.com/corsproof/corsproof/scenarios"
)

// reproResult is the result id of engine in the JSON report at path.
func reproResult(t *testing.T, path string, engine corsproof.Engine, id string) report.JSONResult {
	t.Helper()
	doc := readJSONReport[report.Document](t, path)
	for _, run := range doc.Runs {
		if run.Engine != engine {
			continue
		}
		for _, r := range run.Results {
			if r.ID == id {
				return r
			}
		}
	}
	t.Fatalf("no result %s in %s of %s", id, engine, path)
	return report.JSONResult{}
}

// replayInChromium runs the reproduction in dir with its own server.go
// (its own CA, as a colleague would run it) and runs its fetch in a fresh
// Chromium given exactly the host rules and pin the server printed.
func replayInChromium(t *testing.T, dir string) browser.Observation {
	t.Helper()
	testenv.Found(t, "chromium", browser.FindChromium)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p, err := repro.Start(ctx, dir, "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("replay server's log:\n%s", p.Log())
		}
		p.Close()
	}()
	var f browser.Fetch
	raw, err := os.ReadFile(filepath.Join(dir, repro.FileFetch))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	f.PageURL += "#norun"
	eng, err := browser.LaunchChromium(ctx, browser.Options{HostRules: p.HostRules, SPKIPins: []string{p.Pin}})
	testenv.Started(t, "chromium", err)
	defer eng.Close()
	o, err := eng.Fetch(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Log(), "(recorded ") {
		t.Errorf("the replay server answered nothing from the recording:\n%s", p.Log())
	}
	return o
}

// sameOutcome fails t unless the replay's outcome is the report's
// browser outcome: allowed or blocked, and the block reason with its
// parameter.
func sameOutcome(t *testing.T, got browser.Observation, want corsproof.Outcome) {
	t.Helper()
	if got.Allowed != want.Allowed || got.CorsError != want.Reason || !strings.EqualFold(got.FailedParameter, want.Param) {
		t.Errorf("the replay in Chromium: allowed=%v %q %q (%s); the report: %s", got.Allowed, got.CorsError, got.FailedParameter, got.Error, want)
	}
}

// The done-when: a check failure against a live loopback server,
// turned into a bundle with repro --from, reproduces the same outcome in
// real Chromium with the server stopped.
func TestReproFromACheckFailureReproducesTheSameOutcomeWithTheServerStopped(t *testing.T) {
	if testing.Short() {
		t.Skip("launches Chromium and builds a Go program")
	}
	testenv.Found(t, "chromium", browser.FindChromium)
	pol := checkWriteFile(t, "policy.yaml", checkPolicy)
	for _, tt := range []struct {
		desc  string
		api   checkAPI
		https bool
		id    string
	}{
		{desc: "no preflight handler: blocked", api: checkAPI{noPreflight: true}, id: "get-api-items-app-h-x-request-id"},
		{desc: "any origin reflected with credentials: allowed", api: checkAPI{reflectAny: true}, id: "get-api-items-evil-cred"},
		{desc: "https at an IP, no preflight handler: blocked", api: checkAPI{noPreflight: true}, https: true, id: "get-api-items-app-h-x-request-id"},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			args := []string{"check", "--policy", pol}
			var srv *httptest.Server
			if tt.https {
				srv = httptest.NewTLSServer(tt.api)
				ca := checkWriteFile(t, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
				args = append(args, "--ca", ca)
			} else {
				srv = httptest.NewServer(tt.api)
			}
			rep := filepath.Join(t.TempDir(), "report.json")
			code, stdout, stderr := checkCLI(t, nil, append(args, "--target", srv.URL, "--json", rep)...)
			srv.Close() // the colleague has no server
			if code != exitMismatch {
				t.Fatalf("check exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			res := reproResult(t, rep, corsproof.Chromium, tt.id)
			if res.Verdict != corsproof.VerdictServerMismatch {
				t.Fatalf("%s: %s, want a server mismatch: %s", tt.id, res.Verdict, res.Explanation)
			}
			dir := filepath.Join(t.TempDir(), "bundle")
			code, stdout, stderr = cli(t, "repro", "--from", rep, "--id", tt.id, "--out", dir)
			if code != exitOK {
				t.Fatalf("repro --from exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.id+" (chromium, check "+srv.URL) || !strings.Contains(stdout, "server-mismatch") {
				t.Errorf("repro --from does not say what it reproduced:\n%s", stdout)
			}
			readme, err := os.ReadFile(filepath.Join(dir, repro.FileReadme))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(readme), "`corsproof repro --from report.json --id "+tt.id+"`") {
				t.Errorf("README does not give the repro --from command line:\n%s", readme)
			}
			// The exchanges are the live server's, at its address.
			txt, err := os.ReadFile(filepath.Join(dir, repro.FileExchangesTxt))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(txt), "### ") || !strings.Contains(string(txt), srv.URL+"/api/items") {
				t.Errorf("exchanges.txt does not hold the live server's exchanges at %s:\n%s", srv.URL, txt)
			}
			sameOutcome(t, replayInChromium(t, dir), res.Browser)
		})
	}
}

// repro --run --browsers opens the bundle of a live check failure in each
// engine and prints each one's outcome, one line per engine.
func TestReproFromRunOpensTheBundleInEachEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("launches three browsers and builds a Go program")
	}
	testenv.Found(t, "chromium", browser.FindChromium)
	testenv.Found(t, "firefox", browser.FindFirefox)
	testenv.Found(t, "webkit", browser.FindWebKit)
	pol := checkWriteFile(t, "policy.yaml", checkPolicy)
	srv := httptest.NewServer(checkAPI{noPreflight: true})
	rep := filepath.Join(t.TempDir(), "report.json")
	code, stdout, stderr := checkCLI(t, nil, "check", "--policy", pol, "--target", srv.URL, "--json", rep)
	srv.Close()
	if code != exitMismatch {
		t.Fatalf("check exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	const id = "get-api-items-app-h-x-request-id"
	res := reproResult(t, rep, corsproof.Chromium, id)

	var out, errb syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	code = Main(ctx, []string{"repro", "--from", rep, "--id", id, "--out", filepath.Join(t.TempDir(), "b"),
		"--run", "--browsers", "chromium,firefox,webkit"}, func(string) string { return "" }, &out, &errb)
	if code != exitOK {
		t.Fatalf("repro --run --browsers exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	lines := map[string]string{}
	for _, l := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(l); len(f) > 1 && corsproof.Engine(f[0]).Known() {
			lines[f[0]] = strings.TrimSpace(strings.TrimPrefix(l, f[0]))
		}
	}
	want := "blocked: " + res.Browser.Reason
	if !strings.HasPrefix(lines["chromium"], want) {
		t.Errorf("chromium: %q, want %q (the report's outcome)\n%s", lines["chromium"], want, out.String())
	}
	for _, e := range []string{"firefox", "webkit"} {
		// Firefox names the reason in its console (the browser package
		// reads it); WebKit gives only the rejection.
		if !regexp.MustCompile(`^blocked: ([A-Za-z]+ )?\(TypeError: .+\)$`).MatchString(lines[e]) {
			t.Errorf("%s: %q, want blocked with the engine's TypeError\n%s", e, lines[e], out.String())
		}
	}
}

// A run of the catalog against a faulty mock: one of its failing results,
// reproduced from the JSON report, does the same in Chromium.
func TestReproFromARunReportOfAFault(t *testing.T) {
	if testing.Short() {
		t.Skip("launches Chromium and builds a Go program")
	}
	testenv.Found(t, "chromium", browser.FindChromium)
	rep := filepath.Join(t.TempDir(), "run.json")
	code, stdout, stderr := cli(t, "run", "--fault", "acah-missing-header", "--label", "policy:default,feature:preflight,origin:allowed", "--json", rep)
	if code != exitMismatch {
		t.Fatalf("run exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	doc := readJSONReport[report.Document](t, rep)
	var failing *report.JSONResult
	for i, r := range doc.Runs[0].Results {
		if r.Verdict == corsproof.VerdictServerMismatch && !r.Browser.Allowed && r.Browser.Reason != "" {
			failing = &doc.Runs[0].Results[i]
			break
		}
	}
	if failing == nil {
		t.Fatalf("no blocked server mismatch in the run's report:\n%s", stdout)
	}
	if doc.Policies[failing.PolicyName] == nil || len(doc.Sites) == 0 {
		t.Fatalf("the report lacks the policy %q or the sites: %v %v", failing.PolicyName, doc.Policies, doc.Sites)
	}
	dir := filepath.Join(t.TempDir(), "bundle")
	code, stdout, stderr = cli(t, "repro", "--from", rep, "--id", failing.ID, "--out", dir)
	if code != exitOK {
		t.Fatalf("repro --from exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	readme, err := os.ReadFile(filepath.Join(dir, repro.FileReadme))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Verdict: server-mismatch (broken)", "acah-missing-header", "corsproof repro --from run.json --id " + failing.ID} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README lacks %q:\n%s", want, readme)
		}
	}
	sameOutcome(t, replayInChromium(t, dir), failing.Browser)
}

// writeSyntheticReport writes a JSON report of one chromium run: a
// failing result with its observation, one not run and one that errored
// before the browser saw anything.
func writeSyntheticReport(t *testing.T) string {
	t.Helper()
	s, err := scenarios.ByID("custom-header-allowed")
	if err != nil {
		t.Fatal(err)
	}
	other, err := scenarios.ByID("get-allowed")
	if err != nil {
		t.Fatal(err)
	}
	third, err := scenarios.ByID("custom-header-not-allowed")
	if err != nil {
		t.Fatal(err)
	}
	ran := corsproof.Result{Scenario: s, Origin: corsproof.MockAppOrigin, Verdict: corsproof.VerdictServerMismatch,
		Severity: corsproof.SeverityBroken, URL: corsproof.MockAPIOrigin + "/p/default/api/items?cp=x",
		Observation: &corsproof.Observation{Error: "TypeError: Failed to fetch", CorsError: "PreflightInvalidStatus",
			Preflight: &browser.Exchange{URL: corsproof.MockAPIOrigin + "/p/default/api/items?cp=x", Method: "OPTIONS", Status: 405}}}
	errored := corsproof.Result{Scenario: third, Origin: corsproof.MockAppOrigin, Verdict: corsproof.VerdictError, Err: "browser died"}
	runs := []corsproof.Run{{Engine: corsproof.Chromium, Version: "Chromium/1", Results: []corsproof.Result{
		ran, corsproof.NotRun(other, corsproof.MockAppOrigin, "interrupt signal received"), errored}}}
	path := filepath.Join(t.TempDir(), "report.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := report.Meta{Command: "run", Target: "embedded mock", Policies: scenarios.Policies(), Sites: reportSites(corsproof.MockSites())}
	if err := report.JSON(f, runs, m); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReproFromBadInputExitsTwoAndSaysWhy(t *testing.T) {
	rep := writeSyntheticReport(t)
	notJSON := checkWriteFile(t, "notes.txt", "hello")
	otherJSON := checkWriteFile(t, "package.json", `{"name":"x","runs":1}`)
	old := checkWriteFile(t, "old.json", func() string {
		var doc map[string]any
		data, _ := os.ReadFile(rep)
		json.Unmarshal(data, &doc)
		delete(doc, "policies")
		b, _ := json.Marshal(doc)
		return string(b)
	}())
	for _, tt := range []struct {
		desc string
		args []string
		want []string
	}{
		{desc: "missing file", args: []string{"--from", filepath.Join(t.TempDir(), "nope.json"), "--id", "x"}, want: []string{"cannot read the report", "nope.json"}},
		{desc: "not JSON", args: []string{"--from", notJSON, "--id", "x"}, want: []string{"is not a corsproof JSON report", "corsproof check ... --json FILE"}},
		{desc: "JSON but no report", args: []string{"--from", otherJSON, "--id", "x"}, want: []string{"package.json is not a corsproof JSON report"}},
		{desc: "no id", args: []string{"--from", rep}, want: []string{"needs --id ID"}},
		{desc: "unknown id", args: []string{"--from", rep, "--id", "custom-header-alowed"}, want: []string{`no result "custom-header-alowed"`, `did you mean "custom-header-allowed"?`}},
		{desc: "part of an id", args: []string{"--from", rep, "--id", "custom-header"}, want: []string{"did you mean custom-header-allowed, custom-header-not-allowed?"}},
		{desc: "not run", args: []string{"--from", rep, "--id", "get-allowed"}, want: []string{"get-allowed in chromium was not-run", "nothing the browser saw"}},
		{desc: "error", args: []string{"--from", rep, "--id", "custom-header-not-allowed"}, want: []string{"was error", "browser died"}},
		{desc: "a report without policies", args: []string{"--from", old, "--id", "custom-header-allowed"}, want: []string{`has no policy "default"`}},
		{desc: "with --fault", args: []string{"--from", rep, "--id", "custom-header-allowed", "--fault", "reflect-origin"}, want: []string{"--fault is for catalog scenarios"}},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			code, stdout, stderr := cli(t, append([]string{"repro", "--out", dir}, tt.args...)...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitUsage, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("a bundle was written for bad input")
			}
		})
	}
}

// Without a browser: the synthetic report's failing result becomes a
// bundle holding its exchange, from the page the report names.
func TestReproFromWritesTheBundleOfAReportsResult(t *testing.T) {
	rep := writeSyntheticReport(t)
	dir := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := cli(t, "repro", "--from", rep, "--id", "custom-header-allowed", "--out", dir)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	var ex struct {
		PageURL   string           `json:"page_url"`
		Origin    string           `json:"origin"`
		Exchanges []repro.Recorded `json:"exchanges"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, repro.FileExchanges))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &ex); err != nil {
		t.Fatal(err)
	}
	if ex.PageURL != corsproof.MockAppOrigin+"/" || ex.Origin != corsproof.MockAppOrigin || len(ex.Exchanges) != 1 || ex.Exchanges[0].Status != 405 {
		t.Errorf("exchanges.json: %+v", ex)
	}
}

// corstest's Options.JSONReport writes a report repro --from reads: a
// failing result of corstest.Run against a handler that reflects any
// origin with credentials is reproduced in Chromium without the handler.
func TestReproFromACorstestReport(t *testing.T) {
	if testing.Short() {
		t.Skip("launches Chromium and builds a Go program")
	}
	testenv.Found(t, "chromium", browser.FindChromium)
	p, err := policy.Parse("policy.yaml", []byte(checkPolicy))
	if err != nil {
		t.Fatal(err)
	}
	rep := filepath.Join(t.TempDir(), "corstest.json")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	results, err := corstest.Run(ctx, checkAPI{reflectAny: true}, p, corstest.Options{JSONReport: rep})
	testenv.Started(t, "chromium", err)
	var failing *corsproof.Result
	for i, r := range results {
		if r.Verdict == corsproof.VerdictServerMismatch {
			failing = &results[i]
			break
		}
	}
	if failing == nil {
		t.Fatalf("corstest found no mismatch in a handler that reflects any origin: %d results", len(results))
	}
	doc := readJSONReport[map[string]any](t, rep)
	if errs, err := schematest.Validate(report.Schema, doc); err != nil || len(errs) > 0 {
		t.Fatalf("corstest's report is not valid under the schema: %v %v", errs, err)
	}
	if doc["run"].(map[string]any)["command"] != "corstest" {
		t.Errorf("run.command = %v, want corstest", doc["run"])
	}
	dir := filepath.Join(t.TempDir(), "bundle")
	code, stdout, stderr := cli(t, "repro", "--from", rep, "--id", failing.Scenario.ID, "--out", dir)
	if code != exitOK {
		t.Fatalf("repro --from exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, failing.Scenario.ID+" (chromium, corstest ") {
		t.Errorf("repro --from does not say what it reproduced:\n%s", stdout)
	}
	sameOutcome(t, replayInChromium(t, dir), failing.Browser)
}

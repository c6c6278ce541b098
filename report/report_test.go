package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

// sample is a hand-made result of every verdict, for the renderers' unit
// tests (the browser test renders real ones).
func sample() []corsproof.Result {
	req := corsproof.Request{Path: "/api/items", Method: "PUT", Headers: spec.Headers{{Name: "X-Request-Id", Value: "1"}}, Credentials: spec.CredentialsInclude}
	origins := map[string]string{"app": "https://app.example.test", "evil": "https://evil.test", "null": "null"}
	mk := func(id, site string, v corsproof.Verdict, sev corsproof.Severity, known bool, expl string) corsproof.Result {
		return corsproof.Result{
			Scenario: corsproof.Scenario{ID: id, Title: id, Labels: []string{"method:put"}, Policy: "default", Site: site, Request: req},
			Origin:   origins[site],
			Verdict:  v, Severity: sev, Known: known, Explanation: expl,
			Policy:   corsproof.Outcome{Allowed: true, Preflight: true},
			Browser:  corsproof.Outcome{Allowed: v == corsproof.VerdictPass, Reason: "PreflightMissingAllowOriginHeader", Preflight: true},
			Duration: 12 * time.Millisecond,
		}
	}
	broken := mk("put-broken", "app", corsproof.VerdictServerMismatch, corsproof.SeverityBroken, false, "blocked although allowed")
	broken.Diagnoses = []string{"the browser did not send cookie session: ThirdPartyPhaseout"}
	away := mk("redirected-away", "app", corsproof.VerdictNotTested, "", false, "not tested: redirected to https://elsewhere.test")
	away.Cause = sampleAwayCause()
	away.Observation = &corsproof.Observation{NetError: "net::ERR_NAME_NOT_RESOLVED", Actual: []corsproof.Exchange{
		{URL: "https://api.example.test/api/items?cp=t", Method: "PUT", Status: 307,
			RequestHeaders:  []corsproof.Header{{Name: "Origin", Value: "https://app.example.test"}},
			ResponseHeaders: []corsproof.Header{{Name: "Location", Value: "https://elsewhere.test/api/items?cp=t"}}},
		{URL: "https://elsewhere.test/api/items?cp=t", Method: "PUT"},
	}}
	return []corsproof.Result{
		mk("put-allowed", "app", corsproof.VerdictPass, "", false, "allowed as the policy says"),
		mk("put-evil-long-scenario-name", "evil", corsproof.VerdictServerMismatch, corsproof.SeveritySecurity, false, "evil could read it"),
		broken,
		mk("dev-known", "app", corsproof.VerdictBrowserDeviation, "", true, "Chromium caps max-age"),
		mk("dev-unknown", "null", corsproof.VerdictBrowserDeviation, "", false, "surprise"),
		away,
		mk("infra", "app", corsproof.VerdictError, "", false, "browser died"),
	}
}

// sampleAwayCause is the cause of sample's scenario that the target
// redirected out of the run.
func sampleAwayCause() *corsproof.Cause {
	return &corsproof.Cause{Kind: corsproof.CauseRedirectedAway, Exchange: "actual", Header: "Location",
		Value: "https://elsewhere.test/api/items?cp=t", Sent: true, Subject: "https://elsewhere.test"}
}

// one is sample as the run of one engine: a list of one.
func one() []corsproof.Run {
	return []corsproof.Run{{Engine: corsproof.Chromium, Version: "Chromium/1", Results: sample()}}
}

var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

// textInColour renders runs plain and in colour, checks that the colour
// codes are all that differs, and returns the plain table.
func textInColour(t *testing.T, runs []corsproof.Run) string {
	t.Helper()
	var plain, coloured bytes.Buffer
	Text(&plain, runs, TextOptions{})
	Text(&coloured, runs, TextOptions{Color: true})
	if !ansiRE.MatchString(coloured.String()) {
		t.Fatal("Color: true wrote no ANSI codes")
	}
	if got := ansiRE.ReplaceAllString(coloured.String(), ""); got != plain.String() {
		t.Fatalf("without its colour codes the coloured table differs from the plain one:\n%s\nwant:\n%s", got, plain.String())
	}
	return plain.String()
}

func TestColouredTextTableStaysAligned(t *testing.T) {
	plain := textInColour(t, one())
	all := strings.Split(plain, "\n")
	h := slicesIndex(all, func(l string) bool { return strings.HasPrefix(l, "SCENARIO ") })
	if h < 0 {
		t.Fatalf("no table header:\n%s", plain)
	}
	lines := all[h:]
	if !regexp.MustCompile(`^SCENARIO\s+POLICY\s+CHROMIUM\s+VERDICT$`).MatchString(lines[0]) {
		t.Fatalf("header = %q", lines[0])
	}
	// The verdict column starts at the same place on every row; the
	// explanation and the notes are indented lines under the row.
	verdictCol := strings.Index(lines[0], "VERDICT") // the header is ASCII
	for _, r := range sample() {
		found := false
		for i, l := range lines {
			if !strings.HasPrefix(l, r.Scenario.ID+" ") {
				continue
			}
			found = true
			// The engine's cell of an errored row says "error" too: look
			// for the verdict from the verdict column's start.
			rl := []rune(l) // a truncated cell ends in a multi-byte …
			if len(rl) < verdictCol || !strings.HasPrefix(string(rl[verdictCol:]), r.VerdictLabel()) || rl[verdictCol-1] != ' ' {
				t.Errorf("verdict of %s does not start at %d:\n%s", r.Scenario.ID, verdictCol, plain)
			}
			if i+1 >= len(lines) || lines[i+1] != "    "+r.Explanation {
				t.Errorf("the explanation of %s is not the indented line under its row:\n%s", r.Scenario.ID, plain)
			}
		}
		if !found && r.Failed() {
			t.Errorf("no row for %s:\n%s", r.Scenario.ID, plain)
		}
	}
	note := "    note: the browser did not send cookie session: ThirdPartyPhaseout"
	i := slicesIndex(lines, func(l string) bool { return strings.HasPrefix(l, "put-broken ") })
	if i < 0 || i+2 >= len(lines) || lines[i+2] != note {
		t.Errorf("the diagnosis of put-broken is not a note line under the explanation:\n%s", plain)
	}
	if !strings.Contains(plain, "put-evil-long-scenario-name  allowed") {
		t.Errorf("table lacks the evil row's outcome:\n%s", plain)
	}
	// The summary wraps at the width like any line.
	if w := "chromium (Chromium/1): 7 scenarios: 1 pass, 2 server mismatch, 2 browser deviation, 1 not tested, 1 error"; !strings.Contains(strings.Join(strings.Fields(plain), " "), w) {
		t.Errorf("table lacks %q:\n%s", w, plain)
	}
	// One engine: no ≠ mark and no count of differing scenarios.
	if strings.Contains(plain, "≠") || strings.Contains(plain, "differ between engines") {
		t.Errorf("the table of one engine speaks of engines that differ:\n%s", plain)
	}
}

func slicesIndex(lines []string, f func(string) bool) int {
	for i, l := range lines {
		if f(l) {
			return i
		}
	}
	return -1
}

func TestOnlyFailuresHidesPasses(t *testing.T) {
	var b bytes.Buffer
	Text(&b, one(), TextOptions{OnlyFailures: true})
	// Known deviations are summarised per engine, not rows.
	if strings.Contains(b.String(), "put-allowed") || !strings.Contains(b.String(), "put-broken") || strings.Contains(b.String(), "dev-known ") ||
		!strings.Contains(b.String(), "1 scenario only through known deviations") {
		t.Errorf("OnlyFailures: %s", b.String())
	}
}

func TestTextOfAnEngineThatDidNotRun(t *testing.T) {
	var b bytes.Buffer
	Text(&b, []corsproof.Run{{Engine: corsproof.WebKit, Err: "webkit cannot start:\n no WebKitWebDriver"}}, TextOptions{})
	if got, want := b.String(), "webkit: did not run: webkit cannot start: no WebKitWebDriver\n"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}

func TestJUnitParsesAndCountsFailuresAndErrors(t *testing.T) {
	var b bytes.Buffer
	if err := JUnit(&b, one(), Meta{Command: "run", Target: "mock"}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Errors   int    `xml:"errors,attr"`
			Skipped  int    `xml:"skipped,attr"`
			Cases    []struct {
				Name      string    `xml:"name,attr"`
				Classname string    `xml:"classname,attr"`
				Failure   *struct{} `xml:"failure"`
				Error     *struct{} `xml:"error"`
				Skipped   *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit XML does not parse: %v\n%s", err, b.String())
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("%d suites", len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Name != "corsproof run (mock, Chromium/1)" {
		t.Errorf("suite name = %q", s.Name)
	}
	// security, broken and the unknown deviation fail; the known deviation
	// passes; the scenario redirected out of the run is skipped, with why.
	if s.Tests != 7 || s.Failures != 3 || s.Errors != 1 || s.Skipped != 1 {
		t.Errorf("tests/failures/errors/skipped = %d/%d/%d/%d, want 7/3/1/1", s.Tests, s.Failures, s.Errors, s.Skipped)
	}
	failed := 0
	for _, c := range s.Cases {
		if c.Failure != nil {
			failed++
		}
		if (c.Skipped != nil) != (c.Name == "redirected-away") {
			t.Errorf("case %s: skipped %v", c.Name, c.Skipped != nil)
		}
		if c.Skipped != nil && c.Skipped.Message != "not tested: redirected to https://elsewhere.test" {
			t.Errorf("case %s: skip message %q, want the explanation", c.Name, c.Skipped.Message)
		}
		if c.Classname != "corsproof.chromium.PUT /api/items" {
			t.Errorf("case %s: classname %q, want corsproof.chromium.PUT /api/items", c.Name, c.Classname)
		}
	}
	if failed != s.Failures || len(s.Cases) != s.Tests {
		t.Errorf("attributes disagree with the test cases: %d failure elements, %d cases", failed, len(s.Cases))
	}
}

// decode renders the JSON report of runs and decodes it as a generic value.
func decode(t *testing.T, runs []corsproof.Run) map[string]any {
	t.Helper()
	var b bytes.Buffer
	if err := JSON(&b, runs, Meta{Command: "run", Target: "embedded mock", Started: time.Now()}); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func mustValid(t *testing.T, doc any) {
	t.Helper()
	errs, err := validate(Schema, doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Error(e)
	}
}

// at walks a decoded JSON value: a string is an object key, an int an
// array index.
func at(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch p := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not an object at %q", path, p)
			}
			v = m[p]
		case int:
			a, ok := v.([]any)
			if !ok || p >= len(a) {
				t.Fatalf("%v: no element %d", path, p)
			}
			v = a[p]
		}
	}
	return v
}

func TestJSONReportOfOneEngineMatchesItsSchema(t *testing.T) {
	doc := decode(t, one())
	mustValid(t, doc)
	if runs := doc["runs"].([]any); len(runs) != 1 {
		t.Fatalf("%d runs, want 1", len(runs))
	}
	run := at(t, doc, "runs", 0).(map[string]any)
	if run["engine"] != "chromium" || run["version"] != "Chromium/1" {
		t.Errorf("run = %v %v", run["engine"], run["version"])
	}
	if s := run["summary"].(map[string]any); s["total"] != 7.0 || s["server_mismatch"] != 2.0 || s["not_tested"] != 1.0 || s["error"] != 1.0 {
		t.Errorf("summary = %v", s)
	}
	r0 := at(t, run, "results", 0).(map[string]any)
	if r0["origin"] != "https://app.example.test" || r0["verdict"] != "pass" || r0["policy_name"] != "default" {
		t.Errorf("first result: %v", r0)
	}
	// The three sides are named policy, wire, browser.
	if at(t, r0, "policy", "allowed") != true || at(t, r0, "browser", "allowed") != true || at(t, r0, "wire", "allowed") != false {
		t.Errorf("sides of the first result: policy %v, wire %v, browser %v", r0["policy"], r0["wire"], r0["browser"])
	}
	if at(t, run, "results", 1, "origin") != "https://evil.test" {
		t.Errorf("origin of an evil-site result = %v", at(t, run, "results", 1, "origin"))
	}
	// Rows are there for one engine too: whether it departs from the standard.
	rows := doc["rows"].([]any)
	if len(rows) != 7 {
		t.Fatalf("%d rows, want 7", len(rows))
	}
	if at(t, run, "results", 5, "verdict") != "not-tested" || at(t, rows, 5, "engines", "chromium", "verdict") != "not-tested" ||
		at(t, rows, 5, "engines", "chromium", "browser") != "not tested" || at(t, rows, 5, "differs") != true {
		t.Errorf("the scenario redirected away: result %v, row %v", at(t, run, "results", 5), rows[5])
	}
	if at(t, rows, 0, "differs") != false || at(t, rows, 1, "differs") != true ||
		at(t, rows, 1, "engines", "chromium", "verdict") != "server-mismatch" || at(t, rows, 1, "engines", "chromium", "severity") != "security" {
		t.Errorf("rows = %v", rows[:2])
	}
}

// Wrong documents are rejected, and so are the shapes of before (one
// engine's report, a cross report): there is one shape now.
func TestSchemaRejectsWrongDocuments(t *testing.T) {
	tests := []struct {
		desc   string
		mutate func(doc map[string]any) any
		want   string // in a violation
	}{
		{desc: "unknown verdict", want: "/runs/0/results/0/verdict", mutate: func(d map[string]any) any {
			at(t, d, "runs", 0, "results", 0).(map[string]any)["verdict"] = "passed"
			return d
		}},
		{desc: "unknown severity", want: "/runs/0/results/1/severity", mutate: func(d map[string]any) any {
			at(t, d, "runs", 0, "results", 1).(map[string]any)["severity"] = "high"
			return d
		}},
		{desc: "missing explanation", want: `lacks required property "explanation"`, mutate: func(d map[string]any) any {
			delete(at(t, d, "runs", 0, "results", 0).(map[string]any), "explanation")
			return d
		}},
		{desc: "missing summary count", want: `lacks required property "browser_deviation"`, mutate: func(d map[string]any) any {
			delete(at(t, d, "runs", 0, "summary").(map[string]any), "browser_deviation")
			return d
		}},
		{desc: "missing engine version", want: `lacks required property "version"`, mutate: func(d map[string]any) any {
			delete(at(t, d, "runs", 0).(map[string]any), "version")
			return d
		}},
		{desc: "count as a string", want: "/runs/0/summary/total: is string", mutate: func(d map[string]any) any {
			at(t, d, "runs", 0, "summary").(map[string]any)["total"] = "6"
			return d
		}},
		{desc: "unknown field", want: `property "verdicts"`, mutate: func(d map[string]any) any {
			at(t, d, "runs", 0, "results", 0).(map[string]any)["verdicts"] = "pass"
			return d
		}},
		{desc: "labels not strings", want: "/runs/0/results/0/labels/0", mutate: func(d map[string]any) any {
			at(t, d, "runs", 0, "results", 0).(map[string]any)["labels"] = []any{1.0}
			return d
		}},
		{desc: "no rows", want: `lacks required property "rows"`, mutate: func(d map[string]any) any {
			delete(d, "rows")
			return d
		}},
		{desc: "a side under its old name", want: `has property "observed"`, mutate: func(d map[string]any) any {
			r := at(t, d, "runs", 0, "results", 0).(map[string]any)
			r["observed"] = r["browser"]
			delete(r, "browser")
			return d
		}},
		{desc: "the policy's name where the policy's side goes", want: "/runs/0/results/0/policy: is string, want object", mutate: func(d map[string]any) any {
			at(t, d, "runs", 0, "results", 0).(map[string]any)["policy"] = "default"
			return d
		}},
		{desc: "the old single-engine shape", want: `lacks required property "runs"`, mutate: func(d map[string]any) any {
			run := at(t, d, "runs", 0).(map[string]any)
			return map[string]any{"run": d["run"], "summary": run["summary"],
				"browser": map[string]any{"name": "chromium", "version": "Chromium/1"}, "results": run["results"]}
		}},
		{desc: "the old single-engine shape's own keys", want: `has property "browser", which the schema does not allow`, mutate: func(d map[string]any) any {
			run := at(t, d, "runs", 0).(map[string]any)
			return map[string]any{"run": d["run"], "summary": run["summary"],
				"browser": map[string]any{"name": "chromium", "version": "Chromium/1"}, "results": run["results"]}
		}},
		{desc: "the old one inside the new", want: `has property "summary", which the schema does not allow`, mutate: func(d map[string]any) any {
			d["summary"] = at(t, d, "runs", 0, "summary")
			return d
		}},
		{desc: "a run named the old way", want: `lacks required property "engine"`, mutate: func(d map[string]any) any {
			run := at(t, d, "runs", 0).(map[string]any)
			run["browser"] = map[string]any{"name": run["engine"], "version": run["version"]}
			delete(run, "engine")
			return d
		}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			doc := tt.mutate(decode(t, one()))
			errs, err := validate(Schema, doc)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(errs, "\n"), tt.want) {
				t.Errorf("violations %q lack %q", errs, tt.want)
			}
		})
	}
}

// matrixOf is the origin × request table of an HTML page.
func matrixOf(t *testing.T, page string) string {
	t.Helper()
	_, m, ok := strings.Cut(page, `id="matrix"`)
	if !ok {
		t.Fatal("the page has no matrix")
	}
	m, _, _ = strings.Cut(m, "</table>")
	return m
}

func TestHTMLIsOneSelfContainedFile(t *testing.T) {
	var b bytes.Buffer
	if err := HTML(&b, one(), Meta{Command: "run", Target: "mock"}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"<link", "src=", "@import", "url(", "https://fonts"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q: it must not load anything", bad)
		}
	}
	if !strings.Contains(page, `Content-Security-Policy" content="default-src 'none'`) {
		t.Error("page lacks its no-network Content-Security-Policy")
	}
	// put-allowed, put-broken, dev-known, redirected-away and infra share
	// the app row and the one request column: the 7 results fill 3 cells.
	matrix := matrixOf(t, page)
	if got := strings.Count(matrix, `<td class="cell `); got != 3 {
		t.Errorf("matrix cells = %d, want 3 (app, evil, null × one request)", got)
	}
	if !strings.Contains(matrix, `<td class="cell error"`) {
		t.Error("the app cell should show its worst verdict, error")
	}
	// One engine is one column, every scenario one row, and each scenario
	// is there in full.
	for _, w := range []string{"<th>chromium</th><th>explanation</th>", `data-engine="chromium"`,
		"5 of 7 scenarios differ from the standard", "policy says", "browser did",
		`<label for="show-not-tested" class="chip not-tested">1 not tested</label>`, `<details class="scenario not-tested"`} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if got := strings.Count(page, `<details class="scenario `); got != 7 {
		t.Errorf("%d scenario sections, want 7", got)
	}
	if got := strings.Count(page, `<tr class="differs"`) + strings.Count(page, `<tr class="same"`); got != 7 {
		t.Errorf("%d scenario rows, want 7", got)
	}
	// Each cell links to its scenario's section.
	for _, m := range regexp.MustCompile(`<a href="#([^"]+)">`).FindAllStringSubmatch(page, -1) {
		if !strings.Contains(page, `id="`+m[1]+`"`) {
			t.Errorf("link to #%s, which is not on the page", m[1])
		}
	}
}

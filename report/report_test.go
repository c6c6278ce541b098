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
	mk := func(id, site string, v corsproof.Verdict, sev corsproof.Severity, known bool, expl string) corsproof.Result {
		return corsproof.Result{
			Scenario: corsproof.Scenario{ID: id, Title: id, Labels: []string{"method:put"}, Policy: "default", Site: site, Request: req},
			Verdict:  v, Severity: sev, Known: known, Explanation: expl,
			Expected: corsproof.Outcome{Allowed: true, Preflight: true},
			Observed: corsproof.Outcome{Allowed: v == corsproof.VerdictPass, Reason: "PreflightMissingAllowOriginHeader", Preflight: true},
			Duration: 12 * time.Millisecond,
		}
	}
	return []corsproof.Result{
		mk("put-allowed", "app", corsproof.VerdictPass, "", false, "allowed as the policy says"),
		mk("put-evil-long-scenario-name", "evil", corsproof.VerdictServerMismatch, corsproof.SeveritySecurity, false, "evil could read it"),
		mk("put-broken", "app", corsproof.VerdictServerMismatch, corsproof.SeverityBroken, false, "blocked although allowed"),
		mk("dev-known", "app", corsproof.VerdictBrowserDeviation, "", true, "Chromium caps max-age"),
		mk("dev-unknown", "null", corsproof.VerdictBrowserDeviation, "", false, "surprise"),
		mk("infra", "app", corsproof.VerdictError, "", false, "browser died"),
	}
}

var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestColouredTextTableStaysAligned(t *testing.T) {
	var plain, coloured bytes.Buffer
	Text(&plain, sample(), TextOptions{})
	Text(&coloured, sample(), TextOptions{Color: true})
	if !ansiRE.MatchString(coloured.String()) {
		t.Fatal("Color: true wrote no ANSI codes")
	}
	if got := ansiRE.ReplaceAllString(coloured.String(), ""); got != plain.String() {
		t.Fatalf("without its colour codes the coloured table differs from the plain one:\n%s\nwant:\n%s", got, plain.String())
	}
	// The explanation column starts at the same place on every row.
	lines := strings.Split(plain.String(), "\n")
	col := strings.Index(lines[0], "EXPLANATION")
	if col < 0 {
		t.Fatalf("no header:\n%s", plain.String())
	}
	for _, r := range sample() {
		for _, l := range lines {
			if strings.HasPrefix(l, r.Scenario.ID+" ") && strings.Index(l, r.Explanation) != col {
				t.Errorf("explanation of %s starts at %d, want %d:\n%s", r.Scenario.ID, strings.Index(l, r.Explanation), col, plain.String())
			}
		}
	}
	if !strings.Contains(plain.String(), "6 scenarios: 1 pass, 2 server mismatch, 2 browser deviation, 1 error") {
		t.Errorf("summary line missing:\n%s", plain.String())
	}
}

func TestOnlyFailuresHidesPasses(t *testing.T) {
	var b bytes.Buffer
	Text(&b, sample(), TextOptions{OnlyFailures: true})
	if strings.Contains(b.String(), "put-allowed") || !strings.Contains(b.String(), "put-broken") {
		t.Errorf("OnlyFailures: %s", b.String())
	}
}

func TestJUnitParsesAndCountsFailuresAndErrors(t *testing.T) {
	var b bytes.Buffer
	if err := JUnit(&b, sample(), Meta{Command: "run", Target: "mock", BrowserVersion: "Chromium/1"}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Errors   int `xml:"errors,attr"`
			Cases    []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
				Error   *struct{} `xml:"error"`
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
	// security, broken and the unknown deviation fail; the known deviation passes.
	if s.Tests != 6 || s.Failures != 3 || s.Errors != 1 {
		t.Errorf("tests/failures/errors = %d/%d/%d, want 6/3/1", s.Tests, s.Failures, s.Errors)
	}
	failed := 0
	for _, c := range s.Cases {
		if c.Failure != nil {
			failed++
		}
	}
	if failed != s.Failures || len(s.Cases) != s.Tests {
		t.Errorf("attributes disagree with the test cases: %d failure elements, %d cases", failed, len(s.Cases))
	}
}

// decode renders the JSON report and decodes it as a generic value.
func decode(t *testing.T, results []corsproof.Result, origins map[string]string) map[string]any {
	t.Helper()
	var b bytes.Buffer
	if err := JSON(&b, results, Meta{Command: "run", Target: "embedded mock", Browser: "chromium", BrowserVersion: "Chromium/1", Started: time.Now()}, origins); err != nil {
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

func TestJSONReportMatchesItsSchema(t *testing.T) {
	doc := decode(t, sample(), map[string]string{"app": "https://app.example.test"})
	mustValid(t, doc)
	r0 := doc["results"].([]any)[0].(map[string]any)
	if r0["origin"] != "https://app.example.test" || r0["verdict"] != "pass" {
		t.Errorf("first result: %v", r0)
	}
	// Without a site map the origin comes from the mock's sites.
	r1 := doc["results"].([]any)[1].(map[string]any)
	if r1["origin"] != "https://evil.test" {
		t.Errorf("origin of an evil-site result = %v", r1["origin"])
	}
	if s := doc["summary"].(map[string]any); s["total"] != 6.0 || s["server_mismatch"] != 2.0 {
		t.Errorf("summary = %v", s)
	}
}

func TestSchemaRejectsWrongDocuments(t *testing.T) {
	tests := []struct {
		desc   string
		mutate func(doc map[string]any)
		want   string // in a violation
	}{
		{desc: "unknown verdict", want: "/results/0/verdict", mutate: func(d map[string]any) {
			d["results"].([]any)[0].(map[string]any)["verdict"] = "passed"
		}},
		{desc: "unknown severity", want: "/results/1/severity", mutate: func(d map[string]any) {
			d["results"].([]any)[1].(map[string]any)["severity"] = "high"
		}},
		{desc: "missing explanation", want: `lacks required property "explanation"`, mutate: func(d map[string]any) {
			delete(d["results"].([]any)[0].(map[string]any), "explanation")
		}},
		{desc: "missing summary count", want: `lacks required property "browser_deviation"`, mutate: func(d map[string]any) {
			delete(d["summary"].(map[string]any), "browser_deviation")
		}},
		{desc: "missing browser version", want: `lacks required property "version"`, mutate: func(d map[string]any) {
			delete(d["browser"].(map[string]any), "version")
		}},
		{desc: "count as a string", want: "/summary/total: is string", mutate: func(d map[string]any) {
			d["summary"].(map[string]any)["total"] = "6"
		}},
		{desc: "unknown field", want: `property "verdicts"`, mutate: func(d map[string]any) {
			d["results"].([]any)[0].(map[string]any)["verdicts"] = "pass"
		}},
		{desc: "labels not strings", want: "/results/0/labels/0", mutate: func(d map[string]any) {
			d["results"].([]any)[0].(map[string]any)["labels"] = []any{1.0}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			doc := decode(t, sample(), nil)
			tt.mutate(doc)
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

func TestHTMLIsOneSelfContainedFile(t *testing.T) {
	var b bytes.Buffer
	if err := HTML(&b, sample(), Meta{Command: "run", Target: "mock"}, nil); err != nil {
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
	// put-allowed, put-broken, dev-known and infra share the app row and the
	// one request column: the 6 results fill 3 cells.
	if got := strings.Count(page, `<td class="cell `); got != 3 {
		t.Errorf("matrix cells = %d, want 3 (app, evil, null × one request)", got)
	}
	if !strings.Contains(page, `<td class="cell error"`) {
		t.Error("the app cell should show its worst verdict, error")
	}
}

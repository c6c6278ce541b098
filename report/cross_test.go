package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/spec"
)

// crossRuns is three engines over three scenarios: one where they all pass,
// one where Firefox passes only through a known deviation, one where
// WebKit blocks what the others allow; plus WebKit, which sees no wire, on
// a scenario where the readable headers cannot be compared.
func crossRuns() []EngineRun {
	mk := func(id string, v corsproof.Verdict, known bool, allowed bool, devs ...string) corsproof.Result {
		return corsproof.Result{
			Scenario: corsproof.Scenario{ID: id, Title: id, Labels: []string{"policy:default"}, Policy: "default", Site: "app"},
			Verdict:  v, Known: known, Explanation: id + " explained",
			Expected:     corsproof.Outcome{Allowed: true, Exposed: []string{"x-total-count"}},
			Observed:     corsproof.Outcome{Allowed: allowed, Exposed: []string{"x-total-count"}},
			WireDecision: &spec.Decision{Allowed: allowed, Deviations: devs},
			Observation:  &browser.Observation{Allowed: allowed},
			Duration:     time.Millisecond,
		}
	}
	noWire := func(r corsproof.Result) corsproof.Result {
		r.Browser.Exposed = nil
		r.Observation.Unavailable = []string{"cors_error", "preflight", "actual", "blocked_cookies"}
		return r
	}
	broken := mk("c-webkit-blocks", corsproof.VerdictServerMismatch, false, false)
	broken.Severity, broken.Browser.Reason = corsproof.SeverityBroken, ""
	return []EngineRun{
		{Engine: "chromium", Version: "Chromium/1", Results: []corsproof.Result{
			mk("a-all-pass", corsproof.VerdictPass, false, true),
			mk("b-firefox-known", corsproof.VerdictPass, false, true),
			mk("c-webkit-blocks", corsproof.VerdictPass, false, true),
		}},
		{Engine: "firefox", Version: "Firefox/1", Results: []corsproof.Result{
			mk("a-all-pass", corsproof.VerdictPass, false, true),
			mk("b-firefox-known", corsproof.VerdictBrowserDeviation, true, true, spec.DevCacheTokensLiteral),
			mk("c-webkit-blocks", corsproof.VerdictPass, false, true),
		}},
		{Engine: "webkit", Version: "WebKitGTK/1", Results: []corsproof.Result{
			noWire(mk("a-all-pass", corsproof.VerdictPass, false, true)),
			noWire(mk("b-firefox-known", corsproof.VerdictPass, false, true)),
			noWire(broken),
		}},
	}
}

func TestCrossMarksAndExplainsWhereEnginesDiffer(t *testing.T) {
	rows := Cross(crossRuns())
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	want := []struct {
		differs bool
		expl    string
	}{
		// WebKit's empty readable headers are no difference: it cannot see
		// which headers the server sent.
		{false, "chromium, firefox, webkit: as the standard"},
		{true, "chromium, webkit: as the standard; firefox: known deviation cache-tokens-literal"},
		{true, "chromium, firefox: as the standard; webkit: server mismatch (broken): blocked where the policy says allowed"},
	}
	for i, w := range want {
		if rows[i].Differs != w.differs || rows[i].Explanation != w.expl {
			t.Errorf("row %s: differs %t, %q; want %t, %q", rows[i].ID, rows[i].Differs, rows[i].Explanation, w.differs, w.expl)
		}
	}
}

func TestCrossTextIsOneTableWithAColumnPerEngine(t *testing.T) {
	var plain, coloured bytes.Buffer
	CrossText(&plain, crossRuns(), TextOptions{})
	CrossText(&coloured, crossRuns(), TextOptions{Color: true})
	if !ansiRE.MatchString(coloured.String()) {
		t.Fatal("Color: true wrote no ANSI codes")
	}
	if got := ansiRE.ReplaceAllString(coloured.String(), ""); got != plain.String() {
		t.Fatalf("without its colour codes the coloured table differs from the plain one:\n%s\nwant:\n%s", got, plain.String())
	}
	out := plain.String()
	lines := strings.Split(out, "\n")
	if !regexp.MustCompile(`^SCENARIO\s+EXPECTED\s+CHROMIUM\s+FIREFOX\s+WEBKIT$`).MatchString(lines[0]) {
		t.Fatalf("header = %q", lines[0])
	}
	// The last engine's column starts at the same place on every row (its
	// cells are one word here), the ≠ mark notwithstanding.
	col := len([]rune(lines[0][:strings.Index(lines[0], "WEBKIT")]))
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "≠ ") && !strings.HasPrefix(l, "  ") || strings.HasPrefix(l, "    ") {
			continue
		}
		if got := len([]rune(l[:strings.LastIndex(l, " ")+1])); got != col {
			t.Errorf("the webkit cell of %q starts at %d, want %d", l, got, col)
		}
	}
	for _, w := range []string{
		"≠ b-firefox-known", "    chromium, webkit: as the standard; firefox: known deviation cache-tokens-literal",
		"≠ c-webkit-blocks", "  a-all-pass",
		"firefox (Firefox/1): 3 scenarios: 2 pass, 0 server mismatch, 1 browser deviation, 0 error",
		"2 of 3 scenarios differ between engines or from the standard",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("table lacks %q:\n%s", w, out)
		}
	}
	var only bytes.Buffer
	CrossText(&only, crossRuns(), TextOptions{OnlyFailures: true})
	if strings.Contains(only.String(), "a-all-pass") || !strings.Contains(only.String(), "c-webkit-blocks") {
		t.Errorf("OnlyFailures keeps the rows that agree, or drops one that differs:\n%s", only.String())
	}
}

func TestCrossTextNamesAnEngineThatDidNotRun(t *testing.T) {
	runs := crossRuns()[:2]
	runs[1] = EngineRun{Engine: "firefox", Err: "firefox cannot start: no Firefox found"}
	var b bytes.Buffer
	CrossText(&b, runs, TextOptions{})
	for _, w := range []string{"firefox: did not run: firefox cannot start: no Firefox found", "chromium (Chromium/1): 3 scenarios: 3 pass"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, b.String())
		}
	}
}

func decodeCross(t *testing.T, runs []EngineRun) map[string]any {
	t.Helper()
	var b bytes.Buffer
	if err := CrossJSON(&b, runs, Meta{Command: "run", Target: "embedded mock", Started: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestCrossJSONMatchesTheSchema(t *testing.T) {
	runs := crossRuns()
	runs = append(runs, EngineRun{Engine: "other", Err: "other cannot start"})
	doc := decodeCross(t, runs)
	mustValid(t, doc)
	engines := doc["engines"].([]any)
	if len(engines) != 4 || engines[3].(map[string]any)["error"] != "other cannot start" {
		t.Errorf("engines = %v", engines)
	}
	row := doc["comparison"].([]any)[1].(map[string]any)
	cell := row["engines"].(map[string]any)["firefox"].(map[string]any)
	if row["differs"] != true || cell["verdict"] != "browser-deviation" || cell["known_deviation"] != true {
		t.Errorf("comparison row = %v", row)
	}
	if c := row["engines"].(map[string]any)["other"].(map[string]any); c["verdict"] != "not-run" {
		t.Errorf("an engine that did not run: %v", c)
	}
}

func TestSchemaRejectsWrongCrossDocuments(t *testing.T) {
	tests := []struct {
		desc   string
		mutate func(doc map[string]any)
		want   string
	}{
		{desc: "unknown cell verdict", want: "/comparison/0/engines/webkit/verdict", mutate: func(d map[string]any) {
			d["comparison"].([]any)[0].(map[string]any)["engines"].(map[string]any)["webkit"].(map[string]any)["verdict"] = "fine"
		}},
		{desc: "result in an engine without explanation", want: `lacks required property "explanation"`, mutate: func(d map[string]any) {
			delete(d["engines"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any), "explanation")
		}},
		{desc: "engine without browser", want: `lacks required property "browser"`, mutate: func(d map[string]any) {
			delete(d["engines"].([]any)[1].(map[string]any), "browser")
		}},
		{desc: "both shapes at once", want: `has property "summary"`, mutate: func(d map[string]any) {
			d["summary"] = map[string]any{"total": 1.0, "pass": 1.0, "server_mismatch": 0.0, "browser_deviation": 0.0, "error": 0.0}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			doc := decodeCross(t, crossRuns())
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

func TestCrossHTMLHasAColumnPerEngineAndTheDifferencesFirst(t *testing.T) {
	var b bytes.Buffer
	if err := CrossHTML(&b, crossRuns(), Meta{Command: "run", Target: "embedded mock"}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).MatchString(page) {
		t.Error("the page loads something from the network")
	}
	for _, w := range []string{"<th>chromium</th><th>firefox</th><th>webkit</th>", `class="cell deviation-known"`, `class="cell broken"`, "var(--pass)",
		"known deviation cache-tokens-literal", "2 of 3 scenarios differ"} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	b1, b2, a := strings.Index(page, `id="b-firefox-known"`), strings.Index(page, `id="c-webkit-blocks"`), strings.Index(page, `id="a-all-pass"`)
	if b1 < 0 || b2 < 0 || a < 0 || a < b1 || a < b2 {
		t.Errorf("the differing rows do not come first: %d %d %d", b1, b2, a)
	}
}

func TestCrossJUnitHasASuitePerEngine(t *testing.T) {
	runs := crossRuns()
	runs[2] = EngineRun{Engine: "webkit", Err: "webkit cannot start"}
	var b bytes.Buffer
	if err := CrossJUnit(&b, runs, Meta{Command: "run", Target: "embedded mock"}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Count(out, "<testsuite ") != 3 || !strings.Contains(out, `classname="corsproof.firefox.default"`) ||
		!strings.Contains(out, `<error message="webkit cannot start"`) {
		t.Errorf("JUnit:\n%s", out)
	}
}

// An engine that cannot show the wire passes through a deviation its
// profile lists: the explanation names it, never "as the standard".
func TestCrossNamesADeviationTheWireCouldNotShow(t *testing.T) {
	runs := crossRuns()
	r := &runs[2].Results[0]
	r.WireDecision = &spec.Decision{Allowed: true, Incomplete: true}
	r.PolicyDecision = &spec.Decision{Allowed: true, Deviations: []string{spec.DevAuthorizationWildcard}}
	row := Cross(runs)[0]
	want := "chromium, firefox: as the standard; webkit: known deviation authorization-wildcard (by the model of the policy: the wire is not observable)"
	if !row.Differs || row.Explanation != want {
		t.Errorf("differs %t, %q; want true, %q", row.Differs, row.Explanation, want)
	}
}

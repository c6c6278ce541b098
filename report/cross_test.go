package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

// crossRuns is three engines over three scenarios: one where they all pass,
// one where Firefox passes only through a known deviation, one where
// WebKit blocks what the others allow; plus WebKit, which sees no wire, on
// a scenario where the readable headers cannot be compared.
func crossRuns() []corsproof.Run {
	mk := func(id string, v corsproof.Verdict, known bool, allowed bool, devs ...string) corsproof.Result {
		return corsproof.Result{
			Scenario: corsproof.Scenario{ID: id, Title: id, Labels: []string{"policy:default"}, Policy: "default", Site: "app"},
			Verdict:  v, Known: known, Explanation: id + " explained",
			Origin:       "https://app.example.test",
			Policy:       corsproof.Outcome{Allowed: true, Exposed: []string{"x-total-count"}},
			Browser:      corsproof.Outcome{Allowed: allowed, Exposed: []string{"x-total-count"}},
			WireDecision: &spec.Decision{Allowed: allowed, Deviations: devs},
			Observation:  &corsproof.Observation{Allowed: allowed},
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
	return []corsproof.Run{
		{Engine: corsproof.Chromium, Version: "Chromium/1", Results: []corsproof.Result{
			mk("a-all-pass", corsproof.VerdictPass, false, true),
			mk("b-firefox-known", corsproof.VerdictPass, false, true),
			mk("c-webkit-blocks", corsproof.VerdictPass, false, true),
		}},
		{Engine: corsproof.Firefox, Version: "Firefox/1", Results: []corsproof.Result{
			mk("a-all-pass", corsproof.VerdictPass, false, true),
			mk("b-firefox-known", corsproof.VerdictBrowserDeviation, true, true, spec.DevCacheTokensLiteral),
			mk("c-webkit-blocks", corsproof.VerdictPass, false, true),
		}},
		{Engine: corsproof.WebKit, Version: "WebKitGTK/1", Results: []corsproof.Result{
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
		// A known deviation is no difference: the summary per engine
		// counts it.
		{false, "chromium, webkit: as the standard; firefox: known deviation cache-tokens-literal"},
		{true, "chromium, firefox: as the standard; webkit: server mismatch (broken): blocked where the policy says allowed"},
	}
	for i, w := range want {
		if rows[i].Differs != w.differs || rows[i].Explanation != w.expl {
			t.Errorf("row %s: differs %t, %q; want %t, %q", rows[i].ID, rows[i].Differs, rows[i].Explanation, w.differs, w.expl)
		}
	}
}

func TestTextOfSeveralEnginesIsOneTableWithAColumnPerEngine(t *testing.T) {
	out := textInColour(t, crossRuns())
	lines := strings.Split(out, "\n")
	if h := slicesIndex(lines, func(l string) bool { return strings.HasPrefix(l, "SCENARIO ") }); h > 0 {
		lines = lines[h:]
	}
	lines = lines[:slicesIndex(lines, func(l string) bool { return l == "" })] // the table alone
	table := strings.Join(lines, "\n")
	if !regexp.MustCompile(`^SCENARIO\s+POLICY\s+CHROMIUM\s+FIREFOX\s+WEBKIT$`).MatchString(lines[0]) {
		t.Fatalf("header = %q", lines[0])
	}
	// The last engine's column starts at the same place on every row (its
	// cells are one word here), the ≠ mark notwithstanding.
	col := len([]rune(lines[0][:strings.Index(lines[0], "WEBKIT")]))
	rows := 0
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "≠ ") && !strings.HasPrefix(l, "  ") || strings.HasPrefix(l, "    ") {
			continue
		}
		rows++
		if got := len([]rune(l[:strings.LastIndex(l, " ")+1])); got != col {
			t.Errorf("the webkit cell of %q starts at %d, want %d", l, got, col)
		}
	}
	if rows != 3 {
		t.Errorf("%d scenario rows, want 3:\n%s", rows, out)
	}
	for _, w := range []string{
		"  b-firefox-known", "≠ c-webkit-blocks", "  a-all-pass",
		"firefox (Firefox/1): 3 scenarios: 2 pass, 0 server mismatch, 1 browser deviation, 0 error",
		"\n  1 scenario only through known deviations: cache-tokens-literal (1)\nwebkit",
		"1 of 3 scenarios differ between engines or from the standard",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("table lacks %q:\n%s", w, out)
		}
	}
	// Several engines: no verdict column, the explanation is the row's.
	if strings.Contains(table, "VERDICT") || strings.Contains(table, "c-webkit-blocks explained") {
		t.Errorf("the table of several engines has the one-engine columns:\n%s", out)
	}
	var only bytes.Buffer
	Text(&only, crossRuns(), TextOptions{OnlyFailures: true})
	if strings.Contains(only.String(), "a-all-pass") || !strings.Contains(only.String(), "c-webkit-blocks") || strings.Contains(only.String(), "b-firefox-known") {
		t.Errorf("OnlyFailures keeps the rows that agree or a known deviation's, or drops one that differs:\n%s", only.String())
	}
}

func TestTextNamesAnEngineThatDidNotRun(t *testing.T) {
	runs := crossRuns()[:2]
	runs[1] = corsproof.Run{Engine: corsproof.Firefox, Err: "firefox cannot start: no Firefox found"}
	var b bytes.Buffer
	Text(&b, runs, TextOptions{})
	for _, w := range []string{"firefox: did not run: firefox cannot start: no Firefox found", "chromium (Chromium/1): 3 scenarios: 3 pass",
		"  a-all-pass       allowed  allowed   -"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, b.String())
		}
	}
}

func TestJSONOfSeveralEnginesMatchesTheSchema(t *testing.T) {
	runs := crossRuns()
	runs = append(runs, corsproof.Run{Engine: "other", Err: "other cannot start"})
	doc := decode(t, runs)
	mustValid(t, doc)
	list := doc["runs"].([]any)
	if len(list) != 4 || at(t, list, 3, "error") != "other cannot start" || len(at(t, list, 3, "results").([]any)) != 0 ||
		at(t, list, 3, "summary", "total") != 0.0 {
		t.Errorf("runs = %v", list)
	}
	if at(t, list, 1, "engine") != "firefox" || at(t, list, 1, "version") != "Firefox/1" || len(at(t, list, 1, "results").([]any)) != 3 {
		t.Errorf("firefox's run = %v", list[1])
	}
	row := at(t, doc, "rows", 1).(map[string]any)
	cell := at(t, row, "engines", "firefox").(map[string]any)
	if row["differs"] != false || cell["verdict"] != "browser-deviation" || cell["known_deviation"] != true || cell["browser"] != "allowed" {
		t.Errorf("row = %v", row)
	}
	if c := at(t, row, "engines", "other").(map[string]any); c["verdict"] != "not-run" || c["browser"] != "-" {
		t.Errorf("an engine that did not run: %v", c)
	}
	if e := at(t, doc, "rows", 2, "explanation"); !strings.Contains(e.(string), "webkit: server mismatch (broken)") {
		t.Errorf("explanation of the row where webkit blocks = %q", e)
	}
}

func TestSchemaRejectsWrongDocumentsOfSeveralEngines(t *testing.T) {
	tests := []struct {
		desc   string
		mutate func(doc map[string]any) any
		want   string
	}{
		{desc: "unknown cell verdict", want: "/rows/0/engines/webkit/verdict", mutate: func(d map[string]any) any {
			at(t, d, "rows", 0, "engines", "webkit").(map[string]any)["verdict"] = "fine"
			return d
		}},
		{desc: "a cell's side under its old name", want: `has property "observed"`, mutate: func(d map[string]any) any {
			c := at(t, d, "rows", 0, "engines", "webkit").(map[string]any)
			c["observed"] = c["browser"]
			delete(c, "browser")
			return d
		}},
		{desc: "result in an engine without explanation", want: `lacks required property "explanation"`, mutate: func(d map[string]any) any {
			delete(at(t, d, "runs", 0, "results", 0).(map[string]any), "explanation")
			return d
		}},
		{desc: "run without engine", want: `/runs/1: lacks required property "engine"`, mutate: func(d map[string]any) any {
			delete(at(t, d, "runs", 1).(map[string]any), "engine")
			return d
		}},
		{desc: "the old cross shape", want: `lacks required property "runs"`, mutate: func(d map[string]any) any {
			var engines []any
			for _, r := range d["runs"].([]any) {
				r := r.(map[string]any)
				engines = append(engines, map[string]any{"browser": map[string]any{"name": r["engine"], "version": r["version"]},
					"summary": r["summary"], "results": r["results"]})
			}
			return map[string]any{"run": d["run"], "engines": engines, "comparison": d["rows"]}
		}},
		{desc: "the old cross shape's own keys", want: `has property "comparison", which the schema does not allow`, mutate: func(d map[string]any) any {
			return map[string]any{"run": d["run"], "runs": d["runs"], "rows": d["rows"], "comparison": d["rows"]}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			doc := tt.mutate(decode(t, crossRuns()))
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

func TestHTMLHasAColumnPerEngineAndTheDifferencesFirst(t *testing.T) {
	runs := crossRuns()
	runs = append(runs, corsproof.Run{Engine: "other", Err: "other cannot start"})
	var b bytes.Buffer
	if err := HTML(&b, runs, Meta{Command: "run", Target: "embedded mock"}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).MatchString(page) {
		t.Error("the page loads something from the network")
	}
	for _, w := range []string{"<th>chromium</th><th>firefox</th><th>webkit</th><th>other</th>", `class="cell deviation-known"`, `class="cell broken"`, "var(--pass)",
		"1 of 3 scenarios differ between engines or from the standard",
		`data-engine="other"`, "did not run", `data-verdict="not-run"`} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	b1, b2, a := strings.Index(page, `id="b-firefox-known"`), strings.Index(page, `id="c-webkit-blocks"`), strings.Index(page, `id="a-all-pass"`)
	if b1 < 0 || b2 < 0 || a < 0 || a < b2 || b1 < b2 {
		t.Errorf("the differing row does not come first: %d %d %d", b1, b2, a)
	}
	// Every engine's scenarios are there in full; the matrix has the one
	// (origin, request) cell, the worst of all engines.
	if got := strings.Count(page, `<details class="scenario `); got != 9 {
		t.Errorf("%d scenario sections, want 9", got)
	}
	if m := matrixOf(t, page); strings.Count(m, `<td class="cell `) != 1 || !strings.Contains(m, `<td class="cell broken"`) {
		t.Errorf("matrix:\n%s", m)
	}
}

func TestJUnitHasASuitePerEngine(t *testing.T) {
	runs := crossRuns()
	runs[2] = corsproof.Run{Engine: corsproof.WebKit, Err: "webkit cannot start"}
	var b bytes.Buffer
	if err := JUnit(&b, runs, Meta{Command: "run", Target: "embedded mock"}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Count(out, "<testsuite ") != 3 || !strings.Contains(out, `classname="corsproof.firefox.GET"`) ||
		!strings.Contains(out, `<error message="webkit cannot start"`) || !strings.Contains(out, `name="start webkit"`) {
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
	// It is named, but it is no difference to flag (a known deviation).
	if row.Differs || row.Explanation != want {
		t.Errorf("differs %t, %q; want false, %q", row.Differs, row.Explanation, want)
	}
}

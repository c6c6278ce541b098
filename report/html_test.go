package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/internal/testenv"
)

func renderHTML(t *testing.T, runs []corsproof.Run) string {
	t.Helper()
	var b bytes.Buffer
	if err := HTML(&b, runs, Meta{Command: "run", Target: "mock"}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// between is the part of page from the element with id to the end tag.
func between(t *testing.T, page, id, end string) string {
	t.Helper()
	_, s, ok := strings.Cut(page, `id="`+id+`"`)
	if !ok {
		t.Fatalf("the page has no #%s", id)
	}
	s, _, _ = strings.Cut(s, end)
	return s
}

// The page leads with the findings, in the order of corsproof.Findings,
// each with its line, label, count, engines, origins, advice and a link to
// its example's section.
func TestHTMLLeadsWithTheFindings(t *testing.T) {
	runs := causedRuns()
	page := renderHTML(t, runs)
	if f, c := strings.Index(page, `<section id="findings">`), strings.Index(page, `id="cross"`); f < 0 || c < 0 || f > c {
		t.Fatalf("the findings (at %d) do not come before the table (at %d)", f, c)
	}
	section := between(t, page, "findings", "</section>")
	items := strings.Split(section, `<li class="finding `)[1:]
	want := corsproof.Findings(runs)
	if len(items) != len(want) {
		t.Fatalf("%d findings on the page, want %d:\n%s", len(items), len(want), section)
	}
	for i, f := range want {
		item := html.UnescapeString(items[i])
		if line := regexp.MustCompile(`<span class="line">([^<]*)</span>`).FindStringSubmatch(items[i]); line == nil || html.UnescapeString(line[1]) != f.Line {
			t.Errorf("finding %d: line %q, want %q", i, line, f.Line)
		}
		for _, w := range []string{f.Line, f.Label(), fmt.Sprintf("%d scenarios in chromium, firefox", f.Count), f.Origins[0]} {
			if !strings.Contains(item, w) {
				t.Errorf("finding %d lacks %q:\n%s", i, w, item)
			}
		}
		if f.Advice != "" && !strings.Contains(item, "fix: "+f.Advice) {
			t.Errorf("finding %d lacks its advice %q:\n%s", i, f.Advice, item)
		}
		// The link leads to the section of the example, in its engine.
		m := regexp.MustCompile(`<a href="#([^"]+)">([^<]+)</a> in (\w+)`).FindStringSubmatch(items[i])
		if m == nil || m[2] != f.ExampleID || m[3] != string(f.ExampleEngine) {
			t.Errorf("finding %d: example link %q, want %s in %s", i, m, f.ExampleID, f.ExampleEngine)
			continue
		}
		target := between(t, page, m[1], "</summary>")
		if !strings.Contains(target, "<strong>"+f.ExampleID+"</strong>") || !strings.HasPrefix(m[1], fmt.Sprintf("r%d-", engineIndex(runs, f.ExampleEngine))) {
			t.Errorf("finding %d links to #%s, which is not %s in %s: %s", i, m[1], f.ExampleID, f.ExampleEngine, target)
		}
	}
	// Security first, notes last, in their colours; the echo's line names
	// the origin that got through.
	if !strings.HasPrefix(items[0], `security">`) || !strings.HasPrefix(items[len(items)-1], `note">`) {
		t.Errorf("first finding %.40q, last %.40q", items[0], items[len(items)-1])
	}
	if !strings.Contains(items[0], "https://evil.test</span>") {
		t.Errorf("the echo finding's line:\n%s", items[0])
	}

	// A run where everything passed says so.
	clean := crossRuns()[:1]
	if s := between(t, renderHTML(t, clean), "findings", "</section>"); !strings.Contains(s, "No findings") || strings.Contains(s, "<li") {
		t.Errorf("findings of a clean run:\n%s", s)
	}
}

func engineIndex(runs []corsproof.Run, e corsproof.Engine) int {
	for i, r := range runs {
		if r.Engine == e {
			return i
		}
	}
	return -1
}

// What passed everywhere is hidden by default: the first filter, checked,
// is "hide passed", its rule hides the rows marked passed and the passed
// scenarios, and exactly the rows every engine passed are marked.
func TestHTMLHidesWhatPassedByDefault(t *testing.T) {
	runs := crossRuns()
	page := renderHTML(t, runs)
	radios := regexp.MustCompile(`<input type="radio" name="show" class="filter" id="show-([\w-]+)"( checked)?>`).FindAllStringSubmatch(page, -1)
	if len(radios) != len(htmlFilters) {
		t.Fatalf("%d filter inputs, want %d", len(radios), len(htmlFilters))
	}
	for i, r := range radios {
		if checked := r[2] != ""; checked != (r[1] == "failing") || r[1] != htmlFilters[i].ID {
			t.Errorf("filter %s: checked %t", r[1], checked)
		}
	}
	for _, rule := range []string{
		`#show-failing:checked ~ #page #cross tbody tr[data-passed], #show-failing:checked ~ #page details.scenario.pass { display: none; }`,
		`#show-security:checked ~ #page #cross tbody tr:not([data-verdicts~="security"]), #show-security:checked ~ #page details.scenario:not(.security) { display: none; }`,
		`#show-mismatch:checked ~ #page #cross tbody tr:not([data-verdicts~="security"]):not([data-verdicts~="broken"])`,
	} {
		if !strings.Contains(page, rule) {
			t.Errorf("the page lacks the rule %s", rule)
		}
	}
	// The inputs precede #page, so that ~ reaches it.
	if strings.Index(page, `id="show-failing"`) > strings.Index(page, `<div id="page">`) {
		t.Error("the filter inputs do not precede #page")
	}
	rows := Cross(runs)
	for _, row := range rows {
		passed := !row.Differs
		for _, c := range row.Cells {
			if c == nil || c.Verdict != corsproof.VerdictPass {
				passed = false
			}
		}
		tr := regexp.MustCompile(`<tr class="\w+" id="` + row.ID + `"[^>]*>`).FindString(page)
		if got := strings.Contains(tr, " data-passed"); got != passed {
			t.Errorf("row %s: marked passed %t, want %t: %s", row.ID, got, passed, tr)
		}
	}
	if !strings.Contains(page, `data-verdicts="pass deviation-known"`) || !strings.Contains(page, `data-verdicts="pass broken"`) {
		t.Error("rows lack the verdicts of their engines")
	}
	// The summary's chips are the filters' labels.
	for _, w := range []string{`<label for="show-pass" class="chip pass">2 pass</label>`, `<label for="show-mismatch" class="chip broken">1 server mismatch</label>`,
		`<label for="show-all" class="chip plain">show all</label>`, "1 scenario that passed everywhere is hidden"} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %s", w)
		}
	}
}

// The page's one script runs by its hash; no other inline script may.
func TestHTMLScriptIsAllowedByItsHash(t *testing.T) {
	page := renderHTML(t, one())
	csp := html.UnescapeString(regexp.MustCompile(`http-equiv="Content-Security-Policy" content="([^"]+)"`).FindStringSubmatch(page)[1])
	scripts := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(page, -1)
	if len(scripts) != 1 {
		t.Fatalf("%d scripts, want 1", len(scripts))
	}
	sum := sha256.Sum256([]byte(scripts[0][1]))
	want := "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	if csp != want {
		t.Errorf("CSP %q, want %q", csp, want)
	}
}

// With several engines a matrix cell has a part per engine, in the order
// of the runs, each its engine's verdict.
func TestHTMLMatrixHasAPartPerEngine(t *testing.T) {
	runs := crossRuns()
	runs = append(runs, corsproof.Run{Engine: "other", Err: "other cannot start"})
	m := matrixOf(t, renderHTML(t, runs))
	parts := regexp.MustCompile(`<a class="([\w-]+)" data-engine="(\w+)"|<i title="(\w+): not run">`).FindAllStringSubmatch(m, -1)
	var got []string
	for _, p := range parts {
		if p[3] != "" {
			got = append(got, p[3]+":-")
		} else {
			got = append(got, p[2]+":"+p[1])
		}
	}
	if want := "chromium:pass firefox:deviation-known webkit:broken other:-"; strings.Join(got, " ") != want {
		t.Errorf("parts %q, want %q", strings.Join(got, " "), want)
	}
	// One engine: no parts, the cell is the verdict.
	if strings.Contains(matrixOf(t, renderHTML(t, one())), "data-parts") {
		t.Error("a matrix of one engine has parts")
	}
}

// wideRuns is three engines over many requests with long names and
// explanations: what must fit 1,400 px.
func wideRuns() []corsproof.Run {
	var runs []corsproof.Run
	for ei, e := range corsproof.Engines {
		var results []corsproof.Result
		for i := range 60 {
			v, sev := corsproof.VerdictPass, corsproof.SeverityNone
			if (i+ei)%3 == 0 {
				v, sev = corsproof.VerdictServerMismatch, corsproof.SeveritySecurity
			}
			id := fmt.Sprintf("preflighted-put-with-a-very-long-scenario-identifier-number-%02d-from-the-catalog", i)
			url := fmt.Sprintf("https://api.example.test/api/items/%d?corsproof-token=%s", i, strings.Repeat("0123456789abcdef", 8))
			results = append(results, corsproof.Result{
				Scenario: corsproof.Scenario{ID: id, Title: id, Policy: "reflect-origin-credentials-with-a-long-policy-name", Site: "evil",
					Request: corsproof.Request{Path: fmt.Sprintf("/api/items/%d", i), Method: "PUT"}},
				Origin: "https://evil-subdomain.attacker.example.test", Verdict: v, Severity: sev,
				Explanation: strings.Repeat("the server's preflight response sent Access-Control-Allow-Origin: https://evil-subdomain.attacker.example.test ", 4),
				Browser:     corsproof.Outcome{Allowed: false, Reason: "PreflightMissingAllowOriginHeaderAndSomeMoreWordsWithoutSpaces"},
				Cause:       &corsproof.Cause{Kind: corsproof.CauseOriginAccepted, Exchange: "actual", Subject: "echo"},
				Observation: &corsproof.Observation{Preflight: &corsproof.Exchange{Method: "OPTIONS", URL: url, Status: 204,
					ResponseHeaders: []corsproof.Header{{Name: "Access-Control-Allow-Headers", Value: strings.Repeat("x-custom-header-name,", 20)}}}},
			})
		}
		runs = append(runs, corsproof.Run{Engine: e, Version: string(e) + "/1", Results: results})
	}
	return runs
}

// In Chromium at 1,400 px: the page of three engines fits (no horizontal
// scrolling, the explanations wrap), what passed is hidden until "show all", and a verdict's chip
// shows only the rows with that verdict.
func TestHTMLFitsAndFiltersInChromium(t *testing.T) {
	exe := testenv.Found(t, "chromium", browser.FindChromium)
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, []byte(renderHTML(t, wideRuns())), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := chromedp.NewContext(fileChromium(t, exe))
	defer cancel()
	ctx, tcancel := context.WithTimeout(ctx, time.Minute)
	defer tcancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1400, 1000), chromedp.Navigate("file://"+path), chromedp.WaitReady("#matrix")); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	// shown counts the table's rows and the scenario sections on view.
	const shown = `(() => {
		const on = el => getComputedStyle(el).display !== 'none';
		const rows = [...document.querySelectorAll('#cross tbody tr')];
		const secs = [...document.querySelectorAll('details.scenario')];
		return {
			width: document.documentElement.scrollWidth, viewport: window.innerWidth,
			table: document.getElementById('cross').parentElement.scrollWidth,
			tableBox: document.getElementById('cross').parentElement.clientWidth,
			rows: rows.filter(on).length, passedRows: rows.filter(r => r.hasAttribute('data-passed') && on(r)).length,
			sections: secs.filter(on).length, passSections: secs.filter(s => s.classList.contains('pass') && on(s)).length,
			nonSecurityRows: rows.filter(r => on(r) && !r.dataset.verdicts.split(' ').includes('security')).length,
		};
	})()`
	look := func(click string) map[string]int {
		t.Helper()
		if click != "" {
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.querySelector('#filters label[for=`+click+`]').click(), true)`)); err != nil {
				t.Fatalf("chromium: %v", err)
			}
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]int](shown))
		if err != nil {
			t.Fatalf("chromium: %v", err)
		}
		return got
	}
	// 60 scenarios; each fails in one engine of three: no row passed
	// everywhere, 120 of 180 sections passed.
	got := look("")
	if got["viewport"] != 1400 || got["width"] > 1400 {
		t.Errorf("the page is %d px wide in a %d px viewport", got["width"], got["viewport"])
	}
	// The scenario × engine table fits its box: nothing to scroll (the
	// origin × request matrix of a full catalog is wider than any screen
	// and scrolls in its own box).
	if got["table"] > got["tableBox"] {
		t.Errorf("the scenario × engine table is %d px wide in a %d px box", got["table"], got["tableBox"])
	}
	if got["rows"] != 60 || got["sections"] != 60 || got["passSections"] != 0 {
		t.Errorf("by default: %v, want 60 rows and the 60 sections that failed", got)
	}
	all := look("show-all")
	if all["sections"] != 180 || all["passSections"] != 120 {
		t.Errorf("show all: %v, want every section", all)
	}
	if all["width"] > 1400 {
		t.Errorf("with every scenario shown the page is %d px wide", all["width"])
	}
	sec := look("show-security")
	if sec["rows"] != 60 || sec["nonSecurityRows"] != 0 || sec["sections"] != 60 || sec["passSections"] != 0 {
		t.Errorf("security: %v", sec)
	}
	pass := look("show-pass")
	if pass["sections"] != 120 || pass["passSections"] != 120 {
		t.Errorf("pass: %v", pass)
	}

	// A page of one engine where some rows passed: hidden first, shown on
	// "show all".
	if err := os.WriteFile(path, []byte(renderHTML(t, crossRuns())), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path), chromedp.WaitReady("#matrix")); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if got := look(""); got["passedRows"] != 0 || got["rows"] != 2 || got["passSections"] != 0 {
		t.Errorf("by default: %v, want the passed row and sections hidden", got)
	}
	if got := look("show-all"); got["passedRows"] != 1 || got["rows"] != 3 {
		t.Errorf("show all: %v, want the passed row shown", got)
	}

	// A link to a passed scenario shows it under the default filter, and
	// the script (allowed by its hash alone) opens it.
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path), chromedp.WaitReady("#matrix")); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	target, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]bool](`(async () => {
		const el = document.getElementById('r0-s0');
		const before = el.open || getComputedStyle(el).display !== 'none';
		const changed = new Promise(ok => window.addEventListener('hashchange', () => setTimeout(ok, 0), {once: true}));
		location.hash = 'r0-s0';
		await changed;
		return {before, shown: getComputedStyle(el).display !== 'none', open: el.open, pass: el.classList.contains('pass'),
			failing: document.getElementById('show-failing').checked};
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if want := map[string]bool{"before": false, "shown": true, "open": true, "pass": true, "failing": true}; fmt.Sprint(target) != fmt.Sprint(want) {
		t.Errorf("following a link to a passed scenario: %v, want %v", target, want)
	}
}

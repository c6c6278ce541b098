package report

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/corsproof/corsproof"
)

// interruptedRuns is a run interrupted half way: chromium finished
// sample's scenarios but two (in flight when the run ended), firefox never
// started, so every scenario there is not run.
func interruptedRuns() (runs []corsproof.Run, finished int) {
	const why = "interrupt signal received"
	done := sample()
	for _, i := range []int{1, 2} {
		done[i] = corsproof.NotRun(done[i].Scenario, done[i].Origin, why)
	}
	finished = len(done) - 2
	var never []corsproof.Result
	for _, r := range sample() {
		never = append(never, corsproof.NotRun(r.Scenario, r.Origin, why))
	}
	return []corsproof.Run{
		{Engine: corsproof.Chromium, Version: "Chromium/1", Results: done},
		{Engine: corsproof.Firefox, Results: never},
	}, finished
}

// An interrupted run's JSON report is valid, counts the scenarios not run
// apart, gives them no cause and no finding, and a row where one engine
// finished and the other did not is no difference between them.
func TestJSONOfAnInterruptedRunMarksTheRestNotRun(t *testing.T) {
	runs, finished := interruptedRuns()
	doc := decode(t, runs)
	mustValid(t, doc)
	total := len(runs[0].Results)
	if got := at(t, doc, "runs", 0, "summary", "not_run"); got != float64(total-finished) {
		t.Errorf("chromium not_run = %v, want %d", got, total-finished)
	}
	if got := at(t, doc, "runs", 1, "summary", "not_run"); got != float64(total) {
		t.Errorf("firefox not_run = %v, want %d", got, total)
	}
	nr := at(t, doc, "runs", 0, "results", 1).(map[string]any)
	if nr["verdict"] != "not-run" || nr["cause"] != nil || nr["detail"] != nil || !strings.Contains(nr["explanation"].(string), "interrupt signal received") {
		t.Errorf("a scenario not run: %v", nr)
	}
	// The findings are those of the finished results alone.
	var fin []corsproof.Result
	for _, r := range runs[0].Results {
		if r.Verdict != corsproof.VerdictNotRun {
			fin = append(fin, r)
		}
	}
	want := decode(t, []corsproof.Run{{Engine: corsproof.Chromium, Version: "Chromium/1", Results: fin}})
	if got, w := len(doc["findings"].([]any)), len(want["findings"].([]any)); got != w {
		t.Errorf("%d findings, want %d (those of the finished scenarios)", got, w)
	}
	for _, f := range doc["findings"].([]any) {
		if f.(map[string]any)["verdict"] == "not-run" {
			t.Errorf("a finding of scenarios not run: %v", f)
		}
	}
	for _, row := range doc["rows"].([]any) {
		r := row.(map[string]any)
		if r["id"] != "put-allowed" {
			continue
		}
		if r["differs"] != false || at(t, r, "engines", "firefox", "verdict") != "not-run" || at(t, r, "engines", "firefox", "browser") != "not run" {
			t.Errorf("put-allowed passed in chromium, not run in firefox: %v", r)
		}
	}
}

// In JUnit a scenario not run is a skipped test case whose message says
// why, as CI tools show a test that did not run; the finished ones keep
// their outcome.
func TestJUnitSkipsTheScenariosNotRun(t *testing.T) {
	runs, finished := interruptedRuns()
	doc := parseJUnit(t, runs)
	if len(doc.Suites) != 2 {
		t.Fatalf("%d suites, want 2", len(doc.Suites))
	}
	total := len(runs[0].Results)
	for i, s := range doc.Suites {
		if s.Tests != total || len(s.Cases) != total {
			t.Errorf("suite %d: %d tests, %d cases, want %d", i, s.Tests, len(s.Cases), total)
		}
		notRun := 0
		for _, c := range s.Cases {
			if c.Skipped != nil && strings.HasPrefix(c.Skipped.Message, "not run: ") {
				notRun++
				if c.Failure != nil || c.Error != nil {
					t.Errorf("%s is skipped and failed", c.Name)
				}
			}
		}
		if want := map[int]int{0: total - finished, 1: total}[i]; notRun != want {
			t.Errorf("suite %d: %d cases skipped as not run, want %d", i, notRun, want)
		}
	}
	// sample has one not-tested scenario, skipped too; and one error.
	if s := doc.Suites[0]; s.Skipped != total-finished+1 || s.Errors != 1 {
		t.Errorf("chromium suite: %d skipped, %d errors, want %d and 1", s.Skipped, s.Errors, total-finished+1)
	}
	if s := doc.Suites[1]; s.Skipped != total || s.Failures+s.Errors != 0 {
		t.Errorf("firefox suite: %d skipped, %d failures, %d errors, want %d skipped only", s.Skipped, s.Failures, s.Errors, total)
	}
}

// The HTML report counts the scenarios not run in a chip of their own,
// and lists each one closed, without the wire it never had.
func TestHTMLShowsTheScenariosNotRun(t *testing.T) {
	runs, finished := interruptedRuns()
	page := renderHTML(t, runs)
	total := len(runs[0].Results)
	for _, n := range []int{total - finished, total} {
		if !strings.Contains(page, `class="chip not-run">`+strconv.Itoa(n)+` not run</label>`) {
			t.Errorf("no chip of %d not run", n)
		}
	}
	sections := regexp.MustCompile(`(?s)<details class="scenario not-run"[^>]*>.*?</details>`).FindAllString(page, -1)
	if len(sections) != total-finished+total {
		t.Fatalf("%d sections of scenarios not run, want %d", len(sections), total-finished+total)
	}
	for _, s := range sections {
		head, _, _ := strings.Cut(s, "\n")
		if strings.Contains(head, " open") || strings.Contains(s, "on the wire") {
			t.Errorf("a scenario not run is shown open or with a wire:\n%s", s)
		}
	}
	var text bytes.Buffer
	Text(&text, runs[:1], TextOptions{Width: 200})
	if !strings.Contains(text.String(), strconv.Itoa(total-finished)+" not run") {
		t.Errorf("the text summary does not count the scenarios not run:\n%s", text.String())
	}
}

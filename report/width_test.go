package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/corsproof/corsproof"
)

// No line of the text report is wider than the terminal, in one engine or
// several, with long ids, explanations and causes.
func TestTextFitsTheWidth(t *testing.T) {
	long := sample()
	for i := range long {
		long[i].Scenario.ID += "-with-a-much-longer-name-than-a-terminal-column-would-like"
		long[i].Explanation += strings.Repeat(" and then some more words that go on", 8)
		long[i].Cause = &corsproof.Cause{Kind: corsproof.CauseOriginAccepted, Exchange: "actual", Header: "Access-Control-Allow-Origin",
			Value: "https://" + strings.Repeat("x", 150) + ".test", Sent: true, Subject: "value"}
	}
	for _, runs := range [][]corsproof.Run{
		{{Engine: corsproof.Chromium, Version: "Chromium/1", Results: long}},
		append(crossRuns(), corsproof.Run{Engine: corsproof.WebKit, Results: long}),
	} {
		for _, width := range []int{80, 120} {
			for _, o := range []TextOptions{{}, {OnlyFailures: true}, {Color: true}} {
				o.Width = width
				var b bytes.Buffer
				Text(&b, runs, o)
				// Colour codes take no columns.
				for _, l := range strings.Split(ansiRE.ReplaceAllString(b.String(), ""), "\n") {
					if n := utf8.RuneCountInString(l); n > width {
						t.Errorf("width %d, %d engines, colour %t: a line of %d columns:\n%s", width, len(runs), o.Color, n, l)
					}
				}
				if !strings.Contains(b.String(), "FINDINGS:") {
					t.Errorf("width %d: no findings:\n%s", width, b.String())
				}
			}
		}
	}
}

// The findings come first and name each cause once, however many results
// show it.
func TestTextLeadsWithTheFindings(t *testing.T) {
	res := sample()
	for i := range res {
		if res[i].Verdict == corsproof.VerdictServerMismatch {
			res[i].Cause = &corsproof.Cause{Kind: corsproof.CauseAllowOriginMissing, Exchange: "preflight", Header: "Access-Control-Allow-Origin"}
			res[i].Severity = corsproof.SeverityBroken
			res[i].Observation = &corsproof.Observation{Preflight: &corsproof.Exchange{URL: "https://api.example.test/api/items", Method: "OPTIONS", Status: 404,
				RequestHeaders: []corsproof.Header{{Name: "Origin", Value: res[i].Origin}}, ResponseHeaders: []corsproof.Header{{Name: "Content-Type", Value: "text/plain"}}}}
		}
	}
	var b bytes.Buffer
	Text(&b, []corsproof.Run{{Engine: corsproof.Chromium, Results: res}}, TextOptions{OnlyFailures: true})
	out := b.String()
	if !strings.HasPrefix(out, "FINDINGS: 4 causes in 5 results\n") {
		t.Errorf("the report does not lead with the findings:\n%s", out)
	}
	if n := strings.Count(out, "preflight responses lack Access-Control-Allow-Origin"); n != 1 {
		t.Errorf("the cause is named %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, " 1. server-mismatch (broken)  2×  chromium") || !strings.Contains(out, "fix: answer OPTIONS preflights") {
		t.Errorf("the finding lacks its count or its fix:\n%s", out)
	}
	// The example's deciding exchange, as it crossed the wire.
	flat := strings.Join(strings.Fields(out), " ")
	if !strings.Contains(flat, "wire: OPTIONS https://api.example.test/api/items (Origin: https://evil.test) → 404; no CORS headers") {
		t.Errorf("the finding lacks its example's wire exchange:\n%s", out)
	}
	if strings.Index(out, "FINDINGS") > strings.Index(out, "SCENARIO") {
		t.Errorf("the table comes before the findings:\n%s", out)
	}
}

// A scenario the target redirected out of the run is a finding of its own,
// whose example shows the redirect as it crossed the wire (not the hop
// after it, which went elsewhere), and a row that says it was not tested.
func TestTextNamesTheRedirectOfAScenarioNotTested(t *testing.T) {
	var b bytes.Buffer
	Text(&b, one(), TextOptions{OnlyFailures: true, Width: 200})
	out := b.String()
	for _, want := range []string{
		"not-tested  1×  chromium",
		"the target redirects to https://elsewhere.test (Location: https://elsewhere.test/api/items?cp=t), an origin outside this run",
		"fix: point --target at the API itself",
		"wire: PUT https://api.example.test/api/items?cp=t (Origin: https://app.example.test) → 307; Location: https://elsewhere.test/api/items?cp=t",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`(?m)^redirected-away +- +not tested +not-tested$`).MatchString(out) {
		t.Errorf("the row of the scenario not tested does not say so, nor leave the policy out:\n%s", out)
	}
}

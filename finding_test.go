package corsproof

import (
	"testing"
)

// One server bug is one finding however many scenarios, origins and engines
// show it; notes are findings of their own and never fail a run.
func TestFindingsGroupByCause(t *testing.T) {
	echo := func(origin string) *Cause {
		return &Cause{Kind: CauseOriginAccepted, Exchange: "actual", Header: "Access-Control-Allow-Origin", Value: origin, Sent: true, Subject: "echo"}
	}
	res := func(id, origin string, v Verdict, sev Severity, c *Cause, notes ...Cause) Result {
		return Result{Scenario: Scenario{ID: id, Request: Request{Path: "/api/" + id}}, Origin: origin, Verdict: v, Severity: sev, Cause: c, Notes: notes}
	}
	vary := Cause{Kind: CauseVaryMissing, Exchange: "actual", Header: "Vary"}
	missing := &Cause{Kind: CauseExposeMissing, Exchange: "actual", Header: "Access-Control-Expose-Headers", Subject: "x-total-count"}
	runs := []Run{
		{Engine: Chromium, Results: []Result{
			res("a", "https://evil.test", VerdictServerMismatch, SeveritySecurity, echo("https://evil.test"), vary),
			res("b", "https://app.example.test.evil.test", VerdictServerMismatch, SeveritySecurity, echo("https://app.example.test.evil.test"), vary),
			res("c", "https://app.example.test", VerdictServerMismatch, SeverityBroken, missing),
			res("d", "https://app.example.test", VerdictPass, "", nil, vary),
		}},
		{Engine: Firefox, Results: []Result{
			res("a", "https://evil.test", VerdictServerMismatch, SeveritySecurity, echo("https://evil.test")),
			res("c", "https://app.example.test", VerdictServerMismatch, SeverityBroken, missing),
		}},
	}
	fs := Findings(runs)
	if len(fs) != 3 {
		for _, f := range fs {
			t.Logf("%s: %d %s", f.Label(), f.Count, f.Line)
		}
		t.Fatalf("%d findings, want 3 (echo, expose, vary)", len(fs))
	}
	echoF, exposeF, varyF := fs[0], fs[1], fs[2]
	if echoF.Cause.Kind != CauseOriginAccepted || echoF.Count != 3 || len(echoF.Engines) != 2 || len(echoF.Origins) != 2 || len(echoF.IDs) != 2 || !echoF.Failed() {
		t.Errorf("echo finding = %+v", echoF)
	}
	if echoF.Line != "Access-Control-Allow-Origin echoes Origins the policy forbids: https://evil.test, https://app.example.test.evil.test" {
		t.Errorf("echo line = %q", echoF.Line)
	}
	if exposeF.Severity != SeverityBroken || exposeF.Count != 2 || exposeF.Advice == "" {
		t.Errorf("expose finding = %+v", exposeF)
	}
	if !varyF.Note || varyF.Count != 3 || varyF.Failed() || varyF.Label() != "note" {
		t.Errorf("vary finding = %+v", varyF)
	}
	var mismatches int
	for _, f := range fs {
		if !f.Note {
			mismatches += f.Count
		}
	}
	if mismatches != 5 {
		t.Errorf("the findings count %d results, the runs have 5 that are not a pass", mismatches)
	}
}

// A finding whose results sent different values in the proving header shows
// none of them, and lists every subject its results name.
func TestFindingLineOfVaryingValues(t *testing.T) {
	lack := func(sub, value string, sent bool) Result {
		return Result{Scenario: Scenario{ID: sub}, Origin: "https://app.example.test", Verdict: VerdictServerMismatch, Severity: SeverityBroken,
			Cause: &Cause{Kind: CauseHeaderMissing, Exchange: "preflight", Header: "Access-Control-Allow-Headers", Value: value, Sent: sent, Subject: sub}}
	}
	same := Findings([]Run{{Engine: Chromium, Results: []Result{lack("x-a", "X-B", true), lack("x-c", "X-B", true)}}})
	varied := Findings([]Run{{Engine: Chromium, Results: []Result{lack("x-a", "X-B", true), lack("x-c", "", false)}}})
	if len(same) != 1 || same[0].Line != "Access-Control-Allow-Headers lacks x-a, x-c (Access-Control-Allow-Headers: X-B)" {
		t.Errorf("one value: %+v", same)
	}
	if len(varied) != 1 || varied[0].Line != "Access-Control-Allow-Headers lacks x-a, x-c" {
		t.Errorf("varying values: %+v", varied)
	}
}

// Scenarios the target redirected out of the run are one finding per origin
// they were sent to, whichever exchange was redirected and in which engine;
// it fails the run, after the mismatches and before the errors.
func TestFindingsOfRedirectsAwayGroupByWhereTheyLead(t *testing.T) {
	away := func(exchange, location, origin string) *Cause {
		return &Cause{Kind: CauseRedirectedAway, Exchange: exchange, Header: "Location", Value: location, Sent: true, Subject: origin}
	}
	res := func(id string, v Verdict, c *Cause) Result {
		return Result{Scenario: Scenario{ID: id, Request: Request{Path: "/api/items"}}, Origin: "https://app.example.test", Verdict: v, Cause: c}
	}
	runs := []Run{
		{Engine: Chromium, Results: []Result{
			res("get", VerdictNotTested, away("actual", "https://sso.example.test/login?cp=1", "https://sso.example.test")),
			res("put", VerdictNotTested, away("preflight", "https://sso.example.test/login?cp=2", "https://sso.example.test")),
			res("cdn", VerdictNotTested, away("actual", "https://cdn.example.test/x", "https://cdn.example.test")),
			res("infra", VerdictError, &Cause{Kind: CauseError, Subject: "browser died"}),
			res("bad", VerdictServerMismatch, &Cause{Kind: CauseAllowOriginMissing, Exchange: "actual", Header: "Access-Control-Allow-Origin"}),
		}},
		{Engine: Firefox, Results: []Result{
			res("get", VerdictNotTested, away("actual", "https://sso.example.test/login?cp=3", "https://sso.example.test")),
		}},
	}
	fs := Findings(runs)
	var kinds []string
	for _, f := range fs {
		kinds = append(kinds, string(f.Cause.Kind)+" "+f.Cause.Subject)
	}
	want := []string{"allow-origin-missing ", "redirected-away https://sso.example.test", "redirected-away https://cdn.example.test", "error browser died"}
	if len(kinds) != len(want) {
		t.Fatalf("findings %q, want %q", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("findings %q, want %q", kinds, want)
		}
	}
	sso := fs[1]
	if sso.Count != 3 || len(sso.IDs) != 2 || len(sso.Engines) != 2 || !sso.Failed() || sso.Label() != "not-tested" || sso.Advice == "" {
		t.Errorf("sso finding = %+v", sso)
	}
	// Three Locations: the line names the origin, not one of them.
	if sso.Line != "the target redirects to https://sso.example.test, an origin outside this run, so nothing under the policy was tested" {
		t.Errorf("sso line = %q", sso.Line)
	}
	if cdn := fs[2]; cdn.Line != "the target redirects to https://cdn.example.test (Location: https://cdn.example.test/x), an origin outside this run, so nothing under the policy was tested" {
		t.Errorf("cdn line = %q", cdn.Line)
	}
	if !(Result{Verdict: VerdictNotTested}).Failed() {
		t.Error("a scenario not tested does not fail the run")
	}
}

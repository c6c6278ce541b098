package harness

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/scenarios"
)

// TestMaxAgeScenarioKeepsItsEntryInAFullFirefoxCache: Firefox's preflight
// cache holds 100 entries, least recently used out first. The catalog's
// cache-max-age-600-put-after-default waits 5.5 s while other scenarios
// run, each filling an entry of its own; waited out in one piece, as it
// once was, its entry is evicted by 150 of them and the scenario is an
// unknown deviation ("the preflight cache does not keep the server's
// max-age"), though Firefox keeps the max-age well. With its repeats
// keeping the entry in use it passes under the same load.
func TestMaxAgeScenarioKeepsItsEntryInAFullFirefoxCache(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := Start(ctx, Config{Engine: corsproof.Firefox, Policies: scenarios.Policies()})
	testenv.Started(t, "firefox", err)
	defer s.Close()

	slow, err := scenarios.ByID("cache-max-age-600-put-after-default")
	if err != nil {
		t.Fatal(err)
	}
	filler, err := scenarios.ByID("cache-max-age-600-put-app")
	if err != nil {
		t.Fatal(err)
	}
	once := slow
	once.ID, once.Repeat, once.RepeatAfter = slow.ID+"-once", 1, 5500*time.Millisecond
	list := []corsproof.Scenario{slow, once}
	for i := range 150 {
		f := filler
		f.ID = fmt.Sprintf("%s-%d", filler.ID, i)
		list = append(list, f)
	}
	results := s.Runner().RunAll(ctx, list, RunOptions{})
	for _, r := range results[2:] {
		if r.Verdict != corsproof.VerdictPass {
			t.Fatalf("a filler did not pass, so the cache may not be full: %s %s: %s", r.Scenario.ID, r.Verdict, r.Explanation)
		}
	}
	if r := results[0]; r.Verdict != corsproof.VerdictPass {
		t.Errorf("%s under 150 other cache entries: %s (%s), want pass", r.Scenario.ID, r.Verdict, r.Explanation)
	}
	if r := results[1]; r.Verdict != corsproof.VerdictBrowserDeviation {
		t.Errorf("%s (one 5.5 s wait) under 150 other cache entries: %s (%s); want the eviction, a browser deviation: "+
			"without it the test proves nothing (has Firefox's preflight cache grown past 100 entries?)", r.Scenario.ID, r.Verdict, r.Explanation)
	}
}

// TestMaxAgeScenarioCatchesAMissingMaxAge: spaced repeats must not hide
// the fault the scenario is there for. A server that sends no
// Access-Control-Max-Age (max-age-ignored) gets the 5 s default, so the
// judged fetch, 5.5 s after the first one ended, costs a preflight the
// policy's 600 s spare: a broken server mismatch, in every engine that
// shows its preflights. Spaced from the first fetch's start instead, a
// slow first fetch (the run's first connection) put the expiry past the
// judged fetch, and Firefox hid the fault in about half the runs of
// `run --label feature:cache` (this test: one run in four).
func TestMaxAgeScenarioCatchesAMissingMaxAge(t *testing.T) {
	fault, ok := mockapi.FaultByName("max-age-ignored")
	if !ok {
		t.Fatal("no fault max-age-ignored")
	}
	sc, err := scenarios.ByID("cache-max-age-600-put-after-default")
	if err != nil {
		t.Fatal(err)
	}
	for _, eng := range []corsproof.Engine{corsproof.Chromium, corsproof.Firefox} {
		t.Run(string(eng), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			s, err := Start(ctx, Config{Engine: eng, Policies: scenarios.Policies(), Fault: fault})
			testenv.Started(t, string(eng), err)
			defer s.Close()
			// With the other cache scenarios, as `run --label feature:cache`
			// runs them: the first fetch is then slow to connect.
			var list []corsproof.Scenario
			for _, c := range scenarios.Catalog() {
				if c.HasLabel("feature:cache") {
					list = append(list, c)
				}
			}
			var r corsproof.Result
			for _, res := range s.Runner().RunAll(ctx, list, RunOptions{}) {
				if res.Scenario.ID == sc.ID {
					r = res
				}
			}
			if r.Verdict != corsproof.VerdictServerMismatch || r.Severity != corsproof.SeverityBroken {
				t.Errorf("%s under max-age-ignored: %s %s (%s); want a broken server mismatch", sc.ID, r.Verdict, r.Severity, r.Explanation)
			}
		})
	}
}

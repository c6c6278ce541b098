package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/corsproof/corsproof"
)

// CrossRow is one scenario run in every engine of a report (one engine is a
// row of one cell).
type CrossRow struct {
	ID string
	// Cells has one result per engine, in the order of the runs; nil where
	// the engine has no result for this scenario (it did not start).
	Cells []*corsproof.Result
	// Differs: the engines disagree with each other about access (a known
	// deviation aside), or at least one result fails (a server mismatch, an
	// unknown deviation, an error).
	Differs bool
	// Explanation says, in one line, how each engine fared, grouping the
	// engines that fared alike.
	Explanation string
}

// Cross lines the engines' results up by scenario (and repetition, for
// -twice runs), in the order of the first engine that ran. Every report
// is built on these rows.
func Cross(runs []corsproof.Run) []CrossRow {
	type key struct {
		id  string
		rep int
	}
	index := map[key]int{}
	var rows []CrossRow
	for ei, run := range runs {
		seen := map[string]int{}
		for i := range run.Results {
			r := &run.Results[i]
			k := key{r.Scenario.ID, seen[r.Scenario.ID]}
			seen[r.Scenario.ID]++
			ri, ok := index[k]
			if !ok {
				ri = len(rows)
				index[k] = ri
				rows = append(rows, CrossRow{ID: r.Scenario.ID, Cells: make([]*corsproof.Result, len(runs))})
			}
			rows[ri].Cells[ei] = r
		}
	}
	for i := range rows {
		rows[i].Differs, rows[i].Explanation = compareCells(runs, rows[i].Cells)
	}
	return rows
}

// compareCells judges one row: whether it differs and why.
func compareCells(runs []corsproof.Run, cells []*corsproof.Result) (bool, string) {
	differs := false
	var first *corsproof.Result
	for _, c := range cells {
		if c == nil || c.Verdict == corsproof.VerdictNotRun {
			continue // an engine that did not run it differs in nothing
		}
		// A known deviation is no difference to flag: the summary per
		// engine counts them, so the rows that differ are the ones to read.
		// Nor is the access of a request the target redirected out of the
		// run (not tested, which fails by itself): it is another server's.
		if c.Failed() {
			differs = true
		}
		if c.Verdict == corsproof.VerdictError || c.Verdict == corsproof.VerdictNotTested || c.Verdict == corsproof.VerdictBrowserDeviation && c.Known {
			continue
		}
		if first == nil {
			first = c
		} else if !sameAccessOutcome(*first, *c) {
			differs = true
		}
	}
	// Group the engines by what happened to them, in first-seen order.
	var order []string
	groups := map[string][]string{}
	for i, c := range cells {
		s := engineStatus(runs[i], c)
		if _, ok := groups[s]; !ok {
			order = append(order, s)
		}
		groups[s] = append(groups[s], string(runs[i].Engine))
	}
	parts := make([]string, 0, len(order))
	for _, s := range order {
		parts = append(parts, strings.Join(groups[s], ", ")+": "+s)
	}
	return differs, strings.Join(parts, "; ")
}

// sameAccessOutcome compares what a page could read: allowed or not, and
// which headers. Block reasons are not compared: engines name them
// differently, and WebKit not at all. Readable headers are compared only
// between engines that saw the response on the wire: the verdict counts
// only the headers the server sent, which an engine without the wire
// (WebKit) cannot list.
func sameAccessOutcome(a, b corsproof.Result) bool {
	if a.Browser.Allowed != b.Browser.Allowed {
		return false
	}
	if !a.Browser.Allowed || !sawWire(a) || !sawWire(b) {
		return true
	}
	return slices.Equal(a.Browser.Exposed, b.Browser.Exposed)
}

func sawWire(r corsproof.Result) bool {
	return r.Observation != nil && !slices.Contains(r.Observation.Unavailable, "actual")
}

// engineStatus is one engine's part of a row's explanation.
func engineStatus(run corsproof.Run, c *corsproof.Result) string {
	if c == nil || c.Verdict == corsproof.VerdictNotRun {
		if run.Err != "" {
			return "did not run (could not start)"
		}
		return "not run"
	}
	ids := deviationsOf(*c)
	switch {
	case c.Verdict == corsproof.VerdictPass && len(ids) == 0:
		return "as the standard"
	case c.Verdict == corsproof.VerdictPass || c.Verdict == corsproof.VerdictBrowserDeviation && c.Known:
		if len(ids) == 0 {
			return "known deviation"
		}
		s := "known deviation " + strings.Join(ids, ", ")
		if c.WireDecision != nil && c.WireDecision.Incomplete {
			s += " (by the model of the policy: the wire is not observable)"
		}
		return s
	case c.Verdict == corsproof.VerdictBrowserDeviation:
		return "unknown deviation: " + oneLine(c.Explanation)
	case c.Verdict == corsproof.VerdictServerMismatch:
		return fmt.Sprintf("server mismatch (%s): %s where the policy says %s", c.Severity, c.Browser, c.Policy)
	case c.Verdict == corsproof.VerdictNotTested:
		if c.Cause != nil && c.Cause.Subject != "" {
			return "not tested: redirected to " + c.Cause.Subject + ", outside the run"
		}
		return "not tested: redirected outside the run"
	}
	return "error: " + oneLine(c.Err)
}

// deviationsOf are the profile deviations that decided a result: the wire
// model's, or, where the engine cannot show the wire (WebKit) and the wire
// check was partial, the policy model's, so an engine is never said to act
// "as the standard" where its profile departs from it.
func deviationsOf(r corsproof.Result) []string {
	if r.WireDecision != nil && !r.WireDecision.Incomplete {
		return r.WireDecision.Deviations
	}
	if r.PolicyDecision != nil {
		return r.PolicyDecision.Deviations
	}
	return nil
}

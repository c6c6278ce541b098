package corsproof

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Finding is one root cause of a run, across its endpoints and engines: the
// scenarios that show it, counted once, and one example to read.
type Finding struct {
	Cause Cause `json:"cause"`
	// Line is the cause in one line, with the values and subjects seen.
	Line string `json:"line"`
	// Advice says what the server must do instead ("" when the cause is
	// not the server's).
	Advice   string   `json:"advice,omitempty"`
	Verdict  Verdict  `json:"verdict"`
	Severity Severity `json:"severity,omitempty"`
	Known    bool     `json:"known,omitempty"`
	// Note: a cause the wire shows that did not decide any verdict.
	Note bool `json:"note,omitempty"`
	// Count is how many results show it; IDs are their scenario ids.
	Count    int      `json:"count"`
	IDs      []string `json:"ids"`
	Engines  []Engine `json:"engines"`
	Origins  []string `json:"origins"`
	Requests []string `json:"requests"`
	// Values are the distinct values the proving header had; Subjects the
	// distinct subjects (methods, header names) of the results.
	Values   []string `json:"values,omitempty"`
	Subjects []string `json:"subjects,omitempty"`
	// absent: some result sent no proving header at all.
	absent bool
	// Example is the first result that shows it.
	Example *Result `json:"-"`
	// ExampleID and ExampleEngine name it.
	ExampleID     string `json:"example_id"`
	ExampleEngine Engine `json:"example_engine"`
}

// Failed: the finding fails a run (see Result.Failed).
func (f Finding) Failed() bool {
	if f.Note {
		return false
	}
	return f.Verdict != VerdictPass && !(f.Verdict == VerdictBrowserDeviation && f.Known)
}

// Label is the verdict label of the finding's results.
func (f Finding) Label() string {
	if f.Note {
		return "note"
	}
	return Result{Verdict: f.Verdict, Severity: f.Severity, Known: f.Known}.VerdictLabel()
}

// Findings groups the results of runs by root cause: every result that is
// not a pass by its Cause (one not run has none: it claims nothing), and
// every result's notes as notes. The order is
// what to fix first: security, broken, unknown deviations, scenarios not
// tested, errors, known deviations, notes; within each, the most scenarios
// first. The scenarios not tested because the target redirected them away
// are one finding per origin they were redirected to.
func Findings(runs []Run) []Finding {
	index := map[string]int{}
	var out []Finding
	add := func(run Run, r *Result, c Cause, note bool) {
		key := c.Key()
		if note {
			key = "note|" + key
		} else {
			key = string(r.Verdict) + "|" + string(r.Severity) + "|" + key
		}
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, Finding{Cause: c, Advice: c.Advice(), Verdict: r.Verdict, Severity: r.Severity, Known: r.Known,
				Note: note, Example: r, ExampleID: r.Scenario.ID, ExampleEngine: run.Engine})
		}
		f := &out[i]
		f.Count++
		f.IDs = appendNew(f.IDs, r.Scenario.ID)
		f.Engines = appendNew(f.Engines, run.Engine)
		f.Origins = appendNew(f.Origins, r.Origin)
		f.Requests = appendNew(f.Requests, r.Scenario.Request.String())
		switch {
		case c.Unseen:
		case c.Sent:
			f.Values = appendNew(f.Values, c.Value)
		default:
			f.absent = true
		}
		for _, sub := range strings.Split(c.Subject, ", ") {
			if sub != "" {
				f.Subjects = appendNew(f.Subjects, sub)
			}
		}
	}
	for ri := range runs {
		run := runs[ri]
		for i := range run.Results {
			r := &run.Results[i]
			if r.Verdict != VerdictPass && r.Verdict != VerdictNotRun {
				add(run, r, causeOf(r), false)
			}
			for _, n := range r.Notes {
				add(run, r, n, true)
			}
		}
	}
	out = foldNullIntoEcho(out)
	for i := range out {
		out[i].Line = out[i].line()
	}
	sort.SliceStable(out, func(a, b int) bool {
		ra, rb := out[a].rank(), out[b].rank()
		if ra != rb {
			return ra < rb
		}
		return out[a].Count > out[b].Count
	})
	return out
}

// causeOf is r's cause; a result judged without one (written by hand, or
// read from an older report) gets the kind its verdict implies.
func causeOf(r *Result) Cause {
	switch {
	case r.Cause != nil:
		return *r.Cause
	case r.Verdict == VerdictError:
		return Cause{Kind: CauseError, Subject: r.Err}
	case r.Verdict == VerdictNotTested:
		return Cause{Kind: CauseRedirectedAway, Subject: "another origin"}
	case r.Verdict == VerdictBrowserDeviation && r.Known:
		return Cause{Kind: CauseKnownDeviation}
	case r.Verdict == VerdictBrowserDeviation:
		return Cause{Kind: CauseUnknownDeviation, Subject: r.Explanation}
	}
	return Cause{Kind: CauseServerOther, Subject: r.Explanation}
}

// foldNullIntoEcho: a server that echoes every Origin echoes "null" too;
// that is one bug, not an echo and a null-origin allowance.
func foldNullIntoEcho(fs []Finding) []Finding {
	isOrigin := func(f Finding, how string) bool {
		return !f.Note && f.Cause.Kind == CauseOriginAccepted && f.Cause.Subject == how
	}
	echo := slices.IndexFunc(fs, func(f Finding) bool { return isOrigin(f, "echo") })
	if echo < 0 {
		return fs
	}
	e := &fs[echo]
	var out []Finding
	for i, f := range fs {
		if i == echo || !isOrigin(f, "null") || f.Severity != e.Severity {
			continue
		}
		e.absorb(f)
		fs[i].Count = -1 // folded
	}
	for _, f := range fs {
		if f.Count >= 0 {
			out = append(out, f)
		}
	}
	return out
}

// absorb adds g's results to f.
func (f *Finding) absorb(g Finding) {
	f.Count += g.Count
	union := func(dst *[]string, src []string) {
		for _, x := range src {
			*dst = appendNew(*dst, x)
		}
	}
	union(&f.IDs, g.IDs)
	union(&f.Origins, g.Origins)
	union(&f.Requests, g.Requests)
	union(&f.Values, g.Values)
	union(&f.Subjects, g.Subjects)
	for _, x := range g.Engines {
		f.Engines = appendNew(f.Engines, x)
	}
	f.absent = f.absent || g.absent
}

func (f Finding) rank() int {
	switch {
	case f.Note:
		return 8
	case f.Verdict == VerdictServerMismatch && f.Severity == SeveritySecurity:
		return 0
	case f.Verdict == VerdictServerMismatch && f.Severity == SeverityInfo:
		return 2
	case f.Verdict == VerdictServerMismatch:
		return 1
	case f.Verdict == VerdictBrowserDeviation && !f.Known:
		return 3
	case f.Verdict == VerdictNotTested:
		return 4
	case f.Verdict == VerdictError:
		return 5
	case f.Verdict == VerdictBrowserDeviation:
		return 6
	}
	return 7
}

// line is the cause's line with what the group adds: for an origin check,
// which origins got through.
func (f Finding) line() string {
	c := f.Cause
	if c.listsSubjects() {
		c.Subject = listSome(f.Subjects, 4)
	}
	if n := len(f.Values); n > 1 || n == 1 && f.absent {
		c.valueVaries = true // the results sent different values: none is the proof
	}
	s := c.String()
	if f.Cause.Kind == CauseOriginAccepted || f.Cause.Kind == CauseCredentialsAccepted {
		s += ": " + listSome(f.Origins, 3)
	}
	return s
}

// listSome lists up to n items and counts the rest.
func listSome(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(xs[:n], ", "), len(xs)-n)
}

func appendNew[T comparable](xs []T, x T) []T {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

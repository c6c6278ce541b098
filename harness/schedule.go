package harness

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
)

// DefaultConcurrency is how many scenarios a run keeps in flight in its one
// browser unless told otherwise. Measured on 2 cores (`make bench`, which
// also runs --concurrency 1): the Chromium catalog ran at 1.7x its
// sequential rate at 8, bound by the browser's CPU; other values were not
// measured. Firefox runs one fetch per origin page's tab at a time and
// WebKit one at a time, so more only queues there.
const DefaultConcurrency = 8

// StatefulTarget is a Target whose answer to a request may depend on the
// requests before it: a stateful fault of the mock, or a live server
// (which may be). Its scenarios that share a policy and an origin then run
// in list order, one at a time, so that every run, at any concurrency,
// sends it the same sequence.
type StatefulTarget interface {
	Target
	Stateful() bool
}

// job is one run of one scenario.
type job struct {
	s     corsproof.Scenario
	rep   int
	index int      // in run order: where its result goes
	keys  []string // what it must not share with an earlier job in flight
}

// schedule orders jobs (in place) for concurrent running: the ones that wait
// (RepeatAfter) first, so their waits overlap everything else, then the
// rest in run order; and it gives each job the keys of the state it
// shares with other jobs.
func (r *Runner) schedule(jobs []job) []job {
	if st, ok := r.Target.(StatefulTarget); ok && st.Stateful() {
		for i := range jobs {
			j := &jobs[i]
			for _, site := range []string{j.s.Site, j.s.PrimeSite} {
				if site == "" {
					continue
				}
				origin := site
				if st, ok := r.Topology.Site(site); ok {
					origin = st.Origin
				}
				j.keys = append(j.keys, "server "+j.s.Policy+" "+origin)
			}
		}
	}
	slices.SortStableFunc(jobs, func(a, b job) int {
		return -cmp.Compare(waits(a.s), waits(b.s))
	})
	return jobs
}

// waits is how long a scenario sleeps between its fetches.
func waits(s corsproof.Scenario) int64 { return int64(s.RepeatAfter) * int64(s.Repeat) }

// runJobs runs jobs on n workers and returns the results by job index. A
// job starts once no earlier job (in the scheduled order) with one of its
// keys is unfinished, so jobs sharing state keep their order.
func (r *Runner) runJobs(ctx context.Context, jobs []job, n int, done func(corsproof.Result)) []corsproof.Result {
	results := make([]corsproof.Result, len(jobs))
	if n < 1 {
		n = 1
	}
	var (
		mu      sync.Mutex
		cond    = sync.NewCond(&mu)
		started = make([]bool, len(jobs))
		next    = 0 // first job not started
	)
	// pending is, per key, the jobs with that key not yet finished, in
	// order; a job may start when it is first in line for each of its keys.
	pending := map[string][]int{}
	for i, j := range jobs {
		for _, k := range j.keys {
			pending[k] = append(pending[k], i)
		}
	}
	ready := func(i int) bool {
		for _, k := range jobs[i].keys {
			if q := pending[k]; len(q) == 0 || q[0] != i {
				return false
			}
		}
		return true
	}
	// take returns the first job that may start, or -1 when none may yet
	// (ok false: every job has started).
	take := func() (int, bool) {
		for next < len(jobs) && started[next] {
			next++
		}
		if next == len(jobs) {
			return -1, false
		}
		for i := next; i < len(jobs); i++ {
			if !started[i] && ready(i) {
				started[i] = true
				return i, true
			}
		}
		return -1, true
	}
	var wg sync.WaitGroup
	for range min(n, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i, more := take()
				for i < 0 && more {
					cond.Wait()
					i, more = take()
				}
				mu.Unlock()
				if !more {
					return
				}
				j := jobs[i]
				res := r.Run(ctx, j.s, j.rep)
				results[j.index] = res
				mu.Lock()
				for _, k := range j.keys {
					pending[k] = pending[k][1:]
				}
				if done != nil {
					done(res)
				}
				cond.Broadcast()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return results
}

// openPages loads the origin pages the jobs use, side by side, when the
// engine can: the first fetches then find their tabs ready. A page that
// fails here is tried again by its fetch, which reports the error.
func (r *Runner) openPages(ctx context.Context, jobs []job) {
	op, ok := r.Engine.(browser.Opener)
	if !ok {
		return
	}
	var pages []string
	for _, j := range jobs {
		for _, site := range []string{j.s.Site, j.s.PrimeSite} {
			if site == "" {
				continue
			}
			if p, err := r.Topology.PageURL(site); err == nil && !slices.Contains(pages, p) {
				pages = append(pages, p)
			}
		}
	}
	_ = op.Open(ctx, pages)
}

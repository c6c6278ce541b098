package harness

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/judge"
)

// fetchAll runs a scenario's fetches: the priming fetch from PrimeSite's
// page (not judged), then the fetch and its repeats, the i-th repeat i
// RepeatAfters after the first fetch ended.
// It returns the judged fetches in order, the last one being the verdict's,
// and the priming fetch's observation (nil without one).
func (r *Runner) fetchAll(ctx context.Context, s corsproof.Scenario, f browser.Fetch) ([]judge.Fetch, *browser.Observation, error) {
	var prime *browser.Observation
	if s.PrimeSite != "" {
		page, err := r.Topology.PageURL(s.PrimeSite)
		if err != nil {
			return nil, nil, fmt.Errorf("scenario %s: prime site: %w", s.ID, err)
		}
		pf := f
		pf.PageURL = page
		obs, err := r.fetchOnce(ctx, pf)
		if err != nil {
			return nil, nil, err
		}
		prime = &obs
	}
	var out []judge.Fetch
	var first time.Time
	for i := 0; i <= s.Repeat; i++ {
		if i > 0 && s.RepeatAfter > 0 {
			// Fetch i goes i RepeatAfters after the first one ended, when
			// its preflight's result was cached (a browser's first fetch
			// may take a while to connect), however long the repeats take:
			// their delays do not add up, so a repeat meant to come before
			// the entry expires does.
			select {
			case <-time.After(time.Until(first.Add(time.Duration(i) * s.RepeatAfter))):
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
		}
		at := time.Now()
		obs, err := r.fetchOnce(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		if i == 0 {
			first = time.Now()
		}
		out = append(out, judge.Fetch{At: at, Observation: obs})
	}
	return out, prime, nil
}

func (r *Runner) fetchOnce(ctx context.Context, f browser.Fetch) (browser.Observation, error) {
	// An engine that runs one fetch at a time (WebKit): the fetch's
	// deadline starts when its turn comes, not while it waits for others.
	if s, ok := r.Engine.(browser.Sequential); ok {
		release, err := s.Turn(ctx)
		if err != nil {
			return browser.Observation{}, err
		}
		defer release()
	}
	fctx, cancel := context.WithTimeout(ctx, r.fetchTimeout())
	defer cancel()
	obs, err := r.Engine.Fetch(fctx, f)
	if err != nil {
		return obs, &InfraError{Op: string(r.Engine.Name()) + " fetch", Err: err}
	}
	return obs, nil
}

// PreflightJournal is a Target whose journal shows the preflights it
// answered (the mock's does).
type PreflightJournal interface {
	// Preflights is how many preflights for the request carrying token
	// the server answered since since.
	Preflights(token string, since time.Time) int
}

// missingPreflights checks the browser's evidence against the server's
// journal: a preflight the server answered but the browser did not report
// means its network events are incomplete (seen in Chromium when a crash
// disturbed the run), and a verdict built on them would be wrong: with no
// preflight in sight the model supposes a cached one. Nil when the
// engine does not report every preflight or the target keeps no journal.
func (r *Runner) missingPreflights(token string, since time.Time, prime *browser.Observation, fetches []judge.Fetch) error {
	j, ok := r.Target.(PreflightJournal)
	if !ok || r.Engine.Name() != corsproof.Chromium {
		// Only Chromium reports every preflight: Firefox's BiDi events
		// miss some (the preflight of an OPTIONS request), WebKit shows
		// none.
		return nil
	}
	obs := make([]corsproof.Observation, 0, len(fetches)+1)
	if prime != nil {
		obs = append(obs, *prime)
	}
	for _, f := range fetches {
		obs = append(obs, f.Observation)
	}
	reported := 0
	for _, o := range obs {
		if slices.Contains(o.Unavailable, "preflight") {
			return nil
		}
		reported += len(o.AllPreflights())
	}
	if answered := j.Preflights(token, since); answered > reported {
		return &InfraError{Op: string(r.Engine.Name()) + " evidence", Err: fmt.Errorf(
			"the server answered %d preflight(s) for this request but %s reported %d: its network events are incomplete, so nothing was judged",
			answered, r.Engine.Name(), reported)}
	}
	return nil
}

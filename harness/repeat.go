package harness

import (
	"context"
	"fmt"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/judge"
)

// fetchAll runs a scenario's fetches: the priming fetch from PrimeSite's
// page (not judged), then the fetch and its repeats, RepeatAfter apart.
// It returns the judged fetches in order, the last one being the verdict's.
func (r *Runner) fetchAll(ctx context.Context, s corsproof.Scenario, f browser.Fetch) ([]judge.Fetch, error) {
	if s.PrimeSite != "" {
		page, err := r.Topology.PageURL(s.PrimeSite)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: prime site: %w", s.ID, err)
		}
		pf := f
		pf.PageURL = page
		if _, err := r.fetchOnce(ctx, pf); err != nil {
			return nil, err
		}
	}
	var out []judge.Fetch
	for i := 0; i <= s.Repeat; i++ {
		if i > 0 && s.RepeatAfter > 0 {
			select {
			case <-time.After(s.RepeatAfter):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		at := time.Now()
		obs, err := r.fetchOnce(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, judge.Fetch{At: at, Observation: obs})
	}
	return out, nil
}

func (r *Runner) fetchOnce(ctx context.Context, f browser.Fetch) (browser.Observation, error) {
	fctx, cancel := context.WithTimeout(ctx, r.fetchTimeout())
	defer cancel()
	obs, err := r.Engine.Fetch(fctx, f)
	if err != nil {
		return obs, &InfraError{Op: string(r.Engine.Name()) + " fetch", Err: err}
	}
	return obs, nil
}

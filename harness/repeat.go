package harness

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

// fetched is one fetch of a scenario: when it started and what happened.
type fetched struct {
	at  time.Time
	obs browser.Observation
}

// fetchAll runs a scenario's fetches: the priming fetch from PrimeSite's
// page (not judged), then the fetch and its repeats, RepeatAfter apart.
// It returns the judged fetches in order, the last one being the verdict's.
func (r *Runner) fetchAll(ctx context.Context, s Scenario, f browser.Fetch) ([]fetched, error) {
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
	var out []fetched
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
		out = append(out, fetched{at: at, obs: obs})
	}
	return out, nil
}

func (r *Runner) fetchOnce(ctx context.Context, f browser.Fetch) (browser.Observation, error) {
	fctx, cancel := context.WithTimeout(ctx, r.fetchTimeout())
	defer cancel()
	obs, err := r.Engine.Fetch(fctx, f)
	if err != nil {
		return obs, &InfraError{Op: r.Engine.Name() + " fetch", Err: err}
	}
	return obs, nil
}

// decideAll replays every fetch of a scenario through the model twice, once
// against the policy and once against the wire, each with its own preflight
// cache and the fetch's real start time as the clock. So for a repeated
// fetch the model knows whether the browser should have sent a preflight:
// within max-age it should not, and a missing preflight on the wire is then
// expected rather than an unanswerable question. The last decisions are
// returned.
func decideAll(req spec.Request, hist []fetched, pol *policy.Policy, pathOf func(*url.URL) string, p spec.Profile, unseen spec.Server) (polDec, wireDec spec.Decision) {
	pc, wc := spec.NewCache(), spec.NewCache()
	for _, h := range hist {
		polDec = spec.Decide(req, policyServer(pol, h.obs, pathOf, unseen), p, spec.WithCache(pc), spec.WithNow(h.at))
		wireDec = spec.Decide(req, wireServer(h.obs), p, spec.WithCache(wc), spec.WithNow(h.at))
	}
	return polDec, wireDec
}

// judgePreflights extends the verdict of a repeated scenario, where access
// alone cannot tell the preflight cache apart: the judged fetch either sent
// a preflight or used a cached one. When the browser did what the wire
// headers say (the model agrees) but not what the policy says, the server's
// Access-Control-Max-Age is wrong: a preflight the policy's max-age should
// have spared is a cost (broken), a preflight the policy requires but the
// browser skipped is a check the server let it skip (security).
func judgePreflights(res *Result, s Scenario, wire spec.Decision, first browser.Observation) {
	if s.Repeat == 0 || res.Observation == nil || wire.Incomplete {
		return
	}
	if res.Verdict != VerdictPass && !(res.Verdict == VerdictBrowserDeviation && res.Known) {
		return
	}
	observed, model, expected := res.Observed.Preflight, wire.Preflight, res.Expected.Preflight
	switch {
	case observed != model:
		res.Verdict, res.Known, res.Severity = VerdictBrowserDeviation, false, SeverityNone
		res.Explanation = fmt.Sprintf("the browser %s a preflight on fetch %d, but its preflight cache, given the max-age the server sent, says it should %s",
			sentOrSkipped(observed), s.Repeat+1, sendOrSkip(model))
	case observed != expected:
		res.Verdict, res.Known = VerdictServerMismatch, false
		got := maxAgeOf(first)
		if observed {
			res.Severity = SeverityBroken
			res.Explanation = fmt.Sprintf("broken: the browser had to send a preflight again on fetch %d although the policy's max-age caches it; the server's preflight response %s",
				s.Repeat+1, got)
		} else {
			res.Severity = SeveritySecurity
			res.Explanation = fmt.Sprintf("security: the browser skipped the preflight on fetch %d although the policy's max-age requires one; the server's preflight response %s",
				s.Repeat+1, got)
		}
	}
}

func sentOrSkipped(sent bool) string {
	if sent {
		return "sent"
	}
	return "skipped"
}

func sendOrSkip(send bool) string {
	if send {
		return "send one"
	}
	return "use the cached one"
}

// maxAgeOf describes the Access-Control-Max-Age the first fetch's
// preflight carried: the one the browser cached, or did not.
func maxAgeOf(obs browser.Observation) string {
	if obs.Preflight == nil {
		return "was not seen"
	}
	if v, ok := browser.HeaderValue(obs.Preflight.ResponseHeaders, policy.HeaderMaxAge); ok {
		return "sent " + policy.HeaderMaxAge + ": " + v
	}
	return "lacks " + policy.HeaderMaxAge
}

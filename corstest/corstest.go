// Package corstest checks an http.Handler's CORS behaviour against a policy
// in real headless Chromium, from go test:
//
//	func TestCORS(t *testing.T) {
//		p, err := policy.Load("testdata/cors.yaml")
//		if err != nil {
//			t.Fatal(err)
//		}
//		corstest.Check(t, myapp.Handler(), p)
//	}
//
// The handler is served over HTTPS on 127.0.0.1 under a real-looking API
// name; the policy's allowed origins and a set of attacker origins are served
// as origin pages under their own names; Chromium fetches the policy's
// endpoints from each of them. Every scenario whose outcome differs from the
// policy fails the test with a one-line explanation. Without a browser the
// test is skipped, except under CI=true, where it fails.
package corstest

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/scenarios"
	"github.com/corsproof/corsproof/spec"
)

// Options tune a check. The zero value is fine.
type Options struct {
	// APIOrigin is the origin the handler is served under. Empty: a host
	// on the same site as the policy's first exact origin ("app.example.com"
	// gives "https://corsproof-api.example.com"), so that credentialed
	// requests keep their cookies as they would in a same-site deployment.
	APIOrigin string
	// Methods limits the methods sent (default: each endpoint's own).
	Methods []string
	// Headers are added to every request.
	Headers spec.Headers
	// FetchTimeout bounds each fetch (default 15 s).
	FetchTimeout time.Duration
}

// Check runs the policy's scenarios against h and reports each one that does
// not match as a test error. It returns all results for further assertions.
func Check(t testing.TB, h http.Handler, p *policy.Policy, o ...Options) []corsproof.Result {
	t.Helper()
	var opts Options
	if len(o) > 0 {
		opts = o[0]
	}
	results, err := Run(context.Background(), h, p, opts)
	testenv.Started(t, "the browser for corstest", err)
	for _, r := range results {
		if r.Failed() {
			t.Errorf("corstest: %s [%s]: %s", r.Scenario.ID, r.VerdictLabel(), r.Explanation)
		}
	}
	return results
}

// Run is Check without testing.TB: it serves h, runs the scenarios in one
// Chromium and returns their results. The browser and the listeners are
// gone when it returns.
func Run(ctx context.Context, h http.Handler, p *policy.Policy, o Options) ([]corsproof.Result, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	apiOrigin := o.APIOrigin
	if apiOrigin == "" {
		apiOrigin = sameSiteAPIOrigin(p)
	}
	target, err := harness.NewLiveTarget(apiOrigin, p)
	if err != nil {
		return nil, err
	}
	sites, _ := scenarios.LiveSites(p, target.Base())
	session, err := harness.Start(ctx, harness.Config{Sites: sites, Live: target, Handler: h, FetchTimeout: o.FetchTimeout})
	if err != nil {
		return nil, err
	}
	defer session.Close()
	list := scenarios.GenerateScenarios(p, scenarios.GenerateOptions{
		Sites: sites, Methods: o.Methods, Headers: o.Headers, Policy: "policy",
	})
	return session.Runner().RunAll(ctx, list, harness.RunOptions{}), nil
}

// sameSiteAPIOrigin puts the API next to the first exact allowed origin.
func sameSiteAPIOrigin(p *policy.Policy) string {
	for _, o := range p.Origins {
		u, err := url.Parse(o)
		if err != nil || u.Scheme != "https" || strings.Contains(u.Host, "*") {
			continue
		}
		host := u.Hostname()
		if i := strings.IndexByte(host, '.'); i > 0 && strings.Count(host, ".") >= 2 {
			return "https://corsproof-api" + host[i:]
		}
		return "https://corsproof-api." + host
	}
	return "https://api.corsproof.test"
}

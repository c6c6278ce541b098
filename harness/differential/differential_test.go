package differential

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/spec"
)

// defaultCases is how many combinations a run draws; CORSPROOF_DIFF_N
// overrides it.
const defaultCases = 600

// seedFor returns CORSPROOF_DIFF_SEED, or a fresh seed, and logs it.
func seedFor(t *testing.T) uint64 {
	t.Helper()
	if s := os.Getenv("CORSPROOF_DIFF_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CORSPROOF_DIFF_SEED=%q is not an unsigned integer", s)
		}
		t.Logf("seed %d (from CORSPROOF_DIFF_SEED)", seed)
		return seed
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d (replay with CORSPROOF_DIFF_SEED=%d)", seed, seed)
	return seed
}

func caseCount(t *testing.T) int {
	t.Helper()
	if s := os.Getenv("CORSPROOF_DIFF_N"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("CORSPROOF_DIFF_N=%q is not a positive integer", s)
		}
		return n
	}
	return defaultCases
}

// startChromium starts the topology serving cases and one Chromium. Without
// a browser the test skips, except under CI=true where it fails.
func startChromium(t *testing.T, run string, cases []Case) (*harness.Topology, browser.Engine) {
	t.Helper()
	if _, err := browser.FindChromium(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and no browser: %v", err)
		}
		t.Skipf("no Chromium: %v", err)
	}
	topo, err := harness.StartTopology(harness.TopologyConfig{
		Sites: []harness.Site{
			{Name: "app", Class: harness.ClassAllowed, Origin: AllowedOrigin},
			{Name: "evil", Class: harness.ClassCrossSite, Origin: OtherOrigin},
		},
		APIOrigins: []string{APIOrigin},
		API:        Handler(run, cases),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { topo.Close() })
	engine, err := harness.LaunchChromium(context.Background(), topo, os.Getenv("CORSPROOF_CHROME"), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := engine.Close(); err != nil {
			t.Errorf("closing Chromium: %v", err)
		}
	})
	return topo, engine
}

// TestModelAgreesWithChromium is the differential proof: every generated
// case runs in real Chromium and through spec.Decide with the Chromium
// profile, and the two must agree; where Chromium departs from the Fetch
// standard, the profile must name the deviation.
func TestModelAgreesWithChromium(t *testing.T) {
	seed, n := seedFor(t), caseCount(t)
	cases := Generate(seed, n)
	run := harness.NewRunID()
	topo, engine := startChromium(t, run, cases)

	start := time.Now()
	known := map[string]int{}
	failures := 0
	var uncaptured []int
	for _, c := range cases {
		page, err := topo.PageURL(c.Site)
		if err != nil {
			t.Fatal(err)
		}
		url := APIOrigin + c.Path(run)
		f := browser.Fetch{PageURL: page, URL: url, Method: c.Method, Credentials: string(c.Credentials)}
		for _, x := range c.Headers {
			f.Headers = append(f.Headers, browser.Header{Name: x.Name, Value: x.Value})
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		obs, err := engine.Fetch(ctx, f)
		cancel()
		if err != nil {
			t.Fatalf("seed %d case %d: the browser could not run the fetch: %v", seed, c.Index, err)
		}
		req := c.Request(url)
		if PreflightUncaptured(obs) {
			uncaptured = append(uncaptured, c.Index)
		}
		v := Judge(c, spec.Decide(req, c.Server(), spec.Chromium), spec.Decide(req, c.Server(), spec.Standard), obs)
		if v.Problem != "" {
			failures++
			if failures <= 20 {
				t.Error(v.Report(seed, c, url))
			}
			continue
		}
		for _, id := range v.Known {
			known[id]++
		}
	}
	elapsed := time.Since(start)
	if failures > 20 {
		t.Errorf("%d more cases failed (seed %d)", failures-20, seed)
	}
	t.Logf("%d cases in %s (%.0f fetches/s) in %s; seed %d", n, elapsed.Round(time.Millisecond),
		float64(n)/elapsed.Seconds(), engine.Version(), seed)
	t.Logf("known deviations seen: %s", countList(known))
	if len(uncaptured) > 0 {
		t.Errorf("the engine captured no preflight exchange for %d preflight-blocked case(s) %v; the block reason proves one was sent", len(uncaptured), uncaptured)
	}
	if failures > 0 {
		t.Logf("replay: CORSPROOF_DIFF_SEED=%d go test ./harness/differential/", seed)
	}
}

func countList(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

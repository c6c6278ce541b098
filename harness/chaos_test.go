package harness_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/internal/testproc"
	"github.com/corsproof/corsproof/scenarios"
)

// chaosCase kills part of a running browser while a fetch is in flight.
type chaosCase struct {
	engine corsproof.Engine
	part   string
	// victims are the pids to kill, found in the live engine at kill time.
	victims func(e browser.Engine) []int
	// restart says the whole browser must be replaced (not only a tab).
	restart bool
	// concurrency is the run's (0: the default).
	concurrency int
}

var chaosCases = []chaosCase{
	{corsproof.Chromium, "renderer", chromiumRenderers, false, 1},
	{corsproof.Chromium, "renderer", chromiumRenderers, false, 0},
	{corsproof.Chromium, "browser", func(e browser.Engine) []int { return []int{e.(*browser.Chromium).PID()} }, true, 0},
	{corsproof.Firefox, "content process", func(e browser.Engine) []int {
		return testproc.Descendants(e.(*browser.Firefox).PID(), "-isForBrowser")
	}, false, 0},
	{corsproof.Firefox, "browser", func(e browser.Engine) []int { return []int{e.(*browser.Firefox).PID()} }, true, 0},
	{corsproof.WebKit, "web process", func(e browser.Engine) []int {
		return testproc.Descendants(e.(*browser.WebKit).DriverPID(), "WebKitWebProcess")
	}, false, 0},
	{corsproof.WebKit, "driver", func(e browser.Engine) []int { return []int{e.(*browser.WebKit).DriverPID()} }, true, 0},
}

func chromiumRenderers(e browser.Engine) []int {
	return testproc.Descendants(e.(*browser.Chromium).PID(), "--type=renderer")
}

// TestChaos kills a Chromium renderer, the Chromium browser, a Firefox
// content process, the Firefox browser, a WebKit web process and the WebKit
// driver, each in the middle of a fetch of a catalog run at the default
// concurrency (and the renderer once more in a sequential run), and holds
// the run to what an undisturbed run of the same scenarios gives: it
// finishes, at most the scenarios in flight are errors naming the crash,
// every other scenario has the undisturbed verdict and cause, and nothing
// of any browser is left running after Close.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("starts every engine several times")
	}
	adoptOrphans(t)
	list := chaosScenarios(60)
	for _, engine := range []corsproof.Engine{corsproof.Chromium, corsproof.Firefox, corsproof.WebKit} {
		t.Run(string(engine), func(t *testing.T) {
			testenv.Found(t, string(engine), browser.Finder(engine))
			want, _ := chaosRun(t, engine, list, nil)
			for _, c := range chaosCases {
				if c.engine != engine {
					continue
				}
				name := "kill " + c.part
				if c.concurrency == 1 {
					name += " sequential"
				}
				t.Run(name, func(t *testing.T) {
					got, allowed := chaosRun(t, engine, list, &c)
					compareChaos(t, want, got, allowed)
				})
			}
		})
	}
}

// chaosScenarios is the first n catalog scenarios that do not wait out a
// max-age (their waits would only make the test slow).
func chaosScenarios(n int) []corsproof.Scenario {
	var out []corsproof.Scenario
	for _, s := range scenarios.Catalog() {
		if s.RepeatAfter == 0 && len(out) < n {
			out = append(out, s)
		}
	}
	return out
}

// chaosRun runs list in a new session of engine, killing c's victims in the
// middle of the run's 20th fetch when c is not nil, and checks that nothing
// is left behind. It returns the results and how many of them the kill may
// turn into errors.
func chaosRun(t *testing.T, engine corsproof.Engine, list []corsproof.Scenario, c *chaosCase) ([]corsproof.Result, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	run, err := harness.Start(ctx, harness.Config{Engine: engine, Policies: scenarios.Policies(), FetchTimeout: 10 * time.Second, Logf: t.Logf})
	testenv.Started(t, string(engine), err)
	runner := run.Runner()
	var killed atomic.Int32
	var k *killAt
	concurrency := 0
	if c != nil {
		concurrency = c.concurrency
		k = &killAt{Engine: runner.Engine, at: 20, kill: func() {
			e := harness.Unwrap(run.Engine)
			if e == nil {
				return
			}
			for _, pid := range c.victims(e) {
				if pid > 0 && syscall.Kill(pid, syscall.SIGKILL) == nil {
					killed.Add(1)
				}
			}
		}}
		runner.Engine = k
	}
	start := time.Now()
	results := runner.RunAll(ctx, list, harness.RunOptions{Concurrency: concurrency})
	elapsed := time.Since(start)
	restarts := harness.Restarts(run.Engine)
	if err := run.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if left := waitNoOrphans(5 * time.Second); len(left) > 0 {
		t.Errorf("left running after Close: %s", strings.Join(left, "; "))
	}
	if c == nil {
		for _, r := range results {
			if r.Verdict == corsproof.VerdictError {
				t.Errorf("undisturbed run: %s: %s", r.Scenario.ID, r.Explanation)
			}
		}
	} else {
		if killed.Load() == 0 {
			t.Fatalf("found no %s process to kill", c.part)
		}
		if c.restart && restarts == 0 {
			t.Errorf("the %s was killed but never restarted", c.part)
		}
		t.Logf("killed %d %s process(es) with %d fetch(es) in flight until the crash was seen; %d browser restart(s); %d scenarios in %v", killed.Load(), c.part, k.inflightAtKill, restarts, len(results), elapsed.Round(time.Millisecond))
		// Those in flight until the crash was seen may fail, and one more
		// per process killed: each dead renderer's tab may start a fetch
		// before its own crash is reported (CI: 6 renderers killed, 8 in
		// flight, 10 errors, each naming the crash).
		return results, k.inflightAtKill + int(killed.Load())
	}
	return results, 0
}

// compareChaos holds a disturbed run to the undisturbed one: at most
// allowed scenarios may become errors, and those must name the crash.
func compareChaos(t *testing.T, want, got []corsproof.Result, allowed int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d", len(got), len(want))
	}
	errored := 0
	for i, g := range got {
		w := want[i]
		if g.Verdict == corsproof.VerdictError && w.Verdict != corsproof.VerdictError {
			errored++
			// The crash itself, or what it did to the evidence of a
			// fetch running beside it (events Chromium never sent).
			if !strings.Contains(g.Explanation, "crashed") && !strings.Contains(g.Explanation, "restart") &&
				!strings.Contains(g.Explanation, "network events are incomplete") {
				t.Errorf("%s: error that does not name the crash: %s", g.Scenario.ID, g.Explanation)
			}
			continue
		}
		if g.Verdict != w.Verdict || causeKey(g) != causeKey(w) {
			t.Errorf("%s: %s (%s), undisturbed %s (%s)", g.Scenario.ID, g.VerdictLabel(), causeKey(g), w.VerdictLabel(), causeKey(w))
		}
	}
	if errored > allowed {
		t.Errorf("%d scenarios became errors; at most %d may (the fetches in flight until the crash was seen, and one per process killed)", errored, allowed)
	}
}

func causeKey(r corsproof.Result) string {
	if r.Cause == nil {
		return ""
	}
	return r.Cause.Key()
}

// killAt runs kill shortly after the at-th fetch has started, so that the
// kill lands while that fetch is in flight.
type killAt struct {
	browser.Engine
	n    atomic.Int32
	at   int32
	kill func()

	running atomic.Int32
	// inflightAtKill are the fetches running when the kill landed, plus
	// those started after it until the first fetch returned the crash:
	// the fetches a crash may take down.
	mu             sync.Mutex
	killed, known  bool
	inflightAtKill int
}

func (k *killAt) Fetch(ctx context.Context, f browser.Fetch) (browser.Observation, error) {
	k.running.Add(1)
	defer k.running.Add(-1)
	k.mu.Lock()
	if k.killed && !k.known {
		k.inflightAtKill++
	}
	k.mu.Unlock()
	if k.n.Add(1) == k.at {
		done := make(chan struct{})
		go func() {
			time.Sleep(2 * time.Millisecond)
			k.mu.Lock()
			k.killed, k.inflightAtKill = true, int(k.running.Load())
			k.kill()
			k.mu.Unlock()
			close(done)
		}()
		defer func() { <-done }()
	}
	obs, err := k.Engine.Fetch(ctx, f)
	var crash *browser.CrashError
	if errors.As(err, &crash) {
		k.mu.Lock()
		k.known = k.killed
		k.mu.Unlock()
	}
	return obs, err
}

// adoptOrphans makes this process the reaper of its orphaned descendants,
// so that a browser's child that outlives a killed parent stays visible to
// waitNoOrphans instead of moving to init.
var adoptOnce sync.Once

func adoptOrphans(t *testing.T) {
	adoptOnce.Do(func() {
		const prSetChildSubreaper = 36
		if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
			t.Logf("PR_SET_CHILD_SUBREAPER: %v (orphans of killed browsers are not checked)", errno)
		}
	})
}

// waitNoOrphans waits up to d for every descendant of this process to be
// gone (zombies count as gone) and returns those still running.
func waitNoOrphans(d time.Duration) []string {
	deadline := time.Now().Add(d)
	for {
		var left []string
		for _, pid := range testproc.Descendants(os.Getpid(), "") {
			left = append(left, fmt.Sprintf("%d %s", pid, testproc.Cmdline(pid)))
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(100 * time.Millisecond)
	}
}

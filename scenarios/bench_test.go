package scenarios_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/scenarios"
)

var benchJSON = flag.String("bench-json", "", "BenchmarkCatalog writes its measurements to this JSON file")

// catalogBench is one run BenchmarkCatalog measures, as written to -bench-json.
type catalogBench struct {
	Engines            []corsproof.Engine `json:"engines"`
	Concurrency        int                `json:"concurrency"`
	Scenarios          int                `json:"scenarios"`
	WallSeconds        float64            `json:"wall_seconds"` // browser start to browser closed
	StartSeconds       float64            `json:"start_seconds"`
	RunSeconds         float64            `json:"run_seconds"`
	ScenariosPerSecond float64            `json:"scenarios_per_second"` // over the wall time
	PeakGoHeapBytes    uint64             `json:"peak_go_heap_bytes"`
	// PeakBrowserRSS sums the resident memory of the browser's process
	// tree, counting pages shared between its processes once per process;
	// PeakBrowserPSS shares them out (Linux smaps_rollup), so it adds up.
	PeakBrowserRSS uint64 `json:"peak_browser_rss_bytes"`
	PeakBrowserPSS uint64 `json:"peak_browser_pss_bytes"`
	// PeakTotalBytes is the largest Go heap + browser PSS of one sample.
	PeakTotalBytes   uint64   `json:"peak_total_bytes"`
	BrowserProcesses int      `json:"browser_processes"` // at the peak
	Failed           int      `json:"failed"`
	Browsers         []string `json:"browsers"`
}

// benchReport is the whole of -bench-json.
type benchReport struct {
	Runs []catalogBench `json:"runs"`
	// SpeedupOverSequential is the Chromium run's scenarios/s at the
	// default concurrency over the same catalog's at --concurrency 1.
	SpeedupOverSequential float64 `json:"speedup_over_sequential"`
	GoVersion             string  `json:"go_version"`
	CPUs                  int     `json:"cpus"`
	Time                  string  `json:"time"`
}

// BenchmarkCatalog runs the full catalog on the conforming mock the way
// `corsproof run` does, browser start and shutdown included, in one run:
// Chromium at the default concurrency, Chromium at --concurrency 1 (the
// ratio of the two is the concurrency's gain), and the three engines one
// after another at the default concurrency. Each reports the wall time,
// scenarios per second and peak memory: the Go heap plus the memory of the
// browser's whole process tree, sampled every second (reading smaps costs
// the kernel time a busier sampler would take from the run). Run it with
// `make bench`.
func BenchmarkCatalog(b *testing.B) {
	catalog := scenarios.Catalog()
	var rep benchReport
	for i := 0; i < b.N; i++ {
		rep = benchReport{GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), Time: time.Now().UTC().Format(time.RFC3339)}
		chromium := []corsproof.Engine{corsproof.Chromium}
		rep.Runs = append(rep.Runs,
			benchCatalogOnce(b, catalog, chromium, harness.DefaultConcurrency),
			benchCatalogOnce(b, catalog, chromium, 1),
			benchCatalogOnce(b, catalog, corsproof.Engines, harness.DefaultConcurrency))
	}
	if seq := rep.Runs[1].ScenariosPerSecond; seq > 0 {
		rep.SpeedupOverSequential = rep.Runs[0].ScenariosPerSecond / seq
	}
	b.ReportMetric(rep.Runs[0].WallSeconds, "wall-s")
	b.ReportMetric(rep.Runs[0].ScenariosPerSecond, "scenarios/s")
	b.ReportMetric(float64(rep.Runs[0].PeakTotalBytes)/(1<<20), "peak-MiB")
	b.ReportMetric(rep.SpeedupOverSequential, "x-over-sequential")
	b.ReportMetric(rep.Runs[2].WallSeconds, "three-engine-wall-s")
	for _, m := range rep.Runs {
		fmt.Printf("catalog in %s at concurrency %d: %d scenarios in %.2f s (start %.2f s, run %.2f s): %.1f scenarios/s; peak memory %.0f MiB "+
			"(Go heap %.0f MiB + browser PSS %.0f MiB in %d processes; their RSS summed: %.0f MiB)\n",
			engineList(m.Engines), m.Concurrency, m.Scenarios, m.WallSeconds, m.StartSeconds, m.RunSeconds, m.ScenariosPerSecond,
			float64(m.PeakTotalBytes)/(1<<20), float64(m.PeakGoHeapBytes)/(1<<20), float64(m.PeakBrowserPSS)/(1<<20),
			m.BrowserProcesses, float64(m.PeakBrowserRSS)/(1<<20))
	}
	fmt.Printf("Chromium at concurrency %d is %.2fx its --concurrency 1 run\n", harness.DefaultConcurrency, rep.SpeedupOverSequential)
	if *benchJSON != "" {
		data, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.MkdirAll(filepath.Dir(*benchJSON), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(*benchJSON, append(data, '\n'), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

func engineList(es []corsproof.Engine) string {
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = string(e)
	}
	return strings.Join(names, "+")
}

// pidOf is the root of an engine's process tree: the browser, or WebKit's
// driver (MiniBrowser and its web processes are its children).
func pidOf(e browser.Engine) int {
	switch x := harness.Unwrap(e).(type) {
	case interface{ PID() int }:
		return x.PID()
	case interface{ DriverPID() int }:
		return x.DriverPID()
	}
	return 0
}

func benchCatalogOnce(b *testing.B, catalog []corsproof.Scenario, engines []corsproof.Engine, concurrency int) catalogBench {
	b.StopTimer()
	runtime.GC()
	b.StartTimer()
	m := catalogBench{Engines: engines, Concurrency: concurrency}
	var (
		mu   sync.Mutex
		pid  int
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() { // the memory sampler
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			mu.Lock()
			rss, pss, n := treeMemory(pid)
			m.PeakGoHeapBytes = max(m.PeakGoHeapBytes, ms.HeapInuse)
			if rss > m.PeakBrowserRSS {
				m.PeakBrowserRSS, m.BrowserProcesses = rss, n
			}
			m.PeakBrowserPSS = max(m.PeakBrowserPSS, pss)
			m.PeakTotalBytes = max(m.PeakTotalBytes, ms.HeapInuse+pss)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	for _, engine := range engines {
		t0 := time.Now()
		cfg := harness.Config{Engine: engine, Policies: scenarios.Policies()}
		if engine == corsproof.Chromium {
			cfg.ExecPath = os.Getenv(browser.EnvChrome)
		}
		run, err := harness.Start(context.Background(), cfg)
		if err != nil {
			close(done)
			wg.Wait()
			testenv.Started(b, string(engine), err)
		}
		mu.Lock()
		pid = pidOf(run.Engine)
		mu.Unlock()
		m.Browsers = append(m.Browsers, run.Engine.Version())
		m.StartSeconds += time.Since(t0).Seconds()
		runStart := time.Now()
		results := run.Runner().RunAll(context.Background(), catalog, harness.RunOptions{Concurrency: concurrency})
		m.RunSeconds += time.Since(runStart).Seconds()
		if err := run.Close(); err != nil {
			b.Error(err)
		}
		mu.Lock()
		pid = 0
		mu.Unlock()
		for _, r := range results {
			m.Scenarios++
			if r.Failed() {
				m.Failed++
				b.Errorf("%s in %s: %s", r.Scenario.ID, engine, r.Explanation)
			}
		}
	}
	m.WallSeconds = time.Since(start).Seconds()
	close(done)
	wg.Wait()
	m.ScenariosPerSecond = float64(m.Scenarios) / m.WallSeconds
	return m
}

// treeMemory sums the resident and the proportional set size of pid and
// all its descendants (Linux /proc; zeros elsewhere or when pid is 0).
func treeMemory(pid int) (rss, pss uint64, procs int) {
	if pid <= 0 {
		return 0, 0, 0
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, 0, 0
	}
	children := map[int][]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, ok := parentOf(p); ok {
			children[pp] = append(children[pp], p)
		}
	}
	page := uint64(os.Getpagesize())
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", p))
		if err != nil {
			continue // gone meanwhile
		}
		if f := strings.Fields(string(data)); len(f) > 1 {
			if res, err := strconv.ParseUint(f[1], 10, 64); err == nil {
				rss += res * page
				procs++
			}
		}
		pss += pssOf(p)
		queue = append(queue, children[p]...)
	}
	return rss, pss, procs
}

// pssOf reads the Pss line of /proc/<pid>/smaps_rollup, in bytes.
func pssOf(pid int) uint64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "Pss:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseUint(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// parentOf reads a process's parent id from /proc/<pid>/stat, whose second
// field (the command, in parentheses) may itself contain spaces.
func parentOf(pid int) (int, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0, false
	}
	pp, err := strconv.Atoi(f[1])
	return pp, err == nil
}

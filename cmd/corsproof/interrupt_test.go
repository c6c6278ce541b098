package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/internal/schematest"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/internal/testproc"
	"github.com/corsproof/corsproof/report"
)

// shutdownBudget is what a command has, from SIGINT to its exit: the grace
// it has to return on its own, and half a second for cutShort's cleanups.
const shutdownBudget = 2 * time.Second

// reportChild is a corsproof child process writing --json, --junit and
// --html into a directory of their own (dir), with its TMPDIR apart (tmp):
// what is left in either is visible.
type reportChild struct {
	cmd            *exec.Cmd
	stderr         *syncBuffer
	tmp, dir       string
	json, xml, htm string
}

// startReporting starts corsproof args plus the three report flags. group
// puts it in a process group of its own, which a signal then reaches
// whole, as a terminal's Ctrl-C does (certutil and the like included).
func startReporting(t *testing.T, group bool, args ...string) *reportChild {
	t.Helper()
	c := &reportChild{tmp: t.TempDir(), dir: t.TempDir(), stderr: &syncBuffer{}}
	c.json, c.xml, c.htm = filepath.Join(c.dir, "r.json"), filepath.Join(c.dir, "r.xml"), filepath.Join(c.dir, "r.html")
	args = append(args, "--json", c.json, "--junit", c.xml, "--html", c.htm)
	c.cmd = exec.Command(os.Args[0], args...)
	c.cmd.Env = append(os.Environ(), "CORSPROOF_RUN_MAIN=1", "TMPDIR="+c.tmp)
	c.cmd.Stderr = c.stderr
	if group {
		c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.cmd.Process.Kill() })
	return c
}

// waitFor waits until stderr holds s, for at most d.
func (c *reportChild) waitFor(t *testing.T, s string, d time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(d); !strings.Contains(c.stderr.String(), s); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q on stderr within %v:\n%s", s, d, c.stderr)
		}
	}
}

// waitForDescendant waits until a process below the command has match in
// its command line, for at most d (Linux: /proc; elsewhere it returns at
// once).
func (c *reportChild) waitForDescendant(t *testing.T, match string, d time.Duration) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return
	}
	for deadline := time.Now().Add(d); len(testproc.Descendants(c.cmd.Process.Pid, match)) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s process below corsproof within %v:\n%s", match, d, c.stderr)
		}
	}
}

// interrupt sends SIGINT (to the whole group when it has one) and returns
// the exit code and how long the command took to exit after it.
func (c *reportChild) interrupt(t *testing.T) (int, time.Duration) {
	t.Helper()
	pid := c.cmd.Process.Pid
	if c.cmd.SysProcAttr != nil && c.cmd.SysProcAttr.Setpgid {
		pid = -pid
	}
	start := time.Now()
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code := waitExit(t, c.cmd)
	return code, time.Since(start)
}

// noLeftovers: nothing in TMPDIR, no process using it, and nothing in the
// report directory but the three reports (no temporary file).
func (c *reportChild) noLeftovers(t *testing.T) {
	t.Helper()
	left, _ := os.ReadDir(c.tmp)
	for _, e := range left {
		t.Errorf("left in the temp dir: %s", e.Name())
	}
	if ps, _ := exec.Command("pgrep", "-f", c.tmp).Output(); len(bytes.TrimSpace(ps)) > 0 {
		t.Errorf("processes still using %s: %s", c.tmp, ps)
	}
	files, _ := os.ReadDir(c.dir)
	var names []string
	for _, e := range files {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"r.html", "r.json", "r.xml"}) {
		t.Errorf("the report directory holds %v, want the three reports alone", names)
	}
}

// engineCount is one engine's run as the three reports tell it.
type engineCount struct {
	engine           string
	total, finished  int
	explanationOfOne string // of a scenario not run
}

// checkReports reads the three reports, checks that the JSON one matches
// report/schema.json, that no scenario cut short is an error, and that the
// JUnit and HTML ones count what the JSON one does: the finished scenarios
// as test cases with their outcome, the rest skipped as not run.
func (c *reportChild) checkReports(t *testing.T) []engineCount {
	t.Helper()
	data, err := os.ReadFile(c.json)
	if err != nil {
		t.Fatalf("no JSON report: %v\nstderr:\n%s", err, c.stderr)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the JSON report does not parse: %v", err)
	}
	errs, err := schematest.Validate(report.Schema, doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("JSON report: %s", e)
	}
	var d report.Document
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	var counts []engineCount
	for _, run := range d.Runs {
		ec := engineCount{engine: string(run.Engine), total: len(run.Results)}
		notRun := 0
		for _, r := range run.Results {
			switch r.Verdict {
			case "not-run":
				notRun++
				ec.explanationOfOne = r.Explanation
			case "error":
				t.Errorf("%s %s: an error, not a scenario not run: %s", run.Engine, r.ID, r.Explanation)
			}
		}
		if run.Summary.NotRun != notRun || run.Summary.Total != ec.total {
			t.Errorf("%s: summary %+v, but %d of %d results not run", run.Engine, run.Summary, notRun, ec.total)
		}
		ec.finished = ec.total - notRun
		counts = append(counts, ec)
	}

	xmlData, err := os.ReadFile(c.xml)
	if err != nil {
		t.Fatalf("no JUnit report: %v", err)
	}
	junit, err := parseJUnit(xmlData)
	if err != nil {
		t.Fatal(err)
	}
	if len(junit.Suites) != len(counts) {
		t.Fatalf("JUnit: %d suites, JSON: %d runs", len(junit.Suites), len(counts))
	}
	for i, s := range junit.Suites {
		ran := 0
		for _, tc := range s.Cases {
			if tc.Skipped == nil || !strings.HasPrefix(tc.Skipped.Message, "not run: ") {
				ran++
			}
		}
		if s.Tests != counts[i].total || len(s.Cases) != counts[i].total || ran != counts[i].finished {
			t.Errorf("JUnit %s: %d tests, %d cases, %d not skipped as not run; JSON: %d scenarios, %d finished",
				counts[i].engine, s.Tests, len(s.Cases), ran, counts[i].total, counts[i].finished)
		}
	}

	page, err := os.ReadFile(c.htm)
	if err != nil {
		t.Fatalf("no HTML report: %v", err)
	}
	want := 0
	for _, ec := range counts {
		if n := ec.total - ec.finished; n > 0 {
			want += n
			if chip := `class="chip not-run">` + strconv.Itoa(n) + ` not run</label>`; !bytes.Contains(page, []byte(chip)) {
				t.Errorf("HTML: no chip of %d not run for %s", n, ec.engine)
			}
		}
	}
	if got := len(regexp.MustCompile(`<details class="scenario not-run"`).FindAll(page, -1)); got != want {
		t.Errorf("HTML: %d scenarios not run, JSON: %d", got, want)
	}
	return counts
}

// TestSignalMidRunWritesTheReports interrupts a run of the catalog in
// Chromium then Firefox while Chromium is half way: exit 3 within the
// budget, and the three reports hold the scenarios that finished, every
// other one (the rest of Chromium's, all of Firefox's) not run, and
// nothing of the browsers or of the reports' writing is left.
func TestSignalMidRunWritesTheReports(t *testing.T) {
	testenv.Found(t, "chromium", browser.FindChromium)
	testenv.Found(t, "firefox", browser.FindFirefox)
	c := startReporting(t, false, "run", "--browsers", "chromium,firefox", "--concurrency", "1")
	c.waitFor(t, "scenarios in", time.Minute)
	time.Sleep(2500 * time.Millisecond) // scenarios finish one after another
	code, took := c.interrupt(t)
	t.Logf("SIGINT to exit: %v", took)
	if code != exitInfra {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, exitInfra, c.stderr)
	}
	if took > shutdownBudget {
		t.Errorf("exited %v after SIGINT, past the %v budget; stderr:\n%s", took, shutdownBudget, c.stderr)
	}
	counts := c.checkReports(t)
	if len(counts) != 2 {
		t.Fatalf("%d engines in the report, want 2", len(counts))
	}
	chromium, firefox := counts[0], counts[1]
	if chromium.finished == 0 || chromium.finished == chromium.total {
		t.Errorf("chromium finished %d of %d scenarios: the signal did not land half way", chromium.finished, chromium.total)
	}
	if firefox.finished != 0 || firefox.total != chromium.total {
		t.Errorf("firefox, which never started: %d of %d finished, want 0 of %d", firefox.finished, firefox.total, chromium.total)
	}
	if !strings.Contains(chromium.explanationOfOne, "interrupt signal received") {
		t.Errorf("a scenario not run says %q, not why", chromium.explanationOfOne)
	}
	line := regexp.MustCompile(`corsproof run: interrupted: (\d+) of (\d+) scenarios finished in chromium`).FindStringSubmatch(c.stderr.String())
	if line == nil || line[1] != strconv.Itoa(chromium.finished) {
		t.Errorf("stderr does not say how far chromium got (%d):\n%s", chromium.finished, c.stderr)
	}
	c.noLeftovers(t)
}

// TestMaxTimeWritesTheReports: --max-time ends a run as a signal does,
// with the reports of what finished, the rest not run for that reason,
// and exit 3.
func TestMaxTimeWritesTheReports(t *testing.T) {
	testenv.Found(t, "chromium", browser.FindChromium)
	c := startReporting(t, false, "run", "--max-time", "4s", "--concurrency", "1")
	start := time.Now()
	code := waitExit(t, c.cmd)
	t.Logf("start to exit: %v", time.Since(start))
	if code != exitInfra {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, exitInfra, c.stderr)
	}
	if !strings.Contains(c.stderr.String(), "corsproof run: --max-time 4s reached: ") {
		t.Errorf("stderr does not name --max-time:\n%s", c.stderr)
	}
	counts := c.checkReports(t)
	if len(counts) != 1 || counts[0].finished == 0 || counts[0].finished == counts[0].total {
		t.Fatalf("want some of chromium's scenarios finished and some not: %+v", counts)
	}
	if !strings.Contains(counts[0].explanationOfOne, "--max-time 4s reached") {
		t.Errorf("a scenario not run says %q, not why", counts[0].explanationOfOne)
	}
	c.noLeftovers(t)
}

// TestSignalDuringBrowserStartIsAnInterruption: Ctrl-C (to the whole
// process group, as a terminal sends it) while Firefox starts is the
// user's doing: "interrupted", exit 3, no install advice, and the reports
// hold every scenario not run.
func TestSignalDuringBrowserStartIsAnInterruption(t *testing.T) {
	testenv.Found(t, "firefox", browser.FindFirefox)
	for _, after := range []time.Duration{0, 300 * time.Millisecond, 900 * time.Millisecond} {
		t.Run(after.String(), func(t *testing.T) {
			c := startReporting(t, true, "run", "--browsers", "firefox")
			// A fixed delay from exec is no start: on a loaded machine the
			// signal landed before corsproof's own handler (exit -1). The
			// start is under way once Firefox's process exists.
			c.waitForDescendant(t, "firefox", time.Minute)
			time.Sleep(after)
			if strings.Contains(c.stderr.String(), "scenarios in") {
				t.Skipf("firefox started within %v: no start left to interrupt", after)
			}
			code, took := c.interrupt(t)
			t.Logf("SIGINT to exit: %v", took)
			stderr := c.stderr.String()
			if code != exitInfra || took > shutdownBudget {
				t.Errorf("exit %d after %v, want %d within %v; stderr:\n%s", code, took, exitInfra, shutdownBudget, stderr)
			}
			if strings.Contains(stderr, "scenarios in") {
				t.Skipf("firefox started before the signal landed:\n%s", stderr)
			}
			if !strings.Contains(stderr, "corsproof run: interrupted") {
				t.Errorf("stderr does not say interrupted:\n%s", stderr)
			}
			for _, bad := range []string{"install", "cannot start", "not found"} {
				if strings.Contains(stderr, bad) {
					t.Errorf("stderr says %q, as if firefox were missing:\n%s", bad, stderr)
				}
			}
			counts := c.checkReports(t)
			if len(counts) != 1 || counts[0].finished != 0 || counts[0].total == 0 {
				t.Errorf("want every scenario of firefox not run: %+v", counts)
			}
			c.noLeftovers(t)
		})
	}
}

// --max-time, when given, must be positive, in run and check alike.
func TestMaxTimeMustBePositive(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--max-time", "0"},
		{"run", "--max-time=-1s"},
		{"check", "--policy", "p.yaml", "--target", "http://127.0.0.1:9", "--max-time", "0s"},
	} {
		var stderr bytes.Buffer
		code := Main(t.Context(), args, func(string) string { return "" }, io.Discard, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), "--max-time") || !strings.Contains(stderr.String(), "positive") {
			t.Errorf("%v: exit %d, stderr %q; want %d naming --max-time", args, code, stderr.String(), exitUsage)
		}
	}
}

// A report is written whole or not at all: a write that fails keeps the
// previous file and leaves no temporary one, and a path that is no
// regular file (/dev/null, /dev/stdout) is written in place, never
// replaced by a rename.
func TestReportsAreWrittenWholeOrNotAtAll(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.json")
	if err := os.WriteFile(path, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	failing := func(w io.Writer) error {
		io.WriteString(w, "half")
		return io.ErrUnexpectedEOF
	}
	if err := writeReports([]reportFile{{path, failing}}); err == nil {
		t.Error("a failed write reported no error")
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("after a failed write the report holds %q, want the previous one", got)
	}
	ok := func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }
	if err := writeReports([]reportFile{{path, ok}}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("the rewritten report has mode %v, want the previous file's 0640", fi.Mode().Perm())
	}
	if files, _ := os.ReadDir(dir); len(files) != 1 {
		t.Errorf("the directory holds %d files, want the report alone", len(files))
	}
	if err := writeReports([]reportFile{{os.DevNull, ok}}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode().IsRegular() {
		t.Fatalf("%s is no longer a device: %v %v", os.DevNull, fi.Mode(), err)
	}
}

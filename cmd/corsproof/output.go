package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/report"
)

// outputs are the report files a run writes besides the terminal table.
type outputs struct {
	json, junit, html string
}

func (o *outputs) register(fs *flag.FlagSet) {
	fs.StringVar(&o.json, "json", "", "write the JSON report to `FILE`")
	fs.StringVar(&o.junit, "junit", "", "write a JUnit XML report to `FILE`")
	fs.StringVar(&o.html, "html", "", "write a self-contained HTML report to `FILE`")
}

func (o *outputs) write(runs []corsproof.Run, m report.Meta) error {
	if m.Started.IsZero() {
		m.Started = time.Now().UTC()
	}
	return writeReports([]reportFile{
		{o.json, func(w io.Writer) error { return report.JSON(w, runs, m) }},
		{o.junit, func(w io.Writer) error { return report.JUnit(w, runs, m) }},
		{o.html, func(w io.Writer) error { return report.HTML(w, runs, m) }},
	})
}

// files are the report files asked for, as the flags name them.
func (o *outputs) files() []string {
	var out []string
	for _, f := range []string{o.json, o.junit, o.html} {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// maxTimeFlag registers --max-time: a bound on the whole run (its
// --timeout, where a command has one, bounds each request instead).
func maxTimeFlag(fs *flag.FlagSet) *time.Duration {
	return fs.Duration("max-time", 0, "end the run after `DURATION` (e.g. 10m): the reports then hold the scenarios that finished "+
		"and mark the rest not run, and the exit code is 3 (default: no bound)")
}

// checkMaxTime validates --max-time: when given, it must be positive.
func checkMaxTime(fs *flag.FlagSet, d time.Duration) error {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "max-time" })
	if given && d <= 0 {
		return fmt.Errorf("--max-time %s: want a positive duration, e.g. 10m", d)
	}
	return nil
}

// maxTimeError is the cause of a run's context past --max-time.
type maxTimeError struct{ d time.Duration }

func (e *maxTimeError) Error() string { return fmt.Sprintf("--max-time %s reached", e.d) }

// withMaxTime bounds ctx by --max-time d (0: no bound); the context's
// cause then names the flag.
func withMaxTime(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, d, &maxTimeError{d})
}

// concurrencyFlag registers --concurrency: scenarios in flight at once.
func concurrencyFlag(fs *flag.FlagSet) *int {
	return fs.Int("concurrency", harness.DefaultConcurrency,
		"scenarios in flight at once in the browser; 1 runs them one after another (the verdicts do not depend on it)")
}

// checkConcurrency validates --concurrency.
func checkConcurrency(n int) error {
	if n < 1 || n > maxConcurrency {
		return fmt.Errorf("--concurrency %d: want 1 to %d", n, maxConcurrency)
	}
	return nil
}

// maxConcurrency bounds --concurrency: past a few dozen a 2-core machine
// only queues fetches behind each other until they near their timeouts.
const maxConcurrency = 64

// reportFile is one report to write, skipped when path is empty.
type reportFile struct {
	path  string
	write func(io.Writer) error
}

func writeReports(files []reportFile) error {
	for _, rf := range files {
		if rf.path == "" {
			continue
		}
		if err := writeReport(rf); err != nil {
			return err
		}
	}
	return nil
}

// writeReport writes one report whole or not at all: into a temporary file
// beside it, renamed over it once complete, so that a reader (or a run cut
// short by a signal while writing) never sees half a report. A path that
// is no regular file (/dev/stdout, a pipe) is written in place.
func writeReport(rf reportFile) error {
	fi, err := os.Stat(rf.path)
	if err == nil && !fi.Mode().IsRegular() {
		return writeInPlace(rf)
	}
	mode := os.FileMode(0o644)
	if err == nil {
		mode = fi.Mode().Perm()
	}
	dir, base := filepath.Split(rf.path)
	if dir == "" {
		dir = "." // not os.TempDir: the rename must stay on the report's file system
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	// Should cutShort end the process mid-write, the half file goes too.
	defer halfWritten.add(func() { os.Remove(tmp.Name()) })()
	err = rf.write(tmp)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), rf.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("report %s: %w", rf.path, err)
	}
	return nil
}

func writeInPlace(rf reportFile) error {
	f, err := os.OpenFile(rf.path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	err = rf.write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("report %s: %w", rf.path, err)
	}
	return nil
}

// progress draws a one-line progress bar on a terminal for runs that take
// more than a second; elsewhere it stays silent.
type progress struct {
	w     io.Writer
	tty   bool
	start time.Time
	drawn bool
}

func newProgress(w io.Writer) *progress { return &progress{w: w, tty: isTTY(w), start: time.Now()} }

func (p *progress) update(done, total int, _ corsproof.Result) {
	if !p.tty || time.Since(p.start) < time.Second {
		return
	}
	const width = 30
	n := done * width / total
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = '.'
		if i < n {
			bar[i] = '#'
		}
	}
	fmt.Fprintf(p.w, "\r[%s] %d/%d", bar, done, total)
	p.drawn = true
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

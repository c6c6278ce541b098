package main

import (
	"flag"
	"fmt"
	"io"
	"os"
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
		f, err := os.Create(rf.path)
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

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/harness/report"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/scenarios"
)

// runCross runs the catalog in several engines, one after the other, and
// prints one table with a column per engine. An engine that cannot start
// is reported, by name and with how to install it, and the others still
// run; the exit code is then 3.
func runCross(e env, engines []string, f mockapi.Fault, fault, chrome string, list []harness.Scenario, o harness.RunOptions, out outputs, all bool) int {
	var runs []report.EngineRun
	code := exitOK
	for _, name := range engines {
		run, c := runInEngine(e, name, f, fault, chrome, list, o)
		runs = append(runs, run)
		code = max(code, c)
		if e.ctx.Err() != nil {
			fmt.Fprintln(e.stderr, "corsproof run: interrupted")
			return exitInfra
		}
	}
	meta := report.Meta{Command: "run", Target: "embedded mock", Fault: fault, Seed: o.Seed}
	if err := out.writeCross(runs, meta); err != nil {
		fmt.Fprintf(e.stderr, "corsproof run: %v\n", err)
		return exitInfra
	}
	report.CrossText(e.stdout, runs, report.TextOptions{Color: isTTY(e.stdout), OnlyFailures: !all})
	if fault != "" {
		for _, r := range runs {
			if r.Err == "" {
				fmt.Fprintf(e.stdout, "\nin %s: ", r.Engine)
				report.Catches(e.stdout, r.Results)
			}
		}
	}
	return code
}

// runInEngine runs the catalog in one engine and returns its results, or
// the start-up error (with the exit code it earns).
func runInEngine(e env, name string, f mockapi.Fault, fault, chrome string, list []harness.Scenario, o harness.RunOptions) (report.EngineRun, int) {
	er := report.EngineRun{Engine: name}
	run, err := harness.StartMock(e.ctx, harness.MockConfig{
		Policies: scenarios.Policies(), Fault: f, ChromePath: chrome, Engine: name,
	})
	if err != nil {
		er.Err = startError(name, err)
		fmt.Fprintf(e.stderr, "corsproof run: %s\n", er.Err)
		return er, exitInfra
	}
	defer run.Close()
	er.Version = run.Engine.Version()
	fmt.Fprintf(e.stderr, "corsproof: %d scenarios in %s against the embedded mock", len(list), er.Version)
	if fault != "" {
		fmt.Fprintf(e.stderr, " serving fault %s", fault)
	}
	fmt.Fprintln(e.stderr)
	progress := newProgress(e.stderr)
	er.Results = run.Runner.RunAll(e.ctx, list, harness.RunOptions{
		Twice: o.Twice, Shuffle: o.Shuffle, Seed: o.Seed, Progress: progress.update,
	})
	progress.done()
	return er, exitCode(er.Results)
}

// startError says which engine could not start, why, and how to install
// it: a missing browser's error carries its own install hint; any other
// failure (no display, a driver that crashed) gets the installer's.
func startError(name string, err error) string {
	msg := fmt.Sprintf("%s cannot start: %v", name, err)
	var nf *browser.NotFoundError
	if errors.As(err, &nf) && strings.Contains(msg, "install") {
		return msg
	}
	return msg + fmt.Sprintf("; to install %s: `bash .ci/install-browser %s` (Debian packages; `make browsers` installs all three engines)", name, name)
}

// writeCross writes the report files of a run in several engines.
func (o *outputs) writeCross(runs []report.EngineRun, m report.Meta) error {
	if m.Started.IsZero() {
		m.Started = time.Now().UTC()
	}
	writers := []struct {
		path  string
		write func(io.Writer) error
	}{
		{o.json, func(w io.Writer) error { return report.CrossJSON(w, runs, m, o.origins) }},
		{o.junit, func(w io.Writer) error { return report.CrossJUnit(w, runs, m) }},
		{o.html, func(w io.Writer) error { return report.CrossHTML(w, runs, m) }},
	}
	for _, wr := range writers {
		if wr.path == "" {
			continue
		}
		f, err := os.Create(wr.path)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		err = wr.write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

package main

import (
	"github.com/corsproof/corsproof"
	"errors"
	"fmt"
	"strings"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/report"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/scenarios"
)

// runCross runs the catalog in several engines, one after the other, and
// prints one table with a column per engine. An engine that cannot start
// is reported, by name and with how to install it, and the others still
// run; the exit code is then 3.
func runCross(e env, engines []string, f mockapi.Fault, fault, chrome string, list []corsproof.Scenario, o harness.RunOptions, out outputs, all bool) int {
	meta := report.Meta{Command: "run", Target: "embedded mock", Fault: fault, Seed: o.Seed}
	runs, code := inEngines(e, "run", engines, out, meta, all, func(name string) (report.EngineRun, int) {
		return runInEngine(e, name, f, fault, chrome, list, o)
	})
	if runs != nil && fault != "" {
		for _, r := range runs {
			if r.Err == "" {
				fmt.Fprintf(e.stdout, "\nin %s: ", r.Engine)
				report.Catches(e.stdout, r.Results)
			}
		}
	}
	return code
}

// inEngines runs each engine in turn, writes the report files and prints
// the table with a column per engine. It returns the runs and the worst
// exit code; runs is nil when nothing more is to be printed (interrupted,
// or a report file could not be written).
func inEngines(e env, cmd string, engines []string, out outputs, meta report.Meta, all bool, runOne func(name string) (report.EngineRun, int)) ([]report.EngineRun, int) {
	var runs []report.EngineRun
	code := exitOK
	for _, name := range engines {
		run, c := runOne(name)
		runs = append(runs, run)
		code = max(code, c)
		if e.ctx.Err() != nil {
			fmt.Fprintf(e.stderr, "corsproof %s: interrupted\n", cmd)
			return nil, exitInfra
		}
	}
	if err := out.writeCross(runs, meta); err != nil {
		fmt.Fprintf(e.stderr, "corsproof %s: %v\n", cmd, err)
		return nil, exitInfra
	}
	report.CrossText(e.stdout, runs, report.TextOptions{Color: isTTY(e.stdout), OnlyFailures: !all})
	return runs, code
}

// runInEngine runs the catalog in one engine and returns its results, or
// the start-up error (with the exit code it earns).
func runInEngine(e env, name string, f mockapi.Fault, fault, chrome string, list []corsproof.Scenario, o harness.RunOptions) (report.EngineRun, int) {
	banner := fmt.Sprintf("corsproof: %d scenarios in %%s against the embedded mock", len(list))
	if fault != "" {
		banner += " serving fault " + fault
	}
	return inEngine(e, "run", name, func() (startedRun, error) {
		run, err := harness.StartMock(e.ctx, harness.MockConfig{
			Policies: scenarios.Policies(), Fault: f, ChromePath: chrome, Engine: name,
		})
		if err != nil {
			return startedRun{}, err
		}
		return startedRun{run.Runner, run.Engine, run.Close}, nil
	}, banner, list, o)
}

// startedRun is a run started in one engine (a harness.MockRun or LiveRun).
type startedRun struct {
	runner *harness.Runner
	engine browser.Engine
	close  func() error
}

// inEngine starts a run in the named engine, prints banner (%s: the
// engine's version), runs list and returns the results, or the start-up
// error (with the exit code it earns).
func inEngine(e env, cmd, name string, start func() (startedRun, error), banner string, list []corsproof.Scenario, o harness.RunOptions) (report.EngineRun, int) {
	er := report.EngineRun{Engine: name}
	run, err := start()
	if err != nil {
		er.Err = startError(name, err)
		fmt.Fprintf(e.stderr, "corsproof %s: %s\n", cmd, er.Err)
		return er, exitInfra
	}
	defer run.close()
	er.Version = run.engine.Version()
	fmt.Fprintf(e.stderr, banner+"\n", er.Version)
	progress := newProgress(e.stderr)
	o.Progress = progress.update
	er.Results = run.runner.RunAll(e.ctx, list, o)
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

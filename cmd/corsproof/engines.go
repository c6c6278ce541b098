package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/report"
)

// inEngines runs each engine in turn (one engine is a list of one), writes
// the report files and prints the table with a column per engine. It returns the runs and the worst
// exit code; runs is nil when nothing more is to be printed (interrupted,
// or a report file could not be written).
func inEngines(e env, cmd string, engines []corsproof.Engine, out outputs, meta report.Meta, all bool, runOne func(name corsproof.Engine) (corsproof.Run, int)) ([]corsproof.Run, int) {
	var runs []corsproof.Run
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
	if err := out.write(runs, meta); err != nil {
		fmt.Fprintf(e.stderr, "corsproof %s: %v\n", cmd, err)
		return nil, exitInfra
	}
	report.Text(e.stdout, runs, report.TextOptions{Color: e.color(), OnlyFailures: !all, Width: e.width()})
	return runs, code
}

// inEngine starts a run in the named engine, prints banner (%s: the
// engine's version), runs list and returns the results, or the start-up
// error (with the exit code it earns).
func inEngine(e env, cmd string, cfg harness.Config, banner string, list []corsproof.Scenario, o harness.RunOptions) (corsproof.Run, int) {
	name := cfg.Engine
	er := corsproof.Run{Engine: name}
	session, err := harness.Start(e.ctx, cfg)
	if err != nil {
		if e.ctx.Err() != nil {
			// Not a broken install: the user stopped the start.
			er.Err = fmt.Sprintf("%s start interrupted", name)
			return er, exitInfra
		}
		er.Err = startError(name, err)
		fmt.Fprintf(e.stderr, "corsproof %s: %s\n", cmd, er.Err)
		return er, exitInfra
	}
	defer interrupts.add(func() { session.Close() })()
	defer session.Close()
	er.Version = session.Engine.Version()
	fmt.Fprintf(e.stderr, banner+"\n", er.Version)
	progress := newProgress(e.stderr)
	o.Progress = progress.update
	er.Results = session.Runner().RunAll(e.ctx, list, o)
	progress.done()
	return er, exitCode(er.Results)
}

// startError says which engine could not start, why, and how to install
// it: a missing browser's error carries its own install hint; any other
// failure (no display, a driver that crashed) gets the apt-get line.
func startError(name corsproof.Engine, err error) string {
	msg := fmt.Sprintf("%s cannot start: %v", name, err)
	var nf *browser.NotFoundError
	if errors.As(err, &nf) && strings.Contains(msg, "install") {
		return msg
	}
	return msg + "; " + installHint(name)
}

// enginePackages are the Debian packages each engine needs (the same as
// .ci/install-browser installs).
var enginePackages = map[corsproof.Engine]string{
	corsproof.Chromium: "chromium",
	corsproof.Firefox:  "firefox-esr libnss3-tools",
	corsproof.WebKit:   "webkit2gtk-driver xvfb",
}

// installHint is how to install engine on Debian or Ubuntu, from anywhere:
// the script behind `make browsers` exists only in a checkout.
func installHint(engine corsproof.Engine) string {
	return fmt.Sprintf("to install %s: `apt-get install -y %s` (Debian/Ubuntu; in a corsproof checkout, `make browsers` installs all three engines)",
		engine, enginePackages[engine])
}

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/report"
)

// inEngines runs each engine in turn (one engine is a list of one), writes
// the report files and prints the table with a column per engine. It returns the runs and the worst
// exit code; runs is nil when nothing more is to be printed (interrupted,
// or a report file could not be written).
//
// A run that ends early (SIGINT, SIGTERM, --max-time) still writes its
// report files, with the scenarios that finished and every other one not
// run, in the engine that was running and in those whose turn never came,
// and the command exits 3. They are written before the browser closes
// (runOne hands its close to closeLater): a closing browser takes the
// CPU for a second, and the reports must be on disk well inside the
// shutdown budget (see shutdownGrace).
func inEngines(e env, cmd string, engines []corsproof.Engine, out outputs, meta report.Meta, all bool, runOne func(name corsproof.Engine, closeLater func(func())) (corsproof.Run, int)) ([]corsproof.Run, int) {
	var later []func()
	defer func() {
		for _, fn := range later {
			fn()
		}
	}()
	closeLater := func(fn func()) { later = append(later, fn) }
	var runs []corsproof.Run
	code := exitOK
	for _, name := range engines {
		run, c := runOne(name, closeLater)
		runs = append(runs, run)
		code = max(code, c)
	}
	if e.ctx.Err() != nil {
		return nil, endedEarly(e, cmd, runs, out, meta)
	}
	if err := out.write(runs, meta); err != nil {
		fmt.Fprintf(e.stderr, "corsproof %s: %v\n", cmd, err)
		return nil, exitInfra
	}
	report.Text(e.stdout, runs, report.TextOptions{Color: e.color(), OnlyFailures: !all, Width: e.width()})
	return runs, code
}

// endedEarly writes the reports of a run that ended before it finished
// and says how far each engine got; the exit code is 3.
func endedEarly(e env, cmd string, runs []corsproof.Run, out outputs, meta report.Meta) int {
	var parts []string
	for _, r := range runs {
		s := report.Summarize(r.Results)
		parts = append(parts, fmt.Sprintf("%d of %d scenarios finished in %s", s.Total-s.NotRun, s.Total, r.Engine))
	}
	fmt.Fprintf(e.stderr, "corsproof %s: %s: %s\n", cmd, endReason(e.ctx), strings.Join(parts, ", "))
	if err := out.write(runs, meta); err != nil {
		fmt.Fprintf(e.stderr, "corsproof %s: %v\n", cmd, err)
	} else if files := out.files(); len(files) > 0 {
		fmt.Fprintf(e.stderr, "corsproof %s: the rest are marked not run in %s\n", cmd, strings.Join(files, ", "))
	}
	return exitInfra
}

// endReason is why ctx ended, for a person: "interrupted" after SIGINT or
// SIGTERM, "--max-time 30s reached" past the deadline.
func endReason(ctx context.Context) string {
	var mt *maxTimeError
	if errors.As(context.Cause(ctx), &mt) {
		return mt.Error()
	}
	return "interrupted"
}

// inEngine starts a run in the named engine, prints banner (%s: the
// engine's version), runs list and returns the results, or the start-up
// error (with the exit code it earns). When the run has ended (or ends
// during the start) it returns every scenario of list not run; when it
// ends during the run, the results that finished and the rest not run,
// and leaves the browser's close to closeLater (after the reports).
func inEngine(e env, cmd string, cfg harness.Config, banner string, list []corsproof.Scenario, o harness.RunOptions, closeLater func(func())) (corsproof.Run, int) {
	name := cfg.Engine
	er := corsproof.Run{Engine: name}
	if e.ctx.Err() != nil {
		// The run ended before this engine's turn.
		er.Results = notRunAll(list, cfg.Sites, o.Twice, context.Cause(e.ctx))
		return er, exitInfra
	}
	session, err := harness.Start(e.ctx, cfg)
	if err != nil {
		if startInterrupted(e.ctx, err) {
			// Not a broken install: the user stopped the start.
			er.Results = notRunAll(list, cfg.Sites, o.Twice, context.Cause(e.ctx))
			return er, exitInfra
		}
		er.Err = startError(name, err)
		if cfg.Remote != nil {
			// Nothing to install here: the browser is elsewhere.
			er.Err = fmt.Sprintf("the remote %s cannot start: %v", name, err)
		}
		fmt.Fprintf(e.stderr, "corsproof %s: %s\n", cmd, er.Err)
		return er, exitInfra
	}
	removeInterrupt := interrupts.add(func() { session.Close() })
	closeSession := func() {
		session.Close()
		removeInterrupt()
	}
	defer func() {
		if e.ctx.Err() != nil {
			closeLater(closeSession) // the reports first
			return
		}
		closeSession()
	}()
	er.Version = session.Engine.Version()
	er.Platform, er.ProfileNote = harness.Platform(session.Engine), session.ProfileNote()
	fmt.Fprintf(e.stderr, banner+"\n", er.Version)
	progress := newProgress(e.stderr)
	o.Progress = progress.update
	er.Results = session.Runner().RunAll(e.ctx, list, o)
	progress.done()
	return er, exitCode(er.Results)
}

// notRunAll is list not run (twice each with twice, as RunAll would have
// run it) because of why, each from its site's origin (sites nil: the
// mock's).
func notRunAll(list []corsproof.Scenario, sites []corsproof.Site, twice bool, why error) []corsproof.Result {
	if sites == nil {
		sites = corsproof.MockSites()
	}
	origins := map[string]string{}
	for _, s := range sites {
		origins[s.Name] = s.Origin
	}
	out := make([]corsproof.Result, 0, len(list))
	for _, s := range list {
		r := corsproof.NotRun(s, origins[s.Site], why.Error())
		out = append(out, r)
		if twice {
			out = append(out, r)
		}
	}
	return out
}

// startInterrupted reports whether a start failed because the user
// stopped it: the run's context ended, or a helper the start runs in the
// terminal's process group (certutil; the browsers and drivers have a
// group of their own) died of the same Ctrl-C a moment before corsproof's
// own handler cancelled the context, which it then does within moments.
func startInterrupted(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return true
	}
	if msg := err.Error(); !strings.Contains(msg, "signal: interrupt") && !strings.Contains(msg, "signal: terminated") {
		return false
	}
	select {
	case <-ctx.Done():
		return true
	case <-time.After(250 * time.Millisecond):
		return false
	}
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

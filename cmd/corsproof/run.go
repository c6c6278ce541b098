package main

import (
	"github.com/corsproof/corsproof"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/report"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/scenarios"
)

func init() {
	register("run", "run the conformance catalog on the embedded mock API in real Chromium", cmdRun)
	register("faults", "list the mock's gallery of deliberate misconfigurations", cmdFaults)
}

func cmdRun(e env, args []string) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fault := fs.String("fault", "", "serve this deliberate misconfiguration instead of the policy (see 'corsproof faults')")
	labelFilter := fs.String("label", "", "run only scenarios carrying every one of these comma-separated labels")
	twice := fs.Bool("twice", false, "run every scenario twice, to catch servers whose answer changes per request")
	shuffle := fs.Bool("shuffle", false, "run scenarios in a random order (see -seed)")
	seed := fs.Uint64("seed", 0, "seed for -shuffle (0: pick one and print it)")
	all := fs.Bool("all", false, "print every scenario, not only those that did not pass")
	chrome := fs.String("chrome", "", "Chromium binary (default: $CORSPROOF_CHROME, then PATH)")
	browsers := fs.String("browsers", "chromium", "comma-separated browser engines to run the catalog in, one after the other; several give one table with a column per engine: "+strings.Join(corsproof.Engines, ", "))
	var out outputs
	out.register(fs)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "corsproof run: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	var f mockapi.Fault
	if *fault != "" {
		var ok bool
		if f, ok = mockapi.FaultByName(*fault); !ok {
			fmt.Fprintf(e.stderr, "corsproof run: no fault %q; 'corsproof faults' lists them\n", *fault)
			return exitUsage
		}
	}
	list := filterLabels(scenarios.Catalog(), *labelFilter)
	if len(list) == 0 {
		fmt.Fprintf(e.stderr, "corsproof run: no scenario carries the labels %q\n", *labelFilter)
		return exitUsage
	}
	if *shuffle && *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	if *shuffle {
		fmt.Fprintf(e.stderr, "shuffle seed: %d (replay with -shuffle -seed %d)\n", *seed, *seed)
	}

	engines, err := parseBrowsers(*browsers)
	if err != nil {
		fmt.Fprintf(e.stderr, "corsproof run: %v\n", err)
		return exitUsage
	}
	chromePath := firstNonEmpty(*chrome, e.getenv("CORSPROOF_CHROME"))
	o := harness.RunOptions{Twice: *twice, Shuffle: *shuffle, Seed: *seed}
	if len(engines) > 1 {
		return runCross(e, engines, f, *fault, chromePath, list, o, out, *all) // run_cross.go
	}
	return runCatalog(e, engines[0], f, *fault, chromePath, list, o, out, *all)
}

// parseBrowsers reads -browsers.
func parseBrowsers(v string) ([]string, error) {
	var out []string
	for n := range strings.SplitSeq(v, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if !slices.Contains(corsproof.Engines, n) {
			return nil, fmt.Errorf("unknown browser %q in -browsers (known: %s)", n, strings.Join(corsproof.Engines, ", "))
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-browsers names no browser (known: %s)", strings.Join(corsproof.Engines, ", "))
	}
	return out, nil
}

// runCatalog runs the catalog in one engine and prints its report.
func runCatalog(e env, engine string, f mockapi.Fault, fault, chrome string, list []corsproof.Scenario, o harness.RunOptions, out outputs, all bool) int {
	run, code := runInEngine(e, engine, f, fault, chrome, list, o)
	if run.Err != "" {
		return code
	}
	if e.ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "corsproof run: interrupted")
		return exitInfra
	}
	meta := report.Meta{Command: "run", Target: "embedded mock", Fault: fault, Browser: run.Engine, BrowserVersion: run.Version, Seed: o.Seed}
	if err := out.write(run.Results, meta); err != nil {
		fmt.Fprintf(e.stderr, "corsproof run: %v\n", err)
		return exitInfra
	}
	report.Text(e.stdout, run.Results, report.TextOptions{Color: isTTY(e.stdout), OnlyFailures: !all})
	if fault != "" {
		report.Catches(e.stdout, run.Results)
	}
	return code
}

// exitCode: 3 when any scenario hit an infrastructure error, else 1 when
// any failed, else 0.
func exitCode(results []corsproof.Result) int {
	code := exitOK
	for _, r := range results {
		if r.Verdict == corsproof.VerdictError {
			return exitInfra
		}
		if r.Failed() {
			code = exitMismatch
		}
	}
	return code
}

func infraFailure(e env, cmd string, err error) int {
	var nf *browser.NotFoundError
	if errors.As(err, &nf) {
		fmt.Fprintf(e.stderr, "corsproof %s: %v\n", cmd, err)
		return exitInfra
	}
	fmt.Fprintf(e.stderr, "corsproof %s: cannot start: %v\n", cmd, err)
	return exitInfra
}

func filterLabels(list []corsproof.Scenario, filter string) []corsproof.Scenario {
	if strings.TrimSpace(filter) == "" {
		return list
	}
	want := strings.Split(filter, ",")
	var out []corsproof.Scenario
next:
	for _, s := range list {
		for _, l := range want {
			if !s.HasLabel(strings.TrimSpace(l)) {
				continue next
			}
		}
		out = append(out, s)
	}
	return out
}

func cmdFaults(e env, args []string) int {
	fs := flag.NewFlagSet("faults", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	long := fs.Bool("long", false, "print each fault's full description")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	for _, f := range mockapi.Faults() {
		fmt.Fprintf(e.stdout, "%-28s %s\n", f.Name, f.Summary)
		if *long {
			fmt.Fprintf(e.stdout, "%28s %s\n\n", "", f.Description)
		}
	}
	return exitOK
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

func isTTY(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

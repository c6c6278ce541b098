package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/report"
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
	browsers := fs.String("browsers", "chromium", "comma-separated browser engines to run the catalog in, one after the other; several give one table with a column per engine: "+corsproof.EngineNames())
	concurrency := concurrencyFlag(fs)
	var out outputs
	out.register(fs)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "corsproof run: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if err := checkConcurrency(*concurrency); err != nil {
		fmt.Fprintf(e.stderr, "corsproof run: %v\n", err)
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

	engines, err := corsproof.ParseEngines(*browsers, "--browsers")
	if err != nil {
		fmt.Fprintf(e.stderr, "corsproof run: %v\n", err)
		return exitUsage
	}
	chromePath := firstNonEmpty(*chrome, e.getenv("CORSPROOF_CHROME"))
	o := harness.RunOptions{Twice: *twice, Shuffle: *shuffle, Seed: *seed, Concurrency: *concurrency}
	return runCatalog(e, engines, f, *fault, chromePath, list, o, out, *all)
}

// runCatalog runs the catalog in each engine in turn and prints one table
// with a column per engine. An engine that cannot start is reported, by
// name and with how to install it, and the others still run; the exit code
// is then 3.
func runCatalog(e env, engines []corsproof.Engine, f mockapi.Fault, fault, chrome string, list []corsproof.Scenario, o harness.RunOptions, out outputs, all bool) int {
	meta := report.Meta{Command: "run", Target: "embedded mock", Fault: fault, Seed: o.Seed}
	banner := fmt.Sprintf("corsproof: %d scenarios in %%s against the embedded mock", len(list))
	if fault != "" {
		banner += " serving fault " + fault
	}
	runs, code := inEngines(e, "run", engines, out, meta, all, func(name corsproof.Engine) (corsproof.Run, int) {
		cfg := harness.Config{Engine: name, Policies: scenarios.Policies(), Fault: f}
		if name == corsproof.Chromium {
			cfg.ExecPath = chrome
		}
		return inEngine(e, "run", cfg, banner, list, o)
	})
	if fault != "" && runs != nil {
		report.Catches(e.stdout, runs)
	}
	return code
}

// exitCode: 3 when any scenario hit an infrastructure error, else 1 when
// any failed or was not tested (the target redirected it out of the run: a
// run that tested nothing is not clean), else 0.
func exitCode(results []corsproof.Result) int {
	code := exitOK
	for _, r := range results {
		if r.Verdict == corsproof.VerdictError {
			return exitInfra
		}
		if r.Failed() { // not tested included
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

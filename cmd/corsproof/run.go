package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
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
	register(command{
		name:    "run",
		summary: "run the conformance catalog on the embedded mock API in real browsers",
		usage:   []string{"run [--browsers chromium,firefox,webkit] [--fault NAME] [--label L,...] [--shard I/N] [flags]"},
		about: "Runs the built-in conformance catalog (origins, methods, headers, credentials, exposure, " +
			"statuses, preflight caching, redirects, side effects) on the embedded mock API, in one browser per engine, " +
			"and prints the findings and the scenarios that did not pass. With --fault the mock serves one of its " +
			"deliberate misconfigurations instead, and the run says whether the catalog caught it. " +
			"Exit 0 clean, 1 a scenario did not match, 2 usage error, 3 a browser could not start or a scenario hit an error.",
		env: append(slices.Clone(engineEnv), reportEnv...),
		examples: []string{
			"corsproof run",
			"corsproof run --fault reflect-origin --all --html report.html",
			"corsproof run --browsers chromium,firefox,webkit --label credentials:include --json report.json",
			"corsproof run --shard 2/4 --json shard-2.json",
			"corsproof run --browsers chromium,firefox --remote webdriver=http://10.0.0.9:4444 --capability platformName=linux --listen 10.0.0.5 --remote-ca remote-ca.pem",
		},
		run: cmdRun,
	})
	register(command{
		name:     "faults",
		summary:  "list the mock's gallery of deliberate misconfigurations",
		usage:    []string{"faults [--long]"},
		about:    "Lists the faults 'corsproof run --fault NAME' and 'corsproof serve --fault NAME' can serve: each a real-world CORS misconfiguration the mock imitates.",
		examples: []string{"corsproof faults", "corsproof faults --long"},
		run:      cmdFaults,
	})
}

func cmdRun(e env, args []string) int {
	fs := e.flags("run")
	fault := fs.String("fault", "", "serve the deliberate misconfiguration `NAME` instead of the policy (see 'corsproof faults')")
	labelFilter := fs.String("label", "", "run only scenarios carrying every one of these comma-separated `LABELS`")
	twice := fs.Bool("twice", false, "run every scenario twice, to catch servers whose answer changes per request")
	shuffle := fs.Bool("shuffle", false, "run scenarios in a random order (see --seed)")
	seed := fs.Uint64("seed", 0, "seed for --shuffle (0: pick one and print it)")
	all := fs.Bool("all", false, "print every scenario, not only those that did not pass")
	chrome := fs.String("chrome", "", "the Chromium `BINARY` (default: $CORSPROOF_CHROME, then PATH)")
	browsers := fs.String("browsers", "chromium", "comma-separated browser `ENGINES` to run the catalog in, one after the other; several give one table with a column per engine: "+corsproof.EngineNames())
	concurrency := concurrencyFlag(fs)
	maxTime := maxTimeFlag(fs)
	shard := shardFlag(fs)
	var remote remoteFlags // remote.go
	remote.register(fs)
	var out outputs
	out.register(fs)
	if code, done := e.parse(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "corsproof run: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if err := checkConcurrency(*concurrency); err != nil {
		fmt.Fprintf(e.stderr, "corsproof run: %v\n", err)
		return exitUsage
	}
	if err := checkMaxTime(fs, *maxTime); err != nil {
		fmt.Fprintf(e.stderr, "corsproof run: %v\n", err)
		return exitUsage
	}
	f, err := lookupFault(*fault)
	if err != nil {
		fmt.Fprintf(e.stderr, "corsproof run: %v\n", err)
		return exitUsage
	}
	catalog := scenarios.Catalog()
	if err := unknownLabel(catalog, *labelFilter); err != nil {
		fmt.Fprintf(e.stderr, "corsproof run: %v\n", err)
		return exitUsage
	}
	list := filterLabels(catalog, *labelFilter)
	if len(list) == 0 {
		fmt.Fprintf(e.stderr, "corsproof run: no scenario carries the labels %q\n", *labelFilter)
		return exitUsage
	}
	whole := len(list)
	list, shardName, err := applyShard(*shard, list, f.Stateful)
	if err != nil {
		fmt.Fprintf(e.stderr, "corsproof run: %v\n", err)
		return exitUsage
	}
	if *shuffle && *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	if *shuffle {
		fmt.Fprintf(e.stderr, "shuffle seed: %d (replay with --shuffle --seed %d)\n", *seed, *seed)
	}

	engines, err := corsproof.ParseEngines(*browsers, "--browsers")
	if err != nil {
		fmt.Fprintf(e.stderr, "corsproof run: %v\n", err)
		return exitUsage
	}
	engines, remotes, err := remote.resolve(fs, engines)
	if err != nil {
		fmt.Fprintf(e.stderr, "corsproof run: %v\n", err)
		return exitUsage
	}
	chromePath := firstNonEmpty(*chrome, e.getenv("CORSPROOF_CHROME"))
	var cancel context.CancelFunc
	e.ctx, cancel = withMaxTime(e.ctx, *maxTime)
	defer cancel()
	o := harness.RunOptions{Twice: *twice, Shuffle: *shuffle, Seed: *seed, Concurrency: *concurrency}
	return runCatalog(e, engines, f, *fault, chromePath, list, o, out, *all, shardName, whole, remotes)
}

// runCatalog runs the catalog in each engine in turn and prints one table
// with a column per engine. An engine that cannot start is reported, by
// name and with how to install it, and the others still run; the exit code
// is then 3.
//
// shard is the --shard part list is ("" for all of whole).
func runCatalog(e env, engines []corsproof.Engine, f mockapi.Fault, fault, chrome string, list []corsproof.Scenario, o harness.RunOptions, out outputs, all bool, shard string, whole int, remotes map[corsproof.Engine]*harness.RemoteConfig) int {
	meta := report.Meta{Command: "run", Target: "embedded mock", Fault: fault, Seed: o.Seed, Shard: shard, Policies: scenarios.Policies(), Sites: reportSites(corsproof.MockSites())}
	banner := fmt.Sprintf("corsproof: %d scenarios%s in %%s against the embedded mock", len(list), shardNote(shard, whole))
	if fault != "" {
		banner += " serving fault " + fault
	}
	runs, code := inEngines(e, "run", engines, out, meta, all, func(name corsproof.Engine, closeLater func(func())) (corsproof.Run, int) {
		cfg := harness.Config{Engine: name, Policies: scenarios.Policies(), Fault: f, Remote: remotes[name]}
		if name == corsproof.Chromium {
			cfg.ExecPath = chrome
		}
		return inEngine(e, "run", cfg, banner, list, o, closeLater)
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
	if startInterrupted(e.ctx, err) {
		fmt.Fprintf(e.stderr, "corsproof %s: interrupted\n", cmd)
		return exitInfra
	}
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

// lookupFault is the fault named name ("": none), or an error naming the
// nearest fault there is.
func lookupFault(name string) (mockapi.Fault, error) {
	if name == "" {
		return mockapi.Fault{}, nil
	}
	if f, ok := mockapi.FaultByName(name); ok {
		return f, nil
	}
	var names []string
	for _, f := range mockapi.Faults() {
		names = append(names, f.Name)
	}
	return mockapi.Fault{}, fmt.Errorf("no fault %q%s; 'corsproof faults' lists them", name, didYouMean(name, names))
}

// unknownLabel names the first label of filter that no scenario of list
// carries, with the nearest one that some scenario does.
func unknownLabel(list []corsproof.Scenario, filter string) error {
	known := map[string]bool{}
	for _, s := range list {
		for _, l := range s.Labels {
			known[l] = true
		}
	}
	for _, l := range strings.Split(filter, ",") {
		if l = strings.TrimSpace(l); l == "" || known[l] {
			continue
		}
		labels := slices.Sorted(maps.Keys(known))
		return fmt.Errorf("--label %q: no scenario carries the label %q%s", filter, l, didYouMean(l, labels))
	}
	return nil
}

func cmdFaults(e env, args []string) int {
	fs := e.flags("faults")
	long := fs.Bool("long", false, "print each fault's full description")
	if code, done := e.parse(fs, args); done {
		return code
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

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/repro"
	"github.com/corsproof/corsproof/scenarios"
)

func init() {
	register(command{
		name:    "repro",
		summary: "write a self-contained reproduction of one catalog scenario (page, wire exchanges, replay server)",
		usage: []string{"repro ID [--fault NAME] [--out DIR] [--run] [--chrome BINARY]",
			"repro --from REPORT.json --id ID [--out DIR] [--run [--browsers chromium,firefox,webkit]]"},
		about: "Runs one catalog scenario in real Chromium against the embedded mock and writes what a person needs " +
			"to see it again without corsproof: policy.yaml, page.html (the exact fetch()), exchanges.txt/.json (the " +
			"server's responses as seen on the wire), fetch.json, a one-file server.go that replays them byte for byte, " +
			"go.mod and README.md. Without --out it writes ./repro-ID/ and prints the README. " +
			"Exit 0 when the reproduction is written, whatever the scenario's verdict; 2 usage error; 3 Chromium could not start.",
		env: []string{browser.EnvChrome},
		examples: []string{
			"corsproof repro custom-header-allowed",
			"corsproof repro custom-header-allowed --fault reflect-origin --out /tmp/repro",
			"corsproof repro custom-header-allowed --run",
			"corsproof repro --from report.json --id get-api-todos-evil --run --browsers chromium,firefox,webkit",
		},
		run: cmdRepro,
	})
}

// cmdRepro runs one scenario in real Chromium against the embedded mock and
// writes what a person needs to see it again without corsproof. It exits 0
// when the reproduction is written, whatever the scenario's verdict.
func cmdRepro(e env, args []string) int {
	fs := e.flags("repro")
	fault := fs.String("fault", "", "serve the deliberate misconfiguration `NAME` instead of the policy (see 'corsproof faults')")
	out := fs.String("out", "", "write the reproduction to `DIR` (default ./repro-ID, and the README goes to stdout)")
	chrome := fs.String("chrome", "", "the Chromium `BINARY` (default: $CORSPROOF_CHROME, then PATH)")
	serve := fs.Bool("run", false, "then build and run the reproduction's server.go on loopback and print the Chromium command line to open it, until Ctrl-C (needs the go command); with --browsers, open it in each engine and print each one's outcome")
	var o reproOpts
	fs.StringVar(&o.from, "from", "", "reproduce a result of the JSON `REPORT` of 'run', 'check' or corstest (with --id) instead of a catalog scenario")
	fs.StringVar(&o.id, "id", "", "with --from: the result's scenario `ID`")
	fs.StringVar(&o.har, "har", "", "reproduce an entry of the HAR `FILE` a browser's devtools exported (with --entry or --url)")
	fs.IntVar(&o.entry, "entry", -1, "with --har: the entry's index `N` (from 0, as 'corsproof explain --har' numbers them)")
	fs.StringVar(&o.url, "url", "", "with --har: the first cross-origin entry whose URL contains `SUBSTR`")
	browsers := fs.String("browsers", "", "with --run: the `ENGINES` to open the reproduction in, comma-separated (chromium,firefox,webkit)")
	// The ID may come before or after the flags.
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if code, done := e.parse(fs, args); done {
		return code
	}
	rest := fs.Args()
	if id == "" && len(rest) > 0 {
		id, rest = rest[0], rest[1:]
	}
	if len(rest) > 0 {
		fmt.Fprintf(e.stderr, "corsproof repro: unexpected argument %q (one scenario ID at a time)\n", rest[0])
		return exitUsage
	}
	o.out, o.run, o.chrome = *out, *serve, firstNonEmpty(*chrome, e.getenv("CORSPROOF_CHROME"))
	if *browsers != "" {
		if !o.run {
			fmt.Fprintln(e.stderr, "corsproof repro: --browsers goes with --run (open the reproduction in those engines)")
			return exitUsage
		}
		engines, err := corsproof.ParseEngines(*browsers, "--browsers")
		if err != nil {
			fmt.Fprintf(e.stderr, "corsproof repro: %v\n", err)
			return exitUsage
		}
		o.browsers = engines
	}
	switch {
	case o.from != "" && o.har != "":
		fmt.Fprintln(e.stderr, "corsproof repro: --from and --har are two sources; give one")
		return exitUsage
	case o.from != "":
		if id != "" && o.id == "" {
			o.id = id
		}
		if *fault != "" {
			fmt.Fprintln(e.stderr, "corsproof repro: --fault is for catalog scenarios; a report's result replays what its server sent")
			return exitUsage
		}
		return cmdReproFrom(e, o)
	case o.har != "":
		if id != "" || *fault != "" || o.id != "" {
			fmt.Fprintln(e.stderr, "corsproof repro: --har takes --entry N or --url SUBSTR, not a scenario ID or --fault")
			return exitUsage
		}
		return cmdReproHAR(e, o)
	case o.id != "" || o.entry >= 0 || o.url != "":
		fmt.Fprintln(e.stderr, "corsproof repro: --id goes with --from REPORT, --entry and --url with --har FILE")
		return exitUsage
	}
	if id == "" {
		fmt.Fprintln(e.stderr, "corsproof repro: which scenario? Give its ID, e.g. 'corsproof repro custom-header-allowed'; 'corsproof run --all' lists them")
		return exitUsage
	}
	s, err := scenarios.ByID(id)
	if err != nil {
		fmt.Fprintf(e.stderr, "corsproof repro: %v; 'corsproof run --all' lists the scenario IDs%s\n", err, nearIDs(id))
		return exitUsage
	}
	f, err := lookupFault(*fault)
	if err != nil {
		fmt.Fprintf(e.stderr, "corsproof repro: %v\n", err)
		return exitUsage
	}
	dir := o.out
	if dir == "" {
		dir = "repro-" + corsproof.SafeName(s.ID)
	}

	files, verdict, code := reproduce(e, s, f, *fault, o.chrome)
	if code != exitOK {
		return code
	}
	return finishRepro(e, o, dir, files, s.ID+": "+verdict)
}

// reproOpts are repro's flags, for its three sources: a catalog scenario,
// a report's result (--from) and a HAR entry (--har).
type reproOpts struct {
	from, id string
	har, url string
	entry    int // -1: not given
	out      string
	run      bool
	browsers []corsproof.Engine
	chrome   string
}

// finishRepro writes the reproduction's files to dir, prints what it
// wrote (the README too, when no --out was given) and, with --run, runs it.
func finishRepro(e env, o reproOpts, dir string, files map[string][]byte, what string) int {
	if err := writeFiles(dir, files); err != nil {
		fmt.Fprintf(e.stderr, "corsproof repro: %v\n", err)
		return exitInfra
	}
	if o.out == "" {
		e.stdout.Write(files[repro.FileReadme])
		fmt.Fprintln(e.stdout)
	}
	fmt.Fprintf(e.stdout, "%s; reproduction in %s (cd there and 'go run server.go')\n", what, dir)
	if o.run {
		if len(o.browsers) > 0 {
			return runReproIn(e, dir, o.browsers)
		}
		return serveRepro(e, dir)
	}
	return exitOK
}

// reproduce runs s once in Chromium against the mock (closing both before
// it returns) and builds the reproduction's files.
func reproduce(e env, s corsproof.Scenario, f mockapi.Fault, faultName, chrome string) (map[string][]byte, string, int) {
	policies := scenarios.Policies()
	run, err := harness.Start(e.ctx, harness.Config{Policies: policies, Fault: f, ExecPath: chrome})
	if err != nil {
		return nil, "", infraFailure(e, "repro", err)
	}
	defer interrupts.add(func() { run.Close() })()
	defer run.Close()
	runner := run.Runner()
	res := runner.Run(e.ctx, s, 0)
	if res.Verdict == corsproof.VerdictError {
		fmt.Fprintf(e.stderr, "corsproof repro: the run of %s failed, nothing to reproduce: %s\n", s.ID, res.Err)
		return nil, "", exitInfra
	}
	site, _ := run.Topology.Site(s.Site)
	pageURL, _ := run.Topology.PageURL(s.Site)
	cmdline := "corsproof repro " + s.ID
	if faultName != "" {
		cmdline += " --fault " + faultName
	}
	// The browser does not report every request (a preflight after a
	// redirect); the mock answers those again for the replay.
	ask, stopAsk, err := repro.AskHandler(run.Mock.Handler())
	if err != nil {
		return nil, "", infraFailure(e, "repro", err)
	}
	defer stopAsk()
	files, err := repro.Build(repro.Input{
		Result: res, Policy: policies[s.Policy], Site: site, PageURL: pageURL,
		Fault: f.Name, FaultSummary: f.Summary, Browser: run.Engine.Version(), Command: cmdline,
		Ask: ask, Profile: runner.Profile,
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "corsproof repro: %v\n", err)
		return nil, "", exitInfra
	}
	return files, res.VerdictLabel(), exitOK
}

// serveRepro runs the reproduction's own server.go until ctx ends.
func serveRepro(e env, dir string) int {
	p, err := repro.Start(e.ctx, dir, "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		if e.ctx.Err() != nil {
			return exitOK
		}
		fmt.Fprintf(e.stderr, "corsproof repro: --run: %v\n", err)
		return exitInfra
	}
	defer p.Close()
	fmt.Fprint(e.stdout, p.Banner)
	fmt.Fprintln(e.stdout, "serving until Ctrl-C")
	<-e.ctx.Done()
	if log := p.Log(); log != "" {
		fmt.Fprint(e.stderr, log)
	}
	return exitOK
}

func writeFiles(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create the output directory: %w", err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), files[n], 0o644); err != nil {
			return fmt.Errorf("writing the reproduction: %w", err)
		}
	}
	return nil
}

// nearIDs suggests catalog IDs for a mistyped one: those that contain id
// or that id contains (at most three), else the one nearest by edit
// distance.
func nearIDs(id string) string {
	var near, all []string
	for _, s := range scenarios.Catalog() {
		all = append(all, s.ID)
		if len(id) >= 4 && (strings.Contains(s.ID, id) || strings.Contains(id, s.ID)) {
			near = append(near, s.ID)
		}
	}
	if len(near) >= 1 && len(near) <= 3 {
		return " (did you mean " + strings.Join(near, ", ") + "?)"
	}
	return didYouMean(id, all)
}

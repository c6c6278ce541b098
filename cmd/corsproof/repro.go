package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/repro"
	"github.com/corsproof/corsproof/scenarios"
)

func init() {
	register("repro", "write a self-contained reproduction of one catalog scenario (page, wire exchanges, replay server)", cmdRepro)
}

// cmdRepro runs one scenario in real Chromium against the embedded mock and
// writes what a person needs to see it again without corsproof. It exits 0
// when the reproduction is written, whatever the scenario's verdict.
func cmdRepro(e env, args []string) int {
	fs := flag.NewFlagSet("repro", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: corsproof repro ID [--fault NAME] [--out DIR] [--run] [--chrome PATH]")
		fmt.Fprintln(e.stderr, "writes policy.yaml, page.html, exchanges.txt/.json, fetch.json, server.go, go.mod and README.md;")
		fmt.Fprintln(e.stderr, "without --out, into ./repro-ID/, and prints the README")
		fs.PrintDefaults()
	}
	fault := fs.String("fault", "", "serve this deliberate misconfiguration instead of the policy (see 'corsproof faults')")
	out := fs.String("out", "", "directory to write the reproduction to (default ./repro-ID, and the README goes to stdout)")
	chrome := fs.String("chrome", "", "Chromium binary (default: $CORSPROOF_CHROME, then PATH)")
	serve := fs.Bool("run", false, "then build and run the reproduction's server.go on loopback and print the Chromium command line to open it, until Ctrl-C (needs the go command)")
	// The ID may come before or after the flags.
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	rest := fs.Args()
	if id == "" && len(rest) > 0 {
		id, rest = rest[0], rest[1:]
	}
	if len(rest) > 0 {
		fmt.Fprintf(e.stderr, "corsproof repro: unexpected argument %q (one scenario ID at a time)\n", rest[0])
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
	var f mockapi.Fault
	if *fault != "" {
		var ok bool
		if f, ok = mockapi.FaultByName(*fault); !ok {
			fmt.Fprintf(e.stderr, "corsproof repro: no fault %q; 'corsproof faults' lists them\n", *fault)
			return exitUsage
		}
	}
	dir := *out
	if dir == "" {
		dir = "repro-" + corsproof.SafeName(s.ID)
	}

	files, verdict, code := reproduce(e, s, f, *fault, firstNonEmpty(*chrome, e.getenv("CORSPROOF_CHROME")))
	if code != exitOK {
		return code
	}
	if err := writeFiles(dir, files); err != nil {
		fmt.Fprintf(e.stderr, "corsproof repro: %v\n", err)
		return exitInfra
	}
	if *out == "" {
		e.stdout.Write(files[repro.FileReadme])
		fmt.Fprintln(e.stdout)
	}
	fmt.Fprintf(e.stdout, "%s: %s; reproduction in %s (cd there and 'go run server.go')\n", s.ID, verdict, dir)
	if *serve {
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

// nearIDs suggests catalog IDs that contain id or that id contains, at most
// three.
func nearIDs(id string) string {
	var near []string
	for _, s := range scenarios.Catalog() {
		if len(id) >= 4 && (strings.Contains(s.ID, id) || strings.Contains(id, s.ID)) {
			near = append(near, s.ID)
		}
	}
	if len(near) == 0 || len(near) > 3 {
		return ""
	}
	return " (did you mean " + strings.Join(near, ", ") + "?)"
}

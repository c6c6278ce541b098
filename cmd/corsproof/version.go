package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
)

func init() {
	register(command{
		name:    "version",
		summary: "print corsproof's version and the browsers it finds",
		usage:   []string{"version [--json]"},
		about: "Prints corsproof's module version and the commit it was built from (when the build recorded it), " +
			"the Go version, and for each engine the program corsproof would drive and its version, or that it is " +
			"not found and how to install it. A missing browser is not an error: the exit code is 0.",
		env:      engineEnv,
		examples: []string{"corsproof version", "corsproof version --json | jq .browsers"},
		run:      cmdVersion,
	})
}

// versionInfo is what 'corsproof version' reports.
type versionInfo struct {
	Module  string `json:"module"`
	Version string `json:"version"`
	// Revision, Time and Modified are the build's VCS stamp, when the
	// binary was built from a checkout with VCS stamping on.
	Revision string        `json:"revision,omitempty"`
	Time     string        `json:"time,omitempty"`
	Modified bool          `json:"modified,omitempty"`
	Go       string        `json:"go"`
	Platform string        `json:"platform"`
	Browsers []browserInfo `json:"browsers"`
}

// browserInfo is one engine's program, as its finder sees it.
type browserInfo struct {
	Engine corsproof.Engine `json:"engine"`
	Path   string           `json:"path,omitempty"`
	// Version is the first line the program prints for --version; ""
	// when it prints none (WebKitWebDriver).
	Version string `json:"version,omitempty"`
	// NotFound says why the engine's program was not found and how to
	// install it; "" when it was.
	NotFound string `json:"not_found,omitempty"`
}

func cmdVersion(e env, args []string) int {
	fs := e.flags("version")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if code, done := e.parse(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "corsproof version: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	v := buildVersion()
	v.Browsers = findBrowsers(e.ctx)
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			fmt.Fprintf(e.stderr, "corsproof version: %v\n", err)
			return exitInfra
		}
		return exitOK
	}
	printVersion(e.stdout, v)
	return exitOK
}

// buildVersion reads the module version and VCS stamp of this binary.
func buildVersion() versionInfo {
	v := versionInfo{Module: "github.com/corsproof/corsproof", Version: "(unknown)", Go: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Path != "" {
		v.Module = bi.Main.Path
	}
	if bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// versionTimeout bounds each browser's --version: a browser that hangs
// there is reported without a version, not waited for.
const versionTimeout = 5 * time.Second

// findBrowsers runs each engine's finder and asks what it found for its
// version, all at once.
func findBrowsers(ctx context.Context) []browserInfo {
	out := make([]browserInfo, len(corsproof.Engines))
	var wg sync.WaitGroup
	for i, engine := range corsproof.Engines {
		out[i].Engine = engine
		path, err := browser.Finder(engine)()
		if err != nil {
			msg := err.Error()
			if !strings.Contains(msg, "apt-get") {
				msg += "; " + installHint(engine)
			}
			out[i].NotFound = msg
			continue
		}
		out[i].Path = path
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i].Version = programVersion(ctx, path)
		}()
	}
	wg.Wait()
	return out
}

// programVersion is the first line path prints on stdout for --version,
// or "" if it prints none in versionTimeout or prints its usage instead.
func programVersion(ctx context.Context, path string) string {
	ctx, cancel := context.WithTimeout(ctx, versionTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--version")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout // stderr: wrapper scripts' noise
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil && stdout.Len() == 0 {
		return ""
	}
	for _, line := range strings.Split(stdout.String(), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(strings.ToLower(line), "usage") {
			return ""
		}
		return line
	}
	return ""
}

func printVersion(w io.Writer, v versionInfo) {
	fmt.Fprintf(w, "corsproof %s (%s)\n", v.Version, v.Module)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if v.Revision != "" {
		rev := v.Revision
		if v.Modified {
			rev += " (modified)"
		}
		if v.Time != "" {
			rev += ", " + v.Time
		}
		fmt.Fprintf(tw, "revision\t%s\n", rev)
	} else {
		fmt.Fprintf(tw, "revision\tnot recorded (built outside a git checkout, or with -buildvcs=false)\n")
	}
	fmt.Fprintf(tw, "go\t%s %s\n", v.Go, v.Platform)
	tw.Flush()
	fmt.Fprintln(w, "browsers:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, b := range v.Browsers {
		switch {
		case b.NotFound != "":
			fmt.Fprintf(tw, "  %s\tnot found: %s\n", b.Engine, b.NotFound)
		case b.Version != "":
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", b.Engine, b.Version, b.Path)
		default:
			fmt.Fprintf(tw, "  %s\tversion not printed by the program (a run's banner names it)\t%s\n", b.Engine, b.Path)
		}
	}
	tw.Flush()
}

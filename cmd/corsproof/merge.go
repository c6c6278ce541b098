package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/report"
)

func init() {
	register(command{
		name:    "merge",
		summary: "combine the JSON reports of shards, engines or machines into one report",
		usage:   []string{"merge REPORT.json... [--json FILE] [--junit FILE] [--html FILE] [--all]"},
		about: "Combines the --json reports of 'corsproof run' or 'corsproof check' into one, as if one run had made them: " +
			"the shards of a --shard I/N split (one engine's results concatenated, in shard order), and reports of other " +
			"engines or machines (side by side, a column per engine). The findings and the rows across engines are made " +
			"again over the whole, and the merged run is printed like a run's. The reports must be of one command, target " +
			"and fault; a scenario in two reports of one engine (the same shard twice) is an error naming both files, and a " +
			"shard missing from a split is noted. " +
			"Exit 0 clean, 1 a merged scenario did not match or was not tested, 2 usage error or reports that do not combine, " +
			"3 an engine could not start or a scenario hit an error.",
		env: reportEnv,
		examples: []string{
			"corsproof merge shard-1.json shard-2.json shard-3.json shard-4.json --junit cors.xml --html cors.html",
			"corsproof merge chromium.json firefox.json webkit.json --json all.json",
		},
		run: cmdMerge,
	})
}

func cmdMerge(e env, args []string) int {
	fset := e.flags("merge")
	all := fset.Bool("all", false, "print every scenario, not only those that did not pass")
	var out outputs
	out.register(fset)
	if code, done := e.parse(fset, args); done {
		return code
	}
	files, err := interleaved(fset)
	if errors.Is(err, flag.ErrHelp) {
		printHelp(e.stdout, commands["merge"], fset)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "corsproof merge: %s\n", flagError(fset, err))
		return exitUsage
	}
	if len(files) == 0 {
		fmt.Fprintln(e.stderr, "corsproof merge: which reports? name the --json reports of the runs to merge, e.g. corsproof merge shard-*.json --junit cors.xml")
		return exitUsage
	}
	var in []report.Input
	bad := false
	for _, f := range files {
		d, err := report.ReadJSONFile(f)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = fmt.Errorf("cannot read a report: %w", err)
			}
			fmt.Fprintf(e.stderr, "corsproof merge: %v\n", err)
			bad = true
			continue
		}
		in = append(in, report.Input{Name: f, Doc: d})
	}
	if bad {
		return exitUsage
	}
	merged, err := report.Merge(in)
	if err != nil {
		fmt.Fprintf(e.stderr, "corsproof merge: the reports do not combine:\n%v\n", err)
		return exitUsage
	}
	for _, n := range merged.Notes {
		fmt.Fprintf(e.stderr, "corsproof merge: note: %s\n", n)
	}
	var parts []string
	for _, r := range merged.Runs {
		parts = append(parts, fmt.Sprintf("%d scenarios in %s", len(r.Results), r.Engine))
	}
	fmt.Fprintf(e.stderr, "corsproof merge: %d reports of %s %s: %s\n", len(in), merged.Meta.Command, merged.Meta.Target, strings.Join(parts, ", "))

	doc := merged.Document()
	err = writeReports([]reportFile{
		{out.json, func(w io.Writer) error { return report.WriteDocument(w, doc) }},
		{out.junit, func(w io.Writer) error { return report.JUnit(w, merged.Runs, merged.Meta) }},
		{out.html, func(w io.Writer) error { return report.HTML(w, merged.Runs, merged.Meta) }},
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "corsproof merge: %v\n", err)
		return exitInfra
	}
	report.Text(e.stdout, merged.Runs, report.TextOptions{Color: e.color(), OnlyFailures: !*all, Width: e.width()})
	if merged.Meta.Fault != "" {
		report.Catches(e.stdout, merged.Runs)
	}
	return mergedExitCode(merged.Runs)
}

// mergedExitCode is the code the whole run would have exited with: 3 when
// an engine did not start or a scenario hit an error, else 1 when one
// failed, else 0.
func mergedExitCode(runs []corsproof.Run) int {
	code := exitOK
	for _, r := range runs {
		if r.Err != "" {
			return exitInfra
		}
		code = max(code, exitCode(r.Results))
	}
	return code
}

// interleaved is the file arguments of fs, parsing the flags between and
// after them too: corsproof merge a.json b.json --junit x.xml.
func interleaved(fs *flag.FlagSet) ([]string, error) {
	var files []string
	for rest := fs.Args(); len(rest) > 0; rest = fs.Args() {
		if strings.HasPrefix(rest[0], "-") && rest[0] != "-" {
			if err := fs.Parse(rest); err != nil {
				return nil, err
			}
			continue
		}
		files = append(files, rest[0])
		if err := fs.Parse(rest[1:]); err != nil {
			return nil, err
		}
	}
	return files, nil
}

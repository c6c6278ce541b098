// Command normreport reduces corsproof JSON reports (run/check --json FILE)
// to sorted, tab-separated lines, one per result:
//
//	engine	scenario id	verdict	severity	known	cause
//
// so that two reports of the same job (say before and after a refactor) can
// be compared with diff. Everything that varies from run to run (timings,
// request ids in URLs, versions, start times) is left out.
//
// It reads every report shape corsproof has written or is likely to write,
// telling them apart by the keys present:
//
//   - single engine: {"run":…, "browser":{"name":…}, "results":[…]}
//   - several engines (--browsers): {"run":…, "engines":[{"browser":{"name":…}, "results":[…]}], "comparison":[…]}
//   - one list of runs: {"runs":[{"engine":"chromium" or {"name":…}, "results":[…]}]}
//     (also a bare top-level array of such runs)
//
// In a result the scenario id is "id", or "scenario" (its "id" when an
// object, itself when a string), or "scenario_id"; "known" or
// "known_deviation" is printed as true/false (missing: false); "severity" and
// "cause" are printed empty when missing. A value that is not a string or a
// boolean is printed as compact JSON. An engine that did not run (a run with
// an "error" and no results) is one line with the verdict "engine-error".
//
// usage: go run ./scripts/normreport [-count] REPORT.json [...]
//
// Lines go to stdout; with -count the number of lines goes to stderr.
// Exit status 2 when a file cannot be read or has no recognisable shape.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type object = map[string]json.RawMessage

func main() {
	count := flag.Bool("count", false, "print the number of lines to stderr")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: normreport [-count] REPORT.json [...]   (- reads stdin)")
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	var lines []string
	for _, name := range flag.Args() {
		l, err := normaliseFile(name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "normreport: %s: %v\n", name, err)
			os.Exit(2)
		}
		lines = append(lines, l...)
	}
	sort.Strings(lines)
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	if _, err := io.WriteString(os.Stdout, b.String()); err != nil {
		fmt.Fprintf(os.Stderr, "normreport: %v\n", err)
		os.Exit(2)
	}
	if *count {
		fmt.Fprintln(os.Stderr, len(lines))
	}
}

func normaliseFile(name string) ([]string, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, err
	}
	return normalise(data)
}

// normalise returns one line per result of the report in data, unsorted.
func normalise(data []byte) ([]string, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var runs []json.RawMessage
		if err := json.Unmarshal(data, &runs); err != nil {
			return nil, err
		}
		return normaliseRuns(runs, "top-level array")
	}
	var top object
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, err
	}
	switch {
	case has(top, "runs"): // one shape for one engine or several
		runs, err := array(top, "runs")
		if err != nil {
			return nil, err
		}
		return normaliseRuns(runs, "runs")
	case has(top, "engines"): // cross report (--browsers with several)
		runs, err := array(top, "engines")
		if err != nil {
			return nil, err
		}
		return normaliseRuns(runs, "engines")
	case has(top, "results"): // single-engine report
		return normaliseRun(top, "report")
	}
	return nil, fmt.Errorf("unrecognised report shape: top-level keys %s (want runs, engines or results)", keys(top))
}

func normaliseRuns(runs []json.RawMessage, where string) ([]string, error) {
	var lines []string
	for i, raw := range runs {
		var run object
		if err := json.Unmarshal(raw, &run); err != nil {
			return nil, fmt.Errorf("%s[%d]: %v", where, i, err)
		}
		l, err := normaliseRun(run, fmt.Sprintf("%s[%d]", where, i))
		if err != nil {
			return nil, err
		}
		lines = append(lines, l...)
	}
	return lines, nil
}

// normaliseRun handles one engine's run: its name and its results.
func normaliseRun(run object, where string) ([]string, error) {
	engine := engineName(run)
	if engine == "" {
		return nil, fmt.Errorf("%s: no engine name (looked for engine, browser, name); keys %s", where, keys(run))
	}
	results, err := array(run, "results")
	if err != nil {
		return nil, fmt.Errorf("%s: %v", where, err)
	}
	if len(results) == 0 && has(run, "error") {
		// The engine did not start; its error text carries paths and
		// process ids, so only the fact is kept.
		fmt.Fprintf(os.Stderr, "normreport: %s: engine %s did not run: %s\n", where, engine, text(run["error"]))
		return []string{join(engine, "-", "engine-error", "", "false", "")}, nil
	}
	lines := make([]string, 0, len(results))
	for i, raw := range results {
		var r object
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("%s.results[%d]: %v", where, i, err)
		}
		id := scenarioID(r)
		if id == "" {
			return nil, fmt.Errorf("%s.results[%d]: no scenario id (looked for id, scenario, scenario_id); keys %s", where, i, keys(r))
		}
		known := "false"
		for _, k := range []string{"known", "known_deviation"} {
			if v, ok := r[k]; ok && !isNull(v) {
				known = text(v)
				break
			}
		}
		lines = append(lines, join(engine, id, text(r["verdict"]), text(r["severity"]), known, text(r["cause"])))
	}
	return lines, nil
}

// engineName is run.engine or run.browser (a name, or an object with one),
// or run.name.
func engineName(run object) string {
	for _, k := range []string{"engine", "browser"} {
		v, ok := run[k]
		if !ok || isNull(v) {
			continue
		}
		var o object
		if json.Unmarshal(v, &o) == nil {
			for _, nk := range []string{"name", "engine"} {
				if n := text(o[nk]); n != "" {
					return n
				}
			}
			continue
		}
		if n := text(v); n != "" {
			return n
		}
	}
	return text(run["name"])
}

// scenarioID is r.id, r.scenario.id (or r.scenario when a string), or
// r.scenario_id.
func scenarioID(r object) string {
	if v, ok := r["scenario"]; ok && !isNull(v) {
		var o object
		if json.Unmarshal(v, &o) == nil {
			if id := text(o["id"]); id != "" {
				return id
			}
		} else if id := text(v); id != "" {
			return id
		}
	}
	for _, k := range []string{"id", "scenario_id"} {
		if id := text(r[k]); id != "" {
			return id
		}
	}
	return ""
}

// text prints a JSON value for a line: a string as itself, a boolean as
// true/false, null or missing as empty, anything else as compact JSON. Tabs
// and newlines become spaces so that a value stays in its column.
func text(v json.RawMessage) string {
	if len(v) == 0 || isNull(v) {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
	}
	var b bytes.Buffer
	if json.Compact(&b, v) == nil {
		return b.String()
	}
	return string(v)
}

func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

func has(o object, k string) bool {
	v, ok := o[k]
	return ok && !isNull(v)
}

func array(o object, k string) ([]json.RawMessage, error) {
	v, ok := o[k]
	if !ok || isNull(v) {
		return nil, nil
	}
	var a []json.RawMessage
	if err := json.Unmarshal(v, &a); err != nil {
		return nil, fmt.Errorf("%s is not an array: %v", k, err)
	}
	return a, nil
}

func keys(o object) string {
	ks := make([]string, 0, len(o))
	for k := range o {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return "[" + strings.Join(ks, " ") + "]"
}

func join(fields ...string) string { return strings.Join(fields, "\t") }

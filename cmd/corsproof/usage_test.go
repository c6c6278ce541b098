package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// describeAll is every command's FlagSet, read the way help and completion
// read it.
func describeAll(t *testing.T) map[string]*flag.FlagSet {
	t.Helper()
	e := env{ctx: context.Background(), getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard}
	out := map[string]*flag.FlagSet{}
	for _, name := range commandNames() {
		fs := commandFlags(e, commands[name])
		if fs == nil {
			t.Fatalf("command %s never hands its FlagSet to env.parse: help and completion cannot see its flags", name)
		}
		if fs.Name() != name {
			t.Errorf("command %s parses a FlagSet named %q: its --help would print another command's text", name, fs.Name())
		}
		out[name] = fs
	}
	return out
}

// goStyleFlag is a flag line of Go's own PrintDefaults ("  -policy string").
var goStyleFlag = regexp.MustCompile(`(?m)^\s+-[a-z][a-z-]*( |$)`)

func TestEveryCommandsHelpExitsZeroOnStdoutWithFlagsEnvironmentAndExamples(t *testing.T) {
	for name, fs := range describeAll(t) {
		for _, arg := range []string{"--help", "-h", "-help"} {
			t.Run(name+" "+arg, func(t *testing.T) {
				code, stdout, stderr := cli(t, name, arg)
				if code != exitOK {
					t.Errorf("exit code = %d, want 0; stderr: %s", code, stderr)
				}
				if stderr != "" {
					t.Errorf("help wrote to stderr: %q", stderr)
				}
				if !strings.HasPrefix(stdout, "usage: corsproof "+name) {
					t.Errorf("help does not open with the synopsis:\n%s", stdout)
				}
				fs.VisitAll(func(f *flag.Flag) {
					if !strings.Contains(stdout, "\n  --"+f.Name) {
						t.Errorf("help lacks --%s:\n%s", f.Name, stdout)
					}
				})
				if m := goStyleFlag.FindString(stdout); m != "" {
					t.Errorf("help spells a flag Go's way (%q):\n%s", m, stdout)
				}
				for _, v := range commands[name].env {
					if !strings.Contains(stdout, "\n  "+v+"\n") {
						t.Errorf("help lacks the environment variable %s:\n%s", v, stdout)
					}
				}
				if !strings.Contains(stdout, "\nexamples:\n  ") || !strings.Contains(stdout[strings.Index(stdout, "\nexamples:"):], "corsproof "+name) {
					t.Errorf("help has no examples:\n%s", stdout)
				}
			})
		}
	}
}

func TestHelpCommandPrintsWhatDashDashHelpPrints(t *testing.T) {
	for _, name := range commandNames() {
		code, viaHelp, stderr := cli(t, "help", name)
		_, viaFlag, _ := cli(t, name, "--help")
		if code != exitOK || viaHelp != viaFlag || viaHelp == "" {
			t.Errorf("help %s: exit %d (stderr %q); its output differs from %s --help:\n%s\n---\n%s", name, code, stderr, name, viaHelp, viaFlag)
		}
	}
}

func TestHelpShowsPlaceholdersAndDefaults(t *testing.T) {
	_, stdout, _ := cli(t, "check", "--help")
	for _, want := range []string{
		"  --policy FILE\n", "  --target URL\n", "  --timeout DURATION\n", "  --concurrency N\n",
		"  --cookie NAME=VALUE\n", "  --plan\n", `(default "chromium")`, "(default 10s)", "(default 8)",
		"CORSPROOF_CHROME", "CORSPROOF_FIREFOX", "NO_COLOR", "COLUMNS",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("check --help lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "`") {
		t.Errorf("check --help shows the placeholders' backquotes:\n%s", stdout)
	}
}

func TestTopLevelHelpAndUsageExitCodes(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		code     int
		inStdout bool // the command list goes to stdout, else stderr
	}{
		{args: nil, code: exitUsage},
		{args: []string{"--help"}, code: exitOK, inStdout: true},
		{args: []string{"-h"}, code: exitOK, inStdout: true},
		{args: []string{"help"}, code: exitOK, inStdout: true},
		{args: []string{"nope"}, code: exitUsage},
	} {
		code, stdout, stderr := cli(t, tt.args...)
		where, other := stderr, stdout
		if tt.inStdout {
			where, other = stdout, stderr
		}
		if code != tt.code || !strings.Contains(where, "usage: corsproof <command>") || other != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit %d and the usage on one stream only", tt.args, code, stdout, stderr, tt.code)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	for _, tt := range []struct {
		desc string
		args []string
		want string // in stderr; the exit code is 2
	}{
		{desc: "a mistyped flag", args: []string{"run", "--concurency", "2"}, want: "unknown flag --concurency (did you mean --concurrency?)"},
		{desc: "a mistyped flag of check", args: []string{"check", "--polcy", "p.yaml"}, want: "(did you mean --policy?)"},
		{desc: "a single-dash mistyped flag", args: []string{"audit", "-targt", "x"}, want: "unknown flag --targt (did you mean --target?)"},
		{desc: "a flag of nothing like it", args: []string{"run", "--frobnicate"}, want: "unknown flag --frobnicate\n"},
		{desc: "a mistyped command", args: []string{"chek"}, want: `unknown command "chek" (did you mean "check"?)`},
		{desc: "a mistyped command after help", args: []string{"help", "explian"}, want: `unknown command "explian" (did you mean "explain"?)`},
		{desc: "a flag before the command", args: []string{"--policy", "p.yaml"}, want: "flags follow it"},
		{desc: "a mistyped label", args: []string{"run", "--label", "origin:null,feature:preflght"}, want: `no scenario carries the label "feature:preflght" (did you mean "feature:preflight"?)`},
		{desc: "a mistyped fault", args: []string{"run", "--fault", "reflect-orgin"}, want: `no fault "reflect-orgin" (did you mean "reflect-origin"?)`},
		{desc: "a mistyped scenario id", args: []string{"repro", "custom-header-alowed"}, want: `(did you mean "custom-header-allowed"?)`},
		{desc: "a mistyped shell", args: []string{"completion", "bsh"}, want: `unknown shell "bsh" (did you mean "bash"?)`},
		{desc: "a flag value missing", args: []string{"check", "--policy"}, want: "--policy needs a value"},
		{desc: "a flag value of the wrong type", args: []string{"run", "--concurrency", "many"}, want: `invalid value "many" for --concurrency`},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			code, _, stderr := cli(t, tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", code, stderr, exitUsage, tt.want)
			}
			if strings.Contains(stderr, "flag provided but not defined") || goStyleFlag.MatchString(stderr) {
				t.Errorf("the flag package's own words leaked:\n%s", stderr)
			}
		})
	}
}

func TestNearestKeepsToTypos(t *testing.T) {
	for _, tt := range []struct {
		got        string
		candidates []string
		want       string // "" for no suggestion
	}{
		{got: "concurency", candidates: []string{"all", "concurrency", "chrome"}, want: "concurrency"},
		{got: "ru", candidates: []string{"run", "repro"}, want: "run"},
		{got: "JSON", candidates: []string{"json", "junit"}, want: "json"},
		{got: "x", candidates: []string{"all", "ca"}, want: ""},
		{got: "frobnicate", candidates: []string{"faults", "explain"}, want: ""},
		{got: "run", candidates: []string{"run"}, want: ""},
	} {
		got, ok := nearest(tt.got, tt.candidates)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("nearest(%q, %q) = %q, %v; want %q", tt.got, tt.candidates, got, ok, tt.want)
		}
	}
}

func TestATargetWithoutASchemeSaysWhatToAdd(t *testing.T) {
	policy := writePolicy(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{args: []string{"check", "--policy", policy, "--target", "api.example.com"},
			want: `--target "api.example.com" has no scheme: add https://: --target https://api.example.com`},
		{args: []string{"check", "--policy", policy, "--target", "localhost:8080/v1"},
			want: "add http:// (or https:// if it serves TLS): --target http://localhost:8080/v1"},
		{args: []string{"audit", "--target", "api.example.com/api/items"},
			want: "--target https://api.example.com/api/items"},
		{args: []string{"audit", "--target", "https:api.example.com"},
			want: "write https://api.example.com"},
	} {
		code, _, stderr := cli(t, tt.args...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant exit %d and %q", tt.args, code, stderr, exitUsage, tt.want)
		}
	}
	if err := targetSchemeError("https://api.example.com"); err != nil {
		t.Errorf("a target with a scheme: %v", err)
	}
}

func TestAPolicyFieldNamedAsOtherLibrariesNameItSuggestsCorsproofs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(path, []byte("origins: [https://app.example.com]\nallowed_headers: [X-A]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := cli(t, "check", "--policy", path, "--target", "https://api.example.com")
	if code != exitUsage || !strings.Contains(stderr, `unknown field "allowed_headers" (did you mean "request_headers"?)`) {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

func TestHelpCommandUsageErrors(t *testing.T) {
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"help", "run", "check"}, func(string) string { return "" }, &out, &errb)
	if code != exitUsage || !strings.Contains(errb.String(), "one command at a time") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

func TestExplainWithAMistypedIDSuggestsTheReportsNearest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.json")
	report := `{"runs": [{"results": [{"id": "custom-header-allowed"}, {"id": "cors-get-allowed"}]}]}`
	if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := cli(t, "explain", "--file", path, "--id", "custom-header-alowed")
	if code != exitUsage || !strings.Contains(stderr, `no result with id "custom-header-alowed" in the report (did you mean "custom-header-allowed"?)`) {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

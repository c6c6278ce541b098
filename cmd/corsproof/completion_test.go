package main

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// completionScript is corsproof completion SHELL's output, in a file.
func completionScript(t *testing.T, shell string) (path, text string) {
	t.Helper()
	code, stdout, stderr := cli(t, "completion", shell)
	if code != exitOK || stdout == "" {
		t.Fatalf("completion %s: exit %d, stderr %q", shell, code, stderr)
	}
	path = filepath.Join(t.TempDir(), "corsproof."+shell)
	if err := os.WriteFile(path, []byte(stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, stdout
}

// bashComplete is what the bash script offers for the words typed so far
// (the last one being completed), through bash's own complete builtin.
func bashComplete(t *testing.T, script string, words ...string) []string {
	t.Helper()
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = shellQuote(w)
		if w == "" {
			quoted[i] = "''"
		}
	}
	prog := `source "$1" || exit 9
[[ $(complete -p corsproof) == *"-F _corsproof"* ]] || { echo "no complete -F for corsproof" >&2; exit 8; }
COMP_WORDS=(` + strings.Join(quoted, " ") + `); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_corsproof
printf '%s\n' "${COMPREPLY[@]}"`
	out, err := exec.Command("bash", "-c", prog, "bash", script).CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	return strings.Fields(string(out))
}

func TestBashCompletionCompletesCommandsFlagsAndValues(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	script, _ := completionScript(t, "bash")
	if out, err := exec.Command("bash", "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	for _, tt := range []struct {
		words []string
		want  []string // exactly
	}{
		{words: []string{"corsproof", "ch"}, want: []string{"check"}},
		{words: []string{"corsproof", "ver"}, want: []string{"version"}},
		{words: []string{"corsproof", "check", "--pol"}, want: []string{"--policy"}},
		{words: []string{"corsproof", "run", "--fault", "reflect-origin-c"}, want: []string{"reflect-origin-credentials"}},
		{words: []string{"corsproof", "check", "--browsers", "f"}, want: []string{"firefox"}},
		{words: []string{"corsproof", "explain", "--profile", "st"}, want: []string{"standard"}},
		{words: []string{"corsproof", "help", "exp"}, want: []string{"explain"}},
		{words: []string{"corsproof", "completion", "f"}, want: []string{"fish"}},
		{words: []string{"corsproof", "check", "--policy", "x"}, want: nil}, // a file name: bash's default
	} {
		if got := bashComplete(t, script, tt.words...); !slices.Equal(got, tt.want) {
			t.Errorf("%q: completes %q, want %q", tt.words, got, tt.want)
		}
	}
	// Every flag of every command, as the command itself defines it.
	for name, fs := range describeAll(t) {
		got := bashComplete(t, script, "corsproof", name, "--")
		fs.VisitAll(func(f *flag.Flag) {
			if !slices.Contains(got, "--"+f.Name) {
				t.Errorf("corsproof %s --<TAB> lacks --%s: %q", name, f.Name, got)
			}
		})
		if !slices.Contains(got, "--help") {
			t.Errorf("corsproof %s --<TAB> lacks --help", name)
		}
	}
}

func TestZshAndFishCompletionNameEveryCommandAndFlag(t *testing.T) {
	flags := describeAll(t)
	for _, tt := range []struct {
		shell   string
		checker []string // a syntax check, when the shell is installed
		command func(name string) string
		flag    func(name string) string
	}{
		{
			shell: "zsh", checker: []string{"zsh", "-n"},
			command: func(n string) string { return "\n    '" + n + ":" },
			flag:    func(n string) string { return "--" + n + "[" },
		},
		{
			shell: "fish", checker: []string{"fish", "--no-execute"},
			command: func(n string) string { return "-n __fish_use_subcommand -a " + n + " " },
			flag:    func(n string) string { return " -l " + n + " " },
		},
	} {
		t.Run(tt.shell, func(t *testing.T) {
			script, text := completionScript(t, tt.shell)
			for name, fs := range flags {
				if !strings.Contains(text, tt.command(name)) {
					t.Errorf("the %s script lacks the command %s", tt.shell, name)
				}
				fs.VisitAll(func(f *flag.Flag) {
					if !strings.Contains(text, tt.flag(f.Name)) {
						t.Errorf("the %s script lacks %s --%s", tt.shell, name, f.Name)
					}
				})
			}
			if _, err := exec.LookPath(tt.checker[0]); err != nil {
				t.Logf("no %s: the script's syntax is not checked", tt.checker[0])
				return
			}
			if out, err := exec.Command(tt.checker[0], append(tt.checker[1:], script)...).CombinedOutput(); err != nil {
				t.Errorf("%s: %v\n%s", strings.Join(tt.checker, " "), err, out)
			}
		})
	}
}

// fish completes from the script non-interactively (complete -C).
func TestFishCompletionCompletes(t *testing.T) {
	if _, err := exec.LookPath("fish"); err != nil {
		t.Skip("no fish")
	}
	script, _ := completionScript(t, "fish")
	out, err := exec.Command("fish", "--no-config", "-c", `source $argv[1]; complete -C "corsproof check --pol"; complete -C "corsproof run --fault reflect-origin-c"`, script).CombinedOutput()
	if err != nil {
		t.Fatalf("fish: %v\n%s", err, out)
	}
	for _, want := range []string{"--policy\t", "reflect-origin-credentials\t"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("fish completes\n%s\nwithout %q", out, want)
		}
	}
}

func TestCompletionWithoutAShellIsAUsageError(t *testing.T) {
	if code, _, stderr := cli(t, "completion"); code != exitUsage || !strings.Contains(stderr, "which shell?") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

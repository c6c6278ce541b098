package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// envRead finds the environment variables Go source reads: the literal
// name given to Getenv, LookupEnv or an injected getenv, and every
// "CORSPROOF_..." literal (the browser package names them in constants).
var envRead = regexp.MustCompile(`(?:Getenv|LookupEnv|getenv|envOr)\("([A-Z][A-Z0-9_]*)"|"(CORSPROOF_[A-Z0-9_]+)"`)

// envNames are the environment variables read by the given files.
func envNames(t *testing.T, files []string) map[string][]string {
	t.Helper()
	names := map[string][]string{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range envRead.FindAllStringSubmatch(string(src), -1) {
			n := m[1] + m[2]
			if !slices.Contains(names[n], f) {
				names[n] = append(names[n], f)
			}
		}
	}
	return names
}

// moduleGoFiles are the .go files of the module; with tests, the test
// files too.
func moduleGoFiles(t *testing.T, tests bool) []string {
	t.Helper()
	var files []string
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") && (tests || !strings.HasSuffix(p, "_test.go")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// cliGoFiles are the non-test files of every package of this module the
// corsproof binary links: what a user's run can read.
func cliGoFiles(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps",
		"-f", `{{if .Module}}{{if .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{end}}{{end}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	return strings.Fields(string(out))
}

// Every variable the binary reads is described in envDocs and listed in
// the --help of some command, so no knob is a secret.
func TestEveryEnvironmentVariableTheBinaryReadsIsInSomeCommandsHelp(t *testing.T) {
	read := envNames(t, cliGoFiles(t))
	for _, must := range []string{"CORSPROOF_CHROME", "NO_COLOR", "DISPLAY"} {
		if read[must] == nil {
			t.Fatalf("the source scan misses %s, which the CLI reads: the pattern is broken", must)
		}
	}
	for name, files := range read {
		if _, ok := envDocs[name]; !ok {
			t.Errorf("%s (read in %s) is not described in envDocs (cmd/corsproof/environ.go)", name, strings.Join(files, ", "))
			continue
		}
		var in []string
		for _, c := range commandNames() {
			if slices.Contains(commands[c].env, name) {
				in = append(in, c)
			}
		}
		if len(in) == 0 {
			t.Errorf("%s (read in %s) is in no command's --help: add it to the env of the commands that read it", name, strings.Join(files, ", "))
		}
	}
	for name := range envDocs {
		if read[name] == nil {
			t.Errorf("envDocs describes %s, which nothing the binary links reads", name)
		}
	}
}

// The README's Environment section names every variable the module's
// code reads (the CLI's, the corstest library's, internal/testenv's CI)
// and every CORSPROOF_ knob of its test suites.
func TestEveryEnvironmentVariableIsInTheREADME(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Environment\n")
	if !ok {
		t.Fatal("README.md has no \"## Environment\" section")
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	read := envNames(t, moduleGoFiles(t, false))
	for name, files := range envNames(t, moduleGoFiles(t, true)) {
		if strings.HasPrefix(name, "CORSPROOF_") {
			read[name] = files
		}
	}
	for _, must := range []string{"CORSPROOF_CHROME", "CI", "CORSPROOF_ENGINES"} {
		if read[must] == nil {
			t.Fatalf("the source scan misses %s: the pattern is broken", must)
		}
	}
	for name, files := range read {
		if !regexp.MustCompile("`" + name + "[`=]").MatchString(section) {
			t.Errorf("README's Environment section does not name `%s` (read in %s)", name, strings.Join(files, ", "))
		}
	}
}

package main

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/policy"
)

// ciJob is the part of a README CI snippet that runs: GitHub Actions'
// steps, or GitLab's before_script and script.
type ciJob struct {
	Steps []struct {
		Run  string         `yaml:"run"`
		With map[string]any `yaml:"with"`
	} `yaml:"steps"`
	BeforeScript []string `yaml:"before_script"`
	Script       []string `yaml:"script"`
	Artifacts    struct {
		Reports struct {
			JUnit string `yaml:"junit"`
		} `yaml:"reports"`
	} `yaml:"artifacts"`
}

// TestREADMECIJobsRun runs the README's GitHub Actions and GitLab CI jobs
// as shell scripts, against a loopback API, with the go install line
// building this checkout: the snippets cannot rot.
func TestREADMECIJobsRun(t *testing.T) {
	readme, api := readmeCI(t, "builds the CLI and runs a check in Chromium")
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(readme, -1)
	jobs := map[string]ciJob{}
	for _, b := range blocks {
		var doc map[string]ciJob
		if err := yaml.Unmarshal(b[1], &doc); err != nil {
			continue // the policy file's example, not a CI job
		}
		if j, ok := doc["cors"]; ok {
			if len(j.Steps) > 0 {
				jobs["github"] = j
			} else if len(j.Script) > 0 {
				jobs["gitlab"] = j
			}
		}
	}
	if len(jobs) != 2 {
		t.Fatalf("found the README's CI jobs %v, want github and gitlab", keys(jobs))
	}

	for name, job := range jobs {
		t.Run(name, func(t *testing.T) {
			work, run := ciShell(t, api)
			var lines []string
			report := ""
			for _, s := range job.Steps {
				if s.Run != "" {
					lines = append(lines, s.Run)
				}
				if path, ok := s.With["path"].(string); ok {
					report = path
				}
			}
			lines = append(lines, job.BeforeScript...)
			lines = append(lines, job.Script...)
			if job.Artifacts.Reports.JUnit != "" {
				report = job.Artifacts.Reports.JUnit
			}
			out := run(name, lines)
			if report == "" {
				t.Fatalf("the %s job uploads no JUnit report", name)
			}
			raw, err := os.ReadFile(filepath.Join(work, report))
			if err != nil {
				t.Fatalf("the %s job's report %s: %v", name, report, err)
			}
			doc, err := parseJUnit(raw)
			if err != nil {
				t.Fatalf("the %s job's report is not XML: %v", name, err)
			}
			if cases, failures := doc.counts(); cases < 10 || failures != 0 {
				t.Errorf("the %s job's report: %d test cases, %d failures\n%s", name, cases, failures, out)
			}
		})
	}
}

// readmeCI is the README and the URL of a loopback API serving ciPolicy,
// for a test that runs the README's CI snippets; those install Debian's
// chromium, so the test needs it on PATH (skipped otherwise, and in -short
// mode, saying why; failing under CI=true).
func readmeCI(t *testing.T, why string) (readme []byte, api string) {
	t.Helper()
	if testing.Short() {
		t.Skip(why)
	}
	testenv.Found(t, "chromium", browser.Finder("chromium"))
	if _, err := exec.LookPath("chromium"); err != nil {
		if testenv.InCI() {
			t.Fatal("CI=true and no chromium on PATH: the README's CI snippets install Debian's chromium")
		}
		t.Skip("the snippets install Debian's chromium; this machine's Chromium is not on PATH as chromium")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.Parse("cors.yaml", []byte(ciPolicy))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mockapi.New(p)}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return readme, "http://" + ln.Addr().String()
}

// ciShell is a work directory with cors.yaml and a runner of CI steps in
// it as one bash script (returning its output), where go install
// ...@latest builds this checkout and API_URL is api.
func ciShell(t *testing.T, api string) (work string, run func(job string, lines []string) string) {
	t.Helper()
	repo, _ := filepath.Abs("../..")
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	work, shims, gopath := filepath.Join(dir, "work"), filepath.Join(dir, "shims"), filepath.Join(dir, "gopath")
	for _, d := range []string{work, shims, gopath} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// go install ...@latest builds this checkout (once) instead of fetching
	// a release; every other go command is the real one.
	shim := `#!/bin/sh
if [ "$1" = install ] && [ "$2" = github.com/corsproof/corsproof/cmd/corsproof@latest ]; then
	[ -x "$GOPATH/bin/corsproof" ] && exit 0
	mkdir -p "$GOPATH/bin" && cd "` + repo + `" && exec "` + realGo + `" build -o "$GOPATH/bin/corsproof" ./cmd/corsproof
fi
exec "` + realGo + `" "$@"
`
	if err := os.WriteFile(filepath.Join(shims, "go"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "cors.yaml"), []byte(ciPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(),
		"PATH="+shims+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GOPATH="+gopath, "GOMODCACHE="+modCache(t, realGo), "API_URL="+api)
	return work, func(job string, lines []string) string {
		t.Helper()
		script := "set -e\n" + strings.Join(lines, "\n") + "\n"
		cmd := exec.Command("bash", "-c", script)
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("the %s job failed: %v\n--- script:\n%s--- output:\n%s", job, err, script, out)
		}
		return string(out)
	}
}

const ciPolicy = `origins: [https://app.example.com]
methods: [GET]
endpoints:
  - {path: /api/items, methods: [GET]}
`

// modCache is the module cache of the real go, so the job's own GOPATH
// downloads nothing.
func modCache(t *testing.T, goBin string) string {
	out, err := exec.Command(goBin, "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

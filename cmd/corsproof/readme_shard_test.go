package main

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/report"
)

// shardedJob is a GitHub Actions job of the README's sharding snippet.
type shardedJob struct {
	Needs    string `yaml:"needs"`
	If       string `yaml:"if"`
	Strategy struct {
		Matrix struct {
			Shard []int `yaml:"shard"`
		} `yaml:"matrix"`
	} `yaml:"strategy"`
	Steps []struct {
		Uses string         `yaml:"uses"`
		Run  string         `yaml:"run"`
		With map[string]any `yaml:"with"`
	} `yaml:"steps"`
}

// TestREADMEShardedCIJobsRun runs the README's four-shard GitHub Actions
// matrix and its merge job as shell scripts, against a loopback API: each
// shard's steps with its matrix.shard, then the merge job's in the same
// directory, where the shards' uploads are what its download would fetch.
func TestREADMEShardedCIJobsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI and runs four checks in Chromium")
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
	var shards, merge shardedJob
	found := false
	for _, b := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(readme, -1) {
		var doc map[string]shardedJob
		if yaml.Unmarshal(b[1], &doc) != nil {
			continue
		}
		s, ok1 := doc["cors-shard"]
		m, ok2 := doc["cors-merge"]
		if ok1 && ok2 {
			shards, merge, found = s, m, true
		}
	}
	if !found {
		t.Fatal("the README has no yaml snippet with the jobs cors-shard and cors-merge")
	}
	if got := shards.Strategy.Matrix.Shard; len(got) != 4 {
		t.Fatalf("the matrix has shards %v, want four", got)
	}
	if merge.Needs != "cors-shard" || merge.If != "always()" {
		t.Errorf("the merge job needs %q if %q: want it after the shards, also when one fails", merge.Needs, merge.If)
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
	work, run := ciShell(t, "http://"+ln.Addr().String())

	var uploads []string
	for _, k := range shards.Strategy.Matrix.Shard {
		matrix := strings.NewReplacer("${{ matrix.shard }}", strconv.Itoa(k))
		var lines []string
		for _, s := range shards.Steps {
			if s.Run != "" {
				lines = append(lines, matrix.Replace(s.Run))
			}
			if path, ok := s.With["path"].(string); ok && strings.HasPrefix(s.Uses, "actions/upload-artifact") {
				uploads = append(uploads, matrix.Replace(path))
			}
		}
		run("shard "+strconv.Itoa(k), lines)
	}
	var lines []string
	download, junit := "", ""
	for _, s := range merge.Steps {
		if s.Run != "" {
			lines = append(lines, s.Run)
		}
		path, _ := s.With["path"].(string)
		switch {
		case strings.HasPrefix(s.Uses, "actions/download-artifact"):
			download = path
		case strings.HasPrefix(s.Uses, "actions/upload-artifact"):
			junit = path
		}
	}
	// The download puts the shards' uploads where the merge reads them.
	for _, u := range uploads {
		if filepath.Dir(u) != download {
			t.Errorf("a shard uploads %s; the merge job downloads into %s", u, download)
		}
	}
	run("merge", lines)

	raw, err := os.ReadFile(filepath.Join(work, junit))
	if err != nil {
		t.Fatalf("the merge job's report %s: %v", junit, err)
	}
	doc, err := parseJUnit(raw)
	if err != nil {
		t.Fatal(err)
	}
	cases, failures := doc.counts()
	total := 0
	for _, u := range uploads {
		d, err := report.ReadJSONFile(filepath.Join(work, u))
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Runs[0].Results) == 0 {
			t.Errorf("shard %s ran nothing", d.Meta.Shard)
		}
		total += len(d.Runs[0].Results)
	}
	t.Logf("the merged report: %d test cases from %d shards", cases, len(uploads))
	if cases < 10 || cases != total || failures != 0 {
		t.Errorf("the merged report: %d test cases, %d failures; the shards ran %d scenarios", cases, failures, total)
	}
}

// ciShell is a work directory with cors.yaml and a runner of CI steps in
// it as one bash script, where go install ...@latest builds this checkout
// and API_URL is api.
func ciShell(t *testing.T, api string) (work string, run func(job string, lines []string)) {
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
	return work, func(job string, lines []string) {
		t.Helper()
		script := "set -e\n" + strings.Join(lines, "\n") + "\n"
		cmd := exec.Command("bash", "-c", script)
		cmd.Dir, cmd.Env = work, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("the %s job failed: %v\n--- script:\n%s--- output:\n%s", job, err, script, out)
		}
	}
}

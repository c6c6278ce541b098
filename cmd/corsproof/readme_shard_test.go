package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

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
	readme, api := readmeCI(t, "builds the CLI and runs four checks in Chromium")
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

	work, run := ciShell(t, api)

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

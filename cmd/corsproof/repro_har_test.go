package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/repro"
)

// repro --har turns entries of the HAR Chromium recorded into bundles;
// each bundle's own server.go, opened in a fresh Chromium, gives the
// outcome Chromium reported when it recorded the HAR.
func TestReproFromHARReplaysTheRecordedOutcomeInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("launches Chromium and builds Go programs")
	}
	exp := readHARExpect(t, "chromium")
	for _, x := range exp.Entries {
		t.Run(x.Case, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			code, stdout, stderr := cli(t, "repro", "--har", harFixture("chromium"), "--entry", fmt.Sprint(x.Entry), "--out", dir)
			if code != exitOK {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}
			readme, err := os.ReadFile(filepath.Join(dir, repro.FileReadme))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(readme), "The policy the API means to implement is not known") {
				t.Errorf("README does not say the policy is unknown:\n%s", readme)
			}
			pol, _ := os.ReadFile(filepath.Join(dir, repro.FilePolicy))
			if !strings.HasPrefix(string(pol), "# The policy the API means to implement is not known") {
				t.Errorf("policy.yaml: %q", pol)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			p, err := repro.Start(ctx, dir, "127.0.0.1:0", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			data, err := os.ReadFile(filepath.Join(dir, repro.FileFetch))
			if err != nil {
				t.Fatal(err)
			}
			var f browser.Fetch
			if err := json.Unmarshal(data, &f); err != nil {
				t.Fatal(err)
			}
			f.PageURL += "#norun"
			eng, err := browser.LaunchChromium(ctx, browser.Options{HostRules: p.HostRules, SPKIPins: []string{p.Pin}})
			if err != nil {
				var nf *browser.NotFoundError
				if errors.As(err, &nf) && os.Getenv("CI") != "true" {
					t.Skipf("no browser: %v", err)
				}
				t.Fatal(err)
			}
			defer eng.Close()
			got, err := eng.Fetch(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if got.Allowed != x.Allowed || got.CorsError != x.CorsError || !strings.EqualFold(got.FailedParameter, x.FailedParameter) {
				t.Errorf("replayed: allowed=%v %s %s (%s); recorded: allowed=%v %s %s\nserver log:\n%s",
					got.Allowed, got.CorsError, got.FailedParameter, got.Error, x.Allowed, x.CorsError, x.FailedParameter, p.Log())
			}
		})
	}
}

func TestReproFromHARUsageErrorsExitTwo(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no entry", []string{"--har", harFixture("chromium")}, "which entry of"},
		{"entry and url", []string{"--har", harFixture("chromium"), "--entry", "0", "--url", "x"}, "not both"},
		{"out of range", []string{"--har", harFixture("chromium"), "--entry", "40"}, "has 6 entries (0–5)"},
		{"not a HAR", []string{"--har", filepath.Join("..", "..", "go.mod"), "--entry", "0"}, "not a HAR file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, append([]string{"repro"}, tt.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, exitUsage, tt.want)
			}
		})
	}
}

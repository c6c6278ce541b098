package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corsproof/corsproof/browser"
)

// An engine that cannot start (here Firefox pointed at a path that does not
// exist) is named with how to install it, the other engine's results still
// come out, in every report, and the run exits 3.
func TestRunInSeveralEnginesSurvivesOneThatCannotStart(t *testing.T) {
	if testing.Short() {
		t.Skip("launches Chromium")
	}
	if _, err := browser.FindChromium(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and no Chromium: %v", err)
		}
		t.Skipf("no Chromium (install it with 'make browsers'): %v", err)
	}
	t.Setenv(browser.EnvFirefox, "/nonexistent/firefox")
	dir := t.TempDir()
	jsonPath, htmlPath, junitPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.html"), filepath.Join(dir, "r.xml")
	code, stdout, stderr := cli(t, "run", "--browsers", "chromium,firefox", "--label", "policy:public,method:DELETE", "--all",
		"-json", jsonPath, "-html", htmlPath, "-junit", junitPath)
	if code != exitInfra {
		t.Fatalf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitInfra, stdout, stderr)
	}
	for _, want := range []string{"firefox cannot start", "/nonexistent/firefox", "install"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for _, want := range []string{"CHROMIUM", "FIREFOX", "method-public-app-delete", "chromium (", "3 scenarios: 3 pass", "firefox: did not run"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}

	var doc struct {
		Runs []struct {
			Engine, Version, Error string
			Results                []struct{ ID, Verdict string }
		}
		Rows []struct {
			ID      string
			Engines map[string]struct{ Browser, Verdict string }
		}
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the JSON report does not decode: %v", err)
	}
	if len(doc.Runs) != 2 || doc.Runs[0].Engine != "chromium" || len(doc.Runs[0].Results) != 3 ||
		doc.Runs[1].Engine != "firefox" || doc.Runs[1].Error == "" || len(doc.Runs[1].Results) != 0 {
		t.Errorf("JSON engines = %+v", doc.Runs)
	}
	if len(doc.Rows) != 3 || doc.Rows[0].Engines["chromium"].Verdict != "pass" || doc.Rows[0].Engines["firefox"].Verdict != "not-run" {
		t.Errorf("JSON comparison = %+v", doc.Rows)
	}
	html, _ := os.ReadFile(htmlPath)
	if !strings.Contains(string(html), `data-engine="firefox"`) || !strings.Contains(string(html), "did not run") {
		t.Errorf("the HTML report lacks the engine that did not run")
	}
	junit, _ := os.ReadFile(junitPath)
	if strings.Count(string(junit), "<testsuite ") != 2 || !strings.Contains(string(junit), "start firefox") {
		t.Errorf("the JUnit report has not one suite per engine with firefox's start as an error:\n%s", junit)
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// One browser run: a deliberately misconfigured mock (any origin reflected,
// with credentials) must fail the run with exit code 1 and name the
// scenarios that caught it; --twice, --shuffle and --seed shape the same run.
func TestRunAgainstAFaultExitsOneAndNamesTheCatches(t *testing.T) {
	if testing.Short() {
		t.Skip("launches Chromium")
	}
	code, stdout, stderr := cli(t, "run", "--fault", "reflect-origin-credentials",
		"--label", "origin:cross-site,credentials:include", "--twice", "--shuffle", "--seed", "42")
	if code == exitInfra && strings.Contains(stderr, "not found") && os.Getenv("CI") != "true" {
		t.Skipf("no browser (install it with 'make browser'): %s", stderr)
	}
	if code != exitMismatch {
		t.Fatalf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitMismatch, stdout, stderr)
	}
	if !strings.Contains(stderr, "shuffle seed: 42") {
		t.Errorf("the seed is not printed:\n%s", stderr)
	}
	if !strings.Contains(stdout, "fault caught by") {
		t.Fatalf("no catch line:\n%s", stdout)
	}
	// The report leads with the one cause: the echoed Origin, a security
	// hole, named once however many scenarios show it.
	if !strings.HasPrefix(stdout, "FINDINGS: ") {
		t.Errorf("the report does not lead with the findings:\n%s", stdout)
	}
	first := stdout[:strings.Index(stdout, "\nSCENARIO")]
	if !strings.Contains(first, " 1. server-mismatch (security)") || strings.Count(first, "echoes Origins the policy forbids") != 1 {
		t.Errorf("the first finding is not the echoed Origin, once, as a security hole:\n%s", first)
	}
	// A credentialed read from a cross-site page is exactly what this fault
	// leaks; run twice, the scenario has a row for each run.
	const want = "origin-default-evil-get-me-cred"
	if n := strings.Count(stdout[len(first):], want+" "); n != 2 {
		t.Errorf("%s has %d rows, want 2 (--twice):\n%s", want, n, stdout)
	}
}

// The text report fits the width COLUMNS gives, and NO_COLOR (or a pipe)
// means no colour codes.
func TestRunFitsColumns(t *testing.T) {
	if testing.Short() {
		t.Skip("launches Chromium")
	}
	for _, cols := range []string{"80", "120"} {
		var out, errb bytes.Buffer
		env := map[string]string{"COLUMNS": cols, "NO_COLOR": "1"}
		code := Main(context.Background(), []string{"run", "--fault", "reflect-origin", "--label", "origin:cross-site"},
			func(k string) string { return env[k] }, &out, &errb)
		if code == exitInfra && strings.Contains(errb.String(), "not found") && os.Getenv("CI") != "true" {
			t.Skipf("no browser: %s", errb.String())
		}
		if code != exitMismatch {
			t.Fatalf("exit %d:\n%s\n%s", code, out.String(), errb.String())
		}
		width, _ := strconv.Atoi(cols)
		for _, l := range strings.Split(out.String(), "\n") {
			if n := utf8.RuneCountInString(l); n > width {
				t.Errorf("COLUMNS=%s: a line of %d columns: %s", cols, n, l)
			}
		}
		if strings.Contains(out.String(), "\x1b[") {
			t.Errorf("colour codes in piped output")
		}
	}
}

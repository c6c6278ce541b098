package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
)

// A missing browser is a line of the report with how to install it, not
// an error: version exits 0 whatever is installed.
func TestVersionReportsAMissingBrowserWithItsInstallLineAndExitsZero(t *testing.T) {
	t.Setenv(browser.EnvFirefox, "/nonexistent/firefox")
	t.Setenv(browser.EnvWebKitDriver, "/nonexistent/WebKitWebDriver")
	code, stdout, stderr := cli(t, "version")
	if code != exitOK {
		t.Fatalf("exit code = %d, want 0; stderr: %s", code, stderr)
	}
	for _, want := range []string{
		"corsproof ", "\ngo ", runtime.Version(),
		"firefox   not found: ", "/nonexistent/firefox", "apt-get install -y firefox-esr",
		"webkit    not found: ", "apt-get install -y webkit2gtk-driver",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("version lacks %q:\n%s", want, stdout)
		}
	}
}

func TestVersionJSONNamesTheBrowsersTheFindersFind(t *testing.T) {
	t.Setenv(browser.EnvFirefox, "/nonexistent/firefox")
	code, stdout, stderr := cli(t, "version", "--json")
	if code != exitOK {
		t.Fatalf("exit code = %d; stderr: %s", code, stderr)
	}
	var v versionInfo
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if v.Go != runtime.Version() || v.Module != "github.com/corsproof/corsproof" || v.Version == "" {
		t.Errorf("build = %+v", v)
	}
	var engines []corsproof.Engine
	for _, b := range v.Browsers {
		engines = append(engines, b.Engine)
		path, err := browser.Finder(b.Engine)()
		switch {
		case err != nil && (b.Path != "" || !strings.Contains(b.NotFound, "install")):
			t.Errorf("%s: the finder says %v, version says %+v", b.Engine, err, b)
		case err == nil && (b.Path != path || b.NotFound != ""):
			t.Errorf("%s: the finder found %s, version says %+v", b.Engine, path, b)
		}
	}
	if !slices.Equal(engines, corsproof.Engines) {
		t.Errorf("engines = %v, want %v", engines, corsproof.Engines)
	}
	if ff := v.Browsers[slices.Index(engines, corsproof.Firefox)]; ff.NotFound == "" {
		t.Errorf("CORSPROOF_FIREFOX points at nothing, yet firefox is %+v", ff)
	}
}

// Chromium prints its version for --version (Debian's wrapper script also
// writes noise on stderr, which is not the version).
func TestVersionOfAnInstalledChromium(t *testing.T) {
	path, err := browser.FindChromium()
	if err != nil {
		t.Skipf("no Chromium: %v", err)
	}
	got := programVersion(t.Context(), path)
	if !strings.Contains(got, "Chrom") || strings.Contains(got, "\n") {
		t.Errorf("programVersion(%s) = %q, want its one-line version", path, got)
	}
}

func TestProgramVersionOfAProgramThatPrintsUsageFailsOrHangsIsEmpty(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, prog := range []string{
		"/nonexistent/program",
		script("usage", "echo 'Usage: usage options'; exit 1"),
		script("fails", "echo oops >&2; exit 3"),
		script("hangs", "sleep 30"),
	} {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		start := time.Now()
		got := programVersion(ctx, prog)
		cancel()
		if got != "" {
			t.Errorf("programVersion(%s) = %q, want \"\"", prog, got)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("programVersion(%s) took %v", prog, d)
		}
	}
	if got := programVersion(t.Context(), script("prints", "echo; echo '  Foo 1.2  '")); got != "Foo 1.2" {
		t.Errorf("programVersion = %q, want the first non-empty line, trimmed", got)
	}
}

func TestVersionFlagAndStrayArguments(t *testing.T) {
	if code, stdout, _ := cli(t, "--version"); code != exitOK || !strings.HasPrefix(stdout, "corsproof ") {
		t.Errorf("--version: exit %d, stdout %q", code, stdout)
	}
	if code, _, stderr := cli(t, "version", "extra"); code != exitUsage || !strings.Contains(stderr, `unexpected argument "extra"`) {
		t.Errorf("version extra: exit %d, stderr %q", code, stderr)
	}
}

package main

import (
	"crypto/tls"
	"encoding/pem"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corsproof/corsproof/browser"
)

// checkNeedAllEngines skips without the three engines, except in CI where
// it fails: `make browsers` installs them.
func checkNeedAllEngines(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("launches three browsers")
	}
	for name, find := range map[string]func() (string, error){
		"chromium": browser.FindChromium, "firefox": browser.FindFirefox, "webkit": browser.FindWebKit,
	} {
		if _, err := find(); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("CI=true and no %s: %v", name, err)
			}
			t.Skipf("no %s (install the engines with 'make browsers'): %v", name, err)
		}
	}
}

type crossReport struct {
	Runs []struct {
		Engine  string
		Version string
		Error   string
		Results []struct {
			ID, Verdict, Severity, Explanation, Origin string
			Known                                      bool `json:"known_deviation"`
		}
	}
	Rows []struct {
		ID      string
		Differs bool
		Engines map[string]struct {
			Browser, Verdict string
			Known            bool `json:"known_deviation"`
		}
	}
}

// startTLSAPI serves h over https on 127.0.0.1 with a certificate of a CA
// of its own, and returns the URL and a PEM file of that CA for --ca.
func startTLSAPI(t *testing.T, h checkAPI) (target, caFile string) {
	t.Helper()
	leaf, caDER := newTestCA(t)
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{*leaf}} // else httptest's own
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL, checkWriteFile(t, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})))
}

// check --browsers runs the same scenarios against the same live API in
// each engine, one after the other, and reports one column per engine.
func TestCheckInThreeEngines(t *testing.T) {
	checkNeedAllEngines(t)
	pol := checkWriteFile(t, "policy.yaml", checkPolicy)

	t.Run("an https API that reflects any origin is a security hole in every engine", func(t *testing.T) {
		target, caFile := startTLSAPI(t, checkAPI{reflectAny: true})
		report := filepath.Join(t.TempDir(), "report.json")
		code, stdout, stderr := checkCLI(t, nil, "check", "--policy", pol, "--target", target, "--ca", caFile,
			"--browsers", "chromium,firefox,webkit", "--json", report)
		if code != exitMismatch {
			t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		for _, want := range []string{"CHROMIUM", "FIREFOX", "WEBKIT", "get-api-items-evil-cred"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout)
			}
		}
		if !strings.Contains(stderr, "verifies the target's certificate") {
			t.Errorf("stderr does not say how WebKit's certificate check is kept:\n%s", stderr)
		}
		r := readJSONReport[crossReport](t, report)
		if len(r.Runs) != 3 {
			t.Fatalf("%d engines in the report, want 3", len(r.Runs))
		}
		for _, eng := range r.Runs {
			if eng.Error != "" {
				t.Errorf("%s did not run: %s", eng.Engine, eng.Error)
			}
			found := false
			for _, res := range eng.Results {
				if res.Verdict == "error" {
					t.Errorf("%s: %s: error: %s", eng.Engine, res.ID, res.Explanation)
				}
				if res.ID == "get-api-items-evil-cred" {
					found = true
					if res.Verdict != "server-mismatch" || res.Severity != "security" {
						t.Errorf("%s: %s is %s (%s), want a security mismatch: %s", eng.Engine, res.ID, res.Verdict, res.Severity, res.Explanation)
					}
				}
			}
			if !found {
				t.Errorf("%s has no result for get-api-items-evil-cred", eng.Engine)
			}
		}
	})

	t.Run("a plain-http API on loopback: WebKit's mixed-content block is a known deviation, never the server's fault", func(t *testing.T) {
		target := checkStartAPI(t, checkAPI{})
		report := filepath.Join(t.TempDir(), "report.json")
		code, stdout, stderr := checkCLI(t, nil, "check", "--policy", pol, "--target", target,
			"--browsers", "chromium,firefox,webkit", "--json", report)
		if code != exitOK {
			t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		if !strings.Contains(stderr, "WebKit blocks an https page's fetch") {
			t.Errorf("stderr does not warn about WebKit's mixed content:\n%s", stderr)
		}
		r := readJSONReport[crossReport](t, report)
		for _, eng := range r.Runs {
			mixed, tested := 0, 0
			for _, res := range eng.Results {
				switch {
				case res.Verdict == "pass":
					tested++
				case eng.Engine == "webkit" && res.Verdict == "browser-deviation" && res.Known &&
					strings.Contains(res.Explanation, "mixed content") && !strings.HasPrefix(res.Origin, "http://"):
					mixed++
				default:
					t.Errorf("%s: %s: %s: %s", eng.Engine, res.ID, res.Verdict, res.Explanation)
				}
			}
			if eng.Engine == "webkit" && (mixed == 0 || tested == 0) {
				t.Errorf("webkit: %d mixed-content deviations and %d passes from http pages, want both", mixed, tested)
			}
			if eng.Engine != "webkit" && mixed != 0 {
				t.Errorf("%s: mixed content on loopback", eng.Engine)
			}
		}
	})
}

// An engine that cannot start is named with how to install it; the others'
// results still come out and the check exits 3.
func TestCheckInSeveralEnginesSurvivesOneThatCannotStart(t *testing.T) {
	checkNeedChromium(t)
	if testing.Short() {
		t.Skip("launches Chromium")
	}
	t.Setenv(browser.EnvFirefox, "/nonexistent/firefox")
	pol := checkWriteFile(t, "policy.yaml", checkPolicy)
	target := checkStartAPI(t, checkAPI{})
	report := filepath.Join(t.TempDir(), "report.json")
	code, stdout, stderr := checkCLI(t, nil, "check", "--policy", pol, "--target", target, "--methods", "GET",
		"--browsers", "firefox,chromium", "--json", report)
	if code != exitInfra {
		t.Fatalf("exit %d, want 3\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"firefox cannot start", "/nonexistent/firefox", "install"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stdout, "firefox: did not run") {
		t.Errorf("stdout does not say firefox did not run:\n%s", stdout)
	}
	r := readJSONReport[crossReport](t, report)
	if len(r.Runs) != 2 || r.Runs[0].Error == "" || r.Runs[1].Error != "" || len(r.Runs[1].Results) == 0 {
		t.Fatalf("engines: %+v", r.Runs)
	}
	for _, res := range r.Runs[1].Results {
		if res.Verdict != "pass" {
			t.Errorf("chromium: %s: %s: %s", res.ID, res.Verdict, res.Explanation)
		}
	}
}

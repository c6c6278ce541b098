package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/repro"
)

func TestReproOfAnUnknownScenarioExitsTwoAndSaysSo(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := cli(t, "repro", "no-such-scenario", "--out", dir)
	if code != exitUsage {
		t.Fatalf("exit code = %d, want %d\nstderr: %s", code, exitUsage, stderr)
	}
	if !strings.Contains(stderr, `no scenario "no-such-scenario" in the catalog`) || !strings.Contains(stderr, "corsproof run --all") {
		t.Errorf("stderr does not say what is wrong and where the IDs are:\n%s", stderr)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files written for an unknown scenario: %v", ents)
	}
}

func TestReproUsageErrorsExitTwo(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no ID", []string{"repro"}, "which scenario?"},
		{"two IDs", []string{"repro", "custom-header-allowed", "cors-get-allowed"}, `unexpected argument "cors-get-allowed"`},
		{"unknown fault", []string{"repro", "custom-header-allowed", "--fault", "nope"}, `no fault "nope"`},
		{"unknown flag", []string{"repro", "--nope"}, "unknown flag --nope"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, exitUsage, tt.want)
			}
		})
	}
}

var (
	hostRulesFlag = regexp.MustCompile(`--host-resolver-rules="([^"]+)"`)
	spkiFlag      = regexp.MustCompile(`--ignore-certificate-errors-spki-list=(\S+)`)
)

// End to end: a scenario against the faulty mock in real Chromium becomes
// a reproduction whose files hold the verdict and the real preflight; then
// the reproduction's own server (--run) is opened in a fresh Chromium with
// exactly the flags it printed, and the browser blocks the same fetch for
// the same reason as in the original run.
func TestReproAgainstAFaultReproducesTheSameBlockInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("launches Chromium and builds a Go program")
	}
	dir := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"repro", "custom-header-allowed", "--fault", "acah-missing-header", "--out", dir, "--run"},
			func(string) string { return "" }, &stdout, &stderr)
	}()
	deadline := time.After(3 * time.Minute)
	for !strings.Contains(stdout.String(), "serving until Ctrl-C") {
		select {
		case code := <-done:
			if code == exitInfra && strings.Contains(stderr.String(), "not found") && os.Getenv("CI") != "true" {
				t.Skipf("no browser (install it with 'make browser'): %s", stderr.String())
			}
			t.Fatalf("repro ended with %d before serving\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
		case <-deadline:
			t.Fatalf("repro --run did not serve in 3 minutes\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	defer func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("repro --run exited %d after Ctrl-C, want 0", code)
		}
	}()

	// The files.
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	readme := read(repro.FileReadme)
	for _, want := range []string{"## Verdict: server-mismatch (broken)", "HeaderDisallowedByPreflightResponse", "acah-missing-header", "FAIL R4.2.8"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README lacks %q:\n%s", want, readme)
		}
	}
	txt := read(repro.FileExchangesTxt)
	if !regexp.MustCompile(`(?m)^OPTIONS /p/default/api/items\?cp=\S+ HTTP/1.1$`).MatchString(txt) ||
		!regexp.MustCompile(`(?m)^Access-Control-Request-Headers: x-request-id$`).MatchString(txt) ||
		!regexp.MustCompile(`(?m)^HTTP/1.1 204 No Content$`).MatchString(txt) ||
		!regexp.MustCompile(`(?m)^Access-Control-Allow-Headers: Content-Type, Authorization$`).MatchString(txt) {
		t.Errorf("exchanges.txt lacks the preflight with its real response headers:\n%s", txt)
	}
	var ex struct {
		Observed struct {
			Allowed         bool   `json:"allowed"`
			CorsError       string `json:"cors_error"`
			FailedParameter string `json:"failed_parameter"`
		} `json:"observed"`
		Exchanges []repro.Recorded `json:"exchanges"`
	}
	if err := json.Unmarshal([]byte(read(repro.FileExchanges)), &ex); err != nil {
		t.Fatal(err)
	}
	obs := ex.Observed
	if len(ex.Exchanges) == 0 || ex.Exchanges[0].Role != "preflight" || ex.Exchanges[0].Method != "OPTIONS" || len(ex.Exchanges[0].ResponseHeaders) == 0 {
		t.Fatalf("exchanges.json does not start with the OPTIONS preflight and its response headers: %+v", ex.Exchanges)
	}
	if obs.Allowed || obs.CorsError != "HeaderDisallowedByPreflightResponse" {
		t.Fatalf("the original run was not blocked by the preflight: %+v", obs)
	}
	for _, n := range []string{repro.FilePolicy, repro.FilePage, repro.FileServer, repro.FileGoMod, repro.FileFetch} {
		read(n)
	}

	// The replay, in a fresh Chromium with exactly the printed flags.
	out := stdout.String()
	rm, pm := hostRulesFlag.FindStringSubmatch(out), spkiFlag.FindStringSubmatch(out)
	if rm == nil || pm == nil {
		t.Fatalf("--run printed no Chromium command line:\n%s", out)
	}
	rules := map[string]string{}
	for r := range strings.SplitSeq(rm[1], ", ") {
		if f := strings.Fields(r); len(f) == 3 && f[0] == "MAP" {
			rules[f[1]] = f[2]
		}
	}
	var f browser.Fetch
	if err := json.Unmarshal([]byte(read(repro.FileFetch)), &f); err != nil {
		t.Fatal(err)
	}
	pageURL := f.PageURL
	f.PageURL += "#norun" // page.html would otherwise run the same fetch by itself on load
	lctx, lcancel := context.WithTimeout(context.Background(), time.Minute)
	defer lcancel()
	eng, err := browser.LaunchChromium(lctx, browser.Options{HostRules: rules, SPKIPins: []string{strings.Trim(pm[1], `"'`)}})
	if err != nil {
		var nf *browser.NotFoundError
		if errors.As(err, &nf) && os.Getenv("CI") != "true" {
			t.Skipf("no browser: %v", err)
		}
		t.Fatal(err)
	}
	defer eng.Close()
	got, err := eng.Fetch(lctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if got.Allowed || got.CorsError != obs.CorsError || !strings.EqualFold(got.FailedParameter, obs.FailedParameter) {
		t.Errorf("replayed in Chromium: allowed=%v %s %s (%s); the original run: blocked %s %s",
			got.Allowed, got.CorsError, got.FailedParameter, got.Error, obs.CorsError, obs.FailedParameter)
	}
	if got.Preflight == nil || got.Preflight.Status != ex.Exchanges[0].Status {
		t.Errorf("the replayed preflight: %+v, want status %d", got.Preflight, ex.Exchanges[0].Status)
	} else if fmt.Sprint(got.Preflight.ResponseHeaders) != fmt.Sprint(ex.Exchanges[0].ResponseHeaders) {
		t.Errorf("the browser saw other preflight response headers than recorded:\n got %v\nwant %v", got.Preflight.ResponseHeaders, ex.Exchanges[0].ResponseHeaders)
	}

	// page.html on its own: loaded without #norun it runs the fetch and
	// reports what its script saw to the server, same-origin.
	rep, err := eng.Fetch(lctx, browser.Fetch{PageURL: pageURL, URL: strings.TrimSuffix(pageURL, "/") + "/__corsproof/result"})
	if err != nil {
		t.Fatal(err)
	}
	var pageSaw struct {
		Allowed bool   `json:"allowed"`
		Error   string `json:"error"`
	}
	if err := json.Unmarshal([]byte(rep.Body), &pageSaw); err != nil || !rep.Allowed {
		t.Fatalf("page.html reported nothing readable: allowed=%v %s body %q (%v)", rep.Allowed, rep.Error, rep.Body, err)
	}
	if pageSaw.Allowed || pageSaw.Error != got.Error {
		t.Errorf("page.html's own run: allowed=%v error %q; the same fetch evaluated by corsproof: %q", pageSaw.Allowed, pageSaw.Error, got.Error)
	}
}

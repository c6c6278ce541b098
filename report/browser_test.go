package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corsproof/corsproof"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/harness"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/scenarios"
)

// realResults runs a handful of catalog scenarios in real Chromium against
// the mock serving reflect-origin-credentials, so the report holds passes
// (the trusted app) and security mismatches (evil and null read the API).
func realResults(t *testing.T) ([]corsproof.Run, Meta) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f, _ := mockapi.FaultByName("reflect-origin-credentials")
	session, err := harness.Start(ctx, harness.Config{Engine: corsproof.Chromium, Policies: scenarios.Policies(), Fault: f})
	var nf *browser.NotFoundError
	if errors.As(err, &nf) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and no browser: %v", err)
		}
		t.Skipf("no browser (%v); install one with: apt-get install chromium", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	want := map[string]bool{"get-allowed": true, "get-cross-site-blocked": true, "put-preflight-allowed": true,
		"put-cross-site-blocked": true, "credentialed-session-allowed": true, "null-origin-blocked": true}
	var list []corsproof.Scenario
	for _, s := range scenarios.Catalog() {
		if want[s.ID] {
			list = append(list, s)
		}
	}
	if len(list) != len(want) {
		t.Fatalf("found %d of the %d scenarios in the catalog", len(list), len(want))
	}
	run := corsproof.Run{Engine: session.Engine.Name(), Version: session.Engine.Version(),
		Results: session.Runner().RunAll(ctx, list, harness.RunOptions{})}
	m := Meta{Command: "run", Target: "embedded mock", Fault: f.Name, Started: time.Now().UTC()}
	return []corsproof.Run{run}, m
}

func TestReportsOfARealRun(t *testing.T) {
	runs, m := realResults(t)
	results := runs[0].Results
	s := Summarize(results)
	if s.Pass == 0 || s.ServerMismatch == 0 || s.Error != 0 {
		t.Fatalf("want passes and mismatches and no error, got %s", s)
	}
	dir := t.TempDir()

	t.Run("json validates against the schema", func(t *testing.T) {
		var b bytes.Buffer
		if err := JSON(&b, runs, m); err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		mustValid(t, doc)
		if runs[0].Version == "" || !strings.Contains(b.String(), `"version": "`+runs[0].Version+`"`) {
			t.Error("browser version missing")
		}
		// Every result has the origin its page really had.
		for i, r := range doc.(map[string]any)["runs"].([]any)[0].(map[string]any)["results"].([]any) {
			r := r.(map[string]any)
			if o := r["origin"]; o == "" || o != results[i].Origin {
				t.Errorf("result %v: origin %q, want %q", r["id"], o, results[i].Origin)
			}
		}
	})

	t.Run("html matrix renders in chromium without network", func(t *testing.T) {
		path := filepath.Join(dir, "report.html")
		var b bytes.Buffer
		if err := HTML(&b, runs, m); err != nil {
			t.Fatal(err)
		}
		// The page carries a CSP forbidding every load; strip it here so
		// that a stray external reference would really be requested and
		// show up below, instead of being blocked silently.
		page := strings.Replace(b.String(), `<meta http-equiv="Content-Security-Policy"`, `<meta name="csp-removed-by-test"`, 1)
		if page == b.String() {
			t.Fatal("no Content-Security-Policy in the page")
		}
		if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		got := openInChromium(t, "file://"+path)
		if len(got.requests) != 1 || got.requests[0] != "file://"+path {
			t.Errorf("the page made requests besides itself: %q", got.requests)
		}
		// Rows: app, evil, null; the six scenarios are six distinct
		// (origin, request) pairs.
		if got.cells != len(results) || got.rows != 3 {
			t.Errorf("matrix has %d cells in %d rows, want %d in 3", got.cells, got.rows, len(results))
		}
		if got.security == 0 || got.pass == 0 {
			t.Errorf("matrix: %d security and %d pass cells, want both", got.security, got.pass)
		}
		if got.details != len(results) || !got.preflightShown {
			t.Errorf("%d scenario sections (want %d), preflight shown: %v", got.details, len(results), got.preflightShown)
		}
	})
}

type pageFacts struct {
	requests                             []string
	cells, rows, security, pass, details int
	preflightShown                       bool
}

// openInChromium loads a file in a headless Chromium of its own (the mock
// run's browser is closed by then, so one runs at a time) and reads the page.
func openInChromium(t *testing.T, fileURL string) pageFacts {
	t.Helper()
	exe, err := browser.FindChromium()
	if err != nil {
		t.Fatal(err)
	}
	actx := fileChromium(t, exe)
	var mu sync.Mutex
	var facts pageFacts
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			facts.requests = append(facts.requests, e.Request.URL)
			mu.Unlock()
		}
	}))
	defer cancel()
	ctx, tcancel := context.WithTimeout(ctx, time.Minute)
	defer tcancel()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(fileURL), chromedp.WaitReady("#matrix")); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	counts, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]int](`({
		cells: document.querySelectorAll('#matrix td.cell').length,
		rows: document.querySelectorAll('#matrix tbody tr').length,
		security: document.querySelectorAll('#matrix td.cell.security').length,
		pass: document.querySelectorAll('#matrix td.cell.pass').length,
		details: document.querySelectorAll('details.scenario').length,
	})`))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	preflight, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
		`[...document.querySelectorAll('details.scenario pre')].some(p => p.textContent.startsWith('OPTIONS '))`))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	// Let late requests (a lazy font, a beacon) show up before counting.
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	facts.cells, facts.rows, facts.security, facts.pass, facts.details = counts["cells"], counts["rows"], counts["security"], counts["pass"], counts["details"]
	facts.preflightShown = preflight
	return facts
}

// fileChromium is an allocator for a throw-away headless Chromium that
// opens report files, closed when the test ends. Chromium puts its
// singleton socket in an org.chromium.Chromium.* dir of TMPDIR and leaves it
// there; it gets a short temp dir of its own (socket paths are limited to
// 108 bytes), removed afterwards.
func fileChromium(t *testing.T, exe string) context.Context {
	t.Helper()
	tmp, err := os.MkdirTemp("", "cpr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.UserDataDir(filepath.Join(tmp, "profile")), chromedp.NoSandbox,
		chromedp.Env("TMPDIR="+tmp))
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(acancel)
	return actx
}

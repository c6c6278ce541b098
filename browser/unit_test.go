package browser

import (
	"context"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
)

// These tests need no browser.

func TestHostResolverRulesAreStable(t *testing.T) {
	got, err := hostResolverRules(map[string]string{
		"b.test:443": "127.0.0.1:2", "a.test:443": "127.0.0.1:1",
	})
	if err != nil || got != "MAP a.test:443 127.0.0.1:1, MAP b.test:443 127.0.0.1:2" {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestParseHeadersTextKeepsOrderCaseAndDuplicates(t *testing.T) {
	got, ok := parseHeadersText("HTTP/1.1 200 OK\r\nX-Dup: a\r\nContent-Type: text/plain\r\nX-Dup:  b\r\n\r\n")
	want := []Header{{Name: "X-Dup", Value: "a"}, {Name: "Content-Type", Value: "text/plain"}, {Name: "X-Dup", Value: "b"}}
	if !ok || !slices.Equal(got, want) {
		t.Errorf("got %v", got)
	}
	if _, ok := parseHeadersText(""); ok {
		t.Error("empty text (HTTP/2) must fall back to the header map")
	}
}

func TestMapHeadersSplitsJoinedLines(t *testing.T) {
	got := mapHeaders(network.Headers{"x-dup": "a\nb", "a": "1"})
	want := []Header{{Name: "a", Value: "1"}, {Name: "x-dup", Value: "a"}, {Name: "x-dup", Value: "b"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v", got)
	}
}

// An event chromedp could not decode during a fetch must show on that
// fetch, and a blocked fetch without its reason must not pretend it has
// none.
func TestLostEventIsNotedAndTheReasonMarkedUnavailable(t *testing.T) {
	var logged []string
	c := &Chromium{logf: func(f string, a ...any) { logged = append(logged, f) }}
	rec := newRecorder("https://api.example.test/x")
	c.active.add(rec)
	c.browserErrorf("could not unmarshal event: %v", "unknown CorsError value")
	_, errs := rec.snapshot()
	o := observe(jsResult{Stage: "fetch", Error: "TypeError: Failed to fetch"}, trace{}, "", errs)
	if len(o.Notes) == 0 || !strings.Contains(strings.Join(o.Notes, " "), "could not be decoded") {
		t.Errorf("notes = %q", o.Notes)
	}
	if !slices.Contains(o.Unavailable, "cors_error") {
		t.Errorf("unavailable = %q, want cors_error", o.Unavailable)
	}
	if len(logged) != 1 {
		t.Errorf("logged %q, want one line", logged)
	}
}

func TestCloseOnSignalClosesTheEngine(t *testing.T) {
	needBrowser(t)
	c, err := LaunchChromium(context.Background(), site.options())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	stop := CloseOnSignal(c, syscall.SIGUSR1)
	defer stop()
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	for deadline := time.Now().Add(10 * time.Second); !c.closed.Load(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("engine not closed after the signal")
		}
	}
	c.Close() // waits for the Close the signal started
	if _, err := os.Stat(c.profileDir); err == nil {
		t.Errorf("profile %s left behind", c.profileDir)
	}
}

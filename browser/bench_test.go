package browser

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
)

// BenchmarkFetchPreflighted runs preflighted PUTs one after another in one
// tab, each to a fresh URL (so no preflight cache hit), and reports
// fetches/s including the wait for every CDP event.
func BenchmarkFetchPreflighted(b *testing.B) {
	e := needBrowser(b)
	ctx := context.Background()
	// Load the tab outside the timing.
	if _, err := e.Fetch(ctx, Fetch{PageURL: appPage, URL: uniqueURL("acao=*&acam=PUT"), Method: "PUT"}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		o, err := e.Fetch(ctx, Fetch{PageURL: appPage, URL: uniqueURL("acao=*&acam=PUT"), Method: "PUT"})
		if err != nil || !o.Allowed || o.Preflight == nil {
			b.Fatalf("err=%v allowed=%v preflight=%v", err, o.Allowed, o.Preflight != nil)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fetches/s")
}

// TestMeasureEventsAfterThePromise counts how often network events arrive
// after the script's promise settled, which is why Fetch waits for them.
// Run with CORSPROOF_MEASURE=1 -v.
func TestMeasureEventsAfterThePromise(t *testing.T) {
	if os.Getenv("CORSPROOF_MEASURE") == "" {
		t.Skip("set CORSPROOF_MEASURE=1 to measure")
	}
	e := needBrowser(t)
	var fetches, late, lateEvents atomic.Int64
	traceHook = func(r *recorder) {
		r.mu.Lock()
		defer r.mu.Unlock()
		fetches.Add(1)
		if n := len(r.events) - r.settledAt; n > 0 {
			late.Add(1)
			lateEvents.Add(int64(n))
		}
	}
	defer func() { traceHook = nil }()
	for _, q := range []struct{ query, method string }{
		{"acao=*", ""}, {"", ""}, {"acao=*&acam=PUT", "PUT"}, {"acao=*", "PUT"}, {"acao=*&x&dup", ""},
	} {
		for range 100 {
			if _, err := e.Fetch(context.Background(), Fetch{PageURL: appPage, URL: uniqueURL(q.query), Method: q.method}); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("%d fetches, %d with events after the promise settled (%d events)", fetches.Load(), late.Load(), lateEvents.Load())
}

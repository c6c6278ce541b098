package browser

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// BenchmarkRawEvaluatePreflighted is the floor for BenchmarkFetchPreflighted:
// the same PUTs through a bare Evaluate, without recorder or observation.
func BenchmarkRawEvaluatePreflighted(b *testing.B) {
	e := needBrowser(b)
	e.mu.Lock()
	t, err := e.tabFor(context.Background(), appPage)
	e.mu.Unlock()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		js := `fetch(` + "`" + uniqueURL("acao=*&acam=PUT") + "`" + `, {method: "PUT"}).then(r => r.status)`
		if _, err := chromedp.Run(t.ctx, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fetches/s")
}

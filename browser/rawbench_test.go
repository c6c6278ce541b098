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
	t, err := e.tabFor(context.Background(), appPage)
	if err != nil {
		b.Fatal(err)
	}
	defer t.release()
	for b.Loop() {
		js := `fetch(` + "`" + uniqueURL("acao=*&acam=PUT") + "`" + `, {method: "PUT"}).then(r => r.status)`
		if _, err := chromedp.Run(t.ctx, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fetches/s")
}

//go:build linux

package browser

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/corsproof/corsproof/internal/testproc"
)

// TestRendererKilledWhileTabOpensIsACrash kills every renderer of a browser
// at moments across the opening of a new tab (Target.createTarget, the
// attach, the page load). A renderer that dies before its tab has attached
// is reported only browser-wide (Target.targetCrashed), never to the tab's
// own session: the open must still end as a CrashError at once, not at the
// caller's deadline, and the next fetch from that page must work.
func TestRendererKilledWhileTabOpensIsACrash(t *testing.T) {
	needBrowser(t)
	o := site.options()
	o.Logf = t.Logf
	c, err := LaunchChromium(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := c.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	const deadline = 10 * time.Second
	crashes := 0
	for i, d := range []time.Duration{0, time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond} {
		page := fmt.Sprintf("%s?open-%d", evilPage, i)
		killed := make(chan int, 1)
		go func() {
			time.Sleep(d)
			n := 0
			for _, pid := range testproc.Descendants(c.PID(), "--type=renderer") {
				if syscall.Kill(pid, syscall.SIGKILL) == nil {
					n++
				}
			}
			killed <- n
		}()
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		start := time.Now()
		tb, err := c.tabFor(ctx, page)
		took := time.Since(start)
		cancel()
		n := <-killed
		var crash *CrashError
		switch {
		case err == nil:
			// The kill landed before or after the open: the tab
			// works or its crash is found by the next fetch.
			tb.release()
		case errors.As(err, &crash):
			crashes++
		default:
			t.Errorf("kill %v into the open (%d renderers): %v after %v, want a CrashError", d, n, err, took.Round(time.Millisecond))
		}
		if took > deadline/2 {
			t.Errorf("kill %v into the open: took %v; a crash must be seen, not waited out", d, took.Round(time.Millisecond))
		}
		// Whatever happened, the page opens again.
		res, err := c.Fetch(context.Background(), Fetch{PageURL: page, URL: uniqueURL("acao=*"), Method: "GET"})
		if err != nil || !res.Allowed {
			t.Errorf("fetch after the kill %v: allowed %v, %v", d, res.Allowed, err)
		}
	}
	if crashes == 0 {
		t.Errorf("no kill landed inside an open; the test proves nothing")
	}
}

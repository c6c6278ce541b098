//go:build linux

package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
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
			for _, pid := range childrenMatching(c.PID(), "--type=renderer") {
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

// childrenMatching are pid's live descendants whose command line contains
// match.
func childrenMatching(pid int, match string) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
		f := strings.Fields(rest)
		if len(f) < 2 || f[0] == "Z" {
			continue
		}
		pp, _ := strconv.Atoi(f[1])
		children[pp] = append(children[pp], p)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, ch := range children[p] {
			queue = append(queue, ch)
			cmd, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(ch), "cmdline"))
			if strings.Contains(string(cmd), match) {
				out = append(out, ch)
			}
		}
	}
	return out
}

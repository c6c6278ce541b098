package corsproof_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The words, the judge, the reports, the audit, the catalog and the leaf
// packages link no browser driver: what only reads observations must not
// pull in chromedp or the DevTools protocol.
func TestPureLayersLinkNoBrowserDriver(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	for _, pkg := range []string{".", "./judge", "./report", "./audit", "./scenarios", "./policy", "./spec", "./mockapi"} {
		out, err := exec.Command(goTool, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.Contains(dep, "chromedp") || strings.Contains(dep, "cdproto") || strings.HasSuffix(dep, "/corsproof/browser") {
				t.Errorf("%s links %s", pkg, dep)
			}
		}
	}
}

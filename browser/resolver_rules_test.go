package browser

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// The host rules confine Chromium's name resolution to the run's names and
// the live target; harness/offbox_test.go proves in a network namespace
// that nothing else is looked up. These pin the rules' text.

func TestResolverRulesEndInTheCatchAll(t *testing.T) {
	mapped := map[string]string{"app.example.com:443": "127.0.0.1:1", "evil.test:443": "127.0.0.1:2"}
	tests := []struct {
		desc   string
		direct []string
		want   string
	}{
		{"no target", nil,
			"MAP app.example.com:443 127.0.0.1:1, MAP evil.test:443 127.0.0.1:2, MAP * ~NOTFOUND"},
		{"a target on a host of its own is excluded, every port", []string{"api.example.com:8443", "127.0.0.1:9", "127.0.0.1:10"},
			"MAP app.example.com:443 127.0.0.1:1, MAP evil.test:443 127.0.0.1:2, EXCLUDE api.example.com, EXCLUDE 127.0.0.1, MAP * ~NOTFOUND"},
		// EXCLUDE app.example.com would drop the page's mapping too.
		{"a target on a page's host is mapped to itself", []string{"App.Example.com:8443"},
			"MAP app.example.com:443 127.0.0.1:1, MAP evil.test:443 127.0.0.1:2, MAP app.example.com:8443 app.example.com:8443, MAP * ~NOTFOUND"},
		{"an IPv6 target", []string{"[::1]:8080"},
			"MAP app.example.com:443 127.0.0.1:1, MAP evil.test:443 127.0.0.1:2, EXCLUDE ::1, MAP * ~NOTFOUND"},
	}
	for _, tt := range tests {
		got, err := confinedResolverRules(mapped, tt.direct)
		if err != nil || got != tt.want {
			t.Errorf("%s:\n got %q, %v\nwant %q", tt.desc, got, err, tt.want)
		}
	}
	if got, err := confinedResolverRules(nil, []string{"api.example.com:443"}); err != nil || got != "EXCLUDE api.example.com, MAP * ~NOTFOUND" {
		t.Errorf("a target alone: %q, %v", got, err)
	}
	for _, bad := range []string{"api.example.com", "*:443", "a b:1", ":443"} {
		if _, err := confinedResolverRules(mapped, []string{bad}); err == nil {
			t.Errorf("direct host %q accepted", bad)
		}
	}
}

// TestTheRunningBrowserResolvesOnlyItsNames reads the real command line of
// the browser the tests drive.
func TestTheRunningBrowserResolvesOnlyItsNames(t *testing.T) {
	c := needBrowser(t)
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(c.PID()) + "/cmdline")
	if err != nil {
		t.Skipf("cannot read the browser's command line: %v", err)
	}
	var rules, features string
	for _, a := range strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00") {
		if v, ok := strings.CutPrefix(a, "--host-resolver-rules="); ok {
			rules = v
		}
		if v, ok := strings.CutPrefix(a, "--disable-features="); ok {
			features = v
		}
	}
	if !strings.HasSuffix(rules, ", MAP * ~NOTFOUND") {
		t.Errorf("--host-resolver-rules=%q does not end in the catch-all", rules)
	}
	for _, f := range []string{"HttpsUpgrades", "OptimizationGuideModelDownloading"} {
		if !strings.Contains(","+features+",", ","+f+",") {
			t.Errorf("--disable-features=%q lacks %s", features, f)
		}
	}
}

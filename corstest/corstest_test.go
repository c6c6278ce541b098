package corstest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/corstest"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/policy"
)

const policyYAML = `
origins: [https://app.example.com]
methods: [GET, PUT]
request_headers: [X-Request-Id]
expose_headers: [X-Total-Count]
credentials: true
endpoints:
  - {path: /api/items, methods: [GET, PUT]}
`

// recordingTB keeps the errors Check reports instead of failing the test,
// so a test can assert that a broken handler IS reported.
type recordingTB struct {
	testing.TB
	errs []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func loadPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := policy.Parse("cors.yaml", []byte(policyYAML))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAConformingHandlerPasses(t *testing.T) {
	p := loadPolicy(t)
	results := corstest.Check(t, mockapi.New(p), p)
	if len(results) < 20 {
		t.Fatalf("only %d scenarios ran; the policy's endpoints × origins should give more", len(results))
	}
}

// A hand-written middleware with the classic mistake: it reflects whatever
// Origin arrives, with credentials. Check must fail the test and name the
// attacker.
func TestAReflectingHandlerIsReportedAsASecurityMismatch(t *testing.T) {
	p := loadPolicy(t)
	reflecting := reflectingHandler(p)
	rec := &recordingTB{TB: t}
	corstest.Check(rec, reflecting, p)
	if len(rec.errs) == 0 {
		t.Fatal("a handler reflecting every origin with credentials passed the check")
	}
	found := false
	for _, e := range rec.errs {
		if strings.Contains(e, "server-mismatch (security)") && strings.Contains(e, "evil.corsproof.test could read") {
			found = true
		}
	}
	if !found {
		t.Errorf("no security mismatch naming the attacker among:\n%s", strings.Join(rec.errs, "\n"))
	}
}

// A server whose only difference from the policy is an
// Access-Control-Max-Age above Chromium's two-hour cap: the cap applies to
// every preflight, but no scenario's outcome depends on it, so no result is
// a browser deviation; the wire's max-age shows as a note.
func TestAMaxAgeAboveTheCapIsANoteNotADeviation(t *testing.T) {
	p := loadPolicy(t)
	api := mockapi.New(p)
	dayLong := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			w.Header().Set("Access-Control-Max-Age", "86400")
		}
		api.ServeHTTP(w, r)
	})
	results := corstest.Check(t, dayLong, p)
	var preflighted, noted int
	for _, r := range results {
		if r.Verdict == corsproof.VerdictBrowserDeviation {
			t.Errorf("%s: %s: %s", r.Scenario.ID, r.VerdictLabel(), r.Explanation)
		}
		if r.Browser.Preflight {
			preflighted++
		}
		for _, n := range r.Notes {
			if n.Kind == corsproof.CauseMaxAgeDiffers && n.Value == "86400" {
				noted++
				break
			}
		}
	}
	if preflighted == 0 || noted == 0 {
		t.Errorf("%d preflighted scenarios, %d with the max-age note: the test tested nothing", preflighted, noted)
	}
}

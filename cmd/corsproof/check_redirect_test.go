package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// awayHost is where the redirecting targets send every request: a name
// outside the run, which nothing in it serves or resolves.
const awayHost = "http://elsewhere.test"

// redirectAway answers every request with a redirect to the same path and
// query on awayHost; with cors, the redirect carries checkAPI's CORS headers,
// so the browser follows it.
type redirectAway struct{ cors bool }

func (a redirectAway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if origin := r.Header.Get("Origin"); a.cors && origin != "" {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
	}
	http.Redirect(w, r, awayHost+r.URL.RequestURI(), http.StatusFound)
}

// redirectWithin redirects the actual requests to /api/items to /v2/api/items
// on its own origin, where checkAPI answers; checkAPI answers the rest
// (preflights, which a browser never follows, included). The redirect
// carries checkAPI's CORS headers, as a CORS request's redirect must.
type redirectWithin struct{}

func (redirectWithin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/api/items" && r.Method != http.MethodOptions:
		if origin := r.Header.Get("Origin"); origin == checkAllowed {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		w.Header().Add("Vary", "Origin")
		http.Redirect(w, r, "/v2/api/items?"+r.URL.RawQuery, http.StatusFound)
	case r.URL.Path == "/v2/api/items":
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/api/items"
		checkAPI{}.ServeHTTP(w, r2)
	default:
		checkAPI{}.ServeHTTP(w, r)
	}
}

// checkRedirectReport is what the redirect checks read of a JSON report.
type checkRedirectReport struct {
	Findings []struct {
		Cause struct {
			Kind, Subject string
		}
		Verdict string
		Count   int
	}
	Runs []struct {
		Summary struct {
			Total     int
			Pass      int
			NotTested int `json:"not_tested"`
		}
		Results []struct {
			ID, Verdict, Explanation string
			Cause                    *struct{ Kind, Exchange, Subject, Value string }
			Detail                   struct {
				Observation struct {
					Actual []struct{ Status int }
				}
			}
		}
	}
}

// A live target that redirects every request to a host outside the run
// tests nothing: every scenario is not tested, naming the redirect, none
// passes, and the run exits 1. Whether the browser follows the redirect
// (it carries CORS headers) or stops at it (it carries none), the outcome
// is the other host's business, not the API's.
func TestCheckATargetThatRedirectsAwayIsNotTested(t *testing.T) {
	checkNeedChromium(t)
	pol := checkWriteFile(t, "policy.yaml", checkPolicy)
	for _, tt := range []struct {
		name string
		h    redirectAway
	}{
		{"a redirect without CORS headers", redirectAway{}},
		{"a redirect the browser follows", redirectAway{cors: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			target := checkStartAPI(t, tt.h)
			dir := t.TempDir()
			report, junit := filepath.Join(dir, "report.json"), filepath.Join(dir, "junit.xml")
			code, stdout, stderr := checkCLI(t, nil, "check", "--policy", pol, "--target", target, "--json", report, "--junit", junit)
			if code != exitMismatch {
				t.Fatalf("exit %d, want 1 (nothing was tested)\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			doc := readJSONReport[checkRedirectReport](t, report)
			if len(doc.Runs) != 1 || len(doc.Runs[0].Results) == 0 {
				t.Fatalf("report has %d runs", len(doc.Runs))
			}
			run := doc.Runs[0]
			for _, r := range run.Results {
				if r.Verdict != "not-tested" {
					t.Errorf("%s: %s, want not-tested: %s", r.ID, r.Verdict, r.Explanation)
					continue
				}
				for _, want := range []string{target + "/api/items?cp=", "with 302", "Location: " + awayHost + "/api/items?cp=", "outside this run"} {
					if !strings.Contains(r.Explanation, want) {
						t.Errorf("%s: the explanation lacks %q: %s", r.ID, want, r.Explanation)
					}
				}
				if c := r.Cause; c == nil || c.Kind != "redirected-away" || c.Subject != awayHost || !strings.HasPrefix(c.Value, awayHost+"/api/items?cp=") {
					t.Errorf("%s: cause %+v, want redirected-away to %s", r.ID, r.Cause, awayHost)
				}
			}
			if s := run.Summary; s.Pass != 0 || s.NotTested != s.Total || s.Total != len(run.Results) {
				t.Errorf("summary %+v, want every scenario not tested", s)
			}
			// One finding: the one place every request went.
			if len(doc.Findings) != 1 || doc.Findings[0].Cause.Kind != "redirected-away" || doc.Findings[0].Cause.Subject != awayHost ||
				doc.Findings[0].Verdict != "not-tested" || doc.Findings[0].Count != len(run.Results) {
				t.Errorf("findings %+v, want one redirected-away to %s of all %d", doc.Findings, awayHost, len(run.Results))
			}
			flat := strings.Join(strings.Fields(stdout), " ")
			for _, want := range []string{"FINDINGS: 1 cause", "not-tested", "the target redirects to " + awayHost, "→ 302;", "Location: " + awayHost + "/api/items?cp="} {
				if !strings.Contains(flat, want) {
					t.Errorf("the terminal report lacks %q:\n%s", want, stdout)
				}
			}
			// CI sees them as skipped, with why; none passed there either.
			data, err := os.ReadFile(junit)
			if err != nil {
				t.Fatal(err)
			}
			suites, err := parseJUnit(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(suites.Suites) != 1 || suites.Suites[0].Skipped != suites.Suites[0].Tests || suites.Suites[0].Tests != len(run.Results) {
				t.Fatalf("JUnit suites %+v, want every case skipped", suites.Suites)
			}
			for _, c := range suites.Suites[0].Cases {
				if c.Skipped == nil || !strings.Contains(c.Skipped.Message, "Location: "+awayHost) {
					t.Errorf("JUnit case %s: %+v, want skipped naming the redirect", c.Name, c.Skipped)
				}
			}
		})
	}
}

// A target that redirects within its own origin is judged as before: here
// it answers like the conforming API, so every scenario passes, the
// redirect followed on the wire.
func TestCheckATargetThatRedirectsWithinItsOriginIsJudged(t *testing.T) {
	checkNeedChromium(t)
	pol := checkWriteFile(t, "policy.yaml", checkPolicy)
	target := checkStartAPI(t, redirectWithin{})
	report := filepath.Join(t.TempDir(), "report.json")
	code, stdout, stderr := checkCLI(t, nil, "check", "--policy", pol, "--target", target, "--json", report)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	doc := readJSONReport[checkRedirectReport](t, report)
	redirected := 0
	for _, r := range doc.Runs[0].Results {
		if r.Verdict != "pass" {
			t.Errorf("%s: %s, want pass: %s", r.ID, r.Verdict, r.Explanation)
		}
		if a := r.Detail.Observation.Actual; len(a) == 2 && a[0].Status == http.StatusFound {
			redirected++
		}
	}
	if redirected == 0 {
		t.Errorf("no scenario shows the redirect on the wire: the test proves nothing")
	}
}

// WebKit shows no exchanges, so a redirect away is seen only by the run's
// proxy, which refuses the other host: every scenario whose request WebKit
// sent there (the simple ones, whose redirect carries CORS headers) is not
// tested, naming that origin; none passes. (The target is plain http on
// loopback, which WebKit sends only from the http:// page: from https pages
// it blocks it as mixed content, a known deviation, before anything leaves.)
func TestCheckInWebKitATargetThatRedirectsAwayIsNotTested(t *testing.T) {
	checkNeedAllEngines(t)
	pol := checkWriteFile(t, "policy.yaml", checkPolicy)
	target := checkStartAPI(t, redirectAway{cors: true})
	report := filepath.Join(t.TempDir(), "report.json")
	code, stdout, stderr := checkCLI(t, nil, "check", "--browsers", "webkit", "--policy", pol, "--target", target, "--json", report)
	if code != exitMismatch {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	doc := readJSONReport[checkRedirectReport](t, report)
	notTested := 0
	verdicts := map[string]int{}
	for _, r := range doc.Runs[0].Results {
		verdicts[r.Verdict]++
		switch r.Verdict {
		case "pass":
			t.Errorf("%s passed, though its request went to %s: %s", r.ID, awayHost, r.Explanation)
		case "not-tested":
			notTested++
			if c := r.Cause; c == nil || c.Kind != "redirected-away" || c.Subject != awayHost {
				t.Errorf("%s: cause %+v, want redirected-away to %s", r.ID, r.Cause, awayHost)
			}
			for _, want := range []string{target + "/api/items?cp=", awayHost, "no exchanges", "outside this run"} {
				if !strings.Contains(r.Explanation, want) {
					t.Errorf("%s: the explanation lacks %q: %s", r.ID, want, r.Explanation)
				}
			}
		}
	}
	t.Logf("%d of %d scenarios not tested; verdicts %v", notTested, len(doc.Runs[0].Results), verdicts)
	if notTested == 0 {
		t.Errorf("no scenario is not tested:\n%s", stdout)
	}
}

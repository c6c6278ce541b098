package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// harExpect is har/testdata/ENGINE.expect.json: what each engine itself
// reported when the fixture was recorded (har/record_test.go).
type harExpect struct {
	Engine  string `json:"engine"`
	Entries []struct {
		Case            string   `json:"case"`
		Entry           int      `json:"entry"`
		Credentials     string   `json:"credentials"`
		Allowed         bool     `json:"allowed"`
		CorsError       string   `json:"cors_error"`
		FailedParameter string   `json:"failed_parameter"`
		Unavailable     []string `json:"unavailable"`
	} `json:"entries"`
}

func harFixture(engine string) string {
	return filepath.Join("..", "..", "har", "testdata", engine+".har")
}

func readHARExpect(t *testing.T, engine string) harExpect {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "har", "testdata", engine+".expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e harExpect
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Entries) == 0 {
		t.Fatalf("%s.expect.json has no entries", engine)
	}
	return e
}

var verdictLineRE = regexp.MustCompile(`(?m)^(allowed|blocked: .*|incomplete: .*)$`)

// The done-when: explain --har on the HAR each engine recorded
// names the same reason as the engine did (WebKit reports no reason over
// WebDriver: there the outcome is compared). A fetch whose credentials a
// HAR cannot show (no cookie went with it) is explained as the user is
// told to: with --credentials, after the note that says so.
func TestExplainHARNamesTheReasonTheRecordingEngineReported(t *testing.T) {
	for _, engine := range []string{"chromium", "firefox", "webkit"} {
		exp := readHARExpect(t, engine)
		for _, x := range exp.Entries {
			t.Run(engine+"/"+x.Case, func(t *testing.T) {
				args := []string{"explain", "--har", harFixture(engine), "--entry", fmt.Sprint(x.Entry)}
				code, out, stderr := cli(t, args...)
				if code != exitOK {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				if !strings.Contains(out, "profile "+engine) {
					t.Errorf("not explained under the recording engine's profile %s:\n%s", engine, out)
				}
				if x.Credentials == "include" && !strings.Contains(out, "credentials: include (the request carried a Cookie)") {
					if !strings.Contains(out, "--credentials include:") {
						t.Fatalf("a credentialed fetch without a cookie, and no note that the HAR cannot tell:\n%s", out)
					}
					code, out, stderr = cli(t, append(args, "--credentials", "include")...)
					if code != exitOK {
						t.Fatalf("exit %d: %s", code, stderr)
					}
				}
				lines := verdictLineRE.FindAllString(out, -1)
				if len(lines) != 1 {
					t.Fatalf("want one verdict line, got %q:\n%s", lines, out)
				}
				got := lines[0]
				want := "allowed"
				switch {
				case x.Allowed:
				case x.CorsError == "":
					// The engine gave no reason (WebKit): the outcome only.
					if !strings.HasPrefix(got, "blocked: ") {
						t.Errorf("%s blocked it; explain says %q", engine, got)
					}
					return
				default:
					want = strings.TrimSpace("blocked: " + x.CorsError + " " + x.FailedParameter)
				}
				if !strings.EqualFold(got, want) {
					t.Errorf("%s reported %q; explain --har says %q:\n%s", engine, want, got, out)
				}
				if !x.Allowed && !strings.Contains(out, "\ncause (") {
					t.Errorf("no cause named for a block:\n%s", out)
				}
			})
		}
	}
}

func TestExplainHARExplainsEveryCrossOriginEntryWithItsPreflight(t *testing.T) {
	code, out, stderr := cli(t, "explain", "--har", harFixture("chromium"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := len(verdictLineRE.FindAllString(out, -1)); n != 4 {
		t.Errorf("%d verdicts, want one per cross-origin fetch (4):\n%s", n, out)
	}
	for _, want := range []string{"recorded by WebInspector 537.36 (Chromium's devtools): profile chromium",
		"entry 0: PUT ", "  preflight: entry 1 (OPTIONS, status 204)", "the browser recorded a failure: net::ERR_FAILED",
		"cause (allow-headers-lacks): Access-Control-Allow-Headers lacks x-request-id"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// --url picks by substring; the preflight's index names its request.
	_, out, _ = cli(t, "explain", "--har", harFixture("chromium"), "--url", "/api/me")
	if !strings.Contains(out, "entry 4: GET ") || strings.Contains(out, "entry 0:") {
		t.Errorf("--url /api/me explained other entries:\n%s", out)
	}
	_, out, _ = cli(t, "explain", "--har", harFixture("chromium"), "--entry", "1")
	if !strings.Contains(out, "entry 0: PUT ") {
		t.Errorf("--entry 1 (a preflight) did not explain the request it guards:\n%s", out)
	}
}

// Chromium's export often leaves the preflight out: explain says so, and
// where the browser still sent the request, takes a preflight that
// allowed it; where it did not, it cannot name the reason and says why.
func TestExplainHARWithoutThePreflightSaysSo(t *testing.T) {
	data, err := os.ReadFile(harFixture("chromium"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	log := doc["log"].(map[string]any)
	var kept []any
	for _, e := range log["entries"].([]any) {
		if e.(map[string]any)["_resourceType"] != "preflight" {
			kept = append(kept, e)
		}
	}
	log["entries"] = kept
	path := filepath.Join(t.TempDir(), "no-preflight.har")
	data, _ = json.Marshal(doc)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := cli(t, "explain", "--har", path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"the HAR holds no preflight for this request",
		"incomplete: the preflight's answer is not in the HAR",
		"the preflight is not in the HAR: taken as one that allows this request"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestExplainHARBadInputExitsTwo(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sameOrigin := write("same.har", `{"log":{"version":"1.2","creator":{"name":"Firefox","version":"153.0"},"entries":[
		{"startedDateTime":"2026-12-03T10:00:00.000Z","request":{"method":"GET","url":"https://app.example.test/","headers":[]},"response":{"status":200,"headers":[]}}]}}`)
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"not JSON", []string{"--har", write("x.har", "hello")}, "not a HAR file: not a JSON object"},
		{"no log", []string{"--har", write("y.har", `{"results":[]}`)}, `no "log" object`},
		{"no entries", []string{"--har", write("z.har", `{"log":{}}`)}, `no "entries" array`},
		{"missing file", []string{"--har", filepath.Join(dir, "nope.har")}, "cannot read the HAR"},
		{"no cross-origin entry", []string{"--har", sameOrigin}, "no cross-origin fetch or XHR among its 1 entries"},
		{"entry out of range", []string{"--har", harFixture("firefox"), "--entry", "6"}, "--entry 6 is out of range: " + harFixture("firefox") + " has 6 entries (0–5)"},
		{"negative entry", []string{"--har", harFixture("firefox"), "--entry", "-3"}, "entries are numbered from 0"},
		{"entry and url", []string{"--har", harFixture("firefox"), "--entry", "1", "--url", "x"}, "not both"},
		{"no url matches", []string{"--har", harFixture("firefox"), "--url", "/nothing"}, `no cross-origin entry's URL contains "/nothing"`},
		{"with --origin", []string{"--har", harFixture("firefox"), "--origin", "https://a.test"}, "--origin cannot be combined with --har"},
		{"entry without har", []string{"--entry", "1"}, "--entry goes with --har FILE"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, append([]string{"explain"}, tt.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, exitUsage, tt.want)
			}
		})
	}
}

// Firefox's own export (har/testdata/firefox-native.har, its netmonitor's
// auto-export of a page whose PUT's preflight lacks X-Request-Id in
// Access-Control-Allow-Headers): read as it is, the PUT explained from its
// status-0 entry and the preflight listed after it.
func TestExplainHAROfFirefoxsOwnExport(t *testing.T) {
	code, out, stderr := cli(t, "explain", "--har", harFixture("firefox-native"), "--entry", "1")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"recorded by Firefox 153", "profile firefox", "preflight: entry 2 (OPTIONS, status 200)",
		"\nblocked: HeaderDisallowedByPreflightResponse x-request-id\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// WebKit's _error says the browser blocked a fetch the model allows on
// the recorded headers (it carried no cookie, so the HAR cannot say it
// was credentialed): explain says the two disagree instead of staying
// silent.
func TestExplainHARSaysWhenTheBrowsersFailureAndTheModelDisagree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "safari.har")
	if err := os.WriteFile(path, []byte(`{"log":{"version":"1.2","creator":{"name":"WebKit Web Inspector","version":"1.0"},"entries":[
	 {"startedDateTime":"2026-12-03T10:00:00.000Z","request":{"method":"GET","url":"https://api.example.test/me","headers":[{"name":"Origin","value":"https://app.example.test"}]},
	  "response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"*"}],"_error":"Cross-origin redirection denied by Cross-Origin Resource Sharing policy."}}]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := cli(t, "explain", "--har", path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "profile webkit") || !strings.Contains(out, "the browser recorded a failure (Cross-origin redirection denied") || !strings.Contains(out, "\nallowed\n") {
		t.Errorf("output:\n%s", out)
	}
}

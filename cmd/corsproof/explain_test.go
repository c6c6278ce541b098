package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	appOrigin = "https://app.example.test"
	apiURL    = "https://api.example.test/api/items"
)

// lastLine is the explain verdict: the output's last non-empty line.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1]
}

// explainArgs builds an explain command line from the app origin to the API.
func explainArgs(extra ...string) []string {
	return append([]string{"explain", "--origin", appOrigin, "--url", apiURL}, extra...)
}

func TestExplainEndsWithTheModelsVerdict(t *testing.T) {
	acao := "Access-Control-Allow-Origin: " + appOrigin
	tests := []struct {
		name string
		args []string
		want string // the last line, exactly
	}{
		{name: "simple GET with the exact origin is allowed",
			args: explainArgs("--response-header", acao),
			want: "allowed"},
		{name: "no ACAO on the response",
			args: explainArgs(),
			want: "blocked: MissingAllowOriginHeader"},
		{name: "ACAO names another origin",
			args: explainArgs("--response-header", "Access-Control-Allow-Origin: https://evil.test"),
			want: "blocked: AllowOriginMismatch https://evil.test"},
		{name: "ACAO with a trailing slash does not match",
			args: explainArgs("--response-header", "Access-Control-Allow-Origin: "+appOrigin+"/"),
			want: "blocked: AllowOriginMismatch https://app.example.test/"},
		{name: "two ACAO lines",
			args: explainArgs("--response-header", acao, "--response-header", acao),
			want: "blocked: MultipleAllowOriginValues https://app.example.test, https://app.example.test"},
		{name: "wildcard ACAO on a credentialed request",
			args: explainArgs("--credentials", "include", "--response-header", "Access-Control-Allow-Origin: *"),
			want: "blocked: WildcardOriginNotAllowed"},
		{name: "credentialed request without ACAC",
			args: explainArgs("--credentials", "include", "--response-header", acao),
			want: "blocked: InvalidAllowCredentials"},
		{name: "ACAC is case-sensitive",
			args: explainArgs("--credentials", "include", "--response-header", acao, "--response-header", "Access-Control-Allow-Credentials: True"),
			want: "blocked: InvalidAllowCredentials True"},
		{name: "preflight answered 404",
			args: explainArgs("--method", "PUT", "--preflight-status", "404", "--preflight-header", acao,
				"--preflight-header", "Access-Control-Allow-Methods: PUT", "--response-header", acao),
			want: "blocked: PreflightInvalidStatus"},
		{name: "preflight without ACAO (assumed preflight response)",
			args: explainArgs("--method", "PUT", "--response-header", acao),
			want: "blocked: PreflightMissingAllowOriginHeader"},
		{name: "preflight ACAO names another origin",
			args: explainArgs("--method", "DELETE", "--preflight-header", "Access-Control-Allow-Origin: https://evil.test"),
			want: "blocked: PreflightAllowOriginMismatch https://evil.test"},
		{name: "lowercase patch is not allowed by PATCH",
			args: explainArgs("--method", "patch", "--preflight-header", acao, "--preflight-header", "Access-Control-Allow-Methods: PATCH", "--response-header", acao),
			want: "blocked: MethodDisallowedByPreflightResponse patch"},
		{name: "a custom header missing from ACAH",
			args: explainArgs("--method", "PUT", "--header", "X-Foo: 1", "--preflight-header", acao,
				"--preflight-header", "Access-Control-Allow-Methods: PUT", "--preflight-header", "Access-Control-Allow-Headers: x-bar", "--response-header", acao),
			want: "blocked: HeaderDisallowedByPreflightResponse x-foo"},
		{name: "ACAM with invalid syntax",
			args: explainArgs("--method", "PUT", "--preflight-header", acao, "--preflight-header", "Access-Control-Allow-Methods: GET PUT", "--response-header", acao),
			want: "blocked: InvalidAllowMethodsPreflightResponse"},
		{name: "ACAH with invalid syntax",
			args: explainArgs("--header", "X-Foo: 1", "--preflight-header", acao, "--preflight-header", "Access-Control-Allow-Headers: x-foo;", "--response-header", acao),
			want: "blocked: InvalidAllowHeadersPreflightResponse"},
		{name: "a redirected preflight",
			args: explainArgs("--method", "PUT", "--preflight-status", "301", "--preflight-header", "Location: https://api.example.test/elsewhere", "--preflight-header", acao),
			want: "blocked: PreflightDisallowedRedirect"},
		{name: "redirect mode error",
			args: explainArgs("--redirect", "error", "--status", "302", "--response-header", "Location: /moved", "--response-header", acao),
			want: "blocked: RedirectModeError"},
		{name: "a redirect to a URL with credentials",
			args: explainArgs("--status", "302", "--response-header", "Location: https://user:pw@api.example.test/x", "--response-header", acao),
			want: "blocked: RedirectContainsCredentials"},
		{name: "a forbidden method makes fetch() throw",
			args: explainArgs("--method", "CONNECT"),
			want: "blocked: InvalidRequest"},
		{name: "wildcard ACAH covers Authorization in Chromium",
			args: explainArgs("--header", "Authorization: Bearer x", "--preflight-header", "Access-Control-Allow-Origin: *",
				"--preflight-header", "Access-Control-Allow-Headers: *", "--response-header", "Access-Control-Allow-Origin: *"),
			want: "allowed"},
		{name: "but not in the Fetch standard",
			args: explainArgs("--profile", "standard", "--header", "Authorization: Bearer x", "--preflight-header", "Access-Control-Allow-Origin: *",
				"--preflight-header", "Access-Control-Allow-Headers: *", "--response-header", "Access-Control-Allow-Origin: *"),
			want: "blocked: HeaderDisallowedByPreflightResponse authorization"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, tt.args...)
			if code != exitOK {
				t.Fatalf("exit code = %d, want 0; stderr: %s", code, stderr)
			}
			if got := lastLine(stdout); got != tt.want {
				t.Errorf("last line = %q, want %q\n%s", got, tt.want, stdout)
			}
		})
	}
}

func TestExplainShowsThePreflightItNeeds(t *testing.T) {
	_, stdout, _ := cli(t, explainArgs("--method", "PUT", "--header", "X-B: 1", "--header", "x-a: 2",
		"--response-header", "Access-Control-Allow-Origin: "+appOrigin)...)
	for _, want := range []string{
		"✓ R3.1.6  a preflight is needed",
		"preflight sends Access-Control-Request-Method: PUT",
		"preflight sends Access-Control-Request-Headers: x-a,x-b",
		"the preflight response was not given: assumed status 200 without headers",
		"✗ R4.2.1",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestExplainDoesNotAssumeAGivenPreflight(t *testing.T) {
	_, stdout, _ := cli(t, explainArgs("--method", "PUT", "--preflight-header", "Access-Control-Allow-Origin: "+appOrigin,
		"--preflight-header", "Access-Control-Allow-Methods: PUT", "--response-header", "Access-Control-Allow-Origin: "+appOrigin)...)
	if strings.Contains(stdout, "assumed") {
		t.Errorf("the preflight response was given, yet the output says it was assumed:\n%s", stdout)
	}
	if lastLine(stdout) != "allowed" {
		t.Errorf("last line = %q, want allowed\n%s", lastLine(stdout), stdout)
	}
}

func TestExplainNamesAKnownDeviation(t *testing.T) {
	_, stdout, _ := cli(t, explainArgs("--header", "Authorization: x", "--preflight-header", "Access-Control-Allow-Origin: *",
		"--preflight-header", "Access-Control-Allow-Headers: *", "--response-header", "Access-Control-Allow-Origin: *")...)
	for _, want := range []string{"deviation authorization-wildcard", "note: the standard profile decides otherwise: blocked: HeaderDisallowedByPreflightResponse authorization"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestExplainListsReadableHeaders(t *testing.T) {
	_, stdout, _ := cli(t, explainArgs("--response-header", "Access-Control-Allow-Origin: *",
		"--response-header", "X-Total-Count: 3", "--response-header", "X-Secret: 1",
		"--response-header", "Access-Control-Expose-Headers: X-Total-Count")...)
	if !strings.Contains(stdout, "script can read: status 200, headers [x-total-count]") {
		t.Errorf("exposure line missing or wrong:\n%s", stdout)
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "exchange.json")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExplainReadsACapturedExchange(t *testing.T) {
	p := writeFile(t, `{
  "request": {"origin": "https://app.example.test", "url": "https://api.example.test/api/items/1",
              "method": "PUT", "headers": [{"name": "X-Request-Id", "value": "7"}], "credentials": "include"},
  "preflight": {"status": 204, "headers": [
      {"name": "Access-Control-Allow-Origin", "value": "https://app.example.test"},
      {"name": "Access-Control-Allow-Credentials", "value": "true"},
      {"name": "Access-Control-Allow-Methods", "value": "PUT"},
      {"name": "Access-Control-Allow-Headers", "value": "*"}]},
  "response": {"status": 200, "headers": [
      {"name": "Access-Control-Allow-Origin", "value": "https://app.example.test"},
      {"name": "Access-Control-Allow-Credentials", "value": "true"}]}
}`)
	code, stdout, stderr := cli(t, "explain", "--file", p)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// "*" is no wildcard for a credentialed request.
	if got, want := lastLine(stdout), "blocked: HeaderDisallowedByPreflightResponse x-request-id"; got != want {
		t.Errorf("last line = %q, want %q\n%s", got, want, stdout)
	}
}

func TestExplainReadsAReportEntry(t *testing.T) {
	entry := `{"id": "evil-get", "origin": "https://evil.test", "url": "https://api.example.test/api/items?t=1",
  "request": {"path": "/api/items"},
  "detail": {"observation": {"allowed": true, "actual": [{"url": "https://api.example.test/api/items?t=1", "method": "GET", "status": 200,
      "response_headers": [{"name": "Access-Control-Allow-Origin", "value": "https://evil.test"}]}]}}}`
	for name, content := range map[string]string{
		"entry": entry,
		// Several engines: WebKit shows no wire, so its entry has no
		// capture and the engine that has one answers.
		"report": `{"run": {}, "runs": [{"engine": "webkit", "results": [{"id": "evil-get", "request": {"path": "/api/items"}}]},
  {"engine": "chromium", "results": [` + entry + `, {"id": "other"}]}]}`,
		"report of one engine, before engines": `{"run": {}, "results": [` + entry + `, {"id": "other"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			args := []string{"explain", "--file", writeFile(t, content)}
			if name != "entry" {
				args = append(args, "--id", "evil-get")
			}
			code, stdout, stderr := cli(t, args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if lastLine(stdout) != "allowed" {
				t.Errorf("last line = %q, want allowed\n%s", lastLine(stdout), stdout)
			}
		})
	}
}

func TestExplainRejectsMalformedInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.json")
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{name: "header without a colon", args: explainArgs("--header", "X-Foo 1"), want: `--header "X-Foo 1": write 'Name: value'`},
		{name: "header name with a space", args: explainArgs("--header", "X Foo: 1"), want: `"X Foo" is not a header name`},
		{name: "bad response header", args: explainArgs("--response-header", ": v"), want: `"" is not a header name`},
		{name: "bad preflight header", args: explainArgs("--preflight-header", "Acao"), want: "--preflight-header"},
		{name: "unknown credentials mode", args: explainArgs("--credentials", "always"), want: `unknown credentials mode "always"`},
		{name: "unknown mode", args: explainArgs("--mode", "navigate"), want: `unknown mode "navigate"`},
		{name: "unknown profile", args: explainArgs("--profile", "opera"), want: `unknown profile "opera"`},
		{name: "relative URL", args: []string{"explain", "--origin", appOrigin, "--url", "/api/items"}, want: `url "/api/items" is not an absolute URL`},
		{name: "unparsable URL", args: []string{"explain", "--origin", appOrigin, "--url", "https://[::1"}, want: "is not an absolute URL"},
		{name: "no URL", args: []string{"explain", "--origin", appOrigin}, want: "--url is required"},
		{name: "no origin", args: []string{"explain", "--url", apiURL}, want: "--origin is required"},
		{name: "origin with a path", args: []string{"explain", "--origin", appOrigin + "/x", "--url", apiURL}, want: "is not an origin"},
		{name: "origin with a trailing slash", args: []string{"explain", "--origin", appOrigin + "/", "--url", apiURL}, want: "no trailing slash"},
		{name: "status out of range", args: explainArgs("--status", "1000"), want: "status 1000 is not an HTTP status"},
		{name: "unreadable file", args: []string{"explain", "--file", missing}, want: "cannot read the exchange"},
		{name: "file is not JSON", args: []string{"explain", "--file", writeFile(t, "origin: x")}, want: "is not a JSON object"},
		{name: "file without a response", args: []string{"explain", "--file", writeFile(t, `{"request": {"origin": "null", "url": "https://a.test/"}}`)}, want: `no "response"`},
		{name: "file with an unknown field", args: []string{"explain", "--file", writeFile(t, `{"request": {"origin": "null", "url": "https://a.test/"}, "respons": {}}`)}, want: `unknown field "respons"`},
		{name: "file with a bad credentials mode", args: []string{"explain", "--file", writeFile(t, `{"request": {"origin": "null", "url": "https://a.test/", "credentials": "yes"}, "response": {"status": 200}}`)}, want: `unknown credentials mode "yes"`},
		{name: "report without --id", args: []string{"explain", "--file", writeFile(t, `{"results": [{"id": "a"}, {"id": "b"}]}`)}, want: "name one with --id"},
		{name: "file and request flags", args: []string{"explain", "--file", missing, "--method", "PUT"}, want: "--method cannot be combined with --file"},
		{name: "stray argument", args: explainArgs("extra"), want: `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit code = %d, want %d; stdout: %s", code, exitUsage, stdout)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, stderr)
			}
			if strings.Contains(stderr, "goroutine") {
				t.Errorf("stack trace on bad input:\n%s", stderr)
			}
		})
	}
}

func TestExplainHelpDocumentsTheFileFormat(t *testing.T) {
	code, stdout, _ := cli(t, "explain", "-h")
	if code != exitOK {
		t.Fatalf("exit code = %d", code)
	}
	for _, want := range []string{`"preflight"`, `"responses"`, "--json", "--preflight-header"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// Each engine's profile explains what that engine does: WebKit blocks an
// https page's fetch of http://localhost, which the standard allows.
func TestExplainWithAnEngineProfile(t *testing.T) {
	code, stdout, stderr := cli(t, "explain", "--profile", "webkit", "--origin", "https://app.example.com",
		"--url", "http://localhost:8080/x", "--response-header", "Access-Control-Allow-Origin: *")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"model profile webkit", "MIX", "blocked: MixedContent", "deviation mixed-content-loopback", "note: the standard profile decides otherwise: allowed"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

package browser

import "testing"

// The texts are Firefox 153's, from security.properties with the
// parameters filled in as Firefox does.
func TestParseFirefoxCORS(t *testing.T) {
	const at = "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.example.test/x. "
	for _, c := range []struct {
		text, method     string
		key, reason, par string
	}{
		{at + "(Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200.", "GET", "CORSMissingAllowOrigin2", "MissingAllowOriginHeader", ""},
		{at + "(Reason: CORS header ‘Access-Control-Allow-Origin’ does not match ‘https://other.test’).", "GET", "CORSAllowOriginNotMatchingOrigin", "AllowOriginMismatch", ""},
		{"Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ‘https://api.example.test/x’. (Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’).", "GET", "CORSNotSupportingCredentials", "WildcardOriginNotAllowed", ""},
		{at + "(Reason: expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’).", "GET", "CORSMissingAllowCredentials", "InvalidAllowCredentials", ""},
		{at + "(Reason: Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed).", "GET", "CORSMultipleAllowOriginNotAllowed", "MultipleAllowOriginValues", ""},
		{at + "(Reason: CORS preflight response did not succeed). Status code: 404.", "PUT", "CORSPreflightDidNotSucceed3", "PreflightInvalidStatus", ""},
		{at + "(Reason: Did not find method in CORS header ‘Access-Control-Allow-Methods’).", "put", "CORSMethodNotFound", "MethodDisallowedByPreflightResponse", "PUT"},
		{at + "(Reason: header ‘X-Bar’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response).", "GET", "CORSMissingAllowHeaderFromPreflight2", "HeaderDisallowedByPreflightResponse", "x-bar"},
		{at + "(Reason: invalid token ‘a b’ in CORS header ‘Access-Control-Allow-Methods’).", "PUT", "CORSInvalidAllowMethod", "InvalidAllowMethodsPreflightResponse", "a b"},
		{at + "(Reason: invalid token ‘a b’ in CORS header ‘Access-Control-Allow-Headers’).", "PUT", "CORSInvalidAllowHeader", "InvalidAllowHeadersPreflightResponse", "a b"},
		{at + "(Reason: CORS request external redirect not allowed).", "GET", "CORSExternalRedirectNotAllowed", "InvalidRedirect", ""},
		{at + "(Reason: CORS request did not succeed). Status code: (null).", "GET", "CORSDidNotSucceed2", "", ""},
		{at + "(Reason: CORS preflight channel did not succeed).", "PUT", "CORSPreflightDidNotSucceed2", "PreflightInvalidStatus", ""},
		{at + "(Reason: something new).", "GET", "", "", ""},
	} {
		b, ok := parseFirefoxCORS(c.text, c.method)
		if !ok || b.Key != c.key || b.Reason != c.reason || b.Param != c.par {
			t.Errorf("%s\n got key=%q reason=%q param=%q ok=%v\nwant key=%q reason=%q param=%q", c.text, b.Key, b.Reason, b.Param, ok, c.key, c.reason, c.par)
		}
	}
	if _, ok := parseFirefoxCORS("Cross-Origin Request Warning: … the `Authorization` header is not covered …", "GET"); ok {
		t.Error("a warning is not a block")
	}
	if got := preflightVariant("MissingAllowOriginHeader"); got != "PreflightMissingAllowOriginHeader" {
		t.Errorf("preflightVariant = %q", got)
	}
	if got := preflightVariant("MethodDisallowedByPreflightResponse"); got != "MethodDisallowedByPreflightResponse" {
		t.Errorf("preflightVariant = %q", got)
	}
}

func TestFindFirefoxHonoursTheEnvironment(t *testing.T) {
	t.Setenv(EnvFirefox, "/nonexistent/firefox")
	_, err := FindFirefox()
	nf, ok := err.(*NotFoundError)
	if !ok || nf.Engine != "firefox" {
		t.Fatalf("err = %v, want a *NotFoundError for firefox", err)
	}
	if msg := err.Error(); !contains(msg, EnvFirefox) || !contains(msg, "Firefox") {
		t.Errorf("message should name the engine and the variable: %s", msg)
	}
	t.Setenv(EnvFirefox, "")
	t.Setenv("PATH", t.TempDir())
	_, err = FindFirefox()
	if err == nil || !contains(err.Error(), "apt-get install -y firefox-esr") {
		t.Errorf("err = %v, want the install hint", err)
	}
}

func TestFailedFirefoxLaunchIsClearAndLeavesNothing(t *testing.T) {
	before, _ := filepathGlob(firefoxProfileGlob())
	// /bin/false exits at once: the start-up failure path.
	_, err := LaunchFirefox(t.Context(), FirefoxOptions{ExecPath: "/bin/false"})
	if err == nil || !contains(err.Error(), "launching firefox") || !contains(err.Error(), "exited before") {
		t.Fatalf("err = %v, want a launch error naming firefox", err)
	}
	after, _ := filepathGlob(firefoxProfileGlob())
	if len(after) > len(before) {
		t.Errorf("a failed launch left a profile dir: %v", after)
	}
	if _, err := LaunchFirefox(t.Context(), FirefoxOptions{ExecPath: "/bin/false", ProxyURL: "socks://x"}); err == nil || !contains(err.Error(), "ProxyURL") {
		t.Errorf("bad ProxyURL: %v", err)
	}
}

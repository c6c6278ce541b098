package browser

import (
	"context"
	"strings"
	"testing"
)

// These tests need no browser: they are the WebDriver session's reading
// of what an endpoint answered (a Selenium Grid's, a ChromeDriver's).

func TestWebDriverCapsKeepCertificateChecksOn(t *testing.T) {
	given := map[string]any{"browserName": "chrome", "browserVersion": "156"}
	got, err := webDriverCaps(given)
	if err != nil {
		t.Fatal(err)
	}
	if got["acceptInsecureCerts"] != false || got["browserName"] != "chrome" || got["browserVersion"] != "156" {
		t.Errorf("webDriverCaps(%v) = %v, want them with acceptInsecureCerts false", given, got)
	}
	if _, ok := given["acceptInsecureCerts"]; ok {
		t.Errorf("webDriverCaps changed the caller's map: %v", given)
	}
	for _, v := range []any{true, "true", 1} {
		if _, err := webDriverCaps(map[string]any{"acceptInsecureCerts": v}); err == nil || !strings.Contains(err.Error(), "certificate checks off") {
			t.Errorf("acceptInsecureCerts %#v: err = %v, want a refusal naming the certificate checks", v, err)
		}
	}
	if _, err := NewWebDriverSession(context.Background(), "http://127.0.0.1:1", map[string]any{"acceptInsecureCerts": true}); err == nil {
		t.Error("NewWebDriverSession took acceptInsecureCerts true")
	}
	if _, err := NewWebDriverSession(context.Background(), "ws://127.0.0.1:1", nil); err == nil {
		t.Error("NewWebDriverSession took a ws:// endpoint")
	}
}

func TestWebDriverSessionCDPAndBiDi(t *testing.T) {
	session := func(endpoint string, caps map[string]any) *WebDriverSession {
		return &WebDriverSession{wd: newWDClient(endpoint), Capabilities: caps}
	}
	for _, tc := range []struct {
		desc, endpoint string
		caps           map[string]any
		want           string
		exact          bool
		err            string
	}{
		{desc: "a grid's se:cdp", endpoint: "http://198.18.2.2:4444",
			caps: map[string]any{"se:cdp": "ws://198.18.2.2:4444/session/abc/se/cdp", "goog:chromeOptions": map[string]any{"debuggerAddress": "localhost:40000"}},
			want: "ws://198.18.2.2:4444/session/abc/se/cdp", exact: true},
		{desc: "a ChromeDriver on this host", endpoint: "http://127.0.0.1:9515",
			caps: map[string]any{"goog:chromeOptions": map[string]any{"debuggerAddress": "localhost:40000"}},
			want: "http://localhost:40000"},
		{desc: "an Edge driver on this host", endpoint: "http://localhost:9515",
			caps: map[string]any{"ms:edgeOptions": map[string]any{"debuggerAddress": "127.0.0.1:40001"}},
			want: "http://127.0.0.1:40001"},
		{desc: "a ChromeDriver on another host", endpoint: "http://198.18.2.2:9515",
			caps: map[string]any{"goog:chromeOptions": map[string]any{"debuggerAddress": "localhost:40000"}},
			err:  "on the driver's own host"},
		{desc: "a debuggerAddress that is no address", endpoint: "http://127.0.0.1:9515",
			caps: map[string]any{"goog:chromeOptions": map[string]any{"debuggerAddress": "localhost"}},
			err:  "not HOST:PORT"},
		{desc: "a session without CDP", endpoint: "http://198.18.2.2:4444",
			caps: map[string]any{"browserName": "firefox"},
			err:  "offers no CDP"},
	} {
		addr, exact, err := session(tc.endpoint, tc.caps).CDP()
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: CDP() = %q, %v; want an error naming %q", tc.desc, addr, err, tc.err)
		case tc.err == "" && (err != nil || addr != tc.want || exact != tc.exact):
			t.Errorf("%s: CDP() = %q, %v, %v; want %q, %v", tc.desc, addr, exact, err, tc.want, tc.exact)
		}
	}

	ff := session("http://198.18.2.2:4444", map[string]any{"browserName": "firefox", "browserVersion": "140.5.0esr", "platformName": "linux",
		"webSocketUrl": "ws://198.18.2.2:4444/session/abc/se/bidi"})
	if ws, err := ff.BiDi(); err != nil || ws != "ws://198.18.2.2:4444/session/abc/se/bidi" {
		t.Errorf("BiDi() = %q, %v; want the session's webSocketUrl", ws, err)
	}
	if ff.BrowserName() != "firefox" || ff.BrowserVersion() != "140.5.0esr" || ff.PlatformName() != "linux" {
		t.Errorf("the session's browser = %s %s %s, want firefox 140.5.0esr linux", ff.BrowserName(), ff.BrowserVersion(), ff.PlatformName())
	}
	if _, err := session("http://198.18.2.2:4444", map[string]any{"browserName": "chrome"}).BiDi(); err == nil || !strings.Contains(err.Error(), "no WebDriver BiDi") {
		t.Errorf("BiDi() of a session without webSocketUrl: %v, want an error", err)
	}
}

func TestMergeGTKOptionsKeepsTheGivenArguments(t *testing.T) {
	ours := map[string]any{"args": []string{"--proxy=http://198.18.2.1:3128"}, "binary": "/usr/bin/MiniBrowser"}
	got := mergeGTKOptions(map[string]any{"args": []any{"--enable-write-console-messages-to-stdout"}, "other": 1}, ours)
	args, _ := got["args"].([]any)
	if len(args) != 2 || args[0] != "--enable-write-console-messages-to-stdout" || args[1] != "--proxy=http://198.18.2.1:3128" {
		t.Errorf("args = %#v, want the given one then ours", got["args"])
	}
	if got["binary"] != "/usr/bin/MiniBrowser" || got["other"] != 1 {
		t.Errorf("mergeGTKOptions = %v, want our binary and the given keys kept", got)
	}
	if got := mergeGTKOptions(nil, map[string]any{"args": []string{"--a"}}); len(got["args"].([]any)) != 1 {
		t.Errorf("mergeGTKOptions(nil) = %v, want ours alone", got)
	}
}

package main

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/harness"
)

func TestCAWritesACAThatRemoteRunsRead(t *testing.T) {
	dir := t.TempDir()
	out, cert := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca.crt")
	if code, _, stderr := cli(t, "ca", "--out", out, "--cert", cert, "--days", "2"); code != exitOK {
		t.Fatalf("ca: exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := harness.ParseCA(data); err != nil {
		t.Errorf("the CA file does not read back: %v", err)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the CA file (with its key) must be 0600: %v %v", fi.Mode(), err)
	}
	certData, _ := os.ReadFile(cert)
	if strings.Contains(string(certData), "PRIVATE KEY") || !strings.Contains(string(certData), "CERTIFICATE") {
		t.Errorf("--cert must hold the certificate alone:\n%s", certData)
	}
}

func TestRemoteFlagsUsageErrors(t *testing.T) {
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if code, _, stderr := cli(t, "ca", "--out", caFile); code != exitOK {
		t.Fatalf("ca: exit %d: %s", code, stderr)
	}
	for _, tc := range []struct {
		desc string
		args []string
		want string
	}{
		{desc: "no --listen, no --remote-ca", args: []string{"--remote", "chromium=http://198.18.2.2:9222"}, want: "--remote needs --listen ADDR"},
		{desc: "--listen without --remote", args: []string{"--listen", "198.18.2.1"}, want: "--remote ENGINE=URL, which is missing"},
		{desc: "an unspecified listen address", args: []string{"--remote", "chromium=http://198.18.2.2:9222", "--listen", "0.0.0.0", "--remote-ca", caFile}, want: "names no host"},
		{desc: "a host name to listen on", args: []string{"--remote", "chromium=http://198.18.2.2:9222", "--listen", "example.com", "--remote-ca", caFile}, want: "want an IP address"},
		{desc: "an engine without remote support", args: []string{"--remote", "edge=http://198.18.2.2:4444", "--listen", "198.18.2.1", "--remote-ca", caFile}, want: `a remote "edge" is not supported`},
		{desc: "a remote webkit named by a host name", args: []string{"--remote", "webkit=http://mac.example.test:4444", "--listen", "198.18.2.1", "--remote-ca", caFile}, want: "name the driver's host by its IP address"},
		{desc: "a remote webkit over ws", args: []string{"--remote", "webkit=ws://198.18.2.2:4444", "--listen", "198.18.2.1", "--remote-ca", caFile}, want: "want the driver's http://IP:PORT"},
		{desc: "no URL", args: []string{"--remote", "chromium", "--listen", "198.18.2.1", "--remote-ca", caFile}, want: "want ENGINE=URL"},
		{desc: "a remote engine not in --browsers", args: []string{"--browsers", "chromium", "--remote", "firefox=ws://198.18.2.2:9222/session", "--listen", "198.18.2.1", "--remote-ca", caFile}, want: "firefox is not in --browsers"},
		{desc: "--capability without webdriver=", args: []string{"--remote", "chromium=http://198.18.2.2:9222", "--capability", "browserVersion=126", "--listen", "198.18.2.1", "--remote-ca", caFile}, want: "--capability is for the sessions of --remote webdriver=URL"},
		{desc: "--capability without --remote", args: []string{"--capability", "browserVersion=126"}, want: "which is missing"},
		{desc: "a capability that is not KEY=VALUE", args: []string{"--remote", "webdriver=http://198.18.2.2:4444", "--capability", "browserVersion", "--listen", "198.18.2.1", "--remote-ca", caFile}, want: "want [ENGINE/]KEY=VALUE"},
		{desc: "a capability for no engine", args: []string{"--remote", "webdriver=http://198.18.2.2:4444", "--capability", "edge/browserVersion=1", "--listen", "198.18.2.1", "--remote-ca", caFile}, want: `"edge" is not an engine`},
		{desc: "a capability for an engine not on the grid", args: []string{"--remote", "webdriver=http://198.18.2.2:4444", "--capability", "firefox/browserVersion=128", "--listen", "198.18.2.1", "--remote-ca", caFile}, want: "firefox gets no session"},
		{desc: "a capability that is bad JSON", args: []string{"--remote", "webdriver=http://198.18.2.2:4444", "--capability", "goog:chromeOptions={args:1}", "--listen", "198.18.2.1", "--remote-ca", caFile}, want: "not JSON"},
		{desc: "a capability given twice", args: []string{"--remote", "webdriver=http://198.18.2.2:4444", "--capability", "browserVersion=1", "--capability", "browserVersion=2", "--listen", "198.18.2.1", "--remote-ca", caFile}, want: "browserVersion is given twice"},
		{desc: "two grids", args: []string{"--remote", "webdriver=http://198.18.2.2:4444", "--remote", "webdriver=http://198.18.2.3:4444", "--listen", "198.18.2.1", "--remote-ca", caFile}, want: "two webdriver= endpoints"},
		{desc: "a grid serving nothing", args: []string{"--browsers", "chromium", "--remote", "chromium=http://198.18.2.2:9222", "--remote", "webdriver=http://198.18.2.2:4444", "--listen", "198.18.2.1", "--remote-ca", caFile}, want: "the grid would serve none"},
		{desc: "a grid over ws", args: []string{"--remote", "webdriver=ws://198.18.2.2:4444", "--listen", "198.18.2.1", "--remote-ca", caFile}, want: "ws"},
		{desc: "webkit on a grid named by host name", args: []string{"--browsers", "webkit", "--remote", "webdriver=http://grid.example.test:4444", "--listen", "198.18.2.1", "--remote-ca", caFile}, want: "name the driver's host by its IP address"},
		{desc: "a CA file without its key", args: []string{"--remote", "chromium=http://198.18.2.2:9222", "--listen", "198.18.2.1", "--remote-ca", writeCert(t, caFile)}, want: "PRIVATE KEY"},
	} {
		for _, cmd := range [][]string{{"run"}, {"check", "--policy", "no-such-policy.yaml", "--target", "https://api.example.test"}} {
			code, _, stderr := cli(t, append(cmd, tc.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("%s %s: exit %d, stderr %q; want exit %d naming %q", cmd[0], tc.desc, code, stderr, exitUsage, tc.want)
			}
		}
	}
}

func TestRemoteWebDriverServesTheEnginesWithoutAnAddress(t *testing.T) {
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if code, _, stderr := cli(t, "ca", "--out", caFile); code != exitOK {
		t.Fatalf("ca: exit %d: %s", code, stderr)
	}
	resolve := func(args ...string) ([]corsproof.Engine, map[corsproof.Engine]*harness.RemoteConfig) {
		t.Helper()
		fs := flag.NewFlagSet("run", flag.ContinueOnError)
		browsers := fs.String("browsers", "chromium", "")
		var r remoteFlags
		r.register(fs)
		if err := fs.Parse(append(args, "--listen", "198.18.2.1", "--remote-ca", caFile)); err != nil {
			t.Fatal(err)
		}
		engines, err := corsproof.ParseEngines(*browsers, "--browsers")
		if err != nil {
			t.Fatal(err)
		}
		engines, remotes, err := r.resolve(fs, engines)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		return engines, remotes
	}

	// Without --browsers, the grid serves chromium.
	engines, remotes := resolve("--remote", "webdriver=http://198.18.2.2:4444/wd/hub", "--capability", "browserVersion=156", "--capability", "se:recordVideo=false")
	if !slices.Equal(engines, []corsproof.Engine{corsproof.Chromium}) {
		t.Errorf("engines = %v, want [chromium]", engines)
	}
	rc := remotes[corsproof.Chromium]
	if rc == nil || rc.URL != "http://198.18.2.2:4444/wd/hub" || rc.Capabilities["browserVersion"] != "156" || rc.Capabilities["se:recordVideo"] != false {
		t.Errorf("chromium's remote = %+v, want the grid with browserVersion \"156\" and se:recordVideo false", rc)
	}

	// With --browsers, it serves those without their own --remote, each
	// with the shared capabilities and its own over them.
	engines, remotes = resolve("--browsers", "chromium,firefox,webkit",
		"--remote", "firefox=ws://198.18.2.3:9222/session", "--remote", "webdriver=http://198.18.2.2:4444",
		"--capability", "platformName=linux", "--capability", `chromium/goog:chromeOptions={"args":["--headless=new"]}`,
		"--capability", "webkit/browserName=MiniBrowser", "--capability", "webkit/platformName=mac")
	if len(engines) != 3 {
		t.Errorf("engines = %v, want the three of --browsers", engines)
	}
	if ff := remotes[corsproof.Firefox]; ff == nil || ff.URL != "ws://198.18.2.3:9222/session" || ff.Capabilities != nil {
		t.Errorf("firefox's remote = %+v, want its own address and no session capabilities", ff)
	}
	ch := remotes[corsproof.Chromium]
	if ch == nil || ch.URL != "http://198.18.2.2:4444" || ch.Capabilities["platformName"] != "linux" {
		t.Fatalf("chromium's remote = %+v, want the grid with platformName linux", ch)
	}
	if opts, _ := ch.Capabilities["goog:chromeOptions"].(map[string]any); opts == nil || len(opts["args"].([]any)) != 1 {
		t.Errorf("chromium's goog:chromeOptions = %#v, want the JSON object", ch.Capabilities["goog:chromeOptions"])
	}
	wk := remotes[corsproof.WebKit]
	if wk == nil || wk.Capabilities["browserName"] != "MiniBrowser" || wk.Capabilities["platformName"] != "mac" {
		t.Errorf("webkit's remote = %+v, want browserName MiniBrowser and its own platformName over the shared one", wk)
	}
	if _, ok := ch.Capabilities["browserName"]; ok {
		t.Errorf("chromium's browserName is the harness's default to set, not the CLI's: %v", ch.Capabilities)
	}
}

// writeCert writes the certificate of the CA in caFile alone.
func writeCert(t *testing.T, caFile string) string {
	t.Helper()
	data, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := harness.ParseCA(data)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(p, ca.CertificatePEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

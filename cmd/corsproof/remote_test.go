package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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

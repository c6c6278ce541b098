package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/internal/testpki"
)

// check --ca against staging servers of a private PKI on 127.0.0.1, in the
// three engines: the CA is a trust anchor in each (Chromium's and Firefox's
// NSS databases, WebKit's proxy), so a server that sends its leaf alone
// passes as well as one that sends the chain; a server of a CA not given
// is refused before any browser starts, naming its issuer and --ca.
func TestCheckWithAPrivateCA(t *testing.T) {
	checkNeedAllEngines(t)
	testenv.Found(t, "certutil", browser.FindCertutil)
	pol := checkWriteFile(t, "policy.yaml", checkPolicy)
	root := testpki.NewRoot(t, "corsproof Staging Root CA")
	inter := root.Intermediate(t, "corsproof Staging Intermediate")
	caFile := testpki.WritePEM(t, "ca.pem", root.Cert)

	serve := func(ca *testpki.CA, chain ...*testpki.CA) string {
		leaf, key := ca.Leaf(t, time.Time{}, "127.0.0.1")
		cert := testpki.ServerCert(leaf, key)
		for _, c := range chain {
			cert.Certificate = append(cert.Certificate, c.Cert.Raw)
		}
		return "https://" + testpki.Serve(t, checkAPI{}, cert)
	}
	for _, tt := range []struct{ desc, target string }{
		{"a server that sends only its leaf", serve(root)},
		{"a server that sends its leaf and intermediate", serve(inter, inter)},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			report := filepath.Join(t.TempDir(), "report.json")
			code, stdout, stderr := checkCLI(t, nil, "check", "--policy", pol, "--target", tt.target, "--ca", caFile,
				"--methods", "GET", "--browsers", "chromium,firefox,webkit", "--json", report)
			if code != exitOK {
				t.Errorf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			r := readJSONReport[crossReport](t, report)
			if len(r.Runs) != 3 {
				t.Fatalf("%d engines in the report, want 3", len(r.Runs))
			}
			for _, eng := range r.Runs {
				if eng.Error != "" || len(eng.Results) == 0 {
					t.Errorf("%s did not run: %s", eng.Engine, eng.Error)
				}
				for _, res := range eng.Results {
					if res.Verdict != "pass" {
						t.Errorf("%s: %s: %s: %s", eng.Engine, res.ID, res.Verdict, res.Explanation)
					}
				}
			}
		})
	}

	other := testpki.NewRoot(t, "Somebody Else's CA")
	stranger := serve(other)
	for _, tt := range []struct {
		desc string
		args []string
		want []string
	}{
		{"a server of another CA, no --ca", nil, []string{"never weakens", "--ca FILE"}},
		{"a server of another CA, the private CA as --ca", []string{"--ca", caFile}, []string{"--ca certificate does not make"}},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			args := append([]string{"check", "--policy", pol, "--target", stranger, "--browsers", "chromium,firefox,webkit"}, tt.args...)
			code, stdout, stderr := checkCLI(t, nil, args...)
			if code != exitInfra {
				t.Errorf("exit %d, want 3\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			for _, want := range append([]string{`it presented "127.0.0.1" (IP:127.0.0.1), issued by "Somebody Else's CA"`}, tt.want...) {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			t.Log(stderr)
		})
	}
}

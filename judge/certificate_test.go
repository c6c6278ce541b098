package judge

import (
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
)

func TestARefusedCertificateIsDescribedWithWhatFixesIt(t *testing.T) {
	leafOnly := &ServerCertificate{Subject: "api.staging.test", Names: []string{"DNS:api.staging.test"}, Issuer: "Staging CA", Top: "Staging CA", Sent: 1,
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
	chain := &ServerCertificate{Subject: "api.staging.test", Names: []string{"DNS:api.staging.test"}, Issuer: "Staging Intermediate", Top: "Staging Root", Sent: 2}
	self := &ServerCertificate{Subject: "localhost", Issuer: "localhost", Top: "localhost", SelfSigned: true, Sent: 1}
	for _, tt := range []struct {
		desc         string
		engine       corsproof.Engine
		code         string
		cert         *ServerCertificate
		want, unwant []string
	}{
		{"chromium, a private CA's leaf sent alone", corsproof.Chromium, "net::ERR_CERT_AUTHORITY_INVALID", leafOnly,
			[]string{`chromium refused the server's certificate (net::ERR_CERT_AUTHORITY_INVALID)`, `"api.staging.test" (DNS:api.staging.test)`,
				`issued by "Staging CA", sent alone`, `if "Staging CA" is a private CA, pass its certificate with --ca FILE`, "no CORS header was tested"}, nil},
		{"firefox, a chain up to a root it does not know", corsproof.Firefox, "SEC_ERROR_UNKNOWN_ISSUER", chain,
			[]string{`issued by "Staging Intermediate", sent with 1 more certificate up to one issued by "Staging Root"`, `if "Staging Root" is a private CA`}, nil},
		{"self-signed", corsproof.Chromium, "net::ERR_CERT_AUTHORITY_INVALID", self,
			[]string{`"localhost" (no subject alternative names), self-signed`, "if this self-signed certificate is your staging server's own, pass it with --ca FILE"}, nil},
		{"a wrong name is no matter of trust", corsproof.Chromium, "net::ERR_CERT_COMMON_NAME_INVALID", leafOnly,
			[]string{`"api.staging.test" (DNS:api.staging.test)`, "your users' chromium would refuse this certificate too"}, []string{"--ca"}},
		{"an expired certificate says its dates", corsproof.Chromium, "net::ERR_CERT_DATE_INVALID", leafOnly,
			[]string{"valid from 2026-01-01T00:00:00Z to 2026-02-01T00:00:00Z"}, []string{"--ca"}},
		{"the certificate could not be read", corsproof.Chromium, "net::ERR_CERT_AUTHORITY_INVALID", nil,
			[]string{"(net::ERR_CERT_AUTHORITY_INVALID); no CORS header was tested: if a private CA signed it, pass that CA's certificate with --ca FILE"}, nil},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			msg := certError(Input{URL: "https://api.staging.test/x", Engine: tt.engine, Certificate: tt.cert}, tt.code).Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("lacks %q: %s", w, msg)
				}
			}
			for _, w := range tt.unwant {
				if strings.Contains(msg, w) {
					t.Errorf("has %q: %s", w, msg)
				}
			}
		})
	}

	// Through Judge: an error, never a CORS verdict.
	res := Judge(Input{Scenario: corsproof.Scenario{ID: "s"}, URL: "https://api.staging.test/x", Engine: corsproof.Chromium, Certificate: leafOnly,
		Fetches: []Fetch{{Observation: corsproof.Observation{NetError: "net::ERR_CERT_AUTHORITY_INVALID", Error: "TypeError: Failed to fetch"}}}})
	if res.Verdict != corsproof.VerdictError || !strings.Contains(res.Explanation, `issued by "Staging CA"`) {
		t.Errorf("%s: %s", res.VerdictLabel(), res.Explanation)
	}
}

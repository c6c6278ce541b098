package scenarios

import (
	"testing"

	"github.com/corsproof/corsproof/policy"
)

func TestSameSiteAPIOriginSharesTheFirstExactHTTPSOriginsSite(t *testing.T) {
	for _, c := range []struct {
		origins []string
		want    string
	}{
		{[]string{"https://app.example.com"}, "https://corsproof-api.example.com"},
		{[]string{"https://example.com"}, "https://corsproof-api.example.com"},
		{[]string{"https://a.b.example.co.uk"}, "https://corsproof-api.b.example.co.uk"},
		// Patterns, plain http and IP addresses have no site to share.
		{[]string{"https://*.example.com", "http://app.other.com", "https://127.0.0.1:8443", "https://app.third.com"}, "https://corsproof-api.third.com"},
		{[]string{"https://*.example.com"}, "https://api.corsproof.test"},
		{nil, "https://api.corsproof.test"},
	} {
		if got := SameSiteAPIOrigin(&policy.Policy{Rules: policy.Rules{Origins: c.origins}}); got != c.want {
			t.Errorf("SameSiteAPIOrigin(%q) = %s, want %s", c.origins, got, c.want)
		}
	}
}

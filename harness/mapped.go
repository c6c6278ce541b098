package harness

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/corsproof/corsproof"
)

// MappedTopology is a topology whose listeners another process serves (a
// reproduction's replay server, corsproof repro --run --browsers): rules
// map each "host:port" the browser sees to a loopback listener of that
// process, whose certificates ca signs with its leaf key (see CA.PEM).
// Launch then starts any engine for it as for a run: Chromium by host
// rules and ca's pins, Firefox and WebKit behind the run's proxy, Firefox
// trusting ca. Close stops nothing: the listeners are not the
// topology's.
func MappedTopology(ca *CA, rules map[string]string) *Topology {
	hr := make(map[string]string, len(rules))
	for k, v := range rules {
		hr[k] = v
	}
	return &Topology{CA: ca, sites: map[string]corsproof.Site{}, hostRules: hr}
}

// PEM is the CA's certificate, its key and the key its leaves share, in
// that order in one PEM file, for a server in another process to sign its
// own leaf with (MappedTopology): a browser launched for the run then
// trusts that server's certificates exactly as it trusts the run's own.
func (ca *CA) PEM() ([]byte, error) {
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.certDER})
	for _, k := range []any{ca.key, ca.leafKey} {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return nil, fmt.Errorf("ca key: %w", err)
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})...)
	}
	return out, nil
}

package audit

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/corsproof/corsproof"
)

// Origin classes that are not harness.CraftedSites classes.
const (
	ClassArbitrary   = "arbitrary"
	ClassNull        = "null"
	ClassDowngrade   = "downgrade"
	ClassOtherPort   = "other-port"
	ClassSpecialChar = "special-char"
	ClassThirdParty  = "third-party"
)

// ArbitraryOrigin is the origin of the "arbitrary origin reflected" probe: a
// site no allow-list has a reason to name.
const ArbitraryOrigin = "https://evil.test"

// thirdParties are hosting sites where anyone can serve a page: allowing them
// is allowing everyone.
var thirdParties = []string{"https://whatever.github.io", "https://codepen.io", "https://jsfiddle.net"}

// specialChars are the characters scanners put between the trusted host and
// an attacker domain. Some browsers once accepted a few of them in host
// names (Safari: ` { } | and others); servers that cut the host at the first
// non-alphanumeric character or match with a lax regexp allow them. Only a
// plain client can send them today.
var specialChars = []string{"_", "%60", "`", "$", "{", "}", "|", "!", "~", "'", "\"", "&", "=", "+", "^"}

// Attacker is an origin the server should not allow, with its class.
type Attacker struct {
	Class  string
	Origin string
	// Browser: a real page can have this origin (the browser run can probe
	// it too); false for the values only a plain client can send.
	Browser bool
}

// globalAttackers do not depend on the trusted origin.
func globalAttackers() []Attacker {
	out := []Attacker{
		{Class: ClassArbitrary, Origin: ArbitraryOrigin, Browser: true},
		{Class: ClassNull, Origin: "null", Browser: true},
	}
	for _, o := range thirdParties {
		out = append(out, Attacker{Class: ClassThirdParty, Origin: o, Browser: true})
	}
	return out
}

// derivedAttackers are the crafted origins of one trusted origin: the
// browser-valid classes of harness.CraftedSites, the scheme downgrade, another
// port and the special-character variants.
func derivedAttackers(trusted string) ([]Attacker, error) {
	sites, err := corsproof.CraftedSites(trusted)
	if err != nil {
		return nil, err
	}
	var out []Attacker
	for _, s := range sites {
		out = append(out, Attacker{Class: string(s.Class), Origin: s.Origin, Browser: true})
	}
	u, _ := url.Parse(trusted) // CraftedSites parsed it already
	host, port := u.Hostname(), u.Port()
	if u.Scheme == "https" {
		out = append(out, Attacker{Class: ClassDowngrade, Origin: "http://" + u.Host, Browser: true})
	}
	other := "8443"
	if port == other {
		other = "8444"
	} else if p, err := strconv.Atoi(port); err == nil {
		other = strconv.Itoa(p + 1)
	}
	out = append(out, Attacker{Class: ClassOtherPort, Origin: fmt.Sprintf("%s://%s:%s", u.Scheme, host, other), Browser: true})
	withPort := func(h string) string {
		if port != "" {
			return h + ":" + port
		}
		return h
	}
	for _, c := range specialChars {
		out = append(out, Attacker{Class: ClassSpecialChar, Origin: u.Scheme + "://" + withPort(host+c+".evil.test")})
	}
	return out, nil
}

// Attackers are the origins an audit sends as untrusted for the trusted
// ones: the arbitrary origin, null and the shared-hosting sites, then each
// trusted origin's crafted look-alikes, each once, none of them trusted.
// corsproof infer probes the same set.
func Attackers(trusted []string) ([]Attacker, error) {
	seen := map[string]bool{}
	for _, t := range trusted {
		seen[t] = true
	}
	var out []Attacker
	add := func(at Attacker) {
		if !seen[at.Origin] {
			seen[at.Origin] = true
			out = append(out, at)
		}
	}
	for _, at := range globalAttackers() {
		add(at)
	}
	for _, t := range trusted {
		derived, err := derivedAttackers(t)
		if err != nil {
			return nil, err
		}
		for _, at := range derived {
			add(at)
		}
	}
	return out, nil
}

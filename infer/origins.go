package infer

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/corsproof/corsproof/audit"
)

// probeLabel is the label of the subdomains infer makes up to test whether
// every subdomain of a trusted origin's parent domain is accepted.
const probeLabel = "corsproof-infer"

// localOrigins are the development servers' usual origins, guessed when
// the user names none: an API that still trusts one of them says so.
var localOrigins = []string{"http://localhost:3000", "http://localhost:5173", "http://localhost:8080", "http://localhost:4200"}

// trustedOrigins are the candidates to probe as trusted: the user's (a
// pattern becomes one made-up subdomain, marked synthetic), else guesses
// from the target's host and the local development origins.
func trustedOrigins(user []string, target *url.URL) ([]string, map[string]bool, error) {
	synthetic := map[string]bool{}
	var out []string
	add := func(o string) {
		for _, x := range out {
			if x == o {
				return
			}
		}
		out = append(out, o)
	}
	for _, o := range user {
		if o == "null" {
			add(o)
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return nil, nil, &ConfigError{fmt.Sprintf("--origin %q is not an origin (scheme://host[:port] or https://*.example.com), e.g. https://app.example.com", o)}
		}
		host := strings.ToLower(u.Host)
		if rest, ok := strings.CutPrefix(host, "*."); ok {
			concrete := u.Scheme + "://" + probeLabel + "." + rest
			synthetic[concrete] = true
			add(concrete)
			continue
		}
		if strings.Contains(host, "*") {
			return nil, nil, &ConfigError{fmt.Sprintf("--origin %q: a pattern is https://*.example.com, with * as the whole first label", o)}
		}
		add(u.Scheme + "://" + host)
	}
	if len(out) > 0 {
		return out, synthetic, nil
	}
	if h := target.Hostname(); net.ParseIP(h) == nil && strings.Count(h, ".") >= 1 && h != "localhost" {
		labels := strings.Split(h, ".")
		apex := strings.Join(labels[len(labels)-2:], ".")
		for _, o := range []string{"https://" + apex, "https://www." + apex, "https://app." + apex} {
			if o != target.Scheme+"://"+target.Host {
				add(o)
			}
		}
	}
	for _, o := range localOrigins {
		add(o)
	}
	return out, synthetic, nil
}

// parts splits an origin into scheme, host and port ("" for the default).
func parts(o string) (scheme, host, port string, ok bool) {
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return "", "", "", false
	}
	return u.Scheme, u.Hostname(), u.Port(), true
}

// parentOf is the domain whose every subdomain a pattern would allow:
// the host without its first label, when at least two labels remain.
func parentOf(o string) (scheme, parent, port string, ok bool) {
	scheme, host, port, ok := parts(o)
	if !ok || net.ParseIP(host) != nil {
		return "", "", "", false
	}
	labels := strings.Split(host, ".")
	if len(labels) < 3 {
		return "", "", "", false
	}
	return scheme, strings.Join(labels[1:], "."), port, true
}

func withPort(scheme, host, port string) string {
	if port != "" {
		return scheme + "://" + host + ":" + port
	}
	return scheme + "://" + host
}

// covered: origin is a subdomain, at any depth, of parent (pattern
// scheme://*.parent[:port]).
func covered(origin, scheme, parent, port string) bool {
	s, h, p, ok := parts(origin)
	return ok && s == scheme && p == port && strings.HasSuffix(h, "."+parent)
}

// bugOf names the real-world bug an accepted attacker origin of class is,
// as the mock's fault gallery does, and how the check goes wrong.
func bugOf(class string) (bug, how string) {
	switch class {
	case audit.ClassNull:
		return "allow-null", "any site can send Origin: null from a sandboxed iframe or a data: URL"
	case "prefix", "post-domain":
		return "prefix-match", "a prefix match (startsWith, re.match), not a whole-origin comparison"
	case "suffix", "substring":
		return "suffix-match", "a suffix match without a dot boundary (endsWith), not a whole-origin comparison"
	case "pre-domain":
		return "subdomain-too-broad", "the parent domain matched without a dot boundary: anyone can register this name"
	case "unescaped-dot":
		return "unescaped-dot", "a regexp whose dots are not escaped"
	case audit.ClassDowngrade:
		return "http-origin-accepted", "the scheme is not compared: a plain-http page, which a network attacker can inject into, reads the API"
	case audit.ClassOtherPort:
		return "other-port-accepted", "the port is not compared: another service on the host reads the API"
	case "arbitrary-subdomain":
		return "subdomain-too-broad", "any subdomain of a trusted host is accepted, and any XSS on one reads the API"
	case audit.ClassSpecialChar:
		return "special-char-accepted", "a lax regexp or a host cut at the first odd character"
	case audit.ClassThirdParty:
		return "third-party-accepted", "anyone can publish a page on this shared hosting site"
	case "localhost-prefix":
		return "prefix-match", "a match on a part of the host"
	}
	return "", "the origin check is too loose"
}

package harness

import (
	"fmt"
	"net/url"
	"strings"
)

// The embedded mock's network. The page a user trusts lives at
// app.example.test, the API at api.example.test: same site, cross origin,
// like most SPA + API deployments, so credentialed requests keep their cookie
// under Chrome's third-party cookie blocking.
const (
	MockAPIOrigin      = "https://api.example.test"
	MockAPI2Origin     = "https://api2.example.test" // same site, another origin (redirect hops)
	MockAPIOtherOrigin = "https://api.other.test"    // another site (redirect hops)
	MockAppOrigin      = "https://app.example.test"
)

// Site classes.
const (
	ClassAllowed   = "allowed"
	ClassSameSite  = "same-site"
	ClassCrossSite = "cross-site"
	ClassDowngrade = "downgrade"
	ClassOtherPort = "other-port"
	ClassNull      = "null"
)

// CraftedSites derives the attacker origins of the scanners' crafted-origin
// classes (misconfigurations.md) from a trusted origin. Only origins a browser
// can really have are listed: host names, no backticks or braces.
func CraftedSites(trusted string) ([]Site, error) {
	u, err := url.Parse(trusted)
	if err != nil || u.Host == "" || u.Scheme == "" {
		return nil, fmt.Errorf("crafted origins: %q is not an origin", trusted)
	}
	host, port := u.Hostname(), u.Port()
	withPort := func(h string) string {
		if port != "" {
			return h + ":" + port
		}
		return h
	}
	scheme := u.Scheme + "://"
	labels := strings.Split(host, ".")
	parent := host
	if len(labels) > 2 {
		parent = strings.Join(labels[1:], ".")
	}
	first := labels[0]
	dotless := strings.Replace(host, ".", "x", 1)
	substring := host[1:]
	if len(labels) > 2 {
		substring = parent[1:]
	}
	sites := []Site{
		{Name: "crafted-prefix", Class: "prefix", Origin: scheme + withPort(host+".evil.test")},
		{Name: "crafted-post-domain", Class: "post-domain", Origin: scheme + withPort(host+".tk")},
		{Name: "crafted-suffix", Class: "suffix", Origin: scheme + withPort("evil"+host)},
		{Name: "crafted-pre-domain", Class: "pre-domain", Origin: scheme + withPort("evil"+parent)},
		{Name: "crafted-not-prefix", Class: "suffix", Origin: scheme + withPort("not"+first+"."+parent)},
		{Name: "crafted-substring", Class: "substring", Origin: scheme + withPort(substring)},
		{Name: "crafted-unescaped-dot", Class: "unescaped-dot", Origin: scheme + withPort(dotless)},
		{Name: "crafted-subdomain", Class: "arbitrary-subdomain", Origin: scheme + withPort("evil."+host)},
		{Name: "crafted-localhost", Class: "localhost-prefix", Origin: scheme + withPort("localhost.evil.test")},
	}
	return sites, nil
}

// MockSites are the origin pages of the embedded mock's catalog.
func MockSites() []Site {
	sites := []Site{
		{Name: "app", Class: ClassAllowed, Origin: MockAppOrigin},
		{Name: "sibling", Class: ClassSameSite, Origin: "https://www.example.test"},
		{Name: "evil", Class: ClassCrossSite, Origin: "https://evil.test"},
		{Name: "downgrade", Class: ClassDowngrade, Origin: "http://app.example.test"},
		{Name: "other-port", Class: ClassOtherPort, Origin: "https://app.example.test:8443"},
		{Name: "null", Class: ClassNull, Origin: "null", Host: "https://sandbox.evil.test", Sandboxed: true},
	}
	crafted, _ := CraftedSites(MockAppOrigin)
	return append(sites, crafted...)
}

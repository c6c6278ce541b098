package corsproof

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Site is an origin a page is served from. Pages are tiny: they only run
// what the browser package injects.
type Site struct {
	// Name identifies the site in scenarios and reports ("app", "evil").
	Name string `json:"name"`
	// Origin is the serialized origin the page has, as the server sees it
	// in the Origin header: "https://app.example.test", or "null".
	Origin string `json:"origin"`
	// Class says why the site is there.
	Class SiteClass `json:"class"`
	// Host is the origin the page is really served from; for a null site
	// the sandboxed document's URL origin. Empty means Origin.
	Host string `json:"host,omitempty"`
	// Sandboxed pages have an opaque origin (CSP sandbox).
	Sandboxed bool `json:"sandboxed,omitempty"`
}

// Served is the origin the page is loaded from: Host, or else Origin.
func (s Site) Served() string {
	if s.Host != "" {
		return s.Host
	}
	return s.Origin
}

// SiteClass says why a site is in a run: a page the policy allows, or an
// attacker of some kind.
type SiteClass string

// Site classes of the catalog and of a live check.
const (
	ClassAllowed   SiteClass = "allowed"
	ClassSameSite  SiteClass = "same-site"
	ClassCrossSite SiteClass = "cross-site"
	ClassDowngrade SiteClass = "downgrade"
	ClassOtherPort SiteClass = "other-port"
	ClassNull      SiteClass = "null"
)

// The crafted-origin classes of the scanners (docs/misconfigurations.md):
// each is an origin a careless origin check accepts.
const (
	ClassPrefix             SiteClass = "prefix"              // https://app.example.test.evil.test
	ClassPostDomain         SiteClass = "post-domain"         // https://app.example.test.tk
	ClassSuffix             SiteClass = "suffix"              // https://evilapp.example.test
	ClassPreDomain          SiteClass = "pre-domain"          // https://evilexample.test
	ClassSubstring          SiteClass = "substring"           // https://xample.test
	ClassUnescapedDot       SiteClass = "unescaped-dot"       // https://appxexample.test
	ClassArbitrarySubdomain SiteClass = "arbitrary-subdomain" // https://evil.app.example.test
	ClassLocalhostPrefix    SiteClass = "localhost-prefix"    // https://localhost.evil.test
	ClassPatternApex        SiteClass = "pattern-apex"        // https://example.com for https://*.example.com
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
	MockEvilOrigin     = "https://evil.test" // a cross-site attacker's page
)

// MockAPIOrigins are every origin the embedded mock answers under.
var MockAPIOrigins = []string{MockAPIOrigin, MockAPI2Origin, MockAPIOtherOrigin}

// CraftedSites derives the attacker origins of the scanners' crafted-origin
// classes (docs/misconfigurations.md) from a trusted origin. Only origins a
// browser can really have are listed: host names, no backticks or braces.
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
		{Name: "crafted-prefix", Class: ClassPrefix, Origin: scheme + withPort(host+".evil.test")},
		{Name: "crafted-post-domain", Class: ClassPostDomain, Origin: scheme + withPort(host+".tk")},
		{Name: "crafted-suffix", Class: ClassSuffix, Origin: scheme + withPort("evil"+host)},
		{Name: "crafted-pre-domain", Class: ClassPreDomain, Origin: scheme + withPort("evil"+parent)},
		{Name: "crafted-not-prefix", Class: ClassSuffix, Origin: scheme + withPort("not"+first+"."+parent)},
		{Name: "crafted-substring", Class: ClassSubstring, Origin: scheme + withPort(substring)},
		{Name: "crafted-unescaped-dot", Class: ClassUnescapedDot, Origin: scheme + withPort(dotless)},
		{Name: "crafted-subdomain", Class: ClassArbitrarySubdomain, Origin: scheme + withPort("evil."+host)},
		{Name: "crafted-localhost", Class: ClassLocalhostPrefix, Origin: scheme + withPort("localhost.evil.test")},
	}
	return sites, nil
}

// MockSites are the origin pages of the embedded mock's catalog.
func MockSites() []Site {
	sites := []Site{
		{Name: "app", Class: ClassAllowed, Origin: MockAppOrigin},
		{Name: "sibling", Class: ClassSameSite, Origin: "https://www.example.test"},
		{Name: "evil", Class: ClassCrossSite, Origin: MockEvilOrigin},
		{Name: "downgrade", Class: ClassDowngrade, Origin: "http://app.example.test"},
		{Name: "other-port", Class: ClassOtherPort, Origin: "https://app.example.test:8443"},
		{Name: "null", Class: ClassNull, Origin: "null", Host: "https://sandbox.evil.test", Sandboxed: true},
	}
	crafted, _ := CraftedSites(MockAppOrigin)
	return append(sites, crafted...)
}

// SafeName is s with every byte that is not a letter, digit, '-', '_' or
// '.' replaced by '_': safe in a URL query and as a file name.
func SafeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

// HostPort is u's "host:port", with the scheme's default port when u has
// none (IPv6 literals in brackets).
func HostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// PathSlug names a URL path in scenario ids: its Slug ("/api/items/1" is
// "api-items-1"), or "root" for "/".
func PathSlug(p string) string {
	if s := Slug(p); s != "" {
		return s
	}
	return "root"
}

// Slug names a method, path, origin or header in scenario ids: lowercase,
// every run of characters other than letters and digits one dash.
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	return b.String()
}

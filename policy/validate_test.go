package policy

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestValidateGoPolicyHasNoLocation(t *testing.T) {
	yes := true
	tests := []struct {
		desc   string
		policy Policy
		want   []string
	}{
		{
			desc:   "missing origins",
			policy: Policy{},
			want:   []string{"origins: is required; write `origins: []` for a policy that allows no origin"},
		},
		{
			desc:   "explicitly empty origins",
			policy: Policy{Rules: Rules{Origins: []string{}}},
		},
		{
			desc: "every problem at once",
			policy: Policy{
				Rules:     Rules{Origins: []string{"https://a.example.test/", "*"}},
				Endpoints: []Endpoint{{Path: "/a", Methods: []string{"track"}}},
				Routes:    []Route{{Prefix: "/b/", Credentials: &yes}},
			},
			want: []string{
				`origins: "https://a.example.test/": trailing slash: browsers send origins without one, so it would never match`,
				`origins: "*": cannot be mixed with other origins: "*" allows every origin already`,
				`endpoints[0].methods: "track": forbidden method: browsers refuse to send it (fetch throws a TypeError)`,
				`routes[0].credentials: "true": conflicts with origins "*" inherited from the policy: browsers reject a wildcard Access-Control-Allow-Origin on credentialed requests`,
			},
		},
		{
			desc:   "the default policy",
			policy: *Default(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			checkProblems(t, tt.policy.Validate(), tt.want)
		})
	}
}

func TestOriginProblem(t *testing.T) {
	tests := []struct {
		origin string
		want   string // "" for a valid origin
	}{
		{origin: "https://a.example.test"},
		{origin: "http://a.example.test:8080"},
		{origin: "https://*.example.test"},
		{origin: "https://*.example.test:8443"},
		{origin: "http://localhost"},
		{origin: "http://127.0.0.1:3000"},
		{origin: "http://[::1]:8080"},
		{origin: "https://xn--bcher-kva.example"},
		{origin: "https://a.example.test/", want: "trailing slash: browsers send origins without one, so it would never match"},
		{origin: "https://a.example.test#x", want: "has a path, query or fragment: an origin is scheme://host[:port] and nothing more"},
		{origin: "https://u@a.example.test", want: "has user information: an origin is scheme://host[:port] and nothing more"},
		{origin: "Https://a.example.test", want: lowercaseOnly},
		{origin: "https://A.EXAMPLE.TEST", want: lowercaseOnly},
		{origin: "https://a.example.test:443", want: "default port 443 of https: browsers leave it out, so it would never match"},
		{origin: "https://a.example.test:-1", want: "port must be a number from 0 to 65535"},
		{origin: "https://a.example.test:+80", want: "port must be a number from 0 to 65535"},
		{origin: "https://", want: "has no host"},
		{origin: "https://:8080", want: "has no host"},
		{origin: "https://a..test", want: "host has an empty label"},
		{origin: "https://*.", want: "host has an empty label"},
		{origin: "https://a!.test", want: "host has a character other than letters, digits, '-', '_' and '.'"},
		{origin: "https://bücher.example", want: "non-ASCII host: browsers send the punycode form (xn--...)"},
		{origin: "https://*", want: `"*" is allowed in an origin only as the whole first label, as in https://*.example.com`},
		{origin: "http://[::1", want: "malformed IPv6 host: want [address] or [address]:port"},
		{origin: "http://[::1]x", want: "malformed IPv6 host: want [address] or [address]:port"},
		{origin: "http://[zz]", want: "malformed IPv6 host: want hexadecimal digits, colons and dots in brackets"},
		{origin: "ws://a.example.test", want: "scheme must be http or https"},
		{origin: "a.example.test", want: `not a serialized origin: want scheme://host[:port], "*" or "null"`},
		// DNS limits: labels of at most 63 bytes, names of at most 253
		// (not counting a final dot, which the empty label rejects anyway).
		{origin: "https://" + strings.Repeat("a", 63) + ".example.test"},
		{origin: "https://" + strings.Repeat("a", 64) + ".example.test", want: "host has a label of 64 bytes: DNS labels are at most 63 bytes, so no browser could reach it"},
		{origin: "https://*." + strings.Repeat("a", 64) + ".test", want: "host has a label of 64 bytes: DNS labels are at most 63 bytes, so no browser could reach it"},
		{origin: "https://" + longHost(253)},
		{origin: "https://" + longHost(253) + ":8443"},
		{origin: "https://" + longHost(254), want: "host is 254 bytes long: DNS names are at most 253 bytes, so no browser could reach it"},
		{origin: "https://" + longHost(300), want: "host is 300 bytes long: DNS names are at most 253 bytes, so no browser could reach it"},
		{origin: "https://*." + longHost(251)},
		{origin: "https://*." + longHost(252), want: "host is 254 bytes long: DNS names are at most 253 bytes, so no browser could reach it"},
		{origin: "https://" + longHost(253) + ".", want: "host has an empty label"},
		{origin: "https://" + longHost(254) + ".", want: "host is 254 bytes long: DNS names are at most 253 bytes, so no browser could reach it"},
		{origin: "https://" + strings.Repeat("a", 10<<20), want: "host is 10485760 bytes long: DNS names are at most 253 bytes, so no browser could reach it"},
		{origin: "http://[" + strings.Repeat("1:", 30) + "1]", want: "malformed IPv6 host: 63 bytes, longer than any IPv6 address"},
		{origin: "http://[::ffff:255.255.255.255]:8080"},
	}
	for _, tt := range tests {
		name := tt.origin
		if len(name) > 80 {
			name = fmt.Sprintf("%s...(%d bytes)", name[:40], len(name))
		}
		t.Run(name, func(t *testing.T) {
			if got := originProblem(tt.origin); got != tt.want {
				t.Errorf("originProblem(%.80q) = %q, want %q", tt.origin, got, tt.want)
			}
		})
	}
}

// longHost returns a host name of n bytes: labels of 63 bytes and a last
// one of what remains.
func longHost(n int) string {
	var labels []string
	for n > 64 {
		labels = append(labels, strings.Repeat("a", 63))
		n -= 64
	}
	return strings.Join(append(labels, strings.Repeat("b", n)), ".")
}

// Errors about over-long hosts name the origin, cut short: one line of a
// few hundred bytes, however long the origin.
func TestLongOriginErrors(t *testing.T) {
	label64 := "https://" + strings.Repeat("a", 64) + ".example.test"
	host300 := "https://" + longHost(300)
	_, err := Parse("p.yaml", []byte("origins:\n  - "+label64+"\nroutes:\n  - prefix: /a/\n    origins: ['"+host300+"']\n"))
	checkProblems(t, err, []string{
		`p.yaml:2: origins: "https://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"… (85 bytes): host has a label of 64 bytes: DNS labels are at most 63 bytes, so no browser could reach it`,
		`p.yaml:5: routes[0].origins: "https://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"… (308 bytes): host is 300 bytes long: DNS names are at most 253 bytes, so no browser could reach it`,
	})

	huge := "https://" + strings.Repeat("a", 10<<20)
	err = (&Policy{Rules: Rules{Origins: []string{huge}}}).Validate()
	want := `origins: "https://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"… (10485768 bytes): host is 10485760 bytes long: DNS names are at most 253 bytes, so no browser could reach it`
	checkProblems(t, err, []string{want})
	var fe *FieldError
	if errors.As(err, &fe) && fe.Value != huge {
		t.Errorf("FieldError.Value is %d bytes, want the whole origin (%d bytes)", len(fe.Value), len(huge))
	}
}

package policy

import "testing"

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
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			if got := originProblem(tt.origin); got != tt.want {
				t.Errorf("originProblem(%q) = %q, want %q", tt.origin, got, tt.want)
			}
		})
	}
}

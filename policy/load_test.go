package policy

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// problems splits an error from Parse or Validate into its messages, and
// fails the test if one of them is not a *FieldError or *DecodeError.
func problems(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	errs := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	var msgs []string
	for _, e := range errs {
		var fe *FieldError
		var de *DecodeError
		if !errors.As(e, &fe) && !errors.As(e, &de) {
			t.Errorf("error %q is a %T, want *FieldError or *DecodeError", e, e)
		}
		msgs = append(msgs, e.Error())
	}
	return msgs
}

func checkProblems(t *testing.T, err error, want []string) {
	t.Helper()
	if got := problems(t, err); !slices.Equal(got, want) {
		t.Errorf("problems:\n  got  %q\n  want %q", got, want)
	}
}

func TestParseYAMLErrors(t *testing.T) {
	tests := []struct {
		desc  string
		input string
		want  []string
	}{
		{
			desc:  "missing origins is reported at the top mapping",
			input: "# comment\nmethods: [PUT]\n",
			want:  []string{"p.yaml:2: origins: is required; write `origins: []` for a policy that allows no origin"},
		},
		{
			desc:  "explicitly empty origins is a policy that allows nothing",
			input: "origins: []\n",
		},
		{
			desc:  "origin with a trailing slash",
			input: "origins:\n  - https://app.example.test/\n",
			want:  []string{`p.yaml:2: origins: "https://app.example.test/": trailing slash: browsers send origins without one, so it would never match`},
		},
		{
			desc:  "origin with uppercase letters",
			input: "origins:\n  - https://app.example.test\n  - https://App.example.test\n",
			want:  []string{`p.yaml:3: origins: "https://App.example.test": has uppercase letters: browsers send origins in lowercase, so it would never match`},
		},
		{
			desc:  "origin with uppercase scheme",
			input: "origins: [HTTPS://app.example.test]\n",
			want:  []string{`p.yaml:1: origins: "HTTPS://app.example.test": has uppercase letters: browsers send origins in lowercase, so it would never match`},
		},
		{
			desc:  "origin with a path, a query, a default port, another scheme, no scheme",
			input: "origins:\n  - https://a.example.test/api\n  - https://a.example.test?x\n  - http://a.example.test:80\n  - ftp://a.example.test\n  - a.example.test\n",
			want: []string{
				`p.yaml:2: origins: "https://a.example.test/api": has a path, query or fragment: an origin is scheme://host[:port] and nothing more`,
				`p.yaml:3: origins: "https://a.example.test?x": has a path, query or fragment: an origin is scheme://host[:port] and nothing more`,
				`p.yaml:4: origins: "http://a.example.test:80": default port 80 of http: browsers leave it out, so it would never match`,
				`p.yaml:5: origins: "ftp://a.example.test": scheme must be http or https`,
				`p.yaml:6: origins: "a.example.test": not a serialized origin: want scheme://host[:port], "*" or "null"`,
			},
		},
		{
			desc:  "origin with a bad port",
			input: "origins: ['https://a.example.test:', 'https://a.example.test:08443', 'https://a.example.test:99999']\n",
			want: []string{
				`p.yaml:1: origins: "https://a.example.test:": empty port: drop the colon`,
				`p.yaml:1: origins: "https://a.example.test:08443": port has leading zeros: browsers drop them, so it would never match`,
				`p.yaml:1: origins: "https://a.example.test:99999": port must be a number from 0 to 65535`,
			},
		},
		{
			desc:  "valid origins of every kind",
			input: "origins: ['https://a.example.test:8443', 'http://localhost:3000', 'https://*.example.test', 'http://[::1]:8080', 'http://127.0.0.1', 'null']\n",
		},
		{
			desc:  "subdomain wildcard anywhere but the first label",
			input: "origins:\n  - https://a.*.example.test\n  - https://*example.test\n",
			want: []string{
				`p.yaml:2: origins: "https://a.*.example.test": "*" is allowed in an origin only as the whole first label, as in https://*.example.com`,
				`p.yaml:3: origins: "https://*example.test": "*" is allowed in an origin only as the whole first label, as in https://*.example.com`,
			},
		},
		{
			desc:  "wildcard origin with credentials",
			input: "origins: ['*']\ncredentials: true\n",
			want:  []string{`p.yaml:1: origins: "*": cannot be used with credentials: browsers reject a wildcard Access-Control-Allow-Origin on credentialed requests`},
		},
		{
			desc:  "wildcard origin mixed with others",
			input: "origins:\n  - https://a.example.test\n  - '*'\n",
			want:  []string{`p.yaml:3: origins: "*": cannot be mixed with other origins: "*" allows every origin already`},
		},
		{
			desc:  "forbidden methods in any case",
			input: "origins: []\nmethods:\n  - TRACE\n  - track\n  - Connect\n",
			want: []string{
				`p.yaml:3: methods: "TRACE": forbidden method: browsers refuse to send it (fetch throws a TypeError)`,
				`p.yaml:4: methods: "track": forbidden method: browsers refuse to send it (fetch throws a TypeError)`,
				`p.yaml:5: methods: "Connect": forbidden method: browsers refuse to send it (fetch throws a TypeError)`,
			},
		},
		{
			desc:  "method that is not a token, method that browsers uppercase",
			input: "origins: []\nmethods: ['GET /', delete, patch]\n",
			want: []string{
				"p.yaml:2: methods: \"GET /\": not a method: want an HTTP token (letters, digits and !#$%&'*+-.^_`|~)",
				`p.yaml:2: methods: "delete": browsers uppercase "delete" to "DELETE" before comparing, so it would never match: write "DELETE"`,
			},
		},
		{
			desc:  "header names that are not tokens",
			input: "origins: []\nrequest_headers: ['X Bad']\nexpose_headers: ['a:b', '']\n",
			want: []string{
				"p.yaml:2: request_headers: \"X Bad\": not a header name: want an HTTP token (letters, digits and !#$%&'*+-.^_`|~)",
				"p.yaml:3: expose_headers: \"a:b\": not a header name: want an HTTP token (letters, digits and !#$%&'*+-.^_`|~)",
				"p.yaml:3: expose_headers: not a header name: want an HTTP token (letters, digits and !#$%&'*+-.^_`|~)",
			},
		},
		{
			desc:  "wildcard methods and headers are literal with credentials",
			input: "origins: [https://a.example.test]\ncredentials: true\nmethods: ['*']\nrequest_headers: ['*']\nexpose_headers: ['*']\n",
			want: []string{
				`p.yaml:3: methods: "*": with credentials, browsers read "*" as a literal name, not a wildcard`,
				`p.yaml:4: request_headers: "*": with credentials, browsers read "*" as a literal name, not a wildcard`,
				`p.yaml:5: expose_headers: "*": with credentials, browsers read "*" as a literal name, not a wildcard`,
			},
		},
		{
			desc:  "wildcard methods and headers without credentials",
			input: "origins: ['*']\nmethods: ['*']\nrequest_headers: ['*']\nexpose_headers: ['*']\n",
		},
		{
			desc:  "negative max_age",
			input: "origins: []\nmax_age: -1\n",
			want:  []string{`p.yaml:2: max_age: "-1": must be at least 0 seconds`},
		},
		{
			desc:  "endpoints: missing path, relative path, query, bad methods, duplicate",
			input: "origins: []\nendpoints:\n  - methods: [GET]\n  - path: api\n  - path: /a?b=1\n  - path: /a\n    methods: [TRACE, '*']\n  - path: /a\n",
			want: []string{
				`p.yaml:3: endpoints[0].path: is required`,
				`p.yaml:4: endpoints[1].path: "api": must start with "/"`,
				`p.yaml:5: endpoints[2].path: "/a?b=1": must be a path alone, without query or fragment`,
				`p.yaml:7: endpoints[3].methods: "TRACE": forbidden method: browsers refuse to send it (fetch throws a TypeError)`,
				`p.yaml:7: endpoints[3].methods: "*": an endpoint serves named methods, "*" is not one`,
				`p.yaml:8: endpoints[4].path: "/a": duplicates endpoints[3]`,
			},
		},
		{
			desc:  "routes: missing prefix, duplicate prefix, bad overrides",
			input: "origins: []\nroutes:\n  - origins: [https://a.example.test/]\n  - prefix: /x/\n    max_age: -5\n    methods: [trace]\n  - prefix: /x/\n",
			want: []string{
				`p.yaml:3: routes[0].prefix: is required`,
				`p.yaml:3: routes[0].origins: "https://a.example.test/": trailing slash: browsers send origins without one, so it would never match`,
				`p.yaml:5: routes[1].max_age: "-5": must be at least 0 seconds`,
				`p.yaml:6: routes[1].methods: "trace": forbidden method: browsers refuse to send it (fetch throws a TypeError)`,
				`p.yaml:7: routes[2].prefix: "/x/": duplicates routes[1]`,
			},
		},
		{
			desc:  "route wildcard under the policy's credentials",
			input: "origins: [https://a.example.test]\ncredentials: true\nroutes:\n  - prefix: /public/\n    origins: ['*']\n",
			want:  []string{`p.yaml:5: routes[0].origins: "*": cannot be used with credentials: browsers reject a wildcard Access-Control-Allow-Origin on credentialed requests`},
		},
		{
			desc:  "route turning credentials on under the policy's wildcards",
			input: "origins: ['*']\nrequest_headers: ['*']\nroutes:\n  - prefix: /private/\n    credentials: true\n",
			want: []string{
				`p.yaml:5: routes[0].credentials: "true": conflicts with origins "*" inherited from the policy: browsers reject a wildcard Access-Control-Allow-Origin on credentialed requests`,
				`p.yaml:5: routes[0].credentials: "true": conflicts with request_headers "*" inherited from the policy: with credentials, browsers read "*" as a literal name, not a wildcard`,
			},
		},
		{
			desc:  "route overriding the wildcards it would conflict with",
			input: "origins: ['*']\nroutes:\n  - prefix: /private/\n    origins: [https://a.example.test]\n    credentials: true\n",
		},
		{
			desc:  "unknown fields, with and without a suggestion",
			input: "origins: []\norigin: [https://a.example.test]\nrequestHeaders: [X-A]\nendpoints:\n  - path: /a\n    method: [GET]\ncolour: blue\n",
			want: []string{
				`p.yaml:2: unknown field "origin" (did you mean "origins"?)`,
				`p.yaml:3: unknown field "requestHeaders" (did you mean "request_headers"?)`,
				`p.yaml:6: unknown field "method" in endpoints[0] (did you mean "methods"?)`,
				`p.yaml:7: unknown field "colour"`,
			},
		},
		{
			desc: "other CORS libraries' names for the fields",
			input: "origins: []\nallowed_origins: [https://a.example.test]\nallowedHeaders: [X-A]\nAllowCredentials: true\n" +
				"Access-Control-Max-Age: 5\nroutes:\n  - prefix: /a\n    allow_methods: [GET]\nendpoints:\n  - path: /a\n    allowed_headers: [X-A]\n",
			want: []string{
				`p.yaml:2: unknown field "allowed_origins" (did you mean "origins"?)`,
				`p.yaml:3: unknown field "allowedHeaders" (did you mean "request_headers"?)`,
				`p.yaml:4: unknown field "AllowCredentials" (did you mean "credentials"?)`,
				`p.yaml:5: unknown field "Access-Control-Max-Age" (did you mean "max_age"?)`,
				`p.yaml:8: unknown field "allow_methods" in routes[0] (did you mean "methods"?)`,
				`p.yaml:11: unknown field "allowed_headers" in endpoints[0]`,
			},
		},
		{
			desc:  "values of the wrong type, and no rule error on top of them",
			input: "origins: https://a.example.test\ncredentials: 'true'\nmax_age: ten\nroutes:\n  - prefix: [/a]\n    credentials: yes\nendpoints: {path: /a}\n",
			want: []string{
				`p.yaml:1: origins: want a list, got the string "https://a.example.test"`,
				`p.yaml:2: credentials: want true or false, got the string "true"`,
				`p.yaml:3: max_age: want a whole number, got the string "ten"`,
				`p.yaml:5: routes[0].prefix: want a string, got a list`,
				`p.yaml:6: routes[0].credentials: want true or false, got the string "yes"`,
				`p.yaml:7: endpoints: want a list, got a mapping`,
			},
		},
		{
			desc:  "unquoted null is YAML's null, not the null origin",
			input: "origins:\n  - null\n",
			want:  []string{`p.yaml:2: origins[0]: want a string, got null (write "null" in quotes for the null origin)`},
		},
		{
			desc:  "duplicate field",
			input: "origins: []\nmax_age: 5\nmax_age: 6\n",
			want:  []string{`p.yaml:3: duplicate field "max_age" (first at line 2)`},
		},
		{
			desc:  "YAML syntax error",
			input: "origins: []\n\tmethods: [GET]\n",
			want:  []string{`p.yaml:2: invalid YAML: found character that cannot start any token`},
		},
		{
			desc:  "unquoted wildcard",
			input: "origins: [*]\n",
			want:  []string{`p.yaml:1:11: invalid YAML: did not find expected alphabetic or numeric character (write "*" in quotes: an unquoted * starts a YAML alias)`},
		},
		{
			desc:  "not a mapping",
			input: "- https://a.example.test\n",
			want:  []string{`p.yaml:1: want a mapping of policy fields, got a list`},
		},
		{
			desc:  "empty file",
			input: "# nothing\n",
			want:  []string{`p.yaml:1: want a mapping of policy fields, got null`},
		},
		{
			desc:  "two documents",
			input: "origins: []\n---\norigins: []\n",
			want:  []string{`p.yaml:2: more than one YAML document: a policy file holds one`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			p, err := Parse("p.yaml", []byte(tt.input))
			checkProblems(t, err, tt.want)
			if (p == nil) == (err == nil) {
				t.Errorf("Parse returned policy %v and error %v: want exactly one", p, err)
			}
		})
	}
}

func TestParseJSONErrors(t *testing.T) {
	tests := []struct {
		desc  string
		name  string
		input string
		want  []string
	}{
		{
			desc:  "valid JSON, with an escape YAML does not know",
			name:  "p.json",
			input: "{\n\t\"origins\": [\"https:\\/\\/a.example.test\"],\n\t\"max_age\": 0\n}\n",
		},
		{
			desc:  "rule errors carry JSON lines",
			name:  "p.json",
			input: "{\n  \"origins\": [\n    \"https://a.example.test/\",\n    \"*\"\n  ],\n  \"credentials\": true\n}\n",
			want: []string{
				`p.json:3: origins: "https://a.example.test/": trailing slash: browsers send origins without one, so it would never match`,
				`p.json:4: origins: "*": cannot be mixed with other origins: "*" allows every origin already`,
				`p.json:4: origins: "*": cannot be used with credentials: browsers reject a wildcard Access-Control-Allow-Origin on credentialed requests`,
			},
		},
		{
			desc:  "unknown field and wrong types",
			name:  "p.json",
			input: "{\n  \"origins\": [],\n  \"origin\": [],\n  \"max_age\": 1.5,\n  \"methods\": \"PUT\",\n  \"routes\": [{\"prefix\": \"/a\", \"origins\": [null]}]\n}\n",
			want: []string{
				`p.json:3: unknown field "origin" (did you mean "origins"?)`,
				`p.json:4: max_age: want a whole number, got the number 1.5`,
				`p.json:5: methods: want a list, got the string "PUT"`,
				`p.json:6: routes[0].origins[0]: want a string, got null (write "null" in quotes for the null origin)`,
			},
		},
		{
			desc:  "missing origins",
			name:  "p.json",
			input: "\n{\"methods\": [\"PUT\"]}\n",
			want:  []string{"p.json:2: origins: is required; write `origins: []` for a policy that allows no origin"},
		},
		{
			desc:  "trailing comma, which YAML would accept",
			name:  "p.json",
			input: "{\n  \"origins\": [\n    \"https://a.example.test\",\n  ]\n}\n",
			want:  []string{`p.json:4: invalid JSON: invalid character ']' looking for beginning of value`},
		},
		{
			desc:  "truncated",
			name:  "p.json",
			input: "{\n  \"origins\": [\n",
			want:  []string{`p.json:2: invalid JSON: unexpected EOF`},
		},
		{
			desc:  "JSON recognised by content when the name has no extension",
			name:  "policy",
			input: "{\"origins\": [\"https://a.example.test\"], \"origin\": 1}",
			want:  []string{`policy:1: unknown field "origin" (did you mean "origins"?)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			_, err := Parse(tt.name, []byte(tt.input))
			checkProblems(t, err, tt.want)
		})
	}
}

func TestParseReportsEveryProblemAtOnce(t *testing.T) {
	input := `origins:
  - https://app.example.test/
  - https://*.example.test
credentials: true
methods: [PUT, TRACE]
max_age: -1
endpoints:
  - path: items
    methods: [GET]
routes:
  - prefix: /public/
    origins: ["*"]
    origin: ["*"]
`
	_, err := Parse("policy.yaml", []byte(input))
	checkProblems(t, err, []string{
		`policy.yaml:2: origins: "https://app.example.test/": trailing slash: browsers send origins without one, so it would never match`,
		`policy.yaml:5: methods: "TRACE": forbidden method: browsers refuse to send it (fetch throws a TypeError)`,
		`policy.yaml:6: max_age: "-1": must be at least 0 seconds`,
		`policy.yaml:8: endpoints[0].path: "items": must start with "/"`,
		`policy.yaml:12: routes[0].origins: "*": cannot be used with credentials: browsers reject a wildcard Access-Control-Allow-Origin on credentialed requests`,
		`policy.yaml:13: unknown field "origin" in routes[0] (did you mean "origins"?)`,
	})
}

func TestFieldErrorFields(t *testing.T) {
	_, err := Parse("policy.yaml", []byte("origins:\n  - https://App.example.test\n"))
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("Parse error %v is not a *FieldError", err)
	}
	want := FieldError{File: "policy.yaml", Line: 2, Field: "origins", Value: "https://App.example.test", Reason: lowercaseOnly}
	if *fe != want {
		t.Errorf("FieldError = %+v, want %+v", *fe, want)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		desc    string
		path    string
		wantErr string // substring; "" for success
	}{
		{desc: "YAML file", path: write("ok.yaml", "origins: [https://a.example.test]\n")},
		{desc: "JSON file", path: write("ok.json", `{"origins": ["https://a.example.test"]}`)},
		{desc: "errors name the file", path: write("bad.yml", "origins: []\norigin: []\n"), wantErr: filepath.Join(dir, "bad.yml") + `:2: unknown field "origin"`},
		{desc: "missing file", path: filepath.Join(dir, "none.yaml"), wantErr: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			p, err := Load(tt.path)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Load: %v", err)
			case tt.wantErr == "" && p.Origins[0] != "https://a.example.test":
				t.Errorf("Load gave origins %q", p.Origins)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Load error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

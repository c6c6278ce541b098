package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var hasLine = regexp.MustCompile(`^p\.yaml:[1-9][0-9]*(:[1-9][0-9]*)?: `)

// Every error about a malformed YAML file gives its line, and its column
// where it can be told, including those yaml.v3 gives none: an unquoted
// "*" (an alias without a name), bytes that are not text, an error on the
// first line, an alias to an unknown anchor. Parser errors, which yaml.v3
// gives the 0-based line of, are on their 1-based line.
func TestMalformedYAMLHasLines(t *testing.T) {
	tests := []struct {
		desc, input, want string
	}{
		{"unquoted * in a flow list", "origins: [*]\n",
			`p.yaml:1:11: invalid YAML: did not find expected alphabetic or numeric character (write "*" in quotes: an unquoted * starts a YAML alias)`},
		{"unquoted * as a list item", "origins:\n  - https://a.example.test\n  - *\n",
			`p.yaml:3:5: invalid YAML: did not find expected alphabetic or numeric character (write "*" in quotes: an unquoted * starts a YAML alias)`},
		{"unquoted * after a quoted one", "origins: ['*', https://*.a.test, *]\n",
			`p.yaml:1:34: invalid YAML: did not find expected alphabetic or numeric character (write "*" in quotes: an unquoted * starts a YAML alias)`},
		{"unquoted subdomain pattern without scheme", "origins: []\nroutes:\n  - prefix: /a/\n    origins: [*.example.test]\n",
			`p.yaml:4:15: invalid YAML: did not find expected alphabetic or numeric character (write "*" in quotes: an unquoted * starts a YAML alias)`},
		{"anchor without a name", "origins: []\nmethods: [&]\n",
			`p.yaml:2:11: invalid YAML: did not find expected alphabetic or numeric character (write the value in quotes: an unquoted & starts a YAML anchor)`},
		{"alias to an unknown anchor", "origins: []\n\nmethods: [GET, '*nope', *nope]\n",
			`p.yaml:3:25: invalid YAML: unknown anchor 'nope' referenced (an unquoted * starts a YAML alias: write the value in quotes)`},
		{"alias to an unknown anchor, named in a comment first", "# see *nope\norigins: []\nmethods:\n  - *nope\n",
			`p.yaml:4:5: invalid YAML: unknown anchor 'nope' referenced (an unquoted * starts a YAML alias: write the value in quotes)`},
		{"NUL byte", "origins: []\nmethods: [GET\x00]\n",
			`p.yaml:2:14: invalid YAML: a NUL byte: a policy file is text, not binary`},
		{"NUL only", "\x00",
			`p.yaml:1:1: invalid YAML: a NUL byte: a policy file is text, not binary`},
		{"binary junk (a PNG)", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
			`p.yaml:1:1: invalid YAML: byte 0x89 is not UTF-8: a policy file is UTF-8 text`},
		{"binary junk (gzip)", "\x1f\x8b\x08\x00\x00\x00\x00\x00",
			`p.yaml:1:1: invalid YAML: control character U+001F is not allowed`},
		{"invalid UTF-8 in a value", "origins: []\nmethods:\n  - G\xffT\n",
			`p.yaml:3:6: invalid YAML: byte 0xff is not UTF-8: a policy file is UTF-8 text`},
		{"control character", "origins: []\n\x07\n",
			`p.yaml:2:1: invalid YAML: control character U+0007 is not allowed`},
		{"DEL", "origins: ['\x7f']\n",
			`p.yaml:1:12: invalid YAML: control character U+007F is not allowed`},
		{"lines counted at a lone CR", "origins: []\rmethods: [\x01]\r",
			`p.yaml:2:11: invalid YAML: control character U+0001 is not allowed`},
		{"tab on the first line", "\torigins: []\n",
			`p.yaml:1: invalid YAML: found character that cannot start any token`},
		{"tab indentation", "origins: []\n\tmethods: [GET]\n",
			`p.yaml:2: invalid YAML: found character that cannot start any token`},
		{"bad indentation", "origins: []\n  methods: [GET]\n",
			`p.yaml:2: invalid YAML: did not find expected key`},
		{"unclosed flow list", "origins: []\nmethods: [GET\n",
			`p.yaml:2: invalid YAML: did not find expected ',' or ']'`},
		{"unclosed flow mapping", "origins: []\nroutes:\n  - {prefix: /a/\n",
			`p.yaml:3: invalid YAML: did not find expected ',' or '}'`},
		{"unclosed quote", "origins: []\nmethods: ['GET]\n",
			`p.yaml:2: invalid YAML: found unexpected end of stream`},
		{"stray bracket", "origins: []\nmethods: [GET]]\n",
			`p.yaml:2: invalid YAML: did not find expected key`},
		{"list item in a mapping", "origins: []\n- https://a.example.test\n",
			`p.yaml:2: invalid YAML: did not find expected key`},
		{"mapping in a list", "origins:\n  - https://a.example.test\n  methods: [GET]\n",
			`p.yaml:3: invalid YAML: did not find expected '-' indicator`},
		{"mapping value in a scalar", "origins: []\nmethods: GET: PUT\n",
			`p.yaml:2: invalid YAML: mapping values are not allowed in this context`},
		{"block scalar badly indented", "origins: []\nx: |\n  a\n b\n",
			`p.yaml:4: invalid YAML: did not find expected key`},
		{"closing brace alone", "origins: []\nmethods: }\n",
			`p.yaml:2: invalid YAML: did not find expected node content`},
		{"unknown escape", "origins: [\"\\q\"]\n",
			`p.yaml:1: invalid YAML: found unknown escape character`},
		{"bad tag", "origins: []\nmethods: !<x\n",
			`p.yaml:2: invalid YAML: did not find the expected '>'`},
		{"error in a second document", "origins: []\n---\nmethods: [\n",
			`p.yaml:3: invalid YAML: did not find expected node content`},
		{"UTF-16 with a control character", "\xff\xfeo\x00:\x00 \x00\x01\x00\n\x00",
			`p.yaml:1:4: invalid YAML: control character U+0001 is not allowed`},
		{"UTF-16 cut short", "\xff\xfeo\x00:\x00\n\x00a",
			`p.yaml:2:1: invalid YAML: the file ends in the middle of a UTF-16 character`},
		{"UTF-16 lone surrogate", "\xfe\xff\x00a\x00\n\xd8\x00\x00b",
			`p.yaml:2:1: invalid YAML: a UTF-16 surrogate without its pair`},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(tt.input))
			got := problems(t, err)
			if len(got) != 1 || !hasLine.MatchString(got[0]) {
				t.Fatalf("Parse(%q): problems %q, want one that starts p.yaml:line:", tt.input, got)
			}
			if got[0] != tt.want {
				t.Errorf("Parse(%q):\n  got  %s\n  want %s", tt.input, got[0], tt.want)
			}
		})
	}
}

// yaml.v3 reads UTF-16 after a byte order mark; Parse still does.
func TestParseUTF16(t *testing.T) {
	text := "origins: [https://a.example.test]\nmethods: [PUT]\n"
	le, be := []byte{0xff, 0xfe}, []byte{0xfe, 0xff}
	for _, r := range text {
		le = append(le, byte(r), 0)
		be = append(be, 0, byte(r))
	}
	for _, data := range [][]byte{le, be} {
		p, err := Parse("p.yaml", data)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if !slices.Equal(p.Methods, []string{"PUT"}) {
			t.Errorf("methods %q, want [PUT]", p.Methods)
		}
	}
}

// Aliases work, within reason: one that expands to more values than the
// file holds (a "billion laughs") is an error, found without expanding it.
func TestParseAliases(t *testing.T) {
	p, err := Parse("p.yaml", []byte("origins: &o [https://a.example.test]\nroutes:\n  - prefix: /a/\n    origins: *o\n"))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if !slices.Equal(p.Routes[0].Origins, p.Origins) {
		t.Errorf("route origins %q, want the policy's %q", p.Routes[0].Origins, p.Origins)
	}

	var b strings.Builder
	b.WriteString("origins: []\nroutes:\n  - &r\n    prefix: /a/\n    origins: &o [")
	for i := range 2000 {
		fmt.Fprintf(&b, "'https://a%d.example.test', ", i)
	}
	b.WriteString("]\n")
	for range 20_000 {
		b.WriteString("  - *r\n")
	}
	// 20,000 aliases of a route of 2,000 origins: 40 million values.
	_, err = Parse("p.yaml", []byte(b.String()))
	got := problems(t, err)
	want := "p.yaml:17: the aliases (*r and others) expand to more values than the file holds: write the values out"
	if !slices.Contains(got, want) || len(got) > maxProblems+1 {
		t.Errorf("problems %q, want %q among at most %d", got[len(got)-1:], want, maxProblems+1)
	}
}

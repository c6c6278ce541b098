package spec_test

import (
	"bufio"
	"fmt"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/corsproof/corsproof/spec"
)

// rulesDoc is the key to the rule ids that Decision.Steps, Deviation.Rule
// and comments cite, relative to the module root.
const rulesDoc = "docs/fetch-cors-rules.md"

// ruleIDPattern is the shape of a rule id: "R4", "R4.2", "R4.2.6", maybe
// with a letter ("R1.2a"). Whether a match is a citation depends on its
// neighbours; see ruleCitations.
var ruleIDPattern = regexp.MustCompile(`R[0-9]+(?:\.[0-9]+)*[a-z]?`)

// ruleCitations returns the rule ids cited in text, with the byte offset of
// each. A match counts only where a citation can stand: at the start or
// after a space, an opening bracket, a comma, a semicolon, a quote, a slash
// or a dash (ranges such as "R1.3–R1.8"), and not followed by a letter, a
// digit or an underscore. So "R4.2.6" in `"R4.2.6"`, "(R5.3)" or
// "R4.2.2–R4.2.6" is one, while identifiers and version strings such as
// "GR2", "v1.R2", "R2D2" or "R1_x" are not.
func ruleCitations(text string) (ids []string, offsets []int) {
	for _, m := range ruleIDPattern.FindAllStringIndex(text, -1) {
		i, j := m[0], m[1]
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(text[:i])
			if !strings.ContainsRune(" \t\n\r([{,;\"'`/–—-", prev) {
				continue
			}
		}
		if j < len(text) {
			next := text[j]
			if next == '_' || next >= '0' && next <= '9' || next >= 'a' && next <= 'z' || next >= 'A' && next <= 'Z' {
				continue
			}
		}
		ids = append(ids, text[i:j])
		offsets = append(offsets, i)
	}
	return ids, offsets
}

func TestRuleCitationsFindsRuleIDsOnly(t *testing.T) {
	tests := []struct {
		desc string
		text string
		want []string
	}{
		{desc: "in parentheses", text: "// absent or fails to parse (R4.2.9, R5.3).", want: []string{"R4.2.9", "R5.3"}},
		{desc: "a step's rule in a string", text: `d.step("R8.2.3", false, "a 21st redirect")`, want: []string{"R8.2.3"}},
		{desc: "after is, before a colon", text: "// unsafeTotalLimit is R2.4: safelisted", want: []string{"R2.4"}},
		{desc: "a range with an en dash", text: "// (R1.3–R1.8)", want: []string{"R1.3", "R1.8"}},
		{desc: "a step range is one id", text: "// parseLists is R4.2.2–4: a syntax error", want: []string{"R4.2.2"}},
		{desc: "at the start of a line, then a tab", text: "R14\tbrowser deviations", want: []string{"R14"}},
		{desc: "a sentence's full stop", text: "see R6.1. Then", want: []string{"R6.1"}},
		{desc: "a possessive", text: "with R4.2's rules", want: []string{"R4.2"}},
		{desc: "a letter suffix", text: "(R1.2a)", want: []string{"R1.2a"}},
		{desc: "an identifier", text: "GR2 R2D2 R1_x xR1", want: nil},
		{desc: "a version string", text: "v1.R2, go1.R3, HTTP/1.1, Chrome 119, ESR 153.7.0esr", want: nil},
		{desc: "a word that starts like one", text: "Rx R Range RFC 9110", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got, _ := ruleCitations(tt.text)
			if !slices.Equal(got, tt.want) {
				t.Errorf("ruleCitations(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// docIDPattern finds the id an entry of the rules doc defines: the first
// word of a heading ("### R4.2 ...") or the bold start of a list item
// ("- **R4.2.6** ...").
var docIDPattern = regexp.MustCompile(`^(?:#{1,6}[ \t]+|[ \t]*(?:[-*+]|[0-9]+\.)[ \t]+\*\*)(` +
	ruleIDPattern.String() + `|` + regexp.QuoteMeta(spec.RuleMixedContent) + `)(?:\*\*|[ \t]|$)`)

// rulesDocIDs reads the rules doc and returns the ids it defines, each
// mapped to its line, and the doc's whole text.
func rulesDocIDs(t *testing.T, root string) (map[string]int, string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, rulesDoc))
	if err != nil {
		t.Fatalf("the rules doc: %v", err)
	}
	ids := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for n := 1; sc.Scan(); n++ {
		m := docIDPattern.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if first, dup := ids[m[1]]; dup {
			t.Errorf("%s:%d: %s is defined again (first at line %d)", rulesDoc, n, m[1], first)
			continue
		}
		ids[m[1]] = n
	}
	return ids, string(data)
}

// moduleRoot walks up from the test's directory to the go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// citation is one rule id cited in the module's Go code.
type citation struct {
	id   string
	file string // relative to the module root
	line int
}

// moduleCitations scans the comments and string literals of every non-test
// Go file of the module (not testdata, not hidden or nested modules).
func moduleCitations(t *testing.T, root string) []citation {
	t.Helper()
	var out []citation
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path == root {
				return nil
			}
			if name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // another module
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		out = append(out, fileCitations(filepath.ToSlash(rel), src)...)
		return nil
	})
	if err != nil {
		t.Fatalf("walking the module: %v", err)
	}
	return out
}

// fileCitations finds the rule ids cited in one Go file's comments and
// string literals; code (identifiers, numbers) never cites a rule.
func fileCitations(name string, src []byte) []citation {
	fset := token.NewFileSet()
	file := fset.AddFile(name, -1, len(src))
	var s scanner.Scanner
	s.Init(file, src, nil, scanner.ScanComments) // a file that does not compile fails elsewhere
	var out []citation
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok != token.COMMENT && tok != token.STRING {
			continue
		}
		line := fset.Position(pos).Line
		ids, offsets := ruleCitations(lit)
		for k, id := range ids {
			out = append(out, citation{id: id, file: name, line: line + strings.Count(lit[:offsets[k]], "\n")})
		}
	}
}

// Every rule id the code cites, in a comment or in a string such as a
// Step's Rule, must lead to an entry of docs/fetch-cors-rules.md, so that a
// reader of `corsproof explain` or of the code can look it up.
func TestEveryRuleIDCitedInTheCodeIsInTheRulesDoc(t *testing.T) {
	root := moduleRoot(t)
	defined, _ := rulesDocIDs(t, root)
	cites := moduleCitations(t, root)
	// The model cites dozens of rules; finding few means the scan is broken,
	// not that the code is clean.
	if len(cites) < 50 {
		t.Fatalf("found only %d rule citations in the module's Go files; the scan is broken", len(cites))
	}
	seen := map[string]bool{}
	for _, c := range cites {
		seen[c.id] = true
		if _, ok := defined[c.id]; !ok {
			t.Errorf("%s:%d: rule %s is cited but %s has no heading or list item for it", c.file, c.line, c.id, rulesDoc)
		}
	}
	if _, ok := defined[spec.RuleMixedContent]; !ok {
		t.Errorf("spec.RuleMixedContent %q has no entry in %s", spec.RuleMixedContent, rulesDoc)
	}
	t.Logf("%d citations of %d distinct rule ids, %d ids defined in %s", len(cites), len(seen), len(defined), rulesDoc)
}

// Every deviation a profile documents is explained in the rules doc under
// its ID, and the rules it names exist there.
func TestEveryDeviationIsInTheRulesDoc(t *testing.T) {
	root := moduleRoot(t)
	defined, doc := rulesDocIDs(t, root)
	for _, p := range []spec.Profile{spec.Standard, spec.Chromium, spec.Firefox, spec.WebKit} {
		for _, d := range p.Deviations {
			where := fmt.Sprintf("profile %s, deviation %s", p.Name, d.ID)
			if !strings.Contains(doc, "`"+d.ID+"`") {
				t.Errorf("%s: the id does not appear (as `%s`) in %s", where, d.ID, rulesDoc)
			}
			ids, _ := ruleCitations(d.Rule)
			if strings.HasPrefix(d.Rule, spec.RuleMixedContent) {
				ids = append(ids, spec.RuleMixedContent)
			}
			if len(ids) == 0 {
				t.Errorf("%s: Rule %q names no rule id", where, d.Rule)
			}
			for _, id := range ids {
				if _, ok := defined[id]; !ok {
					t.Errorf("%s: Rule names %s, which %s does not define", where, id, rulesDoc)
				}
			}
		}
	}
}

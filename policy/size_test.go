package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// hugeInvalidPolicy builds a YAML policy of just under size bytes made of
// bad entries of several kinds, a quarter of the file each: origins with a
// trailing slash (rule errors), endpoints whose path has the wrong type or
// repeats an earlier one, routes with an unknown field, header names that
// are not tokens. It returns the file and its number of bad entries, each
// one problem.
func hugeInvalidPolicy(size int) ([]byte, int) {
	var b strings.Builder
	bad := 0
	b.WriteString("origins:\n")
	for i := 0; b.Len() < size/4; i++ {
		fmt.Fprintf(&b, "  - https://app%06d.example.test/\n", i)
		bad++
	}
	b.WriteString("endpoints:\n  - path: /api/items/dup\n")
	for i := 0; b.Len() < size/2; i++ {
		if i%2 == 0 {
			fmt.Fprintf(&b, "  - path: [/api/items/%06d]\n", i)
		} else {
			b.WriteString("  - path: /api/items/dup\n")
		}
		bad++
	}
	b.WriteString("routes:\n")
	for i := 0; b.Len() < 3*size/4; i++ {
		fmt.Fprintf(&b, "  - prefix: /r%06d/\n    orgins: []\n", i)
		bad++
	}
	b.WriteString("request_headers:\n")
	const header = "  - 'X Bad Header 000000'\n"
	for i := 0; b.Len()+len(header) < size; i++ {
		fmt.Fprintf(&b, "  - 'X Bad Header %06d'\n", i)
		bad++
	}
	return []byte(b.String()), bad
}

// hugeDuplicatePolicy builds a YAML policy of just under size bytes whose
// top-level mapping repeats one field, and returns it with its number of
// duplicates. (yaml.v3's Node.Decode compares every key of a mapping with
// every other and formats a message per pair: minutes for this file.)
func hugeDuplicatePolicy(size int) ([]byte, int) {
	var b strings.Builder
	b.WriteString("origins: []\nmax_age: 0\n")
	dups := 0
	for i := 1; b.Len()+len("max_age: 000000\n") < size; i++ {
		fmt.Fprintf(&b, "max_age: %06d\n", i)
		dups++
	}
	return []byte(b.String()), dups
}

// hugeValidPolicy builds a valid YAML policy of about size bytes: origins,
// endpoints and routes in equal parts.
func hugeValidPolicy(size int) []byte {
	var b strings.Builder
	b.WriteString("origins:\n")
	for i := 0; b.Len() < size/3; i++ {
		fmt.Fprintf(&b, "  - https://app%06d.example.test\n", i)
	}
	b.WriteString("methods: [PUT, DELETE]\nendpoints:\n")
	for i := 0; b.Len() < 2*size/3; i++ {
		fmt.Fprintf(&b, "  - path: /api/items/%06d\n    methods: [GET, PUT]\n", i)
	}
	b.WriteString("routes:\n")
	for i := 0; b.Len() < size-40; i++ {
		fmt.Fprintf(&b, "  - prefix: /r%06d/\n    max_age: 5\n", i)
	}
	return []byte(b.String())
}

var problemLine = regexp.MustCompile(`^huge\.yaml:(\d+): `)

// A file just under the size limit with tens of thousands of problems is
// rejected with a bounded report: the first problems, in line order, then
// one line that counts the rest and gives the total. (How fast: see
// BenchmarkLoadHugeInvalid.)
func TestParseHugeInvalid(t *testing.T) {
	data, bad := hugeInvalidPolicy(1_000_000)
	if len(data) > MaxFileSize || bad < 30_000 {
		t.Fatalf("the test file is %d bytes with %d bad entries: want at most %d bytes and at least 30000", len(data), bad, MaxFileSize)
	}
	_, err := Parse("huge.yaml", data)
	got := problems(t, err)
	if len(got) != maxProblems+1 {
		t.Fatalf("Parse reported %d problems, want %d and a count of the rest", len(got), maxProblems+1)
	}
	last := 0
	for _, msg := range got {
		m := problemLine.FindStringSubmatch(msg)
		if m == nil {
			t.Fatalf("problem %q has no huge.yaml:line", msg)
		}
		var line int
		fmt.Sscan(m[1], &line)
		if line < last {
			t.Errorf("problem %q comes after one at line %d", msg, last)
		}
		last = line
	}
	want := fmt.Sprintf(": and %d more problems from here on (%d in all)", bad-maxProblems, bad)
	if !strings.HasSuffix(got[maxProblems], want) {
		t.Errorf("last line %q, want it to end %q", got[maxProblems], want)
	}
	if !strings.Contains(got[0], `huge.yaml:2: origins: "https://app000000.example.test/": trailing slash`) {
		t.Errorf("first problem %q, want the first origin's", got[0])
	}
}

func TestParseHugeDuplicates(t *testing.T) {
	data, dups := hugeDuplicatePolicy(1_000_000)
	_, err := Parse("huge.yaml", data)
	got := problems(t, err)
	if len(got) != maxProblems+1 {
		t.Fatalf("Parse reported %d problems, want %d and a count of the rest", len(got), maxProblems+1)
	}
	if want := `huge.yaml:3: duplicate field "max_age" (first at line 2)`; got[0] != want {
		t.Errorf("first problem %q, want %q", got[0], want)
	}
	if want := fmt.Sprintf("huge.yaml:%d: and %d more problems from here on (%d in all)", maxProblems+3, dups-maxProblems, dups); got[maxProblems] != want {
		t.Errorf("last line %q, want %q", got[maxProblems], want)
	}
}

func TestParseHugeValid(t *testing.T) {
	data := hugeValidPolicy(1_000_000)
	p, err := Parse("huge.yaml", data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(p.Origins) < 1000 || len(p.Endpoints) < 1000 || len(p.Routes) < 1000 {
		t.Errorf("Parse gave %d origins, %d endpoints, %d routes", len(p.Origins), len(p.Endpoints), len(p.Routes))
	}
}

func TestSizeLimit(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// A valid policy padded with a comment to exactly n bytes.
	padded := func(n int) []byte {
		data := []byte("origins: [https://a.example.test]\n#")
		return append(data, strings.Repeat("x", n-len(data)-1)+"\n"...)
	}

	atLimit := write("at-limit.yaml", padded(MaxFileSize))
	if _, err := Load(atLimit); err != nil {
		t.Errorf("Load of a %d-byte policy: %v", MaxFileSize, err)
	}

	over := write("over.yaml", padded(5<<20))
	_, err := Load(over)
	want := over + ": the file is 5242880 bytes (5.0 MiB), over the limit of 1048576 bytes (1 MiB) for a policy file"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Load of a 5 MiB file: error %v, want one starting %q", err, want)
	}

	_, err = Parse("p.yaml", padded(MaxFileSize+1))
	want = "p.yaml: the file is 1048577 bytes (1.0 MiB), over the limit of 1048576 bytes (1 MiB)"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Parse of %d bytes: error %v, want one starting %q", MaxFileSize+1, err, want)
	}
	checkProblems(t, err, []string{err.Error()}) // one *DecodeError
}

func BenchmarkLoadHugeInvalid(b *testing.B) {
	data, bad := hugeInvalidPolicy(1_000_000)
	path := filepath.Join(b.TempDir(), "huge.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportMetric(float64(bad), "problems")
	for b.Loop() {
		if _, err := Load(path); err == nil {
			b.Fatal("Load accepted an invalid policy")
		}
	}
}

func BenchmarkLoadHugeDuplicates(b *testing.B) {
	data, dups := hugeDuplicatePolicy(1_000_000)
	path := filepath.Join(b.TempDir(), "huge.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportMetric(float64(dups), "problems")
	for b.Loop() {
		if _, err := Load(path); err == nil {
			b.Fatal("Load accepted an invalid policy")
		}
	}
}

func BenchmarkLoadHugeValid(b *testing.B) {
	data := hugeValidPolicy(1_000_000)
	path := filepath.Join(b.TempDir(), "huge.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Load(path); err != nil {
			b.Fatal(err)
		}
	}
}

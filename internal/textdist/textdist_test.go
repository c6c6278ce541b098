package textdist

import "testing"

func TestLevenshtein(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"origins", "origins", 0},
		{"orgins", "origins", 1},          // insertion
		{"originss", "origins", 1},        // deletion
		{"orixins", "origins", 1},         // substitution
		{"credentails", "credentials", 2}, // transposition costs two
		{"kitten", "sitting", 3},
		{"héaders", "headers", 1}, // runes, not bytes
	} {
		if got := Levenshtein(c.a, c.b); got != c.want {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Levenshtein(c.b, c.a); got != c.want {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d (not symmetric)", c.b, c.a, got, c.want)
		}
	}
}

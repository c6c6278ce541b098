package policy

import (
	"errors"
	"testing"
)

// FuzzParse feeds Parse arbitrary files, named as YAML or JSON: it must
// never panic, must return a policy or an error and not both, and a policy
// it accepts must pass Validate. Its seeds are in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, asJSON bool, data []byte) {
		name := "fuzz.yaml"
		if asJSON {
			name = "fuzz.json"
		}
		p, err := Parse(name, data)
		if (p == nil) == (err == nil) {
			t.Fatalf("Parse returned policy %v and error %v: want exactly one", p, err)
		}
		if err != nil {
			var fe *FieldError
			var de *DecodeError
			if !errors.As(err, &fe) && !errors.As(err, &de) {
				t.Fatalf("error %v (%T) is neither *FieldError nor *DecodeError", err, err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("Parse accepted a policy that Validate rejects: %v", err)
		}
	})
}

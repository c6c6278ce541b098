package policy

import (
	"errors"
	"testing"
)

// FuzzParse feeds Parse arbitrary files, named as YAML or JSON: it must
// never panic, must return a policy or an error and not both, every problem
// must be a *FieldError or *DecodeError with a line, at most maxProblems of
// them and a count of the rest, and a policy it accepts must pass Validate.
// Its seeds are in testdata/fuzz/FuzzParse.
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
			errs := []error{err}
			if joined, ok := err.(interface{ Unwrap() []error }); ok {
				errs = joined.Unwrap()
			}
			if len(errs) > maxProblems+1 {
				t.Fatalf("Parse reported %d problems, want at most %d", len(errs), maxProblems+1)
			}
			for _, e := range errs {
				var fe *FieldError
				var de *DecodeError
				switch {
				case errors.As(e, &fe):
					if fe.Line < 1 {
						t.Fatalf("error %q has no line", e)
					}
				case errors.As(e, &de):
					if de.Line < 1 && len(data) <= MaxFileSize {
						t.Fatalf("error %q has no line", e)
					}
				default:
					t.Fatalf("error %v (%T) is neither *FieldError nor *DecodeError", e, e)
				}
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("Parse accepted a policy that Validate rejects: %v", err)
		}
	})
}

package policy

import _ "embed"

//go:embed default.yaml
var defaultYAML []byte

// Default returns the policy of corsproof's demo API, embedded from
// default.yaml, which doubles as the commented example of the file format.
// Each call returns a fresh copy that the caller may change.
func Default() *Policy {
	p, err := Parse("default.yaml", defaultYAML)
	if err != nil {
		panic("policy: the embedded default policy is invalid: " + err.Error())
	}
	return p
}

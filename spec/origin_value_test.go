package spec

import "testing"

// The model tells an invalid Access-Control-Allow-Origin value from a
// mismatching one as Chromium's URL parser does, not as Go's net/url does.
func TestIsValidOriginValueFollowsTheURLStandard(t *testing.T) {
	for v, want := range map[string]bool{
		"https://app.example.test":       true,
		"https://app.example.test/":      true,
		"https://app.example.test:8443":  true,
		"https:app.example.test":         true, // no slashes: the URL standard skips them
		"https:/app.example.test":        true,
		"https:///app.example.test":      true, // net/url: empty host
		"https:\\\\app.example.test":     true,
		"HTTPS://APP.EXAMPLE.TEST":       true,
		" https://app.example.test\t":    true, // leading and trailing spaces are stripped
		"https://user@app.example.test":  true,
		"https://[::1]:8443":             true,
		"foo:bar":                        true, // an opaque URL
		"file:///etc/passwd":             true,
		"https://":                       false,
		"https:///":                      false,
		"https://app.example.test:99999": false,
		"https://app.example.test:8x":    false,
		"https://a b.test":               false,
		"https://[::1":                   false,
		"https://[zz]":                   false,
		"app.example.test":               false, // no scheme
		"1https://app.example.test":      false,
		"":                               false,
		"*.example.test":                 false,
	} {
		if got := isValidOriginValue(v); got != want {
			t.Errorf("isValidOriginValue(%q) = %t, want %t", v, got, want)
		}
	}
}

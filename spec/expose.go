package spec

import "sort"

// ExposedHeaders is R7.2: the lowercase, sorted, deduplicated names of the
// headers in a CORS response that script can read.
//   - The seven CORS-safelisted response-header names are always visible.
//   - Access-Control-Expose-Headers adds names; "*" adds every name, but only
//     without credentials (with "include" it is the literal name "*").
//   - A syntax error in ACEH exposes nothing extra: Chromium clears its list,
//     and it is the sensible reading of the standard's "non-null or failure".
//   - Set-Cookie and Set-Cookie2 are never exposed (R2.7).
func ExposedHeaders(h Headers, creds CredentialsMode) []string {
	list := ParseList(h, HeaderExposeHeaders)
	var exposed []string
	if list.State == ListOK {
		exposed = list.Items
		if creds != CredentialsInclude && list.Contains("*") {
			exposed = headerNames(h)
		}
	}
	var out []string
	for _, n := range headerNames(h) {
		if IsCORSSafelistedResponseHeaderName(n, exposed) {
			out = append(out, n)
		}
	}
	return out
}

// basicExposed is R7.1's basic filtered response: everything but
// Set-Cookie/Set-Cookie2.
func basicExposed(h Headers) []string {
	var out []string
	for _, n := range headerNames(h) {
		if !IsForbiddenResponseHeaderName(n) {
			out = append(out, n)
		}
	}
	return out
}

// headerNames are the unique lowercase names of h, sorted.
func headerNames(h Headers) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range h {
		n := lowerASCII(x.Name)
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

package spec

import (
	"fmt"
	"sort"
)

// safelistValueLimit is R2.2 step 1: a value longer than 128 bytes is never
// safelisted; exactly 128 is.
const safelistValueLimit = 128

// unsafeTotalLimit is R2.4: safelisted values totalling more than 1024
// bytes make every one of them unsafe; exactly 1024 is still fine.
const unsafeTotalLimit = 1024

// IsCORSUnsafeRequestHeaderByte is R2.3: control bytes other than tab, DEL,
// and " ( ) : < > ? @ [ \ ] { }. Note , / ; = are allowed.
func IsCORSUnsafeRequestHeaderByte(b byte) bool {
	if b < 0x20 && b != 0x09 {
		return true
	}
	switch b {
	case '"', '(', ')', ':', '<', '>', '?', '@', '[', '\\', ']', '{', '}', 0x7F:
		return true
	}
	return false
}

func hasUnsafeByte(v string) bool {
	for i := 0; i < len(v); i++ {
		if IsCORSUnsafeRequestHeaderByte(v[i]) {
			return true
		}
	}
	return false
}

// isLanguageByte is the byte set R2.2 allows in Accept-Language and
// Content-Language: 0-9 A-Z a-z SP * , - . ; =
func isLanguageByte(b byte) bool {
	switch {
	case '0' <= b && b <= '9', 'A' <= b && b <= 'Z', 'a' <= b && b <= 'z':
		return true
	}
	switch b {
	case ' ', '*', ',', '-', '.', ';', '=':
		return true
	}
	return false
}

// IsCORSSafelistedRequestHeader is R2.2 under the standard alone.
func IsCORSSafelistedRequestHeader(name, value string) bool {
	ok, _, _ := safelistVerdict(name, value, Standard)
	return ok
}

// safelistVerdict is R2.2 under profile p. why explains a false answer in
// words; dev names the profile deviation that turned the answer to true.
func safelistVerdict(name, value string, p Profile) (ok bool, why, dev string) {
	n := lowerASCII(name)
	if len(value) > safelistValueLimit {
		return false, fmt.Sprintf("%s value is %d bytes, over the 128-byte limit", n, len(value)), ""
	}
	switch n {
	case "accept":
		if hasUnsafeByte(value) {
			return false, "accept value contains a CORS-unsafe byte", ""
		}
		return true, "", ""
	case "accept-language", "content-language":
		for i := 0; i < len(value); i++ {
			if !isLanguageByte(value[i]) {
				return false, fmt.Sprintf("%s value contains the byte %q, outside the safelisted set", n, value[i]), ""
			}
		}
		return true, "", ""
	case "content-type":
		return contentTypeVerdict(value, p)
	case "range":
		return rangeVerdict(value, p)
	}
	for _, x := range p.ExtraSafelistedHeaders {
		if equalFoldASCII(x.Name, n) {
			if valueMatches(x.Value, value) {
				return true, "", DevClientHintsSafelisted
			}
			return false, fmt.Sprintf("header %s is not CORS-safelisted and its value does not match the %s rule", n, x.Value), ""
		}
	}
	return false, fmt.Sprintf("header %s is not CORS-safelisted", n), ""
}

func contentTypeVerdict(value string, p Profile) (bool, string, string) {
	bad := fmt.Sprintf("content-type value %s is not safelisted", value)
	if hasUnsafeByte(value) {
		return false, bad + " (it contains a CORS-unsafe byte)", ""
	}
	mt, ok := ParseMIMEType(value)
	if !ok {
		return false, bad + " (it is not a valid MIME type)", ""
	}
	switch mt.Essence() {
	case "application/x-www-form-urlencoded", "multipart/form-data", "text/plain":
		return true, "", ""
	}
	for _, e := range p.ExtraSafelistedContentTypes {
		if equalFoldASCII(e, mt.Essence()) {
			return true, "", DevAdAuctionContentType
		}
	}
	return false, bad, ""
}

func rangeVerdict(value string, p Profile) (bool, string, string) {
	if r, ok := ParseSingleRange(value, false); ok && r.Start != "" {
		return true, "", ""
	}
	if p.RangeValueCaseInsensitive {
		if r, ok := ParseSingleRange(lowerASCII(value), false); ok && r.Start != "" {
			return true, "", DevRangeCaseInsensitive
		}
	}
	return false, fmt.Sprintf("range value %s is not a single range with a start", value), ""
}

// valueMatches applies an extra safelisted header's value rule.
func valueMatches(r ValueRule, v string) bool {
	switch r {
	case ValueAny:
		return true
	case ValueInt:
		return v != "" && leadingDigits(v) == v
	case ValueDecimal:
		i := len(leadingDigits(v))
		if i == 0 {
			return false
		}
		if i == len(v) {
			return true
		}
		frac := v[i:]
		return frac[0] == '.' && len(frac) > 1 && leadingDigits(frac[1:]) == frac[1:]
	case ValueECT:
		for _, e := range [...]string{"slow-2g", "2g", "3g", "4g"} {
			if equalFoldASCII(v, e) {
				return true
			}
		}
	case ValueOn:
		return v == "on"
	}
	return false
}

// UnsafeHeader is one CORS-unsafe request-header name and why it is unsafe.
type UnsafeHeader struct {
	Name string `json:"name"` // lowercase
	Why  string `json:"why"`
}

// unsafeNames is R2.4 with reasons: every entry counts separately
// (duplicates too), and safelisted values totalling over 1024 bytes make all
// of them unsafe. The result is the sorted-lowercase set; devs lists profile
// deviations that kept a header off it.
func unsafeNames(h Headers, p Profile) (out []UnsafeHeader, devs []string) {
	why := map[string]string{}
	var maybe []string
	size := 0
	for _, x := range h {
		n := lowerASCII(x.Name)
		ok, w, dev := safelistVerdict(x.Name, x.Value, p)
		if !ok {
			if _, seen := why[n]; !seen {
				why[n] = w
			}
			continue
		}
		if dev != "" {
			devs = appendUnique(devs, dev)
		}
		maybe = append(maybe, n)
		size += len(x.Value)
	}
	if size > unsafeTotalLimit {
		for _, n := range maybe {
			if _, seen := why[n]; !seen {
				why[n] = fmt.Sprintf("safelisted header values total %d bytes, over the 1024-byte limit", size)
			}
		}
		devs = nil
	}
	for n, w := range why {
		out = append(out, UnsafeHeader{Name: n, Why: w})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, devs
}

// CORSUnsafeRequestHeaderNames is R2.4: the sorted-lowercase set of names
// that make a request need a preflight under profile p.
func CORSUnsafeRequestHeaderNames(h Headers, p Profile) []string {
	u, _ := unsafeNames(h, p)
	names := make([]string, len(u))
	for i, x := range u {
		names[i] = x.Name
	}
	return names
}

// IsCORSSafelistedResponseHeaderName is R2.6: the seven always-exposed names,
// or a name in exposed that is not Set-Cookie/Set-Cookie2.
func IsCORSSafelistedResponseHeaderName(name string, exposed []string) bool {
	switch lowerASCII(name) {
	case "cache-control", "content-language", "content-length", "content-type",
		"expires", "last-modified", "pragma":
		return true
	}
	if IsForbiddenResponseHeaderName(name) {
		return false
	}
	for _, e := range exposed {
		if equalFoldASCII(e, name) {
			return true
		}
	}
	return false
}

// IsForbiddenResponseHeaderName is R2.7: Set-Cookie and Set-Cookie2 never
// reach script.
func IsForbiddenResponseHeaderName(name string) bool {
	return equalFoldASCII(name, "set-cookie") || equalFoldASCII(name, "set-cookie2")
}

// IsCORSNonWildcardRequestHeaderName is R2.5: only Authorization, which "*"
// in Access-Control-Allow-Headers never covers under the standard.
func IsCORSNonWildcardRequestHeaderName(name string) bool {
	return equalFoldASCII(name, headerAuth)
}

// isNoCORSSafelistedRequestHeader is R1.6: the four names whose values are
// also CORS-safelisted (the standard's rules, no profile extras).
func isNoCORSSafelistedRequestHeader(name, value string, p Profile) bool {
	switch lowerASCII(name) {
	case "accept", "accept-language", "content-language", "content-type":
		ok, _, _ := safelistVerdict(name, value, p)
		return ok
	}
	return false
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

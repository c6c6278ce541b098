package spec

// IsForbiddenMethod reports whether m is a forbidden method (R1.2):
// CONNECT, TRACE or TRACK in any case. fetch() throws a TypeError for them.
func IsForbiddenMethod(m string) bool {
	return equalFoldASCII(m, "CONNECT") || equalFoldASCII(m, "TRACE") || equalFoldASCII(m, "TRACK")
}

// NormalizeMethod is the standard's "normalize a method" (R1.3): only the six
// methods DELETE, GET, HEAD, OPTIONS, POST and PUT are uppercased; every other
// method keeps its case, so "patch" stays "patch" and is later compared byte
// for byte against Access-Control-Allow-Methods.
func NormalizeMethod(m string) string {
	for _, known := range [...]string{"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"} {
		if equalFoldASCII(m, known) {
			return known
		}
	}
	return m
}

// IsCORSSafelistedMethod reports whether the (normalized) method is GET, HEAD
// or POST, compared byte for byte (R2.1).
func IsCORSSafelistedMethod(m string) bool {
	return m == "GET" || m == "HEAD" || m == "POST"
}

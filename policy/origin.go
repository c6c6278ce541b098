package policy

import (
	"fmt"
	"strconv"
	"strings"
)

// originProblem says why o is not an origin a browser could send, or ""
// if it is one. Browsers compare Access-Control-Allow-Origin with the
// request's serialized origin byte for byte (Fetch standard, CORS check), so
// anything but the exact serialization would never match: lowercase
// scheme://host, the port only when not the scheme's default, nothing after.
// A subdomain pattern is an origin whose host starts with "*.".
func originProblem(o string) string {
	scheme, rest, ok := strings.Cut(o, "://")
	if !ok {
		return `not a serialized origin: want scheme://host[:port], "*" or "null"`
	}
	if hasUpper(scheme) {
		return lowercaseOnly
	}
	if scheme != "http" && scheme != "https" {
		return "scheme must be http or https"
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		if rest[i:] == "/" {
			return "trailing slash: browsers send origins without one, so it would never match"
		}
		return "has a path, query or fragment: an origin is scheme://host[:port] and nothing more"
	}
	if strings.Contains(rest, "@") {
		return "has user information: an origin is scheme://host[:port] and nothing more"
	}
	host, port, hasPort, ok := splitHostPort(rest)
	if !ok {
		return "malformed IPv6 host: want [address] or [address]:port"
	}
	if reason := hostProblem(host); reason != "" {
		return reason
	}
	if hasPort {
		return portProblem(scheme, port)
	}
	return ""
}

const lowercaseOnly = "has uppercase letters: browsers send origins in lowercase, so it would never match"

// splitHostPort splits "host[:port]", where host may be an IPv6 literal in
// brackets.
func splitHostPort(s string) (host, port string, hasPort, ok bool) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", false, false
		}
		host, after := s[:end+1], s[end+1:]
		if after == "" {
			return host, "", false, true
		}
		if after[0] != ':' {
			return "", "", false, false
		}
		return host, after[1:], true, true
	}
	host, port, hasPort = strings.Cut(s, ":")
	return host, port, hasPort, true
}

func hostProblem(host string) string {
	if host == "" {
		return "has no host"
	}
	if hasUpper(host) {
		return lowercaseOnly
	}
	if strings.HasPrefix(host, "[") {
		if strings.Trim(host[1:len(host)-1], "0123456789abcdef:.") != "" || len(host) == 2 {
			return "malformed IPv6 host: want hexadecimal digits, colons and dots in brackets"
		}
		if len(host) > maxIPv6Literal {
			return fmt.Sprintf("malformed IPv6 host: %d bytes, longer than any IPv6 address", len(host))
		}
		return ""
	}
	pattern := host // with the "*." of a subdomain pattern, whose "*" stands for at least one label
	host = strings.TrimPrefix(host, "*.")
	if strings.Contains(host, "*") {
		return `"*" is allowed in an origin only as the whole first label, as in https://*.example.com`
	}
	for i := 0; i < len(host); i++ {
		if host[i] >= 0x80 {
			return "non-ASCII host: browsers send the punycode form (xn--...)"
		}
	}
	if n := len(strings.TrimSuffix(pattern, ".")); n > maxHostLen {
		return fmt.Sprintf("host is %d bytes long: DNS names are at most %d bytes, so no browser could reach it", n, maxHostLen)
	}
	for label := range strings.SplitSeq(host, ".") {
		if label == "" {
			return "host has an empty label"
		}
		if strings.Trim(label, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return "host has a character other than letters, digits, '-', '_' and '.'"
		}
		if len(label) > maxLabelLen {
			return fmt.Sprintf("host has a label of %d bytes: DNS labels are at most %d bytes, so no browser could reach it", len(label), maxLabelLen)
		}
	}
	return ""
}

// The DNS limits on a host name (RFC 1035, section 2.3.4; RFC 1123 for the
// name written without its final dot), and the longest IPv6 literal
// ("[" + 45 characters, an IPv4-mapped address, + "]").
const (
	maxLabelLen    = 63
	maxHostLen     = 253
	maxIPv6Literal = 47
)

func portProblem(scheme, port string) string {
	n, err := strconv.Atoi(port)
	switch {
	case port == "":
		return "empty port: drop the colon"
	case err != nil || n < 0 || n > 65535 || port[0] == '+' || port[0] == '-':
		return "port must be a number from 0 to 65535"
	case strconv.Itoa(n) != port:
		return "port has leading zeros: browsers drop them, so it would never match"
	case (scheme == "http" && n == 80) || (scheme == "https" && n == 443):
		return fmt.Sprintf("default port %d of %s: browsers leave it out, so it would never match", n, scheme)
	}
	return ""
}

func hasUpper(s string) bool { return strings.ToLower(s) != s }

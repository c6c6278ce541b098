package spec

import "strings"

// MIMEType is the result of the WHATWG MIME Sniffing "parse a MIME type":
// lowercase type and subtype, and parameters with lowercase names.
type MIMEType struct {
	Type, Subtype string
	Params        map[string]string
}

// Essence is "type/subtype".
func (m MIMEType) Essence() string { return m.Type + "/" + m.Subtype }

// ParseMIMEType is "parse a MIME type" (WHATWG MIME Sniffing §4.4) over an
// isomorphic-decoded string: every byte is one code point. The Content-Type
// safelist (R2.2) deliberately uses this parser, not "extract a MIME type",
// so "text/plain, application/json" fails instead of picking the last value.
func ParseMIMEType(s string) (MIMEType, bool) {
	s = trimHTTPWhitespace(s)
	slash := strings.IndexByte(s, '/')
	if slash < 0 {
		return MIMEType{}, false
	}
	typ := s[:slash]
	if !IsToken(typ) {
		return MIMEType{}, false
	}
	rest := s[slash+1:]
	semi := strings.IndexByte(rest, ';')
	if semi < 0 {
		semi = len(rest)
	}
	sub := strings.TrimRight(rest[:semi], "\t\n\r ")
	if !IsToken(sub) {
		return MIMEType{}, false
	}
	m := MIMEType{Type: lowerASCII(typ), Subtype: lowerASCII(sub), Params: map[string]string{}}
	parseMIMEParams(rest[semi:], m.Params)
	return m, true
}

// parseMIMEParams runs step 11 of "parse a MIME type" on the text after the
// subtype (which starts with ';' or is empty). Bad parameters are skipped,
// never fatal; the first occurrence of a name wins.
func parseMIMEParams(s string, params map[string]string) {
	pos := 0
	for pos < len(s) {
		pos++ // past ';'
		for pos < len(s) && isHTTPWhitespace(s[pos]) {
			pos++
		}
		start := pos
		for pos < len(s) && s[pos] != ';' && s[pos] != '=' {
			pos++
		}
		name := lowerASCII(s[start:pos])
		if pos < len(s) {
			if s[pos] == ';' {
				continue
			}
			pos++ // past '='
		}
		if pos >= len(s) {
			break
		}
		var value string
		if s[pos] == '"' {
			value, pos = collectQuotedString(s, pos)
			for pos < len(s) && s[pos] != ';' {
				pos++
			}
		} else {
			start := pos
			for pos < len(s) && s[pos] != ';' {
				pos++
			}
			value = strings.TrimRight(s[start:pos], "\t\n\r ")
			if value == "" {
				continue
			}
		}
		if _, dup := params[name]; !dup && IsToken(name) && isQuotedStringTokens(value) {
			params[name] = value
		}
	}
}

// collectQuotedString is "collect an HTTP quoted string" with extract-value
// set: s[pos] is '"'; it returns the unescaped value and the new position.
func collectQuotedString(s string, pos int) (string, int) {
	var b strings.Builder
	pos++
	for {
		for pos < len(s) && s[pos] != '"' && s[pos] != '\\' {
			b.WriteByte(s[pos])
			pos++
		}
		if pos >= len(s) {
			return b.String(), pos
		}
		c := s[pos]
		pos++
		if c == '"' {
			return b.String(), pos
		}
		if pos >= len(s) {
			b.WriteByte('\\')
			return b.String(), pos
		}
		b.WriteByte(s[pos])
		pos++
	}
}

// isQuotedStringTokens: every byte is an HTTP quoted-string token code point
// (tab, 0x20–0x7E, 0x80–0xFF).
func isQuotedStringTokens(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\t' && (c < 0x20 || c == 0x7F) {
			return false
		}
	}
	return true
}

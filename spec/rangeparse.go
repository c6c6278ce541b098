package spec

import "strings"

// RangeValue is a parsed single byte range. Start or End is "" when absent;
// otherwise decimal digits without leading zeros ("0" for zero), so ranges
// of any size compare without overflow.
type RangeValue struct {
	Start, End string
}

// ParseSingleRange is the standard's "parse a single range header value"
// (#simple-range-header-value). The prefix "bytes" is matched
// case-sensitively; allowWhitespace is false for the safelist (R2.2), so
// "bytes = 0-1" fails there.
func ParseSingleRange(value string, allowWhitespace bool) (RangeValue, bool) {
	if !strings.HasPrefix(value, "bytes") {
		return RangeValue{}, false
	}
	s := value[len("bytes"):]
	skip := func() {
		if allowWhitespace {
			s = strings.TrimLeft(s, "\t ")
		}
	}
	skip()
	if !strings.HasPrefix(s, "=") {
		return RangeValue{}, false
	}
	s = s[1:]
	skip()
	start := leadingDigits(s)
	s = s[len(start):]
	skip()
	if !strings.HasPrefix(s, "-") {
		return RangeValue{}, false
	}
	s = s[1:]
	skip()
	end := leadingDigits(s)
	if s[len(end):] != "" || (start == "" && end == "") {
		return RangeValue{}, false
	}
	r := RangeValue{Start: stripZeros(start), End: stripZeros(end)}
	if r.Start != "" && r.End != "" && decimalLess(r.End, r.Start) {
		return RangeValue{}, false
	}
	return r, true
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return s[:i]
}

func stripZeros(d string) string {
	if d == "" {
		return ""
	}
	t := strings.TrimLeft(d, "0")
	if t == "" {
		return "0"
	}
	return t
}

// decimalLess compares two zero-stripped decimal strings numerically.
func decimalLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

package spec

import "strings"

// ListState is the outcome of "extract header list values": the header is
// absent (null), does not match its ABNF (failure), or parsed to a list.
// The zero value is invalid, so an unset List is never mistaken for null.
type ListState uint8

const (
	ListNull    ListState = iota + 1 // the header is absent: "null is not failure"
	ListFailure                      // a syntax error: fatal for ACAM/ACAH (R4.2.4)
	ListOK                           // parsed; Items may be empty ("GET,,")
)

// List is a tri-state parsed list header (Access-Control-Allow-Methods,
// -Allow-Headers, -Expose-Headers).
type List struct {
	State ListState
	Items []string
}

// Contains reports whether item is in the list, byte for byte (the method
// check in R4.2.6 is case-sensitive).
func (l List) Contains(item string) bool {
	for _, it := range l.Items {
		if it == item {
			return true
		}
	}
	return false
}

// ContainsFold reports whether item is in the list, byte-case-insensitively
// (header names, R4.2.7 and R4.2.8).
func (l List) ContainsFold(item string) bool {
	for _, it := range l.Items {
		if equalFoldASCII(it, item) {
			return true
		}
	}
	return false
}

// ParseList is "extract header list values" for a #token list header
// (ACAM is #method, ACAH and ACEH are #field-name; both are tokens):
//   - no line with that name: ListNull;
//   - several lines are one list, their elements concatenated;
//   - empty elements ("GET,,PUT", a trailing comma) are allowed (RFC 9110 §5.6.1);
//   - an element that is not a token after trimming OWS ("PUT DELETE",
//     "X-A;q=1", a quoted string) makes the whole header a failure.
func ParseList(h Headers, name string) List {
	lines := h.Values(name)
	if lines == nil {
		return List{State: ListNull}
	}
	items := []string{}
	for _, line := range lines {
		for _, el := range strings.Split(line, ",") {
			el = trimTabOrSpace(el)
			if el == "" {
				continue
			}
			if !IsToken(el) {
				return List{State: ListFailure}
			}
			items = append(items, el)
		}
	}
	return List{State: ListOK, Items: items}
}

// getDecodeSplit is the standard's "get, decode, and split" on one value:
// split at commas outside double quotes, strip HTTP tab-or-space. Used for
// the X-HTTP-Method-Override family (R1.5).
func getDecodeSplit(value string) []string {
	var out []string
	var cur strings.Builder
	inQuote := false
	for i := 0; i < len(value); i++ {
		c := value[i]
		switch {
		case c == '"':
			inQuote = !inQuote
			cur.WriteByte(c)
		case c == '\\' && inQuote && i+1 < len(value):
			i++
			cur.WriteByte(value[i])
		case c == ',' && !inQuote:
			out = append(out, trimTabOrSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(out, trimTabOrSpace(cur.String()))
}

package policy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// yaml.v3 reports some errors without a line: bytes that are not text
// (binary junk, a NUL), any error on the first line ("origins: [*]"), an
// alias to an unknown anchor. And the line it gives a parser error is the
// 0-based one, of the construct the error is in. This file gives every YAML
// error the line it is on, and a column where one can be told.

// yamlText returns data as the UTF-8 text yaml.v3 is given, or an error at
// the line and column of the first character YAML does not allow: a byte
// that is not UTF-8, a NUL or another control character. yaml.v3 also reads
// UTF-16 after a byte order mark; such a file is converted here, so that the
// check and the lines apply to it too.
func yamlText(file string, data []byte) ([]byte, *DecodeError) {
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}):
		return fromUTF16(file, data[2:], binary.LittleEndian)
	case bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		return fromUTF16(file, data[2:], binary.BigEndian)
	}
	for i := 0; i < len(data); {
		if c := data[i]; c >= 0x20 && c < 0x7f || c == '\n' || c == '\r' || c == '\t' {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		var msg string
		switch {
		case r == utf8.RuneError && size == 1:
			msg = fmt.Sprintf("byte 0x%02x is not UTF-8: a policy file is UTF-8 text", data[i])
		case r == 0:
			msg = "a NUL byte: a policy file is text, not binary"
		case !yamlPrintable(r):
			msg = fmt.Sprintf("control character %U is not allowed", r)
		}
		if msg != "" {
			line, col := position(data, i)
			return nil, &DecodeError{File: file, Line: line, Column: col, Msg: "invalid YAML: " + msg}
		}
		i += size
	}
	return data, nil
}

// yamlPrintable reports whether YAML allows character r in a document (YAML
// 1.2, section 5.1, as yaml.v3's reader checks it).
func yamlPrintable(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0x7e || r == 0x85 ||
		r >= 0xa0 && r <= 0xd7ff || r >= 0xe000 && r <= 0xfffd || r >= 0x10000 && r <= 0x10ffff
}

// fromUTF16 converts UTF-16 text, its byte order mark removed, to UTF-8 and
// checks it as yamlText does.
func fromUTF16(file string, body []byte, order binary.ByteOrder) ([]byte, *DecodeError) {
	out := make([]byte, 0, len(body))
	bad := func(msg string) ([]byte, *DecodeError) {
		line, col := position(out, len(out))
		return nil, &DecodeError{File: file, Line: line, Column: col, Msg: "invalid YAML: " + msg}
	}
	for i := 0; i < len(body); i += 2 {
		if i+1 == len(body) {
			return bad("the file ends in the middle of a UTF-16 character")
		}
		r := rune(order.Uint16(body[i:]))
		if utf16.IsSurrogate(r) {
			if i+3 >= len(body) {
				return bad("a UTF-16 surrogate without its pair")
			}
			r = utf16.DecodeRune(r, rune(order.Uint16(body[i+2:])))
			if r == utf8.RuneError {
				return bad("a UTF-16 surrogate without its pair")
			}
			i += 2
		}
		out = utf8.AppendRune(out, r)
	}
	return yamlText(file, out)
}

// lineStarts returns the offset of the start of each line of data; a line
// ends as YAML's do, at "\r\n", "\r", "\n", U+0085, U+2028 or U+2029.
func lineStarts(data []byte) []int {
	starts := []int{0}
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case c == '\n':
			starts = append(starts, i+1)
		case c == '\r':
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			starts = append(starts, i+1)
		case c == 0xc2 && i+1 < len(data) && data[i+1] == 0x85:
			i++
			starts = append(starts, i+1)
		case c == 0xe2 && i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xa8 || data[i+2] == 0xa9):
			i += 2
			starts = append(starts, i+1)
		}
	}
	return starts
}

// position returns the line and the column (in bytes, from 1) of offset off
// in data.
func position(data []byte, off int) (line, col int) {
	starts := lineStarts(data[:off])
	return len(starts), off - starts[len(starts)-1] + 1
}

var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// yamlMessage splits a yaml.v3 error into its message and the line it
// gives, 0 for none.
func yamlMessage(err error) (msg string, line int) {
	msg = err.Error()
	m := yamlLine.FindStringSubmatch(msg)
	if m == nil {
		return msg, 0
	}
	line, _ = strconv.Atoi(m[1])
	return msg[len(m[0]):], line
}

// yamlError turns a yaml.v3 error on data into a DecodeError at the line
// the error is on.
func yamlError(file string, data []byte, err error) *DecodeError {
	msg, reported := yamlMessage(err)
	starts := lineStarts(data)
	lineText := func(line int) []byte {
		end := len(data)
		if line < len(starts) {
			end = starts[line]
		}
		return data[starts[line-1]:end]
	}
	var line, col int
	hint := ""
	if name, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
		// yaml.v3 gives no line here; look for the alias in the text first.
		// yaml.v3 gives no line here; the first alias of that name in the
		// text is likely the one (unless it is in a multi-line string):
		// try the first few.
		name = strings.TrimSuffix(name, "' referenced")
		for l, tries := 1, 0; l <= len(starts) && tries < 3; l++ {
			c := findAlias(lineText(l), name)
			if c == 0 {
				continue
			}
			tries++
			if !sameYAMLError(data, starts, l, msg) {
				continue // the error is further on
			}
			if l == 1 || !sameYAMLError(data, starts, l-1, msg) {
				line, col = l, c
			}
			break
		}
		hint = ` (an unquoted * starts a YAML alias: write the value in quotes)`
	}
	if line == 0 {
		line = yamlErrorLine(data, starts, msg, reported)
	}
	if strings.Contains(msg, "did not find expected alphabetic or numeric character") {
		// The scanner's words for an unquoted "*" (or "&") not followed by
		// an anchor name; the wildcard origin is the likeliest cause here.
		hint = ` (write "*" in quotes: an unquoted * starts a YAML alias)`
		if c := findAlias(lineText(line), ""); c > 0 {
			col = c
			if lineText(line)[c-1] == '&' {
				hint = ` (write the value in quotes: an unquoted & starts a YAML anchor)`
			}
		}
	}
	return &DecodeError{File: file, Line: line, Column: col, Msg: "invalid YAML: " + msg + hint}
}

// yamlErrorLine returns the line on which yaml.v3 stops with message msg:
// the first line k such that the first k lines alone make it stop with that
// message. It is never before the line yaml.v3 reported (which may be
// 0-based, or the line where the enclosing construct starts), so the search
// gallops from there, then halves: a few parses of the text up to the error.
func yamlErrorLine(data []byte, starts []int, msg string, reported int) int {
	n := len(starts)
	lo := min(max(reported, 1), n)
	hi, step := lo, 1
	for !sameYAMLError(data, starts, hi, msg) {
		if hi == n {
			return max(min(reported, n), 1) // not found: keep yaml.v3's
		}
		lo = hi + 1
		hi = min(hi+step, n)
		step *= 2
	}
	// The answer is in [lo, hi], and hi has the error.
	return lo + sort.Search(hi-lo, func(i int) bool { return sameYAMLError(data, starts, lo+i, msg) })
}

// sameYAMLError reports whether the first k lines of data make yaml.v3 stop
// with message msg.
func sameYAMLError(data []byte, starts []int, k int, msg string) bool {
	end := len(data)
	if k < len(starts) {
		end = starts[k]
	}
	_, _, err := decodeYAML(data[:end])
	if err == nil {
		return false
	}
	m, _ := yamlMessage(err)
	return m == msg
}

// findAlias returns the column (from 1) of the first "*" (or "&" when name
// is "") in a line of YAML that starts a token and is followed by name and
// then by something that ends an alias: for name "", an alias or anchor
// without a name, which the scanner rejects. It skips quoted text and
// stops at a comment; 0 if there is none.
func findAlias(line []byte, name string) int {
	isName := func(c byte) bool {
		return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c == '-'
	}
	ends := func(rest []byte) bool {
		return len(rest) == 0 || strings.IndexByte(" \t\r\n?:,]}%@`", rest[0]) >= 0
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		tokenStart := i == 0 || strings.IndexByte(" \t[{,", line[i-1]) >= 0
		switch {
		case c == '#' && tokenStart:
			return 0
		case c == '\'' && tokenStart:
			for i++; i < len(line) && line[i] != '\''; i++ {
			}
		case c == '"' && tokenStart:
			for i++; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' {
					i++
				}
			}
		case (c == '*' || c == '&' && name == "") && tokenStart:
			rest := line[i+1:]
			if name == "" {
				j := 0
				for j < len(rest) && isName(rest[j]) {
					j++
				}
				if j == 0 || !ends(rest[j:]) {
					return i + 1
				}
			} else if bytes.HasPrefix(rest, []byte(name)) && ends(rest[len(name):]) {
				return i + 1
			}
		}
	}
	return 0
}

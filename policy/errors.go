package policy

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// A FieldError is one rule a policy breaks: a value that browsers would
// never match, a combination they reject, a required field left out. Parse
// and Validate report every FieldError at once, joined with errors.Join, so
// that a policy author fixes the whole file in one pass.
type FieldError struct {
	// File and Line locate the value in the policy file. Both are zero for a
	// Policy built in Go code.
	File string
	Line int
	// Field is the path of the field, as in "routes[0].origins".
	Field string
	// Value is the offending value; empty when the problem is a missing field.
	Value string
	// Reason says what is wrong and, where it is not obvious, what a browser
	// would do with the value.
	Reason string
}

// Error formats the problem as `file:line: field: "value": reason`, leaving
// out the location when there is none and the value when it is missing. A
// long value is cut short (see excerpt).
func (e *FieldError) Error() string {
	s := location(e.File, e.Line, 0) + e.Field + ": "
	if e.Value != "" {
		s += excerpt(e.Value) + ": "
	}
	return s + e.Reason
}

// A DecodeError is a problem with the file's shape, found before any rule
// is checked: YAML or JSON that does not parse, an unknown field, a value of
// the wrong type, a duplicate field.
type DecodeError struct {
	File string
	// Line is 0 only for a problem with the whole file, such as its size.
	Line int
	// Column, counted in bytes from 1, is 0 when unknown; it is known for
	// bytes that are not UTF-8 text and for an unquoted "*".
	Column int
	Msg    string
}

// Error formats the problem as `file:line: message`, or `file:line:column:
// message` when the column is known.
func (e *DecodeError) Error() string { return location(e.File, e.Line, e.Column) + e.Msg }

func location(file string, line, column int) string {
	switch {
	case line > 0 && column > 0:
		return fmt.Sprintf("%s:%d:%d: ", file, line, column)
	case line > 0:
		return fmt.Sprintf("%s:%d: ", file, line)
	case file != "":
		return file + ": "
	}
	return ""
}

// excerptLen is how much of a value a message echoes.
const excerptLen = 60

// excerpt quotes s for a message; a value longer than excerptLen bytes is
// cut there (at a character boundary) and its length given, so that one
// line stays one line even for a megabyte-long origin or field name.
func excerpt(s string) string {
	if len(s) <= excerptLen {
		return strconv.Quote(s)
	}
	cut := excerptLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(s[:cut]), len(s))
}

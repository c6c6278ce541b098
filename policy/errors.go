package policy

import (
	"fmt"
	"strconv"
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
// out the location when there is none and the value when it is missing.
func (e *FieldError) Error() string {
	s := location(e.File, e.Line) + e.Field + ": "
	if e.Value != "" {
		s += strconv.Quote(e.Value) + ": "
	}
	return s + e.Reason
}

// A DecodeError is a problem with the file's shape, found before any rule
// is checked: YAML or JSON that does not parse, an unknown field, a value of
// the wrong type, a duplicate field.
type DecodeError struct {
	File string
	Line int // 0 when the parser could not tell
	Msg  string
}

// Error formats the problem as `file:line: message`.
func (e *DecodeError) Error() string { return location(e.File, e.Line) + e.Msg }

func location(file string, line int) string {
	switch {
	case line > 0:
		return fmt.Sprintf("%s:%d: ", file, line)
	case file != "":
		return file + ": "
	}
	return ""
}

package main

import (
	"strconv"
	"strings"
)

// color: ANSI colours on a terminal, unless NO_COLOR is set to anything
// (https://no-color.org).
func (e env) color() bool {
	return isTTY(e.stdout) && e.getenv("NO_COLOR") == ""
}

// width is the text report's width: COLUMNS when set, else the terminal's,
// else the report's default.
func (e env) width() int {
	if n, err := strconv.Atoi(strings.TrimSpace(e.getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	if n := terminalWidth(e.stdout); n > 0 {
		return n
	}
	return 0 // report.DefaultWidth
}

//go:build !unix

package main

// terminalWidth is not known here: the report's default applies.
func terminalWidth(any) int { return 0 }

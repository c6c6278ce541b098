package report

import (
	"fmt"
	"io"

	"github.com/corsproof/corsproof/harness"
)

// HTML writes a self-contained HTML report. (First version: a table.)
func HTML(w io.Writer, results []harness.Result, m Meta, origins map[string]string) error {
	_, err := fmt.Fprintf(w, "<!doctype html><title>corsproof report</title><p>%s</p>", Summarize(results))
	return err
}

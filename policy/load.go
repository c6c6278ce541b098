package policy

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize is the size of the largest policy file Load and Parse accept,
// 1 MiB. A policy is a page of YAML or JSON; a file of megabytes is the
// wrong file, and is refused before it is parsed.
const MaxFileSize = 1 << 20

// maxProblems is how many problems Parse reports one by one; the rest are
// counted in one last line.
const maxProblems = 50

// Load reads, decodes and validates the policy file at path; see Parse. It
// reads at most MaxFileSize bytes and one more: a larger file is an error
// that gives its size.
func Load(path string) (*Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		size := int64(-1) // unknown: a pipe or a device
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
		return nil, tooLarge(path, size)
	}
	return Parse(path, data)
}

// tooLarge is the error for a file over MaxFileSize bytes; size is -1 when
// only that much is known.
func tooLarge(file string, size int64) *DecodeError {
	have := fmt.Sprintf("more than %d bytes", MaxFileSize)
	if size > MaxFileSize {
		have = fmt.Sprintf("%d bytes (%.1f MiB)", size, float64(size)/(1<<20))
	}
	return &DecodeError{File: file, Msg: fmt.Sprintf(
		"the file is %s, over the limit of %d bytes (%d MiB) for a policy file: a policy is a page of YAML or JSON, not megabytes",
		have, MaxFileSize, MaxFileSize>>20)}
}

// Parse decodes and validates a policy file's content; name is the file's
// name, used in errors and to tell JSON (".json") from YAML (".yaml",
// ".yml"). Any other name is read as JSON when the content starts with "{",
// as YAML otherwise. Content over MaxFileSize bytes is an error.
//
// Decoding is strict: an unknown field, a duplicate field or a value of the
// wrong type is a *DecodeError. The policy's rules are then validated as by
// Validate. Parse reports every problem at once, in line order, joined with
// errors.Join, each prefixed with "name:line: ". Past the first 50, one
// more *DecodeError, at the line of the first one left out, says how many
// more there are and how many in all.
//
// Parse takes time linear in the size of the content, however many
// problems it has.
func Parse(name string, data []byte) (*Policy, error) {
	if len(data) > MaxFileSize {
		return nil, tooLarge(name, int64(len(data)))
	}
	parse := parseYAML
	if isJSON(name, data) {
		parse = parseJSON
	}
	root, err := parse(name, data)
	if err != nil {
		return nil, err
	}
	if root.Kind != yaml.MappingNode {
		return nil, &DecodeError{File: name, Line: root.Line, Msg: "want a mapping of policy fields, got " + describe(root)}
	}

	var p Policy
	s := newShape(name, root)
	s.walk(root, reflect.ValueOf(&p).Elem(), "")

	var probs []problem
	for _, e := range s.errs {
		probs = append(probs, problem{e.Line, e})
	}
	for _, is := range p.check() {
		if !s.isBad(is.at) {
			is.err.File, is.err.Line = name, s.line(is.at)
			probs = append(probs, problem{is.err.Line, is.err})
		}
	}
	if len(probs) > 0 {
		return nil, report(name, probs)
	}
	return &p, nil
}

type problem struct {
	line int
	err  error
}

// report joins the problems in line order, the first maxProblems of them
// and a count of the rest.
func report(file string, probs []problem) error {
	slices.SortStableFunc(probs, func(a, b problem) int { return cmp.Compare(a.line, b.line) })
	shown := probs[:min(len(probs), maxProblems)]
	errs := make([]error, 0, len(shown)+1)
	for _, p := range shown {
		errs = append(errs, p.err)
	}
	if more := len(probs) - len(shown); more > 0 {
		noun := "problems"
		if more == 1 {
			noun = "problem"
		}
		errs = append(errs, &DecodeError{File: file, Line: probs[len(shown)].line,
			Msg: fmt.Sprintf("and %d more %s from here on (%d in all)", more, noun, len(probs))})
	}
	return errors.Join(errs...)
}

func isJSON(name string, data []byte) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return true
	case ".yaml", ".yml":
		return false
	}
	return bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("{"))
}

// parseYAML parses a single YAML document into its root node. An empty
// document is a null node, which Parse rejects as not a mapping.
func parseYAML(file string, data []byte) (*yaml.Node, error) {
	data, textErr := yamlText(file, data)
	if textErr != nil {
		return nil, textErr
	}
	doc, next, err := decodeYAML(data)
	switch {
	case err != nil:
		return nil, yamlError(file, data, err)
	case next > 0:
		return nil, &DecodeError{File: file, Line: next, Msg: "more than one YAML document: a policy file holds one"}
	case len(doc.Content) == 0:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: 1}, nil
	}
	return doc.Content[0], nil
}

// decodeYAML parses the first YAML document of data, and returns the line
// of a second one if there is one (0 if not), or yaml.v3's error.
func decodeYAML(data []byte) (doc *yaml.Node, next int, err error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	doc = new(yaml.Node)
	if err := dec.Decode(doc); err != nil && err != io.EOF {
		return nil, 0, err
	}
	var second yaml.Node
	switch err := dec.Decode(&second); {
	case err == nil:
		return doc, max(second.Line, 1), nil
	case err != io.EOF:
		return nil, 0, err
	}
	return doc, 0, nil
}

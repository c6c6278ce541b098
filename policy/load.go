package policy

import (
	"bytes"
	"cmp"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads, decodes and validates the policy file at path; see Parse.
func Load(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse decodes and validates a policy file's content; name is the file's
// name, used in errors and to tell JSON (".json") from YAML (".yaml",
// ".yml"). Any other name is read as JSON when the content starts with "{",
// as YAML otherwise.
//
// Decoding is strict: an unknown field, a duplicate field or a value of the
// wrong type is a *DecodeError. The policy's rules are then validated as by
// Validate. Parse reports every problem at once, in line order, joined with
// errors.Join, each prefixed with "name:line: ".
func Parse(name string, data []byte) (*Policy, error) {
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
	var typeErr *yaml.TypeError
	if err := root.Decode(&p); err != nil && !errors.As(err, &typeErr) {
		return nil, yamlError(name, err)
	}
	s := newShape(name)
	s.walk(root, reflect.TypeFor[Policy](), "")

	var errs []error
	for _, e := range s.errs {
		errs = append(errs, e)
	}
	if typeErr != nil && len(s.errs) == 0 {
		// The walk should have found whatever yaml.v3 refused; in case it
		// did not, report yaml.v3's own words.
		for _, msg := range typeErr.Errors {
			errs = append(errs, yamlError(name, errors.New("yaml: "+msg)))
		}
	}
	for _, is := range p.check() {
		if !s.isBad(is.at) {
			is.err.File, is.err.Line = name, s.line(is.at)
			errs = append(errs, is.err)
		}
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b error) int { return cmp.Compare(errorLine(a), errorLine(b)) })
		return nil, errors.Join(errs...)
	}
	return &p, nil
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
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		return nil, yamlError(file, err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, &DecodeError{File: file, Line: next.Line, Msg: "more than one YAML document: a policy file holds one"}
	case err != io.EOF:
		return nil, yamlError(file, err)
	}
	if len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: 1}, nil
	}
	return doc.Content[0], nil
}

var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// yamlError turns a yaml.v3 error, whose message may start "yaml: line N: ",
// into a DecodeError at that line.
func yamlError(file string, err error) *DecodeError {
	msg := err.Error()
	m := yamlLine.FindStringSubmatch(msg)
	if m == nil {
		return &DecodeError{File: file, Msg: msg}
	}
	line, _ := strconv.Atoi(m[1])
	msg = msg[len(m[0]):]
	if strings.Contains(msg, "did not find expected alphabetic or numeric character") {
		// The scanner's words for an unquoted "*", which YAML reads as an
		// alias: the wildcard origin is the likeliest cause here.
		msg += ` (write "*" in quotes: an unquoted * starts a YAML alias)`
	}
	return &DecodeError{File: file, Line: line, Msg: "invalid YAML: " + msg}
}

func errorLine(err error) int {
	var fe *FieldError
	var de *DecodeError
	switch {
	case errors.As(err, &fe):
		return fe.Line
	case errors.As(err, &de):
		return de.Line
	}
	return 0
}

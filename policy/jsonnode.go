package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// parseJSON parses a JSON document into the same yaml.Node tree a YAML
// document gives, with lines, so that one strict walk serves both formats.
// It does not hand JSON to the YAML parser: yaml.v3 rejects valid JSON such
// as the escape "\/" and accepts invalid JSON such as trailing commas.
func parseJSON(file string, data []byte) (*yaml.Node, error) {
	p := &jsonParser{file: file, data: data, dec: json.NewDecoder(bytes.NewReader(data)), line: 1}
	p.dec.UseNumber()
	root, err := p.value()
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, &DecodeError{File: file, Line: p.lineAt(p.dec.InputOffset()), Msg: "invalid JSON: data after the top-level value"}
	}
	return root, nil
}

type jsonParser struct {
	file string
	data []byte
	dec  *json.Decoder
	// line is the line at offset off; offsets only grow, so counting goes on
	// from there.
	off  int64
	line int
}

func (p *jsonParser) lineAt(off int64) int {
	off = min(off, int64(len(p.data)))
	if off > p.off {
		p.line += bytes.Count(p.data[p.off:off], []byte("\n"))
		p.off = off
	}
	return p.line
}

// token reads the next token and the line it ends on, which is the line it
// starts on too: JSON tokens hold no raw newline.
func (p *jsonParser) token() (json.Token, int, error) {
	tok, err := p.dec.Token()
	if err != nil {
		line := p.lineAt(p.dec.InputOffset())
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			line = p.lineAt(syn.Offset)
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, 0, &DecodeError{File: p.file, Line: line, Msg: "invalid JSON: " + err.Error()}
	}
	return tok, p.lineAt(p.dec.InputOffset()), nil
}

func (p *jsonParser) value() (*yaml.Node, error) {
	tok, line, err := p.token()
	if err != nil {
		return nil, err
	}
	n := &yaml.Node{Line: line}
	switch tok := tok.(type) {
	case json.Delim:
		n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
		if tok == '{' {
			n.Kind, n.Tag = yaml.MappingNode, "!!map"
		}
		for p.dec.More() {
			if n.Kind == yaml.MappingNode {
				key, err := p.value() // always a string: the decoder checks
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, key)
			}
			item, err := p.value()
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, item)
		}
		if _, _, err := p.token(); err != nil { // the closing delimiter
			return nil, err
		}
	case string:
		n.Kind, n.Tag, n.Value, n.Style = yaml.ScalarNode, "!!str", tok, yaml.DoubleQuotedStyle
	case json.Number:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!int", tok.String()
		if strings.ContainsAny(n.Value, ".eE") {
			n.Tag = "!!float"
		}
	case bool:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!bool", fmt.Sprint(tok)
	case nil:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!null", "null"
	}
	return n, nil
}

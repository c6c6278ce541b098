package policy

import (
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// shape checks a parsed document against the Go types it decodes into, the
// way a strict decoder would, but reports every problem with its line and
// goes on: unknown fields (with a suggestion), duplicate fields, values of
// the wrong type. yaml.v3's own strict mode stops at the first unknown field
// of each mapping and does not work on a yaml.Node, hence this walk.
//
// On the way it records the line of every field and list item, so that
// validation errors, which know only a path such as "routes[0].origins[1]",
// can be given a line.
type shape struct {
	file  string
	errs  []*DecodeError
	lines map[string]int  // path → line
	bad   map[string]bool // paths whose value has the wrong type
}

func newShape(file string) *shape {
	return &shape{file: file, lines: map[string]int{}, bad: map[string]bool{}}
}

func (s *shape) errorf(line int, format string, args ...any) {
	s.errs = append(s.errs, &DecodeError{File: s.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// walk checks node n, found at path at, against type t.
func (s *shape) walk(n *yaml.Node, t reflect.Type, at string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if _, seen := s.lines[at]; !seen {
		s.lines[at] = n.Line
	}
	isNull := n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
	switch t.Kind() {
	case reflect.Pointer:
		if !isNull {
			s.walk(n, t.Elem(), at)
		}
	case reflect.Slice:
		switch {
		case isNull:
		case n.Kind != yaml.SequenceNode:
			s.wrongType(n, at, "a list")
		default:
			for i, item := range n.Content {
				s.walk(item, t.Elem(), fmt.Sprintf("%s[%d]", at, i))
			}
		}
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			s.wrongType(n, at, "a mapping")
			return
		}
		s.mapping(n, t, at)
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
			s.wrongType(n, at, "a string")
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			s.wrongType(n, at, "true or false")
		}
	case reflect.Int:
		var i int
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
			s.wrongType(n, at, "a whole number")
		}
	default:
		panic("policy: no shape check for " + t.String())
	}
}

// mapping checks the fields of a mapping decoded into struct type t.
func (s *shape) mapping(n *yaml.Node, t reflect.Type, at string) {
	fields := yamlFields(t)
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		name := key.Value
		where := ""
		if at != "" {
			where = " in " + at
		}
		switch ft, known := fields[name]; {
		case key.Kind != yaml.ScalarNode:
			s.errorf(key.Line, "field name%s must be a string", where)
		case name == "<<":
			s.errorf(key.Line, "merge keys (<<) are not supported%s", where)
		case !known:
			s.errorf(key.Line, "unknown field %q%s%s", name, where, suggest(name, fields))
		case first[name] > 0:
			s.errorf(key.Line, "duplicate field %q%s (first at line %d)", name, where, first[name])
			s.bad[at] = true // yaml.v3 decodes no field of such a mapping
		default:
			first[name] = key.Line
			child := name
			if at != "" {
				child = at + "." + name
			}
			s.lines[child] = key.Line
			s.walk(value, ft, child)
		}
	}
}

func (s *shape) wrongType(n *yaml.Node, at, want string) {
	s.bad[at] = true
	s.errorf(n.Line, "%s: want %s, got %s", at, want, describe(n))
}

// describe names what a node holds, as a YAML or JSON author sees it.
func describe(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	}
	switch tag := n.ShortTag(); tag {
	case "!!str":
		return fmt.Sprintf("the string %q", n.Value)
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return n.Value
	case "!!null":
		if n.Value == "null" {
			return `null (write "null" in quotes for the null origin)`
		}
		return "null"
	default:
		return fmt.Sprintf("%s %q", tag, n.Value)
	}
}

// isBad reports whether path at lies in a value of the wrong type; its
// validation errors would only repeat the type error.
func (s *shape) isBad(at string) bool {
	for p := range s.bad {
		if p == "" || at == p || strings.HasPrefix(at, p+".") || strings.HasPrefix(at, p+"[") {
			return true
		}
	}
	return false
}

// line returns the line of path at, or of the nearest enclosing path that
// has one: a missing field is reported at the mapping that lacks it.
func (s *shape) line(at string) int {
	for {
		if l, ok := s.lines[at]; ok {
			return l
		}
		i := strings.LastIndexAny(at, ".[")
		if i < 0 {
			return s.lines[""]
		}
		at = at[:i]
	}
}

// yamlFields maps the YAML field names of struct type t, including those of
// inlined structs, to their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if opts == "inline" {
			for k, v := range yamlFields(f.Type) {
				fields[k] = v
			}
			continue
		}
		if name != "" && name != "-" {
			fields[name] = f.Type
		}
	}
	return fields
}

// suggest returns ` (did you mean "x"?)` for the known field closest to an
// unknown name, if one is close: the same letters up to case and separators
// ("requestHeaders"), or at most two edits away ("origin").
func suggest(name string, fields map[string]reflect.Type) string {
	best, bestDist := "", 3
	for f := range fields {
		d := editDistance(squash(name), squash(f))
		if d < bestDist || (d == bestDist && f < best) {
			best, bestDist = f, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func squash(s string) string {
	return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(s))
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

package policy

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/corsproof/corsproof/internal/textdist"
	"go.yaml.in/yaml/v3"
)

// shape decodes a parsed document into the Go types of a Policy, the way a
// strict decoder would, but reports every problem with its line and goes on:
// unknown fields (with a suggestion), duplicate fields, values of the wrong
// type. yaml.v3's own strict mode stops at the first unknown field of each
// mapping and does not work on a yaml.Node, and its Node.Decode compares
// every key of a mapping with every other (quadratic in a mapping's size),
// hence this walk, which decodes too.
//
// On the way it records the line of every field and list item, so that
// validation errors, which know only a path such as "routes[0].origins[1]",
// can be given a line.
//
// Every step is a map lookup or proportional to the value at hand: a file
// with thousands of problems is walked in time linear in its size.
type shape struct {
	file  string
	errs  []*DecodeError
	lines map[string]int  // path → line
	bad   map[string]bool // paths whose value has the wrong type
	// suggestions caches suggest's answer per struct type and distinct
	// unknown field name.
	suggestions map[suggestionKey]string
	// aliasBudget is how many more values the walk may visit through YAML
	// aliases; see aliasBudget.
	aliasBudget     int
	aliasesReported bool // that the budget ran out
	inAlias         int  // depth of aliases being expanded
}

type suggestionKey struct {
	fields *structFields
	name   string
}

func newShape(file string, root *yaml.Node) *shape {
	return &shape{
		file:        file,
		lines:       map[string]int{},
		bad:         map[string]bool{},
		suggestions: map[suggestionKey]string{},
		aliasBudget: aliasBudget(root),
	}
}

// aliasBudget returns how many values a walk of the document rooted at n may
// visit through aliases: as many as the document holds, and at least 10,000.
// Aliases that expand to more (a "billion laughs" file, where each alias
// names a list of aliases) are an error, not minutes of work.
func aliasBudget(n *yaml.Node) int {
	count := 0
	var visit func(*yaml.Node)
	visit = func(n *yaml.Node) {
		count++
		for _, c := range n.Content {
			visit(c)
		}
	}
	visit(n)
	return max(count, 10_000)
}

func (s *shape) errorf(line int, format string, args ...any) {
	s.errs = append(s.errs, &DecodeError{File: s.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// walk checks node n, found at path at, against the type of v, and decodes
// it into v. It reports whether n has the right shape; v is left unchanged
// when it does not.
func (s *shape) walk(n *yaml.Node, v reflect.Value, at string) bool {
	if n.Kind == yaml.AliasNode {
		return s.alias(n, v, at)
	}
	if s.inAlias > 0 {
		s.aliasBudget--
	}
	if _, seen := s.lines[at]; !seen {
		s.lines[at] = n.Line
	}
	isNull := n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
	switch v.Kind() {
	case reflect.Pointer:
		if isNull {
			return true
		}
		elem := reflect.New(v.Type().Elem())
		if !s.walk(n, elem.Elem(), at) {
			return false
		}
		v.Set(elem)
	case reflect.Slice:
		switch {
		case isNull:
		case n.Kind != yaml.SequenceNode:
			return s.wrongType(n, at, "a list")
		default:
			// Every item keeps its index, a wrong one as a zero value, so
			// that validation's paths ("origins[3]") name the item they
			// were found at; those under a wrong item are not reported.
			list := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
			for i, item := range n.Content {
				s.walk(item, list.Index(i), at+"["+strconv.Itoa(i)+"]")
			}
			v.Set(list)
		}
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return s.wrongType(n, at, "a mapping")
		}
		s.mapping(n, v, at)
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
			return s.wrongType(n, at, "a string")
		}
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			return s.wrongType(n, at, "true or false")
		}
		v.SetBool(b)
	case reflect.Int:
		var i int
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
			return s.wrongType(n, at, "a whole number")
		}
		v.SetInt(int64(i))
	default:
		panic("policy: no shape check for " + v.Type().String())
	}
	return true
}

// alias walks the value an alias names, within the alias budget.
func (s *shape) alias(n *yaml.Node, v reflect.Value, at string) bool {
	if s.aliasBudget <= 0 {
		if !s.aliasesReported {
			s.aliasesReported = true
			s.errorf(n.Line, "the aliases (*%s and others) expand to more values than the file holds: write the values out", n.Value)
		}
		s.bad[at] = true
		return false
	}
	s.inAlias++
	defer func() { s.inAlias-- }()
	return s.walk(n.Alias, v, at)
}

// mapping checks the fields of a mapping and decodes them into struct v.
func (s *shape) mapping(n *yaml.Node, v reflect.Value, at string) {
	fields := yamlFields(v.Type())
	first := map[string]int{}
	where := ""
	if at != "" {
		where = " in " + at
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		name := key.Value
		switch f, known := fields.byName[name]; {
		case key.Kind != yaml.ScalarNode:
			s.errorf(key.Line, "field name%s must be a string", where)
		case name == "<<":
			s.errorf(key.Line, "merge keys (<<) are not supported%s", where)
		case !known:
			s.errorf(key.Line, "unknown field %s%s%s", excerpt(name), where, s.suggest(name, fields))
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
			s.walk(value, v.FieldByIndex(f.index), child)
		}
	}
}

func (s *shape) wrongType(n *yaml.Node, at, want string) bool {
	s.bad[at] = true
	s.errorf(n.Line, "%s: want %s, got %s", at, want, describe(n))
	return false
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
		return "the string " + excerpt(n.Value)
	case "!!int", "!!float":
		if len(n.Value) > excerptLen {
			return "the number " + excerpt(n.Value)
		}
		return "the number " + n.Value
	case "!!bool":
		return n.Value
	case "!!null":
		if n.Value == "null" {
			return `null (write "null" in quotes for the null origin)`
		}
		return "null"
	default:
		return excerpt(tag) + " " + excerpt(n.Value)
	}
}

// isBad reports whether path at lies in a value of the wrong type; its
// validation errors would only repeat the type error. It looks up at and
// each path enclosing it ("routes[0].origins", "routes[0]", "routes", ""),
// so its cost is the path's depth, not the number of wrong values.
func (s *shape) isBad(at string) bool {
	if len(s.bad) == 0 {
		return false
	}
	if s.bad[""] {
		return true
	}
	for {
		if s.bad[at] {
			return true
		}
		i := strings.LastIndexAny(at, ".[")
		if i < 0 {
			return false
		}
		at = at[:i]
	}
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

// structFields are the YAML fields of a struct type: by name, the index of
// the Go field (through inlined structs), and each name squashed for
// suggest.
type structFields struct {
	byName   map[string]field
	squashed map[string]string // field name → squash(name)
}

type field struct{ index []int }

var fieldCache sync.Map // reflect.Type → *structFields

// yamlFields returns the YAML fields of struct type t, including those of
// inlined structs; they are computed once per type.
func yamlFields(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	fs := &structFields{byName: map[string]field{}, squashed: map[string]string{}}
	var add func(t reflect.Type, index []int)
	add = func(t reflect.Type, index []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			idx := append(index[:len(index):len(index)], i)
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if opts == "inline" {
				add(f.Type, idx)
				continue
			}
			if name != "" && name != "-" {
				fs.byName[name] = field{index: idx}
				fs.squashed[name] = squash(name)
			}
		}
	}
	add(t, nil)
	f, _ := fieldCache.LoadOrStore(t, fs)
	return f.(*structFields)
}

// suggest returns ` (did you mean "x"?)` for the known field closest to an
// unknown name, if one is close: the same letters up to case and separators
// ("requestHeaders"), or at most two edits away ("origin"). It compares
// with the handful of fields the mapping may have, once per distinct name.
func (s *shape) suggest(name string, fields *structFields) string {
	key := suggestionKey{fields, name}
	if hint, ok := s.suggestions[key]; ok {
		return hint
	}
	hint := suggest(name, fields)
	s.suggestions[key] = hint
	return hint
}

func suggest(name string, fields *structFields) string {
	const maxDist = 2
	sq := squash(name)
	if f, ok := synonyms[sq]; ok {
		if _, known := fields.byName[f]; known {
			return fmt.Sprintf(" (did you mean %q?)", f)
		}
	}
	best, bestDist := "", maxDist+1
	for f, fsq := range fields.squashed {
		if abs(len(sq)-len(fsq)) > maxDist {
			continue // at least that many edits apart
		}
		d := textdist.Levenshtein(sq, fsq)
		if d < bestDist || (d == bestDist && f < best) {
			best, bestDist = f, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// synonyms are the names other CORS configurations give corsproof's
// fields (rs/cors and Spring's allowedHeaders, Express's exposedHeaders,
// the response headers themselves), squashed, too far from the field's
// own name for the edit distance to find.
var synonyms = map[string]string{
	"allowedorigins":                "origins",
	"alloworigins":                  "origins",
	"alloworigin":                   "origins",
	"accesscontrolalloworigin":      "origins",
	"allowedmethods":                "methods",
	"allowmethods":                  "methods",
	"accesscontrolallowmethods":     "methods",
	"allowedheaders":                "request_headers",
	"allowheaders":                  "request_headers",
	"headers":                       "request_headers",
	"accesscontrolallowheaders":     "request_headers",
	"exposedheaders":                "expose_headers",
	"responseheaders":               "expose_headers",
	"accesscontrolexposeheaders":    "expose_headers",
	"allowcredentials":              "credentials",
	"allowedcredentials":            "credentials",
	"credentialed":                  "credentials",
	"withcredentials":               "credentials",
	"accesscontrolallowcredentials": "credentials",
	"maxageinseconds":               "max_age",
	"maxageseconds":                 "max_age",
	"accesscontrolmaxage":           "max_age",
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// squash lowercases s and drops '_' and '-'.
func squash(s string) string {
	s = strings.ToLower(s)
	if !strings.ContainsAny(s, "_-") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '_' && s[i] != '-' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

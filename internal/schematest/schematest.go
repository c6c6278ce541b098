// Package schematest checks a decoded JSON document against the JSON
// Schema of corsproof's report (report/schema.json), for the tests of the
// report package and of the CLI that writes it: one validator, held to the
// keywords the schema uses.
package schematest

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Validate checks a decoded JSON value against the subset of JSON Schema
// (draft 2020-12) that schema.json uses: type, required, properties, items,
// enum, additionalProperties, oneOf and local $ref into $defs. Any other keyword in
// the schema is an error, so the schema cannot silently use more than this
// validator checks. It returns every violation, with its JSON pointer.
func Validate(schemaJSON []byte, doc any) ([]string, error) {
	var root map[string]any
	if err := json.Unmarshal(schemaJSON, &root); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	v := &validator{root: root}
	v.check(root, doc, "")
	return v.errs, v.bad
}

type validator struct {
	root map[string]any
	errs []string
	bad  error
}

var knownKeywords = map[string]bool{
	"$schema": true, "$id": true, "$defs": true, "$ref": true, "title": true, "description": true,
	"type": true, "required": true, "properties": true, "items": true, "enum": true, "additionalProperties": true,
	"oneOf": true,
}

func (v *validator) fail(at, format string, args ...any) {
	if at == "" {
		at = "/"
	}
	v.errs = append(v.errs, at+": "+fmt.Sprintf(format, args...))
}

func (v *validator) check(schema map[string]any, val any, at string) {
	for k := range schema {
		if !knownKeywords[k] && v.bad == nil {
			v.bad = fmt.Errorf("schema keyword %q at %s is not supported by this validator", k, at)
		}
	}
	if ref, ok := schema["$ref"].(string); ok {
		target, err := v.resolve(ref)
		if err != nil {
			v.bad = err
			return
		}
		v.check(target, val, at)
	}
	if alts, ok := schema["oneOf"].([]any); ok {
		v.oneOf(alts, val, at)
	}
	if t, ok := schema["type"]; ok && !hasType(t, val) {
		v.fail(at, "is %s, want %v", typeOf(val), t)
		return
	}
	if enum, ok := schema["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if fmt.Sprint(e) == fmt.Sprint(val) && typeOf(e) == typeOf(val) {
				found = true
			}
		}
		if !found {
			v.fail(at, "%q is not one of %v", fmt.Sprint(val), enum)
		}
	}
	switch x := val.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		for _, r := range asStrings(schema["required"]) {
			if _, ok := x[r]; !ok {
				v.fail(at, "lacks required property %q", r)
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k].(map[string]any); ok {
				v.check(ps, x[k], at+"/"+k)
				continue
			}
			switch ap := schema["additionalProperties"].(type) {
			case bool:
				if !ap {
					v.fail(at, "has property %q, which the schema does not allow", k)
				}
			case map[string]any:
				v.check(ap, x[k], at+"/"+k)
			}
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, e := range x {
				v.check(items, e, fmt.Sprintf("%s/%d", at, i))
			}
		}
	}
}

// oneOf: exactly one alternative must hold. When none does, the violations
// of the closest one (the fewest) are reported, so a report with one wrong
// field names that field.
func (v *validator) oneOf(alts []any, val any, at string) {
	var closest []string
	matched := 0
	for i, a := range alts {
		s, ok := a.(map[string]any)
		if !ok {
			v.bad = fmt.Errorf("oneOf at %s: alternative %d is not a schema", at, i)
			return
		}
		sub := &validator{root: v.root}
		sub.check(s, val, at)
		if sub.bad != nil && v.bad == nil {
			v.bad = sub.bad
		}
		if len(sub.errs) == 0 {
			matched++
		} else if closest == nil || len(sub.errs) < len(closest) {
			closest = sub.errs
		}
	}
	switch {
	case matched == 0:
		v.errs = append(v.errs, closest...)
	case matched > 1:
		v.fail(at, "matches %d alternatives of oneOf, want exactly one", matched)
	}
}

func (v *validator) resolve(ref string) (map[string]any, error) {
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	if !ok {
		return nil, fmt.Errorf("$ref %q: only #/$defs/ references are supported", ref)
	}
	defs, _ := v.root["$defs"].(map[string]any)
	s, ok := defs[name].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("$ref %q: no such definition", ref)
	}
	return s, nil
}

func asStrings(x any) []string {
	list, _ := x.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func hasType(t any, val any) bool {
	switch t := t.(type) {
	case string:
		return isType(t, val)
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok && isType(s, val) {
				return true
			}
		}
	}
	return false
}

func isType(t string, val any) bool {
	switch t {
	case "integer":
		f, ok := val.(float64)
		return ok && f == math.Trunc(f)
	case "number":
		_, ok := val.(float64)
		return ok
	}
	return typeOf(val) == t
}

func typeOf(val any) string {
	switch val.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", val)
}

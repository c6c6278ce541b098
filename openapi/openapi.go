package openapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/corsproof/corsproof/policy"
)

// API is what a CORS check takes from an OpenAPI document.
type API struct {
	// File is the document's name, as errors and notes cite it.
	File string
	// Version is the document's openapi field ("3.0.3", "3.1.0").
	Version string
	// Operations in document order (paths as written, then GET, HEAD,
	// POST, PUT, PATCH, DELETE).
	Operations []Operation
	// Skipped says which operations were left out, and why (an OPTIONS or
	// TRACE operation: a page cannot send one as a CORS request).
	Skipped []string
}

// Operation is one method on one path.
type Operation struct {
	Method string
	// Template is the path as the document writes it, under the first
	// server's base path ("/v1/items/{id}").
	Template string
	// Path is Template with every parameter filled in ("/v1/items/42").
	Path string
	// RequestHeaders a page sends to call it, in a readable order.
	RequestHeaders []string
	// ResponseHeaders the operation declares in any of its responses.
	ResponseHeaders []string
	// Line is where the operation is written (0 when unknown).
	Line int
}

// Endpoint is one concrete path with every operation on it.
type Endpoint struct {
	Path            string
	Methods         []string
	RequestHeaders  []string
	ResponseHeaders []string
}

// Error is a document that cannot be read or is not valid OpenAPI 3.0 or
// 3.1, with the place it went wrong when known.
type Error struct {
	File string
	Line int // 0: the document as a whole
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// maxSize bounds a document: an API description larger than this is a
// mistake (a binary, a log), not an API.
const maxSize = 32 << 20

// Load reads and validates the OpenAPI document at path.
func Load(path string) (*API, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxSize {
		return nil, &Error{File: path, Msg: fmt.Sprintf("%d bytes: too large for an OpenAPI document (limit %d)", st.Size(), maxSize)}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse reads and validates a document; name is what errors call it.
// External $refs are not followed: a CORS check has no business reading
// other files or URLs a document names.
func Parse(name string, data []byte) (*API, error) {
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, loadError(name, err)
	}
	switch mm := doc.OpenAPIMajorMinor(); {
	case doc.OpenAPI == "":
		return nil, &Error{File: name, Line: 1, Msg: "not an OpenAPI 3 document: no openapi field (Swagger 2.0 documents must be converted to OpenAPI 3 first)"}
	case mm != "3.0" && mm != "3.1":
		return nil, &Error{File: name, Line: fieldLine(doc.Origin, "openapi"), Msg: fmt.Sprintf("openapi %q: only 3.0 and 3.1 are supported", doc.OpenAPI)}
	}
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		return nil, &Error{File: name, Line: validationLine(doc, err), Msg: err.Error()}
	}
	api := &API{File: name, Version: doc.OpenAPI}
	api.read(doc)
	if len(api.Operations) == 0 {
		return nil, &Error{File: name, Line: fieldLine(doc.Origin, "paths"), Msg: "the document declares no operation (paths is empty)"}
	}
	return api, nil
}

// lineRE finds the line number in a YAML or JSON decoding error.
var lineRE = regexp.MustCompile(`line (\d+)`)

func loadError(name string, err error) *Error {
	msg := err.Error()
	e := &Error{File: name, Msg: msg}
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
	}
	var de *openapi3.DisallowedExternalRefError
	if errors.As(err, &de) {
		e.Msg = fmt.Sprintf("$ref %q names another file or URL; corsproof reads one self-contained document", de.Ref)
	}
	return e
}

func fieldLine(o *openapi3.Origin, field string) int {
	if o == nil {
		return 0
	}
	if l, ok := o.Fields.Lookup(field); ok {
		return l.Line
	}
	if o.Key != nil {
		return o.Key.Line
	}
	return 0
}

func keyLine(o *openapi3.Origin) int {
	if o == nil || o.Key == nil {
		return 0
	}
	return o.Key.Line
}

// Validation errors name their place as "invalid path /x: invalid
// operation GET: ..."; the line is that element's.
var (
	invalidPathRE = regexp.MustCompile(`invalid path (\S+?):`)
	invalidOpRE   = regexp.MustCompile(`invalid operation (\S+?):`)
)

func validationLine(doc *openapi3.T, err error) int {
	var rf *openapi3.RequiredFieldError
	if errors.As(err, &rf) && rf.Origin != nil {
		if l := keyLine(rf.Origin); l > 0 {
			return l
		}
	}
	msg := err.Error()
	m := invalidPathRE.FindStringSubmatch(msg)
	if m == nil || doc.Paths == nil {
		return fieldLine(doc.Origin, "paths")
	}
	item := doc.Paths.Value(m[1])
	if item == nil {
		return fieldLine(doc.Origin, "paths")
	}
	if op := invalidOpRE.FindStringSubmatch(msg); op != nil {
		if o := item.GetOperation(op[1]); o != nil && keyLine(o.Origin) > 0 {
			return keyLine(o.Origin)
		}
	}
	return keyLine(item.Origin)
}

// methodOrder is how operations of one path are listed.
var methodOrder = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "QUERY"}

func methodRank(m string) int {
	if i := slices.Index(methodOrder, m); i >= 0 {
		return i
	}
	return len(methodOrder)
}

func (api *API) read(doc *openapi3.T) {
	base := basePath(doc)
	if doc.Paths == nil {
		return
	}
	items := doc.Paths.Map()
	templates := make([]string, 0, len(items))
	for t := range items {
		templates = append(templates, t)
	}
	sort.Slice(templates, func(i, k int) bool {
		li, lk := keyLine(items[templates[i]].Origin), keyLine(items[templates[k]].Origin)
		if li != lk {
			return li < lk
		}
		return templates[i] < templates[k]
	})
	for _, tmpl := range templates {
		item := items[tmpl]
		ops := item.Operations()
		methods := make([]string, 0, len(ops))
		for m := range ops {
			methods = append(methods, m)
		}
		slices.SortFunc(methods, func(a, b string) int {
			return cmp.Or(cmp.Compare(methodRank(a), methodRank(b)), strings.Compare(a, b))
		})
		for _, m := range methods {
			op := ops[m]
			if m == "OPTIONS" || m == "TRACE" {
				api.Skipped = append(api.Skipped, fmt.Sprintf("%s %s: a page cannot send it as a CORS request", m, tmpl))
				continue
			}
			params := mergeParams(item.Parameters, op.Parameters)
			api.Operations = append(api.Operations, Operation{
				Method:          m,
				Template:        base + tmpl,
				Path:            base + fillPath(tmpl, params),
				RequestHeaders:  requestHeaders(doc, op, params),
				ResponseHeaders: responseHeaders(op),
				Line:            keyLine(op.Origin),
			})
		}
	}
}

// basePath is the path of the first server's URL ("" for "/" or none),
// its variables at their defaults.
func basePath(doc *openapi3.T) string {
	if len(doc.Servers) == 0 || doc.Servers[0] == nil {
		return ""
	}
	s := doc.Servers[0]
	raw := s.URL
	for name, v := range s.Variables {
		if v != nil {
			raw = strings.ReplaceAll(raw, "{"+name+"}", v.Default)
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.Path, "/")
}

// mergeParams are the path item's parameters with the operation's own in
// their place (same name and location).
func mergeParams(item, op openapi3.Parameters) []*openapi3.Parameter {
	var out []*openapi3.Parameter
	key := func(p *openapi3.Parameter) string { return p.In + "\x00" + strings.ToLower(p.Name) }
	seen := map[string]int{}
	for _, list := range []openapi3.Parameters{item, op} {
		for _, ref := range list {
			if ref == nil || ref.Value == nil {
				continue
			}
			p := ref.Value
			if i, ok := seen[key(p)]; ok {
				out[i] = p
				continue
			}
			seen[key(p)] = len(out)
			out = append(out, p)
		}
	}
	return out
}

var templateVar = regexp.MustCompile(`\{([^{}]+)\}`)

// fillPath puts a value in every {name} of a path template.
func fillPath(tmpl string, params []*openapi3.Parameter) string {
	return templateVar.ReplaceAllStringFunc(tmpl, func(v string) string {
		name := v[1 : len(v)-1]
		for _, p := range params {
			if p.In == openapi3.ParameterInPath && p.Name == name {
				return url.PathEscape(exampleValue(p))
			}
		}
		return "1"
	})
}

// exampleValue is a parameter's example from the document (the
// parameter's, its examples', its schema's, an enum's first value, the
// default), else a placeholder of its type.
func exampleValue(p *openapi3.Parameter) string {
	if s, ok := scalar(p.Example); ok {
		return s
	}
	names := make([]string, 0, len(p.Examples))
	for n := range p.Examples {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if ex := p.Examples[n]; ex != nil && ex.Value != nil {
			if s, ok := scalar(ex.Value.Value); ok {
				return s
			}
		}
	}
	if p.Schema == nil || p.Schema.Value == nil {
		return "1"
	}
	sc := p.Schema.Value
	for _, v := range append(append([]any{sc.Example}, sc.Examples...), append(sc.Enum, sc.Default)...) {
		if s, ok := scalar(v); ok {
			return s
		}
	}
	switch {
	case sc.Type.Includes("integer"), sc.Type.Includes("number"):
		return "1"
	case sc.Format == "uuid":
		return "00000000-0000-4000-8000-000000000001"
	case sc.Format == "date":
		return "2024-01-01"
	}
	return "example"
}

func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, x != ""
	case bool:
		return strconv.FormatBool(x), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// safelistedBodyTypes are the Content-Types a page sends without a
// preflight (Fetch, CORS-safelisted request-header).
var safelistedBodyTypes = []string{"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}

// requestHeaders are the headers a page sends to call op: its header
// parameters, Content-Type for a body that is not form or text, and the
// headers of its security schemes (any of its alternatives).
func requestHeaders(doc *openapi3.T, op *openapi3.Operation, params []*openapi3.Parameter) []string {
	var out []string
	add := func(name string) {
		if name != "" && !slices.ContainsFunc(out, func(h string) bool { return strings.EqualFold(h, name) }) {
			out = append(out, name)
		}
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		for mt := range op.RequestBody.Value.Content {
			base, _, _ := strings.Cut(strings.ToLower(mt), ";")
			if !slices.Contains(safelistedBodyTypes, strings.TrimSpace(base)) {
				add("Content-Type")
				break
			}
		}
	}
	for _, p := range params {
		// OpenAPI: a header parameter named Accept, Content-Type or
		// Authorization is ignored (the body and security say them).
		if p.In == openapi3.ParameterInHeader && !slices.Contains([]string{"accept", "content-type", "authorization"}, strings.ToLower(p.Name)) {
			add(p.Name)
		}
	}
	security := doc.Security
	if op.Security != nil {
		security = *op.Security
	}
	var schemes []string
	for _, req := range security {
		for name := range req {
			schemes = append(schemes, name)
		}
	}
	sort.Strings(schemes)
	for _, name := range schemes {
		if doc.Components == nil {
			break
		}
		ref := doc.Components.SecuritySchemes[name]
		if ref == nil || ref.Value == nil {
			continue
		}
		switch s := ref.Value; s.Type {
		case "http", "oauth2", "openIdConnect":
			add("Authorization")
		case "apiKey":
			if s.In == "header" {
				add(s.Name)
			}
		}
	}
	return out
}

// responseHeaders are the headers op declares in any response, in name
// order (Content-Type, which OpenAPI ignores there, aside).
func responseHeaders(op *openapi3.Operation) []string {
	if op.Responses == nil {
		return nil
	}
	var out []string
	for _, r := range op.Responses.Map() {
		if r == nil || r.Value == nil {
			continue
		}
		for name := range r.Value.Headers {
			if !strings.EqualFold(name, "Content-Type") && !slices.ContainsFunc(out, func(h string) bool { return strings.EqualFold(h, name) }) {
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Endpoints are the operations grouped by concrete path, in document order.
func (api *API) Endpoints() []Endpoint {
	var out []Endpoint
	at := map[string]int{}
	union := func(dst []string, src []string) []string {
		for _, s := range src {
			if !slices.ContainsFunc(dst, func(d string) bool { return strings.EqualFold(d, s) }) {
				dst = append(dst, s)
			}
		}
		return dst
	}
	for _, op := range api.Operations {
		i, ok := at[op.Path]
		if !ok {
			i = len(out)
			at[op.Path] = i
			out = append(out, Endpoint{Path: op.Path})
		}
		e := &out[i]
		if !slices.Contains(e.Methods, op.Method) {
			e.Methods = append(e.Methods, op.Method)
		}
		e.RequestHeaders = union(e.RequestHeaders, op.RequestHeaders)
		e.ResponseHeaders = union(e.ResponseHeaders, op.ResponseHeaders)
	}
	return out
}

// PolicyEndpoints are the endpoints as a policy lists them.
func (api *API) PolicyEndpoints() []policy.Endpoint {
	var out []policy.Endpoint
	for _, e := range api.Endpoints() {
		out = append(out, policy.Endpoint{Path: e.Path, Methods: slices.Clone(e.Methods)})
	}
	return out
}

// RequestHeaders are every request header the document declares, once
// each; ResponseHeaders likewise.
func (api *API) RequestHeaders() []string {
	return api.collect(func(o Operation) []string { return o.RequestHeaders })
}

// ResponseHeaders are every response header the document declares.
func (api *API) ResponseHeaders() []string {
	return api.collect(func(o Operation) []string { return o.ResponseHeaders })
}

func (api *API) collect(f func(Operation) []string) []string {
	var out []string
	for _, op := range api.Operations {
		for _, h := range f(op) {
			if !slices.ContainsFunc(out, func(d string) bool { return strings.EqualFold(d, h) }) {
				out = append(out, h)
			}
		}
	}
	return out
}

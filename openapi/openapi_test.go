package openapi

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestA31DocumentGivesEveryOperationWithItsHeaders(t *testing.T) {
	api, err := Load("testdata/items-3.1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type op struct{ method, path, template, req, resp string }
	var got []op
	for _, o := range api.Operations {
		got = append(got, op{o.Method, o.Path, o.Template, strings.Join(o.RequestHeaders, ","), strings.Join(o.ResponseHeaders, ",")})
	}
	want := []op{
		{method: "GET", path: "/v1/items", template: "/v1/items", req: "X-Request-Id,Authorization", resp: "X-Total-Count"},
		{method: "POST", path: "/v1/items", template: "/v1/items", req: "Content-Type,Authorization"},
		{method: "GET", path: "/v1/items/42", template: "/v1/items/{id}", req: "Authorization"},
		{method: "DELETE", path: "/v1/items/42", template: "/v1/items/{id}", req: "X-Api-Key"},
		{method: "GET", path: "/v1/users/example", template: "/v1/users/{name}", req: "Authorization"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("operations:\n got %+v\nwant %+v", got, want)
	}
	if len(api.Skipped) != 1 || !strings.Contains(api.Skipped[0], "OPTIONS /items/{id}") {
		t.Errorf("skipped = %q, want the OPTIONS operation", api.Skipped)
	}
	eps := api.Endpoints()
	if len(eps) != 3 || !reflect.DeepEqual(eps[1].Methods, []string{"GET", "DELETE"}) || eps[1].Path != "/v1/items/42" {
		t.Errorf("endpoints = %+v", eps)
	}
	if pe := api.PolicyEndpoints(); len(pe) != 3 || pe[0].Path != "/v1/items" || !reflect.DeepEqual(pe[0].Methods, []string{"GET", "POST"}) {
		t.Errorf("policy endpoints = %+v", pe)
	}
}

func TestA30JSONDocumentUsesTheParameterExample(t *testing.T) {
	api, err := Load("testdata/items-3.0.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(api.Operations) != 1 {
		t.Fatalf("operations = %+v", api.Operations)
	}
	o := api.Operations[0]
	// text/plain is a safelisted body: no Content-Type to allow.
	if o.Path != "/items/abc" || o.Method != "PUT" || !reflect.DeepEqual(o.RequestHeaders, []string{"If-Match"}) || !reflect.DeepEqual(o.ResponseHeaders, []string{"ETag"}) {
		t.Errorf("operation = %+v", o)
	}
}

func TestBadDocumentsAreErrorsWithTheirLine(t *testing.T) {
	tests := []struct {
		desc, doc string
		line      int
		want      string
	}{
		{desc: "YAML syntax", doc: "openapi: 3.1.0\ninfo: {title: x\npaths: {}\n", line: 3, want: "did not find expected"},
		{desc: "Swagger 2.0", doc: "swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n", line: 1, want: "Swagger 2.0"},
		{desc: "unsupported version", doc: "openapi: 4.0.0\ninfo: {title: x, version: '1'}\npaths: {}\n", line: 1, want: "only 3.0 and 3.1"},
		{desc: "optional path parameter", line: 6, want: "must be required",
			doc: "openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths:\n  /a/{id}:\n    parameters: []\n    get:\n      parameters:\n        - {name: id, in: path}\n      responses: {'200': {description: ok}}\n"},
		{desc: "no operation", doc: "openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths: {}\n", line: 3, want: "no operation"},
		{desc: "external ref", want: "another file",
			doc: "openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    $ref: 'other.yaml#/a'\n"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			_, err := Parse("api.yaml", []byte(tt.doc))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if !strings.Contains(e.Msg, tt.want) || (tt.line != 0 && e.Line != tt.line) || !strings.HasPrefix(err.Error(), "api.yaml:") {
				t.Errorf("err = %q (line %d), want line %d and %q", err, e.Line, tt.line, tt.want)
			}
		})
	}
}

package spec

import (
	"strings"
	"testing"
)

func TestParseList(t *testing.T) {
	tests := []struct {
		name    string
		headers Headers
		state   ListState
		items   string
	}{
		{name: "absent is null", headers: hdrs("X: 1"), state: ListNull},
		{name: "single", headers: hdrs("Access-Control-Allow-Methods: PUT"), state: ListOK, items: "PUT"},
		{name: "comma list with spaces", headers: hdrs("Access-Control-Allow-Methods: PUT , DELETE"), state: ListOK, items: "PUT|DELETE"},
		{name: "empty elements allowed", headers: hdrs("Access-Control-Allow-Methods: GET,,PUT,"), state: ListOK, items: "GET|PUT"},
		{name: "empty value is an empty list", headers: hdrs("Access-Control-Allow-Methods: "), state: ListOK},
		{name: "two lines concatenated", headers: hdrs("Access-Control-Allow-Methods: PUT", "access-control-allow-methods: PATCH"), state: ListOK, items: "PUT|PATCH"},
		{name: "space inside an element fails", headers: hdrs("Access-Control-Allow-Methods: GET PUT"), state: ListFailure},
		{name: "parameter fails", headers: hdrs("Access-Control-Allow-Methods: X-A;q=1"), state: ListFailure},
		{name: "quoted string fails", headers: hdrs(`Access-Control-Allow-Methods: "PUT"`), state: ListFailure},
		{name: "star is a token", headers: hdrs("Access-Control-Allow-Methods: *"), state: ListOK, items: "*"},
		{name: "failure on a second line", headers: hdrs("Access-Control-Allow-Methods: PUT", "Access-Control-Allow-Methods: a b"), state: ListFailure},
		{name: "tab OWS trimmed", headers: hdrs("Access-Control-Allow-Methods: \tPUT\t"), state: ListOK, items: "PUT"},
		{name: "case preserved", headers: hdrs("Access-Control-Allow-Methods: patch,PATCH"), state: ListOK, items: "patch|PATCH"},
		{name: "slash is not a token char", headers: hdrs("Access-Control-Allow-Methods: a/b"), state: ListFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := ParseList(tt.headers, HeaderAllowMethods)
			if l.State != tt.state || strings.Join(l.Items, "|") != tt.items {
				t.Errorf("got %v %q, want %v %q", l.State, l.Items, tt.state, tt.items)
			}
		})
	}
}

func TestParseMIMEType(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		ok      bool
		essence string
		params  string // name=value;... sorted as given
	}{
		{name: "plain", in: "text/plain", ok: true, essence: "text/plain"},
		{name: "lowercases essence", in: "Text/HTML", ok: true, essence: "text/html"},
		{name: "charset", in: "text/plain;charset=UTF-8", ok: true, essence: "text/plain", params: "charset=UTF-8"},
		{name: "quoted charset unquoted", in: `text/plain; charset="utf-8"`, ok: true, essence: "text/plain", params: "charset=utf-8"},
		{name: "quoted with escape", in: `a/b;x="q\"z"`, ok: true, essence: "a/b", params: `x=q"z`},
		{name: "leading and trailing whitespace", in: "  text/plain  ", ok: true, essence: "text/plain"},
		{name: "no slash", in: "text", ok: false},
		{name: "empty subtype", in: "text/", ok: false},
		{name: "empty type", in: "/plain", ok: false},
		{name: "comma list fails", in: "text/plain, application/json", ok: false},
		{name: "parameter name lowercased", in: "a/b;CHARSET=x", ok: true, essence: "a/b", params: "charset=x"},
		{name: "first parameter wins", in: "a/b;x=1;x=2", ok: true, essence: "a/b", params: "x=1"},
		{name: "parameter without value ignored", in: "a/b;x;y=2", ok: true, essence: "a/b", params: "y=2"},
		{name: "trailing semicolon", in: "a/b;", ok: true, essence: "a/b"},
		{name: "subtype trailing spaces trimmed", in: "a/b ;x=1", ok: true, essence: "a/b", params: "x=1"},
		{name: "empty", in: "", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := ParseMIMEType(tt.in)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			var ps []string
			for k, v := range m.Params {
				ps = append(ps, k+"="+v)
			}
			if m.Essence() != tt.essence || strings.Join(ps, ";") != tt.params {
				t.Errorf("got %q %v, want %q %q", m.Essence(), m.Params, tt.essence, tt.params)
			}
		})
	}
}

func TestParseSingleRange(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		allowWS bool
		ok      bool
		start   string
		end     string
	}{
		{name: "open end", in: "bytes=0-", ok: true, start: "0"},
		{name: "closed", in: "bytes=0-99", ok: true, start: "0", end: "99"},
		{name: "suffix", in: "bytes=-5", ok: true, end: "5"},
		{name: "equal", in: "bytes=5-5", ok: true, start: "5", end: "5"},
		{name: "reversed", in: "bytes=9-1", ok: false},
		{name: "both empty", in: "bytes=-", ok: false},
		{name: "two ranges", in: "bytes=0-1,2-3", ok: false},
		{name: "whitespace refused", in: "bytes = 0-1", ok: false},
		{name: "whitespace allowed", in: "bytes = 0 - 1", allowWS: true, ok: true, start: "0", end: "1"},
		{name: "uppercase unit", in: "BYTES=0-1", ok: false},
		{name: "leading zeros", in: "bytes=007-010", ok: true, start: "7", end: "10"},
		{name: "huge numbers compare", in: "bytes=99999999999999999999999-100000000000000000000000", ok: true, start: "99999999999999999999999", end: "100000000000000000000000"},
		{name: "huge reversed", in: "bytes=100000000000000000000000-99999999999999999999999", ok: false},
		{name: "no equals", in: "bytes0-1", ok: false},
		{name: "empty", in: "", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := ParseSingleRange(tt.in, tt.allowWS)
			if ok != tt.ok || r.Start != tt.start || r.End != tt.end {
				t.Errorf("got %+v %v, want %q-%q %v", r, ok, tt.start, tt.end, tt.ok)
			}
		})
	}
}

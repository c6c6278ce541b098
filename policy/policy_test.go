package policy

import (
	"reflect"
	"testing"
)

func TestForAppliesTheLongestMatchingRoute(t *testing.T) {
	no := false
	p := Policy{
		Rules: Rules{Origins: []string{"https://a.example.test"}, Methods: []string{"PUT"}, Credentials: true},
		Routes: []Route{
			// The longer prefix comes last: order must not matter.
			{Prefix: "/api/", Methods: []string{"PATCH"}},
			{Prefix: "/api/public/", Origins: []string{"*"}, Credentials: &no},
			{Prefix: "/api/none/", Methods: []string{}},
		},
	}
	tests := []struct {
		desc string
		path string
		want Rules
	}{
		{
			desc: "no route",
			path: "/health",
			want: p.Rules,
		},
		{
			desc: "short route overrides methods only",
			path: "/api/items",
			want: Rules{Origins: []string{"https://a.example.test"}, Methods: []string{"PATCH"}, Credentials: true},
		},
		{
			desc: "longest route wins and inherits from the policy, not from the shorter route",
			path: "/api/public/feed",
			want: Rules{Origins: []string{"*"}, Methods: []string{"PUT"}},
		},
		{
			desc: "an empty list overrides with nothing",
			path: "/api/none/x",
			want: Rules{Origins: []string{"https://a.example.test"}, Methods: []string{}, Credentials: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			if got := p.For(tt.path); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("For(%q) = %+v, want %+v", tt.path, got, tt.want)
			}
		})
	}
}

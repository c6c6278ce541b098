package policy

import (
	"encoding/json"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestRoundTripYAMLAndJSON(t *testing.T) {
	yes, zero := true, 0
	tests := []struct {
		desc   string
		policy *Policy
	}{
		{desc: "the default policy", policy: Default()},
		{
			desc: "explicitly empty lists, which mean nothing rather than inherit",
			policy: &Policy{
				Rules: Rules{Origins: []string{}},
				Routes: []Route{
					{Prefix: "/a/", Origins: []string{}, Methods: []string{}, RequestHeaders: []string{}, ExposeHeaders: []string{}},
					{Prefix: "/b/", Origins: []string{"https://*.example.test"}, Credentials: &yes, MaxAge: &zero},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			y, err := yaml.Marshal(tt.policy)
			if err != nil {
				t.Fatal(err)
			}
			fromYAML, err := Parse("p.yaml", y)
			if err != nil {
				t.Fatalf("Parse of the YAML:\n%s\nerror: %v", y, err)
			}
			j, err := json.MarshalIndent(fromYAML, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			fromJSON, err := Parse("p.json", j)
			if err != nil {
				t.Fatalf("Parse of the JSON:\n%s\nerror: %v", j, err)
			}
			if !reflect.DeepEqual(fromYAML, tt.policy) {
				t.Errorf("YAML round trip:\n%s\ngave %+v\nwant %+v", y, fromYAML, tt.policy)
			}
			if !reflect.DeepEqual(fromJSON, tt.policy) {
				t.Errorf("JSON round trip:\n%s\ngave %+v\nwant %+v", j, fromJSON, tt.policy)
			}
		})
	}
}

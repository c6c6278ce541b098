package policy

// An explicitly empty list means "nothing" where a missing one means
// "inherit" (a Route's fields) or "missing" (a Policy's origins). The JSON
// tags keep the two apart with omitzero; yaml.v3 has no omitzero and its
// omitempty drops both, so these marshalers hand it pointers to the lists,
// which it omits only when nil.

// MarshalYAML writes the policy with its fields in declaration order,
// keeping an explicitly empty origins list.
func (p Policy) MarshalYAML() (any, error) {
	return struct {
		Origins        *[]string  `yaml:"origins,omitempty"`
		Methods        []string   `yaml:"methods,omitempty"`
		RequestHeaders []string   `yaml:"request_headers,omitempty"`
		ExposeHeaders  []string   `yaml:"expose_headers,omitempty"`
		Credentials    bool       `yaml:"credentials,omitempty"`
		MaxAge         *int       `yaml:"max_age,omitempty"`
		Endpoints      []Endpoint `yaml:"endpoints,omitempty"`
		Routes         []Route    `yaml:"routes,omitempty"`
	}{present(p.Origins), p.Methods, p.RequestHeaders, p.ExposeHeaders, p.Credentials, p.MaxAge, p.Endpoints, p.Routes}, nil
}

// MarshalYAML writes the route keeping its explicitly empty lists.
func (rt Route) MarshalYAML() (any, error) {
	return struct {
		Prefix         string    `yaml:"prefix"`
		Origins        *[]string `yaml:"origins,omitempty"`
		Methods        *[]string `yaml:"methods,omitempty"`
		RequestHeaders *[]string `yaml:"request_headers,omitempty"`
		ExposeHeaders  *[]string `yaml:"expose_headers,omitempty"`
		Credentials    *bool     `yaml:"credentials,omitempty"`
		MaxAge         *int      `yaml:"max_age,omitempty"`
	}{rt.Prefix, present(rt.Origins), present(rt.Methods), present(rt.RequestHeaders), present(rt.ExposeHeaders), rt.Credentials, rt.MaxAge}, nil
}

// present returns nil for a nil list and a pointer to it otherwise.
func present(list []string) *[]string {
	if list == nil {
		return nil
	}
	return &list
}

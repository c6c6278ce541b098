package spec

import "net/http"

// HeadersOf is h as Headers: every value of every name, names as net/http
// canonicalises them (the order of names is net/http's map order).
func HeadersOf(h http.Header) Headers {
	var out Headers
	for name, vs := range h {
		for _, v := range vs {
			out = append(out, Header{Name: name, Value: v})
		}
	}
	return out
}

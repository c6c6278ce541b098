// Package policy holds the CORS policy an API's owners claim, and what a
// server that keeps it answers.
//
// The policy is data. It is read from a YAML or JSON file (Load, Parse),
// checked once (Validate), then only read: the mock API (package mockapi)
// serves it, sending for each request the headers Policy.Answer computes,
// and the harness predicts from the same Answer what the server sends, runs
// the spec model (package spec) on it to say what a browser should allow,
// and compares with what real browsers (package browser) did. A policy
// prints in reports as the YAML it came from.
//
// The package reads a file in Load and does no other I/O. It knows what a
// server should send, not what a browser makes of it: that is package
// spec's question, and serving the answers is package mockapi's.
//
// # Entry points
//
// Parse decodes and validates a policy from bytes, Load from a file, and
// Default returns the demo API's; a Policy built in Go code is checked with
// Validate. Policy.For gives the Rules in force for a path, and
// Rules.AllowsOrigin whether they grant an origin. Policy.Answer, given the
// Request a server saw (RequestFrom reduces an http.Request to one), says
// what a conforming server sends. See ExampleParse and ExamplePolicy_Answer.
//
// # The file format
//
// A policy file holds one mapping. Its top level sets the rules for the
// whole API; routes override some of them for the paths under a prefix,
// the longest matching prefix winning; endpoints name the paths scenarios
// aim at. This is the default policy (see Default), default.yaml in this
// package:
//
//	origins:
//	  - https://app.example.test
//	methods: [GET, POST, PUT, DELETE, PATCH]
//	request_headers: [Content-Type, Authorization, X-Request-Id]
//	expose_headers: [X-Total-Count, X-Request-Id]
//	credentials: true
//	max_age: 600
//	endpoints:
//	  - path: /api/items
//	    methods: [GET, HEAD, POST]
//	  - path: /api/items/1
//	    methods: [GET, PUT, PATCH, DELETE]
//	  - path: /api/me
//	    methods: [GET]
//	routes:
//	  - prefix: /api/public/
//	    origins: ["*"]
//	    credentials: false
//
// The JSON form has the same fields: {"origins": ["https://app.example.test"], ...}.
// Decoding is strict: an unknown field, a duplicate field or a value of the
// wrong type is an error with its line, and so is every rule the policy
// breaks; all of them are reported at once, the first 50 one by one and the
// rest counted. A policy file is text of at most MaxFileSize (1 MiB), and
// the hosts of its origins keep to DNS's limits: 63 bytes a label, 253 a
// name.
//
// The rules follow what browsers do, not what a server might mean. An origin
// must be written exactly as browsers serialize it (lowercase, no trailing
// slash, no default port), since the CORS check compares it byte for byte;
// "https://*.example.test" allows every subdomain of example.test at any
// depth. "*" must stand alone and never with credentials, which browsers
// reject. Methods are case-sensitive except the six that browsers uppercase
// (DELETE, GET, HEAD, OPTIONS, POST, PUT), and CONNECT, TRACE and TRACK are
// forbidden. A missing origins list is an error; write "origins: []" for a
// policy that allows no origin.
//
// The origin "null" is accepted but dangerous: it is the origin of every
// sandboxed iframe, data: URL and redirected request, which any site can
// produce, so allowing it grants nearly everyone.
package policy

package spec

import (
	"fmt"
	"strings"
)

// PlanResult is what the page's request looks like on the wire before any
// server answers: whether it throws, whether it needs a preflight and why,
// and the exact preflight header values.
type PlanResult struct {
	// Invalid: fetch() throws a TypeError and sends nothing (R1.1).
	Invalid    bool   `json:"invalid,omitempty"`
	InvalidWhy string `json:"invalid_why,omitempty"`
	// Method and Headers are the normalized request (R1.3–R1.8), without
	// the Origin header.
	Method  string  `json:"method,omitempty"`
	Headers Headers `json:"headers,omitempty"`
	// Dropped lists, lowercase, headers dropped silently (R1.5, R1.6).
	Dropped []string `json:"dropped,omitempty"`
	// Unsafe are the CORS-unsafe request-header names with reasons (R2.4).
	Unsafe []UnsafeHeader `json:"unsafe,omitempty"`
	// NeedsPreflight is R3.1 step 6 ignoring the cache; Why says why in
	// words ("method PUT is not CORS-safelisted; header x-foo is not
	// CORS-safelisted").
	NeedsPreflight bool   `json:"needs_preflight"`
	Why            string `json:"why,omitempty"`
	// RequestMethod and RequestHeaders are the preflight's ACRM and ACRH:
	// the method byte for byte, the names lowercase, sorted, deduplicated,
	// joined by "," without a space (R4.1).
	RequestMethod  string `json:"request_method,omitempty"`
	RequestHeaders string `json:"request_headers,omitempty"`
	// Deviations are profile deviations that changed the plan.
	Deviations []string `json:"deviations,omitempty"`
}

// Plan builds the request and decides whether its CORS path needs a
// preflight (R1, R2, R3.1 step 6), without a server or a cache. It does not
// look at origins: a same-origin or no-cors request never preflights, which
// Decide handles.
func Plan(req Request, p Profile) PlanResult {
	fr, err := construct(req, p)
	if err != nil {
		return PlanResult{Invalid: true, InvalidWhy: err.why}
	}
	return planFor(fr, p)
}

func planFor(fr *fetchRequest, p Profile) PlanResult {
	pr := PlanResult{Method: fr.method, Headers: fr.headers, Dropped: fr.dropped, Deviations: fr.deviations}
	unsafe, devs := unsafeNames(fr.headers, p)
	pr.Unsafe = unsafe
	var why []string
	if fr.useCORSPreflight {
		why = append(why, "the body is a ReadableStream, which sets the use-CORS-preflight flag")
	}
	if !IsCORSSafelistedMethod(fr.method) {
		why = append(why, fmt.Sprintf("method %s is not CORS-safelisted", fr.method))
	}
	names := make([]string, len(unsafe))
	for i, u := range unsafe {
		names[i] = u.Name
		why = append(why, u.Why)
	}
	pr.NeedsPreflight = len(why) > 0
	pr.Why = strings.Join(why, "; ")
	for _, d := range devs {
		pr.Deviations = appendUnique(pr.Deviations, d)
	}
	if pr.NeedsPreflight {
		pr.RequestMethod = fr.method
		pr.RequestHeaders = strings.Join(names, ",")
	}
	return pr
}

func (pr PlanResult) unsafeNames() []string {
	names := make([]string, len(pr.Unsafe))
	for i, u := range pr.Unsafe {
		names[i] = u.Name
	}
	return names
}

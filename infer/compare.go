package infer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

// compare: where an endpoint's inferred rules depart from the intended
// policy's, a finding named with the cause check reports for it. A
// departure an earlier finding already names (the same cause on the same
// endpoint) is not repeated.
func (r *run) compare(s *site, intended *policy.Policy) {
	want := intended.For(pathOnly(s.path))
	got := s.rules()
	add := func(kind corsproof.CauseKind, subject, text string) {
		for _, f := range r.out {
			if f.Cause == kind && slices.Contains(f.Endpoints, s.path) {
				return
			}
		}
		r.find(s.path, Finding{Cause: kind, key: "intended|" + subject, Text: text})
	}
	for _, o := range got.Origins {
		if o == "*" && !want.AllowsOrigin("https://any-origin.corsproof.test") || o != "*" && !strings.Contains(o, "*") && !want.AllowsOrigin(o) {
			add(corsproof.CauseOriginAccepted, o, fmt.Sprintf("accepts %s, which the intended policy does not", o))
		}
	}
	for _, o := range want.Origins {
		if o != "*" && !strings.Contains(o, "*") && !got.AllowsOrigin(o) {
			add(corsproof.CauseAllowOriginMissing, o, fmt.Sprintf("does not accept %s, which the intended policy allows", o))
		}
	}
	if got.Credentials && !want.Credentials {
		add(corsproof.CauseCredentialsAccepted, "", "allows credentials, which the intended policy does not")
	}
	if !got.Credentials && want.Credentials && len(got.Origins) > 0 {
		add(corsproof.CauseAllowCredentialsInvalid, "", "allows no credentials, which the intended policy does")
	}
	diff := func(a, b []string, fold bool) []string {
		var out []string
		for _, x := range a {
			if x == "*" || fold && slices.Contains(b, "*") {
				continue
			}
			if fold && !slices.ContainsFunc(b, func(y string) bool { return strings.EqualFold(x, y) }) || !fold && !slices.Contains(b, x) {
				out = append(out, x)
			}
		}
		return out
	}
	unsafe := func(ms []string) []string {
		return slices.DeleteFunc(slices.Clone(ms), func(m string) bool { return spec.IsCORSSafelistedMethod(m) })
	}
	if len(got.Origins) == 0 {
		return // nothing accepted: the rest was not probed
	}
	if d := diff(unsafe(want.Methods), got.Methods, false); len(d) > 0 {
		add(corsproof.CauseMethodMissing, "", fmt.Sprintf("refuses %s, which the intended policy allows", strings.Join(d, ", ")))
	}
	if d := diff(unsafe(got.Methods), want.Methods, false); len(d) > 0 {
		add(corsproof.CauseMethodAccepted, "", fmt.Sprintf("allows %s, which the intended policy does not", strings.Join(d, ", ")))
	}
	if d := diff(want.RequestHeaders, got.RequestHeaders, true); len(d) > 0 {
		add(corsproof.CauseHeaderMissing, "", fmt.Sprintf("refuses the request headers %s, which the intended policy allows", strings.Join(d, ", ")))
	}
	if d := diff(got.RequestHeaders, want.RequestHeaders, true); len(d) > 0 {
		add(corsproof.CauseHeaderAccepted, "", fmt.Sprintf("allows the request headers %s, which the intended policy does not", strings.Join(d, ", ")))
	}
	if !s.exposeUnknown {
		if d := diff(want.ExposeHeaders, got.ExposeHeaders, true); len(d) > 0 {
			add(corsproof.CauseExposeMissing, "", fmt.Sprintf("does not expose %s, which the intended policy exposes", strings.Join(d, ", ")))
		}
		if d := diff(got.ExposeHeaders, want.ExposeHeaders, true); len(d) > 0 {
			add(corsproof.CauseHeaderExposed, "", fmt.Sprintf("exposes %s, which the intended policy does not", strings.Join(d, ", ")))
		}
	}
	if age(got.MaxAge) != age(want.MaxAge) {
		add(corsproof.CauseMaxAgeDiffers, "", fmt.Sprintf("sends Access-Control-Max-Age %s, the intended policy's max_age is %s", age(got.MaxAge), age(want.MaxAge)))
	}
}

func age(n *int) string {
	if n == nil {
		return "none"
	}
	return strconv.Itoa(*n)
}

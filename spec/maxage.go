package spec

import (
	"fmt"
	"strconv"
	"time"
)

// DefaultMaxAge is what the standard uses when Access-Control-Max-Age is
// absent or fails to parse (R4.2.9, R5.3).
const DefaultMaxAge = 5 * time.Second

// maxAgeSecondsLimit keeps huge values from overflowing time.Duration.
const maxAgeSecondsLimit = 100 * 365 * 24 * 3600

// MaxAge is a parsed Access-Control-Max-Age under a profile.
type MaxAge struct {
	Duration   time.Duration `json:"duration"`
	Why        string        `json:"why"`
	Deviations []string      `json:"deviations,omitempty"`
}

// ParseMaxAge is R4.2.9 and R5.3. The header is delta-seconds (1*DIGIT), a
// single value: absent, "-1", "abc", "1.5" or two lines ("10, 20") fall back
// to 5 s in the standard. Profiles may turn negatives or garbage into "not
// cached" and cap the result.
func ParseMaxAge(h Headers, p Profile) MaxAge {
	v, present := h.Get(HeaderMaxAge)
	if !present {
		return MaxAge{Duration: DefaultMaxAge, Why: "no Access-Control-Max-Age: the default 5 s"}
	}
	if v != "" && leadingDigits(v) == v {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > maxAgeSecondsLimit {
			n = maxAgeSecondsLimit
		}
		m := MaxAge{Duration: time.Duration(n) * time.Second, Why: fmt.Sprintf("Access-Control-Max-Age %s", v)}
		if capped, did := p.maxAgeCapped(m.Duration); did {
			m.Duration, m.Why = capped, fmt.Sprintf("Access-Control-Max-Age %s, capped at %s by %s", v, capped, p.Name)
			m.Deviations = []string{DevMaxAgeCap}
		}
		return m
	}
	neg := len(v) > 1 && v[0] == '-' && leadingDigits(v[1:]) == v[1:]
	switch {
	case neg && p.NegativeMaxAgeMeansNoCache:
		return MaxAge{Why: fmt.Sprintf("Access-Control-Max-Age %s is negative: %s does not cache", v, p.Name), Deviations: []string{DevNegativeMaxAge}}
	case !neg && p.InvalidMaxAgeMeansNoCache:
		return MaxAge{Why: fmt.Sprintf("Access-Control-Max-Age %q is invalid: %s does not cache", v, p.Name), Deviations: []string{DevInvalidMaxAge}}
	}
	return MaxAge{Duration: DefaultMaxAge, Why: fmt.Sprintf("Access-Control-Max-Age %q is not delta-seconds: the default 5 s", v)}
}

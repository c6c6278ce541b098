package browser

// Helpers for reproductions (harness/repro): the exact script and flags a
// run used, rendered for a person to run without corsproof.

// FetchScript is the JavaScript expression Chromium.Fetch evaluates for f:
// fetch.js applied to f's init as JSON. It evaluates to a Promise that never
// rejects and resolves to {allowed, stage, error, status, type, url,
// redirected, headers, body, truncated, bodyError}. f.PageURL is not part of
// it: the expression runs in whatever page evaluates it.
func FetchScript(f Fetch) (string, error) { return fetchExpression(f) }

// HostResolverRules renders a host mapping as the value of Chromium's
// --host-resolver-rules, exactly as LaunchChromium passes Options.HostRules.
func HostResolverRules(m map[string]string) (string, error) { return hostResolverRules(m) }

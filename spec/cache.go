package spec

import (
	"sync"
	"time"
)

// Cache is a CORS-preflight cache (R5) shared by several Decide calls, so a
// scenario can say "the second identical request within max-age sends no
// preflight". It keeps two shapes at once: the standard's per-method and
// per-header entries (R5.1), and Chromium's one entry per origin and URL
// (R5.5). The profile picks which one answers; the other shadows it so a
// difference is reported as a deviation. The zero value is not usable; call
// NewCache. A Cache is safe for concurrent use.
type Cache struct {
	mu    sync.Mutex
	spec  []specEntry
	whole map[wholeKey]wholeEntry
}

// NewCache returns an empty preflight cache.
func NewCache() *Cache { return &Cache{whole: map[wholeKey]wholeEntry{}} }

// specEntry is R5.1 minus the network partition key (one page, one key).
// Exactly one of method and header is set.
type specEntry struct {
	origin, url    string
	credentials    bool
	method, header string
	expires        time.Time
}

type wholeKey struct{ origin, url string }

type wholeEntry struct {
	credentials      bool
	methods, headers []string // headers lowercase
	expires          time.Time
}

// cacheQuery is what a lookup or store needs to know about the request.
type cacheQuery struct {
	origin    string // byte-serialized request origin, maybe "null"
	initiator string // the page's origin (Chromium's key)
	url       string
	include   bool // credentials mode "include"
	method    string
	methodOK  bool // the method needs no entry: safelisted and no use-CORS-preflight flag
	unsafe    []string
	cacheMode string // fetch()'s cache mode (R5.5 bypass)
	now       time.Time
}

// Len is the number of live standard-shaped entries at now.
func (c *Cache) Len(now time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, e := range c.spec {
		if now.Before(e.expires) {
			n++
		}
	}
	return n
}

// needsPreflight is R3.2 against the cache under p: true when a preflight
// must be sent. devs lists profile deviations that changed the answer.
func (c *Cache) needsPreflight(q cacheQuery, p Profile) (need bool, devs []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	specNeed := c.specNeeds(q)
	need = specNeed
	if p.CacheReplacesWholeEntry {
		k := c.wholeKeyFor(q, p)
		need = c.wholeNeeds(q, k)
		if need != specNeed {
			devs = append(devs, DevCacheWholeEntry)
			if k.origin != q.origin {
				devs = append(devs, DevCacheKeyInitiator)
			}
		}
	}
	if !need && p.CacheTokensLiteral && c.onlyWildcardCovers(q) {
		need = true
		devs = append(devs, DevCacheTokensLiteral)
	}
	if !need && containsString(p.CacheBypassModes, q.cacheMode) {
		need = true
		devs = append(devs, DevCacheModeBypass)
	}
	return need, devs
}

// onlyWildcardCovers: the cache serves the request only through a "*"
// entry, not through the literal method and header names.
func (c *Cache) onlyWildcardCovers(q cacheQuery) bool {
	if !q.methodOK && !c.specHas(q, func(e specEntry) bool { return e.method == q.method }) {
		return true
	}
	for _, n := range q.unsafe {
		if !c.specHas(q, func(e specEntry) bool { return e.header != "" && e.header != "*" && equalFoldASCII(e.header, n) }) {
			return true
		}
	}
	return false
}

func (c *Cache) wholeKeyFor(q cacheQuery, p Profile) wholeKey {
	if p.CacheKeyUsesInitiatorOrigin {
		return wholeKey{q.initiator, q.url}
	}
	return wholeKey{q.origin, q.url}
}

// specNeeds is R3.2 with the standard's matching rules (R5.2).
func (c *Cache) specNeeds(q cacheQuery) bool {
	if !q.methodOK && !c.specHas(q, func(e specEntry) bool {
		return e.method == q.method || (e.method == "*" && !q.include)
	}) {
		return true
	}
	for _, n := range q.unsafe {
		if !c.specHas(q, func(e specEntry) bool {
			return e.header != "" && (equalFoldASCII(e.header, n) ||
				(e.header == "*" && !q.include && !IsCORSNonWildcardRequestHeaderName(n)))
		}) {
			return true
		}
	}
	return false
}

// specHas looks for a live "cache entry match" (R5.2) that also satisfies f.
// A "*" entry serves only non-credentialed requests: our reading, avoiding
// the spec quirk R5.2 warns about.
func (c *Cache) specHas(q cacheQuery, f func(specEntry) bool) bool {
	for _, e := range c.spec {
		if e.origin == q.origin && e.url == q.url && (e.credentials || !q.include) &&
			q.now.Before(e.expires) && f(e) {
			return true
		}
	}
	return false
}

// wholeNeeds is Chromium's EnsureAllowedRequest: the entry must be live,
// credentialed if the request is, and allow the method and every unsafe
// header with R4.2's rules, where "*" never covers Authorization. A miss
// erases the entry.
func (c *Cache) wholeNeeds(q cacheQuery, k wholeKey) bool {
	e, ok := c.whole[k]
	hit := ok && q.now.Before(e.expires) && (e.credentials || !q.include) &&
		(q.methodOK || containsString(e.methods, q.method) || (!q.include && containsString(e.methods, "*")))
	for _, n := range q.unsafe {
		if !hit {
			break
		}
		hit = containsString(e.headers, n) ||
			(!q.include && containsString(e.headers, "*") && !IsCORSNonWildcardRequestHeaderName(n))
	}
	if !hit {
		delete(c.whole, k)
	}
	return !hit
}

// store is R4.2.10 (per method and header, updating max-age of existing
// entries) and, in the other shape, Chromium's whole-entry replacement.
func (c *Cache) store(q cacheQuery, p Profile, methods, headers []string, maxAge time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	exp := q.now.Add(maxAge)
	for _, m := range methods {
		c.specPut(specEntry{origin: q.origin, url: q.url, credentials: q.include, method: m, expires: exp})
	}
	for _, h := range headers {
		c.specPut(specEntry{origin: q.origin, url: q.url, credentials: q.include, header: h, expires: exp})
	}
	lower := make([]string, len(headers))
	for i, h := range headers {
		lower[i] = lowerASCII(h)
	}
	c.whole[c.wholeKeyFor(q, p)] = wholeEntry{credentials: q.include, methods: methods, headers: lower, expires: exp}
}

func (c *Cache) specPut(n specEntry) {
	for i, e := range c.spec {
		if e.origin == n.origin && e.url == n.url && e.credentials == n.credentials &&
			e.method == n.method && equalFoldASCII(e.header, n.header) {
			c.spec[i].expires = n.expires
			return
		}
	}
	c.spec = append(c.spec, n)
}

// clear is R5.4: drop every entry for the request's origin and URL.
func (c *Cache) clear(q cacheQuery, p Profile) {
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.spec[:0]
	for _, e := range c.spec {
		if e.origin != q.origin || e.url != q.url {
			kept = append(kept, e)
		}
	}
	c.spec = kept
	delete(c.whole, c.wholeKeyFor(q, p))
}

func containsString(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

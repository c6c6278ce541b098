package spec

// Safari is Apple's Safari (WebKit on macOS or iOS, driven through
// safaridriver). No deviation has been measured in Safari yet: it is not
// assumed to share WebKitGTK's (WebKit), since Safari's network stack is
// Apple's CFNetwork, not libsoup, and its WebCore build differs. Until
// browser.TestProfileDeviations has been run in a Safari, the profile is
// the standard's with Unmeasured set, and reports of a Safari run say
// "Safari profile: unmeasured": a Safari deviation then shows as a browser
// deviation, not a known one.
var Safari = Profile{Name: "safari", Unmeasured: true}

// Package har reads the network log a browser's devtools export (HTTP
// Archive, HAR 1.2) and finds in it what corsproof can explain: the
// cross-origin fetch() and XMLHttpRequest entries, each paired with its
// CORS preflight when the export holds one.
//
// Someone who saw "blocked by CORS policy" in their own browser has a HAR,
// not a corsproof report. Parse reads it; File.Engine says which engine
// recorded it (log.creator and log.browser: Chromium's devtools write
// "WebInspector", Firefox's netmonitor "Firefox", Safari's Web Inspector
// "WebKit Web Inspector"), so the explanation uses that engine's deviation
// profile; File.CrossOrigin lists the fetches as the Fetch model (package
// spec) takes them, with the exchanges as recorded (corsproof.Observation).
//
// Each exporter has its own shape, all read here:
//
//   - Chromium (devtools-frontend's HAR writer): _resourceType ("fetch",
//     "xhr", "preflight"), _initiator (a preflight's names the request it
//     guards), _fromCache, and response._error ("net::ERR_FAILED" for a CORS
//     block, with status 0 and, depending on the version, no headers);
//     headers of HTTP/2 requests come lowercase, with ":authority" and the
//     other pseudo-headers.
//   - Firefox (devtools/client/netmonitor/src/har/har-builder.js): no
//     resource type, _securityState; a CORS-blocked response keeps its
//     status and headers (the block happens after the response arrived),
//     one whose request never went out has status 0.
//   - WebKit (Source/WebInspectorUI/.../HARBuilder.js): no browser field,
//     _fetchType, and response._error holding WebKit's failure text (e.g.
//     "Origin https://app.example.test is not allowed by
//     Access-Control-Allow-Origin. Status code: 200").
//
// Where a HAR cannot say something (the credentials mode of a fetch that
// carried no cookie, the status of a blocked response), the Fetch's Notes
// say what was assumed; nothing is guessed silently. The package does no
// I/O beyond reading the file and knows nothing of browsers or policies.
package har

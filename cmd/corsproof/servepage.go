package main

import (
	"html/template"
	"slices"
	"strings"

	"github.com/corsproof/corsproof/policy"
)

// The origin page serve shows: a form that runs fetch() from the page's
// origin and shows what the page got. Everything is inline (no external
// script, style, font or icon), so opening a page reaches nothing but the
// run's own names; nothing on it needs more than the sandboxed null page's
// "sandbox allow-scripts" (no form submission: the button runs the fetch).
var formPageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><meta charset="utf-8"><title>corsproof origin page</title>
<link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width">
<style>
body{font:15px/1.4 system-ui,sans-serif;max-width:58em;margin:1.5em auto;padding:0 1em;color:#222}
label{display:block;margin:.6em 0 .2em;font-weight:600}
input[type=text],textarea{width:100%;box-sizing:border-box;font:14px ui-monospace,monospace;padding:.3em}
label.check{font-weight:400}
button{margin:.8em 0;font-size:1em;padding:.3em 1.2em}
pre{background:#f4f4f4;padding:.8em;white-space:pre-wrap;word-break:break-all;min-height:2em}
pre[data-outcome=allowed]{border-left:4px solid #2a7}
pre[data-outcome=blocked],pre[data-outcome=invalid]{border-left:4px solid #c33}
code{font:14px ui-monospace,monospace}
</style>
<h1>fetch() from <code id="origin"></code></h1>
<p>This page's origin is <code id="origin2"></code>: the Origin header its cross-origin fetches send.</p>
<form id="form" onsubmit="return false">
<label for="method">Method</label>
<input type="text" id="method" value="GET" list="methods" autocomplete="off">
<datalist id="methods">{{range .Methods}}<option value="{{.}}">{{end}}</datalist>
<label for="url">URL</label>
<input type="text" id="url" value="{{.URL}}" list="urls" autocomplete="off">
<datalist id="urls">{{range .URLs}}<option value="{{.}}">{{end}}</datalist>
<label for="headers">Headers, one <code>Name: value</code> a line</label>
<textarea id="headers" rows="3" placeholder="Content-Type: application/json"></textarea>
<label class="check"><input type="checkbox" id="credentials"> credentials: "include" (send cookies, and let the response set them{{if .Login}}; POST {{.Login}} gets a session cookie{{end}})</label>
<label for="body">Body</label>
<textarea id="body" rows="3"></textarea>
<button type="button" id="go">fetch()</button>
</form>
<pre id="outcome" data-outcome="none">Nothing fetched yet.</pre>
<p>When the browser blocks a request, the page gets only <code>TypeError</code>; the reason
(<q>has been blocked by CORS policy: ...</q>) is in the browser's devtools: the Console, and the
request and its preflight in the Network panel. corsproof cannot read it from the page.
<code>corsproof explain</code> gives the Fetch standard's reason for a request and its answer.</p>
<script>
(() => {
  const $ = id => document.getElementById(id);
  $('origin').textContent = $('origin2').textContent = self.origin;
  document.title = 'corsproof: fetch() from ' + self.origin;
  const show = (outcome, lines) => {
    $('outcome').dataset.outcome = outcome;
    $('outcome').textContent = lines.join('\n');
  };
  const run = async () => {
    const method = $('method').value.trim() || 'GET';
    const url = $('url').value.trim();
    const init = {method, headers: new Headers()};
    if ($('credentials').checked) init.credentials = 'include';
    if ($('body').value !== '') init.body = $('body').value;
    const what = method + ' ' + url + (init.credentials ? ' with credentials' : '');
    let req;
    try {
      for (const line of $('headers').value.split('\n')) {
        if (line.trim() === '') continue;
        const i = line.indexOf(':');
        if (i <= 0) throw new TypeError('not a header line, want "Name: value": ' + line);
        init.headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
      }
      req = new Request(url, init);
    } catch (e) {
      show('invalid', ['not sent: the page cannot build ' + what, String(e)]);
      return;
    }
    show('pending', ['fetching ' + what + ' ...']);
    let resp;
    try {
      resp = await fetch(req);
    } catch (e) {
      show('blocked', ['blocked: ' + what, String(e), '',
        'This error is all a page learns: the browser hides why. Its reason is in the devtools Console',
        '(and the request and any preflight in the Network panel); corsproof cannot read it from here.']);
      return;
    }
    const lines = ['allowed: ' + what, 'status ' + resp.status + ' ' + resp.statusText + ' (response type ' + resp.type + ')', '',
      'headers this page can read (the CORS-safelisted ones and those the server exposes):'];
    for (const [name, value] of resp.headers) lines.push('  ' + name + ': ' + value);
    let text;
    try { text = await resp.text(); } catch (e) { text = '(the body could not be read: ' + e + ')'; }
    if (text.length > 4000) text = text.slice(0, 4000) + ' ... (' + text.length + ' characters)';
    lines.push('', 'body:', text);
    show('allowed', lines);
  };
  $('go').addEventListener('click', run);
  for (const id of ['method', 'url']) $(id).addEventListener('keydown', e => { if (e.key === 'Enter') run(); });
})();
</script>
</html>
`))

// formPage renders the origin page for an API at apiOrigin serving
// endpoints; apiURL is what the URL field starts with.
func formPage(apiOrigin, apiURL string, endpoints []policy.Endpoint) (string, error) {
	data := struct {
		URL, Login    string
		URLs, Methods []string
	}{URL: apiURL, Methods: []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}}
	for _, e := range endpoints {
		if e.Path == "/api/login" {
			data.Login = apiOrigin + e.Path
		}
		data.URLs = append(data.URLs, apiOrigin+examplePath(e.Path))
		for _, m := range e.Methods {
			if !slices.Contains(data.Methods, m) {
				data.Methods = append(data.Methods, m)
			}
		}
	}
	var b strings.Builder
	err := formPageTemplate.Execute(&b, data)
	return b.String(), err
}

// examplePath is p with every "{name}" segment replaced by 1: a path the
// endpoint answers.
func examplePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if len(s) > 2 && s[0] == '{' && s[len(s)-1] == '}' {
			segs[i] = "1"
		}
	}
	return strings.Join(segs, "/")
}

// Runs one fetch() in the origin page and reports what script can see.
// Evaluated by Chromium.Fetch as `(<this function>)(<Fetch as JSON>)` with
// awaitPromise, so it must be a single function expression. It never
// rejects: a rejection of fetch() is the observation, not an error.
async (f) => {
  const init = {};
  try {
    if (f.method) init.method = f.method;
    if (f.headers && f.headers.length) {
      // A Headers object with append keeps order and duplicates.
      const h = new Headers();
      for (const [name, value] of f.headers) h.append(name, value);
      init.headers = h;
    }
    switch (f.bodyKind || (f.body ? "text" : "")) {
      case "":
        break;
      case "text":
        init.body = f.body;
        break;
      case "urlsearchparams":
        init.body = new URLSearchParams(f.body);
        break;
      case "blob":
        init.body = new Blob([f.body], f.blobType ? { type: f.blobType } : {});
        break;
      case "arraybuffer":
        init.body = new TextEncoder().encode(f.body).buffer;
        break;
      default:
        return { allowed: false, stage: "init", error: `Error: unknown body kind ${f.bodyKind}` };
    }
    for (const k of ["credentials", "mode", "redirect", "cache"]) {
      if (f[k]) init[k] = f[k];
    }
  } catch (e) {
    return { allowed: false, stage: "init", error: `${e.name}: ${e.message}` };
  }
  let r;
  try {
    r = await fetch(f.url, init);
  } catch (e) {
    return { allowed: false, stage: "fetch", error: `${e.name}: ${e.message}` };
  }
  const headers = [];
  for (const [name, value] of r.headers) headers.push([name, value]);
  let body = "", truncated = false, bodyError = "";
  try {
    body = await r.text();
    if (body.length > f.bodyLimit) {
      body = body.slice(0, f.bodyLimit);
      truncated = true;
    }
  } catch (e) {
    bodyError = `${e.name}: ${e.message}`;
  }
  return {
    allowed: true, status: r.status, type: r.type, url: r.url, redirected: r.redirected,
    headers, body, truncated, bodyError,
  };
}

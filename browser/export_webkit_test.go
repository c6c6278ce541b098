package browser

// Exports for the WebKit tests (package browser_test, which uses the
// harness's topology and proxy).

// WebKitTmpGlob matches the WebKit engine's temp dirs.
func WebKitTmpGlob() string { return webkitTmpGlob() }

// GroupAlive counts live processes of a process group.
func GroupAlive(pgid int) int { return groupAlive(pgid) }

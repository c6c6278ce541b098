// Package testproc finds the processes a test started, for tests that kill
// part of a browser or check that nothing is left behind.
package testproc

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Descendants are the live (not zombie) processes below pid whose command
// line contains match, read from /proc (Linux; none elsewhere): the
// renderers of a browser, the content processes of Firefox, what a test
// left running.
func Descendants(pid int, match string) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parens.
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
		f := strings.Fields(rest)
		if len(f) < 2 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		pp, _ := strconv.Atoi(f[1])
		children[pp] = append(children[pp], p)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			if strings.Contains(Cmdline(c), match) {
				out = append(out, c)
			}
			queue = append(queue, c)
		}
	}
	return out
}

// Cmdline is pid's command line, its arguments joined by spaces.
func Cmdline(pid int) string {
	b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}

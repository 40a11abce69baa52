package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOwnSuite checks the committed suite without running it: every file
// parses, golden files exist, there are enough cases, and the cases marked
// "# gtrace:" are exactly those listed in KNOWN-DIFFERENCES.md.
func TestOwnSuite(t *testing.T) {
	cases, err := LoadSuites("cases")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 260 {
		t.Errorf("suite has %d cases, want at least 260", len(cases))
	}
	ids := map[string]bool{}
	for _, c := range cases {
		ids[c.ID()] = true
	}

	known, err := LoadKnownDiffs("KNOWN-DIFFERENCES.md")
	if err != nil {
		t.Fatal(err)
	}
	for id := range known {
		if !ids[id] {
			t.Errorf("KNOWN-DIFFERENCES.md lists %s, which is not a case", id)
		}
	}

	marked := gtraceMarkedCases(t, "cases")
	for id := range marked {
		if _, ok := known[id]; !ok {
			t.Errorf("%s has a '# gtrace:' comment but is not in KNOWN-DIFFERENCES.md", id)
		}
	}
	for id := range known {
		if !marked[id] {
			t.Errorf("%s is in KNOWN-DIFFERENCES.md but has no '# gtrace:' comment", id)
		}
	}
}

// gtraceMarkedCases returns the cases preceded by a "# gtrace:" comment
// (possibly continued on further comment lines).
func gtraceMarkedCases(t *testing.T, dir string) map[string]bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	marked := map[string]bool{}
	for _, e := range entries {
		if !e.Type().IsRegular() || !IsSuiteFile(e.Name()) {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		pending := false
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "# gtrace:"):
				pending = true
			case strings.HasPrefix(line, "#"):
			case strings.HasPrefix(line, "NAME "):
				if pending {
					marked[e.Name()+"."+strings.TrimSpace(strings.TrimPrefix(line, "NAME "))] = true
				}
				pending = false
			default:
				pending = false
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return marked
}

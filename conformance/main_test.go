package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseFlagsDefaults(t *testing.T) {
	dir := t.TempDir()
	suite := filepath.Join(dir, "cases")
	if err := os.MkdirAll(filepath.Join(dir, "testprogs"), 0o755); err != nil {
		t.Fatal(err)
	}
	o, err := parseFlags([]string{"-suite", suite, "-j", "0"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if o.known != filepath.Join(dir, "KNOWN-DIFFERENCES.md") || o.testprogs != filepath.Join(dir, "testprogs") || o.jobs != 1 || o.scale != 1 {
		t.Errorf("defaults: %+v", o)
	}
	if _, err := parseFlags([]string{"-timeout-scale", "0"}, &bytes.Buffer{}); err == nil {
		t.Error("-timeout-scale 0 accepted")
	}
	if _, err := parseFlags([]string{"stray"}, &bytes.Buffer{}); err == nil {
		t.Error("stray argument accepted")
	}
}

// writeTracer writes a shell script that stands in for a tracer: it prints
// the attach line and then its -e argument, or fails on "bad".
func writeTracer(t *testing.T, dir, name, extra string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	script := "#!/bin/sh\n" +
		"[ \"$1\" = --info ] && { echo 'btf: yes'; exit 0; }\n" +
		"[ \"$2\" = bad ] && { echo 'stdin:1:1-4: ERROR: bad' >&2; exit 1; }\n" +
		"echo 'Attaching 1 probe...'\n" +
		"echo " + NotifyLine + "\n" +
		"echo \"$2\"\n" + extra
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSessionReport runs a small suite through the whole runner, with the
// host forced to root, and checks the report and the differential lane.
func TestSessionReport(t *testing.T) {
	dir := t.TempDir()
	suiteDir := filepath.Join(dir, "cases")
	if err := os.MkdirAll(suiteDir, 0o755); err != nil {
		t.Fatal(err)
	}
	suite := `NAME pass
PROG hello
EXPECT hello

NAME fail
PROG hello
EXPECT goodbye

NAME skip
PROG hello
REQUIRES false
EXPECT hello

NAME errors
PROG bad
EXPECT stdin:1:1-4: ERROR: bad
WILL_FAIL

NAME nodiff
PROG hello
NODIFF prints something variable
EXPECT hello
`
	if err := os.WriteFile(filepath.Join(suiteDir, "demo"), []byte(suite), 0o644); err != nil {
		t.Fatal(err)
	}
	known := "- `demo.fail`: the reference differs on purpose\n"
	if err := os.WriteFile(filepath.Join(dir, "KNOWN-DIFFERENCES.md"), []byte(known), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := writeTracer(t, dir, "tracer", "")
	ref := writeTracer(t, dir, "reference", "echo extra line\n")

	var out bytes.Buffer
	o := &options{bin: bin, ref: ref, suite: suiteDir, known: filepath.Join(dir, "KNOWN-DIFFERENCES.md"), jobs: 2, scale: 1, diff: true}
	s, err := newSession(context.Background(), o, &out)
	if err != nil {
		t.Fatal(err)
	}
	s.host.Root = true // the stand-in tracer needs no privileges
	code := s.runAll(context.Background())

	got := out.String()
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if last := lines[len(lines)-1]; last != "conformance: 3 passed, 1 failed, 1 skipped of 5" {
		t.Errorf("summary %q\nfull output:\n%s", last, got)
	}
	for _, want := range []string{
		"FAIL demo.fail",
		"EXPECT not found: goodbye",
		"SKIP demo.skip: REQUIRES false failed",
		"DIFF demo.pass:",
		"+extra line",
		"diff: 3 compared with " + ref + ", 2 differ (1 known, 1 unexplained)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "DIFF demo.fail") || strings.Contains(got, "DIFF demo.nodiff") {
		t.Errorf("known or NODIFF case reported as a difference:\n%s", got)
	}
	if code == 0 {
		t.Error("exit status 0 despite a failure")
	}
}

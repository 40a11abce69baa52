package codegen_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gtrace/codegen"
	"gtrace/lang/check"
	"gtrace/lang/parser"
	"gtrace/stdlib"
)

var update = flag.Bool("update", false, "rewrite the golden listings")

// compile runs the front end and the code generator on src with the test
// kernel.
func compile(t *testing.T, name, src string, opts codegen.Options) *codegen.Artifact {
	t.Helper()
	prog, err := parser.Parse(name, src)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	checked, err := check.Check(prog, check.Config{Kernel: check.TestKernel(), Builtins: stdlib.Library(), Params: []string{"42", "hello"}})
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	art, err := codegen.Compile(checked, opts)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return art
}

// TestListings compiles every testdata/*.bt and compares the listing with
// its .golden file (regenerate with -update).
func TestListings(t *testing.T) {
	files, err := filepath.Glob("testdata/*.bt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test scripts: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".bt")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			art := compile(t, filepath.Base(file), string(src), codegen.Options{})
			var got bytes.Buffer
			codegen.Dump(&got, art)
			golden := strings.TrimSuffix(file, ".bt") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./codegen -update)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("listing differs from %s (run go test ./codegen -update and review the diff)\n%s", golden, firstDiff(string(want), got.String()))
			}
		})
	}
}

// firstDiff shows the first differing line.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return ""
}

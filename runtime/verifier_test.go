package runtime_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/cilium/ebpf/asm"

	"gtrace/codegen"
	"gtrace/lang/check"
	"gtrace/lang/parser"
	"gtrace/runtime"
	"gtrace/stdlib"
)

// TestVerifierRejectionNamesScriptLine breaks a compiled program on
// purpose (a load through R5, never set, at the code of line 2) and checks
// that the error names the probe and the script line.
func TestVerifierRejectionNamesScriptLine(t *testing.T) {
	requireRoot(t)
	src := "BEGIN {\n  @x = 1;\n  exit();\n}\n"
	prog, err := parser.Parse("stdin", src)
	if err != nil {
		t.Fatal(err)
	}
	checked, err := check.Check(prog, check.Config{Kernel: check.TestKernel(), Builtins: stdlib.Library()})
	if err != nil {
		t.Fatal(err)
	}
	art, err := codegen.Compile(checked, codegen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	insns := art.Spec.Programs[art.Programs[0].Name].Instructions
	for i := range insns {
		if src := insns[i].Source(); src != nil && strings.HasPrefix(src.String(), "line 2:") {
			bad := asm.LoadMem(asm.R1, asm.R5, 0, asm.DWord).WithSource(src)
			insns = append(insns[:i], append(asm.Instructions{bad}, insns[i:]...)...)
			insns[i+1] = insns[i+1].WithSource(nil)
			break
		}
	}
	art.Spec.Programs[art.Programs[0].Name].Instructions = insns
	var out bytes.Buffer
	_, err = runtime.Load(art, runtime.Options{Out: &out, Err: &out, CPUs: []int{0}})
	var le *runtime.LoadError
	if !errors.As(err, &le) {
		t.Fatalf("want a LoadError, got %v", err)
	}
	msg := err.Error()
	t.Log(msg)
	for _, want := range []string{"probe BEGIN", "line 2 (@x = 1;)", "R5 !read_ok"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
}

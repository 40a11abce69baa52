package stdlib_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"gtrace/lang/check"
	"gtrace/lang/diag"
	"gtrace/lang/parser"
	"gtrace/stdlib"
)

// FuzzCheck feeds arbitrary scripts through the parser and the checker
// with the real builtin library: neither may panic, and every error must
// be positioned inside the source.
func FuzzCheck(f *testing.F) {
	seeds := []string{
		`BEGIN { printf("%d %s\n", pid, comm); exit(); }`,
		`tracepoint:syscalls:sys_enter_openat /comm == "x"/ { @[str(args->filename)] = count(); }`,
		`BEGIN { @h = hist(5); @l = lhist(3, 0, 10, 1); @s = stats(1); print(@h, 2, 1); clear(@l); }`,
		`BEGIN { $t = (1, "a"); @m[$t.0, $t.1] = $t; delete(@m[1, "a"]); }`,
		`interval:s:1 { time("%H\n"); @x = strftime("%Y", nsecs); @n = ntop(1); }`,
		`BEGIN { $i = 0; while ($i < 3) { $i++; if ($i == 2) { break; } } unroll(2) { $i--; } }`,
		`BEGIN { @x = (uint8)$1 + $#; printf("%s", str($2, 3)); join(0); }`,
	}
	files, _ := filepath.Glob("../codegen/testdata/*.bt")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			seeds = append(seeds, string(b))
		}
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		prog, err := parser.Parse("fuzz", src)
		if err == nil {
			_, err = check.Check(prog, check.Config{Kernel: check.TestKernel(), Builtins: stdlib.Library(), Params: []string{"1", "x"}})
		}
		if err == nil {
			return
		}
		var list diag.List
		if !errors.As(err, &list) {
			t.Fatalf("error is not a diagnostic list: %v", err)
		}
		for _, d := range list {
			if !d.Span.IsValid() || d.Span.Start.Offset > len(src) {
				t.Fatalf("diagnostic without a valid position: %v", d)
			}
		}
	})
}

package runtime_test

import (
	"bytes"
	"os"
	"testing"

	"gtrace/codegen"
	"gtrace/lang/check"
	"gtrace/lang/parser"
	"gtrace/runtime"
	"gtrace/stdlib"
)

// requireRoot skips tests that load BPF programs when not root.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("loading BPF programs needs root")
	}
}

// runScript compiles and runs src to completion and returns its stdout.
func runScript(t *testing.T, src string, kernel check.Kernel) (string, int) {
	t.Helper()
	requireRoot(t)
	prog, err := parser.Parse("stdin", src)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	checked, err := check.Check(prog, check.Config{Kernel: kernel, Builtins: stdlib.Library()})
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	art, err := codegen.Compile(checked, codegen.Options{V4: false})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	var out, errOut bytes.Buffer
	sess, err := runtime.Load(art, runtime.Options{Out: &out, Err: &errOut, CPUs: []int{0}})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	defer sess.Close()
	code, err := sess.Run()
	if err != nil {
		t.Fatalf("run: %v\nstderr: %s", err, errOut.String())
	}
	if errOut.Len() > 0 {
		t.Logf("stderr: %s", errOut.String())
	}
	return out.String(), code
}

func TestBeginExit(t *testing.T) {
	out, code := runScript(t, `BEGIN { printf("hello %d\n", 42); exit(); }`, check.TestKernel())
	want := "Attaching 1 probe...\nhello 42\n\n\n"
	if out != want || code != 0 {
		t.Errorf("got %q (exit %d), want %q", out, code, want)
	}
}

// TestAggregationFormats is the reference's §3.2 program: every
// aggregation kind, printed byte for byte as bpftrace 0.17 prints it.
func TestAggregationFormats(t *testing.T) {
	src := `BEGIN {
  @h = hist(-5); @h = hist(0); @h = hist(1); @h = hist(1); @h = hist(3); @h = hist(1000); @h = hist(1500000);
  @l = lhist(-3, 0, 100, 10); @l = lhist(5, 0, 100, 10); @l = lhist(15, 0, 100, 10); @l = lhist(15, 0, 100, 10); @l = lhist(55, 0, 100, 10); @l = lhist(150, 0, 100, 10);
  @s = stats(10); @s = stats(20); @s = stats(33);
  @a = avg(10); @a = avg(21);
  @sum = sum(5); @sum = sum(7);
  @mn = min(9); @mn = min(3); @mx = max(9); @mx = max(3);
  @cnt = count(); @cnt = count();
  @k[1,"a"] = 5; @k[2,"b"] = 3;
  @str["x"] = "hello";
  @t = (1,"two",3);
  @neg = -7;
  @kh["a"] = hist(10); @kh["b"] = hist(100);
  exit();
}`
	want := `Attaching 1 probe...


@a: 15

@cnt: 2
@h: 
(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[1]                    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[4, 8)                 0 |                                                    |
[8, 16)                0 |                                                    |
[16, 32)               0 |                                                    |
[32, 64)               0 |                                                    |
[64, 128)              0 |                                                    |
[128, 256)             0 |                                                    |
[256, 512)             0 |                                                    |
[512, 1K)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[1K, 2K)               0 |                                                    |
[2K, 4K)               0 |                                                    |
[4K, 8K)               0 |                                                    |
[8K, 16K)              0 |                                                    |
[16K, 32K)             0 |                                                    |
[32K, 64K)             0 |                                                    |
[64K, 128K)            0 |                                                    |
[128K, 256K)           0 |                                                    |
[256K, 512K)           0 |                                                    |
[512K, 1M)             0 |                                                    |
[1M, 2M)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |

@k[2, b]: 3
@k[1, a]: 5
@kh[a]: 
[8, 16)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|

@kh[b]: 
[64, 128)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|

@l: 
(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[0, 10)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[10, 20)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
[20, 30)               0 |                                                    |
[30, 40)               0 |                                                    |
[40, 50)               0 |                                                    |
[50, 60)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
[60, 70)               0 |                                                    |
[70, 80)               0 |                                                    |
[80, 90)               0 |                                                    |
[90, 100)              0 |                                                    |
[100, ...)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |

@mn: 3
@mx: 9
@neg: -7
@s: count 3, average 21, total 63

@str[x]: hello
@sum: 12
@t: (1, two, 3)
`
	out, _ := runScript(t, src, check.TestKernel())
	if out != want {
		t.Errorf("output differs:\n%s", lineDiff(want, out))
	}
}

// lineDiff shows the first differing line of two outputs.
func lineDiff(want, got string) string {
	wl, gl := bytes.Split([]byte(want), []byte("\n")), bytes.Split([]byte(got), []byte("\n"))
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g []byte
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if !bytes.Equal(w, g) {
			return "first difference at line " + string(rune('0'+(i+1)/10)) + string(rune('0'+(i+1)%10)) + ":\nwant: " + string(w) + "\ngot:  " + string(g) + "\n--- full output:\n" + got
		}
	}
	return ""
}

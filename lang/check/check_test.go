package check_test

import (
	"bytes"
	"strings"
	"testing"

	"gtrace/lang/check"
	"gtrace/lang/diag"
	"gtrace/lang/parser"
	"gtrace/lang/types"
)

// fakeBuiltins is a tiny builtin library, so the checker's own rules are
// tested without stdlib: pid (uint64), s (a string[8]), count() and f(x)
// returning its argument's type.
type fakeBuiltins struct{}

type fakeBuiltin func(u *check.Use) *types.Type

func (f fakeBuiltin) Check(u *check.Use) *types.Type { return f(u) }

func (fakeBuiltins) Var(name string) check.Builtin {
	switch name {
	case "pid":
		return fakeBuiltin(func(*check.Use) *types.Type { return types.Uint64 })
	case "s":
		return fakeBuiltin(func(*check.Use) *types.Type { return types.StringOf(8) })
	case "args":
		return fakeBuiltin(func(u *check.Use) *types.Type { return u.ArgsRecord() })
	}
	return nil
}

func (fakeBuiltins) Func(name string) check.Builtin {
	switch name {
	case "count":
		return fakeBuiltin(func(*check.Use) *types.Type { return types.AggOf(types.AggCount, false) })
	case "f":
		return fakeBuiltin(func(u *check.Use) *types.Type { return u.ArgType(0) })
	}
	return nil
}

func checkSrc(t *testing.T, src string, params ...string) (*check.Program, string) {
	t.Helper()
	prog, err := parser.Parse("stdin", src)
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	p, err := check.Check(prog, check.Config{Kernel: check.TestKernel(), Builtins: fakeBuiltins{}, Params: params})
	if err != nil {
		var b bytes.Buffer
		diag.RenderAll(&b, src, err)
		return nil, b.String()
	}
	return p, ""
}

// TestMapTypes checks inference across probes, in both orders.
func TestMapTypes(t *testing.T) {
	tests := []struct {
		src       string
		name      string
		key, want string
	}{
		{`BEGIN { @x = 1; }`, "@x", "none", "int64"},
		{`BEGIN { @x[pid] = pid; }`, "@x", "unsigned int64", "unsigned int64"},
		{`BEGIN { @x["ab"] = "c"; @x[s] = s; }`, "@x", "string[8]", "string[8]"},
		{`BEGIN { @x[1, "a"] = (1, s); }`, "@x", "(int64,string[2])", "(int64,string[8])"},
		{`BEGIN { @y = @x + 1; } END { @x = 5; }`, "@y", "none", "int64"},
		{`BEGIN { @c[s] = count(); }`, "@c", "string[8]", "count"},
		{`BEGIN { @n++; }`, "@n", "none", "int64"},
		{`BEGIN { @n[1] += 3; }`, "@n", "int64", "int64"},
		{`BEGIN { @t = (1, (2, "x")); }`, "@t", "none", "(int64,(int64,string[2]))"},
	}
	for _, tt := range tests {
		p, errs := checkSrc(t, tt.src)
		if errs != "" {
			t.Errorf("%s: %s", tt.src, errs)
			continue
		}
		m := p.Maps[tt.name]
		key := "none"
		if m.Key != nil {
			key = m.Key.String()
		}
		if key != tt.key || m.Value.String() != tt.want {
			t.Errorf("%s: %s has key %s value %s, want %s %s", tt.src, tt.name, key, m.Value, tt.key, tt.want)
		}
	}
}

// TestErrors compares whole rendered diagnostics of the checker's own
// rules.
func TestErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{`BEGIN { @x = 1; @x = "a"; }`, `stdin:1:17-19: ERROR: Type mismatch for @x: trying to assign value of type 'string[2]' when map already contains a value of type 'int64'
BEGIN { @x = 1; @x = "a"; }
                ~~
`},
		{`BEGIN { $t = (1, 2); $t = ("a", 2); }`, `stdin:1:25-26: ERROR: Tuple type mismatch: (int64,int64) != (string[2],int64).
BEGIN { $t = (1, 2); $t = ("a", 2); }
                        ~
`},
		{`BEGIN { @x[1] = 1; @x = 2; }`, `stdin:1:20-22: ERROR: @x used as a map with and without keys
BEGIN { @x[1] = 1; @x = 2; }
                   ~~
`},
		{`BEGIN { @x[(1, 2)] = 1; }`, "stdin:1:9-19: ERROR: tuple cannot be used as a map key. Try a multi-key associative array instead (eg `@map[$1, $2] = ...)`.\n" + `BEGIN { @x[(1, 2)] = 1; }
        ~~~~~~~~~~
`},
		{`BEGIN { $x = f(count()); }`, `stdin:1:14-23: ERROR: count() should be directly assigned to a map
BEGIN { $x = f(count()); }
             ~~~~~~~~~
`},
		{`BEGIN { continue; }`, `stdin:1:9-17: ERROR: continue used outside of a loop
BEGIN { continue; }
        ~~~~~~~~
`},
		{`BEGIN { unroll(0) { } }`, `stdin:1:9-18: ERROR: unroll minimum value is 1
BEGIN { unroll(0) { } }
        ~~~~~~~~~
`},
		{`BEGIN { $x = $0; }`, `stdin:1:14-16: ERROR: $0 is not a valid positional parameter (they start at $1)
BEGIN { $x = $0; }
             ~~
`},
		{`tracepoint:nope:* { }`, `stdin:1:1-18: ERROR: No probes matched: tracepoint:nope:*
tracepoint:nope:* { }
~~~~~~~~~~~~~~~~~
`},
		{`uprobe:/bin/sh:main { }`, `stdin:1:1-20: ERROR: uprobe probes are not supported yet by gtrace
uprobe:/bin/sh:main { }
~~~~~~~~~~~~~~~~~~~
`},
		{`software:nope:1 { }`, `stdin:1:1-16: ERROR: Invalid software event name: nope
software:nope:1 { }
~~~~~~~~~~~~~~~
`},
		{`BEGIN { $x = s < s; }`, `stdin:1:16-17: ERROR: The < operator can not be used on expressions of types string[8], string[8]
BEGIN { $x = s < s; }
               ~
`},
	}
	for _, tt := range tests {
		_, got := checkSrc(t, tt.src)
		if got != tt.want {
			t.Errorf("%s\n got:\n%s\nwant:\n%s", tt.src, got, tt.want)
		}
	}
}

// TestInstances checks how attach points become programs: one shared
// program, unless the body depends on the attach point.
func TestInstances(t *testing.T) {
	p, errs := checkSrc(t, `tracepoint:syscalls:sys_enter_* { @ = count(); } tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_enter_openat { @a[args->__syscall_nr] = count(); } BEGIN, interval:s:1 { @b = count(); }`)
	if errs != "" {
		t.Fatal(errs)
	}
	var got []string
	for _, pr := range p.Probes {
		for _, in := range pr.Instances {
			var names []string
			for _, a := range in.Attach {
				names = append(names, a.Name())
			}
			got = append(got, strings.Join(names, ","))
		}
	}
	want := []string{
		"tracepoint:syscalls:sys_enter_openat,tracepoint:syscalls:sys_enter_read",
		"tracepoint:syscalls:sys_enter_read",
		"tracepoint:syscalls:sys_enter_openat",
		"BEGIN",
		"interval:s:1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("instances:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestConstants checks folding and positional parameters.
func TestConstants(t *testing.T) {
	p, errs := checkSrc(t, `BEGIN { $a = (1 + 2) * -3 / 2; $b = $1 + $#; $c = (uint8)257; $d = sizeof(int16); }`, "40")
	if errs != "" {
		t.Fatal(errs)
	}
	in := p.Probes[0].Instances[0]
	got := map[string]int64{}
	for e, c := range in.Consts {
		if as, ok := e.(interface{ Span() diag.Span }); ok {
			got[p.AST.Source[as.Span().Start.Offset:as.Span().End.Offset]] = int64(c.Int)
		}
	}
	for expr, want := range map[string]int64{"(1 + 2) * -3 / 2": -4, "$1 + $#": 41, "(uint8)257": 1, "sizeof(int16)": 2} {
		if v, ok := got[expr]; !ok || v != want {
			t.Errorf("%s = %d (known %v), want %d", expr, v, ok, want)
		}
	}
}

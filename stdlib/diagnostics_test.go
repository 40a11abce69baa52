package stdlib_test

import (
	"bytes"
	"testing"

	"gtrace/lang/check"
	"gtrace/lang/diag"
	"gtrace/lang/parser"
	"gtrace/stdlib"
)

// checkSource parses and checks src with the real builtin library and the
// test kernel, and renders the diagnostics as gtrace prints them.
func checkSource(src string, cfg check.Config) string {
	prog, err := parser.Parse("stdin", src)
	if err == nil {
		cfg.Kernel = check.TestKernel()
		cfg.Builtins = stdlib.Library()
		_, err = check.Check(prog, cfg)
	}
	if err == nil {
		return ""
	}
	var b bytes.Buffer
	diag.RenderAll(&b, src, err)
	return b.String()
}

// TestDiagnostics compares whole rendered diagnostics, underline included.
func TestDiagnostics(t *testing.T) {
	tests := []struct{ src, want string }{
		{`BEGIN { @x = foo(1); }`, `stdin:1:14-17: ERROR: Unknown function: foo
BEGIN { @x = foo(1); }
             ~~~
`},
		{`BEGIN { $x = 1; $x = "a"; }`, `stdin:1:20-21: ERROR: Type mismatch for $x: trying to assign value of type 'string[2]' when variable already contains a value of type 'int64'
BEGIN { $x = 1; $x = "a"; }
                   ~
`},
		{`BEGIN { printf("%d\n", "a"); }`, `stdin:1:9-28: ERROR: printf: %d specifier expects a value of type integer (string supplied)
BEGIN { printf("%d\n", "a"); }
        ~~~~~~~~~~~~~~~~~~~
`},
		{`BEGIN { @x = 1 + count(); }`, `stdin:1:18-25: ERROR: count() should be directly assigned to a map
BEGIN { @x = 1 + count(); }
                 ~~~~~~~
`},
		{`BEGIN { printf("%d\n", $y); }`, `stdin:1:24-26: ERROR: Undefined or undeclared variable: $y
BEGIN { printf("%d\n", $y); }
                       ~~
`},
		{`BEGIN { @x = count(); @x = 1; }`, `stdin:1:23-25: ERROR: Type mismatch for @x: trying to assign value of type 'int64' when map already contains a value of type 'count'
BEGIN { @x = count(); @x = 1; }
                      ~~
`},
		{`BEGIN { @x = (1, "a"); @z = @x.5; }`, `stdin:1:29-33: ERROR: Invalid tuple index: 5. Found 2 elements in tuple.
BEGIN { @x = (1, "a"); @z = @x.5; }
                            ~~~~
`},
		{`BEGIN { @ = foo; }`, `stdin:1:13-16: ERROR: Unknown identifier: 'foo'
BEGIN { @ = foo; }
            ~~~
`},
		{`BEGIN { printf("%d %d\n", 1); }`, `stdin:1:9-29: ERROR: printf: Not enough arguments for format string (1 supplied, 2 expected)
BEGIN { printf("%d %d\n", 1); }
        ~~~~~~~~~~~~~~~~~~~~
`},
		{`BEGIN { printf("%d\n", 1, 2); }`, `stdin:1:9-29: ERROR: printf: Too many arguments for format string (2 supplied, 1 expected)
BEGIN { printf("%d\n", 1, 2); }
        ~~~~~~~~~~~~~~~~~~~~
`},
		{`BEGIN { system("ls"); }`, `stdin:1:9-21: ERROR: system() is an unsafe function being used in safe mode
BEGIN { system("ls"); }
        ~~~~~~~~~~~~
`},
		{`tracepoint:syscalls:sys_enter_nonexist { }`, `stdin:1:1-39: ERROR: tracepoint not found: syscalls:sys_enter_nonexist
tracepoint:syscalls:sys_enter_nonexist { }
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
`},
		{`kprobe:vfs_read { }`, `stdin:1:1-16: ERROR: kprobe probes are not supported yet by gtrace
kprobe:vfs_read { }
~~~~~~~~~~~~~~~
`},
		{`BEGIN { @x = "a" + 1; }`, `stdin:1:14-21: ERROR: Type mismatch for '+': comparing 'string[2]' with 'int64'
BEGIN { @x = "a" + 1; }
             ~~~~~~~
`},
		{`BEGIN { unroll(200) { } }`, `stdin:1:9-20: ERROR: unroll maximum value is 100
BEGIN { unroll(200) { } }
        ~~~~~~~~~~~
`},
		{`BEGIN { @x = cpid; }`, `stdin:1:14-18: ERROR: cpid cannot be used without child command
BEGIN { @x = cpid; }
             ~~~~
`},
		{`interval:xs:1 { }`, `stdin:1:1-14: ERROR: xs is not an accepted unit of time
interval:xs:1 { }
~~~~~~~~~~~~~
`},
		{`BEGIN { break; }`, `stdin:1:9-14: ERROR: break used outside of a loop
BEGIN { break; }
        ~~~~~
`},
		{`tracepoint:syscalls:sys_enter_openat { @ = args->nofield; }`, `stdin:1:44-57: ERROR: Struct/union of type 'struct _tracepoint_syscalls_sys_enter_openat' does not contain a field named 'nofield'
tracepoint:syscalls:sys_enter_openat { @ = args->nofield; }
                                           ~~~~~~~~~~~~~
`},
		{`BEGIN { @x = lhist(1, 0, 100, 0); }`, `stdin:1:14-33: ERROR: lhist() step must be >= 1 (0 provided)
BEGIN { @x = lhist(1, 0, 100, 0); }
             ~~~~~~~~~~~~~~~~~~~
`},
		{`BEGIN { @x = hist(); }`, `stdin:1:14-20: ERROR: hist() requires one argument (0 provided)
BEGIN { @x = hist(); }
             ~~~~~~
`},
		{`BEGIN { @x = (uint8)"a"; }`, `stdin:1:14-21: ERROR: Casts are not supported for type: "string[2]"
BEGIN { @x = (uint8)"a"; }
             ~~~~~~~
`},
		{`BEGIN { @x = args->foo; }`, `stdin:1:14-18: ERROR: The args builtin can only be used with tracepoint probes (BEGIN used here)
BEGIN { @x = args->foo; }
             ~~~~
`},
		{`BEGIN { @x = $1; }`, `stdin:1:14-16: ERROR: $1 used numerically but given "abc". Try using str($1).
BEGIN { @x = $1; }
             ~~
`},
		{`BEGIN { @x = retval; }`, `stdin:1:14-20: ERROR: The retval builtin can only be used with kprobe and uprobe probes, which gtrace does not support yet (BEGIN used here)
BEGIN { @x = retval; }
             ~~~~~~
`},
		{`BEGIN { printf("%s\n", str($1)); @ok = 1; }`, ``},
	}
	for _, tt := range tests {
		got := checkSource(tt.src, check.Config{Params: []string{"abc"}})
		if got != tt.want {
			t.Errorf("%s\n got:\n%s\nwant:\n%s", tt.src, got, tt.want)
		}
	}
}

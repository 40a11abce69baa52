package parser

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gtrace/lang/ast"
	"gtrace/lang/diag"
)

var update = flag.Bool("update", false, "rewrite the .ast.golden files")

// TestGolden parses testdata/*.bt and compares ast.Dump's output with
// testdata/*.ast.golden. Regenerate with `go test ./lang/parser -update`.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.bt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no test scripts")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".bt")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			prog, err := Parse(filepath.Base(file), string(src))
			if err != nil {
				var b strings.Builder
				diag.RenderAll(&b, string(src), err)
				t.Fatalf("parse failed:\n%s", b.String())
			}
			checkSpans(t, prog, string(src))
			var b strings.Builder
			if err := ast.Dump(&b, prog); err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(file, ".bt") + ".ast.golden"
			if *update {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./lang/parser -update)", err)
			}
			if b.String() != string(want) {
				t.Errorf("dump differs from %s (run go test ./lang/parser -update and review the diff):\n%s", golden, b.String())
			}
		})
	}
}

// checkSpans verifies that every node of prog has a valid span inside src
// whose line and column agree with its offset.
func checkSpans(t testing.TB, prog *ast.Program, src string) {
	t.Helper()
	check := func(what string, s diag.Span) {
		for _, p := range []diag.Pos{s.Start, s.End} {
			if err := checkPos(p, src); err != nil {
				t.Fatalf("%s: span %v-%v: %v", what, s.Start, s.End, err)
			}
		}
		if s.End.Offset < s.Start.Offset {
			t.Fatalf("%s: span ends before it starts: %v-%v", what, s.Start, s.End)
		}
	}
	ast.Walk(prog, func(n ast.Node) bool {
		what := fmt.Sprintf("%T", n)
		check(what, n.Span())
		switch n := n.(type) {
		case *ast.MapRef:
			check(what+".NamePos", n.NamePos)
		case *ast.Call:
			check(what+".NamePos", n.NamePos)
		case *ast.Binary:
			check(what+".OpPos", n.OpPos)
		case *ast.AssignStmt:
			check(what+".OpPos", n.OpPos)
		case *ast.Field:
			check(what+".NamePos", n.NamePos)
		}
		return true
	})
}

// checkPos reports whether p is a valid position in src.
func checkPos(p diag.Pos, src string) error {
	if !p.IsValid() || p.Offset < 0 || p.Offset > len(src) {
		return fmt.Errorf("position %+v outside the source (%d bytes)", p, len(src))
	}
	line := strings.Count(src[:p.Offset], "\n") + 1
	col := p.Offset - (strings.LastIndexByte(src[:p.Offset], '\n') + 1) + 1
	if p.Line != line || p.Col != col {
		return fmt.Errorf("position %+v: offset %d is %d:%d", p, p.Offset, line, col)
	}
	return nil
}

// TestSpans checks the exact text under the spans of each node kind.
func TestSpans(t *testing.T) {
	src := "#define TEN 10\n" +
		"kprobe:f /pid == TEN/ {\n" +
		"  @m[comm, 1] += foo(1, \"a\\n\")->b.c;\n" +
		"  $t = (uint8)$x ? (1, 2).0 : sizeof(struct s);\n" +
		"  @a[1]++; $a[1];\n" +
		"  if ($1) { return } else if (1) { }\n" +
		"  for ($kv : @m) { }\n" +
		"}\n"
	prog, err := Parse("t.bt", src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	text := func(s diag.Span) string { return src[s.Start.Offset:s.End.Offset] }
	ast.Walk(prog, func(n ast.Node) bool {
		if _, ok := n.(*ast.Program); ok {
			return true
		}
		line := fmt.Sprintf("%T %q", n, text(n.Span()))
		switch n := n.(type) {
		case *ast.MapRef:
			line += fmt.Sprintf(" name %q", text(n.NamePos))
		case *ast.Call:
			line += fmt.Sprintf(" name %q", text(n.NamePos))
		case *ast.Binary:
			line += fmt.Sprintf(" op %q", text(n.OpPos))
		case *ast.AssignStmt:
			line += fmt.Sprintf(" op %q", text(n.OpPos))
		case *ast.Field:
			line += fmt.Sprintf(" name %q", text(n.NamePos))
		}
		got = append(got, line)
		return true
	})
	want := []string{
		`*ast.Define "#define TEN 10"`,
		`*ast.Probe "kprobe:f /pid == TEN/ {\n  @m[comm, 1] += foo(1, \"a\\n\")->b.c;\n  $t = (uint8)$x ? (1, 2).0 : sizeof(struct s);\n  @a[1]++; $a[1];\n  if ($1) { return } else if (1) { }\n  for ($kv : @m) { }\n}"`,
		`*ast.AttachPoint "kprobe:f"`,
		`*ast.Binary "pid == TEN" op "=="`,
		`*ast.Ident "pid"`,
		`*ast.IntLit "TEN"`,
		`*ast.Block "{\n  @m[comm, 1] += foo(1, \"a\\n\")->b.c;\n  $t = (uint8)$x ? (1, 2).0 : sizeof(struct s);\n  @a[1]++; $a[1];\n  if ($1) { return } else if (1) { }\n  for ($kv : @m) { }\n}"`,
		`*ast.AssignStmt "@m[comm, 1] += foo(1, \"a\\n\")->b.c" op "+="`,
		`*ast.MapRef "@m[comm, 1]" name "@m"`,
		`*ast.Ident "comm"`,
		`*ast.IntLit "1"`,
		`*ast.Field "foo(1, \"a\\n\")->b.c" name "c"`,
		`*ast.Field "foo(1, \"a\\n\")->b" name "b"`,
		`*ast.Call "foo(1, \"a\\n\")" name "foo"`,
		`*ast.IntLit "1"`,
		`*ast.StrLit "\"a\\n\""`,
		`*ast.AssignStmt "$t = (uint8)$x ? (1, 2).0 : sizeof(struct s)" op "="`,
		`*ast.Var "$t"`,
		`*ast.Ternary "(uint8)$x ? (1, 2).0 : sizeof(struct s)"`,
		`*ast.Cast "(uint8)$x"`,
		`*ast.TypeName "uint8"`,
		`*ast.Var "$x"`,
		`*ast.TupleIndex "(1, 2).0"`,
		`*ast.Tuple "(1, 2)"`,
		`*ast.IntLit "1"`,
		`*ast.IntLit "2"`,
		`*ast.Sizeof "sizeof(struct s)"`,
		`*ast.TypeName "struct s"`,
		`*ast.ExprStmt "@a[1]++"`,
		`*ast.IncDec "@a[1]++"`,
		`*ast.MapRef "@a[1]" name "@a"`,
		`*ast.IntLit "1"`,
		`*ast.ExprStmt "$a[1]"`,
		`*ast.Index "$a[1]"`,
		`*ast.Var "$a"`,
		`*ast.IntLit "1"`,
		`*ast.IfStmt "if ($1) { return } else if (1) { }"`,
		`*ast.Positional "($1"`,
		`*ast.Block "{ return }"`,
		`*ast.JumpStmt "return"`,
		`*ast.IfStmt "if (1) { }"`,
		`*ast.IntLit "(1"`,
		`*ast.Block "{ }"`,
		`*ast.ForStmt "for ($kv : @m) { }"`,
		`*ast.Var "$kv"`,
		`*ast.MapRef "@m" name "@m"`,
		`*ast.Block "{ }"`,
	}
	if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("spans:\n got\n%s\nwant\n%s", g, w)
	}
}

func TestAttachPointFields(t *testing.T) {
	tests := []struct {
		raw      string
		provider string
		fields   []string
	}{
		{"BEGIN", "BEGIN", nil},
		{"begin", "begin", nil},
		{"tracepoint:syscalls:sys_enter_openat", "tracepoint", []string{"syscalls", "sys_enter_openat"}},
		{"t:syscalls:sys_enter_*", "t", []string{"syscalls", "sys_enter_*"}},
		{"interval:1s", "interval", []string{"1s"}},
		{"interval:hz:99", "interval", []string{"hz", "99"}},
		{"kprobe:f+0x10", "kprobe", []string{"f+0x10"}},
		{"kprobe:mod:fn", "kprobe", []string{"mod", "fn"}},
		{"uprobe:/bin/bash:readline", "uprobe", []string{"/bin/bash", "readline"}},
		{`uprobe:/bin/x:cpp:"A::b"`, "uprobe", []string{"/bin/x", "cpp", "A::b"}},
		{`uprobe:/bin/x:"a\"b"`, "uprobe", []string{"/bin/x", `a"b`}},
		{"watchpoint:0x10000000:8:rw", "watchpoint", []string{"0x10000000", "8", "rw"}},
		{"kprobe:$1", "kprobe", []string{"$1"}},
		{"uprobe:/bin/x:", "uprobe", []string{"/bin/x", ""}},
	}
	for _, tt := range tests {
		prog, err := Parse("stdin", tt.raw+" {}")
		if err != nil {
			t.Errorf("%s: %v", tt.raw, err)
			continue
		}
		ap := prog.Probes[0].AttachPoints[0]
		if ap.Raw != tt.raw || ap.Provider != tt.provider || !reflect.DeepEqual(ap.Fields, tt.fields) {
			t.Errorf("%s: got raw %q provider %q fields %q; want provider %q fields %q",
				tt.raw, ap.Raw, ap.Provider, ap.Fields, tt.provider, tt.fields)
		}
	}
}

// TestProgramParts checks the parts of Program that the dump shows only
// in part: values of literals, positions of the preamble items.
func TestProgramParts(t *testing.T) {
	src := "#include <a.h>\n#define X 0x10\nstruct S { int a; };\nconfig = { max_strlen = 64 }\nBEGIN { $x = X; $y = 18446744073709551615; $z = \"\\x41\\101\"; }\n"
	prog, err := Parse("f.bt", src)
	if err != nil {
		t.Fatal(err)
	}
	if prog.File != "f.bt" || prog.Source != src {
		t.Errorf("file %q, source kept: %v", prog.File, prog.Source == src)
	}
	if len(prog.Includes) != 1 || prog.Includes[0].Path != "a.h" {
		t.Errorf("includes: %+v", prog.Includes)
	}
	if len(prog.Defines) != 1 || prog.Defines[0].Name != "X" || prog.Defines[0].Value != "0x10" {
		t.Errorf("defines: %+v", prog.Defines)
	}
	if len(prog.CDefs) != 1 || prog.CDefs[0].Text != "struct S { int a; };" || prog.CDefs[0].Pos.Start.Line != 3 {
		t.Errorf("cdefs: %+v", prog.CDefs)
	}
	if len(prog.Config) != 1 || prog.Config[0].Name != "max_strlen" ||
		src[prog.Config[0].Pos.Start.Offset:prog.Config[0].Pos.End.Offset] != "max_strlen = 64" {
		t.Errorf("config: %+v", prog.Config)
	}
	stmts := prog.Probes[0].Body.Stmts
	x := stmts[0].(*ast.AssignStmt).Value.(*ast.IntLit)
	if x.Value != 16 || x.Text != "0x10" {
		t.Errorf("macro literal: %+v", x)
	}
	if y := stmts[1].(*ast.AssignStmt).Value.(*ast.IntLit); y.Value != 1<<64-1 {
		t.Errorf("max literal: %+v", y)
	}
	if z := stmts[2].(*ast.AssignStmt).Value.(*ast.StrLit); z.Value != "AA" {
		t.Errorf("string: %q", z.Value)
	}
	if s := prog.Span(); s.Start.Offset != 0 || s.End.Offset != len(src) {
		t.Errorf("program span %v-%v", s.Start, s.End)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // the rendered diagnostics
	}{
		{"missing operand", `BEGIN { $x = 1 +; }`, `
stdin:1:16-18: ERROR: syntax error, unexpected ;
BEGIN { $x = 1 +; }
               ~~
`},
		{"unclosed call", `BEGIN { printf("hi" }`, `
stdin:1:21-22: ERROR: syntax error, unexpected }, expecting ) or ","
BEGIN { printf("hi" }
                    ~
`},
		{"else without block", `BEGIN { if (1) { } else }`, `
stdin:1:25-26: ERROR: syntax error, unexpected }, expecting if or {
BEGIN { if (1) { } else }
                        ~
`},
		{"missing value", `BEGIN { @x = ; }`, `
stdin:1:14-15: ERROR: syntax error, unexpected ;
BEGIN { @x = ; }
             ~
`},
		// At the end of the file, bison underlines the last token.
		{"no body", `BEGIN`, `
stdin:1:1-6: ERROR: syntax error, unexpected end of file, expecting {
BEGIN
~~~~~
`},
		{"unclosed body", "BEGIN {\n", `
stdin:1:7-8: ERROR: syntax error, unexpected end of file, expecting }
BEGIN {
      ~
`},
		{"empty program", "// nothing\n", "\n" +
			"stdin:2:1-2: ERROR: syntax error, unexpected end of file, expecting attach point\n" +
			"\n\n"},
		{"no attach point", `{ }`, `
stdin:1:1-2: ERROR: syntax error, unexpected {, expecting attach point
{ }
~
`},
		{"extra brace", `BEGIN { $x = 1 } }`, `
stdin:1:18-19: ERROR: syntax error, unexpected }
BEGIN { $x = 1 } }
                 ~
`},
		{"trailing comma in tuple", `BEGIN { $x = (1, ); }`, `
stdin:1:18-19: ERROR: syntax error, unexpected )
BEGIN { $x = (1, ); }
                 ~
`},
		{"empty map key", `BEGIN { @x[ = 1; }`, `
stdin:1:13-14: ERROR: syntax error, unexpected =
BEGIN { @x[ = 1; }
            ~
`},
		{"empty predicate", `kprobe:f / / { }`, `
stdin:1:12-13: ERROR: syntax error, unexpected end predicate
kprobe:f / / { }
           ~
`},
		{"unterminated predicate", `kprobe:f /pid { }`, `
stdin:1:15-16: ERROR: syntax error, unexpected {, expecting end predicate
kprobe:f /pid { }
              ~
`},
		{"assign to identifier", `BEGIN { x = 1; }`, `
stdin:1:11-12: ERROR: syntax error, unexpected =
BEGIN { x = 1; }
          ~
`},
		{"assign to field", `BEGIN { $x.a += 1; }`, `
stdin:1:14-16: ERROR: syntax error, unexpected +=
BEGIN { $x.a += 1; }
             ~~
`},
		{"increment of a literal", `BEGIN { 1++; }`, `
stdin:1:9-12: ERROR: syntax error, unexpected ++
BEGIN { 1++; }
        ~~~
`},
		{"missing separator", `BEGIN { $x = 1; $y = 2 $z = 3; }`, `
stdin:1:24-26: ERROR: syntax error, unexpected variable, expecting ; or }
BEGIN { $x = 1; $y = 2 $z = 3; }
                       ~~
`},
		{"if without parentheses", `BEGIN { if 1 {} }`, `
stdin:1:12-13: ERROR: syntax error, unexpected integer, expecting (
BEGIN { if 1 {} }
           ~
`},
		{"if without block", `BEGIN { if (1) }`, `
stdin:1:16-17: ERROR: syntax error, unexpected }, expecting {
BEGIN { if (1) }
               ~
`},
		{"unroll without parentheses", `BEGIN { unroll 5 {} }`, `
stdin:1:16-17: ERROR: syntax error, unexpected integer, expecting (
BEGIN { unroll 5 {} }
               ~
`},
		{"while without block", `BEGIN { while (1) }`, `
stdin:1:19-20: ERROR: syntax error, unexpected }, expecting {
BEGIN { while (1) }
                  ~
`},
		{"for over an integer", `BEGIN { for ($x : 1) {} }`, `
stdin:1:19-20: ERROR: syntax error, unexpected integer, expecting map
BEGIN { for ($x : 1) {} }
                  ~
`},
		{"missing operator", `BEGIN { pid pid }`, `
stdin:1:13-16: ERROR: syntax error, unexpected identifier, expecting ; or }
BEGIN { pid pid }
            ~~~
`},
		{"return with value", `BEGIN { return 1; }`, `
stdin:1:16-17: ERROR: syntax error, unexpected integer, expecting ; or }
BEGIN { return 1; }
               ~
`},
		{"ternary without colon", `BEGIN { $x = 1 ? 2; }`, `
stdin:1:18-20: ERROR: syntax error, unexpected ;, expecting :
BEGIN { $x = 1 ? 2; }
                 ~~
`},
		{"field name missing", `BEGIN { $x->1 }`, `
stdin:1:9-14: ERROR: syntax error, unexpected integer, expecting identifier
BEGIN { $x->1 }
        ~~~~~
`},
		{"second probe without body", `BEGIN {} END`, `
stdin:1:10-13: ERROR: syntax error, unexpected end of file, expecting {
BEGIN {} END
         ~~~
`},
		{"dangling comma in attach list", `BEGIN, {}`, `
stdin:1:8-9: ERROR: syntax error, unexpected {, expecting attach point
BEGIN, {}
       ~
`},
		{"C definition after probes", "BEGIN {}\nstruct X { int a; };", `
stdin:2:1-21: ERROR: syntax error, unexpected C definition
struct X { int a; };
~~~~~~~~~~~~~~~~~~~~
`},
		{"bad cast", `BEGIN { (struct 1)$x }`, `
stdin:1:17-18: ERROR: syntax error, unexpected integer, expecting identifier
BEGIN { (struct 1)$x }
                ~
`},
		{"cast without operand", `BEGIN { $x = (uint8); }`, `
stdin:1:14-22: ERROR: syntax error, unexpected ;
BEGIN { $x = (uint8); }
             ~~~~~~~~
`},
		{"bad config entry", `config = { 1 } BEGIN {}`, `
stdin:1:12-13: ERROR: syntax error, unexpected integer, expecting }
config = { 1 } BEGIN {}
           ~
`},
		{"tabs", "BEGIN {\n\t$x = ;\n}", `
stdin:2:7-8: ERROR: syntax error, unexpected ;
    $x = ;
         ~
`},
		{"macro position", "#define BAD 1 +\nBEGIN { $x = BAD; }", `
stdin:2:14-18: ERROR: syntax error, unexpected ;
BEGIN { $x = BAD; }
             ~~~~
`},
		{"lexical error", `BEGIN { $x = "abc; }`, `
stdin:1:14-21: ERROR: unterminated string
BEGIN { $x = "abc; }
             ~~~~~~~
`},
		{"deep nesting", "BEGIN { $x = " + strings.Repeat("!", 2000) + "1; }", "\n" +
			"stdin:1:1013-1014: ERROR: expression nested too deeply\n" +
			"BEGIN { $x = " + strings.Repeat("!", 2000) + "1; }\n" +
			strings.Repeat(" ", 1012) + "~\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prog, err := Parse("stdin", tt.src)
			if err == nil {
				t.Fatalf("no error; parsed %d probes", len(prog.Probes))
			}
			var l diag.List
			if !errors.As(err, &l) {
				t.Fatalf("error %T is not a diag.List: %v", err, err)
			}
			var b strings.Builder
			diag.RenderAll(&b, tt.src, err)
			if g, w := b.String(), strings.TrimPrefix(tt.want, "\n"); g != w {
				t.Errorf("diagnostics:\n got\n%s\nwant\n%s", g, w)
			}
		})
	}
}

// TestToolsFromPackage parses the bpftrace tools installed with the
// reference bpftrace, when they are present.
func TestToolsFromPackage(t *testing.T) {
	files, _ := filepath.Glob("/usr/sbin/*.bt")
	if len(files) == 0 {
		t.Skip("no bpftrace tools installed in /usr/sbin")
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := Parse(filepath.Base(f), string(src))
		if err != nil {
			var b strings.Builder
			diag.RenderAll(&b, string(src), err)
			t.Errorf("%s:\n%s", f, b.String())
			continue
		}
		if len(prog.Probes) == 0 {
			t.Errorf("%s: no probes", f)
		}
		checkSpans(t, prog, string(src))
	}
}

// FuzzParse checks that Parse never panics, that errors are positioned
// diagnostics inside the source, and that successful parses have valid
// spans.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.bt"))
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(src))
	}
	for _, s := range []string{
		`BEGIN { $x = 1 +; }`, `BEGIN { printf("hi" }`, `kprobe:f / / { }`, `{ }`,
		`BEGIN { $x = (struct task_struct *)curtask; }`, "#define A A B\nBEGIN { A }",
		`i:s:1 /$1/ { @[comm, pid] = hist(arg0 << 2); }`, `BEGIN { $t.0.1 = 1; }`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		prog, err := Parse("fuzz", src)
		if err != nil {
			var l diag.List
			if !errors.As(err, &l) || len(l) == 0 {
				t.Fatalf("error %T is not a non-empty diag.List: %v", err, err)
			}
			for _, d := range l {
				if strings.Contains(d.Msg, "internal parser error") {
					t.Fatalf("parser bug: %s", d.Msg)
				}
				for _, p := range []diag.Pos{d.Span.Start, d.Span.End} {
					if err := checkPos(p, src); err != nil {
						t.Fatalf("diagnostic %q: %v", d.Error(), err)
					}
				}
			}
			return
		}
		checkSpans(t, prog, src)
	})
}

func ExampleParse() {
	prog, err := Parse("stdin", `kprobe:do_nanosleep /pid > 100/ { @[comm] = count(); }`)
	if err != nil {
		fmt.Println(err)
		return
	}
	ast.Dump(os.Stdout, prog)
	// Output:
	// Program
	//  kprobe:do_nanosleep
	//   pred
	//    >
	//     identifier: pid
	//     int: 100
	//   =
	//    map: @
	//     identifier: comm
	//    call: count
}

func ExampleParse_error() {
	src := `BEGIN { $x = 1 +; }`
	_, err := Parse("stdin", src)
	diag.RenderAll(os.Stdout, src, err)
	// Output:
	// stdin:1:16-18: ERROR: syntax error, unexpected ;
	// BEGIN { $x = 1 +; }
	//                ~~
}

package lexer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	plexer "github.com/alecthomas/participle/v2/lexer"

	"gtrace/lang/diag"
)

// lexAll returns the tokens of src as "Type:Value" strings, without EOF.
func lexAll(t *testing.T, src string) ([]string, *Lexer, error) {
	t.Helper()
	l := New("stdin", src)
	var out []string
	for {
		tok, err := l.Next()
		if err != nil {
			return out, l, err
		}
		if tok.EOF() {
			return out, l, nil
		}
		out = append(out, TypeName(tok.Type)+":"+tok.Value)
	}
}

func TestTokens(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // tokens joined by spaces
	}{
		{"begin", `BEGIN { exit(); }`,
			`AttachPoint:BEGIN Punct:{ Ident:exit Punct:( Punct:) Punct:; Punct:}`},
		{"lowercase begin end", `begin{}end{}`,
			`AttachPoint:begin Punct:{ Punct:} AttachPoint:end Punct:{ Punct:}`},
		{"attach list", "tracepoint:syscalls:sys_enter_openat,\n t:syscalls:sys_enter_* { }",
			`AttachPoint:tracepoint:syscalls:sys_enter_openat Punct:, AttachPoint:t:syscalls:sys_enter_* Punct:{ Punct:}`},
		{"uprobe path", `uprobe:/bin/bash:readline { }`,
			`AttachPoint:uprobe:/bin/bash:readline Punct:{ Punct:}`},
		{"path then predicate", `ur:/lib/libc.so.6:malloc /pid == 1/ { }`,
			`AttachPoint:ur:/lib/libc.so.6:malloc PredStart:/ Ident:pid Punct:== Int:1 PredEnd:/ Punct:{ Punct:}`},
		{"slash before colon ends attach point", `BEGIN/1/{}`,
			`AttachPoint:BEGIN PredStart:/ Int:1 PredEnd:/ Punct:{ Punct:}`},
		{"predicate with division", `kprobe:f / pid / 2 == 1 / { }`,
			`AttachPoint:kprobe:f PredStart:/ Ident:pid Punct:/ Int:2 Punct:== Int:1 PredEnd:/ Punct:{ Punct:}`},
		{"predicate end before comment", "i:s:1 /$x/ /* c */ { }",
			`AttachPoint:i:s:1 PredStart:/ Var:$x PredEnd:/ Punct:{ Punct:}`},
		{"quoted attach field", `uprobe:/bin/x:cpp:"A::b c" { }`,
			`AttachPoint:uprobe:/bin/x:cpp:"A::b c" Punct:{ Punct:}`},
		{"attach point offsets and params", `kprobe:f+0x10,kprobe:$1,watchpoint:0x10000000:8:rw{}`,
			`AttachPoint:kprobe:f+0x10 Punct:, AttachPoint:kprobe:$1 Punct:, AttachPoint:watchpoint:0x10000000:8:rw Punct:{ Punct:}`},
		{"attach point ends at comment", "BEGIN// note\n{}",
			`AttachPoint:BEGIN Punct:{ Punct:}`},
		{"ternary is not an attach point", `BEGIN { $x = pid ? a:b; }`,
			`AttachPoint:BEGIN Punct:{ Var:$x Assign:= Ident:pid Punct:? Ident:a Punct:: Ident:b Punct:; Punct:}`},
		{"nested tuple index", `BEGIN { $t.0.1 }`,
			`AttachPoint:BEGIN Punct:{ Var:$t Punct:. Int:0 Punct:. Int:1 Punct:}`},
		{"nested braces return to top", `BEGIN { if (1) { } } END { }`,
			`AttachPoint:BEGIN Punct:{ Keyword:if Punct:( Int:1 Punct:) Punct:{ Punct:} Punct:} AttachPoint:END Punct:{ Punct:}`},
		{"operators longest match", `BEGIN { a<<=b>>=c->d++--e&&f||g!=h<=i>=j }`,
			`AttachPoint:BEGIN Punct:{ Ident:a Assign:<<= Ident:b Assign:>>= Ident:c Punct:-> Ident:d Punct:++ Punct:-- Ident:e Punct:&& Ident:f Punct:|| Ident:g Punct:!= Ident:h Punct:<= Ident:i Punct:>= Ident:j Punct:}`},
		{"compound assignments", `BEGIN { $a += 1; @b[1] %= 2; $c /= 3 }`,
			`AttachPoint:BEGIN Punct:{ Var:$a Assign:+= Int:1 Punct:; Map:@b Punct:[ Int:1 Punct:] Assign:%= Int:2 Punct:; Var:$c Assign:/= Int:3 Punct:}`},
		{"maps, vars, positionals", `BEGIN { @ = @m[$1, $#, $x] }`,
			`AttachPoint:BEGIN Punct:{ Map:@ Assign:= Map:@m Punct:[ Positional:$1 Punct:, Positional:$# Punct:, Var:$x Punct:] Punct:}`},
		{"keywords", `BEGIN { if else unroll while for return break continue sizeof struct union enum config }`,
			`AttachPoint:BEGIN Punct:{ Keyword:if Keyword:else Keyword:unroll Keyword:while Keyword:for Keyword:return Keyword:break Keyword:continue Keyword:sizeof Keyword:struct Keyword:union Keyword:enum Ident:config Punct:}`},
		{"integers", `BEGIN { 0 10 0x1F 0777 1e6 1_000_000 10UL 5ull 0xffLL 18446744073709551615 }`,
			`AttachPoint:BEGIN Punct:{ Int:0 Int:10 Int:0x1F Int:0777 Int:1e6 Int:1_000_000 Int:10UL Int:5ull Int:0xffLL Int:18446744073709551615 Punct:}`},
		{"string escapes", `BEGIN { "a\n\t\r\\\"\'\101\0\x41z" }`,
			"AttachPoint:BEGIN Punct:{ String:a\n\t\r\\\"'A\x00Az Punct:}"},
		{"comments everywhere", "#!/usr/bin/env bpftrace\n// c\nBEGIN /* c */ { /* c\n */ 1 // c\n }",
			`AttachPoint:BEGIN Punct:{ Int:1 Punct:}`},
		{"config block", `config = { max_strlen = 100; } BEGIN {}`,
			`Keyword:config Assign:= Punct:{ Ident:max_strlen Assign:= Int:100 Punct:; Punct:} AttachPoint:BEGIN Punct:{ Punct:}`},
		{"C definitions", "struct X { int a; struct { int b; } c; };\nunion U { int a; };\nenum E { A, B };\nBEGIN {}",
			"CDef:struct X { int a; struct { int b; } c; }; CDef:union U { int a; }; CDef:enum E { A, B }; AttachPoint:BEGIN Punct:{ Punct:}"},
		{"cast", `BEGIN { (struct task_struct *)curtask }`,
			`AttachPoint:BEGIN Punct:{ Punct:( Keyword:struct Ident:task_struct Punct:* Punct:) Ident:curtask Punct:}`},
		{"macro substitution", "#define N 10\n#define E (N + 1)\nBEGIN { $x = E * N; }",
			`AttachPoint:BEGIN Punct:{ Var:$x Assign:= Punct:( Int:10 Punct:+ Int:1 Punct:) Punct:* Int:10 Punct:; Punct:}`},
		{"self-referential macro", "#define X X + 1\nBEGIN { X }",
			`AttachPoint:BEGIN Punct:{ Ident:X Punct:+ Int:1 Punct:}`},
		{"empty macro", "#define NOTHING\nBEGIN { NOTHING 1 }",
			`AttachPoint:BEGIN Punct:{ Int:1 Punct:}`},
		{"macros not expanded in attach points", "#define BEGIN 1\nBEGIN { BEGIN }",
			`AttachPoint:BEGIN Punct:{ Int:1 Punct:}`},
		{"ifndef BTF takes else branch", "#ifndef BPFTRACE_HAVE_BTF\n#include <linux/socket.h>\n#else\n#include <sys/socket.h>\n#endif\nBEGIN {}",
			`AttachPoint:BEGIN Punct:{ Punct:}`},
		{"ifdef skips nested", "#ifdef NOPE\n#ifdef X\nbad\n#endif\nbad\n#endif\nBEGIN {}",
			`AttachPoint:BEGIN Punct:{ Punct:}`},
		{"undef", "#define A 1\n#undef A\nBEGIN { A }",
			`AttachPoint:BEGIN Punct:{ Ident:A Punct:}`},
		{"directive inside block", "BEGIN {\n#ifdef BPFTRACE_HAVE_BTF\n 1\n#else\n 2\n#endif\n}",
			`AttachPoint:BEGIN Punct:{ Int:1 Punct:}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := lexAll(t, tt.src)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("tokens:\n got %s\nwant %s", g, tt.want)
			}
		})
	}
}

func TestDirectivesRecorded(t *testing.T) {
	src := "#include <linux/sched.h>\n#include \"local.h\" // why\n#define MAX 100 /* c */\n#define EMPTY\nBEGIN {}"
	_, l, err := lexAll(t, src)
	if err != nil {
		t.Fatal(err)
	}
	var incs, defs []string
	for _, i := range l.Includes() {
		incs = append(incs, i.Path+"@"+i.Pos.Start.String())
	}
	for _, d := range l.Defines() {
		defs = append(defs, d.Name+"="+d.Value+"@"+d.Pos.Start.String())
	}
	if g, w := strings.Join(incs, " "), "linux/sched.h@stdin:1:1 local.h@stdin:2:1"; g != w {
		t.Errorf("includes: got %q, want %q", g, w)
	}
	if g, w := strings.Join(defs, " "), "MAX=100@stdin:3:1 EMPTY=@stdin:4:1"; g != w {
		t.Errorf("defines: got %q, want %q", g, w)
	}
}

func TestPositions(t *testing.T) {
	src := "BEGIN {\n\t$x = \"a\\tb\" + FOO;\n}"
	src = "#define FOO 1 + 2\n" + src
	l := New("f.bt", src)
	var got []string
	for {
		tok, err := l.Next()
		if err != nil {
			t.Fatal(err)
		}
		s := l.Span(tok)
		got = append(got, tok.Value+"@"+s.Start.String()+"-"+s.End.String())
		if tok.EOF() {
			break
		}
	}
	want := []string{
		"BEGIN@f.bt:2:1-f.bt:2:6",
		"{@f.bt:2:7-f.bt:2:8",
		"$x@f.bt:3:2-f.bt:3:4",
		"=@f.bt:3:5-f.bt:3:6",
		"a\tb@f.bt:3:7-f.bt:3:13",
		"+@f.bt:3:14-f.bt:3:15",
		// The macro's tokens all cover the use of FOO.
		"1@f.bt:3:16-f.bt:3:19",
		"+@f.bt:3:16-f.bt:3:19",
		"2@f.bt:3:16-f.bt:3:19",
		";@f.bt:3:19-f.bt:3:20",
		"}@f.bt:4:1-f.bt:4:2",
		"@f.bt:4:2-f.bt:4:2",
	}
	if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("positions:\n got\n%s\nwant\n%s", g, w)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // the rendered diagnostic
	}{
		{"unterminated string", `BEGIN { $x = "abc; }`, `
stdin:1:14-21: ERROR: unterminated string
BEGIN { $x = "abc; }
             ~~~~~~~
`},
		{"unterminated comment", `BEGIN { /* x }`, `
stdin:1:9-15: ERROR: end of file during comment
BEGIN { /* x }
        ~~~~~~
`},
		{"invalid character", "BEGIN { $x = 1 ` 2 }", "\n" +
			"stdin:1:16-17: ERROR: invalid character '`'\n" +
			"BEGIN { $x = 1 ` 2 }\n" +
			"               ~\n"},
		{"invalid character at top", "BEGIN {} #x", `
stdin:1:10-11: ERROR: invalid character '#'
BEGIN {} #x
         ~
`},
		{"non-ASCII", "BEGIN { é }", `
stdin:1:9-11: ERROR: invalid character 'é'
BEGIN { é }
        ~~
`},
		{"bad octal", `BEGIN { $x = 08; }`, `
stdin:1:14-16: ERROR: invalid integer literal: 08
BEGIN { $x = 08; }
             ~~
`},
		{"bad hex", `BEGIN { $x = 0x; }`, `
stdin:1:14-16: ERROR: invalid integer literal: 0x
BEGIN { $x = 0x; }
             ~~
`},
		{"trailing letters", `BEGIN { $x = 1abc; }`, `
stdin:1:14-18: ERROR: invalid integer literal: 1abc
BEGIN { $x = 1abc; }
             ~~~~
`},
		{"too large", `BEGIN { $x = 18446744073709551616; }`, `
stdin:1:14-34: ERROR: integer literal out of range: 18446744073709551616
BEGIN { $x = 18446744073709551616; }
             ~~~~~~~~~~~~~~~~~~~~
`},
		{"exponent too large", `BEGIN { $x = 2e19; }`, `
stdin:1:14-18: ERROR: integer literal out of range: 2e19
BEGIN { $x = 2e19; }
             ~~~~
`},
		{"bad escape", `BEGIN { "a\qb" }`, `
stdin:1:11-13: ERROR: invalid escape character '\q'
BEGIN { "a\qb" }
          ~~
`},
		{"octal escape out of range", `BEGIN { "\777" }`, `
stdin:1:10-14: ERROR: octal escape sequence out of range: \777
BEGIN { "\777" }
         ~~~~
`},
		{"unterminated quoted attach field", `uprobe:/x:"f { }`, `
stdin:1:11-17: ERROR: unterminated string
uprobe:/x:"f { }
          ~~~~~~
`},
		{"bad positional", `BEGIN { $1x }`, `
stdin:1:9-12: ERROR: invalid positional parameter: $1x
BEGIN { $1x }
        ~~~
`},
		{"lone dollar", `BEGIN { $ }`, `
stdin:1:9-10: ERROR: invalid character '$'
BEGIN { $ }
        ~
`},
		{"bad include", "#include linux/sched.h\nBEGIN {}", `
stdin:1:1-23: ERROR: #include expects "FILENAME" or <FILENAME>
#include linux/sched.h
~~~~~~~~~~~~~~~~~~~~~~
`},
		{"function-like macro", "#define F(x) x\nBEGIN {}", `
stdin:1:1-15: ERROR: function-like macros are not supported: F
#define F(x) x
~~~~~~~~~~~~~~
`},
		{"unsupported directive", "#if 1\nBEGIN {}", `
stdin:1:1-6: ERROR: unsupported preprocessor directive #if
#if 1
~~~~~
`},
		{"unterminated ifdef", "#ifdef X\nBEGIN {}", `
stdin:1:1-9: ERROR: unterminated conditional directive
#ifdef X
~~~~~~~~
`},
		{"else without if", "#else\nBEGIN {}", `
stdin:1:1-6: ERROR: #else without #if
#else
~~~~~
`},
		{"endif without if", "#endif\nBEGIN {}", `
stdin:1:1-7: ERROR: #endif without #if
#endif
~~~~~~
`},
		{"exponential macro", "#define A B B B B\n#define B C C C C\n#define C D D D D\n#define D E E E E\n#define E F F F F\n#define F G G G G\n#define G H H H H\n#define H 1 1 1 1\nBEGIN { A }", `
stdin:9:9-10: ERROR: in expansion of macro A: in expansion of macro B: in expansion of macro C: in expansion of macro D: in expansion of macro E: in expansion of macro F: in expansion of macro G: macro H expands to too many tokens
BEGIN { A }
        ~
`},
		{"error inside macro", "#define S \"abc\nBEGIN { S }", `
stdin:2:9-10: ERROR: in expansion of macro S: unterminated string
BEGIN { S }
        ~
`},
		{"unterminated C definition", "struct X { int a; ", `
stdin:1:1-19: ERROR: unterminated C definition
struct X { int a; 
~~~~~~~~~~~~~~~~~~
`},
		// The probe's '{' counts: the 256th '(' is the 257th open bracket.
		{"nesting too deep", "BEGIN { " + strings.Repeat("(", 300) + " }", "\n" +
			"stdin:1:264-265: ERROR: nesting too deep\n" +
			"BEGIN { " + strings.Repeat("(", 300) + " }\n" +
			strings.Repeat(" ", 263) + "~\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := lexAll(t, tt.src)
			if err == nil {
				t.Fatal("no error")
			}
			var d *diag.Diagnostic
			if !errors.As(err, &d) {
				t.Fatalf("error %T is not a *diag.Diagnostic: %v", err, err)
			}
			var b strings.Builder
			diag.Render(&b, tt.src, d)
			if g, w := b.String(), strings.TrimPrefix(tt.want, "\n"); g != w {
				t.Errorf("diagnostic:\n got\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		text string
		want uint64
		err  error
	}{
		{"0", 0, nil},
		{"42", 42, nil},
		{"0x2a", 42, nil},
		{"0X2A", 42, nil},
		{"052", 42, nil},
		{"4_2", 42, nil},
		{"1e6", 1000000, nil},
		{"1E0", 1, nil},
		{"0e99", 0, nil},
		{"42u", 42, nil},
		{"42LL", 42, nil},
		{"42ULL", 42, nil},
		{"42llu", 42, nil},
		{"0xffffffffffffffff", 1<<64 - 1, nil},
		{"18446744073709551615", 1<<64 - 1, nil},
		{"18446744073709551616", 0, ErrIntRange},
		{"0x10000000000000000", 0, ErrIntRange},
		{"1e20", 0, ErrIntRange},
		{"08", 0, ErrIntSyntax},
		{"0x", 0, ErrIntSyntax},
		{"1e", 0, ErrIntSyntax},
		{"_1", 0, ErrIntSyntax},
		{"1_", 0, ErrIntSyntax},
		{"1uu", 0, ErrIntSyntax},
		{"1LLL", 0, ErrIntSyntax},
		{"12ab", 0, ErrIntSyntax},
		{"", 0, ErrIntSyntax},
	}
	for _, tt := range tests {
		got, err := ParseInt(tt.text)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("ParseInt(%q): error %v, want %v", tt.text, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseInt(%q) = %d, %v; want %d", tt.text, got, err, tt.want)
		}
	}
}

// TestDefinition checks the participle interfaces: the symbol table and
// lexing through an io.Reader.
func TestDefinition(t *testing.T) {
	def := Definition{}
	syms := def.Symbols()
	seen := map[plexer.TokenType]string{}
	for name, typ := range syms {
		if other, dup := seen[typ]; dup {
			t.Errorf("symbols %s and %s share type %d", name, other, typ)
		}
		seen[typ] = name
		if TypeName(typ) != name {
			t.Errorf("TypeName(%d) = %s, want %s", typ, TypeName(typ), name)
		}
	}
	if syms["EOF"] != plexer.EOF {
		t.Errorf("EOF symbol is %d", syms["EOF"])
	}
	lx, err := def.Lex("f.bt", strings.NewReader("BEGIN { 1 }"))
	if err != nil {
		t.Fatal(err)
	}
	toks, err := plexer.ConsumeAll(lx)
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 5 || toks[0].Value != "BEGIN" || toks[0].Pos.Filename != "f.bt" || !toks[4].EOF() {
		t.Errorf("tokens: %v", toks)
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		tok  plexer.Token
		want string
	}{
		{plexer.Token{Type: EOF}, "end of file"},
		{plexer.Token{Type: Ident, Value: "pid"}, "identifier"},
		{plexer.Token{Type: Int, Value: "1"}, "integer"},
		{plexer.Token{Type: String, Value: "x"}, "string"},
		{plexer.Token{Type: Var, Value: "$x"}, "variable"},
		{plexer.Token{Type: Map, Value: "@x"}, "map"},
		{plexer.Token{Type: Positional, Value: "$1"}, "positional parameter"},
		{plexer.Token{Type: Keyword, Value: "if"}, "if"},
		{plexer.Token{Type: Punct, Value: ";"}, ";"},
		{plexer.Token{Type: Punct, Value: ","}, `","`},
		{plexer.Token{Type: PredEnd, Value: "/"}, "end predicate"},
	}
	for _, tt := range tests {
		if got := Describe(tt.tok); got != tt.want {
			t.Errorf("Describe(%v) = %q, want %q", tt.tok, got, tt.want)
		}
	}
}

func BenchmarkLex(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "parser", "testdata", "bench", "bench300.bt"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		l := New("bench", string(src))
		for {
			tok, err := l.Next()
			if err != nil {
				b.Fatal(err)
			}
			if tok.EOF() {
				break
			}
		}
	}
}

// FuzzLex checks that the lexer never panics, that its errors are
// diagnostics inside the source, and that token spans are valid and in
// source order.
func FuzzLex(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "parser", "testdata", "*.bt"))
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(src))
	}
	for _, s := range []string{
		`BEGIN { $x = pid ? a:b; }`, `kprobe:f / pid / 2 == 1 / { }`, `uprobe:/bin/bash:readline { }`,
		`BEGIN { $t.0.1 }`, "#define A (A + 1)\nBEGIN { A }", "#ifdef X\n#else\n#endif\nBEGIN {}",
		`BEGIN { "\x4g\777" }`, "struct X { int a; };", `config = { a = 1 }`, "BEGIN { /* ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		l := New("fuzz", src)
		prev := -1
		for i := 0; ; i++ {
			if i > len(src)+MaxExpansion+1 {
				t.Fatalf("more tokens than bytes")
			}
			tok, err := l.Next()
			if err != nil {
				var d *diag.Diagnostic
				if !errors.As(err, &d) {
					t.Fatalf("error %T is not a *diag.Diagnostic: %v", err, err)
				}
				for _, p := range []diag.Pos{d.Span.Start, d.Span.End} {
					if !p.IsValid() || p.Offset > len(src) || p != l.PosAt(p.Offset) {
						t.Fatalf("diagnostic %q has a bad position %+v", d.Error(), p)
					}
				}
				return
			}
			s := l.Span(tok)
			if s.Start != l.PosAt(s.Start.Offset) || s.End != l.PosAt(s.End.Offset) || s.End.Offset < s.Start.Offset {
				t.Fatalf("token %q has a bad span %+v", tok.Value, s)
			}
			if s.Start.Offset < prev {
				t.Fatalf("token %q at %d comes before the previous one at %d", tok.Value, s.Start.Offset, prev)
			}
			prev = s.Start.Offset
			if tok.EOF() {
				return
			}
		}
	})
}

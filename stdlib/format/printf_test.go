package format

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// parseArg decodes one typed argument of testdata/printf.txt, such as
// i8:-1, u64:5 or str:"x".
func parseArg(t *testing.T, s string) Value {
	t.Helper()
	typ, lit, ok := strings.Cut(s, ":")
	if !ok {
		t.Fatalf("bad argument %q", s)
	}
	if typ == "str" || typ == "buf" {
		u, err := strconv.Unquote(lit)
		if err != nil {
			t.Fatalf("argument %q: %v", s, err)
		}
		if typ == "buf" {
			return Bytes([]byte(u))
		}
		return Str(u)
	}
	width, err := strconv.Atoi(typ[1:])
	if err != nil {
		t.Fatalf("argument %q: %v", s, err)
	}
	if typ[0] == 'u' {
		u, err := strconv.ParseUint(lit, 10, 64)
		if err != nil {
			t.Fatalf("argument %q: %v", s, err)
		}
		return IntN(u, width, false)
	}
	n, err := strconv.ParseInt(lit, 10, 64)
	if err != nil {
		t.Fatalf("argument %q: %v", s, err)
	}
	return IntN(uint64(n), width, true)
}

// TestPrintfOracle checks every case of testdata/printf.txt, whose expected
// outputs were captured from bpftrace 0.17 or, for conversions 0.17 does
// not parse, from glibc (see testdata/capture).
func TestPrintfOracle(t *testing.T) {
	f, err := os.Open("testdata/printf.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 4 {
			t.Fatalf("bad line %q", line)
		}
		format, err := strconv.Unquote(fields[1])
		if err != nil {
			t.Fatalf("format of %q: %v", line, err)
		}
		want, err := strconv.Unquote(fields[3])
		if err != nil {
			t.Fatalf("output of %q: %v", line, err)
		}
		var args []Value
		for _, a := range splitFields(fields[2]) {
			args = append(args, parseArg(t, a))
		}
		n++
		t.Run(fields[0]+"/"+fields[1]+"/"+fields[2], func(t *testing.T) {
			f, err := Parse(format)
			if err != nil {
				t.Fatalf("Parse(%q): %v", format, err)
			}
			var buf bytes.Buffer
			if err := f.Render(&buf, args); err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got := buf.String(); got != want {
				t.Errorf("Render(%q, %v) = %q, want %q", format, args, got, want)
			}
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 60 {
		t.Fatalf("only %d printf cases in testdata/printf.txt", n)
	}
}

// splitFields splits on spaces outside double-quoted strings.
func splitFields(s string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quoted:
			i++
		case s[i] == '"':
			quoted = !quoted
		case s[i] == ' ' && !quoted:
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// TestPrintfDivergences covers the places where the output deliberately
// differs from bpftrace 0.17 (see the "0.17:" comments in printf.go).
func TestPrintfDivergences(t *testing.T) {
	tests := []struct {
		format string
		args   []Value
		want   string
		bt017  string // what 0.17 prints
	}{
		{"%d", []Value{Int(5000000000)}, "5000000000", "705032704"},
		{"%u", []Value{Int(-1)}, "18446744073709551615", "4294967295"},
		{"%x", []Value{Int(-1)}, "ffffffffffffffff", "ffffffff"},
		{"%x", []Value{Int(5000000000)}, "12a05f200", "2a05f200"},
		{"a%%b\n", nil, "a%b\n", "a%%b\n"},
		{"%d%%|", []Value{Int(1)}, "1%|", "1%%|"},
		{"%%d", nil, "%d", "(an error: 0.17 sees a %d conversion)"},
		{"%+d|%i", []Value{Int(1), Int(2)}, "+1|2", "%+d|%i"},
		{"a%cb", []Value{Int(0)}, "a\x00b", "ab"},
		{"%s", []Value{Timestamp(testTime, "%Y")}, "2026", "2026"},
	}
	for _, tt := range tests {
		f, err := Parse(tt.format)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.format, err)
		}
		got, err := f.Append(nil, tt.args)
		if err != nil {
			t.Fatalf("Append(%q): %v", tt.format, err)
		}
		if string(got) != tt.want {
			t.Errorf("%q: got %q, want %q (0.17 prints %q)", tt.format, got, tt.want, tt.bt017)
		}
	}
}

func TestParseConvs(t *testing.T) {
	tests := []struct {
		format string
		want   []Conv
	}{
		{"no conversions %% here", nil},
		{"%d %s", []Conv{
			{Offset: 0, Spec: "%d", Width: -1, Prec: -1, Verb: "d", Arg: ArgInt},
			{Offset: 3, Spec: "%s", Width: -1, Prec: -1, Verb: "s", Arg: ArgString},
		}},
		{"x=%-+ #012.5llX", []Conv{{Offset: 2, Spec: "%-+ #012.5llX", Flags: FlagMinus | FlagPlus | FlagSpace | FlagHash | FlagZero,
			Width: 12, Prec: 5, Length: LenLL, Verb: "X", Arg: ArgInt}}},
		{"%.s%c%p%rx%rh%r", []Conv{
			{Offset: 0, Spec: "%.s", Width: -1, Prec: 0, Verb: "s", Arg: ArgString},
			{Offset: 3, Spec: "%c", Width: -1, Prec: -1, Verb: "c", Arg: ArgChar},
			{Offset: 5, Spec: "%p", Width: -1, Prec: -1, Verb: "p", Arg: ArgPointer},
			{Offset: 7, Spec: "%rx", Width: -1, Prec: -1, Verb: "rx", Arg: ArgBuffer},
			{Offset: 10, Spec: "%rh", Width: -1, Prec: -1, Verb: "rh", Arg: ArgBuffer},
			{Offset: 13, Spec: "%r", Width: -1, Prec: -1, Verb: "r", Arg: ArgBuffer},
		}},
		{"%hhu%hd%lo%jx%zi%td", []Conv{
			{Offset: 0, Spec: "%hhu", Width: -1, Prec: -1, Length: LenHH, Verb: "u", Arg: ArgInt},
			{Offset: 4, Spec: "%hd", Width: -1, Prec: -1, Length: LenH, Verb: "d", Arg: ArgInt},
			{Offset: 7, Spec: "%lo", Width: -1, Prec: -1, Length: LenL, Verb: "o", Arg: ArgInt},
			{Offset: 10, Spec: "%jx", Width: -1, Prec: -1, Length: LenJ, Verb: "x", Arg: ArgInt},
			{Offset: 13, Spec: "%zi", Width: -1, Prec: -1, Length: LenZ, Verb: "i", Arg: ArgInt},
			{Offset: 16, Spec: "%td", Width: -1, Prec: -1, Length: LenT, Verb: "d", Arg: ArgInt},
		}},
	}
	for _, tt := range tests {
		f, err := Parse(tt.format)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.format, err)
		}
		if !reflect.DeepEqual(f.Convs(), tt.want) {
			t.Errorf("Parse(%q).Convs() =\n%+v\nwant\n%+v", tt.format, f.Convs(), tt.want)
		}
		if f.NumArgs() != len(tt.want) {
			t.Errorf("Parse(%q).NumArgs() = %d, want %d", tt.format, f.NumArgs(), len(tt.want))
		}
		if f.String() != tt.format {
			t.Errorf("String() = %q, want %q", f.String(), tt.format)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		format string
		offset int
		msg    string
	}{
		{"%k", 0, "Unknown format string token: %k"},
		{"ab %-5.3k", 3, "Unknown format string token: %-5.3k"},
		{"100%", 3, "Incomplete format string token at end of string: %"},
		{"x %-08l", 2, "Incomplete format string token at end of string: %-08l"},
		{"%5%", 0, "Unknown format string token: %5%"},
		{"%*d", 0, "'*' width and precision are not supported: %*"},
		{"%.*d", 0, "'*' width and precision are not supported: %.*"},
		{"%ls", 0, "Length modifier is only valid with integer conversions: %ls"},
		{"%hhc", 0, "Length modifier is only valid with integer conversions: %hhc"},
		{"%f", 0, "Unknown format string token: %f"},
		{"%99999999999d", 0, "Field width too large: %9999999"},
		{"%.99999999999d", 0, "Precision too large: %.9999999"},
		{"ok %d then %Q", 11, "Unknown format string token: %Q"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.format)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) error = %v, want a *ParseError", tt.format, err)
			continue
		}
		if pe.Offset != tt.offset || pe.Msg != tt.msg {
			t.Errorf("Parse(%q) = {%d, %q}, want {%d, %q}", tt.format, pe.Offset, pe.Msg, tt.offset, tt.msg)
		}
		if !strings.Contains(pe.Error(), strconv.Itoa(tt.offset)) {
			t.Errorf("Error() = %q lacks the offset", pe.Error())
		}
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		format string
		args   []Value
		want   string
	}{
		{"%d %d", []Value{Int(1)}, "1 arguments supplied, 2 expected"},
		{"%d", []Value{Str("x")}, "%d needs an integer, got a string"},
		{"%c", []Value{Tuple(Int(1))}, "%c needs an integer, got a tuple"},
		{"%rx", []Value{Int(1)}, "%rx needs a buffer, got a int"},
	}
	for _, tt := range tests {
		f, err := Parse(tt.format)
		if err != nil {
			t.Fatal(err)
		}
		err = f.Render(&bytes.Buffer{}, tt.args)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Render(%q, %v) error = %v, want %q", tt.format, tt.args, err, tt.want)
		}
	}
}

func TestPrintfOtherValues(t *testing.T) {
	tests := []struct {
		format string
		arg    Value
		want   string
	}{
		{"<%s>", Symbol("vfs_read", 0xffffffff81000000), "<vfs_read>"},
		{"<%-10s>", Inet([]byte{127, 0, 0, 1}), "<127.0.0.1 >"},
		{"<%s>", Stack(StackBpftrace, []string{"f+1", "g+2"}), "<\n        f+1\n        g+2\n>"},
		{"<%s>", Tuple(Int(1), Str("a")), "<(1, a)>"},
		{"<%.3s>", Bytes([]byte("a\x01")), "<a\\x>"},
		{"<%x>", IntN(0xff, 8, false), "<ff>"},
		{"<%d>", IntN(0xff, 8, true), "<-1>"},
	}
	for _, tt := range tests {
		f, err := Parse(tt.format)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.Append(nil, []Value{tt.arg})
		if err != nil {
			t.Fatalf("Append(%q): %v", tt.format, err)
		}
		if string(got) != tt.want {
			t.Errorf("Append(%q, %v) = %q, want %q", tt.format, tt.arg, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"%d", "%-+ #012.5llX", "%rx%s%c", "100%", "%%", "%.s", "%hhd %p"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, format string) {
		p, err := Parse(format)
		if err != nil {
			return
		}
		args := make([]Value, p.NumArgs())
		for i, c := range p.Convs() {
			switch c.Arg {
			case ArgString:
				args[i] = Str("str")
			case ArgBuffer:
				args[i] = Bytes([]byte{1, 'a'})
			default:
				args[i] = Int(-12345)
			}
		}
		if _, err := p.Append(nil, args); err != nil {
			t.Fatalf("Append(%q): %v", format, err)
		}
	})
}

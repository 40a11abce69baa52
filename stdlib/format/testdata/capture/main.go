// Command capture regenerates the oracle outputs the format tests compare
// against, from the real bpftrace 0.17 and from glibc's printf:
//
//   - testdata/bpftrace/NAME.bt → NAME.txt (text mode) and NAME.json
//     (-f json), both from bpftrace;
//   - testdata/printf.in → testdata/printf.txt, one expected output per case,
//     from bpftrace or from a C program built with gcc;
//   - testdata/strftime.in → testdata/strftime.txt, from glibc's strftime.
//
// Run it as root from stdlib/format: go run ./testdata/capture
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	bpftrace := flag.String("bpftrace", "/usr/bin/bpftrace", "bpftrace 0.17 binary")
	cc := flag.String("cc", "gcc", "C compiler for the glibc printf cases")
	dir := flag.String("dir", "testdata", "testdata directory")
	flag.Parse()
	if err := captureScripts(*bpftrace, filepath.Join(*dir, "bpftrace")); err != nil {
		log.Fatal(err)
	}
	if err := capturePrintf(*bpftrace, *cc, *dir); err != nil {
		log.Fatal(err)
	}
	if err := captureStrftime(*cc, *dir); err != nil {
		log.Fatal(err)
	}
}

// run runs bpftrace and returns its stdout. Its stderr carries the harmless
// RLIMIT_MEMLOCK complaint, which is dropped.
func run(bpftrace string, args ...string) ([]byte, error) {
	cmd := exec.Command(bpftrace, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("bpftrace %s: %w\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out, nil
}

func captureScripts(bpftrace, dir string) error {
	scripts, err := filepath.Glob(filepath.Join(dir, "*.bt"))
	if err != nil {
		return err
	}
	for _, bt := range scripts {
		base := strings.TrimSuffix(bt, ".bt")
		for _, mode := range []struct{ ext, flag string }{{".txt", "text"}, {".json", "json"}} {
			out, err := run(bpftrace, "-f", mode.flag, bt)
			if err != nil {
				return err
			}
			if err := os.WriteFile(base+mode.ext, out, 0o644); err != nil {
				return err
			}
		}
		log.Printf("captured %s", base)
	}
	return nil
}

// printfCase is one line of printf.in.
type printfCase struct {
	oracle, format string // format is Go-quoted
	args           []arg
}

type arg struct {
	typ string // i8 … u64, str, buf
	lit string // the literal after the colon: a number or a Go-quoted string
}

func readCases(path string) ([]printfCase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var cases []printfCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 3 {
			return nil, fmt.Errorf("%s: bad line %q", path, line)
		}
		c := printfCase{oracle: fields[0], format: fields[1]}
		for _, a := range splitArgs(fields[2]) {
			typ, lit, ok := strings.Cut(a, ":")
			if !ok {
				return nil, fmt.Errorf("%s: bad argument %q", path, a)
			}
			c.args = append(c.args, arg{typ, lit})
		}
		cases = append(cases, c)
	}
	return cases, sc.Err()
}

// splitArgs splits on spaces outside quoted strings.
func splitArgs(s string) []string {
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

// cString renders bytes as a C string literal.
func cString(s string) string { return quote(s, true) }

// btString renders bytes as a bpftrace string literal, whose \x escapes
// take at most two digits.
func btString(s string) string { return quote(s, false) }

func quote(s string, forC bool) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
			// Stop C from reading following hex digits into the escape.
			if forC && i+1 < len(s) && strings.IndexByte("0123456789abcdefABCDEF", s[i+1]) >= 0 {
				b.WriteString(`""`)
			}
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func bpftraceArg(a arg) (string, error) {
	switch a.typ {
	case "str", "buf":
		s, err := strconv.Unquote(a.lit)
		if err != nil {
			return "", err
		}
		if a.typ == "buf" {
			return fmt.Sprintf("buf(%s, %d)", btString(s), len(s)), nil
		}
		return btString(s), nil
	case "i64":
		return a.lit, nil
	case "u64":
		u, err := strconv.ParseUint(a.lit, 10, 64)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("(uint64)%d", int64(u)), nil
	}
	typ := map[string]string{"i8": "int8", "i16": "int16", "i32": "int32", "u8": "uint8", "u16": "uint16", "u32": "uint32"}[a.typ]
	if typ == "" {
		return "", fmt.Errorf("unknown argument type %q", a.typ)
	}
	return fmt.Sprintf("(%s)%s", typ, a.lit), nil
}

// cArg renders an argument for the glibc program; length modifiers l, ll,
// j, z and t take a 64-bit value, everything else an int.
func cArg(a arg, conv string) (string, error) {
	if a.typ == "str" {
		s, err := strconv.Unquote(a.lit)
		return cString(s), err
	}
	switch {
	case strings.HasSuffix(conv, "p"):
		return fmt.Sprintf("(void *)(unsigned long)%sLL", a.lit), nil
	case strings.ContainsAny(conv, "ljzt"):
		if a.lit == "-9223372036854775808" {
			return "(-9223372036854775807LL - 1)", nil
		}
		return a.lit + "LL", nil
	}
	return "(int)" + a.lit + "LL", nil
}

// convs returns the conversion specifications of a format, for cArg.
func convs(format string) []string {
	var out []string
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("-+ #0123456789.hljzt", format[j]) >= 0 {
			j++
		}
		if j < len(format) && format[j] == '%' {
			i = j
			continue
		}
		if j < len(format) {
			out = append(out, format[i:j+1])
		}
		i = j
	}
	return out
}

const sep = "\x1e\n"

func capturePrintf(bpftrace, cc, dir string) error {
	cases, err := readCases(filepath.Join(dir, "printf.in"))
	if err != nil {
		return err
	}
	var bt, c strings.Builder
	bt.WriteString("BEGIN {\n")
	c.WriteString("#include <stdio.h>\nint main(void) {\n")
	var order []string
	for _, pc := range cases {
		format, err := strconv.Unquote(pc.format)
		if err != nil {
			return fmt.Errorf("format %s: %w", pc.format, err)
		}
		order = append(order, pc.oracle)
		switch pc.oracle {
		case "bpftrace":
			call := "printf(" + btString(format)
			for _, a := range pc.args {
				s, err := bpftraceArg(a)
				if err != nil {
					return err
				}
				call += ", " + s
			}
			fmt.Fprintf(&bt, "\t%s);\n\tprintf(%s);\n", call, btString(sep))
		case "glibc":
			call := "printf(" + cString(format)
			cv := convs(format)
			for i, a := range pc.args {
				s, err := cArg(a, cv[i])
				if err != nil {
					return err
				}
				call += ", " + s
			}
			fmt.Fprintf(&c, "\t%s);\n\tfputs(%s, stdout);\n", call, cString(sep))
		default:
			return fmt.Errorf("unknown oracle %q", pc.oracle)
		}
	}
	bt.WriteString("\texit();\n}\n")
	c.WriteString("\treturn 0;\n}\n")

	tmp, err := os.MkdirTemp("", "capture")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	btFile := filepath.Join(tmp, "printf.bt")
	if err := os.WriteFile(btFile, []byte(bt.String()), 0o644); err != nil {
		return err
	}
	btOut, err := run(bpftrace, btFile)
	if err != nil {
		return err
	}
	_, btOut, _ = bytes.Cut(btOut, []byte("\n")) // the attach line
	btOut = bytes.TrimSuffix(btOut, []byte("\n\n"))
	cFile := filepath.Join(tmp, "printf.c")
	if err := os.WriteFile(cFile, []byte(c.String()), 0o644); err != nil {
		return err
	}
	bin := filepath.Join(tmp, "printf")
	if out, err := exec.Command(cc, "-w", "-o", bin, cFile).CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w\n%s", cc, err, out)
	}
	cOut, err := exec.Command(bin).Output()
	if err != nil {
		return err
	}
	outs := map[string][]string{
		"bpftrace": strings.Split(strings.TrimSuffix(string(btOut), sep), sep),
		"glibc":    strings.Split(strings.TrimSuffix(string(cOut), sep), sep),
	}

	var b strings.Builder
	b.WriteString("# Generated by testdata/capture from printf.in: oracle, format, arguments, output.\n")
	next := map[string]int{}
	for i, pc := range cases {
		o := order[i]
		if next[o] >= len(outs[o]) {
			return fmt.Errorf("%s printed too few outputs", o)
		}
		want := outs[o][next[o]]
		next[o]++
		var args []string
		for _, a := range pc.args {
			args = append(args, a.typ+":"+a.lit)
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", pc.oracle, pc.format, strings.Join(args, " "), strconv.Quote(want))
	}
	for o, n := range next {
		if n != len(outs[o]) {
			return fmt.Errorf("%s printed %d outputs for %d cases", o, len(outs[o]), n)
		}
	}
	log.Printf("captured %d printf cases", len(cases))
	return os.WriteFile(filepath.Join(dir, "printf.txt"), []byte(b.String()), 0o644)
}

// captureStrftime runs glibc's strftime for each case of strftime.in.
func captureStrftime(cc, dir string) error {
	f, err := os.Open(filepath.Join(dir, "strftime.in"))
	if err != nil {
		return err
	}
	defer f.Close()
	var lines [][]string
	var c strings.Builder
	c.WriteString("#include <stdio.h>\n#include <stdlib.h>\n#include <time.h>\n" +
		"static void p(const char *tz, time_t t, const char *f) {\n" +
		"\tchar buf[512]; struct tm tm;\n\tsetenv(\"TZ\", tz, 1); tzset(); localtime_r(&t, &tm);\n" +
		"\tsize_t n = strftime(buf, sizeof buf, f, &tm);\n\tfwrite(buf, 1, n, stdout);\n\tfputs(\"\\x1e\\n\", stdout);\n}\n" +
		"int main(void) {\n")
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 3 {
			return fmt.Errorf("strftime.in: bad line %q", line)
		}
		format, err := strconv.Unquote(fields[2])
		if err != nil {
			return fmt.Errorf("strftime.in: %q: %w", line, err)
		}
		fmt.Fprintf(&c, "\tp(%s, %s, %s);\n", cString(fields[0]), fields[1], cString(format))
		lines = append(lines, fields)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	c.WriteString("\treturn 0;\n}\n")
	tmp, err := os.MkdirTemp("", "capture")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cFile := filepath.Join(tmp, "strftime.c")
	if err := os.WriteFile(cFile, []byte(c.String()), 0o644); err != nil {
		return err
	}
	bin := filepath.Join(tmp, "strftime")
	if out, err := exec.Command(cc, "-w", "-o", bin, cFile).CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w\n%s", cc, err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		return err
	}
	outs := strings.Split(strings.TrimSuffix(string(out), sep), sep)
	if len(outs) != len(lines) {
		return fmt.Errorf("strftime: %d outputs for %d cases", len(outs), len(lines))
	}
	var b strings.Builder
	b.WriteString("# Generated by testdata/capture from strftime.in: TZ, Unix seconds, format, glibc's output.\n")
	for i, l := range lines {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", l[0], l[1], l[2], strconv.Quote(outs[i]))
	}
	log.Printf("captured %d strftime cases", len(lines))
	return os.WriteFile(filepath.Join(dir, "strftime.txt"), []byte(b.String()), 0o644)
}

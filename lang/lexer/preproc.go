package lexer

import (
	"strings"

	"gtrace/lang/ast"
	"gtrace/lang/diag"
)

// The preprocessor lines bpftrace hands to clang's preprocessor are
// handled here, in the lexer: #include is recorded (gtrace takes types from
// BTF), #define records an object-like macro that later identifiers expand
// to, #undef removes one, and #ifdef/#ifndef/#else/#endif select lines.
// BPFTRACE_HAVE_BTF is predefined, as bpftrace defines it when the kernel
// has BTF, which gtrace requires.

// logicalLine returns the end of the directive line starting at start (the
// offset of its final newline, or len(src)) and its text with backslash
// line continuations removed.
func (l *Lexer) logicalLine(start int) (end int, text string) {
	end = start
	for {
		i := strings.IndexByte(l.src[end:], '\n')
		if i < 0 {
			end = len(l.src)
			break
		}
		end += i
		if !strings.HasSuffix(strings.TrimSuffix(l.src[start:end], "\r"), "\\") {
			break
		}
		end++
	}
	text = l.src[start:end]
	if strings.Contains(text, "\\\n") {
		text = strings.ReplaceAll(strings.ReplaceAll(text, "\\\r\n", ""), "\\\n", "")
	}
	return end, text
}

// directiveName splits "#  name rest" into name and rest.
func directiveName(text string) (name, rest string) {
	s := strings.TrimLeft(text[1:], " \t")
	i := 0
	for i < len(s) && isIdentByte(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

// stripComments removes // and /* */ comments outside string literals.
func stripComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				j = len(s) - 1
			}
			b.WriteString(s[i : j+1])
			i = j
		case c == '/' && i+1 < len(s) && s[i+1] == '/':
			return b.String()
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			b.WriteByte(' ')
			i += 2 + end + 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// directive handles the preprocessor line starting at l.off (a '#' that is
// the first non-blank byte of its line).
func (l *Lexer) directive() error {
	start := l.off
	end, text := l.logicalLine(start)
	l.off = end
	trimmed := strings.TrimRight(l.src[start:end], " \t\r")
	span := diag.Span{Start: l.PosAt(start), End: l.PosAt(start + len(trimmed))}
	name, rest := directiveName(text)
	rest = strings.TrimSpace(stripComments(rest))
	switch name {
	case "":
		if rest != "" {
			return diag.Errorf(span, "invalid preprocessor directive")
		}
		return nil
	case "include":
		path, ok := includePath(rest)
		if !ok {
			return diag.Errorf(span, "#include expects \"FILENAME\" or <FILENAME>")
		}
		l.includes = append(l.includes, &ast.Include{Path: path, Pos: span})
		return nil
	case "define":
		return l.define(rest, span)
	case "undef":
		m, ok := macroName(rest)
		if !ok || strings.TrimSpace(rest[len(m):]) != "" {
			return diag.Errorf(span, "#undef expects a macro name")
		}
		delete(l.macros, m)
		return nil
	case "ifdef", "ifndef":
		m, ok := macroName(rest)
		if !ok || strings.TrimSpace(rest[len(m):]) != "" {
			return diag.Errorf(span, "#%s expects a macro name", name)
		}
		l.conds = append(l.conds, cond{span: span})
		_, defined := l.macros[m]
		if defined == (name == "ifdef") {
			return nil
		}
		return l.skipInactive(true)
	case "else":
		n := len(l.conds)
		if n == 0 {
			return diag.Errorf(span, "#else without #if")
		}
		if l.conds[n-1].sawElse {
			return diag.Errorf(span, "#else after #else")
		}
		l.conds[n-1].sawElse = true
		return l.skipInactive(false)
	case "endif":
		n := len(l.conds)
		if n == 0 {
			return diag.Errorf(span, "#endif without #if")
		}
		l.conds = l.conds[:n-1]
		return nil
	}
	return diag.Errorf(span, "unsupported preprocessor directive #%s", name)
}

func includePath(s string) (string, bool) {
	if len(s) < 3 {
		return "", false
	}
	var closer byte
	switch s[0] {
	case '<':
		closer = '>'
	case '"':
		closer = '"'
	default:
		return "", false
	}
	i := strings.IndexByte(s[1:], closer)
	if i <= 0 || strings.TrimSpace(s[i+2:]) != "" {
		return "", false
	}
	return s[1 : i+1], true
}

func macroName(s string) (string, bool) {
	if s == "" || !isIdentStart(s[0]) {
		return "", false
	}
	i := 0
	for i < len(s) && isIdentByte(s[i]) {
		i++
	}
	return s[:i], true
}

// define records `#define NAME value`.
func (l *Lexer) define(rest string, span diag.Span) error {
	name, ok := macroName(rest)
	if !ok {
		return diag.Errorf(span, "macro names must be identifiers")
	}
	value := rest[len(name):]
	if strings.HasPrefix(value, "(") {
		return diag.Errorf(span, "function-like macros are not supported: %s", name)
	}
	value = strings.TrimSpace(value)
	l.macros[name] = value
	l.defines = append(l.defines, &ast.Define{Name: name, Value: value, Pos: span})
	return nil
}

// skipInactive skips the lines of a branch that is not taken, up to the
// matching #endif, or up to the matching #else when stopAtElse is set.
// l.off is at the end of the directive line that started the branch.
func (l *Lexer) skipInactive(stopAtElse bool) error {
	depth := 0
	off := l.off
	for {
		nl := strings.IndexByte(l.src[off:], '\n')
		if nl < 0 {
			break
		}
		off += nl + 1
		i := off
		for i < len(l.src) && isBlank(l.src[i]) {
			i++
		}
		if i >= len(l.src) || l.src[i] != '#' {
			continue
		}
		end, text := l.logicalLine(i)
		name, _ := directiveName(text)
		switch name {
		case "if", "ifdef", "ifndef":
			depth++
		case "endif":
			if depth == 0 {
				l.conds = l.conds[:len(l.conds)-1]
				l.off = end
				return nil
			}
			depth--
		case "else":
			if depth == 0 {
				if !stopAtElse {
					return l.errorf(i, end, "#else after #else")
				}
				l.conds[len(l.conds)-1].sawElse = true
				l.off = end
				return nil
			}
		case "elif":
			if depth == 0 {
				return l.errorf(i, end, "unsupported preprocessor directive #elif")
			}
		}
		off = end
	}
	l.off = len(l.src)
	return diag.Errorf(l.conds[len(l.conds)-1].span, "unterminated conditional directive")
}

package lexer

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	plexer "github.com/alecthomas/participle/v2/lexer"

	"gtrace/lang/ast"
	"gtrace/lang/diag"
)

// mode is the lexer's context.
type mode uint8

const (
	// modeTop is outside any probe body: preamble items and attach points.
	modeTop mode = iota
	// modePred is inside a predicate, between PredStart and PredEnd.
	modePred
	// modeBlock is inside braces; depth counts them.
	modeBlock
	// modeMacro lexes the value of a #define: expressions only, no
	// directives, no mode changes.
	modeMacro
)

const (
	// maxNesting bounds bracket nesting so hostile input cannot exhaust
	// the parser's stack.
	maxNesting = 256
	// maxMacroDepth bounds nested macro expansion.
	maxMacroDepth = 32
	// MaxExpansion bounds the number of tokens all macro uses of one
	// source expand to, so nested macros cannot blow up exponentially.
	MaxExpansion = 1 << 16
)

// tokEnd records where the token starting at offset start ends.
type tokEnd struct {
	start, end int
}

// cond is an open #ifdef / #ifndef.
type cond struct {
	span    diag.Span
	sawElse bool
}

// Lexer turns bpftrace source into tokens. It is not safe for concurrent
// use. Besides the tokens it collects the #include and #define lines and
// remembers where every token ends (see End), because a token's Value is
// not always its source text: strings are decoded and macro uses are
// replaced by the macro's tokens.
type Lexer struct {
	file  string
	src   string
	off   int
	lines []int // offsets at which lines start
	// lastLine is the line index found by the last PosAt.
	lastLine int

	mode  mode
	depth int // brace depth in modeBlock
	nest  int // nesting of ( [ {

	queue []plexer.Token
	ends  []tokEnd

	macros    map[string]string
	expanding []string // macros being expanded, innermost last
	expanded  *int     // tokens produced by macro uses, shared with sub-lexers
	conds     []cond
	includes  []*ast.Include
	defines   []*ast.Define

	err error
}

// predefinedMacros are defined before the script starts, as bpftrace
// defines them for its C preprocessor. gtrace always takes types from BTF.
var predefinedMacros = map[string]string{"BPFTRACE_HAVE_BTF": "1"}

// New returns a lexer over src; file is the name used in positions
// ("stdin" for -e programs).
func New(file, src string) *Lexer {
	l := &Lexer{file: file, src: src, macros: make(map[string]string, len(predefinedMacros)), expanded: new(int)}
	for k, v := range predefinedMacros {
		l.macros[k] = v
	}
	l.lines = lineStarts(src)
	// Scripts average about four bytes per token.
	l.ends = make([]tokEnd, 0, len(src)/4+1)
	return l
}

func lineStarts(src string) []int {
	lines := make([]int, 1, strings.Count(src, "\n")+1)
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			lines = append(lines, i+1)
		}
	}
	return lines
}

// Includes returns the #include lines seen so far.
func (l *Lexer) Includes() []*ast.Include { return l.includes }

// Defines returns the #define lines seen so far.
func (l *Lexer) Defines() []*ast.Define { return l.defines }

// PosAt converts a byte offset into a position.
func (l *Lexer) PosAt(off int) diag.Pos {
	if off < 0 {
		off = 0
	}
	if off > len(l.src) {
		off = len(l.src)
	}
	// Tokens come in source order, so the line of the previous lookup is
	// usually the right one or close to it.
	i := l.lastLine
	if i >= len(l.lines) || l.lines[i] > off {
		i = sort.Search(len(l.lines), func(i int) bool { return l.lines[i] > off }) - 1
	} else {
		for i+1 < len(l.lines) && l.lines[i+1] <= off {
			i++
		}
	}
	l.lastLine = i
	return diag.Pos{File: l.file, Offset: off, Line: i + 1, Col: off - l.lines[i] + 1}
}

// Pos converts a participle position produced by this lexer.
func Pos(p plexer.Position) diag.Pos {
	return diag.Pos{File: p.Filename, Offset: p.Offset, Line: p.Line, Col: p.Column}
}

// End returns where the token starting at p ends. Tokens produced by a
// macro use all start where the use starts and end where it ends. For a
// position that starts no token (such as EOF) it returns p itself.
func (l *Lexer) End(p plexer.Position) diag.Pos {
	if end, ok := l.EndAt(p.Offset); ok {
		return end
	}
	return Pos(p)
}

// EndAt returns where the token starting at byte offset off ends, and
// whether a token starts there.
func (l *Lexer) EndAt(off int) (diag.Pos, bool) {
	i := sort.Search(len(l.ends), func(i int) bool { return l.ends[i].start >= off })
	if i < len(l.ends) && l.ends[i].start == off {
		return l.PosAt(l.ends[i].end), true
	}
	return diag.Pos{}, false
}

// Before returns the span of the last token that starts before byte
// offset off, and false if there is none.
func (l *Lexer) Before(off int) (diag.Span, bool) {
	i := sort.Search(len(l.ends), func(i int) bool { return l.ends[i].start >= off })
	if i == 0 {
		return diag.Span{}, false
	}
	e := l.ends[i-1]
	return diag.Span{Start: l.PosAt(e.start), End: l.PosAt(e.end)}, true
}

// Span returns the source span of a token produced by this lexer.
func (l *Lexer) Span(t plexer.Token) diag.Span {
	return diag.Span{Start: Pos(t.Pos), End: l.End(t.Pos)}
}

// Next implements participle's lexer.Lexer. After an error it keeps
// returning the same error; after EOF it keeps returning EOF.
func (l *Lexer) Next() (plexer.Token, error) {
	if len(l.queue) > 0 {
		t := l.queue[0]
		l.queue = l.queue[1:]
		return t, nil
	}
	if l.err != nil {
		return plexer.Token{}, l.err
	}
	t, err := l.next()
	if err != nil {
		l.err = err
		return plexer.Token{}, err
	}
	return t, nil
}

// errorf makes a diagnostic over src[start:end].
func (l *Lexer) errorf(start, end int, format string, args ...any) error {
	return diag.Errorf(diag.Span{Start: l.PosAt(start), End: l.PosAt(end)}, format, args...)
}

func (l *Lexer) emit(typ plexer.TokenType, value string, start, end int) plexer.Token {
	l.ends = append(l.ends, tokEnd{start: start, end: end})
	p := l.PosAt(start)
	return plexer.Token{Type: typ, Value: value, Pos: plexer.Position{Filename: p.File, Offset: p.Offset, Line: p.Line, Column: p.Col}}
}

func (l *Lexer) next() (plexer.Token, error) {
	for {
		if err := l.skipBlanks(); err != nil {
			return plexer.Token{}, err
		}
		if l.off >= len(l.src) {
			if n := len(l.conds); n > 0 {
				return plexer.Token{}, diag.Errorf(l.conds[n-1].span, "unterminated conditional directive")
			}
			return l.emit(EOF, "", len(l.src), len(l.src)), nil
		}
		var (
			t   plexer.Token
			ok  bool
			err error
		)
		if l.mode == modeTop {
			t, err = l.lexTop()
			ok = true
		} else {
			t, ok, err = l.lexExpr()
		}
		if err != nil {
			return plexer.Token{}, err
		}
		if ok {
			return t, nil
		}
		// A macro expanded to nothing: keep going.
	}
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' }

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentByte(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// skipBlanks skips white space, comments, the "#!" line and preprocessor
// directives.
func (l *Lexer) skipBlanks() error {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case isBlank(c) || c == '\n':
			l.off++
		case c == '/' && l.peekAt(l.off+1) == '/':
			l.skipLine()
		case c == '/' && l.peekAt(l.off+1) == '*':
			end := strings.Index(l.src[l.off+2:], "*/")
			if end < 0 {
				return l.errorf(l.off, len(l.src), "end of file during comment")
			}
			l.off += 2 + end + 2
		case c == '#' && l.off == 0 && l.peekAt(1) == '!' && l.mode != modeMacro:
			l.skipLine()
		case c == '#' && l.mode != modeMacro && l.atLineStart(l.off):
			if err := l.directive(); err != nil {
				return err
			}
		default:
			return nil
		}
	}
	return nil
}

func (l *Lexer) peekAt(i int) byte {
	if i < len(l.src) {
		return l.src[i]
	}
	return 0
}

// skipLine moves to the next newline (not past it).
func (l *Lexer) skipLine() {
	if i := strings.IndexByte(l.src[l.off:], '\n'); i >= 0 {
		l.off += i
	} else {
		l.off = len(l.src)
	}
}

// atLineStart reports whether only blanks precede off on its line.
func (l *Lexer) atLineStart(off int) bool {
	for i := off - 1; i >= 0; i-- {
		if l.src[i] == '\n' {
			return true
		}
		if !isBlank(l.src[i]) {
			return false
		}
	}
	return true
}

// nextNonBlank returns the offset of the next byte at or after off that is
// not white space or inside a comment, or len(src).
func (l *Lexer) nextNonBlank(off int) int {
	for off < len(l.src) {
		c := l.src[off]
		switch {
		case isBlank(c) || c == '\n':
			off++
		case c == '/' && l.peekAt(off+1) == '/':
			if i := strings.IndexByte(l.src[off:], '\n'); i >= 0 {
				off += i
			} else {
				off = len(l.src)
			}
		case c == '/' && l.peekAt(off+1) == '*':
			end := strings.Index(l.src[off+2:], "*/")
			if end < 0 {
				return len(l.src)
			}
			off += 2 + end + 2
		default:
			return off
		}
	}
	return off
}

func (l *Lexer) invalidChar(off int) error {
	r, size := utf8.DecodeRuneInString(l.src[off:])
	if r == utf8.RuneError {
		return l.errorf(off, off+size, "invalid character '\\x%02x'", l.src[off])
	}
	return l.errorf(off, off+size, "invalid character '%c'", r)
}

func (l *Lexer) word(off int) string {
	end := off
	for end < len(l.src) && isIdentByte(l.src[end]) {
		end++
	}
	return l.src[off:end]
}

// lexTop lexes one token outside the probe bodies.
func (l *Lexer) lexTop() (plexer.Token, error) {
	start := l.off
	c := l.src[start]
	switch c {
	case '{':
		l.off++
		l.mode, l.depth = modeBlock, 1
		l.nest = 1
		return l.emit(Punct, "{", start, l.off), nil
	case '}', ',', ';', '(', ')':
		l.off++
		return l.emit(Punct, string(c), start, l.off), nil
	case '/':
		l.off++
		l.mode = modePred
		l.nest = 0
		return l.emit(PredStart, "/", start, l.off), nil
	case '=':
		l.off++
		return l.emit(Assign, "=", start, l.off), nil
	case '"':
		return l.lexString()
	}
	if isIdentStart(c) {
		w := l.word(start)
		after := start + len(w)
		switch w {
		case "config":
			if n := l.nextNonBlank(after); l.peekAt(n) == '=' && l.peekAt(n+1) != '=' {
				l.off = after
				return l.emit(Keyword, w, start, after), nil
			}
		case "struct", "union", "enum", "typedef":
			if n := l.peekAt(after); isBlank(n) || n == '\n' || n == '{' {
				return l.lexCDef()
			}
		}
	}
	if !isAttachStart(c) {
		return plexer.Token{}, l.invalidChar(start)
	}
	return l.lexAttachPoint()
}

// isAttachStart reports whether c can begin an attach point.
func isAttachStart(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	return !strings.ContainsRune("{}(),;/=\"'#", rune(c))
}

// lexAttachPoint lexes an attach point. It ends at white space, '{', '}',
// ',', ';', a comment, or a '/' that comes before any ':' (after a ':' a
// '/' is part of a path, as in uprobe:/bin/bash:readline). Quoted parts
// are kept as written.
func (l *Lexer) lexAttachPoint() (plexer.Token, error) {
	start := l.off
	colon := false
	i := start
scan:
	for i < len(l.src) {
		c := l.src[i]
		switch {
		case c <= ' ' || c >= 0x7f || c == '{' || c == '}' || c == ',' || c == ';':
			break scan
		case c == '/':
			if n := l.peekAt(i + 1); n == '/' || n == '*' || !colon {
				break scan
			}
			i++
		case c == ':':
			colon = true
			i++
		case c == '"':
			j := i + 1
			for j < len(l.src) && l.src[j] != '"' && l.src[j] != '\n' {
				if l.src[j] == '\\' && j+1 < len(l.src) && l.src[j+1] != '\n' {
					j++
				}
				j++
			}
			if j >= len(l.src) || l.src[j] != '"' {
				return plexer.Token{}, l.errorf(i, j, "unterminated string")
			}
			i = j + 1
		default:
			i++
		}
	}
	l.off = i
	return l.emit(AttachPoint, l.src[start:i], start, i), nil
}

// lexCDef lexes a C struct, union, enum or typedef definition up to and
// including the ';' that ends it.
func (l *Lexer) lexCDef() (plexer.Token, error) {
	start := l.off
	depth := 0
	closed := false
	i := start
	for i < len(l.src) {
		c := l.src[i]
		switch {
		case c == '/' && l.peekAt(i+1) == '/':
			for i < len(l.src) && l.src[i] != '\n' {
				i++
			}
			continue
		case c == '/' && l.peekAt(i+1) == '*':
			end := strings.Index(l.src[i+2:], "*/")
			if end < 0 {
				return plexer.Token{}, l.errorf(i, len(l.src), "end of file during comment")
			}
			i += 2 + end + 2
			continue
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(l.src) && l.src[j] != c && l.src[j] != '\n' {
				if l.src[j] == '\\' {
					j++
				}
				j++
			}
			i = j + 1
			continue
		case c == '{':
			if closed && depth == 0 {
				return plexer.Token{}, l.errorf(i, i+1, "syntax error, unexpected {, expecting ;")
			}
			depth++
			if depth > maxNesting {
				return plexer.Token{}, l.errorf(i, i+1, "nesting too deep")
			}
		case c == '}':
			depth--
			if depth < 0 {
				return plexer.Token{}, l.errorf(i, i+1, "syntax error, unexpected }")
			}
			if depth == 0 {
				closed = true
			}
		case c == ';' && depth == 0:
			l.off = i + 1
			return l.emit(CDef, l.src[start:l.off], start, l.off), nil
		}
		i++
	}
	return plexer.Token{}, l.errorf(start, len(l.src), "unterminated C definition")
}

// puncts lists the operators and delimiters by their first byte, longest
// first, so that the first match is the longest.
var puncts = func() [256][]string {
	var t [256][]string
	for _, p := range []string{
		"<<=", ">>=",
		"->", "++", "--", "&&", "||", "==", "!=", "<=", ">=", "<<", ">>",
		"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
		"+", "-", "*", "/", "%", "!", "~", "&", "|", "^", "<", ">", "=",
		"?", ":", ".", ",", ";", "(", ")", "[", "]", "{", "}",
	} {
		t[p[0]] = append(t[p[0]], p)
	}
	return t
}()

func isAssign(op string) bool {
	switch op {
	case "=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=":
		return true
	}
	return false
}

// lexExpr lexes one token inside a predicate, a block or a macro value.
// ok is false when a macro use expanded to no tokens.
func (l *Lexer) lexExpr() (t plexer.Token, ok bool, err error) {
	start := l.off
	c := l.src[start]
	switch {
	case isIdentStart(c):
		w := l.word(start)
		l.off += len(w)
		if keywords[w] {
			return l.emit(Keyword, w, start, l.off), true, nil
		}
		if _, isMacro := l.macros[w]; isMacro && !l.isExpanding(w) {
			return l.expand(w, start, l.off)
		}
		return l.emit(Ident, w, start, l.off), true, nil
	case isDigit(c):
		t, err := l.lexNumber()
		return t, err == nil, err
	case c == '"':
		t, err := l.lexString()
		return t, err == nil, err
	case c == '$':
		t, err := l.lexDollar()
		return t, err == nil, err
	case c == '@':
		end := start + 1
		if end < len(l.src) && isIdentStart(l.src[end]) {
			end += len(l.word(end))
		}
		l.off = end
		return l.emit(Map, l.src[start:end], start, end), true, nil
	}
	if c == '/' && l.mode == modePred && l.peekAt(l.nextNonBlank(start+1)) == '{' {
		l.off++
		l.mode = modeTop
		return l.emit(PredEnd, "/", start, l.off), true, nil
	}
	for _, p := range puncts[c] {
		if !strings.HasPrefix(l.src[start:], p) {
			continue
		}
		l.off += len(p)
		if err := l.track(p, start); err != nil {
			return plexer.Token{}, false, err
		}
		typ := Punct
		if isAssign(p) {
			typ = Assign
		}
		return l.emit(typ, p, start, l.off), true, nil
	}
	return plexer.Token{}, false, l.invalidChar(start)
}

// track follows brackets: it counts nesting, enters a block when a
// predicate is followed by '{' (an unterminated predicate), and returns to
// the top level when the probe body's braces balance.
func (l *Lexer) track(p string, start int) error {
	switch p {
	case "(", "[", "{":
		l.nest++
		if l.nest > maxNesting {
			return l.errorf(start, start+1, "nesting too deep")
		}
	case ")", "]", "}":
		if l.nest > 0 {
			l.nest--
		}
	}
	switch {
	case p == "{" && l.mode == modePred:
		l.mode, l.depth = modeBlock, 1
	case p == "{" && l.mode == modeBlock:
		l.depth++
	case p == "}" && l.mode == modeBlock:
		l.depth--
		if l.depth == 0 {
			l.mode = modeTop
		}
	}
	return nil
}

func (l *Lexer) lexDollar() (plexer.Token, error) {
	start := l.off
	n := l.peekAt(start + 1)
	switch {
	case n == '#':
		l.off += 2
		return l.emit(Positional, "$#", start, l.off), nil
	case isDigit(n):
		end := start + 1
		for end < len(l.src) && isDigit(l.src[end]) {
			end++
		}
		if end < len(l.src) && isIdentStart(l.src[end]) {
			for end < len(l.src) && isIdentByte(l.src[end]) {
				end++
			}
			return plexer.Token{}, l.errorf(start, end, "invalid positional parameter: %s", l.src[start:end])
		}
		if end-start > 10 {
			return plexer.Token{}, l.errorf(start, end, "positional parameter out of range: %s", l.src[start:end])
		}
		l.off = end
		return l.emit(Positional, l.src[start:end], start, end), nil
	case isIdentStart(n):
		end := start + 1 + len(l.word(start+1))
		l.off = end
		return l.emit(Var, l.src[start:end], start, end), nil
	}
	return plexer.Token{}, l.invalidChar(start)
}

// lexNumber lexes an integer literal. It takes every identifier byte after
// the first digit so that "08" or "1abc" is one bad literal rather than
// two tokens.
func (l *Lexer) lexNumber() (plexer.Token, error) {
	start := l.off
	end := start
	for end < len(l.src) && isIdentByte(l.src[end]) {
		end++
	}
	text := l.src[start:end]
	if _, err := ParseInt(text); err != nil {
		return plexer.Token{}, l.errorf(start, end, "%v", err)
	}
	l.off = end
	return l.emit(Int, text, start, end), nil
}

// lexString lexes a string literal, decoding its escapes.
func (l *Lexer) lexString() (plexer.Token, error) {
	start := l.off
	var b strings.Builder
	i := start + 1
	for {
		if i >= len(l.src) || l.src[i] == '\n' {
			return plexer.Token{}, l.errorf(start, i, "unterminated string")
		}
		c := l.src[i]
		if c == '"' {
			i++
			break
		}
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		n, size, err := unescape(l.src[i:])
		if err != nil {
			return plexer.Token{}, l.errorf(i, i+size, "%v", err)
		}
		b.WriteByte(n)
		i += size
	}
	l.off = i
	return l.emit(String, b.String(), start, i), nil
}

// unescape decodes the escape sequence at the start of s (which begins
// with a backslash) and returns the byte and the length of the sequence.
func unescape(s string) (byte, int, error) {
	if len(s) < 2 || s[1] == '\n' {
		return 0, 1, fmt.Errorf("unterminated string")
	}
	switch c := s[1]; c {
	case 'n':
		return '\n', 2, nil
	case 't':
		return '\t', 2, nil
	case 'r':
		return '\r', 2, nil
	case '\\', '"', '\'':
		return c, 2, nil
	case 'x', 'X':
		v, n := 0, 2
		for n < len(s) && n < 4 && isHex(s[n]) {
			v = v*16 + hexVal(s[n])
			n++
		}
		if n == 2 {
			return 0, 2, fmt.Errorf("invalid escape character '\\%c'", c)
		}
		return byte(v), n, nil
	case '0', '1', '2', '3', '4', '5', '6', '7':
		v, n := 0, 1
		for n < len(s) && n < 4 && s[n] >= '0' && s[n] <= '7' {
			v = v*8 + int(s[n]-'0')
			n++
		}
		if v > 0xff {
			return 0, n, fmt.Errorf("octal escape sequence out of range: %s", s[:n])
		}
		return byte(v), n, nil
	default:
		_, size := utf8.DecodeRuneInString(s[1:])
		return 0, 1 + size, fmt.Errorf("invalid escape character '%s'", s[:1+size])
	}
}

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	default:
		return int(c-'A') + 10
	}
}

func (l *Lexer) isExpanding(name string) bool {
	for _, n := range l.expanding {
		if n == name {
			return true
		}
	}
	return false
}

// expand replaces the use of macro name at src[start:end] by the tokens of
// its value, all positioned at the use.
func (l *Lexer) expand(name string, start, end int) (plexer.Token, bool, error) {
	if len(l.expanding) >= maxMacroDepth {
		return plexer.Token{}, false, l.errorf(start, end, "macro %s expands too deeply", name)
	}
	sub := &Lexer{
		file:      l.file,
		src:       l.macros[name],
		mode:      modeMacro,
		macros:    l.macros,
		expanded:  l.expanded,
		expanding: append(append([]string(nil), l.expanding...), name),
	}
	sub.lines = lineStarts(sub.src)
	use := l.PosAt(start)
	pos := plexer.Position{Filename: use.File, Offset: use.Offset, Line: use.Line, Column: use.Col}
	var toks []plexer.Token
	for {
		t, err := sub.Next()
		if err != nil {
			msg := err.Error()
			if d, ok := err.(*diag.Diagnostic); ok {
				msg = d.Msg
			}
			return plexer.Token{}, false, l.errorf(start, end, "in expansion of macro %s: %s", name, msg)
		}
		if t.EOF() {
			break
		}
		if t.Type == Punct {
			if err := l.track(t.Value, start); err != nil {
				return plexer.Token{}, false, err
			}
		}
		t.Pos = pos
		toks = append(toks, t)
		if *l.expanded++; *l.expanded > MaxExpansion {
			return plexer.Token{}, false, l.errorf(start, end, "macro %s expands to too many tokens", name)
		}
	}
	if len(toks) == 0 {
		return plexer.Token{}, false, nil
	}
	l.ends = append(l.ends, tokEnd{start: start, end: end})
	l.queue = append(l.queue, toks[1:]...)
	return toks[0], true, nil
}

package parser

import (
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2"
	plexer "github.com/alecthomas/participle/v2/lexer"

	"gtrace/lang/ast"
	"gtrace/lang/diag"
	"gtrace/lang/lexer"
)

// Expressions are parsed by precedence climbing over participle's token
// stream. A custom parse function only sees the token stream, not the
// lexer, so it cannot know where a token ends (a string token holds its
// decoded value, a macro's tokens stand for the macro's name). The spans it
// builds therefore carry, as their End, the start offset of their last
// token with Line 0 ("pending"); resolveSpans fills in the real ends from
// the lexer once parsing is done.

// maxDepth bounds expression recursion so that hostile input such as a
// million '!' or '-' gives an error rather than exhausting the stack.
const maxDepth = 1000

// binaryPrec gives the precedence of each binary operator, loosest first.
var binaryPrec = map[string]int{
	"||": 1,
	"&&": 2,
	"|":  3,
	"^":  4,
	"&":  5,
	"==": 6, "!=": 6,
	"<": 7, ">": 7, "<=": 7, ">=": 7,
	"<<": 8, ">>": 8,
	"+": 9, "-": 9,
	"*": 10, "/": 10, "%": 10,
}

// typeNames are the names that make `(name)` a cast rather than a
// parenthesised identifier, and `sizeof(name)` a type.
var typeNames = map[string]bool{
	"int8": true, "int16": true, "int32": true, "int64": true,
	"uint8": true, "uint16": true, "uint32": true, "uint64": true,
	"bool": true, "char": true, "short": true, "int": true, "long": true, "void": true,
}

// syntaxError is a parse error at a token. Its message is complete, e.g.
// "syntax error, unexpected ;".
type syntaxError struct {
	tok plexer.Token
	msg string
}

func (e *syntaxError) Error() string             { return e.msg }
func (e *syntaxError) Message() string           { return e.msg }
func (e *syntaxError) Position() plexer.Position { return e.tok.Pos }

// unexpected reports t as unexpected, bison style.
func unexpected(t *plexer.Token, expecting ...string) error {
	msg := "syntax error, unexpected " + lexer.Describe(*t)
	if len(expecting) > 0 {
		msg += ", expecting " + strings.Join(expecting, " or ")
	}
	return &syntaxError{tok: *t, msg: msg}
}

var _ participle.Error = (*syntaxError)(nil)

// parseExpr is the participle.ParseTypeWith hook for ast.Expr. It returns
// participle.NextMatch, consuming nothing, when the next token cannot
// start an expression.
func parseExpr(lex *plexer.PeekingLexer) (ast.Expr, error) {
	if !startsExpr(lex.Peek()) {
		return nil, participle.NextMatch
	}
	p := exprParser{lex: lex}
	return p.ternary()
}

// parseSimple is the participle.ParseTypeWith hook for simple
// statements: `expr`, or `target op value` where target is a variable or
// a map element and op is "=" or a compound assignment, followed by ';'
// or by the '}' closing the block.
func parseSimple(lex *plexer.PeekingLexer) (simpleStmt, error) {
	if !startsExpr(lex.Peek()) {
		return nil, participle.NextMatch
	}
	p := exprParser{lex: lex}
	x, err := p.ternary()
	if err != nil {
		return nil, err
	}
	var stmt ast.Stmt = &ast.ExprStmt{X: x}
	if t := lex.Peek(); t.Type == lexer.Assign {
		op := lex.Next()
		if !isLvalue(x) {
			return nil, unexpected(op)
		}
		if !startsExpr(lex.Peek()) {
			return nil, unexpected(lex.Peek())
		}
		v, err := p.ternary()
		if err != nil {
			return nil, err
		}
		stmt = &ast.AssignStmt{Target: x, Op: op.Value, Value: v, OpPos: tokSpan(op), Pos: join(x.Span(), v.Span())}
	}
	if _, err := parseStmtEnd(lex); err != nil {
		return nil, err
	}
	return &gSimple{stmt: stmt}, nil
}

func startsExpr(t *plexer.Token) bool {
	switch t.Type {
	case lexer.Int, lexer.String, lexer.Ident, lexer.Var, lexer.Positional, lexer.Map:
		return true
	case lexer.Keyword:
		return t.Value == "sizeof"
	case lexer.Punct:
		switch t.Value {
		case "(", "!", "~", "-", "+", "*", "&", "++", "--":
			return true
		}
	}
	return false
}

// startsOperandOnly reports whether t can start an operand but cannot
// continue an expression: after `(name)` it makes the parentheses a cast.
func startsOperandOnly(t *plexer.Token) bool {
	switch t.Type {
	case lexer.Int, lexer.String, lexer.Ident, lexer.Var, lexer.Positional, lexer.Map:
		return true
	case lexer.Punct:
		return t.Value == "!" || t.Value == "~"
	}
	return false
}

type exprParser struct {
	lex   *plexer.PeekingLexer
	depth int
}

// tokSpan is the span of one token, its end pending.
func tokSpan(t *plexer.Token) diag.Span {
	return diag.Span{Start: lexer.Pos(t.Pos), End: pendingEnd(t)}
}

// pendingEnd marks "the end of the token starting here" for resolveSpans.
func pendingEnd(t *plexer.Token) diag.Pos {
	return diag.Pos{File: t.Pos.Filename, Offset: t.Pos.Offset}
}

func join(a, b diag.Span) diag.Span { return diag.Span{Start: a.Start, End: b.End} }

func (p *exprParser) peekPunct(v string) bool {
	t := p.lex.Peek()
	return t.Type == lexer.Punct && t.Value == v
}

// expect consumes the punctuation v or fails, naming what was expected.
func (p *exprParser) expect(v string, expecting ...string) (*plexer.Token, error) {
	t := p.lex.Peek()
	if t.Type != lexer.Punct || t.Value != v {
		if len(expecting) == 0 {
			expecting = []string{v}
		}
		return nil, unexpected(t, expecting...)
	}
	return p.lex.Next(), nil
}

func (p *exprParser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		t := p.lex.Peek()
		return &syntaxError{tok: *t, msg: "expression nested too deeply"}
	}
	return nil
}

func (p *exprParser) leave() { p.depth-- }

// ternary parses `cond ? a : b` (right associative) or a binary
// expression.
func (p *exprParser) ternary() (ast.Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	cond, err := p.binary(1)
	if err != nil || !p.peekPunct("?") {
		return cond, err
	}
	p.lex.Next()
	then, err := p.ternary()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(":"); err != nil {
		return nil, err
	}
	els, err := p.ternary()
	if err != nil {
		return nil, err
	}
	return &ast.Ternary{Cond: cond, Then: then, Else: els, Pos: join(cond.Span(), els.Span())}, nil
}

// binary parses operators of precedence min or tighter.
func (p *exprParser) binary(min int) (ast.Expr, error) {
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.lex.Peek()
		prec := binaryPrec[t.Value]
		if t.Type != lexer.Punct || prec == 0 || prec < min {
			return x, nil
		}
		op := p.lex.Next()
		y, err := p.binary(prec + 1)
		if err != nil {
			return nil, err
		}
		x = &ast.Binary{Op: op.Value, X: x, Y: y, OpPos: tokSpan(op), Pos: join(x.Span(), y.Span())}
	}
}

// operand parses the operand of a prefix operator, or reports op as the
// unexpected token when none follows.
func (p *exprParser) operand() (ast.Expr, error) {
	if !startsExpr(p.lex.Peek()) {
		return nil, unexpected(p.lex.Peek())
	}
	return p.unary()
}

// unary parses prefix operators and casts, which bind looser than postfix
// operators: -$x.0 is -($x.0) and (T)$p->f casts $p->f.
func (p *exprParser) unary() (ast.Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.lex.Peek()
	if t.Type == lexer.Punct {
		switch t.Value {
		case "!", "~", "-", "+", "*", "&":
			op := p.lex.Next()
			x, err := p.operand()
			if err != nil {
				return nil, err
			}
			return &ast.Unary{Op: op.Value, X: x, Pos: join(tokSpan(op), x.Span())}, nil
		case "++", "--":
			op := p.lex.Next()
			x, err := p.operand()
			if err != nil {
				return nil, err
			}
			if !isLvalue(x) {
				return nil, unexpected(op)
			}
			return &ast.IncDec{Op: op.Value, Prefix: true, X: x, Pos: join(tokSpan(op), x.Span())}, nil
		case "(":
			if c, ok, err := p.cast(); ok || err != nil {
				return c, err
			}
		}
	}
	return p.postfix()
}

// isLvalue reports whether x may be assigned or incremented.
func isLvalue(x ast.Expr) bool {
	switch x.(type) {
	case *ast.Var, *ast.MapRef:
		return true
	}
	return false
}

// cast parses `(type) operand` if a type follows the '('; otherwise it
// consumes nothing and returns ok == false.
func (p *exprParser) cast() (ast.Expr, bool, error) {
	cp := p.lex.MakeCheckpoint()
	open := p.lex.Next()
	typ, err := p.typeName()
	if err != nil {
		return nil, false, err
	}
	if typ == nil {
		p.lex.LoadCheckpoint(cp)
		return nil, false, nil
	}
	p.lex.Next() // the ')' checked by typeName
	x, err := p.operand()
	if err != nil {
		return nil, false, err
	}
	return &ast.Cast{Type: typ, X: x, Pos: join(tokSpan(open), x.Span())}, true, nil
}

// typeName parses a type followed by ')' (which it does not consume):
// `struct x`, `union x`, `enum x`, or a name, then '*'s, then an optional
// `[N]`. It returns nil without error, having consumed tokens the caller
// must rewind, when the tokens do not form a type, e.g. `(pid)` or
// `(a * b)`. A bare name is a type only if it is a known type name.
func (p *exprParser) typeName() (typ *ast.TypeName, err error) {
	first := p.lex.Peek()
	last := first
	var name string
	definite := false
	switch {
	case first.Type == lexer.Keyword && (first.Value == "struct" || first.Value == "union" || first.Value == "enum"):
		p.lex.Next()
		id := p.lex.Peek()
		if id.Type != lexer.Ident {
			return nil, unexpected(id, "identifier")
		}
		last = p.lex.Next()
		name, definite = first.Value+" "+id.Value, true
	case first.Type == lexer.Ident:
		p.lex.Next()
		name, definite = first.Value, typeNames[first.Value]
		if !definite && p.peekPunct(")") {
			// `(name) operand` with an operand that cannot continue an
			// expression is a cast to an unknown type, as in bpftrace
			// ("Unknown struct/union: 'name'"); `(name) - 1` is not.
			cp := p.lex.MakeCheckpoint()
			p.lex.Next()
			definite = startsOperandOnly(p.lex.Peek())
			p.lex.LoadCheckpoint(cp)
		}
	default:
		return nil, nil
	}
	typ = &ast.TypeName{Name: name}
	for p.peekPunct("*") {
		last = p.lex.Next()
		typ.Ptr++
	}
	if typ.Ptr > 0 {
		definite = true
	}
	if definite && p.peekPunct("[") {
		p.lex.Next()
		n := p.lex.Peek()
		if n.Type != lexer.Int {
			return nil, unexpected(n, "integer")
		}
		p.lex.Next()
		v, _ := lexer.ParseInt(n.Value)
		if v == 0 || v > 1<<20 {
			return nil, &syntaxError{tok: *n, msg: "invalid array size: " + n.Value}
		}
		typ.Array = int(v)
		if last, err = p.expect("]"); err != nil {
			return nil, err
		}
	}
	if !definite {
		return nil, nil
	}
	if !p.peekPunct(")") {
		return nil, unexpected(p.lex.Peek(), ")")
	}
	typ.Pos = join(tokSpan(first), tokSpan(last))
	return typ, nil
}

// postfix parses a primary expression followed by `.name`, `->name`,
// `.N`, `[i]`, `++` and `--`.
func (p *exprParser) postfix() (ast.Expr, error) {
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.lex.Peek()
		if t.Type != lexer.Punct {
			return x, nil
		}
		switch t.Value {
		case ".", "->":
			op := p.lex.Next()
			n := p.lex.Peek()
			switch {
			case n.Type == lexer.Ident || n.Type == lexer.Keyword:
				p.lex.Next()
				x = &ast.Field{X: x, Name: n.Value, Arrow: op.Value == "->", NamePos: tokSpan(n), Pos: join(x.Span(), tokSpan(n))}
			case n.Type == lexer.Int && op.Value == ".":
				p.lex.Next()
				i, err := strconv.Atoi(n.Value)
				if err != nil || i > 1<<16 {
					return nil, &syntaxError{tok: *n, msg: "invalid tuple index: " + n.Value}
				}
				x = &ast.TupleIndex{X: x, Index: i, Pos: join(x.Span(), tokSpan(n))}
			default:
				return nil, unexpected(n, "identifier")
			}
		case "[":
			p.lex.Next()
			if !startsExpr(p.lex.Peek()) {
				return nil, unexpected(p.lex.Peek())
			}
			i, err := p.ternary()
			if err != nil {
				return nil, err
			}
			end, err := p.expect("]")
			if err != nil {
				return nil, err
			}
			x = &ast.Index{X: x, Index: i, Pos: join(x.Span(), tokSpan(end))}
		case "++", "--":
			if !isLvalue(x) {
				return nil, unexpected(t)
			}
			op := p.lex.Next()
			x = &ast.IncDec{Op: op.Value, X: x, Pos: join(x.Span(), tokSpan(op))}
		default:
			return x, nil
		}
	}
}

// list parses `e, e, ...` up to the closing punctuation close, which it
// consumes and returns. The list must not be empty unless allowEmpty.
func (p *exprParser) list(close string, allowEmpty bool) ([]ast.Expr, *plexer.Token, error) {
	if allowEmpty && p.peekPunct(close) {
		return nil, p.lex.Next(), nil
	}
	var out []ast.Expr
	for {
		if !startsExpr(p.lex.Peek()) {
			return nil, nil, unexpected(p.lex.Peek())
		}
		e, err := p.ternary()
		if err != nil {
			return nil, nil, err
		}
		out = append(out, e)
		t := p.lex.Peek()
		if t.Type == lexer.Punct && t.Value == close {
			return out, p.lex.Next(), nil
		}
		if t.Type != lexer.Punct || t.Value != "," {
			return nil, nil, unexpected(t, close, `","`)
		}
		p.lex.Next()
	}
}

func (p *exprParser) primary() (ast.Expr, error) {
	t := p.lex.Peek()
	switch t.Type {
	case lexer.Int:
		p.lex.Next()
		v, err := lexer.ParseInt(t.Value)
		if err != nil {
			return nil, &syntaxError{tok: *t, msg: err.Error()}
		}
		return &ast.IntLit{Value: v, Text: t.Value, Pos: tokSpan(t)}, nil
	case lexer.String:
		p.lex.Next()
		return &ast.StrLit{Value: t.Value, Pos: tokSpan(t)}, nil
	case lexer.Ident:
		p.lex.Next()
		if !p.peekPunct("(") {
			return &ast.Ident{Name: t.Value, Pos: tokSpan(t)}, nil
		}
		p.lex.Next()
		args, end, err := p.list(")", true)
		if err != nil {
			return nil, err
		}
		return &ast.Call{Name: t.Value, Args: args, NamePos: tokSpan(t), Pos: join(tokSpan(t), tokSpan(end))}, nil
	case lexer.Var:
		p.lex.Next()
		return &ast.Var{Name: t.Value[1:], Pos: tokSpan(t)}, nil
	case lexer.Positional:
		p.lex.Next()
		if t.Value == "$#" {
			return &ast.Positional{Count: true, Pos: tokSpan(t)}, nil
		}
		n, err := strconv.Atoi(t.Value[1:])
		if err != nil {
			return nil, &syntaxError{tok: *t, msg: "invalid positional parameter: " + t.Value}
		}
		return &ast.Positional{N: n, Pos: tokSpan(t)}, nil
	case lexer.Map:
		p.lex.Next()
		m := &ast.MapRef{Name: t.Value[1:], NamePos: tokSpan(t), Pos: tokSpan(t)}
		if p.peekPunct("[") {
			p.lex.Next()
			keys, end, err := p.list("]", false)
			if err != nil {
				return nil, err
			}
			m.Keys = keys
			m.Pos = join(m.Pos, tokSpan(end))
		}
		return m, nil
	case lexer.Keyword:
		if t.Value == "sizeof" {
			return p.sizeof()
		}
	case lexer.Punct:
		if t.Value == "(" {
			return p.paren()
		}
	}
	return nil, unexpected(t)
}

// paren parses a parenthesised expression or a tuple of two or more
// elements.
func (p *exprParser) paren() (ast.Expr, error) {
	open := p.lex.Next()
	elems, end, err := p.list(")", false)
	if err != nil {
		return nil, err
	}
	if len(elems) == 1 {
		ast.SetSpan(elems[0], join(tokSpan(open), tokSpan(end)))
		return elems[0], nil
	}
	return &ast.Tuple{Elems: elems, Pos: join(tokSpan(open), tokSpan(end))}, nil
}

// sizeof parses `sizeof(type)` or `sizeof(expr)`.
func (p *exprParser) sizeof() (ast.Expr, error) {
	kw := p.lex.Next()
	if _, err := p.expect("("); err != nil {
		return nil, err
	}
	cp := p.lex.MakeCheckpoint()
	typ, err := p.typeName()
	if err != nil {
		return nil, err
	}
	s := &ast.Sizeof{Type: typ}
	if typ == nil {
		p.lex.LoadCheckpoint(cp)
		if !startsExpr(p.lex.Peek()) {
			return nil, unexpected(p.lex.Peek())
		}
		if s.X, err = p.ternary(); err != nil {
			return nil, err
		}
	}
	end, err := p.expect(")")
	if err != nil {
		return nil, err
	}
	s.Pos = join(tokSpan(kw), tokSpan(end))
	return s, nil
}

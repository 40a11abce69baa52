// Package parser turns bpftrace source into the lang/ast syntax tree.
//
// It accepts the classic syntax of bpftrace 0.17–0.21 plus the lowercase
// begin/end probes and `args.f`. The lexing is done by lang/lexer; the
// program, probe, block and statement structure by a participle grammar;
// expressions by precedence climbing plugged into participle with
// ParseTypeWith. Callers only ever see lang/ast nodes and, on failure, a
// diag.List of positioned diagnostics worded like bpftrace's own syntax
// errors.
package parser

import (
	"errors"
	"strings"

	"github.com/alecthomas/participle/v2"
	plexer "github.com/alecthomas/participle/v2/lexer"

	"gtrace/lang/ast"
	"gtrace/lang/diag"
	"gtrace/lang/lexer"
)

// Parse parses a whole bpftrace program. file names the source in
// diagnostics ("stdin" for -e programs). On failure the error is a
// diag.List.
func Parse(file, src string) (prog *ast.Program, err error) {
	defer func() {
		// A panic here is a parser bug; the user still gets a diagnostic.
		if r := recover(); r != nil {
			prog = nil
			err = diag.List{diag.Errorf(diag.Span{}, "internal parser error: %v", r)}
		}
	}()
	lx := lexer.New(file, src)
	toks, err := plexer.Upgrade(lx)
	if err != nil {
		return nil, convertError(lx, src, err)
	}
	g, err := grammar.ParseFromLexer(toks)
	if err != nil {
		return nil, convertError(lx, src, err)
	}
	c := &converter{lx: lx}
	prog = c.program(g, file, src)
	resolveSpans(lx, prog)
	return prog, nil
}

// convertError turns a lexer or participle error into a diag.List.
func convertError(lx *lexer.Lexer, src string, err error) diag.List {
	var (
		d  *diag.Diagnostic
		se *syntaxError
		ue *participle.UnexpectedTokenError
		pe participle.Error
	)
	switch {
	case errors.As(err, &d):
		return diag.List{d}
	case errors.As(err, &se):
		span := tokenSpan(lx, se.tok)
		if strings.HasPrefix(se.msg, "syntax error") {
			span = diag.WidenToRun(src, span)
		}
		return diag.List{diag.Errorf(span, "%s", se.msg)}
	case errors.As(err, &ue):
		what := lexer.Describe(ue.Unexpected)
		if end := ue.Unexpected.Pos.Offset + len(ue.Unexpected.Value); ue.Unexpected.Type == lexer.Ident && end < len(src) && src[end] == '(' {
			// bison's token for a name followed by '(' is "call".
			what = "call"
		}
		msg := "syntax error, unexpected " + what
		if exp := expectation(ue.Message()); exp != "" {
			msg += ", expecting " + exp
		}
		return diag.List{diag.Errorf(diag.WidenToRun(src, tokenSpan(lx, ue.Unexpected)), "%s", msg)}
	case errors.As(err, &pe):
		p := pe.Position()
		return diag.List{diag.Errorf(diag.Span{Start: lexer.Pos(p), End: lx.End(p)}, "syntax error: %s", pe.Message())}
	}
	return diag.List{diag.Errorf(diag.Span{}, "%v", err)}
}

// tokenSpan is where an error at t is shown. At the end of the file that
// is the last token, as bison does, so the underline is visible.
func tokenSpan(lx *lexer.Lexer, t plexer.Token) diag.Span {
	if t.EOF() {
		if s, ok := lx.Before(t.Pos.Offset); ok {
			return s
		}
	}
	return lx.Span(t)
}

// expectation extracts what participle expected from a message such as
// `unexpected token "}" (expected (GIf | GBlock))` and words it like
// bison: "if or {". Only the first element of the expected sequence
// matters; "" means it cannot be named simply.
func expectation(msg string) string {
	const marker = " (expected "
	i := strings.Index(msg, marker)
	if i < 0 || !strings.HasSuffix(msg, ")") {
		return ""
	}
	term := firstTerm(msg[i+len(marker) : len(msg)-1])
	var names []string
	for _, alt := range strings.Split(term, " | ") {
		n := expectedName(strings.TrimSpace(alt))
		if n == "" {
			return ""
		}
		names = append(names, n)
	}
	return strings.Join(names, " or ")
}

// firstTerm returns the first element of an EBNF sequence, without the
// parentheses of a group.
func firstTerm(ebnf string) string {
	if strings.HasPrefix(ebnf, "(") {
		depth := 0
		for i := 0; i < len(ebnf); i++ {
			switch ebnf[i] {
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					if i+1 < len(ebnf) && ebnf[i+1] != ' ' {
						return "" // a repeated or optional group
					}
					return ebnf[1:i]
				}
			}
		}
		return ""
	}
	if strings.HasPrefix(ebnf, `"`) {
		if j := strings.IndexByte(ebnf[1:], '"'); j >= 0 {
			end := j + 2
			for end < len(ebnf) && ebnf[end] != ' ' {
				end++
			}
			return ebnf[:end]
		}
	}
	if j := strings.IndexByte(ebnf, ' '); j >= 0 {
		return ebnf[:j]
	}
	return ebnf
}

// expectedNames words the grammar's node and token names.
var expectedNames = map[string]string{
	"gblock":        "{",
	"gif":           "if",
	"gattach":       "attach point",
	"gprobe":        "attach point",
	"<attachpoint>": "attach point",
	"<ident>":       "identifier",
	"<var>":         "variable",
	"<map>":         "map",
	"<predend>":     "end predicate",
}

func expectedName(term string) string {
	if strings.HasPrefix(term, `"`) {
		j := strings.IndexByte(term[1:], '"')
		if j < 0 {
			return ""
		}
		rest := term[j+2:]
		if rest != "" && !strings.HasPrefix(rest, ":") {
			return "" // a repetition such as ";"*
		}
		if lit := term[1 : j+1]; lit != "," {
			return lit
		}
		return `","`
	}
	// One or more of something still needs the first.
	return expectedNames[strings.ToLower(strings.TrimSuffix(term, "+"))]
}

// converter builds lang/ast nodes from the grammar structs.
type converter struct {
	lx *lexer.Lexer
}

// span covers a token range produced by the grammar.
func (c *converter) span(toks []plexer.Token) diag.Span {
	if len(toks) == 0 {
		return diag.Span{}
	}
	return diag.Span{Start: lexer.Pos(toks[0].Pos), End: c.lx.End(toks[len(toks)-1].Pos)}
}

func (c *converter) program(g *gProgram, file, src string) *ast.Program {
	p := &ast.Program{
		File:     file,
		Source:   src,
		Includes: c.lx.Includes(),
		Defines:  c.lx.Defines(),
		Pos:      diag.Span{Start: c.lx.PosAt(0), End: c.lx.PosAt(len(src))},
	}
	for _, item := range g.Preamble {
		switch {
		case item.Config != nil:
			for _, e := range item.Config.Entries {
				// The value's end is resolved with the expressions'.
				pos := diag.Span{Start: lexer.Pos(e.Name.Pos), End: e.Value.Span().End}
				p.Config = append(p.Config, &ast.ConfigEntry{Name: e.Name.Value, Value: e.Value, Pos: pos})
			}
		default:
			p.CDefs = append(p.CDefs, &ast.CDef{Text: item.CDef.Value, Pos: c.lx.Span(item.CDef)})
		}
	}
	for _, gp := range g.Probes {
		pr := &ast.Probe{Pred: gp.Pred, Body: c.block(gp.Body), Pos: c.span(gp.Tokens)}
		for _, a := range gp.Attach {
			pr.AttachPoints = append(pr.AttachPoints, attachPoint(a.Tok.Value, c.lx.Span(a.Tok)))
		}
		p.Probes = append(p.Probes, pr)
	}
	return p
}

// attachPoint splits raw into the provider and the ':'-separated fields;
// ':' inside double quotes does not separate, and the quotes are dropped.
func attachPoint(raw string, span diag.Span) *ast.AttachPoint {
	var (
		fields []string
		cur    strings.Builder
		quoted bool
	)
	for i := 0; i < len(raw); i++ {
		ch := raw[i]
		switch {
		case ch == '"':
			quoted = !quoted
		case quoted && ch == '\\' && i+1 < len(raw):
			i++
			cur.WriteByte(raw[i])
		case !quoted && ch == ':':
			fields = append(fields, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(ch)
		}
	}
	fields = append(fields, cur.String())
	ap := &ast.AttachPoint{Raw: raw, Provider: fields[0], Pos: span}
	if len(fields) > 1 {
		ap.Fields = fields[1:]
	}
	return ap
}

func (c *converter) block(g *gBlock) *ast.Block {
	if g == nil {
		return nil
	}
	b := &ast.Block{Pos: c.span(g.Tokens)}
	for _, s := range g.Stmts {
		if st := c.stmt(s); st != nil {
			b.Stmts = append(b.Stmts, st)
		}
	}
	return b
}

func (c *converter) stmt(g *gStmt) ast.Stmt {
	switch {
	case g.If != nil:
		return c.ifStmt(g.If)
	case g.Unroll != nil:
		return &ast.UnrollStmt{Count: g.Unroll.Count, Body: c.block(g.Unroll.Body), Pos: c.span(g.Unroll.Tokens)}
	case g.While != nil:
		return &ast.WhileStmt{Cond: g.While.Cond, Body: c.block(g.While.Body), Pos: c.span(g.While.Tokens)}
	case g.For != nil:
		f := g.For
		vs, ms := c.lx.Span(f.Var), c.lx.Span(f.Map)
		return &ast.ForStmt{
			Var:  &ast.Var{Name: f.Var.Value[1:], Pos: vs},
			Map:  &ast.MapRef{Name: f.Map.Value[1:], NamePos: ms, Pos: ms},
			Body: c.block(f.Body),
			Pos:  c.span(f.Tokens),
		}
	case g.Jump != nil:
		return &ast.JumpStmt{Kind: g.Jump.Kind.Value, Pos: c.lx.Span(g.Jump.Kind)}
	case g.Simple != nil:
		return g.Simple.simple()
	}
	return nil
}

func (c *converter) ifStmt(g *gIf) *ast.IfStmt {
	s := &ast.IfStmt{Cond: g.Cond, Then: c.block(g.Then), Pos: c.span(g.Tokens)}
	if len(g.Tokens) > 1 {
		// bison's location for the condition starts at its '('.
		cs := g.Cond.Span()
		cs.Start = lexer.Pos(g.Tokens[1].Pos)
		ast.SetSpan(g.Cond, cs)
	}
	switch {
	case g.ElseIf != nil:
		s.Else = c.ifStmt(g.ElseIf)
	case g.Else != nil:
		s.Else = c.block(g.Else)
	}
	return s
}

// resolveSpans replaces the pending ends left by the expression parser
// (see expr.go) with the ends of the tokens they name.
func resolveSpans(lx *lexer.Lexer, prog *ast.Program) {
	fix := func(s *diag.Span) {
		if s.End.Line != 0 || !s.Start.IsValid() {
			return
		}
		if end, ok := lx.EndAt(s.End.Offset); ok {
			s.End = end
		} else {
			s.End = s.Start
		}
	}
	ast.Walk(prog, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ConfigEntry:
			fix(&n.Pos)
		case *ast.AssignStmt:
			fix(&n.OpPos)
			fix(&n.Pos)
		case *ast.IntLit:
			fix(&n.Pos)
		case *ast.StrLit:
			fix(&n.Pos)
		case *ast.Ident:
			fix(&n.Pos)
		case *ast.Positional:
			fix(&n.Pos)
		case *ast.Var:
			fix(&n.Pos)
		case *ast.MapRef:
			fix(&n.NamePos)
			fix(&n.Pos)
		case *ast.Call:
			fix(&n.NamePos)
			fix(&n.Pos)
		case *ast.Binary:
			fix(&n.OpPos)
			fix(&n.Pos)
		case *ast.Unary:
			fix(&n.Pos)
		case *ast.IncDec:
			fix(&n.Pos)
		case *ast.Ternary:
			fix(&n.Pos)
		case *ast.Field:
			fix(&n.NamePos)
			fix(&n.Pos)
		case *ast.TupleIndex:
			fix(&n.Pos)
		case *ast.Index:
			fix(&n.Pos)
		case *ast.Tuple:
			fix(&n.Pos)
		case *ast.Cast:
			fix(&n.Pos)
		case *ast.Sizeof:
			fix(&n.Pos)
		case *ast.TypeName:
			fix(&n.Pos)
		}
		return true
	})
}

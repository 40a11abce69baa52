package parser

import (
	"github.com/alecthomas/participle/v2"
	plexer "github.com/alecthomas/participle/v2/lexer"

	"gtrace/lang/ast"
	"gtrace/lang/lexer"
)

// The participle grammar for program → probe → block → statement.
// Expressions and simple statements are parsed by hand (precedence
// climbing) through participle.ParseTypeWith. Every literal names its
// token type so that a string or an attach point whose text happens to be
// "if" or ";" never matches a keyword or a delimiter. Each alternative is
// chosen by its first token, so the parser runs without lookahead
// (UseLookahead(0)): a branch that consumed a token and then failed is the
// error, reported where it happened rather than at the statement's start.
//
// The grammar structs are converted into lang/ast nodes by parser.go.

type gProgram struct {
	Preamble []*gPreamble `parser:"@@*"`
	Probes   []*gProbe    `parser:"@@+"`
}

type gPreamble struct {
	CDef   plexer.Token `parser:"@CDef"`
	Config *gConfig     `parser:"| @@"`
}

type gConfig struct {
	Tokens  []plexer.Token
	Entries []*gConfigEntry `parser:"'config':Keyword '=':Assign '{':Punct ( @@ | ';':Punct )* '}':Punct"`
}

type gConfigEntry struct {
	Name  plexer.Token `parser:"@Ident"`
	Value ast.Expr     `parser:"'=':Assign @@"`
	End   stmtEnd      `parser:"@@"`
}

type gProbe struct {
	Tokens []plexer.Token
	Attach []*gAttach `parser:"@@ ( ',':Punct @@ )*"`
	Pred   ast.Expr   `parser:"( PredStart @@ PredEnd )?"`
	Body   *gBlock    `parser:"@@"`
}

type gAttach struct {
	Tok plexer.Token `parser:"@AttachPoint"`
}

type gBlock struct {
	Tokens []plexer.Token
	Stmts  []*gStmt `parser:"'{':Punct ( @@ | ';':Punct )* '}':Punct"`
}

// gStmt lists the simple statement first: it is by far the most common,
// and its expression parser rejects a keyword without consuming anything.
type gStmt struct {
	Simple simpleStmt `parser:"@@"`
	If     *gIf       `parser:"| @@"`
	Unroll *gUnroll   `parser:"| @@"`
	While  *gWhile    `parser:"| @@"`
	For    *gFor      `parser:"| @@"`
	Jump   *gJump     `parser:"| @@"`
}

type gIf struct {
	Tokens []plexer.Token
	Cond   ast.Expr `parser:"'if':Keyword '(':Punct @@ ')':Punct"`
	Then   *gBlock  `parser:"@@"`
	ElseIf *gIf     `parser:"( 'else':Keyword ( @@"`
	Else   *gBlock  `parser:"| @@ ) )?"`
}

type gUnroll struct {
	Tokens []plexer.Token
	Count  ast.Expr `parser:"'unroll':Keyword '(':Punct @@ ')':Punct"`
	Body   *gBlock  `parser:"@@"`
}

type gWhile struct {
	Tokens []plexer.Token
	Cond   ast.Expr `parser:"'while':Keyword '(':Punct @@ ')':Punct"`
	Body   *gBlock  `parser:"@@"`
}

type gFor struct {
	Tokens []plexer.Token
	Var    plexer.Token `parser:"'for':Keyword '(':Punct @Var"`
	Map    plexer.Token `parser:"':':Punct @Map ')':Punct"`
	Body   *gBlock      `parser:"@@"`
}

type gJump struct {
	Kind plexer.Token `parser:"@( 'return':Keyword | 'break':Keyword | 'continue':Keyword )"`
	End  stmtEnd      `parser:"@@"`
}

// simpleStmt is an expression statement or an assignment, parsed by
// parseSimple together with the ';' that ends it: it is the most common
// statement, and parsing it by hand keeps participle's per-node work off
// the hot path.
type simpleStmt interface{ simple() ast.Stmt }

type gSimple struct{ stmt ast.Stmt }

func (g *gSimple) simple() ast.Stmt { return g.stmt }

// stmtEnd ends a simple statement: a ';', or nothing before the '}' that
// closes the block. It is parsed by parseStmtEnd because participle
// cannot accept an alternative that consumes nothing.
type stmtEnd interface{ stmtEnd() }

type endMark struct{}

func (endMark) stmtEnd() {}

func parseStmtEnd(lex *plexer.PeekingLexer) (stmtEnd, error) {
	t := lex.Peek()
	if t.Type == lexer.Punct {
		switch t.Value {
		case ";":
			lex.Next()
			return endMark{}, nil
		case "}":
			return endMark{}, nil
		}
	}
	return nil, unexpected(t, ";", "}")
}

// grammar is built once; a participle parser is safe for concurrent use.
// Building it only fails on a bad grammar, which the tests catch.
var grammar = participle.MustBuild[gProgram](
	participle.Lexer(lexer.Definition{}),
	participle.ParseTypeWith(parseExpr),
	participle.ParseTypeWith(parseStmtEnd),
	participle.ParseTypeWith(parseSimple),
	participle.UseLookahead(0),
)

// Package lexer is gtrace's hand-written, context-aware lexer for bpftrace
// scripts. It implements participle's lexer.Definition so the grammar in
// lang/parser can use it, and it handles what a regular-expression lexer
// cannot: attach points at the top level (where `a:b/c` is one token), the
// predicate delimiters `/ ... /` (a '/' followed by '{' closes a
// predicate), the preprocessor lines (#include, #define with macro
// substitution, #ifdef/#ifndef/#else/#endif) and C definitions before the
// probes.
package lexer

import (
	"fmt"
	"io"

	plexer "github.com/alecthomas/participle/v2/lexer"
)

// Token types. Keywords have their own type so a grammar literal such as
// "if" can never match an identifier or a string.
const (
	// EOF ends every token stream.
	EOF = plexer.EOF
	// AttachPoint is an attach point as written, e.g.
	// "uprobe:/bin/bash:readline" (only lexed at the top level).
	AttachPoint plexer.TokenType = -(iota + 2)
	// Keyword is a reserved word: if, else, unroll, while, for, return,
	// break, continue, sizeof, struct, union, enum, and config at the top
	// level.
	Keyword
	// Ident is an identifier such as pid, printf or args.
	Ident
	// Int is an integer literal as written; ParseInt gives its value.
	Int
	// String is a string literal; Value holds the decoded contents.
	String
	// Var is a scratch variable such as "$x".
	Var
	// Positional is a positional parameter "$1" or "$#".
	Positional
	// Map is a map name such as "@m", or "@" alone.
	Map
	// Punct is an operator or delimiter other than an assignment.
	Punct
	// Assign is "=" or a compound assignment such as "+=" or "<<=".
	Assign
	// PredStart is the '/' that opens a predicate.
	PredStart
	// PredEnd is the '/' that closes a predicate.
	PredEnd
	// CDef is a C definition (struct, union, enum, typedef) written before
	// the probes, kept as raw text including its final ';'.
	CDef
)

var symbols = map[string]plexer.TokenType{
	"EOF":         EOF,
	"AttachPoint": AttachPoint,
	"Keyword":     Keyword,
	"Ident":       Ident,
	"Int":         Int,
	"String":      String,
	"Var":         Var,
	"Positional":  Positional,
	"Map":         Map,
	"Punct":       Punct,
	"Assign":      Assign,
	"PredStart":   PredStart,
	"PredEnd":     PredEnd,
	"CDef":        CDef,
}

var typeNames = func() map[plexer.TokenType]string {
	m := make(map[plexer.TokenType]string, len(symbols))
	for name, t := range symbols {
		m[t] = name
	}
	return m
}()

// TypeName returns the symbolic name of a token type, e.g. "Ident".
func TypeName(t plexer.TokenType) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return "Unknown"
}

// Describe names a token the way bpftrace's (bison) syntax errors do:
// "end of file", "identifier", "integer", "string", "variable", "map",
// "positional parameter", or the operator or keyword itself.
func Describe(t plexer.Token) string {
	switch t.Type {
	case EOF:
		return "end of file"
	case AttachPoint:
		return "attach point"
	case Ident:
		return "identifier"
	case Int:
		return "integer"
	case String:
		return "string"
	case Var:
		return "variable"
	case Positional:
		return "positional parameter"
	case Map:
		return "map"
	case PredStart:
		return "/"
	case PredEnd:
		return "end predicate"
	case CDef:
		return "C definition"
	case Punct:
		if t.Value == "," {
			return `","`
		}
	}
	return t.Value
}

// keywords are the reserved words inside blocks and predicates.
var keywords = map[string]bool{
	"if": true, "else": true, "unroll": true, "while": true, "for": true,
	"return": true, "break": true, "continue": true, "sizeof": true,
	"struct": true, "union": true, "enum": true,
}

// IsKeyword reports whether word is reserved inside blocks.
func IsKeyword(word string) bool { return keywords[word] }

// Definition is the participle lexer definition for bpftrace source. The
// zero value is ready to use.
type Definition struct{}

var (
	_ plexer.Definition       = Definition{}
	_ plexer.StringDefinition = Definition{}
)

// Symbols implements participle's lexer.Definition.
func (Definition) Symbols() map[string]plexer.TokenType {
	out := make(map[string]plexer.TokenType, len(symbols))
	for k, v := range symbols {
		out[k] = v
	}
	return out
}

// Lex implements participle's lexer.Definition.
func (d Definition) Lex(filename string, r io.Reader) (plexer.Lexer, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", filename, err)
	}
	return New(filename, string(b)), nil
}

// LexString implements participle's lexer.StringDefinition.
func (Definition) LexString(filename string, input string) (plexer.Lexer, error) {
	return New(filename, input), nil
}

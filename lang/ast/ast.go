// Package ast defines the syntax tree of a bpftrace program. Every node
// carries the source span it was parsed from, so later stages can report
// errors at the exact script position.
package ast

import "gtrace/lang/diag"

// Node is any syntax tree node.
type Node interface {
	// Span is the node's source range.
	Span() diag.Span
}

// Expr is an expression node.
type Expr interface {
	Node
	exprNode()
}

// Stmt is a statement node.
type Stmt interface {
	Node
	stmtNode()
}

// Program is a parsed script.
type Program struct {
	// File is the name used in diagnostics ("stdin" for -e).
	File string
	// Source is the script text the spans point into.
	Source string
	// Includes lists the #include lines, which gtrace ignores when BTF
	// serves the types.
	Includes []*Include
	// Defines lists the #define macros, already substituted into the
	// probes' token stream by the parser.
	Defines []*Define
	// CDefs are C struct, union and enum definitions written before the
	// probes, kept as raw text for the type system.
	CDefs []*CDef
	// Config holds the entries of a `config = { name = value; ... }` block.
	Config []*ConfigEntry
	// Probes are the action blocks in source order.
	Probes []*Probe
	// Pos is the span of the whole program.
	Pos diag.Span
}

// Span implements Node.
func (p *Program) Span() diag.Span { return p.Pos }

// Include is a `#include <file>` or `#include "file"` line.
type Include struct {
	Path string
	Pos  diag.Span
}

// Span implements Node.
func (i *Include) Span() diag.Span { return i.Pos }

// Define is a `#define NAME value` line.
type Define struct {
	Name  string
	Value string
	Pos   diag.Span
}

// Span implements Node.
func (d *Define) Span() diag.Span { return d.Pos }

// CDef is a C definition such as `struct foo { int a; };` written before the
// probes.
type CDef struct {
	// Text is the definition as written, including the final ';'.
	Text string
	Pos  diag.Span
}

// Span implements Node.
func (c *CDef) Span() diag.Span { return c.Pos }

// ConfigEntry is one `name = value` entry of a config block.
type ConfigEntry struct {
	Name  string
	Value Expr
	Pos   diag.Span
}

// Span implements Node.
func (c *ConfigEntry) Span() diag.Span { return c.Pos }

// Probe is `attachpoint[, attachpoint...] [/predicate/] { body }`.
type Probe struct {
	AttachPoints []*AttachPoint
	// Pred is the predicate, or nil.
	Pred Expr
	Body *Block
	Pos  diag.Span
}

// Span implements Node.
func (p *Probe) Span() diag.Span { return p.Pos }

// AttachPoint is one attach point as written, e.g.
// "tracepoint:syscalls:sys_enter_*" or "BEGIN". Its meaning depends on the
// provider and is worked out by the checker.
type AttachPoint struct {
	// Raw is the text as written, after positional parameters were
	// substituted.
	Raw string
	// Provider is the first field as written ("t", "tracepoint", "BEGIN").
	Provider string
	// Fields are the remaining ':'-separated fields. A quoted field keeps
	// its content without the quotes.
	Fields []string
	Pos    diag.Span
}

// Span implements Node.
func (a *AttachPoint) Span() diag.Span { return a.Pos }

// Block is `{ stmt; stmt; ... }`.
type Block struct {
	Stmts []Stmt
	Pos   diag.Span
}

// Span implements Node.
func (b *Block) Span() diag.Span { return b.Pos }
func (*Block) stmtNode()         {}

// ExprStmt is an expression evaluated for its effect, e.g. a call.
type ExprStmt struct {
	X Expr
}

// Span implements Node.
func (s *ExprStmt) Span() diag.Span { return s.X.Span() }
func (*ExprStmt) stmtNode()         {}

// AssignStmt is `target op value` where target is a *Var or *MapRef and op
// is "=" or a compound assignment such as "+=" or "<<=".
type AssignStmt struct {
	Target Expr
	// Op is "=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=" or ">>=".
	Op    string
	Value Expr
	OpPos diag.Span
	Pos   diag.Span
}

// Span implements Node.
func (s *AssignStmt) Span() diag.Span { return s.Pos }
func (*AssignStmt) stmtNode()         {}

// IfStmt is `if (cond) then [else else]`; Else is nil, a *Block or an
// *IfStmt (for "else if").
type IfStmt struct {
	Cond Expr
	Then *Block
	Else Stmt
	Pos  diag.Span
}

// Span implements Node.
func (s *IfStmt) Span() diag.Span { return s.Pos }
func (*IfStmt) stmtNode()         {}

// UnrollStmt is `unroll (count) body`.
type UnrollStmt struct {
	Count Expr
	Body  *Block
	Pos   diag.Span
}

// Span implements Node.
func (s *UnrollStmt) Span() diag.Span { return s.Pos }
func (*UnrollStmt) stmtNode()         {}

// WhileStmt is `while (cond) body`.
type WhileStmt struct {
	Cond Expr
	Body *Block
	Pos  diag.Span
}

// Span implements Node.
func (s *WhileStmt) Span() diag.Span { return s.Pos }
func (*WhileStmt) stmtNode()         {}

// ForStmt is `for ($kv : @map) body`.
type ForStmt struct {
	Var  *Var
	Map  *MapRef
	Body *Block
	Pos  diag.Span
}

// Span implements Node.
func (s *ForStmt) Span() diag.Span { return s.Pos }
func (*ForStmt) stmtNode()         {}

// JumpStmt is `break`, `continue` or `return`.
type JumpStmt struct {
	// Kind is "break", "continue" or "return".
	Kind string
	Pos  diag.Span
}

// Span implements Node.
func (s *JumpStmt) Span() diag.Span { return s.Pos }
func (*JumpStmt) stmtNode()         {}

// IntLit is an integer literal. Value holds the bits; literals above
// math.MaxInt64 are kept as their unsigned bit pattern.
type IntLit struct {
	Value uint64
	// Text is the literal as written.
	Text string
	Pos  diag.Span
}

// Span implements Node.
func (e *IntLit) Span() diag.Span { return e.Pos }
func (*IntLit) exprNode()         {}

// StrLit is a string literal with escapes already decoded.
type StrLit struct {
	Value string
	Pos   diag.Span
}

// Span implements Node.
func (e *StrLit) Span() diag.Span { return e.Pos }
func (*StrLit) exprNode()         {}

// Ident is a bare identifier: a builtin variable (pid, comm, args, arg0,
// retval ...) or, inside some calls, a keyword-like argument.
type Ident struct {
	Name string
	Pos  diag.Span
}

// Span implements Node.
func (e *Ident) Span() diag.Span { return e.Pos }
func (*Ident) exprNode()         {}

// Positional is a positional parameter `$1`..`$N`, or `$#` (Count).
type Positional struct {
	N     int
	Count bool
	Pos   diag.Span
}

// Span implements Node.
func (e *Positional) Span() diag.Span { return e.Pos }
func (*Positional) exprNode()         {}

// Var is a scratch variable `$name` (Name excludes the `$`).
type Var struct {
	Name string
	Pos  diag.Span
}

// Span implements Node.
func (e *Var) Span() diag.Span { return e.Pos }
func (*Var) exprNode()         {}

// MapRef is `@name`, `@name[k]` or `@name[k1, k2]`. Name excludes the `@`
// and is "" for the bare `@`. Keys is nil when no subscript was written.
type MapRef struct {
	Name string
	Keys []Expr
	// NamePos is the span of `@name` alone.
	NamePos diag.Span
	Pos     diag.Span
}

// Span implements Node.
func (e *MapRef) Span() diag.Span { return e.Pos }
func (*MapRef) exprNode()         {}

// Call is `name(args...)`. A builtin written without parentheses is an
// *Ident, not a Call.
type Call struct {
	Name    string
	Args    []Expr
	NamePos diag.Span
	Pos     diag.Span
}

// Span implements Node.
func (e *Call) Span() diag.Span { return e.Pos }
func (*Call) exprNode()         {}

// Binary is `X op Y` for every C binary operator except assignment.
type Binary struct {
	// Op is one of || && | ^ & == != < > <= >= << >> + - * / %.
	Op    string
	X, Y  Expr
	OpPos diag.Span
	Pos   diag.Span
}

// Span implements Node.
func (e *Binary) Span() diag.Span { return e.Pos }
func (*Binary) exprNode()         {}

// Unary is a prefix operator: "!", "~", "-", "+", "*" (dereference) or "&".
type Unary struct {
	Op  string
	X   Expr
	Pos diag.Span
}

// Span implements Node.
func (e *Unary) Span() diag.Span { return e.Pos }
func (*Unary) exprNode()         {}

// IncDec is `++x`, `--x`, `x++` or `x--` on a variable or map element.
type IncDec struct {
	// Op is "++" or "--".
	Op     string
	Prefix bool
	X      Expr
	Pos    diag.Span
}

// Span implements Node.
func (e *IncDec) Span() diag.Span { return e.Pos }
func (*IncDec) exprNode()         {}

// Ternary is `Cond ? Then : Else`.
type Ternary struct {
	Cond, Then, Else Expr
	Pos              diag.Span
}

// Span implements Node.
func (e *Ternary) Span() diag.Span { return e.Pos }
func (*Ternary) exprNode()         {}

// Field is `X.Name` or `X->Name` (Arrow).
type Field struct {
	X       Expr
	Name    string
	Arrow   bool
	NamePos diag.Span
	Pos     diag.Span
}

// Span implements Node.
func (e *Field) Span() diag.Span { return e.Pos }
func (*Field) exprNode()         {}

// TupleIndex is `X.N` with a literal index N.
type TupleIndex struct {
	X     Expr
	Index int
	Pos   diag.Span
}

// Span implements Node.
func (e *TupleIndex) Span() diag.Span { return e.Pos }
func (*TupleIndex) exprNode()         {}

// Index is `X[Index]` on a non-map expression (an array or pointer).
type Index struct {
	X     Expr
	Index Expr
	Pos   diag.Span
}

// Span implements Node.
func (e *Index) Span() diag.Span { return e.Pos }
func (*Index) exprNode()         {}

// Tuple is `(a, b, ...)` with at least two elements.
type Tuple struct {
	Elems []Expr
	Pos   diag.Span
}

// Span implements Node.
func (e *Tuple) Span() diag.Span { return e.Pos }
func (*Tuple) exprNode()         {}

// Cast is `(type)X`, e.g. `(uint8)x`, `(struct task_struct *)curtask`.
type Cast struct {
	Type *TypeName
	X    Expr
	Pos  diag.Span
}

// Span implements Node.
func (e *Cast) Span() diag.Span { return e.Pos }
func (*Cast) exprNode()         {}

// Sizeof is `sizeof(type)` or `sizeof(expr)`; exactly one of Type and X is
// set.
type Sizeof struct {
	Type *TypeName
	X    Expr
	Pos  diag.Span
}

// Span implements Node.
func (e *Sizeof) Span() diag.Span { return e.Pos }
func (*Sizeof) exprNode()         {}

// TypeName is a type as written in a cast: an integer type name such as
// "uint32", or "struct task_struct", with Ptr levels of '*'. Array is the
// element count for `int8[4]`-style types, else 0.
type TypeName struct {
	// Name is the base name: "int64", "struct sock", "union u", "enum e".
	Name  string
	Ptr   int
	Array int
	Pos   diag.Span
}

// Span implements Node.
func (t *TypeName) Span() diag.Span { return t.Pos }

// SetSpan changes the span of an expression, as the parser does to make a
// parenthesised expression cover its parentheses (bpftrace underlines them
// too).
func SetSpan(e Expr, s diag.Span) {
	switch e := e.(type) {
	case *IntLit:
		e.Pos = s
	case *StrLit:
		e.Pos = s
	case *Ident:
		e.Pos = s
	case *Positional:
		e.Pos = s
	case *Var:
		e.Pos = s
	case *MapRef:
		e.Pos = s
	case *Call:
		e.Pos = s
	case *Binary:
		e.Pos = s
	case *Unary:
		e.Pos = s
	case *IncDec:
		e.Pos = s
	case *Ternary:
		e.Pos = s
	case *Field:
		e.Pos = s
	case *TupleIndex:
		e.Pos = s
	case *Index:
		e.Pos = s
	case *Tuple:
		e.Pos = s
	case *Cast:
		e.Pos = s
	case *Sizeof:
		e.Pos = s
	}
}

package ast

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Dump writes p as an indented tree, one node per line and one space of
// indentation per level, in the style of bpftrace's `-d` AST output:
//
//	Program
//	 BEGIN
//	  =
//	   variable: $x
//	   int: 1
//
// Preamble items come first (include:, define:, cdef:, config), then each
// probe's attach points, its predicate under "pred", and its statements.
func Dump(w io.Writer, p *Program) error {
	d := &dumper{w: bufio.NewWriter(w)}
	d.program(p)
	if err := d.w.Flush(); err != nil {
		return fmt.Errorf("writing AST dump: %w", err)
	}
	return nil
}

type dumper struct {
	w *bufio.Writer
}

func (d *dumper) line(depth int, format string, args ...any) {
	d.w.WriteString(strings.Repeat(" ", depth))
	fmt.Fprintf(d.w, format, args...)
	d.w.WriteByte('\n')
}

func (d *dumper) program(p *Program) {
	d.line(0, "Program")
	if p == nil {
		return
	}
	for _, i := range p.Includes {
		d.line(1, "include: %s", i.Path)
	}
	for _, def := range p.Defines {
		if def.Value == "" {
			d.line(1, "define: %s", def.Name)
		} else {
			d.line(1, "define: %s %s", def.Name, def.Value)
		}
	}
	for _, c := range p.CDefs {
		d.line(1, "cdef: %s", oneLine(c.Text))
	}
	if len(p.Config) > 0 {
		d.line(1, "config")
		for _, e := range p.Config {
			d.line(2, "%s", e.Name)
			d.expr(3, e.Value)
		}
	}
	for _, pr := range p.Probes {
		for _, ap := range pr.AttachPoints {
			d.line(1, "%s", ap.Raw)
		}
		if pr.Pred != nil {
			d.line(2, "pred")
			d.expr(3, pr.Pred)
		}
		if pr.Body != nil {
			d.stmts(2, pr.Body.Stmts)
		}
	}
}

// oneLine collapses white space runs so a multi-line C definition fits on
// one dump line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func (d *dumper) stmts(depth int, list []Stmt) {
	for _, s := range list {
		d.stmt(depth, s)
	}
}

func (d *dumper) block(depth int, b *Block) {
	if b != nil {
		d.stmts(depth, b.Stmts)
	}
}

func (d *dumper) stmt(depth int, s Stmt) {
	switch s := s.(type) {
	case *ExprStmt:
		d.expr(depth, s.X)
	case *AssignStmt:
		d.line(depth, "%s", s.Op)
		d.expr(depth+1, s.Target)
		d.expr(depth+1, s.Value)
	case *IfStmt:
		d.line(depth, "if")
		d.expr(depth+1, s.Cond)
		d.line(depth+1, "then")
		d.block(depth+2, s.Then)
		if s.Else != nil {
			d.line(depth+1, "else")
			if b, ok := s.Else.(*Block); ok {
				d.block(depth+2, b)
			} else {
				d.stmt(depth+2, s.Else)
			}
		}
	case *UnrollStmt:
		d.line(depth, "unroll")
		d.expr(depth+1, s.Count)
		d.line(depth+1, "block")
		d.block(depth+2, s.Body)
	case *WhileStmt:
		d.line(depth, "while")
		d.expr(depth+1, s.Cond)
		d.line(depth+1, "block")
		d.block(depth+2, s.Body)
	case *ForStmt:
		d.line(depth, "for")
		d.expr(depth+1, s.Var)
		d.expr(depth+1, s.Map)
		d.line(depth+1, "block")
		d.block(depth+2, s.Body)
	case *JumpStmt:
		d.line(depth, "%s", s.Kind)
	case *Block:
		d.line(depth, "block")
		d.block(depth+1, s)
	case nil:
		d.line(depth, "<nil>")
	default:
		d.line(depth, "<%T>", s)
	}
}

func (d *dumper) expr(depth int, e Expr) {
	switch e := e.(type) {
	case *IntLit:
		d.line(depth, "int: %d", e.Value)
	case *StrLit:
		d.line(depth, "string: %s", escape(e.Value))
	case *Ident:
		d.line(depth, "identifier: %s", e.Name)
	case *Positional:
		if e.Count {
			d.line(depth, "param: $#")
		} else {
			d.line(depth, "param: $%d", e.N)
		}
	case *Var:
		d.line(depth, "variable: $%s", e.Name)
	case *MapRef:
		d.line(depth, "map: @%s", e.Name)
		for _, k := range e.Keys {
			d.expr(depth+1, k)
		}
	case *Call:
		d.line(depth, "call: %s", e.Name)
		for _, a := range e.Args {
			d.expr(depth+1, a)
		}
	case *Binary:
		d.line(depth, "%s", e.Op)
		d.expr(depth+1, e.X)
		d.expr(depth+1, e.Y)
	case *Unary:
		op := e.Op
		switch op {
		case "*":
			op = "dereference"
		case "&":
			op = "address-of"
		}
		d.line(depth, "%s", op)
		d.expr(depth+1, e.X)
	case *IncDec:
		if e.Prefix {
			d.line(depth, "%s (pre)", e.Op)
		} else {
			d.line(depth, "%s (post)", e.Op)
		}
		d.expr(depth+1, e.X)
	case *Ternary:
		d.line(depth, "?:")
		d.expr(depth+1, e.Cond)
		d.expr(depth+1, e.Then)
		d.expr(depth+1, e.Else)
	case *Field:
		if e.Arrow {
			d.line(depth, "->")
		} else {
			d.line(depth, ".")
		}
		d.expr(depth+1, e.X)
		d.line(depth+1, "%s", e.Name)
	case *TupleIndex:
		d.line(depth, ".")
		d.expr(depth+1, e.X)
		d.line(depth+1, "%d", e.Index)
	case *Index:
		d.line(depth, "[]")
		d.expr(depth+1, e.X)
		d.expr(depth+1, e.Index)
	case *Tuple:
		d.line(depth, "tuple:")
		for _, x := range e.Elems {
			d.expr(depth+1, x)
		}
	case *Cast:
		d.line(depth, "(%s)", e.Type)
		d.expr(depth+1, e.X)
	case *Sizeof:
		d.line(depth, "sizeof")
		if e.Type != nil {
			d.line(depth+1, "type: %s", e.Type)
		} else {
			d.expr(depth+1, e.X)
		}
	case nil:
		d.line(depth, "<nil>")
	default:
		d.line(depth, "<%T>", e)
	}
}

// String renders the type as bpftrace prints it in casts, e.g.
// "struct task_struct*" or "int8[4]".
func (t *TypeName) String() string {
	if t == nil {
		return "<nil>"
	}
	s := t.Name + strings.Repeat("*", t.Ptr)
	if t.Array > 0 {
		s += "[" + strconv.Itoa(t.Array) + "]"
	}
	return s
}

// escape shows control characters, quotes and backslashes of a string
// literal as C escapes so a dump line never spans two lines.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		default:
			if c < 0x20 || c >= 0x7f {
				fmt.Fprintf(&b, `\x%02x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

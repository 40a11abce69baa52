package ast

import "reflect"

// Walk visits n and the nodes below it in pre-order (source order). The
// children of a node are visited only when fn returns true for it. Nil
// nodes are skipped. Type names (in casts and sizeof) are visited as
// children of their node.
func Walk(n Node, fn func(Node) bool) {
	if isNil(n) || !fn(n) {
		return
	}
	switch n := n.(type) {
	case *Program:
		for _, x := range n.Includes {
			Walk(x, fn)
		}
		for _, x := range n.Defines {
			Walk(x, fn)
		}
		for _, x := range n.CDefs {
			Walk(x, fn)
		}
		for _, x := range n.Config {
			Walk(x, fn)
		}
		for _, x := range n.Probes {
			Walk(x, fn)
		}
	case *ConfigEntry:
		walkExpr(n.Value, fn)
	case *Probe:
		for _, x := range n.AttachPoints {
			Walk(x, fn)
		}
		walkExpr(n.Pred, fn)
		Walk(n.Body, fn)
	case *Block:
		for _, s := range n.Stmts {
			walkStmt(s, fn)
		}
	case *ExprStmt:
		walkExpr(n.X, fn)
	case *AssignStmt:
		walkExpr(n.Target, fn)
		walkExpr(n.Value, fn)
	case *IfStmt:
		walkExpr(n.Cond, fn)
		Walk(n.Then, fn)
		walkStmt(n.Else, fn)
	case *UnrollStmt:
		walkExpr(n.Count, fn)
		Walk(n.Body, fn)
	case *WhileStmt:
		walkExpr(n.Cond, fn)
		Walk(n.Body, fn)
	case *ForStmt:
		Walk(n.Var, fn)
		Walk(n.Map, fn)
		Walk(n.Body, fn)
	case *MapRef:
		for _, k := range n.Keys {
			walkExpr(k, fn)
		}
	case *Call:
		for _, a := range n.Args {
			walkExpr(a, fn)
		}
	case *Binary:
		walkExpr(n.X, fn)
		walkExpr(n.Y, fn)
	case *Unary:
		walkExpr(n.X, fn)
	case *IncDec:
		walkExpr(n.X, fn)
	case *Ternary:
		walkExpr(n.Cond, fn)
		walkExpr(n.Then, fn)
		walkExpr(n.Else, fn)
	case *Field:
		walkExpr(n.X, fn)
	case *TupleIndex:
		walkExpr(n.X, fn)
	case *Index:
		walkExpr(n.X, fn)
		walkExpr(n.Index, fn)
	case *Tuple:
		for _, e := range n.Elems {
			walkExpr(e, fn)
		}
	case *Cast:
		Walk(n.Type, fn)
		walkExpr(n.X, fn)
	case *Sizeof:
		Walk(n.Type, fn)
		walkExpr(n.X, fn)
	}
}

func walkExpr(e Expr, fn func(Node) bool) {
	if e != nil {
		Walk(e, fn)
	}
}

func walkStmt(s Stmt, fn func(Node) bool) {
	if s != nil {
		Walk(s, fn)
	}
}

// isNil reports whether n is nil or a typed nil pointer, so Walk can take
// optional fields such as Sizeof.Type without checks at every call.
func isNil(n Node) bool {
	if n == nil {
		return true
	}
	v := reflect.ValueOf(n)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

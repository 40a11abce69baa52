package check

import (
	"math"
	"strconv"
	"strings"

	"gtrace/lang/ast"
	"gtrace/lang/diag"
	"gtrace/lang/probe"
	"gtrace/lang/types"
)

// scope checks the statements and expressions of one instance during one
// pass.
type scope struct {
	c  *checker
	in *Instance
	// defined are the variables assigned so far in this pass, in source
	// order.
	defined map[string]bool
	// loops is the depth of enclosing while loops.
	loops int
	// aggOK is set while checking the right-hand side of a map
	// assignment, the one place an aggregation call may appear.
	aggOK bool
}

func (s *scope) begin() {
	s.in.Types = map[ast.Expr]*types.Type{}
	s.in.Consts = map[ast.Expr]Const{}
	if s.in.Vars == nil {
		s.in.Vars = map[string]*Var{}
	}
	s.defined = map[string]bool{}
	if s.in.Kind == probe.Tracepoint && len(s.in.Attach) == 1 && s.in.Args == nil && s.c.cfg.Kernel != nil {
		a := s.in.Attach[0]
		if f, err := s.c.cfg.Kernel.TracepointFormat(a.Target, a.Func); err == nil {
			s.in.Tracepoint = f
			s.in.Args = argsRecord(f, s.c.prog.StrLen)
		}
	}
}

func (s *scope) block(b *ast.Block) {
	for _, st := range b.Stmts {
		s.stmt(st)
	}
}

func (s *scope) stmt(st ast.Stmt) {
	switch st := st.(type) {
	case *ast.Block:
		s.block(st)
	case *ast.ExprStmt:
		s.expr(st.X)
	case *ast.AssignStmt:
		s.assign(st)
	case *ast.IfStmt:
		s.cond(st.Cond, "if")
		s.block(st.Then)
		if st.Else != nil {
			s.stmt(st.Else)
		}
	case *ast.UnrollStmt:
		s.expr(st.Count)
		v, ok := s.in.Consts[st.Count]
		// bpftrace underlines "unroll(N)".
		head := diag.Span{Start: st.Pos.Start, End: st.Count.Span().End}
		head.End.Col++
		head.End.Offset++
		switch {
		case !ok || v.IsStr:
			s.c.errorf(head, "unroll count must be a constant integer")
		case int64(v.Int) > 100:
			s.c.errorf(head, "unroll maximum value is 100")
		case int64(v.Int) < 1:
			s.c.errorf(head, "unroll minimum value is 1")
		}
		s.block(st.Body)
	case *ast.WhileStmt:
		if s.c.cfg.Features.NoLoops {
			s.c.errorf(st.Pos, "Kernel does not support bounded loops (needs Linux 5.3)")
		}
		s.cond(st.Cond, "while")
		s.loops++
		s.block(st.Body)
		s.loops--
	case *ast.ForStmt:
		s.c.errorf(st.Pos, "for loops over maps are not supported yet by gtrace")
	case *ast.JumpStmt:
		if st.Kind != "return" && s.loops == 0 {
			s.c.errorf(st.Pos, "%s used outside of a loop", st.Kind)
		}
	}
}

func (s *scope) cond(e ast.Expr, what string) {
	t := s.expr(e)
	if t != nil && !t.IsScalar() {
		s.c.errorf(e.Span(), "Invalid condition in %s(): %s", what, t)
	}
}

// assign checks `target op value`.
func (s *scope) assign(st *ast.AssignStmt) {
	switch target := st.Target.(type) {
	case *ast.Var:
		if st.Op != "=" {
			s.compoundVar(target, st)
			return
		}
		t := s.expr(st.Value)
		if t == nil {
			return
		}
		if !assignable(t) {
			s.c.errorf(st.Value.Span(), "Invalid expression for assignment: %s", t)
			return
		}
		s.defineVar(target, t, st.OpPos)
	case *ast.MapRef:
		if st.Op != "=" {
			t := s.expr(st.Value)
			if t != nil && !t.IsInt() {
				s.c.errorf(st.Value.Span(), "Type mismatch for %s: trying to apply '%s' to a value of type '%s'", mapDisplayName(target), st.Op, t)
				return
			}
			s.assignMap(target, types.Int64, st.OpPos)
			return
		}
		s.aggOK = true
		t := s.expr(st.Value)
		s.aggOK = false
		if t == nil {
			return
		}
		if !assignable(t) && t.Kind != types.Agg {
			s.c.errorf(st.Value.Span(), "Invalid expression for assignment: %s", t)
			return
		}
		s.assignMap(target, t, st.OpPos)
	default:
		s.c.errorf(st.Target.Span(), "Invalid assignment target")
	}
}

// assignable reports whether values of type t can be stored in variables
// and maps.
func assignable(t *types.Type) bool {
	switch t.Kind {
	case types.Int, types.String, types.Tuple, types.Pointer, types.Opaque, types.Buffer, types.Array:
		return true
	}
	return false
}

func (s *scope) compoundVar(v *ast.Var, st *ast.AssignStmt) {
	vt := s.expr(v)
	t := s.expr(st.Value)
	if vt == nil || t == nil {
		return
	}
	if !vt.IsScalar() || !t.IsScalar() {
		s.c.errorf(st.Pos, "Type mismatch for '%s': comparing '%s' with '%s'", st.Op, vt, t)
	}
}

func (s *scope) defineVar(v *ast.Var, t *types.Type, opPos diag.Span) {
	s.in.Types[v] = t
	old := s.in.Vars[v.Name]
	s.defined[v.Name] = true
	if old == nil {
		s.in.Vars[v.Name] = &Var{Name: v.Name, Type: t, Pos: v.Pos}
		s.in.VarOrder = append(s.in.VarOrder, v.Name)
		s.c.changed = true
		return
	}
	u, ok := unify(old.Type, t)
	if !ok && old.Type.Kind == types.Tuple && t.Kind == types.Tuple {
		s.c.errorf(opPos, "Tuple type mismatch: %s != %s.", old.Type, t)
		return
	}
	if !ok {
		s.c.errorf(opPos, "Type mismatch for $%s: trying to assign value of type '%s' when variable already contains a value of type '%s'", v.Name, t, old.Type)
		return
	}
	if !types.Equal(u, old.Type) {
		old.Type = u
		s.c.changed = true
	}
	s.in.Types[v] = old.Type
}

// unify returns the type that holds values of both a and b: integers mix
// freely (the first one's signedness wins), strings widen to the larger
// size, tuples unify element by element.
func unify(a, b *types.Type) (*types.Type, bool) {
	if a.Kind != b.Kind {
		return nil, false
	}
	switch a.Kind {
	case types.Int:
		if a.Bits == 64 || types.Equal(a, b) {
			return a, true
		}
		return types.IntOf(64, a.Signed), true
	case types.String:
		if b.Bytes > a.Bytes {
			return b, true
		}
		return a, true
	case types.Tuple:
		if len(a.Fields) != len(b.Fields) {
			return nil, false
		}
		elems := make([]*types.Type, len(a.Fields))
		for i := range a.Fields {
			u, ok := unify(a.Fields[i].Type, b.Fields[i].Type)
			if !ok {
				return nil, false
			}
			elems[i] = u
		}
		return types.TupleOf(elems...), true
	case types.Agg:
		return a, a.Agg == b.Agg && a.AggParams == b.AggParams
	}
	return a, types.Equal(a, b)
}

// assignMap records that target receives a value of type t.
// opPos is the assignment operator, where tuple mismatches are reported.
func (s *scope) assignMap(ref *ast.MapRef, t *types.Type, opPos diag.Span) {
	name := mapDisplayName(ref)
	m := s.c.mapFor(name, ref.Span())
	s.mapKeys(ref, m, true)
	if m.Value == nil {
		m.Value = t
		s.c.changed = true
		s.in.Types[ref] = t
		return
	}
	if t.Kind == types.Agg || m.Value.Kind == types.Agg {
		if m.Value.Kind == types.Agg && t.Kind == types.Agg && m.Value.Agg == types.AggLhist && t.Agg == types.AggLhist && m.Value.AggParams != t.AggParams {
			s.c.errorf(ref.Span(), "Different lhist bounds in a single map unsupported")
			return
		}
	}
	u, ok := unify(m.Value, t)
	if !ok && m.Value.Kind == types.Tuple && t.Kind == types.Tuple {
		s.c.errorf(opPos, "Tuple type mismatch: %s != %s.", m.Value, t)
		return
	}
	if !ok {
		s.c.errorf(ref.Span(), "Type mismatch for %s: trying to assign value of type '%s' when map already contains a value of type '%s'", name, t, m.Value)
		return
	}
	if !types.Equal(u, m.Value) {
		m.Value = u
		s.c.changed = true
	}
	s.in.Types[ref] = m.Value
}

// mapKeys checks the subscripts of ref against m's key type, extending
// the key type when assign is set.
func (s *scope) mapKeys(ref *ast.MapRef, m *Map, assign bool) {
	var kts []*types.Type
	for _, k := range ref.Keys {
		t := s.expr(k)
		if t == nil {
			return
		}
		if !assignable(t) {
			s.c.errorf(k.Span(), "%s cannot be used as a map key", t)
			return
		}
		kts = append(kts, t)
	}
	var kt *types.Type
	switch len(kts) {
	case 0:
	case 1:
		kt = kts[0]
		if kt.Kind == types.Tuple {
			s.c.errorf(ref.Span(), "tuple cannot be used as a map key. Try a multi-key associative array instead (eg `@map[$1, $2] = ...)`.")
			return
		}
	default:
		kt = types.TupleOf(kts...)
	}
	if m.Key == nil && m.KeyArity == 0 && m.Value == nil {
		m.KeyArity = len(kts)
		m.Key = kt
		s.c.changed = true
		return
	}
	if len(kts) != m.KeyArity {
		if len(kts) == 0 || m.KeyArity == 0 {
			s.c.errorf(ref.Span(), "%s used as a map with and without keys", mapDisplayName(ref))
			return
		}
		s.c.errorf(ref.Span(), "Argument mismatch for %s: trying to access with arguments: %s when map expects arguments: %s",
			mapDisplayName(ref), describeKeys(kts), describeKeys(keyTypes(m.Key, m.KeyArity)))
		return
	}
	if kt == nil {
		return
	}
	if m.Key == nil {
		m.Key = kt
		s.c.changed = true
		return
	}
	u, ok := unify(m.Key, kt)
	if !ok {
		s.c.errorf(ref.Span(), "Argument mismatch for %s: trying to access with arguments: %s when map expects arguments: %s",
			mapDisplayName(ref), describeKeys(kts), describeKeys(keyTypes(m.Key, m.KeyArity)))
		return
	}
	if !types.Equal(u, m.Key) {
		m.Key = u
		s.c.changed = true
	}
}

// expr checks e and returns its type, or nil after an error (or, before
// the final pass, when the type is not known yet).
func (s *scope) expr(e ast.Expr) *types.Type {
	aggOK := s.aggOK
	s.aggOK = false
	t := s.expr1(e, aggOK)
	if t != nil {
		if _, isMap := e.(*ast.MapRef); t.Kind == types.Agg && !aggOK && !isMap {
			s.c.errorf(e.Span(), "%s() should be directly assigned to a map", t.Agg)
			return nil
		}
		s.in.Types[e] = t
	}
	return t
}

func (s *scope) expr1(e ast.Expr, aggOK bool) *types.Type {
	switch e := e.(type) {
	case *ast.IntLit:
		s.in.Consts[e] = Const{Int: e.Value}
		if e.Value > math.MaxInt64 {
			return types.Uint64
		}
		return types.Int64
	case *ast.StrLit:
		s.in.Consts[e] = Const{Str: e.Value, IsStr: true}
		return types.StringOf(len(e.Value) + 1)
	case *ast.Positional:
		return s.positional(e)
	case *ast.Var:
		v := s.in.Vars[e.Name]
		if v == nil || !s.defined[e.Name] {
			s.c.errorf(e.Pos, "Undefined or undeclared variable: $%s", e.Name)
			return nil
		}
		return v.Type
	case *ast.MapRef:
		return s.mapRead(e)
	case *ast.Ident:
		b := s.c.cfg.Builtins.Var(e.Name)
		if b == nil {
			s.c.errorf(e.Pos, "Unknown identifier: '%s'", e.Name)
			return nil
		}
		return b.Check(&Use{Node: e, Name: e.Name, s: s})
	case *ast.Call:
		b := s.c.cfg.Builtins.Func(e.Name)
		if b == nil {
			s.c.errorf(e.NamePos, "Unknown function: %s", e.Name)
			return nil
		}
		s.aggOK = aggOK
		t := b.Check(&Use{Node: e, Name: e.Name, Args: e.Args, s: s})
		s.aggOK = false
		return t
	case *ast.Binary:
		return s.binary(e)
	case *ast.Unary:
		return s.unary(e)
	case *ast.IncDec:
		return s.incDec(e)
	case *ast.Ternary:
		return s.ternary(e)
	case *ast.Field:
		return s.field(e)
	case *ast.TupleIndex:
		t := s.expr(e.X)
		if t == nil {
			return nil
		}
		if t.Kind != types.Tuple {
			s.c.errorf(e.Pos, "Can not access index '%d' on expression of type '%s'", e.Index, t)
			return nil
		}
		if e.Index < 0 || e.Index >= len(t.Fields) {
			s.c.errorf(e.Pos, "Invalid tuple index: %d. Found %d elements in tuple.", e.Index, len(t.Fields))
			return nil
		}
		return t.Fields[e.Index].Type
	case *ast.Index:
		return s.index(e)
	case *ast.Tuple:
		elems := make([]*types.Type, len(e.Elems))
		for i, x := range e.Elems {
			t := s.expr(x)
			if t == nil {
				return nil
			}
			if !assignable(t) {
				s.c.errorf(x.Span(), "Invalid tuple element type: %s", t)
				return nil
			}
			elems[i] = t
		}
		return types.TupleOf(elems...)
	case *ast.Cast:
		return s.cast(e)
	case *ast.Sizeof:
		var t *types.Type
		if e.Type != nil {
			t = s.typeName(e.Type, e.Pos)
		} else {
			t = s.expr(e.X)
		}
		if t == nil {
			return nil
		}
		size := t.Size()
		if t.IsInt() {
			size = t.Bits / 8
		}
		s.in.Consts[e] = Const{Int: uint64(size)}
		return types.Uint64
	}
	s.c.errorf(e.Span(), "unsupported expression")
	return nil
}

func (s *scope) positional(e *ast.Positional) *types.Type {
	params := s.c.cfg.Params
	if e.Count {
		s.in.Consts[e] = Const{Int: uint64(len(params))}
		return types.Int64
	}
	if e.N < 1 {
		s.c.errorf(e.Pos, "$%d is not a valid positional parameter (they start at $1)", e.N)
		return nil
	}
	if e.N > len(params) {
		s.in.Consts[e] = Const{}
		return types.Int64
	}
	p := params[e.N-1]
	if n, err := strconv.ParseInt(p, 0, 64); err == nil {
		s.in.Consts[e] = Const{Int: uint64(n)}
		return types.Int64
	}
	if n, err := strconv.ParseUint(p, 0, 64); err == nil {
		s.in.Consts[e] = Const{Int: n}
		return types.Uint64
	}
	s.c.errorf(e.Pos, "$%d used numerically but given \"%s\". Try using str($%d).", e.N, p, e.N)
	return nil
}

func (s *scope) mapRead(e *ast.MapRef) *types.Type {
	name := mapDisplayName(e)
	m := s.c.prog.Maps[name]
	if m == nil {
		// Create it so a later assignment in another probe can type it.
		m = s.c.mapFor(name, e.Span())
	}
	s.mapKeys(e, m, false)
	if m.Value == nil {
		return nil
	}
	// An aggregation read as a value is a type mismatch wherever it is
	// used, as in bpftrace 0.17.
	return m.Value
}

func (s *scope) incDec(e *ast.IncDec) *types.Type {
	switch x := e.X.(type) {
	case *ast.Var:
		t := s.expr(x)
		if t == nil {
			return nil
		}
		if !t.IsInt() {
			s.c.errorf(e.Pos, "The %s operator can only be used on integers", e.Op)
			return nil
		}
		return t
	case *ast.MapRef:
		m := s.c.prog.Maps[mapDisplayName(x)]
		if m == nil || m.Value == nil {
			s.assignMap(x, types.Int64, e.Pos)
			return types.Int64
		}
		s.mapKeys(x, m, true)
		if !m.Value.IsInt() {
			s.c.errorf(e.Pos, "The %s operator can only be used on maps holding integers, not %s", e.Op, m.Value)
			return nil
		}
		s.in.Types[x] = m.Value
		return m.Value
	}
	s.c.errorf(e.Pos, "The %s operator must be applied to a map or variable", e.Op)
	return nil
}

func (s *scope) binary(e *ast.Binary) *types.Type {
	l, r := s.expr(e.X), s.expr(e.Y)
	if l == nil || r == nil {
		return nil
	}
	switch e.Op {
	case "==", "!=", "<", ">", "<=", ">=":
		if l.IsString() && r.IsString() {
			if e.Op == "==" || e.Op == "!=" {
				return types.Int64
			}
			s.c.errorf(e.OpPos, "The %s operator can not be used on expressions of types %s, %s", e.Op, l, r)
			return nil
		}
		if l.IsScalar() && r.IsScalar() {
			if l.IsInt() && r.IsInt() && l.Signed != r.Signed && !s.isConst(e.X) && !s.isConst(e.Y) {
				s.c.warnf(e.OpPos, "comparison of integers of different signs: '%s' and '%s' can lead to undefined behavior", l, r)
			}
			s.fold(e, l, r)
			return types.Int64
		}
	case "&&", "||":
		if l.IsScalar() && r.IsScalar() {
			s.fold(e, l, r)
			return types.Int64
		}
	default:
		if l.IsScalar() && r.IsScalar() {
			t := types.IntOf(64, l.Signed && r.Signed)
			if l.Kind == types.Pointer && (e.Op == "+" || e.Op == "-") && r.IsInt() {
				t = l
			}
			s.fold(e, t, r)
			return t
		}
	}
	s.c.errorf(e.Pos, "Type mismatch for '%s': comparing '%s' with '%s'", e.Op, l, r)
	return nil
}

func (s *scope) isConst(e ast.Expr) bool {
	_, ok := s.in.Consts[e]
	return ok
}

// fold records the value of a binary operation on two constants.
func (s *scope) fold(e *ast.Binary, t, _ *types.Type) {
	a, ok1 := s.in.Consts[e.X]
	b, ok2 := s.in.Consts[e.Y]
	if !ok1 || !ok2 || a.IsStr || b.IsStr {
		return
	}
	signed := s.in.Types[e.X].Signed && s.in.Types[e.Y].Signed
	if v, ok := FoldBinary(e.Op, a.Int, b.Int, signed); ok {
		s.in.Consts[e] = Const{Int: v}
	}
}

// FoldBinary computes a binary operation on 64-bit operands the way the
// generated code does; ok is false for division by zero.
func FoldBinary(op string, x, y uint64, signed bool) (uint64, bool) {
	b2u := func(b bool) uint64 {
		if b {
			return 1
		}
		return 0
	}
	sx, sy := int64(x), int64(y)
	switch op {
	case "+":
		return x + y, true
	case "-":
		return x - y, true
	case "*":
		return x * y, true
	case "/":
		if y == 0 {
			return 0, false
		}
		if signed {
			if sy == -1 {
				return uint64(-sx), true
			}
			return uint64(sx / sy), true
		}
		return x / y, true
	case "%":
		if y == 0 {
			return 0, false
		}
		if signed {
			if sy == -1 {
				return 0, true
			}
			return uint64(sx % sy), true
		}
		return x % y, true
	case "&":
		return x & y, true
	case "|":
		return x | y, true
	case "^":
		return x ^ y, true
	case "<<":
		return x << (y & 63), true
	case ">>":
		if signed {
			return uint64(sx >> (y & 63)), true
		}
		return x >> (y & 63), true
	case "==":
		return b2u(x == y), true
	case "!=":
		return b2u(x != y), true
	case "<":
		if signed {
			return b2u(sx < sy), true
		}
		return b2u(x < y), true
	case ">":
		if signed {
			return b2u(sx > sy), true
		}
		return b2u(x > y), true
	case "<=":
		if signed {
			return b2u(sx <= sy), true
		}
		return b2u(x <= y), true
	case ">=":
		if signed {
			return b2u(sx >= sy), true
		}
		return b2u(x >= y), true
	case "&&":
		return b2u(x != 0 && y != 0), true
	case "||":
		return b2u(x != 0 || y != 0), true
	}
	return 0, false
}

func (s *scope) unary(e *ast.Unary) *types.Type {
	t := s.expr(e.X)
	if t == nil {
		return nil
	}
	switch e.Op {
	case "!", "~", "-", "+":
		if !t.IsScalar() {
			s.c.errorf(e.Pos, "The %s operator can not be used on expressions of type '%s'", e.Op, t)
			return nil
		}
		if c, ok := s.in.Consts[e.X]; ok && !c.IsStr {
			v := c.Int
			switch e.Op {
			case "!":
				if v == 0 {
					v = 1
				} else {
					v = 0
				}
			case "~":
				v = ^v
			case "-":
				v = -v
			}
			s.in.Consts[e] = Const{Int: v}
		}
		if e.Op == "!" {
			return types.Int64
		}
		if e.Op == "-" && t.IsInt() && !t.Signed {
			// -literal stays signed; negating an unsigned value keeps it
			// unsigned, as in C.
			return types.IntOf(64, false)
		}
		return types.IntOf(64, t.Signed || t.Kind == types.Pointer)
	case "*":
		if t.Kind == types.Pointer && t.Elem != nil && t.Elem.IsInt() {
			return t.Elem
		}
		s.c.errorf(e.Pos, "Can not dereference type '%s' (pointer dereference is not supported yet)", t)
		return nil
	case "&":
		s.c.errorf(e.Pos, "The address-of operator is not supported yet")
		return nil
	}
	s.c.errorf(e.Pos, "unknown operator %s", e.Op)
	return nil
}

func (s *scope) ternary(e *ast.Ternary) *types.Type {
	s.cond(e.Cond, "ternary")
	a, b := s.expr(e.Then), s.expr(e.Else)
	if a == nil || b == nil {
		return nil
	}
	switch {
	case a.IsScalar() && b.IsScalar():
		return types.IntOf(64, a.Signed && b.Signed)
	case a.IsString() && b.IsString():
		u, _ := unify(a, b)
		return u
	}
	s.c.errorf(e.Pos, "Ternary operator must return the same type: have '%s' and '%s'", a, b)
	return nil
}

func (s *scope) field(e *ast.Field) *types.Type {
	t := s.expr(e.X)
	if t == nil {
		return nil
	}
	if t.Kind != types.Record {
		s.c.errorf(e.Pos, "Can not access field '%s' on expression of type '%s'", e.Name, t)
		return nil
	}
	for _, f := range t.Fields {
		if f.Name == e.Name {
			return f.Type
		}
	}
	s.c.errorf(e.Pos, "Struct/union of type '%s' does not contain a field named '%s'", t, e.Name)
	return nil
}

func (s *scope) index(e *ast.Index) *types.Type {
	t := s.expr(e.X)
	it := s.expr(e.Index)
	if t == nil || it == nil {
		return nil
	}
	if !it.IsInt() {
		s.c.errorf(e.Index.Span(), "The array index operator [] requires an integer index")
		return nil
	}
	switch t.Kind {
	case types.Array:
		if c, ok := s.in.Consts[e.Index]; ok && (int64(c.Int) < 0 || int64(c.Int) >= int64(t.Len)) {
			s.c.errorf(e.Index.Span(), "the index %d is out of bounds for array of size %d", int64(c.Int), t.Len)
			return nil
		}
		if _, ok := s.in.Consts[e.Index]; !ok {
			s.c.errorf(e.Index.Span(), "array index must be a constant")
			return nil
		}
		return t.Elem
	case types.Pointer:
		if t.Elem != nil && t.Elem.IsScalar() {
			return t.Elem
		}
	}
	s.c.errorf(e.Pos, "The array index operator [] can not be used on expressions of type '%s'", t)
	return nil
}

// intTypes are the integer type names accepted in casts.
var intTypes = map[string]*types.Type{
	"int8": types.Int8, "int16": types.Int16, "int32": types.Int32, "int64": types.Int64,
	"uint8": types.Uint8, "uint16": types.Uint16, "uint32": types.Uint32, "uint64": types.Uint64,
}

// typeName resolves a type written in a cast or sizeof; span is where
// errors are reported.
func (s *scope) typeName(tn *ast.TypeName, span diag.Span) *types.Type {
	base, ok := intTypes[tn.Name]
	if !ok {
		name := strings.TrimPrefix(strings.TrimPrefix(tn.Name, "struct "), "union ")
		s.c.errorf(span, "Unknown struct/union: '%s'", name)
		return nil
	}
	t := base
	if tn.Array > 0 {
		t = &types.Type{Kind: types.Array, Elem: base, Len: tn.Array}
	}
	for i := 0; i < tn.Ptr; i++ {
		t = &types.Type{Kind: types.Pointer, Bits: 64, Elem: t}
	}
	return t
}

func (s *scope) cast(e *ast.Cast) *types.Type {
	to := s.typeName(e.Type, diag.Span{Start: e.Pos.Start, End: e.X.Span().Start})
	from := s.expr(e.X)
	if to == nil || from == nil {
		return nil
	}
	if !from.IsScalar() || !to.IsScalar() {
		// bpftrace underlines the "(type)" part.
		s.c.errorf(diag.Span{Start: e.Pos.Start, End: e.X.Span().Start}, "Casts are not supported for type: \"%s\"", from)
		return nil
	}
	if c, ok := s.in.Consts[e.X]; ok && to.IsInt() {
		s.in.Consts[e] = Const{Int: Truncate(c.Int, to.Bits, to.Signed)}
	}
	return to
}

// Truncate converts a 64-bit value to an integer of the given width and
// signedness, returning it in canonical 64-bit form.
func Truncate(v uint64, bits int, signed bool) uint64 {
	if bits >= 64 {
		return v
	}
	mask := uint64(1)<<bits - 1
	v &= mask
	if signed && v&(1<<(bits-1)) != 0 {
		v |= ^mask
	}
	return v
}

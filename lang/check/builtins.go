package check

import (
	"gtrace/lang/ast"
	"gtrace/lang/diag"
	"gtrace/lang/probe"
	"gtrace/lang/types"
)

// Builtins is the library of builtin variables and functions the checker
// consults; stdlib provides the real one. Keeping it an interface lets lang
// stay free of code generation.
type Builtins interface {
	// Var returns the builtin variable called name (pid, comm, args ...),
	// or nil.
	Var(name string) Builtin
	// Func returns the builtin function called name (printf, count ...),
	// or nil.
	Func(name string) Builtin
}

// Builtin types one use of a builtin variable or function.
type Builtin interface {
	// Check returns the type of the use, or nil after reporting an error
	// through u.
	Check(u *Use) *types.Type
}

// Use is one use of a builtin: an *ast.Ident for a variable, an *ast.Call
// for a function. Its methods give the builtin access to the checker.
type Use struct {
	// Node is the *ast.Ident or *ast.Call.
	Node ast.Expr
	// Name is the builtin's name.
	Name string
	// Args are the call's arguments (nil for variables).
	Args []ast.Expr
	s    *scope
}

// ArgType checks argument i as a value and returns its type (nil after an
// error in the argument).
func (u *Use) ArgType(i int) *types.Type { return u.s.expr(u.Args[i]) }

// Errorf reports an error at node (the whole use when node is nil) and
// returns nil, so a builtin can `return u.Errorf(...)`.
func (u *Use) Errorf(node ast.Node, format string, args ...any) *types.Type {
	if node == nil {
		node = u.Node
	}
	u.s.c.errorf(node.Span(), format, args...)
	return nil
}

// Warnf reports a warning at node.
func (u *Use) Warnf(node ast.Node, format string, args ...any) {
	u.s.c.warnf(node.Span(), format, args...)
}

// Span is the span of the whole use.
func (u *Use) Span() diag.Span { return u.Node.Span() }

// Kind is the kind of the probe being checked.
func (u *Use) Kind() probe.Kind { return u.s.in.Kind }

// Instance is the program being checked.
func (u *Use) Instance() *Instance { return u.s.in }

// Unsafe reports whether --unsafe was given.
func (u *Use) Unsafe() bool { return u.s.c.cfg.Unsafe }

// StrLen is the configured string size.
func (u *Use) StrLen() int { return u.s.c.prog.StrLen }

// Const returns the compile-time value of argument i, if it has one.
func (u *Use) Const(i int) (Const, bool) {
	u.s.expr(u.Args[i])
	v, ok := u.s.in.Consts[u.Args[i]]
	return v, ok
}

// Params are the positional parameters.
func (u *Use) Params() []string { return u.s.c.cfg.Params }

// MapArg returns the map named by argument i, which must be a map
// reference (for delete, clear, print ...); it checks the keys if any.
func (u *Use) MapArg(i int) (*ast.MapRef, *Map) {
	ref, ok := u.Args[i].(*ast.MapRef)
	if !ok {
		u.Errorf(nil, "%s() expects a map to be provided", u.Name)
		return nil, nil
	}
	m := u.s.c.prog.Maps[mapDisplayName(ref)]
	if m == nil || m.Value == nil {
		if u.s.c.final {
			u.Errorf(ref, "Undefined map: %s", mapDisplayName(ref))
		}
		return ref, nil
	}
	if len(ref.Keys) > 0 {
		u.s.mapKeys(ref, m, false)
	}
	u.s.in.Types[ref] = m.Value
	return ref, m
}

// SetArgType records a type for an argument a builtin checked itself.
func (u *Use) SetArgType(i int, t *types.Type) { u.s.in.Types[u.Args[i]] = t }

// ArgsRecord is the type of `args` in the current probe, or nil.
func (u *Use) ArgsRecord() *types.Type { return u.s.in.Args }

// SetConst records the compile-time value of the use.
func (u *Use) SetConst(v Const) { u.s.in.Consts[u.Node] = v }

// Kernel is the kernel information, possibly nil.
func (u *Use) Kernel() Kernel { return u.s.c.cfg.Kernel }

// Cpid is the -c child's pid, 0 without a child.
func (u *Use) Cpid() int { return u.s.c.cfg.Cpid }

// Package stdlib defines every builtin variable and function of the
// language once: its signature and where it may be used (checked by
// lang/check), the code it compiles to (emitted through codegen/emit), and
// how user space handles what it sends (run by the runtime). Builtins are
// grouped by family, one file each; adding a builtin touches one file.
package stdlib

import (
	"gtrace/codegen/emit"
	"gtrace/lang/check"
	"gtrace/lang/types"
)

// Builtin is one builtin variable or function.
type Builtin struct {
	Name string
	// Check types a use: arguments, where it is allowed.
	Check func(u *check.Use) *types.Type
	// Emit compiles a use that produces a value or an effect.
	Emit func(b *emit.Builder, u *emit.Use) emit.Value
	// Agg compiles `@m[k] = name(args)` for aggregation functions.
	Agg func(b *emit.Builder, a *emit.AggUse)
	// Run handles, in user space, the records the builtin's code sends.
	Run func(rt Runtime, rec *Record) error
}

// checker adapts a Builtin to check.Builtin.
type checker struct{ b *Builtin }

func (c checker) Check(u *check.Use) *types.Type { return c.b.Check(u) }

// registries of builtin variables and functions, filled by the family
// files' init functions and never changed afterwards.
var (
	vars  = map[string]*Builtin{}
	funcs = map[string]*Builtin{}
)

func addVar(b *Builtin)  { vars[b.Name] = b }
func addFunc(b *Builtin) { funcs[b.Name] = b }

// Library returns the builtins in the form the checker consumes.
func Library() check.Builtins { return library{} }

type library struct{}

func (library) Var(name string) check.Builtin {
	if b, ok := vars[name]; ok {
		return checker{b}
	}
	return nil
}

func (library) Func(name string) check.Builtin {
	if b, ok := funcs[name]; ok {
		return checker{b}
	}
	return nil
}

// Func returns the builtin function called name, or nil.
func Func(name string) *Builtin { return funcs[name] }

// EmitVar compiles a builtin variable.
func EmitVar(b *emit.Builder, u *emit.Use) emit.Value {
	bi := vars[u.Name]
	if bi == nil || bi.Emit == nil {
		b.Fail(u.Node.Span(), "%s is not supported by the code generator", u.Name)
		return emit.ImmValue(0, types.Int64)
	}
	return bi.Emit(b, u)
}

// EmitCall compiles a builtin function call.
func EmitCall(b *emit.Builder, u *emit.Use) emit.Value {
	bi := funcs[u.Name]
	if bi == nil || bi.Emit == nil {
		b.Fail(u.Node.Span(), "%s() is not supported by the code generator", u.Name)
		return emit.NoValue
	}
	return bi.Emit(b, u)
}

// EmitAgg compiles an aggregation assignment.
func EmitAgg(b *emit.Builder, a *emit.AggUse) {
	bi := funcs[a.Call.Name]
	if bi == nil || bi.Agg == nil {
		b.Fail(a.Call.Span(), "%s() is not an aggregation", a.Call.Name)
		return
	}
	bi.Agg(b, a)
}

package stdlib

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/cilium/ebpf/asm"

	"gtrace/codegen/emit"
	"gtrace/lang/ast"
	"gtrace/lang/check"
	"gtrace/lang/types"
	"gtrace/stdlib/format"
)

// Output builtins: printf, print, exit, clear, zero, time, cat, system.
// Each sends a ring-buffer record; user space does the work when it
// arrives, in order with everything else the probes print.

func init() {
	addFunc(&Builtin{Name: "printf", Check: formatCheck, Emit: formatEmit, Run: runPrintf})
	addFunc(&Builtin{Name: "cat", Check: formatCheck, Emit: formatEmit, Run: runCat})
	addFunc(&Builtin{
		Name: "system",
		Check: func(u *check.Use) *types.Type {
			if !u.Unsafe() {
				return u.Errorf(nil, "system() is an unsafe function being used in safe mode")
			}
			return formatCheck(u)
		},
		Emit: formatEmit,
		Run:  runSystem,
	})
	addFunc(&Builtin{
		Name: "time",
		Check: func(u *check.Use) *types.Type {
			if len(u.Args) > 1 {
				return u.Errorf(nil, "time() takes up to one argument (%d provided)", len(u.Args))
			}
			if len(u.Args) == 1 {
				if c, ok := u.Const(0); !ok || !c.IsStr {
					return u.Errorf(u.Args[0], "time() expects a string literal")
				}
			}
			return types.VoidT
		},
		Emit: func(b *emit.Builder, u *emit.Use) emit.Value {
			layout := "%H:%M:%S\n"
			if len(u.Args) == 1 {
				c, _ := b.Const(u.Args[0])
				layout = c.Str
			}
			o := b.Module.AddOutput(&emit.Output{Builtin: "time", Format: layout, Pos: u.Node.Span()})
			b.OutputRecord(o, b.NewRecord(o))
			return emit.NoValue
		},
		Run: func(rt Runtime, rec *Record) error {
			return rt.Writer().Message(format.MsgTime, format.Strftime(rec.Out.Format, time.Now()))
		},
	})
	addFunc(&Builtin{
		Name: "exit",
		Check: func(u *check.Use) *types.Type {
			if len(u.Args) > 1 {
				return u.Errorf(nil, "exit() takes up to one argument (%d provided)", len(u.Args))
			}
			if len(u.Args) == 1 {
				if t := u.ArgType(0); t != nil && !t.IsInt() {
					return u.Errorf(u.Args[0], "exit() expects an integer exit code, %s provided", t)
				}
			}
			return types.VoidT
		},
		Emit: func(b *emit.Builder, u *emit.Use) emit.Value {
			o := &emit.Output{Builtin: "exit", Args: types.TupleOf(types.Int64), Pos: u.Node.Span()}
			b.Module.AddOutput(o)
			rec := b.NewRecord(o)
			code := emit.ImmValue(0, types.Int64)
			if len(u.Args) == 1 {
				code = b.Eval(u.Args[0])
			}
			b.StoreValue(rec, 8, code, types.Int64)
			b.OutputRecord(o, rec)
			// exit() ends the probe: nothing after it runs.
			b.Emit(asm.Ja.Label(b.ExitLabel))
			return emit.NoValue
		},
		Run: func(rt Runtime, rec *Record) error {
			rt.Exit(int(rec.Args(rt)[0].Int64()))
			return nil
		},
	})
	addFunc(&Builtin{Name: "clear", Check: mapArgCheck(false), Emit: mapAction("clear"), Run: func(rt Runtime, rec *Record) error {
		return rt.ClearMap(rec.Out.Map)
	}})
	addFunc(&Builtin{Name: "zero", Check: mapArgCheck(false), Emit: mapAction("zero"), Run: func(rt Runtime, rec *Record) error {
		return rt.ZeroMap(rec.Out.Map)
	}})
	addFunc(&Builtin{Name: "print", Check: printCheck, Emit: printEmit, Run: runPrint})
}

// formatCheck checks printf-style calls: a literal format string and
// arguments of the kinds its conversions need.
func formatCheck(u *check.Use) *types.Type {
	if len(u.Args) == 0 {
		return u.Errorf(nil, "%s() requires at least one argument", u.Name)
	}
	c, ok := u.Const(0)
	if !ok || !c.IsStr {
		t := u.ArgType(0)
		if t == nil {
			return nil
		}
		return u.Errorf(nil, "%s() expects a string literal (%s provided)", u.Name, supplied(t))
	}
	f, err := format.Parse(c.Str)
	if err != nil {
		msg := err.Error()
		if pe, ok := err.(*format.ParseError); ok {
			msg = pe.Msg
		}
		return u.Errorf(nil, "%s: %s", u.Name, msg)
	}
	args := u.Args[1:]
	if len(args) < f.NumArgs() {
		return u.Errorf(nil, "%s: Not enough arguments for format string (%d supplied, %d expected)", u.Name, len(args), f.NumArgs())
	}
	if len(args) > f.NumArgs() {
		return u.Errorf(nil, "%s: Too many arguments for format string (%d supplied, %d expected)", u.Name, len(args), f.NumArgs())
	}
	failed := false
	for i, conv := range f.Convs() {
		t := u.ArgType(i + 1)
		if t == nil {
			failed = true
			continue
		}
		if !fits(conv.Arg, t) {
			u.Errorf(nil, "%s: %%%s specifier expects a value of type %s (%s supplied)", u.Name, conv.Verb, conv.Arg, supplied(t))
			failed = true
		}
	}
	if failed {
		return nil
	}
	return types.VoidT
}

// supplied names a type the way bpftrace's printf errors do.
func supplied(t *types.Type) string {
	switch t.Kind {
	case types.Int:
		return "integer"
	case types.String:
		return "string"
	case types.Tuple:
		return "tuple"
	}
	return t.String()
}

// fits reports whether a value of type t can be printed by a conversion
// needing kind k.
func fits(k format.ArgKind, t *types.Type) bool {
	switch k {
	case format.ArgInt, format.ArgChar, format.ArgPointer:
		return t.IsScalar()
	case format.ArgString:
		return t.Kind == types.String || t.Kind == types.Opaque
	case format.ArgBuffer:
		return t.Kind == types.Buffer
	}
	return false
}

// formatEmit sends the arguments of a printf-style call in one record.
func formatEmit(b *emit.Builder, u *emit.Use) emit.Value {
	c, _ := b.Const(u.Args[0])
	f, _ := format.Parse(c.Str)
	argTypes := make([]*types.Type, len(u.Args)-1)
	for i, a := range u.Args[1:] {
		argTypes[i] = b.Type(a)
	}
	o := &emit.Output{Builtin: u.Name, Format: c.Str, Data: f, Pos: u.Node.Span()}
	if len(argTypes) > 0 {
		o.Args = types.TupleOf(argTypes...)
	}
	b.Module.AddOutput(o)
	rec := b.NewRecord(o)
	for i, a := range u.Args[1:] {
		f := o.Args.Fields[i]
		b.EvalTo(a, rec, 8+f.Offset, f.Type)
	}
	b.OutputRecord(o, rec)
	return emit.NoValue
}

// render formats a printf-style record.
func render(rt Runtime, rec *Record) ([]byte, error) {
	f := rec.Out.Data.(*format.Format)
	return f.Append(nil, rec.Args(rt))
}

func runPrintf(rt Runtime, rec *Record) error {
	return rt.Writer().Printf(rec.Out.Data.(*format.Format), rec.Args(rt))
}

// catMax is bpftrace's BPFTRACE_CAT_BYTES_MAX default.
const catMax = 10240

func runCat(rt Runtime, rec *Record) error {
	path, err := render(rt, rec)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(string(path))
	if err != nil {
		return rt.Writer().Message(format.MsgCat, fmt.Sprintf("ERROR: failed to open file '%s': %v\n", path, err))
	}
	if len(data) > catMax {
		data = data[:catMax]
	}
	return rt.Writer().Message(format.MsgCat, string(data))
}

func runSystem(rt Runtime, rec *Record) error {
	cmd, err := render(rt, rec)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	c := exec.Command("/bin/sh", "-c", string(cmd))
	c.Stdout, c.Stderr = &out, &out
	c.Run()
	return rt.Writer().Message(format.MsgSyscall, out.String())
}

// mapAction sends a record asking user space to act on a whole map.
func mapAction(name string) func(b *emit.Builder, u *emit.Use) emit.Value {
	return func(b *emit.Builder, u *emit.Use) emit.Value {
		ref := u.Args[0].(*ast.MapRef)
		o := b.Module.AddOutput(&emit.Output{Builtin: name, Map: "@" + ref.Name, Pos: u.Node.Span()})
		b.OutputRecord(o, b.NewRecord(o))
		return emit.NoValue
	}
}

// printCheck accepts print(@map[, top[, div]]) and print(value).
func printCheck(u *check.Use) *types.Type {
	if len(u.Args) == 0 || len(u.Args) > 3 {
		return u.Errorf(nil, "print() requires 1 to 3 arguments (%d provided)", len(u.Args))
	}
	if ref, ok := u.Args[0].(*ast.MapRef); ok && len(ref.Keys) == 0 {
		if _, m := u.MapArg(0); m == nil {
			return nil
		}
		for i := 1; i < len(u.Args); i++ {
			if c, ok := u.Const(i); !ok || c.IsStr {
				return u.Errorf(u.Args[i], "print(): top and div must be integer literals")
			}
		}
		return types.VoidT
	}
	if len(u.Args) > 1 {
		return u.Errorf(nil, "print(): only maps take top and div arguments")
	}
	t := u.ArgType(0)
	if t == nil {
		return nil
	}
	if t.Kind == types.Void || t.Kind == types.Record {
		return u.Errorf(u.Args[0], "print() cannot print a value of type %s", t)
	}
	return types.VoidT
}

func printEmit(b *emit.Builder, u *emit.Use) emit.Value {
	if ref, ok := u.Args[0].(*ast.MapRef); ok && len(ref.Keys) == 0 {
		o := &emit.Output{Builtin: "print", Map: "@" + ref.Name, Pos: u.Node.Span()}
		for _, a := range u.Args[1:] {
			c, _ := b.Const(a)
			o.Params = append(o.Params, int64(c.Int))
		}
		b.Module.AddOutput(o)
		b.OutputRecord(o, b.NewRecord(o))
		return emit.NoValue
	}
	t := b.Type(u.Args[0])
	o := b.Module.AddOutput(&emit.Output{Builtin: "print", Args: types.TupleOf(t), Pos: u.Node.Span()})
	rec := b.NewRecord(o)
	b.EvalTo(u.Args[0], rec, 8, o.Args.Fields[0].Type)
	b.OutputRecord(o, rec)
	return emit.NoValue
}

func runPrint(rt Runtime, rec *Record) error {
	o := rec.Out
	if o.Map != "" {
		var top, div int64
		if len(o.Params) > 0 {
			top = o.Params[0]
		}
		if len(o.Params) > 1 {
			div = o.Params[1]
		}
		return rt.PrintMap(o.Map, top, div)
	}
	return rt.Writer().Value(rec.Args(rt)[0])
}

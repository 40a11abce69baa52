package stdlib

import (
	"gtrace/codegen/emit"
	"gtrace/lang/check"
	"gtrace/lang/types"
)

// strftime(fmt, nsecs) makes a timestamp value: the boot-clock time in
// BPF, formatted with fmt by user space when printed.

func init() {
	addFunc(&Builtin{
		Name: "strftime",
		Check: func(u *check.Use) *types.Type {
			if len(u.Args) != 2 {
				return u.Errorf(nil, "strftime() requires 2 arguments (%d provided)", len(u.Args))
			}
			c, ok := u.Const(0)
			if !ok || !c.IsStr {
				return u.Errorf(u.Args[0], "strftime() expects a string literal as its first argument")
			}
			t := u.ArgType(1)
			if t == nil {
				return nil
			}
			if !t.IsInt() {
				return u.Errorf(u.Args[1], "strftime() expects an integer timestamp, %s provided", t)
			}
			ts := types.OpaqueOf(types.OpaqueTimestamp, 8)
			ts.Name = c.Str
			return ts
		},
		Emit: func(b *emit.Builder, u *emit.Use) emit.Value {
			t := b.Type(u.Node)
			slot := b.ResultSlot(8)
			b.StoreValue(slot, 0, b.Eval(u.Args[1]), types.Uint64)
			return emit.MemValue(slot, t)
		},
	})
}

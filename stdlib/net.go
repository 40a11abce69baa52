package stdlib

import (
	"github.com/cilium/ebpf/asm"

	"gtrace/codegen/emit"
	"gtrace/lang/check"
	"gtrace/lang/types"
)

// ntop([af,] addr) makes an address value printed as text: an integer is
// an IPv4 address in network byte order; a 4- or 16-byte array is IPv4 or
// IPv6. The value is {u64 family (4 or 6), [16]byte address}.

// inetSize is the byte size of an address value.
const inetSize = 24

func init() {
	addFunc(&Builtin{
		Name: "ntop",
		Check: func(u *check.Use) *types.Type {
			if len(u.Args) < 1 || len(u.Args) > 2 {
				return u.Errorf(nil, "ntop() requires 1 or 2 arguments (%d provided)", len(u.Args))
			}
			addr := u.Args[len(u.Args)-1]
			if len(u.Args) == 2 {
				if t := u.ArgType(0); t != nil && !t.IsInt() {
					return u.Errorf(u.Args[0], "ntop() expects an integer address family, %s provided", t)
				}
			}
			t := u.ArgType(len(u.Args) - 1)
			if t == nil {
				return nil
			}
			switch {
			case t.IsInt():
			case t.Kind == types.Array && t.Elem.IsInt() && t.Elem.Bits == 8 && (t.Len == 4 || t.Len == 16):
			default:
				return u.Errorf(addr, "ntop() expects an integer or an array of 4 or 16 bytes, %s provided", t)
			}
			return types.OpaqueOf(types.OpaqueInet, inetSize)
		},
		Emit: func(b *emit.Builder, u *emit.Use) emit.Value {
			addrExpr := u.Args[len(u.Args)-1]
			at := b.Type(addrExpr)
			slot := b.ResultSlot(inetSize)
			v := b.Eval(addrExpr)
			b.Zero(slot, 0, inetSize)
			if at.IsInt() {
				b.ToReg(asm.R1, v)
				b.Store(slot, 8, asm.R1, asm.Word)
				b.StoreImm(slot, 0, 4, asm.DWord)
			} else {
				b.CopySlot(slot, 8, v.Slot, at.Len)
				family := int64(4)
				if at.Len == 16 {
					family = 6
				}
				b.StoreImm(slot, 0, family, asm.DWord)
			}
			return emit.MemValue(slot, types.OpaqueOf(types.OpaqueInet, inetSize))
		},
	})
}

package stdlib

import (
	"strings"

	"github.com/cilium/ebpf/asm"

	"gtrace/codegen/emit"
	"gtrace/lang/ast"
	"gtrace/lang/check"
	"gtrace/lang/types"
	"gtrace/stdlib/format"
)

// String builtins: str() reads a NUL-terminated string from kernel or
// user memory; join() reads an argv-style array of strings.

// joinMax is how many argv entries join() reads, and joinArgSize the
// bytes kept of each, as in bpftrace.
const (
	joinMax     = 16
	joinArgSize = 1024
)

func init() {
	addFunc(&Builtin{Name: "str", Check: strCheck, Emit: strEmit})
	addFunc(&Builtin{
		Name: "join",
		Check: func(u *check.Use) *types.Type {
			if len(u.Args) < 1 || len(u.Args) > 2 {
				return u.Errorf(nil, "join() requires 1 or 2 arguments (%d provided)", len(u.Args))
			}
			t := u.ArgType(0)
			if t == nil {
				return nil
			}
			if !t.IsScalar() {
				return u.Errorf(u.Args[0], "join() expects an array of strings (char **), %s provided", t)
			}
			if len(u.Args) == 2 {
				if c, ok := u.Const(1); !ok || !c.IsStr {
					return u.Errorf(u.Args[1], "join() expects a string literal separator")
				}
			}
			return types.VoidT
		},
		Emit: joinEmit,
		Run: func(rt Runtime, rec *Record) error {
			parts := rec.Args(rt)[0]
			var words []string
			for _, p := range parts.Elems() {
				s := p.Str()
				if s == "" {
					break
				}
				words = append(words, s)
			}
			return rt.Writer().Message(format.MsgJoin, strings.Join(words, rec.Out.Format)+"\n")
		},
	})
}

func strCheck(u *check.Use) *types.Type {
	switch {
	case len(u.Args) < 1:
		return u.Errorf(nil, "str() requires at least one argument (0 provided)")
	case len(u.Args) > 2:
		return u.Errorf(nil, "str() takes up to two arguments (%d provided)", len(u.Args))
	}
	size := u.StrLen()
	if len(u.Args) == 2 {
		t := u.ArgType(1)
		if t == nil {
			return nil
		}
		if !t.IsInt() {
			return u.Errorf(u.Args[1], "str() expects an integer length, %s provided", t)
		}
		if c, ok := u.Const(1); ok {
			if int64(c.Int) < 0 {
				return u.Errorf(u.Args[1], "str() length must be positive")
			}
			if n := int(c.Int) + 1; n < size {
				size = n
			}
		}
	}
	if p, ok := u.Args[0].(*ast.Positional); ok {
		// str($1): the parameter's text, or "" when it is not given.
		v := ""
		if !p.Count && p.N < 1 {
			return u.Errorf(p, "$%d is not a valid positional parameter (they start at $1)", p.N)
		}
		if !p.Count && p.N <= len(u.Params()) {
			v = u.Params()[p.N-1]
		}
		if len(v)+1 < size {
			size = len(v) + 1
		}
		if len(v) >= size {
			v = v[:size-1]
		}
		u.SetArgType(0, types.StringOf(size))
		u.SetConst(check.Const{Str: v, IsStr: true})
		return types.StringOf(size)
	}
	t := u.ArgType(0)
	if t == nil {
		return nil
	}
	if _, field := u.Args[0].(*ast.Field); field && t.IsString() {
		// A __data_loc string field: bpftrace lets str() read it.
		return t
	}
	if !t.IsScalar() {
		return u.Errorf(nil, "str() expects an integer or a pointer type as first argument (%s provided)", t)
	}
	return types.StringOf(size)
}

func strEmit(b *emit.Builder, u *emit.Use) emit.Value {
	t := b.Type(u.Node)
	if c, ok := b.Const(u.Node); ok && c.IsStr {
		return b.StringConst(c.Str, t.Size())
	}
	at := b.Type(u.Args[0])
	if at.IsString() {
		return b.Eval(u.Args[0])
	}
	dst := b.ResultSlot(t.Size())
	ptr := b.Hold(b.Eval(u.Args[0]))
	var n emit.Value
	if len(u.Args) == 2 {
		if _, ok := b.Const(u.Args[1]); !ok {
			n = b.Hold(b.Eval(u.Args[1]))
		}
	}
	b.Zero(dst, 0, t.Size())
	// R2 = the read size: the slot, or n+1 when a run-time length is
	// smaller, as bpftrace reads at most n characters.
	b.Emit(asm.Mov.Imm(asm.R2, int32(t.Size())))
	if n.Type != nil {
		big := b.NewLabel("strlen_ok")
		b.ToReg(asm.R1, n)
		b.Emit(asm.Add.Imm(asm.R1, 1), asm.JGE.Reg(asm.R1, asm.R2, big), asm.Mov.Reg(asm.R2, asm.R1))
		b.Label(big)
	}
	b.ToReg(asm.R3, ptr)
	b.AddrOf(asm.R1, dst)
	readStr(b, at.Space)
	return emit.MemValue(dst, t)
}

// readStr emits probe_read_{user,kernel}_str(R1, R2, R3) for the address
// space; for an unknown space it tests the address: kernel addresses have
// the top bit set on 64-bit architectures.
func readStr(b *emit.Builder, space types.AddrSpace) {
	switch space {
	case types.AddrUser:
		b.Emit(asm.FnProbeReadUserStr.Call())
	case types.AddrKernel:
		b.Emit(asm.FnProbeReadKernelStr.Call())
	default:
		kern, done := b.NewLabel("kstr"), b.NewLabel("str_done")
		b.Emit(asm.JSLT.Imm(asm.R3, 0, kern), asm.FnProbeReadUserStr.Call(), asm.Ja.Label(done))
		b.Label(kern)
		b.Emit(asm.FnProbeReadKernelStr.Call())
		b.Label(done)
	}
}

func joinEmit(b *emit.Builder, u *emit.Use) emit.Value {
	sep := " "
	if len(u.Args) == 2 {
		c, _ := b.Const(u.Args[1])
		sep = c.Str
	}
	strLen := joinArgSize
	elems := make([]*types.Type, joinMax)
	for i := range elems {
		elems[i] = types.StringOf(strLen)
	}
	o := b.Module.AddOutput(&emit.Output{Builtin: "join", Format: sep, Args: types.TupleOf(types.TupleOf(elems...)), Pos: u.Node.Span()})
	space := b.Type(u.Args[0]).Space
	argv := b.Hold(b.Eval(u.Args[0]))
	rec := b.NewRecord(o)
	done := b.NewLabel("join_done")
	ptr := b.AllocScalar()
	readPtr := asm.FnProbeReadUser
	if space == types.AddrKernel {
		readPtr = asm.FnProbeReadKernel
	}
	for i := 0; i < joinMax; i++ {
		// An empty entry ends the list for user space; it is overwritten
		// when argv[i] exists. (The rest of the record is not cleared: it
		// is 16 KiB, and user space stops at the first empty entry.)
		b.StoreImm(rec, 8+i*strLen, 0, asm.Byte)
		// ptr = argv[i]; stop at the NULL that ends argv.
		b.ToRegKeep(asm.R3, argv)
		b.Emit(asm.Add.Imm(asm.R3, int32(8*i)))
		b.AddrOf(asm.R1, ptr)
		b.Emit(asm.Mov.Imm(asm.R2, 8), readPtr.Call(), asm.JNE.Imm(asm.R0, 0, done))
		b.Load(asm.R3, ptr, 0, asm.DWord)
		b.Emit(asm.JEq.Imm(asm.R3, 0, done))
		b.AddrOf(asm.R1, rec.At(8+i*strLen, strLen))
		b.Emit(asm.Mov.Imm(asm.R2, int32(strLen)))
		readStr(b, space)
	}
	b.Label(done)
	b.ReleaseValue(argv)
	b.OutputRecord(o, rec)
	return emit.NoValue
}

// strncmp(a, b, n) is 0 when the first n characters of a and b are equal,
// 1 otherwise. Strings are NUL-padded, so comparing n bytes (bytes past a
// string's end count as NUL) is enough.
func init() {
	addFunc(&Builtin{
		Name: "strncmp",
		Check: func(u *check.Use) *types.Type {
			if len(u.Args) != 3 {
				return u.Errorf(nil, "strncmp() requires 3 arguments (%d provided)", len(u.Args))
			}
			for i := 0; i < 2; i++ {
				if t := u.ArgType(i); t == nil {
					return nil
				} else if !t.IsString() {
					return u.Errorf(u.Args[i], "strncmp() expects string arguments (%s provided)", t)
				}
			}
			if c, ok := u.Const(2); !ok || c.IsStr || int64(c.Int) < 0 {
				return u.Errorf(u.Args[2], "strncmp() expects a non-negative integer literal as its length")
			}
			return types.Uint64
		},
		Emit: func(b *emit.Builder, u *emit.Use) emit.Value {
			c, _ := b.Const(u.Args[2])
			x := b.Eval(u.Args[0])
			y := b.Eval(u.Args[1])
			n := int(c.Int)
			if m := max(x.Type.Size(), y.Type.Size()); n > m {
				n = m
			}
			r, ok := b.AllocReg()
			if !ok {
				b.Fail(u.Node.Span(), "expression too complex: out of registers")
				return emit.ImmValue(0, types.Uint64)
			}
			differ, done := b.NewLabel("ne"), b.NewLabel("cmp_done")
			for i := 0; i < n; i++ {
				loadByte(b, asm.R1, x, i)
				loadByte(b, asm.R2, y, i)
				b.Emit(asm.JNE.Reg(asm.R1, asm.R2, differ))
			}
			b.Emit(asm.Mov.Imm(r, 0), asm.Ja.Label(done))
			b.Label(differ)
			b.Emit(asm.Mov.Imm(r, 1))
			b.Label(done)
			return emit.RegValue(r, types.Uint64)
		},
	})
	addFunc(&Builtin{
		Name: "strcontains",
		Check: func(u *check.Use) *types.Type {
			if len(u.Args) != 2 {
				return u.Errorf(nil, "strcontains() requires 2 arguments (%d provided)", len(u.Args))
			}
			for i := 0; i < 2; i++ {
				if t := u.ArgType(i); t == nil {
					return nil
				} else if !t.IsString() {
					return u.Errorf(u.Args[i], "strcontains() expects string arguments (%s provided)", t)
				}
			}
			if c, ok := u.Const(1); !ok || !c.IsStr {
				return u.Errorf(u.Args[1], "strcontains() needs a string literal as its second argument (gtrace limitation)")
			}
			return types.Uint64
		},
		Emit: strcontainsEmit,
	})
}

// loadByte loads byte i of string value v into dst, or 0 past its end.
func loadByte(b *emit.Builder, dst asm.Register, v emit.Value, i int) {
	if i >= v.Type.Size() {
		b.Emit(asm.Mov.Imm(dst, 0))
		return
	}
	b.Load(dst, v.Slot, i, asm.Byte)
}

// strcontainsEmit tests every position of the haystack against the
// literal needle, unrolled: 1 if found, else 0.
func strcontainsEmit(b *emit.Builder, u *emit.Use) emit.Value {
	c, _ := b.Const(u.Args[1])
	needle := c.Str
	hay := b.Eval(u.Args[0])
	r, ok := b.AllocReg()
	if !ok {
		b.Fail(u.Node.Span(), "expression too complex: out of registers")
		return emit.ImmValue(0, types.Uint64)
	}
	found, done := b.NewLabel("found"), b.NewLabel("contains_done")
	size := hay.Type.Size()
	if needle == "" {
		b.Emit(asm.Mov.Imm(r, 1))
		return emit.RegValue(r, types.Uint64)
	}
	for start := 0; start+len(needle) <= size-1; start++ {
		next := b.NewLabel("next")
		// A NUL before the match position ends the haystack.
		b.Load(asm.R1, hay.Slot, start, asm.Byte)
		b.Emit(asm.JEq.Imm(asm.R1, 0, done))
		for j := 0; j < len(needle); j++ {
			if j > 0 {
				b.Load(asm.R1, hay.Slot, start+j, asm.Byte)
			}
			b.Emit(asm.JNE.Imm(asm.R1, int32(needle[j]), next))
		}
		b.Emit(asm.Ja.Label(found))
		b.Label(next)
	}
	b.Label(done)
	b.Emit(asm.Mov.Imm(r, 0), asm.Ja.Label(done+"_end"))
	b.Label(found)
	b.Emit(asm.Mov.Imm(r, 1))
	b.Label(done + "_end")
	return emit.RegValue(r, types.Uint64)
}

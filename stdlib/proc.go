package stdlib

import (
	"github.com/cilium/ebpf/asm"

	"gtrace/codegen/emit"
	"gtrace/lang/check"
	"gtrace/lang/probe"
	"gtrace/lang/types"
)

// Process and CPU builtins: pid, tid, uid, gid, comm, cpu, cgroup,
// curtask, rand, cpid, nsecs, elapsed, probe, and the context builtins
// that need probe kinds gtrace does not run yet.

func init() {
	helperVar("pid", types.Uint64, asm.FnGetCurrentPidTgid, asm.RSh.Imm(asm.R0, 32))
	helperVar("tid", types.Uint64, asm.FnGetCurrentPidTgid, asm.Mov.Reg32(asm.R0, asm.R0))
	helperVar("uid", types.Uint64, asm.FnGetCurrentUidGid, asm.Mov.Reg32(asm.R0, asm.R0))
	helperVar("gid", types.Uint64, asm.FnGetCurrentUidGid, asm.RSh.Imm(asm.R0, 32))
	helperVar("cpu", types.Uint64, asm.FnGetSmpProcessorId)
	helperVar("cgroup", types.Uint64, asm.FnGetCurrentCgroupId)
	helperVar("curtask", types.Uint64, asm.FnGetCurrentTask)
	helperVar("rand", types.Uint32, asm.FnGetPrandomU32)
	helperVar("nsecs", types.Uint64, asm.FnKtimeGetBootNs)

	addVar(&Builtin{
		Name:  "comm",
		Check: func(u *check.Use) *types.Type { return types.Comm },
		Emit: func(b *emit.Builder, u *emit.Use) emit.Value {
			slot := b.ResultSlot(16)
			b.AddrOf(asm.R1, slot)
			b.Emit(asm.Mov.Imm(asm.R2, 16), asm.FnGetCurrentComm.Call())
			return emit.MemValue(slot, types.Comm)
		},
	})

	addVar(&Builtin{
		Name:  "elapsed",
		Check: func(u *check.Use) *types.Type { return types.Uint64 },
		Emit: func(b *emit.Builder, u *emit.Use) emit.Value {
			// elapsed = now - the start time user space stored in the
			// start map before BEGIN ran.
			mark := b.Mark()
			key := b.AllocScalar()
			b.StoreImm(key, 0, 0, asm.Word)
			b.Module.UsesStart = true
			b.LoadMap(asm.R1, emit.StartMap)
			b.AddrOf(asm.R2, key)
			b.Release(mark)
			r, ok := b.AllocReg()
			if !ok {
				b.Fail(u.Node.Span(), "expression too complex: out of registers")
				return emit.ImmValue(0, types.Uint64)
			}
			zero := b.NewLabel("nostart")
			b.Emit(asm.FnMapLookupElem.Call(), asm.Mov.Imm(r, 0), asm.JEq.Imm(asm.R0, 0, zero),
				asm.LoadMem(r, asm.R0, 0, asm.DWord))
			b.Label(zero)
			b.Emit(asm.FnKtimeGetBootNs.Call(), asm.Sub.Reg(asm.R0, r), asm.Mov.Reg(r, asm.R0))
			return emit.RegValue(r, types.Uint64)
		},
	})

	addVar(&Builtin{
		Name: "cpid",
		Check: func(u *check.Use) *types.Type {
			if u.Cpid() == 0 {
				return u.Errorf(nil, "cpid cannot be used without child command")
			}
			return types.Uint64
		},
		Emit: func(b *emit.Builder, u *emit.Use) emit.Value {
			return emit.ImmValue(int64(b.Module.Opts.Cpid), types.Uint64)
		},
	})

	addVar(&Builtin{
		Name: "probe",
		Check: func(u *check.Use) *types.Type {
			return types.StringOf(len(u.Instance().Name()) + 1)
		},
		Emit: func(b *emit.Builder, u *emit.Use) emit.Value {
			name := b.In.Name()
			return b.StringConst(name, len(name)+1)
		},
	})

	addVar(&Builtin{
		Name: "args",
		Check: func(u *check.Use) *types.Type {
			if u.Kind() != probe.Tracepoint {
				return u.Errorf(nil, "The args builtin can only be used with tracepoint probes (%s used here)", u.Kind())
			}
			rec := u.ArgsRecord()
			if rec == nil {
				return u.Errorf(nil, "args cannot be used: the tracepoint format is unavailable")
			}
			return rec
		},
		Emit: func(b *emit.Builder, u *emit.Use) emit.Value {
			b.Fail(u.Node.Span(), "args can only be used to access its fields, e.g. args->name")
			return emit.ImmValue(0, types.Uint64)
		},
	})

	for _, name := range []string{"retval", "func", "kstack", "ustack", "arg0", "arg1", "arg2", "arg3", "arg4", "arg5", "arg6", "arg7", "arg8", "arg9"} {
		addVar(&Builtin{
			Name: name,
			Check: func(u *check.Use) *types.Type {
				return u.Errorf(nil, "The %s builtin can only be used with kprobe and uprobe probes, which gtrace does not support yet (%s used here)", u.Name, u.Kind())
			},
		})
	}
}

// helperVar defines a builtin variable computed by one helper call and
// optional instructions on R0.
func helperVar(name string, t *types.Type, fn asm.BuiltinFunc, post ...asm.Instruction) {
	addVar(&Builtin{
		Name:  name,
		Check: func(u *check.Use) *types.Type { return t },
		Emit: func(b *emit.Builder, u *emit.Use) emit.Value {
			b.Emit(fn.Call())
			b.Emit(post...)
			// Left in R0: consumers store it or hold it before the next
			// helper call.
			return emit.RegValue(asm.R0, t)
		},
	})
}

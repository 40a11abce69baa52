package stdlib

import (
	"fmt"

	"github.com/cilium/ebpf/asm"

	"gtrace/codegen/emit"
	"gtrace/lang/ast"
	"gtrace/lang/check"
	"gtrace/lang/types"
)

// Aggregations: count, sum, avg, min, max, stats, hist, lhist. They live
// in per-CPU hash maps that user space folds at print time:
//
//	count, sum          u64 per CPU
//	min, max            {i64 value, u64 set} per CPU (set=0: CPU never saw a value)
//	avg, stats          {u64 count, i64 total} per CPU
//	hist, lhist         u64 count per (key, bucket)

func init() {
	addFunc(&Builtin{
		Name: "count",
		Check: func(u *check.Use) *types.Type {
			if !nargs(u, 0, 0) {
				return nil
			}
			return types.AggOf(types.AggCount, false)
		},
		Agg: func(b *emit.Builder, a *emit.AggUse) {
			addToSlot(b, a, emit.ImmValue(1, types.Int64), 0)
		},
	})
	addFunc(&Builtin{
		Name:  "sum",
		Check: aggCheck(types.AggSum, 1),
		Agg: func(b *emit.Builder, a *emit.AggUse) {
			addToSlot(b, a, b.Hold(b.Eval(a.Call.Args[0])), 0)
		},
	})
	addFunc(&Builtin{Name: "min", Check: aggCheck(types.AggMin, 1), Agg: minMax(asm.JSLT)})
	addFunc(&Builtin{Name: "max", Check: aggCheck(types.AggMax, 1), Agg: minMax(asm.JSGT)})
	addFunc(&Builtin{Name: "avg", Check: aggCheck(types.AggAvg, 1), Agg: countTotal})
	addFunc(&Builtin{Name: "stats", Check: aggCheck(types.AggStats, 1), Agg: countTotal})
	addFunc(&Builtin{
		Name:  "hist",
		Check: aggCheck(types.AggHist, 1),
		Agg: func(b *emit.Builder, a *emit.AggUse) {
			v := b.Writable(b.Eval(a.Call.Args[0]))
			emitLog2Bucket(b, v.Reg)
			b.Store(a.Key, a.Map.BucketOff, v.Reg, asm.DWord)
			b.ReleaseValue(v)
			addToSlot(b, a, emit.ImmValue(1, types.Int64), 0)
		},
	})
	addFunc(&Builtin{
		Name: "lhist",
		Check: func(u *check.Use) *types.Type {
			if !nargs(u, 4, 4) {
				return nil
			}
			t := u.ArgType(0)
			if t == nil {
				return nil
			}
			if !t.IsInt() {
				return u.Errorf(u.Args[0], "lhist() expects an integer value, %s provided", t)
			}
			var p [3]int64
			for i := 1; i < 4; i++ {
				c, ok := u.Const(i)
				if !ok || c.IsStr {
					return u.Errorf(u.Args[i], "lhist: invalid %s value (must be non-negative literal)", [...]string{"", "min", "max", "step"}[i])
				}
				p[i-1] = int64(c.Int)
				if p[i-1] < 0 {
					return u.Errorf(u.Args[i], "lhist: invalid %s value (must be non-negative literal)", [...]string{"", "min", "max", "step"}[i])
				}
			}
			switch {
			case p[2] == 0:
				return u.Errorf(nil, "lhist() step must be >= 1 (0 provided)")
			case p[0] > p[1]:
				return u.Errorf(nil, "lhist() min must be less than max (provided min %d and max %d)", p[0], p[1])
			case (p[1]-p[0])/p[2] > 1000:
				return u.Errorf(nil, "lhist() too many buckets, must be <= 1000 (would need %d)", (p[1]-p[0])/p[2])
			}
			at := types.AggOf(types.AggLhist, t.Signed)
			at.AggParams = p
			return at
		},
		Agg: func(b *emit.Builder, a *emit.AggUse) {
			p := a.Map.Value.AggParams
			v := b.Writable(b.Eval(a.Call.Args[0]))
			emitLinearBucket(b, v.Reg, p[0], p[1], p[2])
			b.Store(a.Key, a.Map.BucketOff, v.Reg, asm.DWord)
			b.ReleaseValue(v)
			addToSlot(b, a, emit.ImmValue(1, types.Int64), 0)
		},
	})
}

// nargs checks the argument count of an aggregation call.
func nargs(u *check.Use, min, max int) bool {
	n := len(u.Args)
	if n < min || n > max {
		if min == max {
			u.Errorf(nil, "%s() requires %s (%d provided)", u.Name, countArgs(min), n)
		} else {
			u.Errorf(nil, "%s() requires %d to %d arguments (%d provided)", u.Name, min, max, n)
		}
		return false
	}
	return true
}

// countArgs words an argument count as bpftrace's messages do.
func countArgs(n int) string {
	switch n {
	case 0:
		return "no arguments"
	case 1:
		return "one argument"
	}
	return fmt.Sprintf("%d arguments", n)
}

// aggCheck checks an aggregation taking n integer arguments.
func aggCheck(k types.AggKind, n int) func(u *check.Use) *types.Type {
	return func(u *check.Use) *types.Type {
		if !nargs(u, n, n) {
			return nil
		}
		t := u.ArgType(0)
		if t == nil {
			return nil
		}
		if !t.IsScalar() {
			return u.Errorf(u.Args[0], "%s() expects an integer value, %s provided", u.Name, t)
		}
		return types.AggOf(k, t.Signed)
	}
}

// aggUpdate emits the update of an aggregation for the key of a:
//
//	R0 = lookup(key)
//	if found: change this CPU's value in place through R0 (found)
//	else:     insert the first value (first fills a new value slot)
//
// Inserting with BPF_ANY is safe on a per-CPU map: if another CPU
// inserted the key meanwhile, the update only writes this CPU's slot.
func aggUpdate(b *emit.Builder, a *emit.AggUse, found func(), first func(val emit.Slot)) {
	insert, done := b.NewLabel("agg_insert"), b.NewLabel("agg_done")
	if a.Map.Array {
		// Array elements always exist: no insert path.
		b.Lookup(a.Map, a.Key)
		b.Emit(asm.JEq.Imm(asm.R0, 0, done))
		found()
		b.Label(done)
		return
	}
	b.Lookup(a.Map, a.Key)
	b.Emit(asm.JEq.Imm(asm.R0, 0, insert))
	found()
	b.Emit(asm.Ja.Label(done))
	b.Label(insert)
	mark := b.Mark()
	val := b.AllocSlot(a.Map.ValueSize)
	first(val)
	b.Update(a.Map, a.Key, val, 0)
	b.Release(mark)
	b.Label(done)
}

// addToSlot emits value += v for the key of a (count, sum, hist, lhist).
func addToSlot(b *emit.Builder, a *emit.AggUse, v emit.Value, off int16) {
	aggUpdate(b, a, func() {
		b.Emit(asm.LoadMem(asm.R1, asm.R0, off, asm.DWord))
		if v.Where == emit.Imm && v.Imm == int64(int32(v.Imm)) {
			b.Emit(asm.Add.Imm(asm.R1, int32(v.Imm)))
		} else {
			b.ToRegKeep(asm.R2, v)
			b.Emit(asm.Add.Reg(asm.R1, asm.R2))
		}
		b.Emit(asm.StoreMem(asm.R0, off, asm.R1, asm.DWord))
		if a.Map.Array && a.Map.Agg() == types.AggSum {
			b.Emit(emit.StoreImmInsn(asm.R0, 8, 1, asm.DWord))
		}
	}, func(val emit.Slot) {
		b.StoreValueKeep(val, 0, v, types.Int64)
	})
	b.ReleaseValue(v)
}

// countTotal is avg and stats: count += 1, total += v.
func countTotal(b *emit.Builder, a *emit.AggUse) {
	v := b.Hold(b.Eval(a.Call.Args[0]))
	aggUpdate(b, a, func() {
		b.ToRegKeep(asm.R2, v)
		b.Emit(asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord), asm.Add.Imm(asm.R1, 1), asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord),
			asm.LoadMem(asm.R1, asm.R0, 8, asm.DWord), asm.Add.Reg(asm.R1, asm.R2), asm.StoreMem(asm.R0, 8, asm.R1, asm.DWord))
	}, func(val emit.Slot) {
		b.StoreImm(val, 0, 1, asm.DWord)
		b.StoreValueKeep(val, 8, v, types.Int64)
	})
	b.ReleaseValue(v)
}

// minMax is min and max: replace the value when unset or when better
// (jump op tells "better", signed).
func minMax(better asm.JumpOp) func(b *emit.Builder, a *emit.AggUse) {
	return func(b *emit.Builder, a *emit.AggUse) {
		v := b.Hold(b.Eval(a.Call.Args[0]))
		aggUpdate(b, a, func() {
			set, done := b.NewLabel("set"), b.NewLabel("minmax_done")
			b.ToRegKeep(asm.R2, v)
			b.Emit(asm.LoadMem(asm.R1, asm.R0, 8, asm.DWord), asm.JEq.Imm(asm.R1, 0, set),
				asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord), better.Reg(asm.R2, asm.R1, set), asm.Ja.Label(done))
			b.Label(set)
			b.Emit(asm.StoreMem(asm.R0, 0, asm.R2, asm.DWord), emit.StoreImmInsn(asm.R0, 8, 1, asm.DWord))
			b.Label(done)
		}, func(val emit.Slot) {
			b.StoreValueKeep(val, 0, v, types.Int64)
			b.StoreImm(val, 8, 1, asm.DWord)
		})
		b.ReleaseValue(v)
	}
}

// emitLog2Bucket turns the value in r into its hist bucket index:
// 0 for negatives, 1 for zero, and floor(log2(v)) + 2 otherwise.
func emitLog2Bucket(b *emit.Builder, r asm.Register) {
	neg, zero, end := b.NewLabel("hist_neg"), b.NewLabel("hist_zero"), b.NewLabel("hist_end")
	b.Emit(asm.JSLT.Imm(r, 0, neg), asm.JEq.Imm(r, 0, zero))
	// R1 = floor(log2(r)) by binary search over the bit width: the top
	// half needs a shift to test; the others compare with an immediate.
	skip := b.NewLabel("log2")
	b.Emit(asm.Mov.Imm(asm.R1, 2), asm.Mov.Reg(asm.R2, r), asm.RSh.Imm(asm.R2, 32), asm.JEq.Imm(asm.R2, 0, skip),
		asm.Mov.Reg(r, asm.R2), asm.Add.Imm(asm.R1, 32))
	b.Label(skip)
	for _, shift := range []int32{16, 8, 4, 2, 1} {
		skip := b.NewLabel("log2")
		b.Emit(asm.JLT.Imm(r, 1<<shift, skip), asm.RSh.Imm(r, shift), asm.Add.Imm(asm.R1, shift))
		b.Label(skip)
	}
	b.Emit(asm.Mov.Reg(r, asm.R1), asm.Ja.Label(end))
	b.Label(neg)
	b.Emit(asm.Mov.Imm(r, 0), asm.Ja.Label(end))
	b.Label(zero)
	b.Emit(asm.Mov.Imm(r, 1))
	b.Label(end)
}

// emitLinearBucket turns the value in r into its lhist bucket: 0 below
// min, (v-min)/step+1 inside, and the last bucket at or above max.
func emitLinearBucket(b *emit.Builder, r asm.Register, min, max, step int64) {
	under, over, end := b.NewLabel("lhist_under"), b.NewLabel("lhist_over"), b.NewLabel("lhist_end")
	nb := (max - min) / step
	// cmp jumps to label when r op v, with an immediate when v fits.
	cmp := func(op asm.JumpOp, v int64, label string) {
		if v == int64(int32(v)) {
			b.Emit(op.Imm(r, int32(v), label))
			return
		}
		b.Emit(asm.LoadImm(asm.R1, v, asm.DWord), op.Reg(r, asm.R1, label))
	}
	alu := func(op asm.ALUOp, v int64) {
		if v == int64(int32(v)) {
			b.Emit(op.Imm(r, int32(v)))
			return
		}
		b.Emit(asm.LoadImm(asm.R1, v, asm.DWord), op.Reg(r, asm.R1))
	}
	cmp(asm.JSLT, min, under)
	cmp(asm.JSGE, max, over)
	if min != 0 {
		alu(asm.Sub, min)
	}
	if step != 1 {
		alu(asm.Div, step)
	}
	b.Emit(asm.Add.Imm(r, 1), asm.Ja.Label(end))
	b.Label(under)
	b.Emit(asm.Mov.Imm(r, 0), asm.Ja.Label(end))
	b.Label(over)
	if nb+1 == int64(int32(nb+1)) {
		b.Emit(asm.Mov.Imm(r, int32(nb+1)))
	} else {
		b.Emit(asm.LoadImm(r, nb+1, asm.DWord))
	}
	b.Label(end)
}

// mapArgCheck checks calls like clear(@m) that take a map.
func mapArgCheck(keys bool) func(u *check.Use) *types.Type {
	return func(u *check.Use) *types.Type {
		if len(u.Args) != 1 {
			return u.Errorf(nil, "%s() requires one argument", u.Name)
		}
		ref, m := u.MapArg(0)
		if m == nil {
			return nil
		}
		if keys && len(ref.Keys) == 0 && m.KeyArity > 0 {
			return u.Errorf(u.Args[0], "delete() expects a map element, e.g. delete(@m[key])")
		}
		if !keys && len(ref.Keys) > 0 {
			return u.Errorf(u.Args[0], "%s() expects a map without a key", u.Name)
		}
		return types.VoidT
	}
}

func init() {
	addFunc(&Builtin{
		Name:  "delete",
		Check: mapArgCheck(true),
		Emit: func(b *emit.Builder, u *emit.Use) emit.Value {
			ref := u.Args[0].(*ast.MapRef)
			d := b.Module.Maps["@"+ref.Name]
			if d.IsHist() {
				b.Fail(ref.Span(), "delete() of a single %s() entry is not supported; use clear()", d.Agg())
				return emit.NoValue
			}
			key := b.MapKey(ref, d)
			b.Delete(d, key)
			return emit.NoValue
		},
	})
}

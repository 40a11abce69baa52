package stdlib

import (
	"time"

	"gtrace/codegen/emit"
	"gtrace/lang/types"
	"gtrace/stdlib/format"
)

// Runtime is what the user-space side of a builtin may do; the runtime's
// session implements it.
type Runtime interface {
	// Writer prints trace output in text or JSON mode.
	Writer() *format.Writer
	// Decode turns the bytes of a value of type t into a format.Value.
	Decode(t *types.Type, data []byte) format.Value
	// Exit ends the session with the given exit code.
	Exit(code int)
	// PrintMap prints a map now, keeping the top entries (0: all) and
	// dividing values by div (0 or 1: no division).
	PrintMap(name string, top, div int64) error
	// ClearMap deletes every element of a map; ZeroMap zeroes them.
	ClearMap(name string) error
	ZeroMap(name string) error
	// WallTime converts a boot-clock timestamp (nsecs) to wall time.
	WallTime(bootNs uint64) time.Time
	// Unsafe reports whether --unsafe was given.
	Unsafe() bool
}

// Record is one ring-buffer record for a builtin's Run hook.
type Record struct {
	// Out describes the record.
	Out *emit.Output
	// Data is the record after its 8-byte ID.
	Data []byte
}

// Args decodes the record's argument tuple.
func (r *Record) Args(rt Runtime) []format.Value {
	if r.Out.Args == nil {
		return nil
	}
	fields := r.Out.Args.Fields
	vals := make([]format.Value, len(fields))
	for i, f := range fields {
		end := f.Offset + f.Type.Size()
		if end > len(r.Data) {
			end = len(r.Data)
		}
		vals[i] = rt.Decode(f.Type, r.Data[f.Offset:end])
	}
	return vals
}

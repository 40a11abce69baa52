package runtime

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"gtrace/lang/types"
	"gtrace/stdlib"
	"gtrace/stdlib/format"
)

// The session is the stdlib.Runtime of the builtins' Run hooks.
var _ stdlib.Runtime = (*Session)(nil)

// handle dispatches one ring-buffer record to its builtin.
func (s *Session) handle(raw []byte) {
	if s.stopReason.Load() == stopExit {
		// bpftrace ignores what probes send after exit().
		return
	}
	if len(raw) < 8 {
		return
	}
	id := binary.NativeEndian.Uint64(raw)
	if id >= uint64(len(s.art.Outputs)) {
		fmt.Fprintf(s.opts.Err, "WARNING: unknown event id %d\n", id)
		return
	}
	o := s.art.Outputs[id]
	b := stdlib.Func(o.Builtin)
	if b == nil || b.Run == nil {
		fmt.Fprintf(s.opts.Err, "WARNING: no handler for %s events\n", o.Builtin)
		return
	}
	if err := b.Run(s, &stdlib.Record{Out: o, Data: raw[8:]}); err != nil {
		s.out.Flush()
		fmt.Fprintf(s.opts.Err, "ERROR: %s: %v\n", o.Builtin, err)
	}
}

// Writer implements stdlib.Runtime.
func (s *Session) Writer() *format.Writer { return s.w }

// Exit implements stdlib.Runtime.
func (s *Session) Exit(code int) {
	if s.stopReason.Load() == running {
		s.exitCode = code
	}
	s.stop(stopExit)
}

// Unsafe implements stdlib.Runtime.
func (s *Session) Unsafe() bool { return s.opts.Unsafe }

// WallTime implements stdlib.Runtime: boot-clock nanoseconds to wall time.
func (s *Session) WallTime(bootNs uint64) time.Time {
	return format.BootToWall(bootNs, s.bootOffset)
}

// bootOffset computes wall time minus boot time.
func bootOffset() time.Duration {
	var rt, bt unix.Timespec
	unix.ClockGettime(unix.CLOCK_REALTIME, &rt)
	unix.ClockGettime(unix.CLOCK_BOOTTIME, &bt)
	return time.Duration(rt.Nano() - bt.Nano())
}

// Decode implements stdlib.Runtime: it reads a value of type t laid out as
// the code generator stores it.
func (s *Session) Decode(t *types.Type, data []byte) format.Value {
	u64 := func(b []byte) uint64 {
		if len(b) < 8 {
			var pad [8]byte
			copy(pad[:], b)
			b = pad[:]
		}
		return binary.NativeEndian.Uint64(b)
	}
	switch t.Kind {
	case types.Int:
		return format.IntN(u64(data), t.Bits, t.Signed)
	case types.Pointer:
		return format.Uint(u64(data))
	case types.String:
		if i := bytes.IndexByte(data, 0); i >= 0 {
			data = data[:i]
		}
		return format.Str(string(data))
	case types.Tuple:
		elems := make([]format.Value, len(t.Fields))
		for i, f := range t.Fields {
			end := f.Offset + f.Type.Size()
			if end > len(data) {
				end = len(data)
			}
			elems[i] = s.Decode(f.Type, data[f.Offset:end])
		}
		return format.Tuple(elems...)
	case types.Array:
		es := t.Elem.Size()
		if t.Elem.IsInt() {
			es = t.Elem.Bits / 8
		}
		elems := make([]format.Value, t.Len)
		for i := range elems {
			if (i+1)*es > len(data) {
				break
			}
			var raw [8]byte
			copy(raw[:], data[i*es:(i+1)*es])
			elems[i] = format.IntN(binary.NativeEndian.Uint64(raw[:]), es*8, t.Elem.Signed)
		}
		return format.Tuple(elems...)
	case types.Buffer:
		return format.Bytes(data)
	case types.Opaque:
		switch t.Opaque {
		case types.OpaqueTimestamp:
			return format.Timestamp(s.WallTime(u64(data)), t.Name)
		case types.OpaqueInet:
			if len(data) >= 24 {
				if u64(data) == 4 {
					return format.Inet(data[8:12])
				}
				return format.Inet(data[8:24])
			}
		}
	}
	return format.Value{}
}

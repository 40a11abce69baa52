package kernel

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// BTF kinds whose records must be skipped or matched (linux/btf.h).
const (
	btfKindInt       = 1
	btfKindPtr       = 2
	btfKindArray     = 3
	btfKindStruct    = 4
	btfKindUnion     = 5
	btfKindEnum      = 6
	btfKindFwd       = 7
	btfKindTypedef   = 8
	btfKindVolatile  = 9
	btfKindConst     = 10
	btfKindRestrict  = 11
	btfKindFunc      = 12
	btfKindFuncProto = 13
	btfKindVar       = 14
	btfKindDatasec   = 15
	btfKindFloat     = 16
	btfKindDeclTag   = 17
	btfKindTypeTag   = 18
	btfKindEnum64    = 19
)

const btfMagic = 0xeb9f

// btfFuncIDs returns the type IDs of the BTF_KIND_FUNC types called by one
// of names in raw, unsplit BTF (the format of /sys/kernel/btf/vmlinux).
// Names that are absent are missing from the result. The feature probes
// need only a few IDs, and walking the records directly costs a few
// milliseconds where decoding the whole kernel BTF costs tens.
func btfFuncIDs(data []byte, names ...string) (map[string]uint32, error) {
	le := binary.NativeEndian
	if len(data) < 24 || le.Uint16(data) != btfMagic {
		return nil, errors.New("BTF: bad header")
	}
	hdrLen := uint64(le.Uint32(data[4:]))
	typeOff, typeLen := uint64(le.Uint32(data[8:])), uint64(le.Uint32(data[12:]))
	strOff, strLen := uint64(le.Uint32(data[16:])), uint64(le.Uint32(data[20:]))
	if hdrLen+typeOff+typeLen > uint64(len(data)) || hdrLen+strOff+strLen > uint64(len(data)) {
		return nil, errors.New("BTF: sections exceed the data")
	}
	types := data[hdrLen+typeOff : hdrLen+typeOff+typeLen]
	strs := data[hdrLen+strOff : hdrLen+strOff+strLen]

	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	found := map[string]uint32{}
	id := uint32(1) // ID 0 is void and has no record.
	for off := 0; off < len(types); id++ {
		if len(types)-off < 12 {
			return nil, fmt.Errorf("BTF: type %d is truncated", id)
		}
		nameOff := le.Uint32(types[off:])
		info := le.Uint32(types[off+4:])
		kind, vlen := (info>>24)&0x1f, int(info&0xffff)
		off += 12
		var extra int
		switch kind {
		case btfKindPtr, btfKindFwd, btfKindTypedef, btfKindVolatile, btfKindConst,
			btfKindRestrict, btfKindFunc, btfKindFloat, btfKindTypeTag:
		case btfKindInt, btfKindVar, btfKindDeclTag:
			extra = 4
		case btfKindArray:
			extra = 12
		case btfKindStruct, btfKindUnion, btfKindDatasec, btfKindEnum64:
			extra = 12 * vlen
		case btfKindEnum, btfKindFuncProto:
			extra = 8 * vlen
		default:
			return nil, fmt.Errorf("BTF: type %d has unknown kind %d", id, kind)
		}
		if kind == btfKindFunc {
			if name := btfString(strs, nameOff); want[name] {
				if _, dup := found[name]; !dup {
					found[name] = id
				}
			}
		}
		if off += extra; off > len(types) {
			return nil, fmt.Errorf("BTF: type %d is truncated", id)
		}
	}
	return found, nil
}

// btfString returns the NUL-terminated string at off, "" when off is bad.
func btfString(strs []byte, off uint32) string {
	if uint64(off) >= uint64(len(strs)) {
		return ""
	}
	s := strs[off:]
	for i, c := range s {
		if c == 0 {
			return string(s[:i])
		}
	}
	return ""
}

package kernel

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
)

// btfBlob builds raw BTF from type records (already encoded) and a
// string table.
func btfBlob(types [][]uint32, strs string) []byte {
	var tb bytes.Buffer
	for _, rec := range types {
		binary.Write(&tb, binary.NativeEndian, rec)
	}
	var b bytes.Buffer
	hdr := []uint32{24, 0, uint32(tb.Len()), uint32(tb.Len()), uint32(len(strs))}
	binary.Write(&b, binary.NativeEndian, uint16(btfMagic))
	b.Write([]byte{1, 0})
	binary.Write(&b, binary.NativeEndian, hdr)
	b.Write(tb.Bytes())
	b.WriteString(strs)
	return b.Bytes()
}

func btfInfo(kind, vlen uint32) uint32 { return kind<<24 | vlen }

func TestBTFFuncIDs(t *testing.T) {
	const strs = "\x00int\x00foo\x00s\x00bar\x00baz\x00m\x00"
	off := func(s string) uint32 { return uint32(strings.Index(strs, "\x00"+s+"\x00") + 1) }
	types := [][]uint32{
		{off("int"), btfInfo(btfKindInt, 0), 4, 32},                               // 1
		{0, btfInfo(btfKindFuncProto, 1), 1, 0, 1},                                // 2
		{off("foo"), btfInfo(btfKindFunc, 0), 2},                                  // 3
		{off("s"), btfInfo(btfKindStruct, 2), 8, off("m"), 1, 0, off("m"), 1, 32}, // 4
		{off("bar"), btfInfo(btfKindFunc, 0), 2},                                  // 5
		{0, btfInfo(btfKindEnum, 1), 4, off("m"), 0},                              // 6
		{0, btfInfo(btfKindPtr, 0), 4},                                            // 7
		{0, btfInfo(btfKindArray, 0), 0, 1, 1, 4},                                 // 8
		{off("baz"), btfInfo(btfKindFunc, 0), 2},                                  // 9
		{off("foo"), btfInfo(btfKindFunc, 0), 2},                                  // 10: duplicate name
	}
	got, err := btfFuncIDs(btfBlob(types, strs), "foo", "baz", "int", "nosuch")
	want := map[string]uint32{"foo": 3, "baz": 9}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("btfFuncIDs = %v, %v; want %v", got, err, want)
	}

	bad := []struct {
		name string
		data []byte
		want string
	}{
		{"short", []byte{0x9f, 0xeb}, "BTF: bad header"},
		{"bad magic", append([]byte{1, 2}, make([]byte, 30)...), "BTF: bad header"},
		{"unknown kind", btfBlob([][]uint32{{0, btfInfo(31, 0), 0}}, "\x00"), "BTF: type 1 has unknown kind 31"},
		{"truncated record", btfBlob([][]uint32{{0, btfInfo(btfKindInt, 0)}}, "\x00"), "BTF: type 1 is truncated"},
		{"truncated extra data", btfBlob([][]uint32{{0, btfInfo(btfKindInt, 0), 4}}, "\x00"), "BTF: type 1 is truncated"},
		{"sections past the end", btfBlob(nil, "\x00")[:24], "BTF: sections exceed the data"},
	}
	for _, tt := range bad {
		if _, err := btfFuncIDs(tt.data, "foo"); err == nil || err.Error() != tt.want {
			t.Errorf("%s: error = %v, want %q", tt.name, err, tt.want)
		}
	}
}

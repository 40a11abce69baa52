package check

import (
	"strings"

	"gtrace/lang/types"
)

// argsRecord builds the type of `args` for a tracepoint from its format:
// a record whose fields carry their offsets in the tracepoint's context.
func argsRecord(f *TracepointFormat, strLen int) *types.Type {
	rec := &types.Type{Kind: types.Record, Name: "_tracepoint_" + f.Category + "_" + f.Name}
	space := types.AddrKernel
	if f.Category == "syscalls" {
		space = types.AddrUser
	}
	for _, fld := range f.Fields {
		rec.Fields = append(rec.Fields, types.Field{
			Name:    fld.Name,
			Type:    fieldType(fld, strLen, space),
			Offset:  fld.Offset,
			DataLoc: fld.DataLoc,
		})
	}
	return rec
}

// fieldType maps a format file's C type to a gtrace type.
func fieldType(f TracepointField, strLen int, space types.AddrSpace) *types.Type {
	ctype := strings.TrimSpace(f.Type)
	switch {
	case f.DataLoc:
		return types.StringOf(strLen)
	case strings.Contains(ctype, "*"):
		return pointerType(ctype, space)
	case f.ArrayLen > 0 || strings.HasSuffix(ctype, "]"):
		n := f.ArrayLen
		if n == 0 {
			n = 1
		}
		if isCharType(ctype[:strings.IndexByte(ctype, '[')]) {
			return types.StringOf(f.Size)
		}
		elemSize := f.Size / n
		if elemSize <= 0 || elemSize > 8 {
			elemSize = 1
		}
		return &types.Type{Kind: types.Array, Len: n, Elem: types.IntOf(elemSize*8, f.Signed)}
	}
	size := f.Size
	if size != 1 && size != 2 && size != 4 && size != 8 {
		size = 8
	}
	return types.IntOf(size*8, f.Signed)
}

func isCharType(t string) bool {
	t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "const "))
	return t == "char" || t == "unsigned char" || t == "signed char"
}

// pointerType types `const char *` as a pointer to char (so str() takes it)
// and `T **` as a pointer to pointers (so join() takes argv).
func pointerType(ctype string, space types.AddrSpace) *types.Type {
	stars := strings.Count(ctype, "*")
	base := strings.TrimSpace(ctype[:strings.IndexByte(ctype, '*')])
	var elem *types.Type
	if isCharType(base) {
		elem = types.Int8
	} else {
		elem = types.Uint64
	}
	t := elem
	for i := 0; i < stars; i++ {
		t = &types.Type{Kind: types.Pointer, Bits: 64, Elem: t, Space: space}
	}
	return t
}

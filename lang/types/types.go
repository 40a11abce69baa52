// Package types describes the types of bpftrace values: integers of the
// usual widths, fixed-size strings, tuples, tracepoint argument records,
// aggregations, and the opaque values that user space formats (symbols,
// timestamps, addresses). It also fixes their memory layout, which the code
// generator and the runtime's decoder share.
package types

import (
	"fmt"
	"strings"
)

// Kind is the broad class of a type.
type Kind uint8

// Kinds of values.
const (
	// Void is the type of statements and of calls without a value.
	Void Kind = iota
	// Int is an integer of Bits bits, Signed or not. In registers and in
	// memory it is always kept as a canonical 64-bit value (sign- or
	// zero-extended), so only printing and comparisons look at Bits.
	Int
	// String is a NUL-padded byte array of Size bytes.
	String
	// Tuple is an ordered group of Fields.
	Tuple
	// Record is a struct read from the probe context, such as a
	// tracepoint's args; its Fields carry their context offsets.
	Record
	// Pointer is an address; Elem is what it points to, if known.
	Pointer
	// Array is a fixed array of Len elements of type Elem.
	Array
	// Agg is an aggregation map value (count(), hist(), ...).
	Agg
	// Opaque is a value stored as bytes in BPF and formatted by user
	// space according to Opaque: a timestamp for strftime, an address for
	// ntop, a symbol for ksym, a stack id.
	Opaque
	// Buffer is a byte buffer read with buf(), printed with %r.
	Buffer
)

// AggKind is the aggregation function that defines an Agg map.
type AggKind uint8

// Aggregation functions.
const (
	AggNone AggKind = iota
	AggCount
	AggSum
	AggMin
	AggMax
	AggAvg
	AggStats
	AggHist
	AggLhist
)

var aggNames = [...]string{"none", "count", "sum", "min", "max", "avg", "stats", "hist", "lhist"}

func (a AggKind) String() string { return aggNames[a] }

// OpaqueKind says how user space renders an Opaque value.
type OpaqueKind uint8

// Opaque value kinds.
const (
	OpaqueNone OpaqueKind = iota
	// OpaqueTimestamp is a u64 boot-clock time plus a format id: strftime.
	OpaqueTimestamp
	// OpaqueInet is a u64 address family plus 16 address bytes: ntop.
	OpaqueInet
	// OpaqueKsym is a kernel address printed as a symbol.
	OpaqueKsym
	// OpaqueUsym is a user address (plus pid) printed as a symbol.
	OpaqueUsym
	// OpaqueKstack is a kernel stack id.
	OpaqueKstack
	// OpaqueUstack is a user stack id plus pid.
	OpaqueUstack
	// OpaqueCgroupPath and others come later.
)

// AddrSpace says where a pointer points.
type AddrSpace uint8

// Address spaces.
const (
	AddrUnknown AddrSpace = iota
	AddrKernel
	AddrUser
)

// Field is a named or positional member of a Tuple or Record.
type Field struct {
	Name string
	Type *Type
	// Offset is the byte offset in the value's layout (Tuple) or in the
	// probe context (Record).
	Offset int
	// DataLoc marks a tracepoint __data_loc string field.
	DataLoc bool
}

// Type is a bpftrace type. Types are values; compare them with Equal.
type Type struct {
	Kind Kind
	// Bits and Signed describe Int, and Pointer (64).
	Bits   int
	Signed bool
	// Bytes is the byte size of String, Buffer and Opaque values.
	Bytes int
	// Fields of a Tuple or Record.
	Fields []Field
	// Elem is the element type of a Pointer or Array.
	Elem *Type
	// Len is the element count of an Array.
	Len int
	// Agg is the aggregation of an Agg type; AggSigned tells whether the
	// aggregated values are signed.
	Agg       AggKind
	AggSigned bool
	// AggParams are lhist's min, max and step, or hist's k in [0].
	AggParams [3]int64
	// Opaque says how an Opaque value prints.
	Opaque OpaqueKind
	// Name names a Record ("args") or a C struct.
	Name string
	// Space is a Pointer's address space.
	Space AddrSpace
}

// Common types.
var (
	VoidT   = &Type{Kind: Void}
	Int64   = &Type{Kind: Int, Bits: 64, Signed: true}
	Uint64  = &Type{Kind: Int, Bits: 64}
	Int32   = &Type{Kind: Int, Bits: 32, Signed: true}
	Uint32  = &Type{Kind: Int, Bits: 32}
	Int16   = &Type{Kind: Int, Bits: 16, Signed: true}
	Uint16  = &Type{Kind: Int, Bits: 16}
	Int8    = &Type{Kind: Int, Bits: 8, Signed: true}
	Uint8   = &Type{Kind: Int, Bits: 8}
	Comm    = StringOf(16)
	TaskPtr = &Type{Kind: Int, Bits: 64}
)

// IntOf returns the integer type of the given width and signedness.
func IntOf(bits int, signed bool) *Type {
	return &Type{Kind: Int, Bits: bits, Signed: signed}
}

// StringOf returns a string type of n bytes.
func StringOf(n int) *Type { return &Type{Kind: String, Bytes: n} }

// TupleOf returns a tuple of the given element types with its layout.
func TupleOf(elems ...*Type) *Type {
	t := &Type{Kind: Tuple}
	off := 0
	for _, e := range elems {
		off = alignUp(off, e.Align())
		t.Fields = append(t.Fields, Field{Type: e, Offset: off})
		off += e.Size()
	}
	return t
}

// AggOf returns the map value type of an aggregation.
func AggOf(k AggKind, signed bool) *Type { return &Type{Kind: Agg, Agg: k, AggSigned: signed} }

// OpaqueOf returns an opaque type of the given kind and byte size.
func OpaqueOf(k OpaqueKind, size int) *Type { return &Type{Kind: Opaque, Opaque: k, Bytes: size} }

// IsInt reports whether t is an integer.
func (t *Type) IsInt() bool { return t != nil && t.Kind == Int }

// IsString reports whether t is a string.
func (t *Type) IsString() bool { return t != nil && t.Kind == String }

// IsScalar reports whether t fits a register: integers and pointers.
func (t *Type) IsScalar() bool { return t != nil && (t.Kind == Int || t.Kind == Pointer) }

// Size is the byte size of a value of type t in BPF memory. Integers and
// pointers always take 8 bytes (see Int).
func (t *Type) Size() int {
	switch t.Kind {
	case Int, Pointer:
		return 8
	case String, Buffer, Opaque:
		return t.Bytes
	case Tuple:
		n := 0
		for _, f := range t.Fields {
			if e := f.Offset + f.Type.Size(); e > n {
				n = e
			}
		}
		return alignUp(n, t.Align())
	case Array:
		return t.Len * t.Elem.ElemSize()
	}
	return 0
}

// ElemSize is the size of t as an array element: arrays are packed as in
// C, so an integer takes its own width there, not the 8 bytes of a
// canonical value.
func (t *Type) ElemSize() int {
	if t.Kind == Int {
		return t.Bits / 8
	}
	return t.Size()
}

// Align is the alignment of a value of type t in memory.
func (t *Type) Align() int {
	switch t.Kind {
	case Int, Pointer:
		return 8
	case Tuple:
		a := 1
		for _, f := range t.Fields {
			if fa := f.Type.Align(); fa > a {
				a = fa
			}
		}
		return a
	case Opaque:
		return 8
	case Array:
		if t.Elem.Kind == Int {
			return t.Elem.Bits / 8
		}
		return t.Elem.Align()
	}
	return 1
}

func alignUp(n, a int) int { return (n + a - 1) / a * a }

// Equal reports whether a and b are the same type.
func Equal(a, b *Type) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil || a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case Int:
		return a.Bits == b.Bits && a.Signed == b.Signed
	case String, Buffer:
		return a.Bytes == b.Bytes
	case Opaque:
		return a.Opaque == b.Opaque && a.Bytes == b.Bytes
	case Agg:
		return a.Agg == b.Agg && a.AggParams == b.AggParams
	case Pointer, Array:
		return a.Len == b.Len && Equal(a.Elem, b.Elem)
	case Tuple, Record:
		if len(a.Fields) != len(b.Fields) || a.Name != b.Name {
			return false
		}
		for i := range a.Fields {
			if !Equal(a.Fields[i].Type, b.Fields[i].Type) {
				return false
			}
		}
		return true
	}
	return true
}

// String renders t the way bpftrace names types in messages: "int64",
// "unsigned int64", "string[16]", "(int64,string[4])", "count".
func (t *Type) String() string {
	if t == nil {
		return "none"
	}
	switch t.Kind {
	case Void:
		return "none"
	case Int:
		if t.Signed {
			return fmt.Sprintf("int%d", t.Bits)
		}
		return fmt.Sprintf("unsigned int%d", t.Bits)
	case String:
		return fmt.Sprintf("string[%d]", t.Bytes)
	case Buffer:
		return fmt.Sprintf("buffer[%d]", t.Bytes)
	case Tuple:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = f.Type.String()
		}
		return "(" + strings.Join(parts, ",") + ")"
	case Record:
		if t.Name != "" {
			return "struct " + t.Name
		}
		return "struct"
	case Pointer:
		if t.Elem == nil {
			return "void *"
		}
		return t.Elem.String() + " *"
	case Array:
		return fmt.Sprintf("%s[%d]", t.Elem, t.Len)
	case Agg:
		return t.Agg.String()
	case Opaque:
		switch t.Opaque {
		case OpaqueTimestamp:
			return "timestamp"
		case OpaqueInet:
			return "inet"
		case OpaqueKsym:
			return "ksym"
		case OpaqueUsym:
			return "usym"
		case OpaqueKstack:
			return "kstack"
		case OpaqueUstack:
			return "ustack"
		}
	}
	return "unknown"
}

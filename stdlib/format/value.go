package format

import (
	"bytes"
	"cmp"
	"math/bits"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind tells what a [Value] holds.
type Kind uint8

// The kinds of values.
const (
	KindNone      Kind = iota // the zero Value: nothing (the key of a scalar map)
	KindInt                   // an integer of 8, 16, 32 or 64 bits, signed or not
	KindString                // a string
	KindBuffer                // bytes from buf(), printed with \x escapes
	KindTuple                 // a tuple of values
	KindSymbol                // a resolved symbol (ksym, usym)
	KindStack                 // a resolved stack (kstack, ustack)
	KindTimestamp             // a strftime() result
	KindInet                  // an IPv4 or IPv6 address (ntop)
)

var kindNames = [...]string{"none", "int", "string", "buffer", "tuple", "symbol", "stack", "timestamp", "inet"}

// String returns the kind's name.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// StackMode is the output mode of a kstack or ustack.
type StackMode uint8

// Stack modes available in bpftrace 0.17.
const (
	StackBpftrace StackMode = iota // "    sym+off" lines
	StackPerf                      // "\taddr sym+off" lines
)

// Value is one decoded script value. The zero Value is [KindNone]. Values
// are immutable and cheap to copy.
type Value struct {
	kind   Kind
	width  uint8 // integers: 8, 16, 32 or 64
	signed bool
	bits   uint64  // integers: the value extended to 64 bits; symbols: the address
	str    string  // string, buffer or inet bytes; symbol name; timestamp layout
	elems  []Value // tuple elements
	x      *extra  // rarely used fields, kept out of line to keep Value small
}

type extra struct {
	frames []string
	mode   StackMode
	t      time.Time
}

// Int returns a signed 64-bit integer.
func Int(v int64) Value { return Value{kind: KindInt, width: 64, signed: true, bits: uint64(v)} }

// Uint returns an unsigned 64-bit integer.
func Uint(v uint64) Value { return Value{kind: KindInt, width: 64, bits: v} }

// IntN returns an integer of the given width in bits, as a cast like
// (int8)x or (uint32)x produces. Only the low width bits of raw are kept.
// Widths other than 8, 16, 32 and 64 are rounded up to the next of those.
func IntN(raw uint64, width int, signed bool) Value {
	w := uint8(64)
	switch {
	case width <= 8:
		w = 8
	case width <= 16:
		w = 16
	case width <= 32:
		w = 32
	}
	return Value{kind: KindInt, width: w, signed: signed, bits: extend(raw, int(w), signed)}
}

// extend truncates raw to width bits and sign- or zero-extends it to 64.
func extend(raw uint64, width int, signed bool) uint64 {
	if width >= 64 {
		return raw
	}
	shift := uint(64 - width)
	if signed {
		return uint64(int64(raw<<shift) >> shift)
	}
	return raw << shift >> shift
}

// Str returns a string value.
func Str(s string) Value { return Value{kind: KindString, str: s} }

// Bytes returns a buffer value, as buf() produces. b is copied.
func Bytes(b []byte) Value { return Value{kind: KindBuffer, str: string(b)} }

// Tuple returns a tuple of the given elements. elems is not copied.
func Tuple(elems ...Value) Value { return Value{kind: KindTuple, elems: elems} }

// Symbol returns a resolved symbol: name is what bpftrace prints (for
// example "vfs_read" or "0xffff1234"), addr the address it came from, which
// orders symbol keys the way bpftrace does.
func Symbol(name string, addr uint64) Value { return Value{kind: KindSymbol, str: name, bits: addr} }

// Stack returns a resolved stack. Each frame is one line without
// indentation: "sym+off" in [StackBpftrace] mode, "addr sym+off" in
// [StackPerf] mode. frames is not copied.
func Stack(mode StackMode, frames []string) Value {
	return Value{kind: KindStack, x: &extra{frames: frames, mode: mode}}
}

// Timestamp returns a strftime() result: t formatted with layout by
// [Strftime].
func Timestamp(t time.Time, layout string) Value {
	return Value{kind: KindTimestamp, str: layout, x: &extra{t: t}}
}

// Inet returns an address as ntop() produces: 4 bytes for IPv4, 16 for
// IPv6. addr is copied.
func Inet(addr []byte) Value { return Value{kind: KindInet, str: string(addr)} }

// Kind returns the kind of v.
func (v Value) Kind() Kind { return v.kind }

// IsSigned reports whether an integer is signed.
func (v Value) IsSigned() bool { return v.signed }

// Width returns an integer's width in bits (8, 16, 32 or 64), 0 for other kinds.
func (v Value) Width() int { return int(v.width) }

// Int64 returns an integer as a signed 64-bit number: the value itself for
// signed integers and anything up to 63 bits, the two's complement
// reinterpretation for large unsigned 64-bit values. For a symbol it returns
// the address.
func (v Value) Int64() int64 { return int64(v.bits) }

// Uint64 returns an integer's 64-bit pattern: negative signed values are
// sign-extended. For a symbol it returns the address.
func (v Value) Uint64() uint64 { return v.bits }

// Str returns the bytes of a string, buffer or inet value, or the name of a
// symbol.
func (v Value) Str() string { return v.str }

// Elems returns the elements of a tuple. The slice must not be modified.
func (v Value) Elems() []Value { return v.elems }

// String renders v as print() does in text mode.
func (v Value) String() string { return string(AppendText(nil, v)) }

// AppendText appends v as bpftrace prints it in text mode: integers in
// decimal, strings raw, tuples as "(1, two, 3)", buffers with \x escapes,
// stacks as indented lines.
func AppendText(dst []byte, v Value) []byte { return appendText(dst, v, false) }

// stackIndent is the indentation of bpftrace-mode stack frames: 0.17 uses 8
// spaces for values and 4 inside map keys.
func stackIndent(inKey bool) string {
	if inKey {
		return "    "
	}
	return "        "
}

func appendText(dst []byte, v Value, inKey bool) []byte {
	switch v.kind {
	case KindInt:
		if v.signed {
			return strconv.AppendInt(dst, int64(v.bits), 10)
		}
		return strconv.AppendUint(dst, v.bits, 10)
	case KindString, KindSymbol:
		return append(dst, v.str...)
	case KindBuffer:
		return appendBufferText(dst, v.str)
	case KindTuple:
		dst = append(dst, '(')
		for i, e := range v.elems {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendText(dst, e, inKey)
		}
		return append(dst, ')')
	case KindStack:
		dst = append(dst, '\n')
		indent := stackIndent(inKey)
		if v.x.mode == StackPerf {
			indent = "\t"
		}
		for _, f := range v.x.frames {
			dst = append(dst, indent...)
			dst = append(dst, f...)
			dst = append(dst, '\n')
		}
		return dst
	case KindTimestamp:
		return AppendStrftime(dst, v.str, v.x.t)
	case KindInet:
		out, err := AppendNtop(dst, []byte(v.str))
		if err != nil {
			// bpftrace's marker for a value it cannot render.
			return append(dst, "(?)"...)
		}
		return out
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendBufferText renders buffer bytes as %r and print() do: printable
// ASCII as is, everything else as \xNN.
func appendBufferText(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
	}
	return dst
}

// appendKeyText renders a map key as it appears between the brackets of
// "@name[...]": the parentheses of a top-level tuple are dropped.
func appendKeyText(dst []byte, k Value, sep string) []byte {
	if k.kind != KindTuple {
		return appendText(dst, k, true)
	}
	for i, e := range k.elems {
		if i > 0 {
			dst = append(dst, sep...)
		}
		dst = appendText(dst, e, true)
	}
	return dst
}

// AppendJSON appends v in JSON as bpftrace -f json prints it: integers as
// numbers, tuples as compact arrays ([1,"x"]), everything else as a string
// holding its text rendering.
func AppendJSON(dst []byte, v Value) []byte {
	switch v.kind {
	case KindNone:
		return append(dst, "null"...)
	case KindInt:
		return appendText(dst, v, false)
	case KindTuple:
		dst = append(dst, '[')
		for i, e := range v.elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSON(dst, e)
		}
		return append(dst, ']')
	case KindString, KindSymbol:
		return appendJSONString(dst, v.str)
	}
	// 0.17 prints timestamps unquoted, which is not JSON unless the result
	// happens to be a number; they are strings here.
	return appendJSONString(dst, string(appendText(nil, v, false)))
}

// appendJSONString appends s as a JSON string literal, escaping like 0.17:
// \" \\ \n \r \t by name, other control characters as \u00XX.
//
// 0.17 escapes every byte >= 0x80 as "\uffffffXX" (a sign-extended char),
// which is not JSON. Here valid UTF-8 is copied unchanged and each byte of
// an invalid sequence becomes \ufffd.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			if c < 0x20 {
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			} else {
				dst = append(dst, c)
			}
		}
		i++
	}
	return append(dst, '"')
}

// cmpKey orders map keys as 0.17's sort_by_key does: integers as unsigned
// 64-bit numbers (so negative keys sort last), strings bytewise, tuples
// element by element. 0.17 leaves keys of other types in hash-table order;
// here they are ordered by their text so that output is deterministic.
func cmpKey(a, b Value) int {
	if a.kind != b.kind {
		return cmp.Compare(a.kind, b.kind)
	}
	switch a.kind {
	case KindNone:
		return 0
	case KindInt, KindSymbol:
		return cmp.Compare(a.bits, b.bits)
	case KindString, KindBuffer, KindInet:
		return strings.Compare(a.str, b.str)
	case KindTuple:
		for i := 0; i < len(a.elems) && i < len(b.elems); i++ {
			if c := cmpKey(a.elems[i], b.elems[i]); c != 0 {
				return c
			}
		}
		return cmp.Compare(len(a.elems), len(b.elems))
	case KindTimestamp:
		return a.x.t.Compare(b.x.t)
	}
	return bytes.Compare(appendText(nil, a, true), appendText(nil, b, true))
}

// cmpRawKey orders keys the way their raw little-endian bytes compare,
// which is the order 0.17 keeps hist, lhist, avg and stats entries in before
// sorting them by value; it decides ties. Only integers differ from cmpKey:
// their low byte is the most significant one here.
func cmpRawKey(a, b Value) int {
	if a.kind != b.kind {
		return cmp.Compare(a.kind, b.kind)
	}
	switch a.kind {
	case KindInt, KindSymbol:
		return cmp.Compare(bits.ReverseBytes64(a.bits), bits.ReverseBytes64(b.bits))
	case KindTuple:
		for i := 0; i < len(a.elems) && i < len(b.elems); i++ {
			if c := cmpRawKey(a.elems[i], b.elems[i]); c != 0 {
				return c
			}
		}
		return cmp.Compare(len(a.elems), len(b.elems))
	}
	return cmpKey(a, b)
}

// cmpInt orders two integers by value, as signed numbers if a is signed.
func cmpInt(a, b Value) int {
	if a.signed {
		return cmp.Compare(int64(a.bits), int64(b.bits))
	}
	return cmp.Compare(a.bits, b.bits)
}

package format

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"
)

func TestIntN(t *testing.T) {
	tests := []struct {
		raw    uint64
		width  int
		signed bool
		text   string
		w      int
	}{
		{0xff, 8, true, "-1", 8},
		{0xff, 8, false, "255", 8},
		{0x1ff, 8, false, "255", 8},
		{0x8000, 16, true, "-32768", 16},
		{0xffff_ffff, 32, true, "-1", 32},
		{0xffff_ffff, 32, false, "4294967295", 32},
		{1<<64 - 1, 64, true, "-1", 64},
		{1<<64 - 1, 64, false, "18446744073709551615", 64},
		{0x1f, 5, true, "31", 8},           // rounded up to 8 bits
		{0xfffff, 20, true, "1048575", 32}, // rounded up to 32 bits: 0x000fffff
		{7, 0, false, "7", 8},
		{1 << 40, 48, false, "1099511627776", 64},
	}
	for _, tt := range tests {
		v := IntN(tt.raw, tt.width, tt.signed)
		if got := v.String(); got != tt.text || v.Width() != tt.w || v.IsSigned() != tt.signed || v.Kind() != KindInt {
			t.Errorf("IntN(%#x, %d, %v) = %q width %d signed %v, want %q width %d",
				tt.raw, tt.width, tt.signed, got, v.Width(), v.IsSigned(), tt.text, tt.w)
		}
	}
	if v := IntN(0xff, 8, true); v.Int64() != -1 || v.Uint64() != 1<<64-1 {
		t.Errorf("IntN(0xff, 8, true): Int64 %d, Uint64 %#x", v.Int64(), v.Uint64())
	}
}

func TestValueRendering(t *testing.T) {
	st := Stack(StackBpftrace, []string{"a+1", "b+2"})
	tests := []struct {
		v          Value
		text, json string
	}{
		{Value{}, "", "null"},
		{Int(-42), "-42", "-42"},
		{Uint(42), "42", "42"},
		{Str(`a"b\c` + "\n"), "a\"b\\c\n", `"a\"b\\c\n"`},
		{Str("\x00\x1f\x7f"), "\x00\x1f\x7f", "\"\\u0000\\u001f\x7f\""},
		{Bytes([]byte{'a', 0, 0x7f, 0x80, ' ', '~'}), `a\x00\x7f\x80 ~`, `"a\\x00\\x7f\\x80 ~"`},
		{Tuple(), "()", "[]"},
		{Tuple(Int(1), Tuple(Str("x"), Uint(2)), Str("y")), "(1, (x, 2), y)", `[1,["x",2],"y"]`},
		{Symbol("vfs_read", 1), "vfs_read", `"vfs_read"`},
		{st, "\n        a+1\n        b+2\n", `"\n        a+1\n        b+2\n"`},
		{Stack(StackPerf, []string{"ffff f+1"}), "\n\tffff f+1\n", `"\n\tffff f+1\n"`},
		{Stack(StackBpftrace, nil), "\n", `"\n"`},
		{Timestamp(testTime, "%H:%M"), "03:28", `"03:28"`},
		{Inet([]byte{10, 0, 0, 1}), "10.0.0.1", `"10.0.0.1"`},
		{Tuple(Int(1), st), "(1, \n        a+1\n        b+2\n)", `[1,"\n        a+1\n        b+2\n"]`},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.text {
			t.Errorf("%v text = %q, want %q", tt.v.Kind(), got, tt.text)
		}
		if got := string(AppendJSON(nil, tt.v)); got != tt.json {
			t.Errorf("%v JSON = %q, want %q", tt.v.Kind(), got, tt.json)
		}
	}
}

func TestValueAccessors(t *testing.T) {
	tu := Tuple(Int(1), Str("x"))
	if len(tu.Elems()) != 2 || tu.Elems()[1].Str() != "x" {
		t.Errorf("Tuple elems = %v", tu.Elems())
	}
	if s := Symbol("f", 0x1234); s.Str() != "f" || s.Uint64() != 0x1234 {
		t.Errorf("Symbol = %q %#x", s.Str(), s.Uint64())
	}
	b := []byte("ab")
	v := Bytes(b)
	b[0] = 'z'
	if v.Str() != "ab" {
		t.Errorf("Bytes did not copy: %q", v.Str())
	}
	for k := KindNone; k <= KindInet; k++ {
		if k.String() == "" || k.String()[0] == 'k' {
			t.Errorf("Kind(%d).String() = %q", k, k.String())
		}
	}
	if s := Kind(99).String(); s != "kind(99)" {
		t.Errorf("Kind(99) = %q", s)
	}
}

func TestKeyOrder(t *testing.T) {
	// cmpKey is 0.17's sort_by_key order, cmpRawKey its std::map order.
	tests := []struct {
		a, b     Value
		key, raw int
	}{
		{Int(1), Int(2), -1, -1},
		{Int(1), Int(256), -1, 1}, // 01 00 … > 00 01 … little-endian
		{Int(-1), Int(5), 1, 1},   // negative keys sort last
		{IntN(0xff, 8, true), IntN(3, 8, true), 1, 1},
		{Str("B"), Str("a"), -1, -1},
		{Str("a"), Str("ab"), -1, -1},
		{Str(""), Str("a"), -1, -1},
		{Tuple(Int(1), Str("b")), Tuple(Int(1), Str("a")), 1, 1},
		{Tuple(Int(256), Str("a")), Tuple(Int(1), Str("b")), 1, -1},
		{Tuple(Int(1)), Tuple(Int(1), Int(0)), -1, -1},
		{Symbol("z", 1), Symbol("a", 2), -1, -1},
		{Bytes([]byte("a")), Bytes([]byte("b")), -1, -1},
		{Timestamp(testTime, "%H"), Timestamp(testTime.Add(time.Second), "%H"), -1, -1},
		{Stack(StackBpftrace, []string{"b"}), Stack(StackBpftrace, []string{"a"}), 1, 1},
		{Int(1), Str("a"), -1, -1}, // kinds never mix in a map; still ordered
		{Value{}, Value{}, 0, 0},
	}
	for _, tt := range tests {
		if got := cmpKey(tt.a, tt.b); got != tt.key {
			t.Errorf("cmpKey(%v, %v) = %d, want %d", tt.a, tt.b, got, tt.key)
		}
		if got := cmpKey(tt.b, tt.a); got != -tt.key {
			t.Errorf("cmpKey(%v, %v) = %d, want %d", tt.b, tt.a, got, -tt.key)
		}
		if got := cmpRawKey(tt.a, tt.b); got != tt.raw {
			t.Errorf("cmpRawKey(%v, %v) = %d, want %d", tt.a, tt.b, got, tt.raw)
		}
	}
}

func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"plain", "q\"b\\s\n\r\t\x00\x1f\x7f", "héllo ✓", "bad \xff\xfe", "\xe2\x82"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := AppendJSON(nil, Str(s))
		if !json.Valid(out) {
			t.Fatalf("AppendJSON(%q) = %s: not JSON", s, out)
		}
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("AppendJSON(%q) decodes to %q", s, back)
		}
	})
}

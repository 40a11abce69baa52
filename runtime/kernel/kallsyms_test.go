package kernel

import (
	"os"
	"strings"
	"testing"
)

func TestKallsyms(t *testing.T) {
	k := NewWithOptions(Options{Proc: "testdata"})
	ks, err := k.Kallsyms()
	if err != nil {
		t.Fatal(err)
	}
	if ks.Len() != 8 {
		t.Errorf("Len = %d, want 8 (the zero address is dropped)", ks.Len())
	}
	lookups := []struct {
		addr   uint64
		name   string
		module string
		off    uint64
		ok     bool
	}{
		{0xffffffff80ffffff, "", "", 0, false},
		{0xffffffff81000000, "_text", "", 0, true}, // first of two at one address
		{0xffffffff81000010, "_text", "", 0x10, true},
		{0xffffffff81001000, "helper", "", 0, true},
		{0xffffffff81001900, "helper", "", 0x100, true}, // the second helper
		{0xffffffff81002001, "vfs_read", "", 1, true},
		{0xffffffff810023ff, "vfs_read", "", 0x3ff, true},
		{0xffffffff81002400, "vfs_write", "", 0, true},
		{0xffffffffc0001004, "ext4_fill_super", "ext4", 4, true},
		{0xffffffffc0003000, "ext4_mount", "ext4", 0x1000, true},
	}
	for _, tt := range lookups {
		sym, off, ok := ks.Lookup(tt.addr)
		if ok != tt.ok || sym.Name != tt.name || sym.Module != tt.module || off != tt.off {
			t.Errorf("Lookup(%#x) = %+v, %#x, %v; want %s [%s] +%#x, %v", tt.addr, sym, off, ok, tt.name, tt.module, tt.off, tt.ok)
		}
	}
	names := []struct {
		name string
		addr uint64
		ok   bool
	}{
		{"vfs_read", 0xffffffff81002000, true},
		{"helper", 0xffffffff81001000, true}, // lowest address among duplicates
		{"ext4_mount", 0xffffffffc0002000, true},
		{"fixed_percpu_data", 0, false},
		{"nosuch", 0, false},
	}
	for _, tt := range names {
		if addr, ok := ks.Address(tt.name); addr != tt.addr || ok != tt.ok {
			t.Errorf("Address(%q) = %#x, %v; want %#x, %v", tt.name, addr, ok, tt.addr, tt.ok)
		}
	}
}

func TestParseKallsymsErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ffffffff81000000 T\n", `kallsyms line 1: malformed line "ffffffff81000000 T"`},
		{"zz T x\n", `kallsyms line 1: bad address "zz"`},
		{"\nffffffff81000000 TT x\n", `kallsyms line 2: malformed line "ffffffff81000000 TT x"`},
	}
	for _, tt := range tests {
		_, err := ParseKallsyms(strings.NewReader(tt.in))
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseKallsyms(%q) error = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestKallsymsHidden(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/kallsyms", []byte("0000000000000000 T _text\n0000000000000000 T vfs_read\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := NewWithOptions(Options{Proc: dir}).Kallsyms()
	if err == nil || !strings.Contains(err.Error(), "kptr_restrict") {
		t.Errorf("Kallsyms with hidden addresses: error = %v, want one mentioning kptr_restrict", err)
	}
}

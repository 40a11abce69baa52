package format

import "testing"

// Expected outputs from bpftrace 0.17's ntop() (and glibc's inet_ntop for
// the forms 0.17's pton cannot parse).
func TestNtop(t *testing.T) {
	v6 := func(words ...uint16) []byte {
		b := make([]byte, 16)
		for i, w := range words {
			b[2*i], b[2*i+1] = byte(w>>8), byte(w)
		}
		return b
	}
	tests := []struct {
		addr []byte
		want string
	}{
		{[]byte{127, 0, 0, 1}, "127.0.0.1"},
		{[]byte{255, 255, 255, 255}, "255.255.255.255"},
		{[]byte{0, 0, 0, 0}, "0.0.0.0"},
		{v6(0, 0, 0, 0, 0, 0, 0, 0), "::"},
		{v6(0, 0, 0, 0, 0, 0, 0, 1), "::1"},
		{v6(0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304), "::ffff:1.2.3.4"},
		{v6(0, 0, 0, 0, 0, 0, 0x0102, 0x0304), "::1.2.3.4"},
		{v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1), "2001:db8::1:0:0:1"},
		{v6(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1), "2001:db8:0:1:1:1:1:1"},
		{v6(0xfe80, 0, 0, 0, 0, 0, 0xab, 1), "fe80::ab:1"},
		{v6(1, 0, 0, 2, 0, 0, 0, 3), "1:0:0:2::3"},
		{v6(1, 0, 0, 0, 0, 0, 0, 0), "1::"},
		{v6(1, 2, 3, 4, 5, 6, 7, 8), "1:2:3:4:5:6:7:8"},
		{v6(0, 0, 0, 0, 0, 0xfffe, 0x0102, 0x0304), "::fffe:102:304"},
	}
	for _, tt := range tests {
		got, err := Ntop(tt.addr)
		if err != nil || got != tt.want {
			t.Errorf("Ntop(%v) = %q, %v; want %q", tt.addr, got, err, tt.want)
		}
		if s := Inet(tt.addr).String(); s != tt.want {
			t.Errorf("Inet(%v).String() = %q, want %q", tt.addr, s, tt.want)
		}
	}
	if _, err := Ntop([]byte{1, 2, 3}); err == nil {
		t.Error("Ntop of 3 bytes: no error")
	}
	if s := Inet([]byte{1, 2, 3}).String(); s != "(?)" {
		t.Errorf("Inet of 3 bytes = %q, want (?)", s)
	}
}

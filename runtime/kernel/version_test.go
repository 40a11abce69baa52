package kernel

import "testing"

func TestParseRelease(t *testing.T) {
	tests := []struct {
		in      string
		want    Version
		wantErr bool
	}{
		{in: "6.18.44-fc-v1294", want: Version{6, 18, 44}},
		{in: "5.10.0-21-amd64", want: Version{5, 10, 0}},
		{in: "6.1", want: Version{6, 1, 0}},
		{in: "6.1-rc3", want: Version{6, 1, 0}},
		{in: "4.19.0.", want: Version{4, 19, 0}},
		{in: "6.8.0-1007-aws+", want: Version{6, 8, 0}},
		{in: "6", wantErr: true},
		{in: "6-rc1", wantErr: true},
		{in: "", wantErr: true},
		{in: "linux-6.1", wantErr: true},
		{in: "6.x", wantErr: true},
		{in: "99999999999999999999.1", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseRelease(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseRelease(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestVersionCompare(t *testing.T) {
	tests := []struct {
		a, b Version
		want int
	}{
		{Version{6, 1, 0}, Version{6, 1, 0}, 0},
		{Version{6, 1, 0}, Version{5, 19, 9}, 1},
		{Version{5, 4, 0}, Version{5, 10, 0}, -1},
		{Version{5, 10, 2}, Version{5, 10, 10}, -1},
	}
	for _, tt := range tests {
		if got := tt.a.Compare(tt.b); got != tt.want {
			t.Errorf("%v.Compare(%v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	v := Version{5, 15, 3}
	if !v.AtLeast(5, 15, 0) || !v.AtLeast(5, 15, 3) || v.AtLeast(5, 15, 4) || v.AtLeast(6, 0, 0) {
		t.Errorf("AtLeast is wrong for %v", v)
	}
	if s := v.String(); s != "5.15.3" {
		t.Errorf("String() = %q, want 5.15.3", s)
	}
}

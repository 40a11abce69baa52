package format

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the oracle cases name zones that need not be installed
)

// testTime is 2026-12-06 03:28:55.046251 UTC, a Sunday.
var testTime = time.Date(2026, 12, 6, 3, 28, 55, 46251000, time.UTC)

// TestStrftimeOracle checks testdata/strftime.txt, whose expected outputs
// come from glibc's strftime (see testdata/capture).
func TestStrftimeOracle(t *testing.T) {
	f, err := os.Open("testdata/strftime.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 4 {
			t.Fatalf("bad line %q", line)
		}
		loc, err := time.LoadLocation(fields[0])
		if err != nil {
			t.Fatal(err)
		}
		secs, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		layout, err := strconv.Unquote(fields[2])
		if err != nil {
			t.Fatal(err)
		}
		want, err := strconv.Unquote(fields[3])
		if err != nil {
			t.Fatal(err)
		}
		if got := Strftime(layout, time.Unix(secs, 0).In(loc)); got != want {
			t.Errorf("Strftime(%q) at %s %d = %q, want %q", layout, fields[0], secs, got, want)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestStrftimeMicroseconds(t *testing.T) {
	tests := []struct{ layout, want string }{
		{"%s.%f", "1796527735.046251"},
		{"%H:%M:%S.%f", "03:28:55.046251"},
		{"%%f|%%%f|%f%f", "%f|%046251|046251046251"}, // 0.17 breaks on "%%f"
		{"%3f|%-f|%_8f|%08f", "046251|046251|  046251|00046251"},
		{DefaultTimeFormat, "03:28:55\n"},
		{"", ""},
		{"%", "%"},
	}
	for _, tt := range tests {
		if got := Strftime(tt.layout, testTime); got != tt.want {
			t.Errorf("Strftime(%q) = %q, want %q", tt.layout, got, tt.want)
		}
	}
}

func TestStrftimeNoLengthLimit(t *testing.T) {
	// 0.17 gives "(?)" past 64 bytes of output.
	layout := strings.Repeat("%c ", 10)
	want := strings.Repeat("Sun Dec  6 03:28:55 2026 ", 10)
	if got := Strftime(layout, testTime); got != want {
		t.Errorf("Strftime(%q) = %q, want %q", layout, got, want)
	}
}

func TestBootToWall(t *testing.T) {
	boot := time.Date(2026, 12, 5, 23, 0, 0, 999_000_000, time.UTC)
	offset := time.Duration(boot.UnixNano())
	tests := []struct {
		ns   uint64
		want time.Time
	}{
		{0, boot},
		{1, boot.Add(1)},
		{1_500_000_000, boot.Add(1500 * time.Millisecond)},
		{16_135_000_000_000, boot.Add(16135 * time.Second)},
		// Beyond time.Duration's range (292 years).
		{1 << 63, time.Unix(9223372036, 854775808).Add(offset)},
	}
	for _, tt := range tests {
		got := BootToWall(tt.ns, offset)
		if !got.Equal(tt.want) {
			t.Errorf("BootToWall(%d) = %v, want %v", tt.ns, got, tt.want)
		}
	}
	if got := Strftime("%F %T.%f", BootToWall(4_400_000_001_000, offset).UTC()); got != "2026-12-06 00:13:20.999001" {
		t.Errorf("formatted BootToWall = %q", got)
	}
}

func FuzzStrftime(f *testing.F) {
	for _, s := range []string{"%Y-%m-%d %H:%M:%S.%f", "%_10j%-e%0k%^a%#Z", "%Ec%Oy%", "%99999999999d", "%+Y%q"} {
		f.Add(s, int64(1796527735), int32(46251000))
	}
	f.Fuzz(func(t *testing.T, layout string, secs int64, nsec int32) {
		tm := time.Unix(secs%(1<<40), int64(nsec)).UTC()
		out := Strftime(layout, tm)
		if len(out) > 1<<20+len(layout)*70000 {
			t.Fatalf("Strftime(%q) produced %d bytes", layout, len(out))
		}
	})
}

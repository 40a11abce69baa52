package format

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func render(t *testing.T, mode Mode, m *Map, top, div uint64) string {
	t.Helper()
	var buf bytes.Buffer
	if err := NewWriter(&buf, mode).Map(m, top, div); err != nil {
		t.Fatalf("Map(%s): %v", m.Name, err)
	}
	return buf.String()
}

func TestMapErrors(t *testing.T) {
	tests := []struct {
		m    *Map
		want string
	}{
		{&Map{Name: "@h", Kind: MapHist, Entries: []Entry{{Buckets: []Bucket{{Index: 66, Count: 1}}}}},
			"map @h: bucket index 66 out of range 0..65"},
		{&Map{Name: "@h", Kind: MapHist, Entries: []Entry{{Buckets: []Bucket{{Index: -1, Count: 1}}}}},
			"map @h: bucket index -1 out of range 0..65"},
		{&Map{Name: "@l", Kind: MapLhist, Min: 0, Max: 10, Step: 5, Entries: []Entry{{Buckets: []Bucket{{Index: 4, Count: 1}}}}},
			"map @l: bucket index 4 out of range 0..3"},
		{&Map{Name: "@l", Kind: MapLhist, Min: 0, Max: 10, Step: 0, Entries: []Entry{{}}},
			"map @l: invalid lhist bounds min 0, max 10, step 0"},
		{&Map{Name: "@l", Kind: MapLhist, Min: 10, Max: 10, Step: 1, Entries: []Entry{{}}},
			"map @l: invalid lhist bounds min 10, max 10, step 1"},
		{&Map{Name: "@l", Kind: MapLhist, Min: 0, Max: 1 << 40, Step: 1, Entries: []Entry{{}}},
			"map @l: lhist has too many buckets (1099511627776)"},
	}
	for _, tt := range tests {
		for _, mode := range []Mode{Text, JSON} {
			var buf bytes.Buffer
			err := NewWriter(&buf, mode).Map(tt.m, 0, 0)
			if err == nil || err.Error() != tt.want {
				t.Errorf("mode %d: Map(%s) error = %v, want %q", mode, tt.m.Name, err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("mode %d: Map(%s) wrote %q despite the error", mode, tt.m.Name, buf.String())
			}
		}
	}
}

func TestMapSortRules(t *testing.T) {
	tests := []struct {
		name string
		m    *Map
		top  uint64
		want string
	}{
		{"count ties by key", &Map{Name: "@c", Kind: MapCount, Keyed: true, Entries: []Entry{
			kv(Str("b"), Uint(1)), kv(Str("a"), Uint(1)), kv(Str("c"), Uint(0))}}, 0,
			"@c[c]: 0\n@c[a]: 1\n@c[b]: 1\n"},
		{"strings by key", &Map{Name: "@s", Kind: MapPlain, Keyed: true, Entries: []Entry{
			kv(Int(2), Str("a")), kv(Int(1), Str("z"))}}, 0,
			"@s[1]: z\n@s[2]: a\n"},
		{"unsigned values", &Map{Name: "@u", Kind: MapSum, Keyed: true, Entries: []Entry{
			kv(Int(1), Uint(1<<63)), kv(Int(2), Uint(1))}}, 0,
			"@u[2]: 1\n@u[1]: 9223372036854775808\n"},
		{"top keeps the last", &Map{Name: "@c", Kind: MapCount, Keyed: true, Entries: []Entry{
			kv(Int(1), Uint(3)), kv(Int(2), Uint(1)), kv(Int(3), Uint(2))}}, 2,
			"@c[3]: 2\n@c[1]: 3\n"},
		{"top larger than the map", &Map{Name: "@c", Kind: MapCount, Keyed: true, Entries: []Entry{
			kv(Int(1), Uint(3))}}, 5,
			"@c[1]: 3\n"},
		{"avg by average", &Map{Name: "@a", Kind: MapAvg, Keyed: true, Entries: []Entry{
			statsOf(Int(1), 10), statsOf(Int(2), -7, 0), statsOf(Int(3))}}, 0,
			"@a[2]: -3\n@a[3]: 0\n@a[1]: 10\n\n"},
		{"hist by total", &Map{Name: "@h", Kind: MapHist, Keyed: true, Entries: []Entry{
			{Key: Int(1), Buckets: []Bucket{{Index: 2, Count: 5}}}, {Key: Int(2), Buckets: []Bucket{{Index: 1, Count: 1}, {Index: 1, Count: 2}}}}}, 1,
			"@h[1]: \n[1]                    5 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"},
		{"stats ignores top", &Map{Name: "@s", Kind: MapStats, Keyed: true, Entries: []Entry{
			statsOf(Int(1), 1), statsOf(Int(2), 2)}}, 1,
			"@s[1]: count 1, average 1, total 1\n@s[2]: count 1, average 2, total 2\n\n"},
	}
	for _, tt := range tests {
		if got := render(t, Text, tt.m, tt.top, 0); got != tt.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
}

func TestMapDoesNotModifyEntries(t *testing.T) {
	m := &Map{Name: "@c", Kind: MapCount, Keyed: true, Entries: []Entry{
		kv(Int(1), Uint(3)), kv(Int(2), Uint(1))}}
	render(t, Text, m, 1, 2)
	if m.Entries[0].Key.Int64() != 1 || m.Entries[0].Value.Uint64() != 3 {
		t.Errorf("entries changed: %+v", m.Entries)
	}
}

func TestAverage(t *testing.T) {
	tests := []struct {
		count uint64
		total int64
		want  int64
	}{
		{0, 5, 0},
		{2, -7, -3}, // truncation toward zero, as 0.17 prints it
		{3, 7, 2},
		{1 << 63, -1 << 63, -1},
		{1<<64 - 1, 5, 0},
	}
	for _, tt := range tests {
		if got := average(tt.count, tt.total); got != tt.want {
			t.Errorf("average(%d, %d) = %d, want %d", tt.count, tt.total, got, tt.want)
		}
	}
	if got := divSigned(-1<<63, 1<<63); got != -1 {
		t.Errorf("divSigned(min, 2^63) = %d", got)
	}
	if got := divSigned(5, 1<<63+1); got != 0 {
		t.Errorf("divSigned(5, 2^63+1) = %d", got)
	}
}

func TestMapsInNameOrder(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, Text)
	err := w.Maps([]*Map{
		{Name: "@b", Kind: MapPlain, Entries: scalar(Int(2))},
		{Name: "@", Kind: MapPlain, Entries: scalar(Int(0))},
		{Name: "@B", Kind: MapPlain, Entries: scalar(Int(1))},
		{Name: "@a_", Kind: MapPlain, Entries: scalar(Int(3))},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "@: 0\n@B: 1\n@a_: 3\n@b: 2\n"; buf.String() != want {
		t.Errorf("Maps = %q, want %q", buf.String(), want)
	}
}

func TestHistLabels(t *testing.T) {
	for _, tt := range []struct {
		i    int
		want string
	}{
		{0, "(..., 0)"}, {1, "[0]"}, {2, "[1]"}, {3, "[2, 4)"}, {11, "[512, 1K)"}, {12, "[1K, 2K)"},
		{22, "[1M, 2M)"}, {32, "[1G, 2G)"}, {42, "[1T, 2T)"}, {52, "[1P, 2P)"}, {61, "[512P, 1E)"},
		{62, "[1E, 2E)"}, {65, "[8E, 16E)"},
	} {
		if got := string(appendHistLabel(nil, tt.i)); got != tt.want {
			t.Errorf("hist label %d = %q, want %q", tt.i, got, tt.want)
		}
	}
	for _, tt := range []struct {
		n    int64
		want string
	}{
		{0, "0"}, {1000, "1000"}, {1024, "1K"}, {1536, "1536"}, {3072, "3K"}, {1 << 20, "1M"},
		{1 << 30, "1024M"}, {-2048, "-2K"}, {-5, "-5"},
	} {
		if got := string(appendLhistNumber(nil, tt.n)); got != tt.want {
			t.Errorf("lhist number %d = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// failWriter fails every write.
type failWriter struct{}

var errDisk = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errDisk }

func TestWriteErrors(t *testing.T) {
	f, err := Parse("%d\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []Mode{Text, JSON} {
		w := NewWriter(failWriter{}, mode)
		if w.Mode() != mode {
			t.Errorf("Mode() = %d, want %d", w.Mode(), mode)
		}
		calls := map[string]error{
			"AttachedProbes": w.AttachedProbes(1),
			"Printf":         w.Printf(f, []Value{Int(1)}),
			"Message":        w.Message(MsgTime, "x"),
			"Value":          w.Value(Int(1)),
			"Map":            w.Map(&Map{Name: "@x", Entries: scalar(Int(1))}, 0, 0),
			"Maps":           w.Maps([]*Map{{Name: "@x", Entries: scalar(Int(1))}}),
			"End":            w.End(),
			"LostEvents":     w.LostEvents(1),
		}
		for name, err := range calls {
			if !errors.Is(err, errDisk) {
				t.Errorf("mode %d: %s error = %v, want it to wrap %v", mode, name, err, errDisk)
			}
		}
		if err := (&Format{}).Render(failWriter{}, nil); !errors.Is(err, errDisk) {
			t.Errorf("Render error = %v", err)
		}
	}
	var buf bytes.Buffer
	w := NewWriter(&buf, JSON)
	if err := w.Printf(f, nil); err == nil || !strings.Contains(err.Error(), "0 arguments supplied") {
		t.Errorf("Printf with missing arguments: %v", err)
	}
	if err := NewWriter(&buf, Text).Printf(f, nil); err == nil {
		t.Error("text Printf with missing arguments: no error")
	}
	if buf.Len() != 0 {
		t.Errorf("failed Printf wrote %q", buf.String())
	}
	if err := NewWriter(failWriter{}, Text).HelperError("x", 1, 1, 1); err != nil {
		t.Errorf("text HelperError = %v, want nil (it prints nothing)", err)
	}
}

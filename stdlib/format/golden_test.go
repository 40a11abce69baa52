package format

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// goldens cover output bpftrace 0.17 cannot produce or gets wrong, so they
// are this package's own output, checked by reading: regenerate them with
// go test -update and review the diff.
var goldens = []struct {
	name string
	run  func(w *Writer) error
}{
	// Every hist bucket up to [8E, 16E), as hist() of unsigned 64-bit
	// values fills them (0.17's BPF code stops at [2G, 4G)).
	{"hist_huge", func(w *Writer) error {
		var bs []Bucket
		for i := 0; i <= maxHistIndex; i++ {
			bs = append(bs, Bucket{Index: i, Count: uint64(i*i + 1)})
		}
		return w.Map(&Map{Name: "@huge", Kind: MapHist, Entries: []Entry{{Buckets: bs}}}, 0, 0)
	}},
	// Bars of counts too large for 0.17's int arithmetic.
	{"hist_large_counts", func(w *Writer) error {
		return w.Map(&Map{Name: "@big", Kind: MapHist, Entries: []Entry{{Buckets: []Bucket{
			{Index: 3, Count: 1 << 40}, {Index: 5, Count: 1<<40 - 1}, {Index: 6, Count: 1 << 35}, {Index: 8, Count: 1<<64 - 1},
		}}}}, 0, 0)
	}},
	// lhist with a negative minimum and numbers beyond the M suffix.
	{"lhist_wide", func(w *Writer) error {
		return w.Map(&Map{Name: "@w", Kind: MapLhist, Min: -2048, Max: 1 << 32, Step: 1 << 30, Entries: []Entry{{Buckets: []Bucket{
			{Index: 0, Count: 1}, {Index: 2, Count: 3}, {Index: 5, Count: 2},
		}}}}, 0, 0)
	}},
	// Stacks as keys (4-space indent) and values (8 spaces), perf mode,
	// symbols sorted by address, timestamps.
	{"resolved_values", func(w *Writer) error {
		st := Stack(StackBpftrace, []string{"vfs_read+5", "ksys_read+100", "0xffffffff81000000"})
		perf := Stack(StackPerf, []string{"ffffffff81f54e8a vfs_read+5"})
		if err := w.Map(&Map{Name: "@k", Kind: MapCount, Keyed: true, Entries: []Entry{kv(st, Uint(7))}}, 0, 0); err != nil {
			return err
		}
		if err := w.Map(&Map{Name: "@v", Kind: MapPlain, Entries: scalar(st)}, 0, 0); err != nil {
			return err
		}
		if err := w.Map(&Map{Name: "@p", Kind: MapPlain, Keyed: true, Entries: []Entry{kv(tup(perf, Int(1)), Tuple(Int(1), perf))}}, 0, 0); err != nil {
			return err
		}
		if err := w.Map(&Map{Name: "@sym", Kind: MapPlain, Keyed: true, Entries: []Entry{
			kv(Symbol("b_func", 0x200), Int(1)), kv(Symbol("a_func", 0x300), Int(2)), kv(Symbol("c_func", 0x100), Int(3)),
		}}, 0, 0); err != nil {
			return err
		}
		if err := w.Map(&Map{Name: "@syms", Kind: MapPlain, Keyed: true, Entries: []Entry{
			kv(Symbol("b_func", 0x200), Str("x")), kv(Symbol("a_func", 0x300), Str("y")), kv(Symbol("c_func", 0x100), Str("z")),
		}}, 0, 0); err != nil {
			return err
		}
		return w.Value(Timestamp(testTime, "%Y-%m-%d %H:%M:%S.%f"))
	}},
	// JSON strings with UTF-8 and invalid bytes (0.17 prints \uffffffXX).
	{"utf8", func(w *Writer) error {
		if err := w.Value(Str("héllo wörld ✓")); err != nil {
			return err
		}
		if err := w.Value(Str("bad \xff\xfe byte")); err != nil {
			return err
		}
		return w.Map(&Map{Name: "@k", Kind: MapCount, Keyed: true, Entries: []Entry{kv(Str("ü\x80"), Uint(1))}}, 0, 0)
	}},
	// Other messages.
	{"messages", func(w *Writer) error {
		for _, n := range []uint64{0, 1, 2} {
			if err := w.AttachedProbes(n); err != nil {
				return err
			}
		}
		if err := w.Message(MsgTime, "03:28:55\n"); err != nil {
			return err
		}
		if err := w.Message(MsgCat, "Linux\n"); err != nil {
			return err
		}
		if err := w.Message(MsgSyscall, "hi\n"); err != nil {
			return err
		}
		if err := w.Message(MsgJoin, "a b c\n"); err != nil {
			return err
		}
		if err := w.LostEvents(42); err != nil {
			return err
		}
		if err := w.HelperError("map_update_elem", -7, 1, 20); err != nil {
			return err
		}
		return w.End()
	}},
	// Values of every width divided by print()'s div.
	{"div_widths", func(w *Writer) error {
		return w.Map(&Map{Name: "@d", Kind: MapPlain, Keyed: true, Entries: []Entry{
			kv(Int(1), IntN(uint64(1<<8-7), 8, true)), kv(Int(2), IntN(200, 8, false)),
			kv(Int(3), Uint(1<<64-1)), kv(Int(4), Int(-1<<63)),
		}}, 0, 3)
	}},
}

func TestGolden(t *testing.T) {
	for _, g := range goldens {
		for _, mode := range []struct {
			mode Mode
			ext  string
		}{{Text, ".txt"}, {JSON, ".json"}} {
			t.Run(g.name+mode.ext, func(t *testing.T) {
				var buf bytes.Buffer
				if err := g.run(NewWriter(&buf, mode.mode)); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", "golden", g.name+mode.ext)
				if *update {
					if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if got := buf.String(); got != string(want) {
					t.Errorf("output differs from %s\n%s", path, diffLines(string(want), got))
				}
			})
		}
	}
}

package format

import (
	"bytes"
	"fmt"
	"math/bits"
	"os"
	"slices"
	"strings"
	"testing"
)

// This file replays the programs of testdata/bpftrace/*.bt through a
// Writer and compares the output with what bpftrace 0.17 printed for them
// (NAME.txt in text mode, NAME.json with -f json; see testdata/capture).
// Each scenario builds, by hand, the map contents the BPF side of the
// program produces.

// histOf returns the hist buckets 0.17's BPF code fills for vals. It puts
// every value from 2^31 up into bucket 33, [2G, 4G).
func histOf(vals ...int64) []Bucket {
	counts := map[int]uint64{}
	for _, v := range vals {
		i := 0
		if v >= 0 {
			i = min(bits.Len64(uint64(v))+1, 33)
		}
		counts[i]++
	}
	return bucketList(counts)
}

// lhistOf returns the lhist buckets for vals.
func lhistOf(lo, hi, step int64, vals ...int64) []Bucket {
	n := (hi - lo) / step
	counts := map[int]uint64{}
	for _, v := range vals {
		switch {
		case v < lo:
			counts[0]++
		case v >= hi:
			counts[int(n+1)]++
		default:
			counts[int(min((v-lo)/step+1, n+1))]++
		}
	}
	return bucketList(counts)
}

// bucketList turns counts into buckets, highest index first, to check
// that Map does not rely on their order.
func bucketList(counts map[int]uint64) []Bucket {
	var bs []Bucket
	for i, c := range counts {
		bs = append(bs, Bucket{Index: i, Count: c})
	}
	slices.SortFunc(bs, func(a, b Bucket) int { return b.Index - a.Index })
	return bs
}

// statsOf returns an avg or stats entry for vals.
func statsOf(key Value, vals ...int64) Entry {
	e := Entry{Key: key}
	for _, v := range vals {
		e.Count++
		e.Total += v
	}
	return e
}

// kv returns a keyed entry of a plain, count, sum, min or max map.
func kv(key, value Value) Entry { return Entry{Key: key, Value: value} }

// scalar returns the single entry of a scalar map.
func scalar(v Value) []Entry { return []Entry{{Value: v}} }

// tup is shorthand for a tuple key.
func tup(vs ...Value) Value { return Tuple(vs...) }

// exitWith prints what every scenario ends with: the exit newlines and the
// maps.
func exitWith(w *Writer, maps ...*Map) error {
	if err := w.End(); err != nil {
		return err
	}
	return w.Maps(maps)
}

func sampleMaps() []*Map {
	return []*Map{
		{Name: "@h", Kind: MapHist, Entries: []Entry{{Buckets: histOf(-5, 0, 1, 1, 3, 1000, 1500000)}}},
		{Name: "@l", Kind: MapLhist, Min: 0, Max: 100, Step: 10,
			Entries: []Entry{{Buckets: lhistOf(0, 100, 10, -3, 5, 15, 15, 55, 150)}}},
		{Name: "@s", Kind: MapStats, Entries: []Entry{statsOf(Value{}, 10, 20, 33)}},
		{Name: "@a", Kind: MapAvg, Entries: []Entry{statsOf(Value{}, 10, 21)}},
		{Name: "@sum", Kind: MapSum, Entries: scalar(Int(12))},
		{Name: "@mn", Kind: MapMin, Entries: scalar(Int(3))},
		{Name: "@mx", Kind: MapMax, Entries: scalar(Int(9))},
		{Name: "@cnt", Kind: MapCount, Entries: scalar(Uint(2))},
		{Name: "@k", Kind: MapPlain, Keyed: true, Entries: []Entry{
			kv(tup(Int(1), Str("a")), Int(5)), kv(tup(Int(2), Str("b")), Int(3))}},
		{Name: "@str", Kind: MapPlain, Keyed: true, Entries: []Entry{kv(Str("x"), Str("hello"))}},
		{Name: "@t", Kind: MapPlain, Entries: scalar(Tuple(Int(1), Str("two"), Int(3)))},
		{Name: "@neg", Kind: MapPlain, Entries: scalar(Int(-7))},
		{Name: "@kh", Kind: MapHist, Keyed: true, Entries: []Entry{
			{Key: Str("b"), Buckets: histOf(100)}, {Key: Str("a"), Buckets: histOf(10)}}},
	}
}

// scenarios mirror testdata/bpftrace/NAME.bt.
var scenarios = []struct {
	name string
	run  func(w *Writer) error
	// textFixes and jsonFixes are (0.17 output, correct output) pairs:
	// places where the output deliberately differs from 0.17's.
	textFixes, jsonFixes []string
}{
	{name: "sample", run: func(w *Writer) error {
		if err := w.AttachedProbes(1); err != nil {
			return err
		}
		return exitWith(w, sampleMaps()...)
	}},
	{name: "keyed", run: func(w *Writer) error {
		if err := w.AttachedProbes(1); err != nil {
			return err
		}
		return exitWith(w,
			&Map{Name: "@s", Kind: MapStats, Keyed: true, Entries: []Entry{
				statsOf(Int(1), -5), statsOf(Int(2), -3, -4), statsOf(Int(3), 7),
				statsOf(Int(256), 7), statsOf(Int(-1), 7)}},
			&Map{Name: "@a", Kind: MapAvg, Keyed: true, Entries: []Entry{
				statsOf(Str("x"), -3, -4), statsOf(Str("y"), 5), statsOf(Str("z"), -1, 2, 2), statsOf(Str("B"), 5)}},
			&Map{Name: "@h", Kind: MapHist, Keyed: true, Entries: []Entry{
				{Key: Int(1), Buckets: histOf(1)}, {Key: Int(256), Buckets: histOf(1)},
				{Key: Int(2), Buckets: histOf(1)}, {Key: Int(-1), Buckets: histOf(1)},
				{Key: Int(7), Buckets: histOf(100, 1000)}}},
			&Map{Name: "@mn", Kind: MapMin, Keyed: true, Entries: []Entry{
				kv(Int(1), Int(-5)), kv(Int(2), Int(3)), kv(Int(3), Int(-10))}},
			&Map{Name: "@mx", Kind: MapMax, Keyed: true, Entries: []Entry{
				kv(Int(1), Int(5)), kv(Int(2), Int(3)), kv(Int(3), Int(9))}},
			&Map{Name: "@sm", Kind: MapSum, Keyed: true, Entries: []Entry{
				kv(Int(1), Int(-5)), kv(Int(2), Int(3)), kv(Int(3), Int(-9))}},
			&Map{Name: "@u", Kind: MapPlain, Keyed: true, Entries: []Entry{
				kv(Int(1), Uint(5)), kv(Int(2), Uint(1<<64-3)), kv(Int(3), Uint(9))}},
			&Map{Name: "@i", Kind: MapPlain, Keyed: true, Entries: []Entry{
				kv(Int(1), Int(5)), kv(Int(2), Int(-3)), kv(Int(3), Int(9))}},
			&Map{Name: "@c", Kind: MapCount, Keyed: true, Entries: []Entry{
				kv(Str("bash"), Uint(2)), kv(Str("sh"), Uint(1)), kv(Str("zsh"), Uint(3))}},
		)
	}},
	{name: "lhist", run: func(w *Writer) error {
		if err := w.AttachedProbes(1); err != nil {
			return err
		}
		lh := func(name string, lo, hi, step int64, vals ...int64) *Map {
			return &Map{Name: name, Kind: MapLhist, Min: lo, Max: hi, Step: step,
				Entries: []Entry{{Buckets: lhistOf(lo, hi, step, vals...)}}}
		}
		return exitWith(w,
			lh("@a", 0, 4096, 1024, -1, 5000, 2000),
			lh("@b", 1024, 3000, 100, 1030, 5000, 1000),
			lh("@c", 0, 4194304, 1048576, 3000000, -3, 9999999),
			lh("@d", 0, 25, 10, 17, 22, 24, 25, 30),
			lh("@f", 0, 10000, 2048, 2048, 99999),
			lh("@g", 0, 10000, 1000, 1000, 20000, -20000),
			lh("@h", 1024, 3072, 512, 2048, 1500, 0, 4000),
			lh("@m", 0, 1073741824, 536870912, 600000000, 1, 1073741825),
			&Map{Name: "@k", Kind: MapLhist, Keyed: true, Min: 1, Max: 10, Step: 1, Entries: []Entry{
				{Key: Int(1), Buckets: lhistOf(1, 10, 1, 5, -1)},
				{Key: Int(2), Buckets: lhistOf(1, 10, 1, 12, 12, 3)}}},
		)
	}},
	{name: "hist_big", run: func(w *Writer) error {
		if err := w.AttachedProbes(1); err != nil {
			return err
		}
		return exitWith(w,
			&Map{Name: "@a", Kind: MapHist, Entries: []Entry{{Buckets: histOf(
				1<<40, 1<<62+5, 1<<63-1, 5000000000, 0xffffffff, 0x80000000, 0x7fffffff, -1, 0x7fffffff, 1<<30)}}},
			&Map{Name: "@b", Kind: MapHist, Entries: []Entry{{Buckets: histOf(1023, 1024, 1048575, 1048576, 1<<29)}}},
		)
	}, jsonFixes: []string{
		// 0.17 computes the bounds of [2^31, 2^32) in 32-bit ints.
		`{"min": -2147483648, "max": 0, "count": 6}`, `{"min": 2147483648, "max": 4294967295, "count": 6}`,
	}},
	{name: "empty", run: func(w *Writer) error {
		maps := map[string]*Map{
			"never":       {Name: "@never", Kind: MapCount},
			"never_keyed": {Name: "@never_keyed", Kind: MapCount, Keyed: true},
			"never_sum":   {Name: "@never_sum", Kind: MapSum},
			"cc":          {Name: "@cc", Kind: MapCount},
			"ch":          {Name: "@ch", Kind: MapHist},
			"cs":          {Name: "@cs", Kind: MapStats},
			"ca":          {Name: "@ca", Kind: MapAvg},
			"ck":          {Name: "@ck", Kind: MapCount, Keyed: true},
			"cl":          {Name: "@cl", Kind: MapLhist, Min: 0, Max: 10, Step: 1},
			"cv":          {Name: "@cv", Kind: MapPlain},
			"zh": {Name: "@zh", Kind: MapHist, Keyed: true, Entries: []Entry{
				{Key: Int(2), Buckets: []Bucket{{Index: 4, Count: 0}}}, {Key: Int(1)}}},
			"zc": {Name: "@zc", Kind: MapCount, Keyed: true, Entries: []Entry{kv(Int(1), Uint(0))}},
			"zs": {Name: "@zs", Kind: MapStats, Keyed: true, Entries: []Entry{{Key: Int(1)}}},
			"za": {Name: "@za", Kind: MapAvg, Entries: []Entry{{}}},
		}
		if err := w.AttachedProbes(1); err != nil {
			return err
		}
		lt, err := Parse("<")
		if err != nil {
			return err
		}
		gt, err := Parse(">\n")
		if err != nil {
			return err
		}
		for _, name := range []string{"never", "never_keyed", "never_sum", "cc", "ch", "cs", "ca", "ck", "cl", "cv", "zh", "zs"} {
			if err := w.Printf(lt, nil); err != nil {
				return err
			}
			if err := w.Map(maps[name], 0, 0); err != nil {
				return err
			}
			if err := w.Printf(gt, nil); err != nil {
				return err
			}
		}
		var all []*Map
		for _, m := range maps {
			all = append(all, m)
		}
		return exitWith(w, all...)
	}},
	{name: "tuples", run: func(w *Writer) error {
		if err := w.AttachedProbes(1); err != nil {
			return err
		}
		str := func(name string, es ...Entry) *Map {
			return &Map{Name: name, Kind: MapPlain, Keyed: true, Entries: es}
		}
		return exitWith(w,
			str("@s", kv(Int(-1), Str("a")), kv(Int(5), Str("b")), kv(Int(256), Str("c")), kv(Int(1), Str("d")), kv(Int(-5), Str("e"))),
			str("@t", kv(Str("b"), Str("x")), kv(Str("a"), Str("y")), kv(Str("ab"), Str("z")), kv(Str(""), Str("w")), kv(Str("B"), Str("v"))),
			str("@u", kv(tup(Int(2), Str("a")), Str("1")), kv(tup(Int(1), Str("b")), Str("2")),
				kv(tup(Int(1), Str("a")), Str("3")), kv(tup(Int(2), Str("0")), Str("4"))),
			str("@w", kv(Str("x"), Tuple(Int(1), Str("a"))), kv(Str("a"), Tuple(Int(2), Str("b")))),
			&Map{Name: "@n", Kind: MapPlain, Entries: scalar(Tuple(Int(1), Tuple(Int(2), Str("x")), Str("y")))},
			str("@z", kv(IntN(0xff, 8, true), Str("q")), kv(IntN(3, 8, true), Str("r")), kv(IntN(1, 8, true), Str("s"))),
			str("@y", kv(IntN(5, 32, false), Str("a")), kv(IntN(1, 32, false), Str("b")), kv(IntN(0xffffffff, 32, false), Str("c"))),
			str("@q", kv(Str("a\"b\\c\td\n\x01"), Str("v\"\x02\r"))),
			&Map{Name: "@b", Kind: MapPlain, Entries: scalar(Bytes([]byte("ab\x01\x7f")))},
			&Map{Name: "@kb", Kind: MapPlain, Keyed: true, Entries: []Entry{kv(Bytes([]byte("k\x03")), Int(1))}},
			&Map{Name: "@k3", Kind: MapCount, Keyed: true, Entries: []Entry{
				kv(tup(Int(1), Str("a"), Int(2)), Uint(1)), kv(tup(Int(1), Str("a"), Int(1)), Uint(2))}},
		)
	}},
	{name: "print", run: func(w *Writer) error {
		s := &Map{Name: "@s", Kind: MapStats, Keyed: true, Entries: []Entry{
			statsOf(Int(1), -50), statsOf(Int(2), 30, 41), statsOf(Int(3), 70)}}
		a := &Map{Name: "@a", Kind: MapAvg, Keyed: true, Entries: []Entry{
			statsOf(Int(1), -30), statsOf(Int(2), 50), statsOf(Int(3), -1)}}
		c := &Map{Name: "@c", Kind: MapCount, Keyed: true, Entries: []Entry{
			kv(Int(1), Uint(1)), kv(Int(2), Uint(3)), kv(Int(3), Uint(2))}}
		x := &Map{Name: "@x", Kind: MapPlain, Entries: scalar(Int(7))}
		y := &Map{Name: "@y", Kind: MapPlain, Keyed: true, Entries: []Entry{
			kv(Int(5), Int(-9)), kv(Int(6), Int(-3)), kv(Int(7), Int(11))}}
		h := &Map{Name: "@h", Kind: MapHist, Keyed: true, Entries: []Entry{
			{Key: Int(1), Buckets: histOf(5, 5, 5, 100)}, {Key: Int(2), Buckets: histOf(7)}, {Key: Int(3), Buckets: histOf(1, 1)}}}
		l := &Map{Name: "@l", Kind: MapLhist, Keyed: true, Min: 0, Max: 10, Step: 1, Entries: []Entry{
			{Key: Int(1), Buckets: lhistOf(0, 10, 1, 5, 5, 5)}, {Key: Int(2), Buckets: lhistOf(0, 10, 1, 3)}}}
		if err := w.AttachedProbes(1); err != nil {
			return err
		}
		steps := []struct {
			msg      string
			m        *Map
			top, div uint64
			moreMaps []*Map
		}{
			{msg: "top 2, div 3\n", m: s, top: 2, div: 3},
			{msg: "top 2, div 4\n", m: a, top: 2, div: 4},
			{msg: "top 2, div 2\n", m: c, top: 2, div: 2},
			{msg: "div 2\n", m: x, div: 2, moreMaps: []*Map{y}},
			{msg: "top 1, div 0\n", m: y, top: 1},
			{msg: "top 10\n", m: c, top: 10},
			{msg: "hist top 2 div 2\n", m: h, top: 2, div: 2},
			{msg: "lhist top 1 div 3\n", m: l, top: 1, div: 3},
			{msg: "whole\n", m: c, moreMaps: []*Map{h, s}},
		}
		for _, st := range steps {
			if err := w.Message(MsgPrintf, st.msg); err != nil {
				return err
			}
			if err := w.Map(st.m, st.top, st.div); err != nil {
				return err
			}
			for _, m := range st.moreMaps {
				if err := w.Map(m, 0, st.div); err != nil {
					return err
				}
			}
		}
		return exitWith(w, s, a, c, x, y, h, l)
	}, textFixes: []string{
		// 0.17 ignores div on lhist maps (and divides hist maps).
		"lhist top 1 div 3\n@l[1]: \n[5, 6)                 3 |", "lhist top 1 div 3\n@l[1]: \n[5, 6)                 1 |",
	}, jsonFixes: []string{
		`{"@l": {"1": [{"min": 5, "max": 5, "count": 3}]}}}` + "\n{\"type\": \"printf\", \"data\": \"whole",
		`{"@l": {"1": [{"min": 5, "max": 5, "count": 1}]}}}` + "\n{\"type\": \"printf\", \"data\": \"whole",
	}},
	{name: "values", run: func(w *Writer) error {
		if err := w.AttachedProbes(1); err != nil {
			return err
		}
		for _, v := range []Value{
			Int(1), Int(-5), Str("str"), Str(""),
			Tuple(Int(1), Str("a"), Tuple(Int(2), Str("b"))), Tuple(Int(1), Int(-2)), Tuple(Str("q\"\\\t"), Int(3)),
			IntN(0xff, 8, true), IntN(255, 8, false), IntN(0xffff, 16, false), IntN(uint64(1<<32-7), 32, true), Uint(1<<64 - 1),
			Bytes([]byte("x\x02")),
			Inet([]byte{127, 0, 0, 1}), Inet([]byte{0xfe, 0x80, 14: 0, 15: 1, 12: 0, 13: 0xab}),
		} {
			if err := w.Value(v); err != nil {
				return err
			}
		}
		f, err := Parse("%s|%d|%x\n")
		if err != nil {
			return err
		}
		if err := w.Printf(f, []Value{Str("a\"b"), Int(-1), Int(255)}); err != nil {
			return err
		}
		if err := w.Value(Str("a\rb\x08c\x0cd\x7fe/f\x1f")); err != nil {
			return err
		}
		return w.End()
	}},
}

func TestOracle(t *testing.T) {
	for _, sc := range scenarios {
		for _, mode := range []struct {
			name string
			mode Mode
			ext  string
		}{{"text", Text, ".txt"}, {"json", JSON, ".json"}} {
			t.Run(sc.name+"/"+mode.name, func(t *testing.T) {
				wantBytes, err := os.ReadFile("testdata/bpftrace/" + sc.name + mode.ext)
				if err != nil {
					t.Fatal(err)
				}
				want := string(wantBytes)
				fixes := sc.textFixes
				if mode.mode == JSON {
					fixes = sc.jsonFixes
				}
				for i := 0; i+1 < len(fixes); i += 2 {
					if !strings.Contains(want, fixes[i]) {
						t.Fatalf("0.17 output lacks %q", fixes[i])
					}
					want = strings.ReplaceAll(want, fixes[i], fixes[i+1])
				}
				var buf bytes.Buffer
				if err := sc.run(NewWriter(&buf, mode.mode)); err != nil {
					t.Fatal(err)
				}
				if got := buf.String(); got != want {
					t.Errorf("output differs from bpftrace 0.17's\n%s", diffLines(want, got))
				}
			})
		}
	}
}

// diffLines shows the first differing line of two outputs, with context.
func diffLines(want, got string) string {
	w := strings.SplitAfter(want, "\n")
	g := strings.SplitAfter(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			var b strings.Builder
			for j := max(0, i-3); j < i; j++ {
				b.WriteString("   " + strings.TrimSuffix(w[j], "\n") + "\n")
			}
			fmt.Fprintf(&b, "want line %d: %q\n got line %d: %q\n", i+1, wl, i+1, gl)
			return b.String()
		}
	}
	return "(no difference)"
}

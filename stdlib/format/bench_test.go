package format

import (
	"io"
	"strconv"
	"testing"
)

// BenchmarkCountMap renders a 1000-entry count map keyed by strings, as at
// the end of a syscall-counting script.
func BenchmarkCountMap(b *testing.B) {
	m := &Map{Name: "@calls", Kind: MapCount, Keyed: true}
	for i := range 1000 {
		m.Entries = append(m.Entries, Entry{Key: Str("comm-" + strconv.Itoa(i)), Value: Uint(uint64(i*7919) % 100003)})
	}
	for _, mode := range []struct {
		name string
		mode Mode
	}{{"text", Text}, {"json", JSON}} {
		b.Run(mode.name, func(b *testing.B) {
			w := NewWriter(io.Discard, mode.mode)
			b.ReportAllocs()
			for b.Loop() {
				if err := w.Map(m, 0, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPrintfStream formats 1000 printf events with a typical format.
func BenchmarkPrintfStream(b *testing.B) {
	f, err := Parse("%-16s %6d %6d %-8s %5lu %#x\n")
	if err != nil {
		b.Fatal(err)
	}
	events := make([][]Value, 1000)
	for i := range events {
		events[i] = []Value{Str("process-" + strconv.Itoa(i%37)), Uint(uint64(i + 1000)), Int(int64(i % 5)),
			Str("openat"), Int(int64(i * 3)), Uint(uint64(i) << 12)}
	}
	w := NewWriter(io.Discard, Text)
	b.ReportAllocs()
	for b.Loop() {
		for _, args := range events {
			if err := w.Printf(f, args); err != nil {
				b.Fatal(err)
			}
		}
	}
}

package parser

import (
	"os"
	"testing"
)

// BenchmarkParse parses a 300-line script; it should take well under 10 ms.
func BenchmarkParse(b *testing.B) {
	src, err := os.ReadFile("testdata/bench/bench300.bt")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("bench300.bt", string(src)); err != nil {
			b.Fatal(err)
		}
	}
}

package format_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"gtrace/stdlib/format"
)

func ExampleParse() {
	f, err := format.Parse("%-8s pid %5d ret %#x\n")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range f.Convs() {
		fmt.Printf("%s at %d needs %s\n", c.Spec, c.Offset, c.Arg)
	}
	err = f.Render(os.Stdout, []format.Value{format.Str("bash"), format.Uint(4242), format.Int(255)})
	if err != nil {
		fmt.Println(err)
	}

	_, err = format.Parse("100%")
	fmt.Println(err)
	// Output:
	// %-8s at 0 needs string
	// %5d at 9 needs integer
	// %#x at 17 needs integer
	// bash     pid  4242 ret 0xff
	// format string offset 3: Incomplete format string token at end of string: %
}

func ExampleWriter_Map() {
	w := format.NewWriter(os.Stdout, format.Text)
	w.Map(&format.Map{
		Name:  "@calls",
		Kind:  format.MapCount,
		Keyed: true,
		Entries: []format.Entry{
			{Key: format.Str("read"), Value: format.Uint(31)},
			{Key: format.Str("write"), Value: format.Uint(4)},
		},
	}, 0, 0)
	// A histogram's header line ends in a space, shown here as ␠.
	var buf strings.Builder
	format.NewWriter(&buf, format.Text).Map(&format.Map{
		Name: "@bytes",
		Kind: format.MapHist,
		Entries: []format.Entry{{Buckets: []format.Bucket{
			{Index: 3, Count: 2},  // [2, 4)
			{Index: 12, Count: 8}, // [1K, 2K)
		}}},
	}, 0, 0)
	fmt.Print(strings.ReplaceAll(buf.String(), " \n", "␠\n"))
	// Output:
	// @calls[write]: 4
	// @calls[read]: 31
	// @bytes:␠
	// [2, 4)                 2 |@@@@@@@@@@@@@                                       |
	// [4, 8)                 0 |                                                    |
	// [8, 16)                0 |                                                    |
	// [16, 32)               0 |                                                    |
	// [32, 64)               0 |                                                    |
	// [64, 128)              0 |                                                    |
	// [128, 256)             0 |                                                    |
	// [256, 512)             0 |                                                    |
	// [512, 1K)              0 |                                                    |
	// [1K, 2K)               8 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
}

func ExampleWriter_Value() {
	for _, mode := range []format.Mode{format.Text, format.JSON} {
		w := format.NewWriter(os.Stdout, mode)
		w.Value(format.Tuple(format.Int(-1), format.Str("two"), format.Tuple(format.Uint(3))))
	}
	// Output:
	// (-1, two, (3))
	// {"type": "value", "data": [-1,"two",[3]]}
}

func ExampleStrftime() {
	// The runtime measures the offset once: CLOCK_REALTIME - CLOCK_BOOTTIME.
	offset := time.Duration(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC).UnixNano())
	t := format.BootToWall(3_723_000_456_000, offset).UTC() // nsecs = 1h02m03.000456s
	fmt.Print(format.Strftime(format.DefaultTimeFormat, t))
	fmt.Println(format.Strftime("%Y-%m-%d %a %T.%f", t))
	// Output:
	// 01:02:03
	// 2026-12-06 Sun 01:02:03.000456
}

func ExampleNtop() {
	v4, _ := format.Ntop([]byte{192, 168, 0, 1})
	v6, _ := format.Ntop([]byte{0x20, 0x01, 0x0d, 0xb8, 15: 1})
	fmt.Println(v4, v6)
	// Output: 192.168.0.1 2001:db8::1
}

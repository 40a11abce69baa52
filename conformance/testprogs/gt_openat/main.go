// Command gt_openat opens a file (default /dev/null) exactly N times with
// openat(2), closing it each time, so that conformance cases can count the
// calls: gt_openat N [PATH].
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: gt_openat N [PATH]")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n < 0 {
		fmt.Fprintf(os.Stderr, "gt_openat: bad count %q\n", os.Args[1])
		os.Exit(2)
	}
	path := "/dev/null"
	if len(os.Args) == 3 {
		path = os.Args[2]
	}
	for range n {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gt_openat:", err)
			os.Exit(1)
		}
		f.Close()
	}
}

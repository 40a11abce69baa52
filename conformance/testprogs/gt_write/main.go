// Command gt_write writes SIZE bytes to /dev/null exactly N times with
// write(2), so that cases can check the calls and their sizes: gt_write N SIZE.
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gt_write N SIZE")
		os.Exit(2)
	}
	n, err1 := strconv.Atoi(os.Args[1])
	size, err2 := strconv.Atoi(os.Args[2])
	if err1 != nil || err2 != nil || n < 0 || size < 1 {
		fmt.Fprintln(os.Stderr, "gt_write: bad arguments")
		os.Exit(2)
	}
	f, err := os.OpenFile("/dev/null", os.O_WRONLY, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gt_write:", err)
		os.Exit(1)
	}
	buf := make([]byte, size)
	for range n {
		if _, err := f.Write(buf); err != nil {
			fmt.Fprintln(os.Stderr, "gt_write:", err)
			os.Exit(1)
		}
	}
	f.Close()
}

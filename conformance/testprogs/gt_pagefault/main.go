// Command gt_pagefault touches N fresh anonymous pages, causing at least N
// page faults: gt_pagefault N.
package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gt_pagefault N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n <= 0 {
		fmt.Fprintf(os.Stderr, "gt_pagefault: bad count %q\n", os.Args[1])
		os.Exit(2)
	}
	page := os.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, n*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gt_pagefault:", err)
		os.Exit(1)
	}
	for i := 0; i < n; i++ {
		mem[i*page] = 1
	}
	if err := syscall.Munmap(mem); err != nil {
		fmt.Fprintln(os.Stderr, "gt_pagefault:", err)
		os.Exit(1)
	}
}

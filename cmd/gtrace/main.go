// Command gtrace is a bpftrace-compatible tracer written in pure Go: it
// compiles bpftrace scripts to eBPF without LLVM and runs them.
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "-V" || os.Args[1] == "--version") {
		fmt.Printf("gtrace %s\n", version)
		return
	}
	fmt.Fprintln(os.Stderr, "gtrace: not yet usable")
	os.Exit(1)
}

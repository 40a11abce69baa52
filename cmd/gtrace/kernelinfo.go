package main

import (
	"fmt"
	"io"

	"gtrace/runtime/kernel"
)

// printInfo prints --info: the kernel features that matter, measured now.
func printInfo(stdout, stderr io.Writer) int {
	if err := kernel.New().WriteInfo(stdout, version); err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return 1
	}
	return 0
}

// listProbes prints -l [pattern] (and -lv with argument lists).
func listProbes(cfg *config, stdout, stderr io.Writer) int {
	if err := kernel.New().List(stdout, cfg.listPattern, cfg.verbose); err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return 1
	}
	return 0
}

// Package kernel tells gtrace about the running kernel: tracepoints and
// their format files (from tracefs), perf software and hardware events,
// probe listings for `gtrace -l`, online CPUs, the kernel version, BPF
// feature probes and the `--info` report, and a /proc/kallsyms reader.
//
// Info is the entry point. It implements check.Kernel for the checker; it
// does no work until asked, caches what it reads and is safe for
// concurrent use. The parsers (ParseFormat, ParseCPUList, ParseRelease,
// ParseKallsyms) are pure functions usable without a kernel.
package kernel

// Package scripts holds gtrace's shipped tools: bpftrace programs (*.bt)
// that use only tracepoints, profile and interval probes, so that they run
// on kernels without kprobes. The package has no Go API; its tests compile
// every tool against the running kernel and run most of them briefly.
package scripts

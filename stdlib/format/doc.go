// Package format turns the values a BPF program produces into the exact text
// bpftrace 0.17 prints, in text mode and in JSON mode (-f json).
//
// It is pure Go and depends only on the standard library. The runtime decodes
// raw map and event bytes into [Value]s and hands them here:
//
//   - [Parse] compiles a printf format string once; [Format.Render] formats
//     the arguments of each printf event.
//   - [Writer] prints whole messages: printf/time/cat output, print(value),
//     maps ([Map], with count, sum, min, max, avg, stats, hist and lhist
//     values), the attach line, lost events and the blank lines at exit.
//   - [Strftime] and [BootToWall] implement time() and strftime();
//     [Ntop] renders IPv4 and IPv6 addresses like inet_ntop.
//
// Where bpftrace 0.17 has a bug, this package does the right thing and says
// so in a comment marked "0.17:".
package format

// Command loadgen is the load generator of gtrace-bench. The benchmark
// builds it with CGO_ENABLED=0 and runs it to fire syscall tracepoints at a
// known pace:
//
//	loadgen calls N        call getppid N times, print "ns/call W cpu-ns/call C"
//	                       (wall time and the thread's CPU time per call)
//	loadgen loop           call getppid every 100µs until stdin closes
//	loadgen mix D          getppid, read and openat in a loop for duration D
//	loadgen rate R D       call getppid R times a second (0: flat out) for D,
//	                       print "calls N seconds F"
//
// Every mode but loop first prints "pid P" and waits for a line on stdin,
// so the benchmark can start a tracer filtering on P before the load begins.
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: %v\n", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: loadgen calls N | loop | mix D | rate R D")
	}
	switch mode, rest := args[0], args[1:]; mode {
	case "calls":
		if len(rest) != 1 {
			return fmt.Errorf("usage: loadgen calls N")
		}
		n, err := strconv.Atoi(rest[0])
		if err != nil || n <= 0 {
			return fmt.Errorf("calls: bad count %q", rest[0])
		}
		if err := handshake(); err != nil {
			return err
		}
		return calls(n)
	case "loop":
		return loop()
	case "mix":
		if len(rest) != 1 {
			return fmt.Errorf("usage: loadgen mix D")
		}
		d, err := time.ParseDuration(rest[0])
		if err != nil {
			return fmt.Errorf("mix: %w", err)
		}
		if err := handshake(); err != nil {
			return err
		}
		return mix(d)
	case "rate":
		if len(rest) != 2 {
			return fmt.Errorf("usage: loadgen rate R D")
		}
		r, err := strconv.Atoi(rest[0])
		if err != nil || r < 0 {
			return fmt.Errorf("rate: bad rate %q", rest[0])
		}
		d, err := time.ParseDuration(rest[1])
		if err != nil {
			return fmt.Errorf("rate: %w", err)
		}
		if err := handshake(); err != nil {
			return err
		}
		return rate(r, d)
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
}

// handshake prints the pid and waits for the go-ahead line.
func handshake() error {
	fmt.Printf("pid %d\n", os.Getpid())
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return fmt.Errorf("waiting for the start line: %w", err)
	}
	return nil
}

// calls times n getppid calls. Besides wall time it reads the thread's CPU
// clock, which the time a tracepoint's BPF program runs is charged to but
// time spent waiting for a CPU on a busy machine is not.
func calls(n int) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0, err := threadCPU()
	if err != nil {
		return err
	}
	start := time.Now()
	for range n {
		syscall.Getppid()
	}
	el := time.Since(start)
	cpu1, err := threadCPU()
	if err != nil {
		return err
	}
	_, err = fmt.Printf("ns/call %.3f cpu-ns/call %.3f\n", float64(el.Nanoseconds())/float64(n), float64(cpu1-cpu0)/float64(n))
	return err
}

// clockThreadCPUTime is CLOCK_THREAD_CPUTIME_ID from <time.h>.
const clockThreadCPUTime = 3

// threadCPU returns the CPU time the calling thread has used.
func threadCPU() (time.Duration, error) {
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0, fmt.Errorf("clock_gettime: %w", errno)
	}
	return time.Duration(ts.Nano()), nil
}

// loop calls getppid until stdin reaches EOF, so the benchmark can stop it
// by closing the pipe.
func loop() error {
	done := make(chan struct{})
	go func() {
		buf := make([]byte, 64)
		for {
			if _, err := os.Stdin.Read(buf); err != nil {
				close(done)
				return
			}
		}
	}()
	t := time.NewTicker(100 * time.Microsecond)
	defer t.Stop()
	for {
		select {
		case <-done:
			return nil
		case <-t.C:
			syscall.Getppid()
		}
	}
}

// readSizes vary the read sizes so histograms get several buckets.
var readSizes = [...]int{1, 16, 100, 512, 1500, 4096, 9000, 65536}

func mix(d time.Duration) error {
	zero, err := os.Open("/dev/zero")
	if err != nil {
		return err
	}
	defer zero.Close()
	buf := make([]byte, 65536)
	paths := []string{"/etc/hostname", "/etc/passwd", "/nonexistent/gtrace-bench"}
	deadline := time.Now().Add(d)
	n := 0
	for ; time.Now().Before(deadline); n++ {
		syscall.Getppid()
		if _, err := zero.Read(buf[:readSizes[n%len(readSizes)]]); err != nil {
			return err
		}
		if f, err := os.Open(paths[n%len(paths)]); err == nil {
			f.Close()
		}
	}
	_, err = fmt.Printf("iterations %d\n", n)
	return err
}

// rate paces the calls on a 1 ms grid: each tick makes up the calls due
// since the start, so a late tick catches up instead of lowering the rate.
func rate(r int, d time.Duration) error {
	start := time.Now()
	n := 0
	if r == 0 {
		for time.Since(start) < d {
			for range 1000 {
				syscall.Getppid()
			}
			n += 1000
		}
	} else {
		for {
			el := time.Since(start)
			if el >= d {
				break
			}
			due := int(float64(r) * el.Seconds())
			for ; n < due; n++ {
				syscall.Getppid()
			}
			time.Sleep(time.Millisecond)
		}
		// Top up to the exact total so the expected count is r*d.
		for total := int(float64(r) * d.Seconds()); n < total; n++ {
			syscall.Getppid()
		}
	}
	_, err := fmt.Printf("calls %d seconds %.6f\n", n, time.Since(start).Seconds())
	return err
}

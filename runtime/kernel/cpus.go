package kernel

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// maxCPUs bounds CPU lists; Linux's NR_CPUS is at most 8192.
const maxCPUs = 1 << 16

// ParseCPUList parses a kernel CPU list such as "0-3,5\n" (the format of
// /sys/devices/system/cpu/online) into ascending CPU numbers. An empty
// list gives no CPUs.
func ParseCPUList(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var cpus []int
	for item := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(item, "-")
		first, err := parseCPU(lo)
		if err != nil {
			return nil, fmt.Errorf("cpu list %q: %w", s, err)
		}
		last := first
		if isRange {
			if last, err = parseCPU(hi); err != nil {
				return nil, fmt.Errorf("cpu list %q: %w", s, err)
			}
		}
		if last < first {
			return nil, fmt.Errorf("cpu list %q: range %q runs backwards", s, item)
		}
		if len(cpus) > 0 && first <= cpus[len(cpus)-1] {
			return nil, fmt.Errorf("cpu list %q: %q is out of order", s, item)
		}
		for c := first; c <= last; c++ {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

func parseCPU(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || strings.HasPrefix(s, "+") {
		return 0, fmt.Errorf("bad cpu number %q", s)
	}
	if n >= maxCPUs {
		return 0, fmt.Errorf("cpu number %d is too large", n)
	}
	return n, nil
}

// OnlineCPUs returns the online CPUs, from /sys/devices/system/cpu/online.
func (k *Info) OnlineCPUs() ([]int, error) {
	return k.readCPUList("online")
}

// PossibleCPUs returns the number of possible CPUs, from
// /sys/devices/system/cpu/possible: the number of slots in a per-CPU map
// value.
func (k *Info) PossibleCPUs() (int, error) {
	cpus, err := k.readCPUList("possible")
	if err != nil {
		return 0, err
	}
	return len(cpus), nil
}

func (k *Info) readCPUList(name string) ([]int, error) {
	data, err := os.ReadFile(filepath.Join(k.sys, "devices/system/cpu", name))
	if err != nil {
		return nil, fmt.Errorf("reading %s CPUs: %w", name, err)
	}
	cpus, err := ParseCPUList(string(data))
	if err != nil {
		return nil, err
	}
	if len(cpus) == 0 {
		return nil, fmt.Errorf("%s CPU list is empty", name)
	}
	return cpus, nil
}

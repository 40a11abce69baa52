package runtime

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Capability bits from linux/capability.h.
const (
	capSysAdmin = 21
	capPerfmon  = 38
	capBPF      = 39
)

// CheckPrivileges fails with one clear line when the process can neither
// load BPF programs nor open perf events.
func CheckPrivileges() error {
	if os.Geteuid() == 0 {
		return nil
	}
	caps, err := effectiveCaps()
	if err == nil && (caps&(1<<capSysAdmin) != 0 || (caps&(1<<capBPF) != 0 && caps&(1<<capPerfmon) != 0)) {
		return nil
	}
	return errors.New("gtrace needs to run as root, or with the CAP_BPF and CAP_PERFMON capabilities")
}

// effectiveCaps reads CapEff from /proc/self/status.
func effectiveCaps() (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapEff:"); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	return 0, errors.New("no CapEff line")
}

// ProcessExists checks the -p process.
func ProcessExists(pid int) error {
	if err := unix.Kill(pid, 0); err != nil && !errors.Is(err, unix.EPERM) {
		return fmt.Errorf("process %d does not exist: %w", pid, err)
	}
	return nil
}

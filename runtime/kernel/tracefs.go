package kernel

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// ErrNoTracefs is wrapped by errors saying that tracefs is not available.
var ErrNoTracefs = errors.New("tracefs is not available")

// tracefsMagic is TRACEFS_MAGIC from linux/magic.h (missing from x/sys).
const tracefsMagic = 0x74726163

// tracefsDirs are the places tracefs is mounted, in bpftrace's order.
var tracefsDirs = [...]string{"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}

// locateTracefs finds tracefs, mounting it on /sys/kernel/tracing when it
// is mounted nowhere.
func locateTracefs() (string, error) {
	for _, dir := range tracefsDirs {
		if isTracefs(dir) {
			return dir, nil
		}
	}
	dir := tracefsDirs[0]
	if err := unix.Mount("nodev", dir, "tracefs", 0, ""); err != nil {
		return "", fmt.Errorf("%w: it is mounted on neither %s nor %s, and mounting it on %s failed (this needs root and a kernel built with CONFIG_TRACING): %w",
			ErrNoTracefs, tracefsDirs[0], tracefsDirs[1], dir, err)
	}
	if !isTracefs(dir) {
		return "", fmt.Errorf("%w: mounted tracefs on %s but it has no events directory", ErrNoTracefs, dir)
	}
	return dir, nil
}

// isTracefs reports whether dir is a usable tracefs mount.
func isTracefs(dir string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return false
	}
	if st.Type == tracefsMagic {
		return true
	}
	// debugfs's tracing directory is an automount point that is only
	// replaced by tracefs once something inside it is accessed.
	fi, err := os.Stat(filepath.Join(dir, "events"))
	return err == nil && fi.IsDir()
}

package kernel

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Uname is the running kernel's identification, as uname(2) reports it.
type Uname struct {
	Sysname string // "Linux"
	Release string // "6.18.44-fc-v1294"
	Version string // "#1 SMP PREEMPT_DYNAMIC ..."
	Machine string // "x86_64"
}

// Version is a comparable kernel version.
type Version struct {
	Major, Minor, Patch int
}

// ParseRelease extracts the version from a kernel release string such as
// "6.18.44-fc-v1294", "5.10.0-21-amd64" or "6.1": the leading
// major.minor[.patch] numbers; anything after them is ignored.
func ParseRelease(release string) (Version, error) {
	var nums [3]int
	s := release
	for i := range nums {
		j := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == 0 {
			if i < 2 {
				return Version{}, fmt.Errorf("kernel release %q does not start with major.minor", release)
			}
			break
		}
		n, err := strconv.Atoi(s[:j])
		if err != nil {
			return Version{}, fmt.Errorf("kernel release %q: %w", release, err)
		}
		nums[i] = n
		s = s[j:]
		if i < 2 {
			if !strings.HasPrefix(s, ".") {
				if i == 0 {
					return Version{}, fmt.Errorf("kernel release %q does not start with major.minor", release)
				}
				break
			}
			s = s[1:]
		}
	}
	return Version{nums[0], nums[1], nums[2]}, nil
}

// Compare returns -1, 0 or +1 as v is older than, equal to or newer than o.
func (v Version) Compare(o Version) int {
	return cmp.Or(cmp.Compare(v.Major, o.Major), cmp.Compare(v.Minor, o.Minor), cmp.Compare(v.Patch, o.Patch))
}

// AtLeast reports whether v is major.minor.patch or newer.
func (v Version) AtLeast(major, minor, patch int) bool {
	return v.Compare(Version{major, minor, patch}) >= 0
}

// String formats v as "major.minor.patch".
func (v Version) String() string {
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

// Uname returns the running kernel's uname(2) data.
func (k *Info) Uname() (Uname, error) {
	return k.uname()
}

// KernelVersion returns the running kernel's version, from its release.
func (k *Info) KernelVersion() (Version, error) {
	u, err := k.uname()
	if err != nil {
		return Version{}, err
	}
	return ParseRelease(u.Release)
}

func readUname() (Uname, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return Uname{}, fmt.Errorf("uname: %w", err)
	}
	return Uname{
		Sysname: unix.ByteSliceToString(u.Sysname[:]),
		Release: unix.ByteSliceToString(u.Release[:]),
		Version: unix.ByteSliceToString(u.Version[:]),
		Machine: unix.ByteSliceToString(u.Machine[:]),
	}, nil
}

package attach

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// unsafeSizeofPerfEventAttr is the attr size the kernel expects in the
// Size field.
const unsafeSizeofPerfEventAttr = unsafe.Sizeof(unix.PerfEventAttr{})

package kernel

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"
)

// The feature probes for fentry, iterators and fentry-only helpers load
// BPF_PROG_TYPE_TRACING programs. cilium/ebpf finds their BTF target by
// decoding the kernel's whole BTF (tens of milliseconds), so these probes
// issue bpf(2) themselves with an ID found by btfFuncIDs.

// bpfPtr is a 64-bit pointer field of union bpf_attr, typed so that the
// garbage collector keeps what it points to. The layouts below hold on
// 64-bit hosts only, which loadTracing checks.
type bpfPtr = unsafe.Pointer

const is64Bit = unsafe.Sizeof(uintptr(0)) == 8

// progLoadAttr is the BPF_PROG_LOAD part of union bpf_attr, up to
// attach_btf_obj_fd.
type progLoadAttr struct {
	progType           uint32
	insnCnt            uint32
	insns              bpfPtr
	license            bpfPtr
	logLevel           uint32
	logSize            uint32
	logBuf             bpfPtr
	kernVersion        uint32
	progFlags          uint32
	progName           [16]byte
	progIfindex        uint32
	expectedAttachType uint32
	progBTFFd          uint32
	funcInfoRecSize    uint32
	funcInfo           bpfPtr
	funcInfoCnt        uint32
	lineInfoRecSize    uint32
	lineInfo           bpfPtr
	lineInfoCnt        uint32
	attachBTFID        uint32
	attachBTFObjFd     uint32
}

// rawTracepointOpenAttr is the BPF_RAW_TRACEPOINT_OPEN part of bpf_attr;
// a nil name attaches a tracing program to its BTF target.
type rawTracepointOpenAttr struct {
	name   bpfPtr
	progFd uint32
	_      uint32
}

// hostByteOrder is the byte order of BPF instructions for this machine;
// asm.Instructions.Marshal wants binary.LittleEndian or BigEndian itself.
var hostByteOrder = func() binary.ByteOrder {
	x := uint16(1)
	if *(*byte)(unsafe.Pointer(&x)) == 1 {
		return binary.LittleEndian
	}
	return binary.BigEndian
}()

func bpfCall(cmd uintptr, attr unsafe.Pointer, size uintptr) (int, error) {
	r, _, errno := unix.Syscall(unix.SYS_BPF, cmd, uintptr(attr), size)
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}

// loadTracing loads insns as a tracing program of the given attach type
// for the kernel function with BTF ID btfID. With wantLog it also returns
// the verifier log. The caller closes the returned fd.
func loadTracing(attachType uint32, btfID uint32, insns asm.Instructions, wantLog bool) (int, string, error) {
	if !is64Bit {
		return -1, "", errors.New("tracing-program probes support only 64-bit hosts")
	}
	var code bytes.Buffer
	if err := insns.Marshal(&code, hostByteOrder); err != nil {
		return -1, "", fmt.Errorf("encoding probe program: %w", err)
	}
	license := []byte("GPL\x00")
	attr := progLoadAttr{
		progType:           unix.BPF_PROG_TYPE_TRACING,
		insnCnt:            uint32(code.Len() / asm.InstructionSize),
		insns:              unsafe.Pointer(&code.Bytes()[0]),
		license:            unsafe.Pointer(&license[0]),
		expectedAttachType: attachType,
		attachBTFID:        btfID,
	}
	var log []byte
	if wantLog {
		log = make([]byte, 64<<10)
		attr.logLevel, attr.logSize, attr.logBuf = 1, uint32(len(log)), unsafe.Pointer(&log[0])
	}
	var fd int
	var err error
	// The kernel asks to retry loads interrupted by signals.
	for range 5 {
		if fd, err = bpfCall(unix.BPF_PROG_LOAD, unsafe.Pointer(&attr), unsafe.Sizeof(attr)); !errors.Is(err, unix.EAGAIN) {
			break
		}
	}
	runtime.KeepAlive(code)
	runtime.KeepAlive(license)
	return fd, string(bytes.TrimRight(log, "\x00")), err
}

// attachTracing attaches a loaded fentry program and returns the link fd.
func attachTracing(progFd int) (int, error) {
	if !is64Bit {
		return -1, errors.New("tracing-program probes support only 64-bit hosts")
	}
	attr := rawTracepointOpenAttr{progFd: uint32(progFd)}
	return bpfCall(unix.BPF_RAW_TRACEPOINT_OPEN, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
}

package format

import (
	"errors"
	"strconv"
)

// errAddrLen is returned for an address that is neither 4 nor 16 bytes.
var errAddrLen = errors.New("ntop: address must be 4 (IPv4) or 16 (IPv6) bytes")

// Ntop renders an IPv4 (4 bytes) or IPv6 (16 bytes) address in network
// byte order as inet_ntop(3) does, which is what ntop() prints.
func Ntop(addr []byte) (string, error) {
	b, err := AppendNtop(nil, addr)
	return string(b), err
}

// AppendNtop appends the address rendered by [Ntop] to dst.
func AppendNtop(dst []byte, addr []byte) ([]byte, error) {
	switch len(addr) {
	case 4:
		return appendIPv4(dst, addr), nil
	case 16:
		return appendIPv6(dst, addr), nil
	}
	return dst, errAddrLen
}

func appendIPv4(dst []byte, a []byte) []byte {
	for i, b := range a {
		if i > 0 {
			dst = append(dst, '.')
		}
		dst = strconv.AppendUint(dst, uint64(b), 10)
	}
	return dst
}

// appendIPv6 follows glibc's inet_ntop6: the first longest run of two or
// more zero groups becomes "::", hex digits are lower case, and an
// IPv4-compatible (::a.b.c.d) or IPv4-mapped (::ffff:a.b.c.d) address ends
// in dotted decimal.
func appendIPv6(dst []byte, a []byte) []byte {
	var words [8]uint16
	for i := range words {
		words[i] = uint16(a[2*i])<<8 | uint16(a[2*i+1])
	}
	bestBase, bestLen := -1, 0
	for i := 0; i < 8; {
		if words[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && words[j] == 0 {
			j++
		}
		if j-i > bestLen {
			bestBase, bestLen = i, j-i
		}
		i = j
	}
	if bestLen < 2 {
		bestBase = -1
	}
	for i := 0; i < 8; i++ {
		if bestBase >= 0 && i >= bestBase && i < bestBase+bestLen {
			if i == bestBase {
				dst = append(dst, ':')
			}
			continue
		}
		if i > 0 {
			dst = append(dst, ':')
		}
		if i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && words[5] == 0xffff)) {
			return appendIPv4(dst, a[12:])
		}
		dst = strconv.AppendUint(dst, uint64(words[i]), 16)
	}
	if bestBase >= 0 && bestBase+bestLen == 8 {
		dst = append(dst, ':')
	}
	return dst
}

package lexer

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"
)

// ErrIntSyntax and ErrIntRange are wrapped by ParseInt's errors.
var (
	ErrIntSyntax = errors.New("invalid integer literal")
	ErrIntRange  = errors.New("integer literal out of range")
)

// ParseInt returns the value of a bpftrace integer literal: decimal, hex
// (0x), octal (leading 0), with an exponent (1e6 = 1000000), with '_'
// between digits (1_000_000) and with a C suffix (U, L, UL, LL, ULL, in
// any case), which is ignored. Values up to 2^64-1 are accepted; errors
// wrap ErrIntSyntax or ErrIntRange.
func ParseInt(text string) (uint64, error) {
	body := trimIntSuffix(text)
	if body == "" {
		return 0, fmt.Errorf("%w: %s", ErrIntSyntax, text)
	}
	var (
		v   uint64
		err error
	)
	switch {
	case len(body) > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X'):
		v, err = digits(body[2:], 16)
	case strings.ContainsAny(body, "eE"):
		i := strings.IndexAny(body, "eE")
		var mant, exp uint64
		if mant, err = digits(body[:i], 10); err == nil {
			exp, err = digits(body[i+1:], 10)
		}
		if err == nil {
			v = mant
			for ; exp > 0 && v != 0; exp-- {
				hi, lo := bits.Mul64(v, 10)
				if hi != 0 {
					err = ErrIntRange
					break
				}
				v = lo
			}
		}
	case len(body) > 1 && body[0] == '0':
		v, err = digits(body[1:], 8)
	default:
		v, err = digits(body, 10)
	}
	switch {
	case errors.Is(err, ErrIntRange):
		return 0, fmt.Errorf("%w: %s", ErrIntRange, text)
	case err != nil:
		return 0, fmt.Errorf("%w: %s", ErrIntSyntax, text)
	}
	return v, nil
}

// trimIntSuffix removes a C integer suffix: at most one U and at most two
// L, in either order (U, L, UL, LU, LL, ULL, LLU).
func trimIntSuffix(s string) string {
	end := len(s)
	u, ls := 0, 0
	for ; end > 0; end-- {
		c := s[end-1]
		if c == 'u' || c == 'U' {
			u++
		} else if c == 'l' || c == 'L' {
			ls++
		} else {
			break
		}
	}
	if u > 1 || ls > 2 {
		return ""
	}
	return s[:end]
}

// digits parses s in base, allowing '_' between digits.
func digits(s string, base uint64) (uint64, error) {
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' {
		return 0, ErrIntSyntax
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			continue
		}
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, ErrIntSyntax
		}
		if d >= base {
			return 0, ErrIntSyntax
		}
		hi, lo := bits.Mul64(v, base)
		if hi != 0 {
			return 0, ErrIntRange
		}
		sum, carry := bits.Add64(lo, d, 0)
		if carry != 0 {
			return 0, ErrIntRange
		}
		v = sum
	}
	return v, nil
}

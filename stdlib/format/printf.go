package format

import (
	"fmt"
	"io"
	"strconv"
)

// ArgKind is the kind of argument a printf conversion consumes.
type ArgKind uint8

// Argument kinds. The type checker decides which script types fit each:
// bpftrace accepts integers and pointers for [ArgInt] and [ArgPointer],
// integers for [ArgChar], strings and other printable values (symbols,
// stacks, timestamps, addresses) for [ArgString], buf() values for
// [ArgBuffer].
const (
	ArgInt     ArgKind = iota + 1 // %d %i %u %o %x %X
	ArgChar                       // %c
	ArgString                     // %s
	ArgPointer                    // %p
	ArgBuffer                     // %r %rx %rh
)

// String returns the name bpftrace uses in its type error messages
// ("%d specifier expects a value of type integer").
func (k ArgKind) String() string {
	switch k {
	case ArgInt, ArgChar:
		return "integer"
	case ArgString:
		return "string"
	case ArgPointer:
		return "pointer"
	case ArgBuffer:
		return "buffer"
	}
	return "unknown"
}

// Flags are the printf flag characters of a conversion.
type Flags uint8

// The flags, as in C.
const (
	FlagMinus Flags = 1 << iota // '-': left-justify
	FlagPlus                    // '+': always print a sign
	FlagSpace                   // ' ': a space where a '+' would go
	FlagHash                    // '#': alternate form (0x, leading 0)
	FlagZero                    // '0': pad with zeros
)

// Length is a C length modifier. It sets the width an integer is
// converted to before printing.
type Length uint8

// The length modifiers.
const (
	LenNone Length = iota
	LenHH          // hh: 8 bits
	LenH           // h: 16 bits
	LenL           // l: 64 bits
	LenLL          // ll: 64 bits
	LenJ           // j: 64 bits
	LenZ           // z: 64 bits
	LenT           // t: 64 bits
)

// Conv is one conversion of a format string, such as "%-08lx".
type Conv struct {
	Offset int     // byte offset of the '%' in the format string
	Spec   string  // the conversion as written, from '%' to the verb
	Flags  Flags   // flag characters
	Width  int     // minimum field width, -1 if absent
	Prec   int     // precision, -1 if absent
	Length Length  // length modifier
	Verb   string  // d i u o x X c s p r rx rh
	Arg    ArgKind // the kind of argument it needs
}

// ParseError is a malformed format string.
type ParseError struct {
	Offset int    // byte offset of the offending '%' in the format string
	Msg    string // bpftrace-style message, without a "printf: " prefix
}

// Error returns the message with its offset.
func (e *ParseError) Error() string {
	return "format string offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// Format is a parsed printf format string. It is immutable and may be used
// from several goroutines.
type Format struct {
	src   string
	parts []part
	convs []Conv
}

// part is a piece of output: literal text, or the conversion conv >= 0.
type part struct {
	lit  string
	conv int
}

// Parse parses a printf format string whose escapes the lexer has already
// decoded. A conversion is %[-+ #0]*[width][.prec][hh|h|l|ll|j|z|t]verb
// with verb one of d i u o x X c s p, or bpftrace's r, rx and rh for
// buffers; "%%" prints a percent sign.
//
// 0.17 only recognises %[-][width][.prec][length](d|u|x|X|c|s|p|r|rx|rh),
// prints %i, %o with flags and other unknown sequences literally, and
// handles "%%" inconsistently: it becomes "%" only before the first
// conversion of a printf that has arguments. Here every conversion follows
// C, "%%" is always "%", and unknown conversions are errors.
func Parse(format string) (*Format, error) {
	f := &Format{src: format}
	lit := make([]byte, 0, len(format))
	flush := func() {
		if len(lit) > 0 {
			f.parts = append(f.parts, part{lit: string(lit), conv: -1})
			lit = lit[:0]
		}
	}
	for i := 0; i < len(format); {
		c := format[i]
		if c != '%' {
			lit = append(lit, c)
			i++
			continue
		}
		if i+1 < len(format) && format[i+1] == '%' {
			lit = append(lit, '%')
			i += 2
			continue
		}
		conv, n, err := parseConv(format, i)
		if err != nil {
			return nil, err
		}
		flush()
		f.parts = append(f.parts, part{conv: len(f.convs)})
		f.convs = append(f.convs, conv)
		i += n
	}
	flush()
	return f, nil
}

// parseConv parses the conversion starting at format[start] == '%' and
// returns it with its length in bytes.
func parseConv(format string, start int) (Conv, int, error) {
	c := Conv{Offset: start, Width: -1, Prec: -1}
	i := start + 1
	fail := func(msg string) (Conv, int, error) {
		return Conv{}, 0, &ParseError{Offset: start, Msg: msg}
	}
flags:
	for ; i < len(format); i++ {
		switch format[i] {
		case '-':
			c.Flags |= FlagMinus
		case '+':
			c.Flags |= FlagPlus
		case ' ':
			c.Flags |= FlagSpace
		case '#':
			c.Flags |= FlagHash
		case '0':
			c.Flags |= FlagZero
		default:
			break flags
		}
	}
	var ok bool
	if c.Width, i, ok = parseNum(format, i); !ok {
		return fail("Field width too large: " + format[start:i])
	}
	if i < len(format) && format[i] == '.' {
		// A lone '.' means precision 0, as in C.
		if c.Prec, i, ok = parseNum(format, i+1); !ok {
			return fail("Precision too large: " + format[start:i])
		}
		if c.Prec < 0 {
			c.Prec = 0
		}
	}
	if i < len(format) && format[i] == '*' {
		return fail("'*' width and precision are not supported: " + format[start:i+1])
	}
	c.Length, i = parseLength(format, i)
	if i >= len(format) {
		return fail("Incomplete format string token at end of string: " + format[start:])
	}
	c.Verb = format[i : i+1]
	switch format[i] {
	case 'd', 'i', 'u', 'o', 'x', 'X':
		c.Arg = ArgInt
	case 'c':
		c.Arg = ArgChar
	case 's':
		c.Arg = ArgString
	case 'p':
		c.Arg = ArgPointer
	case 'r':
		c.Arg = ArgBuffer
		if i+1 < len(format) && (format[i+1] == 'x' || format[i+1] == 'h') {
			i++
			c.Verb = format[i-1 : i+1]
		}
	default:
		return fail("Unknown format string token: " + format[start:i+1])
	}
	i++
	c.Spec = format[start:i]
	if c.Length != LenNone && c.Arg != ArgInt {
		return fail("Length modifier is only valid with integer conversions: " + c.Spec)
	}
	return c, i - start, nil
}

// parseNum parses an optional decimal number at format[i:]. It returns -1
// when there are no digits, and ok == false when the number is absurdly
// large (C's printf fails with EOVERFLOW).
func parseNum(format string, i int) (n, next int, ok bool) {
	n = -1
	for ; i < len(format) && format[i] >= '0' && format[i] <= '9'; i++ {
		if n < 0 {
			n = 0
		}
		n = n*10 + int(format[i]-'0')
		if n > 1<<20 {
			return 0, i + 1, false
		}
	}
	return n, i, true
}

func parseLength(format string, i int) (Length, int) {
	if i >= len(format) {
		return LenNone, i
	}
	switch format[i] {
	case 'h':
		if i+1 < len(format) && format[i+1] == 'h' {
			return LenHH, i + 2
		}
		return LenH, i + 1
	case 'l':
		if i+1 < len(format) && format[i+1] == 'l' {
			return LenLL, i + 2
		}
		return LenL, i + 1
	case 'j':
		return LenJ, i + 1
	case 'z':
		return LenZ, i + 1
	case 't':
		return LenT, i + 1
	}
	return LenNone, i
}

// String returns the format string as given to Parse.
func (f *Format) String() string { return f.src }

// NumArgs returns the number of arguments the format consumes.
func (f *Format) NumArgs() int { return len(f.convs) }

// Convs returns the conversions in order, one per argument. The slice must
// not be modified.
func (f *Format) Convs() []Conv { return f.convs }

// Render writes the format with args substituted, as bpftrace's printf
// prints it.
func (f *Format) Render(w io.Writer, args []Value) error {
	out, err := f.Append(make([]byte, 0, 64), args)
	if err != nil {
		return err
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("printf: %w", err)
	}
	return nil
}

// Append appends the formatted output to dst. It fails if the number of
// arguments is wrong or an argument cannot be printed by its conversion
// (a string for %d, for example); the type checker should have reported
// both already.
func (f *Format) Append(dst []byte, args []Value) ([]byte, error) {
	if len(args) != len(f.convs) {
		return dst, fmt.Errorf("printf: %d arguments supplied, %d expected by %q", len(args), len(f.convs), f.src)
	}
	for _, p := range f.parts {
		if p.conv < 0 {
			dst = append(dst, p.lit...)
			continue
		}
		var err error
		if dst, err = appendConv(dst, &f.convs[p.conv], args[p.conv]); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func appendConv(dst []byte, c *Conv, v Value) ([]byte, error) {
	switch c.Arg {
	case ArgInt, ArgChar, ArgPointer:
		if v.kind != KindInt {
			return dst, fmt.Errorf("printf: %s needs an integer, got a %s", c.Spec, v.kind)
		}
	case ArgBuffer:
		if v.kind != KindBuffer {
			return dst, fmt.Errorf("printf: %s needs a buffer, got a %s", c.Spec, v.kind)
		}
	}
	switch c.Arg {
	case ArgInt:
		return appendInt(dst, c, v), nil
	case ArgPointer:
		if v.bits == 0 {
			// glibc prints a null pointer as "(nil)", padded like a string.
			return pad(dst, "(nil)", c.Width, c.Flags&FlagMinus != 0), nil
		}
		return appendNumber(dst, c, false, v.bits, 16, "0x", true), nil
	case ArgChar:
		// C converts the int to unsigned char. 0.17 drops a NUL byte
		// here (it goes through a C string); it is printed here, as C's
		// printf does.
		return pad(dst, string([]byte{byte(v.bits)}), c.Width, c.Flags&FlagMinus != 0), nil
	case ArgBuffer:
		var text []byte
		switch c.Verb {
		case "r":
			text = appendBufferText(nil, v.str)
		case "rx":
			for i := 0; i < len(v.str); i++ {
				text = append(text, '\\', 'x', hexDigits[v.str[i]>>4], hexDigits[v.str[i]&15])
			}
		default: // rh
			for i := 0; i < len(v.str); i++ {
				if i > 0 {
					text = append(text, ' ')
				}
				text = append(text, hexDigits[v.str[i]>>4], hexDigits[v.str[i]&15])
			}
		}
		return appendString(dst, c, text), nil
	}
	// %s prints the text form of any value.
	if v.kind == KindString {
		return appendString(dst, c, []byte(v.str)), nil
	}
	return appendString(dst, c, appendText(nil, v, false)), nil
}

// appendString applies precision (truncation) and width to s.
func appendString(dst []byte, c *Conv, s []byte) []byte {
	if c.Prec >= 0 && len(s) > c.Prec {
		s = s[:c.Prec]
	}
	// glibc ignores '0' for %s and %c: the padding is spaces.
	return pad(dst, string(s), c.Width, c.Flags&FlagMinus != 0)
}

// pad appends s padded with spaces to width.
func pad(dst []byte, s string, width int, left bool) []byte {
	n := width - len(s)
	if !left {
		dst = appendSpaces(dst, n)
	}
	dst = append(dst, s...)
	if left {
		dst = appendSpaces(dst, n)
	}
	return dst
}

func appendSpaces(dst []byte, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, ' ')
	}
	return dst
}

// convWidth returns the width in bits an integer is converted to: the
// length modifier's, or without one the width C passes the value with
// (int for anything up to 32 bits after promotion, 64 bits otherwise).
//
// 0.17 hands every integer to snprintf as a 64-bit value, so without a
// length modifier it prints only the low 32 bits ("%d" of 5000000000 gives
// 705032704, "%u" of -1 gives 4294967295). Here 64-bit values keep all
// their bits; values of 32 bits or fewer print as 0.17 prints them.
func convWidth(c *Conv, v Value) int {
	switch c.Length {
	case LenHH:
		return 8
	case LenH:
		return 16
	case LenNone:
		return max(int(v.width), 32)
	}
	return 64
}

func appendInt(dst []byte, c *Conv, v Value) []byte {
	w := convWidth(c, v)
	switch c.Verb {
	case "d", "i":
		n := int64(extend(v.bits, w, true))
		if n < 0 {
			return appendNumber(dst, c, true, uint64(-n), 10, "", false)
		}
		return appendNumber(dst, c, false, uint64(n), 10, "", false)
	case "u":
		return appendNumber(dst, c, false, extend(v.bits, w, false), 10, "", false)
	case "o":
		return appendNumber(dst, c, false, extend(v.bits, w, false), 8, "", false)
	case "x":
		return appendNumber(dst, c, false, extend(v.bits, w, false), 16, "0x", false)
	}
	return appendNumber(dst, c, false, extend(v.bits, w, false), 16, "0X", false)
}

// appendNumber formats the magnitude u in base with C's rules for flags,
// width and precision. prefix is the '#' prefix of hex conversions;
// forcePrefix prints it always (%p). Signs apply to signed conversions and
// %p, as in glibc.
func appendNumber(dst []byte, c *Conv, neg bool, u uint64, base int, prefix string, forcePrefix bool) []byte {
	var digitsBuf [24]byte
	digits := strconv.AppendUint(digitsBuf[:0], u, base)
	if base == 16 && prefix == "0X" {
		for i, d := range digits {
			if d >= 'a' {
				digits[i] = d - 'a' + 'A'
			}
		}
	}
	if c.Prec == 0 && u == 0 {
		digits = digits[:0] // C prints no digits for a zero value with precision 0
	}
	zeros := 0
	if c.Prec > len(digits) {
		zeros = c.Prec - len(digits)
	}
	if base == 8 && c.Flags&FlagHash != 0 && zeros == 0 && (len(digits) == 0 || digits[0] != '0') {
		zeros = 1 // '#' makes the first octal digit a 0
	}
	if !forcePrefix && (c.Flags&FlagHash == 0 || u == 0) {
		prefix = ""
	}
	sign := ""
	if signedConv := c.Verb == "d" || c.Verb == "i" || c.Verb == "p"; signedConv {
		switch {
		case neg:
			sign = "-"
		case c.Flags&FlagPlus != 0:
			sign = "+"
		case c.Flags&FlagSpace != 0:
			sign = " "
		}
	}
	n := len(sign) + len(prefix) + zeros + len(digits)
	padding := 0
	if c.Width > n {
		padding = c.Width - n
	}
	left := c.Flags&FlagMinus != 0
	if !left && c.Flags&FlagZero != 0 && c.Prec < 0 {
		zeros += padding // '0' is ignored with '-' or a precision
		padding = 0
	}
	if !left {
		dst = appendSpaces(dst, padding)
	}
	dst = append(dst, sign...)
	dst = append(dst, prefix...)
	for ; zeros > 0; zeros-- {
		dst = append(dst, '0')
	}
	dst = append(dst, digits...)
	if left {
		dst = appendSpaces(dst, padding)
	}
	return dst
}

package format

import (
	"strconv"
	"time"
)

// DefaultTimeFormat is the format time() uses when called without one.
const DefaultTimeFormat = "%H:%M:%S\n"

// BootToWall converts a boot-clock timestamp in nanoseconds (nsecs, which
// counts CLOCK_BOOTTIME) to wall-clock time in the local time zone. offset
// is the wall-clock time at which the boot clock read zero, as a duration
// since the Unix epoch: the caller measures it once as CLOCK_REALTIME minus
// CLOCK_BOOTTIME.
func BootToWall(ns uint64, offset time.Duration) time.Time {
	return time.Unix(int64(ns/1e9), int64(ns%1e9)).Add(offset)
}

// Strftime formats t like C's strftime(3) in the C locale, as time() and
// strftime() do, plus bpftrace's %f (microseconds, 6 digits).
//
// Supported: %a %A %b %B %c %C %d %D %e %f %F %g %G %h %H %I %j %k %l %m %M
// %n %p %P %r %R %s %S %t %T %u %U %V %w %W %x %X %y %Y %z %Z %%, glibc's
// flags _ - 0 ^ # and field widths, and the E and O modifiers (no-ops in
// the C locale). Anything else is copied unchanged, as glibc does.
//
// 0.17 replaces "%f" textually before calling strftime, so "%%f" breaks,
// and it gives up ("(?)") when the result exceeds 64 bytes; time() there
// leaves %f alone. Here %f works everywhere and there is no length limit.
func Strftime(layout string, t time.Time) string {
	return string(AppendStrftime(make([]byte, 0, len(layout)+16), layout, t))
}

// AppendStrftime appends t formatted by [Strftime] to dst.
func AppendStrftime(dst []byte, layout string, t time.Time) []byte {
	for i := 0; i < len(layout); i++ {
		if layout[i] != '%' {
			dst = append(dst, layout[i])
			continue
		}
		start := i
		var sp strfSpec
		for i++; i < len(layout); i++ {
			switch c := layout[i]; c {
			case '_', '-', '0', '^', '#':
				if c == '^' {
					sp.upper = true
				} else if c == '#' {
					sp.swap = true
				} else {
					sp.pad = c
				}
				continue
			}
			break
		}
		for ; i < len(layout) && layout[i] >= '0' && layout[i] <= '9'; i++ {
			sp.width = min(sp.width*10+int(layout[i]-'0'), 1<<16)
		}
		if i < len(layout) && (layout[i] == 'E' || layout[i] == 'O') {
			i++
		}
		if i >= len(layout) {
			return append(dst, layout[start:]...)
		}
		out, ok := sp.conv(dst, layout[i], t)
		if !ok {
			out = append(dst, layout[start:i+1]...)
		}
		dst = out
	}
	return dst
}

// strfSpec holds the flags and width of one strftime conversion.
type strfSpec struct {
	pad   byte // 0 (default), '_', '-' or '0'
	upper bool // '^'
	swap  bool // '#'
	width int
}

var (
	weekdays = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	months   = [...]string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
)

// conv appends conversion c, reporting false for an unknown one.
func (sp strfSpec) conv(dst []byte, c byte, t time.Time) ([]byte, bool) {
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	yday := t.YearDay() - 1
	wday := int(t.Weekday())
	switch c {
	case 'a':
		return sp.str(dst, weekdays[wday][:3], true), true
	case 'A':
		return sp.str(dst, weekdays[wday], true), true
	case 'b', 'h':
		return sp.str(dst, months[t.Month()-1][:3], true), true
	case 'B':
		return sp.str(dst, months[t.Month()-1], true), true
	case 'c':
		return sp.sub(dst, "%a %b %e %H:%M:%S %Y", t), true
	case 'C':
		return sp.num(dst, int64(floorDiv(t.Year(), 100)), 2, '0'), true
	case 'd':
		return sp.num(dst, int64(t.Day()), 2, '0'), true
	case 'D':
		return sp.sub(dst, "%m/%d/%y", t), true
	case 'e':
		return sp.num(dst, int64(t.Day()), 2, '_'), true
	case 'f':
		// Always six digits: dropping zeros would change the fraction.
		us := strconv.Itoa(1000000 + t.Nanosecond()/1000)[1:]
		return sp.str(dst, us, false), true
	case 'F':
		return sp.sub(dst, "%Y-%m-%d", t), true
	case 'g':
		y, _ := t.ISOWeek()
		return sp.num(dst, int64(mod(y, 100)), 2, '0'), true
	case 'G':
		y, _ := t.ISOWeek()
		return sp.num(dst, int64(y), 1, '0'), true
	case 'H':
		return sp.num(dst, int64(t.Hour()), 2, '0'), true
	case 'I':
		return sp.num(dst, int64(hour12), 2, '0'), true
	case 'j':
		return sp.num(dst, int64(yday+1), 3, '0'), true
	case 'k':
		return sp.num(dst, int64(t.Hour()), 2, '_'), true
	case 'l':
		return sp.num(dst, int64(hour12), 2, '_'), true
	case 'm':
		return sp.num(dst, int64(t.Month()), 2, '0'), true
	case 'M':
		return sp.num(dst, int64(t.Minute()), 2, '0'), true
	case 'n':
		return sp.str(dst, "\n", false), true
	case 'p', 'P':
		s := "AM"
		if t.Hour() >= 12 {
			s = "PM"
		}
		if c == 'P' || sp.swap {
			s = lower(s)
			sp.swap = false
		}
		return sp.str(dst, s, false), true
	case 'r':
		return sp.sub(dst, "%I:%M:%S %p", t), true
	case 'R':
		return sp.sub(dst, "%H:%M", t), true
	case 's':
		return sp.num(dst, t.Unix(), 1, '0'), true
	case 'S':
		return sp.num(dst, int64(t.Second()), 2, '0'), true
	case 't':
		return sp.str(dst, "\t", false), true
	case 'T':
		return sp.sub(dst, "%H:%M:%S", t), true
	case 'u':
		return sp.num(dst, int64((wday+6)%7+1), 1, '0'), true
	case 'U':
		return sp.num(dst, int64((yday+7-wday)/7), 2, '0'), true
	case 'V':
		_, w := t.ISOWeek()
		return sp.num(dst, int64(w), 2, '0'), true
	case 'w':
		return sp.num(dst, int64(wday), 1, '0'), true
	case 'W':
		return sp.num(dst, int64((yday+7-(wday+6)%7)/7), 2, '0'), true
	case 'x':
		return sp.sub(dst, "%m/%d/%y", t), true
	case 'X':
		return sp.sub(dst, "%H:%M:%S", t), true
	case 'y':
		return sp.num(dst, int64(mod(t.Year(), 100)), 2, '0'), true
	case 'Y':
		return sp.num(dst, int64(t.Year()), 1, '0'), true
	case 'z':
		_, off := t.Zone()
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		var b [5]byte
		b[0] = sign
		hhmm := off/3600*100 + off%3600/60
		for i := 4; i >= 1; i-- {
			b[i] = byte('0' + hhmm%10)
			hhmm /= 10
		}
		return sp.str(dst, string(b[:]), false), true
	case 'Z':
		name, _ := t.Zone()
		if sp.swap {
			name = lower(name)
			sp.swap = false
		}
		return sp.str(dst, name, false), true
	case '%':
		return sp.str(dst, "%", false), true
	}
	return dst, false
}

// num appends n as glibc's DO_NUMBER does: padded to digits digits (or
// the field width if one is given) with defPad ('0', or '_' for spaces)
// unless a flag says otherwise; '-' drops the padding to digits but keeps
// an explicit width, filled with spaces.
func (sp strfSpec) num(dst []byte, n int64, digits int, defPad byte) []byte {
	padc := defPad
	if sp.pad != 0 {
		padc = sp.pad
	}
	width := digits
	if sp.width > 0 {
		width = sp.width
	}
	if padc == '-' {
		if sp.width == 0 {
			width = 0
		}
		padc = '_'
	}
	var buf [24]byte
	s := strconv.AppendInt(buf[:0], n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	fill := width - len(s)
	if neg {
		fill--
	}
	if padc == '_' {
		dst = appendSpaces(dst, fill)
	}
	if neg {
		dst = append(dst, '-')
	}
	if padc != '_' {
		for ; fill > 0; fill-- {
			dst = append(dst, '0')
		}
	}
	return append(dst, s...)
}

// str appends a text conversion, applying '^', '#' (caseSwap: upper-case
// names) and the field width, filled with zeros for the '0' flag and with
// spaces otherwise.
func (sp strfSpec) str(dst []byte, s string, caseSwap bool) []byte {
	if sp.upper || (sp.swap && caseSwap) {
		s = upper(s)
	}
	for n := sp.width - len(s); n > 0; n-- {
		if sp.pad == '0' {
			dst = append(dst, '0')
		} else {
			dst = append(dst, ' ')
		}
	}
	return append(dst, s...)
}

// sub appends a composite conversion such as %T, padded as a whole.
func (sp strfSpec) sub(dst []byte, layout string, t time.Time) []byte {
	return sp.str(dst, string(AppendStrftime(nil, layout, t)), false)
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c - 'A' + 'a'
		}
	}
	return string(b)
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func mod(a, b int) int { return (a%b + b) % b }

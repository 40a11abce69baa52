package runtime_test

import (
	"strings"
	"testing"

	"gtrace/lang/check"
)

// TestExpressions runs BEGIN programs through the kernel and compares
// what they print; expected values follow C semantics (and bpftrace's
// where it is not weaker).
func TestExpressions(t *testing.T) {
	tests := []struct {
		name, prog, want string
	}{
		{"arith", `printf("%d %d %d %d %d\n", 1+2*3, (1+2)*3, 10-3-2, 7/2, 7%3)`, "7 9 5 3 1"},
		{"signed div", `printf("%d %d %d %d\n", -10/3, -10%3, 10/-3, 10%-3)`, "-3 -1 -3 1"},
		{"div by zero", `$z = 0; printf("%d %d\n", 5/$z, 5%$z)`, "0 5"},
		{"runtime signed div", `$a = -10; $b = 3; printf("%d %d\n", $a/$b, $a%$b)`, "-3 -1"},
		{"unsigned div", `$a = (uint64)-10; printf("%u\n", $a/3)`, "6148914691236517202"},
		{"shifts", `$a = -16; printf("%d %d %d\n", $a >> 2, 1 << 10, (uint64)$a >> 60)`, "-4 1024 15"},
		{"bitwise", `printf("%d %d %d %d\n", 6 & 3, 6 | 3, 6 ^ 3, ~0)`, "2 7 5 -1"},
		{"compare signed", `$a = -1; printf("%d %d %d %d\n", $a < 5, $a > 5, $a <= -1, $a >= 0)`, "1 0 1 0"},
		{"compare unsigned", `$a = (uint64)-1; printf("%d %d\n", $a > 5, $a < 5)`, "1 0"},
		{"logic", `$a = 0; $b = 3; printf("%d %d %d %d\n", $a && $b, $a || $b, !$a, !$b)`, "0 1 1 0"},
		{"ternary", `$a = 5; printf("%d %s\n", $a > 3 ? 10 : 20, $a < 3 ? "lt" : "ge")`, "10 ge"},
		{"casts", `printf("%d %d %d %d\n", (uint8)300, (int8)200, (int16)70000, (uint32)-1)`, "44 -56 4464 -1"},
		{"runtime casts", `$x = 300; $y = 200; printf("%d %d\n", (uint8)$x, (int8)$y)`, "44 -56"},
		{"strings", `$s = "abc"; printf("%d %d %d\n", $s == "abc", $s != "abd", "x" == "xy")`, "1 1 0"},
		{"while", `$i = 0; $s = 0; while ($i < 10) { $i++; if ($i % 2 == 0) { continue; } if ($i > 7) { break; } $s += $i; } printf("%d %d\n", $i, $s)`, "9 16"},
		{"unroll", `$i = 1; unroll(5) { $i = $i * 2; } printf("%d\n", $i)`, "32"},
		{"if else", `$a = 2; if ($a == 1) { printf("one\n"); } else if ($a == 2) { printf("two\n"); } else { printf("other\n"); }`, "two"},
		{"compound", `$a = 10; $a += 5; $a -= 3; $a *= 2; $a /= 4; $a %= 4; $a <<= 3; $a |= 1; $a &= 9; $a ^= 3; $a >>= 1; printf("%d\n", $a)`, "1"},
		{"incdec", `$a = 5; $b = $a++; $c = ++$a; $d = $a--; printf("%d %d %d %d\n", $a, $b, $c, $d)`, "6 5 7 7"},
		{"tuples", `$t = (1, "two", (3, 4)); printf("%d %s %d\n", $t.0, $t.1, $t.2.1)`, "1 two 4"},
		{"map read", `@a = 5; @b[1] = 7; printf("%d %d %d\n", @a + 1, @b[1], @b[2])`, "6 7 0"},
		{"map incdec", `@a++; @a++; @c[1] += 5; @c[1] -= 2; printf("%d %d\n", @a, @c[1])`, "2 3"},
		{"string map", `@s["k"] = "val"; printf("%s|%s|\n", @s["k"], @s["missing"])`, "val||"},
		{"big constants", `$a = 0x100000000; printf("%d %x\n", $a + 1, 0xdeadbeefcafe)`, "4294967297 deadbeefcafe"},
		{"return", `printf("a\n"); return; printf("b\n")`, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := runScript(t, "BEGIN { "+tt.prog+"; exit(); }", check.TestKernel())
			want := "Attaching 1 probe...\n" + tt.want + "\n\n\n"
			if !strings.HasPrefix(out, want) {
				t.Errorf("%s\n got: %q\nwant: %q", tt.prog, out, want)
			}
		})
	}
}

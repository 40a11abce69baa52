package kernel

import "strings"

// Match reports whether s matches pattern under bpftrace's wildcard rules:
// '*' matches any run of characters, including none, and may appear
// anywhere in the pattern and several times; every other character
// matches itself.
func Match(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	first, last := parts[0], parts[len(parts)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	// Matching each middle token at its leftmost position is enough: a
	// later position can only leave less room for the tokens after it.
	rest := s[len(first) : len(s)-len(last)]
	for _, tok := range parts[1 : len(parts)-1] {
		i := strings.Index(rest, tok)
		if i < 0 {
			return false
		}
		rest = rest[i+len(tok):]
	}
	return true
}

// HasWildcard reports whether pattern contains a '*'.
func HasWildcard(pattern string) bool {
	return strings.Contains(pattern, "*")
}

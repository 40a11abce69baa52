package format

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// MapKind is what a map holds: plain assigned values or one aggregation.
type MapKind uint8

// The map kinds.
const (
	MapPlain MapKind = iota // @m = expr
	MapCount                // count()
	MapSum                  // sum()
	MapMin                  // min()
	MapMax                  // max()
	MapAvg                  // avg()
	MapStats                // stats()
	MapHist                 // hist()
	MapLhist                // lhist()
)

// Map is one map's contents, ready to print. Aggregations must already be
// folded across CPUs.
type Map struct {
	Name  string  // with the '@', e.g. "@bytes"
	Kind  MapKind // what the entries hold
	Keyed bool    // @m[...] rather than a scalar @m
	// Min, Max and Step are the parameters of an lhist map.
	Min, Max, Step int64
	Entries        []Entry // in any order; Map sorts a copy
}

// Entry is one key of a map and its value. Which value field is used
// depends on the map's kind.
type Entry struct {
	// Key is the key; a tuple for @m[k1, k2], printed without its
	// parentheses. It is ignored in a scalar map.
	Key Value
	// Value is the value of a plain, count, sum, min or max map: count is
	// an unsigned integer, the others carry their own signedness.
	Value Value
	// Count and Total are the number and the sum of the samples of an avg
	// or stats map.
	Count uint64
	Total int64
	// Buckets are the non-empty buckets of a hist or lhist map, in any
	// order. A hist bucket index is 0 for negative values, 1 for 0, 2 for
	// 1 and i >= 3 for [2^(i-2), 2^(i-1)), up to 65. An lhist bucket index
	// is 0 below Min, i for [Min+(i-1)*Step, Min+i*Step), and
	// (Max-Min)/Step+1 for Max and above.
	Buckets []Bucket
}

// Bucket is one histogram bucket.
type Bucket struct {
	Index int
	Count uint64
}

// maxHistIndex is the last bucket of a hist: [2^63, 2^64).
const maxHistIndex = 65

// entryDense is an entry with its derived sort data.
type entryDense struct {
	*Entry
	counts []uint64 // hist/lhist: dense buckets
	total  uint64   // hist/lhist: sum of counts
	avg    int64    // avg/stats
}

// average returns total/count with C's truncating signed division, 0 when
// there are no samples.
func average(count uint64, total int64) int64 {
	if count == 0 {
		return 0
	}
	if count > math.MaxInt64 {
		// |total| <= MaxInt64+1 < count except in this one case.
		if total == math.MinInt64 && count == 1<<63 {
			return -1
		}
		return 0
	}
	return total / int64(count)
}

// divInt divides an integer value by div as 0.17 does: signed division for
// signed values, unsigned otherwise; div 0 means no division.
func divInt(v Value, div uint64) Value {
	if div <= 1 || v.kind != KindInt {
		return v
	}
	if !v.signed {
		v.bits /= div
		return v
	}
	v.bits = uint64(divSigned(int64(v.bits), div))
	return v
}

func divSigned(n int64, div uint64) int64 {
	if div > math.MaxInt64 {
		if n == math.MinInt64 && div == 1<<63 {
			return -1
		}
		return 0
	}
	return n / int64(div)
}

// lhistBuckets returns the number of lhist buckets between Min and Max,
// without the underflow and overflow buckets.
func (m *Map) lhistBuckets() (int, error) {
	if m.Step <= 0 || m.Max <= m.Min {
		return 0, fmt.Errorf("map %s: invalid lhist bounds min %d, max %d, step %d", m.Name, m.Min, m.Max, m.Step)
	}
	n := (m.Max - m.Min) / m.Step
	if n > 1<<20 {
		return 0, fmt.Errorf("map %s: lhist has too many buckets (%d)", m.Name, n)
	}
	return int(n), nil
}

// sorted returns the entries in the order bpftrace prints them, and for
// hist/lhist maps the dense bucket counts. Every comparison ends with the
// key, which is unique, so the order is total and an unstable sort is
// deterministic.
func (m *Map) sorted() ([]*entryDense, error) {
	// Sorting pointers keeps swaps cheap.
	dense := make([]entryDense, len(m.Entries))
	es := make([]*entryDense, len(m.Entries))
	for i := range m.Entries {
		dense[i].Entry = &m.Entries[i]
		es[i] = &dense[i]
	}
	switch m.Kind {
	case MapHist, MapLhist:
		last := maxHistIndex
		if m.Kind == MapLhist {
			n, err := m.lhistBuckets()
			if err != nil {
				return nil, err
			}
			last = n + 1
		}
		for i := range es {
			e := es[i]
			top := -1
			for _, b := range e.Buckets {
				if b.Index < 0 || b.Index > last {
					return nil, fmt.Errorf("map %s: bucket index %d out of range 0..%d", m.Name, b.Index, last)
				}
				top = max(top, b.Index)
			}
			e.counts = make([]uint64, top+1)
			for _, b := range e.Buckets {
				e.counts[b.Index] += b.Count
				e.total += b.Count
			}
		}
		// 0.17 sorts by total count, ties in raw key order.
		slices.SortFunc(es, func(a, b *entryDense) int {
			return cmp.Or(cmp.Compare(a.total, b.total), cmpRawKey(a.Key, b.Key))
		})
	case MapAvg, MapStats:
		for i := range es {
			es[i].avg = average(es[i].Count, es[i].Total)
		}
		slices.SortFunc(es, func(a, b *entryDense) int {
			return cmp.Or(cmp.Compare(a.avg, b.avg), cmpRawKey(a.Key, b.Key))
		})
	default:
		byValue := m.Kind != MapPlain || (len(es) > 0 && es[0].Value.kind == KindInt)
		// Ties among equal values come in hash-table order in 0.17;
		// key order makes them deterministic.
		slices.SortFunc(es, func(a, b *entryDense) int {
			if byValue && a.Value.kind == KindInt && b.Value.kind == KindInt {
				if c := cmpInt(a.Value, b.Value); c != 0 {
					return c
				}
			}
			return cmpKey(a.Key, b.Key)
		})
	}
	return es, nil
}

// appendMapText appends the text-mode output of print(@m, top, div).
func appendMapText(dst []byte, m *Map, top, div uint64) ([]byte, error) {
	if m.Kind == MapStats {
		// 0.17 ignores top and div on stats maps (with a warning from
		// the type checker).
		top, div = 0, 0
	}
	if len(m.Entries) == 0 && !m.Keyed && m.Kind == MapCount {
		// 0.17 prints a scalar count map that has no entry (never
		// counted, or cleared) as 0.
		return append(appendEntryHead(dst, m, Value{}), "0\n"...), nil
	}
	es, err := m.sorted()
	if err != nil {
		return dst, err
	}
	es = keepTop(es, top)
	if len(es) == 0 {
		// 0.17 prints an empty map as one empty line.
		dst = append(dst, '\n')
	}
	for _, e := range es {
		switch m.Kind {
		case MapHist, MapLhist:
			dst = append(appendEntryHead(dst, m, e.Key), '\n')
			dst = appendHistRows(dst, m, e.counts, div)
			dst = append(dst, '\n')
		case MapAvg:
			dst = appendEntryHead(dst, m, e.Key)
			dst = strconv.AppendInt(dst, divSigned(e.avg, max(div, 1)), 10)
			dst = append(dst, '\n')
		case MapStats:
			dst = appendEntryHead(dst, m, e.Key)
			dst = append(dst, "count "...)
			dst = strconv.AppendUint(dst, e.Count, 10)
			dst = append(dst, ", average "...)
			dst = strconv.AppendInt(dst, e.avg, 10)
			dst = append(dst, ", total "...)
			dst = strconv.AppendInt(dst, e.Total, 10)
			dst = append(dst, '\n')
		default:
			dst = appendEntryHead(dst, m, e.Key)
			dst = appendText(dst, divInt(e.Value, div), false)
			dst = append(dst, '\n')
		}
	}
	if m.Kind == MapAvg || m.Kind == MapStats {
		dst = append(dst, '\n')
	}
	return dst, nil
}

// keepTop keeps the last top entries; top 0 keeps all.
func keepTop(es []*entryDense, top uint64) []*entryDense {
	if top > 0 && uint64(len(es)) > top {
		return es[uint64(len(es))-top:]
	}
	return es
}

// appendEntryHead appends "@name[key]: ". The space after the colon is
// followed by the value, or ends the line before a histogram (0.17 keeps
// it there).
func appendEntryHead(dst []byte, m *Map, key Value) []byte {
	dst = append(dst, m.Name...)
	if m.Keyed {
		dst = append(dst, '[')
		dst = appendKeyText(dst, key, ", ")
		dst = append(dst, ']')
	}
	return append(dst, ": "...)
}

// barWidth is the width of a histogram bar in characters.
const barWidth = 52

// appendHistRows appends the rows of one histogram, from its first to its
// last non-zero bucket. Each row is "%-16s%8d |%-52s|" with a bar of '@'
// scaled to the largest bucket; div divides the printed counts, not the bar.
//
// 0.17 ignores div on lhist maps while it divides hist maps; here both are
// divided.
func appendHistRows(dst []byte, m *Map, counts []uint64, div uint64) []byte {
	first, last := -1, -1
	var maxCount uint64
	for i, c := range counts {
		if c > 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
		maxCount = max(maxCount, c)
	}
	if first < 0 {
		return dst
	}
	div = max(div, 1)
	var label []byte
	for i := first; i <= last; i++ {
		label = label[:0]
		if m.Kind == MapHist {
			label = appendHistLabel(label, i)
		} else {
			label = appendLhistLabel(label, m, i)
		}
		dst = append(dst, label...)
		dst = appendSpaces(dst, 16-len(label))
		var num [20]byte
		n := strconv.AppendUint(num[:0], counts[i]/div, 10)
		dst = appendSpaces(dst, 8-len(n))
		dst = append(dst, n...)
		dst = append(dst, " |"...)
		// 0.17 computes the bar in single precision:
		// (int)(count / (float)max * 52).
		q := float32(counts[i]) / float32(maxCount)
		bar := int(q * barWidth)
		for j := 0; j < barWidth; j++ {
			if j < bar {
				dst = append(dst, '@')
			} else {
				dst = append(dst, ' ')
			}
		}
		dst = append(dst, "|\n"...)
	}
	return dst
}

// appendHistLabel appends the label of hist bucket i: "(..., 0)", "[0]",
// "[1]", then "[lo, hi)" with 1024-based suffixes.
//
// 0.17 only knows suffixes up to T (it would print 2^50 as "1024T") but
// never produces buckets above [2G, 4G); here P and E follow.
func appendHistLabel(dst []byte, i int) []byte {
	switch i {
	case 0:
		return append(dst, "(..., 0)"...)
	case 1:
		return append(dst, "[0]"...)
	case 2:
		return append(dst, "[1]"...)
	}
	dst = append(dst, '[')
	dst = appendPow2(dst, i-2)
	dst = append(dst, ", "...)
	dst = appendPow2(dst, i-1)
	return append(dst, ')')
}

// appendPow2 appends 2^p with a K, M, G, T, P or E suffix.
func appendPow2(dst []byte, p int) []byte {
	const suffixes = " KMGTPE"
	s := min(p/10, len(suffixes)-1)
	dst = strconv.AppendUint(dst, 1<<uint(p-10*s), 10)
	if s > 0 {
		dst = append(dst, suffixes[s])
	}
	return dst
}

// appendLhistLabel appends the label of lhist bucket i: "(..., min)",
// "[lo, hi)" and "[max, ...)".
func appendLhistLabel(dst []byte, m *Map, i int) []byte {
	n, _ := m.lhistBuckets() // validated by sorted
	switch {
	case i == 0:
		dst = append(dst, "(..., "...)
		dst = appendLhistNumber(dst, m.Min)
		return append(dst, ')')
	case i == n+1:
		dst = append(dst, '[')
		dst = appendLhistNumber(dst, m.Max)
		return append(dst, ", ...)"...)
	}
	dst = append(dst, '[')
	dst = appendLhistNumber(dst, int64(i-1)*m.Step+m.Min)
	dst = append(dst, ", "...)
	dst = appendLhistNumber(dst, int64(i)*m.Step+m.Min)
	return append(dst, ')')
}

// appendLhistNumber appends an lhist bound as 0.17 does: multiples of 1M
// and 1K get an M or K suffix, whatever the step (the reference's "only
// when step % 1024 == 0" is HEAD's rule); there are no larger suffixes.
func appendLhistNumber(dst []byte, n int64) []byte {
	switch {
	case n == 0:
		return append(dst, '0')
	case n%(1<<20) == 0:
		return append(strconv.AppendInt(dst, n>>20, 10), 'M')
	case n%(1<<10) == 0:
		return append(strconv.AppendInt(dst, n>>10, 10), 'K')
	}
	return strconv.AppendInt(dst, n, 10)
}

// appendMapJSON appends the JSON-mode output of print(@m, top, div): one
// line, or nothing for an empty map.
func appendMapJSON(dst []byte, m *Map, top, div uint64) ([]byte, error) {
	if m.Kind == MapStats {
		top, div = 0, 0
	}
	typ := "map"
	switch m.Kind {
	case MapHist, MapLhist:
		typ = "hist"
	case MapAvg, MapStats:
		typ = "stats"
	}
	if len(m.Entries) == 0 {
		if m.Keyed || m.Kind != MapCount {
			return dst, nil
		}
		dst = appendJSONHead(dst, typ, m)
		return append(dst, "0}}\n"...), nil
	}
	es, err := m.sorted()
	if err != nil {
		return dst, err
	}
	es = keepTop(es, top)
	dst = appendJSONHead(dst, typ, m)
	if m.Keyed {
		dst = append(dst, '{')
	}
	var key []byte
	for i, e := range es {
		if m.Keyed {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			key = appendKeyText(key[:0], e.Key, ",")
			dst = appendJSONString(dst, string(key))
			dst = append(dst, ": "...)
		}
		switch m.Kind {
		case MapHist, MapLhist:
			dst = appendHistJSON(dst, m, e.counts, max(div, 1))
		case MapAvg:
			dst = strconv.AppendInt(dst, divSigned(e.avg, max(div, 1)), 10)
		case MapStats:
			dst = append(dst, `{"count": `...)
			dst = strconv.AppendUint(dst, e.Count, 10)
			dst = append(dst, `, "average": `...)
			dst = strconv.AppendInt(dst, e.avg, 10)
			dst = append(dst, `, "total": `...)
			dst = strconv.AppendInt(dst, e.Total, 10)
			dst = append(dst, '}')
		default:
			dst = AppendJSON(dst, divInt(e.Value, div))
		}
		if !m.Keyed {
			break // a scalar map has one value
		}
	}
	if m.Keyed {
		dst = append(dst, '}')
	}
	return append(dst, "}}\n"...), nil
}

func appendJSONHead(dst []byte, typ string, m *Map) []byte {
	dst = append(dst, `{"type": "`...)
	dst = append(dst, typ...)
	dst = append(dst, `", "data": {`...)
	dst = appendJSONString(dst, m.Name)
	return append(dst, ": "...)
}

// appendHistJSON appends one histogram as a list of {"min", "max", "count"}
// objects from the first to the last non-zero bucket; the underflow bucket
// has no min and the overflow bucket no max.
//
// 0.17 computes hist bounds in 32-bit ints, which breaks from 2^31 up;
// here they are exact 64-bit values.
func appendHistJSON(dst []byte, m *Map, counts []uint64, div uint64) []byte {
	first, last := -1, -1
	for i, c := range counts {
		if c > 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	dst = append(dst, '[')
	n, _ := m.lhistBuckets()
	for i := first; first >= 0 && i <= last; i++ {
		if i > first {
			dst = append(dst, ", "...)
		}
		dst = append(dst, '{')
		if m.Kind == MapHist {
			switch i {
			case 0:
				dst = append(dst, `"max": -1, `...)
			case 1:
				dst = append(dst, `"min": 0, "max": 0, `...)
			case 2:
				dst = append(dst, `"min": 1, "max": 1, `...)
			default:
				lo := uint64(1) << uint(i-2)
				dst = appendMinMax(dst, strconv.FormatUint(lo, 10), strconv.FormatUint(lo*2-1, 10))
			}
		} else {
			switch i {
			case 0:
				dst = append(dst, `"max": `...)
				dst = strconv.AppendInt(dst, m.Min-1, 10)
				dst = append(dst, ", "...)
			case n + 1:
				dst = append(dst, `"min": `...)
				dst = strconv.AppendInt(dst, m.Max, 10)
				dst = append(dst, ", "...)
			default:
				lo := int64(i-1)*m.Step + m.Min
				dst = appendMinMax(dst, strconv.FormatInt(lo, 10), strconv.FormatInt(lo+m.Step-1, 10))
			}
		}
		dst = append(dst, `"count": `...)
		dst = strconv.AppendUint(dst, counts[i]/div, 10)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

func appendMinMax(dst []byte, lo, hi string) []byte {
	dst = append(dst, `"min": `...)
	dst = append(dst, lo...)
	dst = append(dst, `, "max": `...)
	dst = append(dst, hi...)
	return append(dst, ", "...)
}

package runtime

import (
	"encoding/binary"
	"fmt"

	"github.com/cilium/ebpf"

	"gtrace/codegen/emit"
	"gtrace/lang/types"
	"gtrace/stdlib/format"
)

// mapKinds translates aggregation kinds to the formatter's map kinds.
var mapKinds = map[types.AggKind]format.MapKind{
	types.AggNone:  format.MapPlain,
	types.AggCount: format.MapCount,
	types.AggSum:   format.MapSum,
	types.AggMin:   format.MapMin,
	types.AggMax:   format.MapMax,
	types.AggAvg:   format.MapAvg,
	types.AggStats: format.MapStats,
	types.AggHist:  format.MapHist,
	types.AggLhist: format.MapLhist,
}

// readMap reads a script map from the kernel and folds per-CPU values.
func (s *Session) readMap(d *emit.MapDesc) (*format.Map, error) {
	km := s.coll.Maps[d.BPFName]
	if km == nil {
		return nil, fmt.Errorf("map %s is not loaded", d.Name)
	}
	fm := &format.Map{Name: d.Name, Kind: mapKinds[d.Agg()], Keyed: d.Key != nil}
	if d.Agg() == types.AggLhist {
		p := d.Value.AggParams
		fm.Min, fm.Max, fm.Step = p[0], p[1], p[2]
	}
	if d.Array {
		return fm, s.readArray(d, fm)
	}
	// hist and lhist entries are spread over (key, bucket) pairs.
	byKey := map[string]int{}
	var key []byte
	it := km.Iterate()
	if d.PerCPU {
		vals := make([][]byte, s.possibleCPUs)
		for it.Next(&key, &vals) {
			userKey := key[:d.UserKeySize()]
			if d.IsHist() {
				bucket := int(binary.NativeEndian.Uint64(key[d.BucketOff:]))
				var n uint64
				for _, v := range vals {
					n += binary.NativeEndian.Uint64(v)
				}
				i, ok := byKey[string(userKey)]
				if !ok {
					i = len(fm.Entries)
					byKey[string(userKey)] = i
					fm.Entries = append(fm.Entries, format.Entry{Key: s.decodeKey(d, userKey)})
				}
				if n > 0 {
					fm.Entries[i].Buckets = append(fm.Entries[i].Buckets, format.Bucket{Index: bucket, Count: n})
				}
				continue
			}
			e := format.Entry{Key: s.decodeKey(d, userKey)}
			s.fold(d, &e, vals)
			fm.Entries = append(fm.Entries, e)
		}
	} else {
		var val []byte
		for it.Next(&key, &val) {
			fm.Entries = append(fm.Entries, format.Entry{
				Key:   s.decodeKey(d, key[:d.UserKeySize()]),
				Value: s.Decode(d.Value, val),
			})
		}
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("reading map %s: %w", d.Name, err)
	}
	return fm, nil
}

// readArray reads a keyless aggregation kept in a per-CPU array. Its
// elements always exist, so it counts as set once a probe updated it, or
// once zero() was applied to it.
func (s *Session) readArray(d *emit.MapDesc, fm *format.Map) error {
	km := s.coll.Maps[d.BPFName]
	var key []byte
	vals := make([][]byte, s.possibleCPUs)
	e := format.Entry{}
	set := s.zeroed[d.Name]
	it := km.Iterate()
	for it.Next(&key, &vals) {
		if d.IsHist() {
			var n uint64
			for _, v := range vals {
				n += binary.NativeEndian.Uint64(v)
			}
			if n > 0 {
				e.Buckets = append(e.Buckets, format.Bucket{Index: int(binary.NativeEndian.Uint32(key)), Count: n})
				set = true
			}
			continue
		}
		s.fold(d, &e, vals)
		for _, v := range vals {
			switch d.Agg() {
			case types.AggCount:
				set = set || binary.NativeEndian.Uint64(v) != 0
			case types.AggSum, types.AggMin, types.AggMax:
				set = set || binary.NativeEndian.Uint64(v[8:]) != 0
			case types.AggAvg, types.AggStats:
				set = set || binary.NativeEndian.Uint64(v) != 0
			}
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("reading map %s: %w", d.Name, err)
	}
	if set {
		fm.Entries = append(fm.Entries, e)
	}
	return nil
}

func (s *Session) decodeKey(d *emit.MapDesc, b []byte) format.Value {
	if d.Key == nil {
		return format.Value{}
	}
	return s.Decode(d.Key, b)
}

// fold combines the per-CPU values of an aggregation into e.
func (s *Session) fold(d *emit.MapDesc, e *format.Entry, vals [][]byte) {
	signed := d.Value.AggSigned
	word := func(v []byte, i int) uint64 { return binary.NativeEndian.Uint64(v[8*i:]) }
	num := func(x uint64) format.Value {
		if signed {
			return format.Int(int64(x))
		}
		return format.Uint(x)
	}
	switch d.Agg() {
	case types.AggCount:
		var n uint64
		for _, v := range vals {
			n += word(v, 0)
		}
		e.Value = format.Uint(n)
	case types.AggSum:
		var n uint64
		for _, v := range vals {
			n += word(v, 0)
		}
		e.Value = num(n)
	case types.AggMin, types.AggMax:
		isMin := d.Agg() == types.AggMin
		var best uint64
		set := false
		for _, v := range vals {
			if word(v, 1) == 0 {
				continue
			}
			x := word(v, 0)
			better := x > best
			if signed {
				better = int64(x) > int64(best)
			}
			if isMin {
				better = x < best
				if signed {
					better = int64(x) < int64(best)
				}
			}
			if !set || better {
				best, set = x, true
			}
		}
		e.Value = num(best)
	case types.AggAvg, types.AggStats:
		for _, v := range vals {
			e.Count += word(v, 0)
			e.Total += int64(word(v, 1))
		}
	}
}

// mapDesc finds a script map by name.
func (s *Session) mapDesc(name string) (*emit.MapDesc, error) {
	d := s.art.Maps[name]
	if d == nil {
		return nil, fmt.Errorf("unknown map %s", name)
	}
	return d, nil
}

// PrintMap implements stdlib.Runtime.
func (s *Session) PrintMap(name string, top, div int64) error {
	d, err := s.mapDesc(name)
	if err != nil {
		return err
	}
	m, err := s.readMap(d)
	if err != nil {
		return err
	}
	if top < 0 {
		top = 0
	}
	if div < 0 {
		div = 0
	}
	return s.w.Map(m, uint64(top), uint64(div))
}

// printAllMaps prints every map in name order, as at exit.
func (s *Session) printAllMaps() error {
	maps := make([]*format.Map, 0, len(s.art.Maps))
	for _, name := range s.art.MapNames() {
		m, err := s.readMap(s.art.Maps[name])
		if err != nil {
			return err
		}
		maps = append(maps, m)
	}
	return s.w.Maps(maps)
}

// keys lists the BPF keys of a map.
func (s *Session) keys(d *emit.MapDesc) ([][]byte, error) {
	km := s.coll.Maps[d.BPFName]
	var (
		keys [][]byte
		key  []byte
	)
	it := km.Iterate()
	if d.PerCPU {
		vals := make([][]byte, s.possibleCPUs)
		for it.Next(&key, &vals) {
			keys = append(keys, key)
		}
	} else {
		var val []byte
		for it.Next(&key, &val) {
			keys = append(keys, key)
		}
	}
	return keys, it.Err()
}

// mapAndKeys finds a script map and lists its BPF keys.
func (s *Session) mapAndKeys(name string) (*emit.MapDesc, [][]byte, error) {
	d, err := s.mapDesc(name)
	if err != nil {
		return nil, nil, err
	}
	keys, err := s.keys(d)
	return d, keys, err
}

// ClearMap implements stdlib.Runtime: it deletes every element.
func (s *Session) ClearMap(name string) error {
	d, keys, err := s.mapAndKeys(name)
	if err != nil {
		return err
	}
	if d.Array {
		// Array elements cannot be deleted: zero them and forget they
		// were ever set.
		s.zeroed[name] = false
		return s.zeroKeys(d, keys)
	}
	km := s.coll.Maps[d.BPFName]
	for _, k := range keys {
		km.Delete(k)
	}
	return nil
}

// ZeroMap implements stdlib.Runtime: it sets every value to zero.
func (s *Session) ZeroMap(name string) error {
	d, keys, err := s.mapAndKeys(name)
	if err != nil {
		return err
	}
	if d.Array {
		s.zeroed[name] = true
	}
	return s.zeroKeys(d, keys)
}

// zeroKeys sets the values of keys to zero.
func (s *Session) zeroKeys(d *emit.MapDesc, keys [][]byte) error {
	var zero any = make([]byte, d.ValueSize)
	if d.PerCPU {
		zeros := make([][]byte, s.possibleCPUs)
		for i := range zeros {
			zeros[i] = make([]byte, d.ValueSize)
		}
		zero = zeros
	}
	km := s.coll.Maps[d.BPFName]
	for _, k := range keys {
		if err := km.Update(k, zero, ebpf.UpdateExist); err != nil {
			return fmt.Errorf("zeroing %s: %w", d.Name, err)
		}
	}
	return nil
}

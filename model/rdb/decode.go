package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Errors that a DecodeError wraps, for errors.Is.
var (
	// ErrTruncated means the input ends before the RDB does.
	ErrTruncated = errors.New("truncated")
	// ErrCorrupt means the bytes cannot be an RDB file.
	ErrCorrupt = errors.New("corrupt")
	// ErrChecksum means the stored CRC-64 does not match the content.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrUnsupported means a valid RDB uses something replsim does not
	// model, such as a hash value or a module aux field.
	ErrUnsupported = errors.New("unsupported")
)

// DecodeError says where and why an RDB could not be decoded.
type DecodeError struct {
	// Offset is the position in the input of the item that failed.
	Offset int
	// Msg describes the problem.
	Msg string
	// Err is one of ErrTruncated, ErrCorrupt, ErrChecksum, ErrUnsupported.
	Err error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("rdb: offset %d: %v: %s", e.Offset, e.Err, e.Msg)
}

// Unwrap returns the error's kind.
func (e *DecodeError) Unwrap() error { return e.Err }

// Decode parses a whole RDB file, as Redis's rdbLoad would, and checks its
// CRC-64 unless the stored checksum is zero (written with checksums off) or
// the format predates checksums (version < 5). Headers of versions 1 to 10
// are accepted; of the values, only strings are supported. Keys before any
// SELECTDB belong to database 0; databases appear in File.DBs in the order
// the file first selects them. A key that appears twice in one database is
// an error, as it is for Redis. Bytes after the checksum are an error too,
// since a snapshot that replsim handles always ends there.
//
// Decode never panics; it copies every key and value out of b.
func Decode(b []byte) (*File, error) {
	d := decoder{b: b}
	f, err := d.file()
	if err != nil {
		return nil, err
	}
	return f, nil
}

type decoder struct {
	b    []byte
	pos  int
	slab []byte // backing store for the raw strings, sized once
}

func (d *decoder) errorf(off int, kind error, format string, args ...any) error {
	return &DecodeError{Offset: off, Msg: fmt.Sprintf(format, args...), Err: kind}
}

func (d *decoder) need(n int, what string) error {
	if n < 0 || len(d.b)-d.pos < n {
		return d.errorf(d.pos, ErrTruncated, "%s needs %d bytes, %d left", what, n, len(d.b)-d.pos)
	}
	return nil
}

func (d *decoder) file() (*File, error) {
	if err := d.need(9, "header"); err != nil {
		return nil, err
	}
	if !bytes.Equal(d.b[:5], []byte("REDIS")) {
		return nil, d.errorf(0, ErrCorrupt, "magic is %q, not \"REDIS\"", d.b[:5])
	}
	version := 0
	for _, c := range d.b[5:9] {
		if c < '0' || c > '9' {
			return nil, d.errorf(5, ErrCorrupt, "version %q is not 4 digits", d.b[5:9])
		}
		version = version*10 + int(c-'0')
	}
	if version < 1 || version > Version {
		return nil, d.errorf(5, ErrUnsupported, "RDB version %d; versions 1 to %d are known", version, Version)
	}
	d.pos = 9
	// Raw strings never take more room decoded than encoded, so one slab
	// of the input's size holds them all with a single allocation.
	d.slab = make([]byte, 0, len(d.b))

	f := &File{Version: version}
	f.Aux = Aux{CtimeSec: -1, UsedMemBytes: -1, ReplStreamDB: -1, ReplOffset: -1}
	dbIndex := map[int]int{} // database number -> index in f.DBs
	var seen map[string]struct{}
	sizeHint := 0 // from the last RESIZEDB
	curDB := -1   // index in f.DBs, or -1 until the first key or SELECTDB
	dbNumber := 0
	expireAtMs, hasExpire := int64(0), false
	selectDB := func(n int) {
		i, ok := dbIndex[n]
		if !ok {
			i = len(f.DBs)
			dbIndex[n] = i
			f.DBs = append(f.DBs, DB{Number: n})
		}
		curDB, dbNumber = i, n
		seen = nil
		sizeHint = 0
	}

	for {
		at := d.pos
		if err := d.need(1, "opcode"); err != nil {
			return nil, err
		}
		op := d.b[d.pos]
		d.pos++
		switch op {
		case opEOF:
			if hasExpire {
				return nil, d.errorf(at, ErrCorrupt, "expire time without a key before EOF")
			}
			if err := d.trailer(version); err != nil {
				return nil, err
			}
			return f, nil

		case opSelectDB:
			n, err := d.plainLen("database number")
			if err != nil {
				return nil, err
			}
			if n > math.MaxInt32 {
				return nil, d.errorf(at, ErrCorrupt, "database number %d", n)
			}
			selectDB(int(n))

		case opResizeDB:
			// The sizes are only a hint to presize tables, as in Redis.
			n, err := d.plainLen("database size")
			if err != nil {
				return nil, err
			}
			if _, err := d.plainLen("expires size"); err != nil {
				return nil, err
			}
			// An entry takes at least 3 bytes, which bounds what a
			// corrupt hint can make us allocate.
			sizeHint = int(min(n, uint64(len(d.b)-d.pos)/3))

		case opAux:
			key, err := d.str()
			if err != nil {
				return nil, err
			}
			valueAt := d.pos
			value, err := d.str()
			if err != nil {
				return nil, err
			}
			field := AuxField{Key: string(key), Value: string(value)}
			f.AuxFields = append(f.AuxFields, field)
			if err := parseAux(&f.Aux, field); err != nil {
				return nil, d.errorf(valueAt, ErrCorrupt, "aux field %s: %v", field.Key, err)
			}

		case opExpireTimeMs:
			if err := d.need(8, "expire time"); err != nil {
				return nil, err
			}
			expireAtMs = int64(binary.LittleEndian.Uint64(d.b[d.pos:]))
			hasExpire = true
			d.pos += 8

		case opExpireTime:
			if err := d.need(4, "expire time"); err != nil {
				return nil, err
			}
			expireAtMs = int64(int32(binary.LittleEndian.Uint32(d.b[d.pos:]))) * 1000
			hasExpire = true
			d.pos += 4

		case opIdle:
			// LRU idle time, written under an LRU maxmemory-policy.
			if _, err := d.plainLen("idle time"); err != nil {
				return nil, err
			}

		case opFreq:
			// LFU counter, written under an LFU maxmemory-policy.
			if err := d.need(1, "LFU frequency"); err != nil {
				return nil, err
			}
			d.pos++

		case typeString:
			keyAt := d.pos
			key, err := d.str()
			if err != nil {
				return nil, err
			}
			value, err := d.str()
			if err != nil {
				return nil, err
			}
			if curDB < 0 {
				selectDB(0)
			}
			if seen == nil {
				db := &f.DBs[curDB]
				if db.Entries == nil && sizeHint > 0 {
					db.Entries = make([]Entry, 0, sizeHint)
				}
				seen = make(map[string]struct{}, max(len(db.Entries), sizeHint))
				for _, e := range f.DBs[curDB].Entries {
					seen[string(e.Key)] = struct{}{}
				}
			}
			if _, dup := seen[string(key)]; dup {
				return nil, d.errorf(keyAt, ErrCorrupt, "key %q appears twice in database %d", key, dbNumber)
			}
			seen[string(key)] = struct{}{}
			e := Entry{Key: key, Value: value}
			if hasExpire {
				e.ExpireAtMs = expireAtMs
			}
			f.DBs[curDB].Entries = append(f.DBs[curDB].Entries, e)
			hasExpire = false

		default:
			name, ok := typeNames[op]
			if !ok {
				return nil, d.errorf(at, ErrCorrupt, "unknown value type or opcode 0x%02x", op)
			}
			return nil, d.errorf(at, ErrUnsupported, "value type or opcode 0x%02x (%s); only strings (type 0) are supported", op, name)
		}
	}
}

// trailer checks the checksum that follows the EOF opcode.
func (d *decoder) trailer(version int) error {
	if version >= 5 {
		if err := d.need(8, "checksum"); err != nil {
			return err
		}
		stored := binary.LittleEndian.Uint64(d.b[d.pos:])
		if stored != 0 {
			if sum := crc64(0, d.b[:d.pos]); sum != stored {
				return d.errorf(d.pos, ErrChecksum, "stored 0x%016x, computed 0x%016x", stored, sum)
			}
		}
		d.pos += 8
	}
	if d.pos != len(d.b) {
		return d.errorf(d.pos, ErrCorrupt, "%d bytes after the end of the RDB", len(d.b)-d.pos)
	}
	return nil
}

// length reads a length prefix. For the special string encodings (top bits
// 11) it returns the encoding byte itself and encoded=true.
func (d *decoder) length(what string) (n uint64, encoded bool, err error) {
	if err := d.need(1, what); err != nil {
		return 0, false, err
	}
	at := d.pos
	first := d.b[d.pos]
	switch {
	case first&0xC0 == len6Bit:
		d.pos++
		return uint64(first & 0x3F), false, nil
	case first&0xC0 == len14Bit:
		if err := d.need(2, what); err != nil {
			return 0, false, err
		}
		d.pos += 2
		return uint64(first&0x3F)<<8 | uint64(d.b[at+1]), false, nil
	case first == len32Bit:
		if err := d.need(5, what); err != nil {
			return 0, false, err
		}
		d.pos += 5
		return uint64(binary.BigEndian.Uint32(d.b[at+1:])), false, nil
	case first == len64Bit:
		if err := d.need(9, what); err != nil {
			return 0, false, err
		}
		d.pos += 9
		return binary.BigEndian.Uint64(d.b[at+1:]), false, nil
	case first&0xC0 == lenEnc:
		d.pos++
		return uint64(first), true, nil
	default:
		return 0, false, d.errorf(at, ErrCorrupt, "unknown length prefix 0x%02x in %s", first, what)
	}
}

// plainLen reads a length where a string encoding makes no sense.
func (d *decoder) plainLen(what string) (uint64, error) {
	at := d.pos
	n, encoded, err := d.length(what)
	if err != nil {
		return 0, err
	}
	if encoded {
		return 0, d.errorf(at, ErrCorrupt, "string encoding 0x%02x where %s was expected", n, what)
	}
	return n, nil
}

// str reads a string in any of the encodings Redis writes: raw, 8/16/32-bit
// integer, or LZF.
func (d *decoder) str() ([]byte, error) {
	at := d.pos
	n, encoded, err := d.length("string length")
	if err != nil {
		return nil, err
	}
	if !encoded {
		if n > uint64(len(d.b)-d.pos) {
			return nil, d.errorf(d.pos, ErrTruncated, "string of %d bytes, %d left", n, len(d.b)-d.pos)
		}
		start := len(d.slab)
		d.slab = append(d.slab, d.b[d.pos:d.pos+int(n)]...)
		d.pos += int(n)
		// The full slice expression stops an append by the caller from
		// running into the next string.
		return d.slab[start:len(d.slab):len(d.slab)], nil
	}
	switch byte(n) {
	case encInt8:
		if err := d.need(1, "8-bit integer"); err != nil {
			return nil, err
		}
		v := int64(int8(d.b[d.pos]))
		d.pos++
		return strconv.AppendInt(nil, v, 10), nil
	case encInt16:
		if err := d.need(2, "16-bit integer"); err != nil {
			return nil, err
		}
		v := int64(int16(binary.LittleEndian.Uint16(d.b[d.pos:])))
		d.pos += 2
		return strconv.AppendInt(nil, v, 10), nil
	case encInt32:
		if err := d.need(4, "32-bit integer"); err != nil {
			return nil, err
		}
		v := int64(int32(binary.LittleEndian.Uint32(d.b[d.pos:])))
		d.pos += 4
		return strconv.AppendInt(nil, v, 10), nil
	case encLZF:
		clen, err := d.plainLen("LZF compressed length")
		if err != nil {
			return nil, err
		}
		ulen, err := d.plainLen("LZF length")
		if err != nil {
			return nil, err
		}
		if clen > uint64(len(d.b)-d.pos) {
			return nil, d.errorf(d.pos, ErrTruncated, "LZF data of %d bytes, %d left", clen, len(d.b)-d.pos)
		}
		// No LZF chunk expands more than lzfMaxExpand-fold; checking this
		// first keeps a corrupt length from allocating gigabytes.
		if ulen > clen*lzfMaxExpand {
			return nil, d.errorf(at, ErrCorrupt, "LZF length %d cannot come from %d bytes", ulen, clen)
		}
		out, err := lzfDecompress(nil, d.b[d.pos:d.pos+int(clen)], int(ulen))
		if err != nil {
			return nil, d.errorf(d.pos, ErrCorrupt, "%v", err)
		}
		d.pos += int(clen)
		return out, nil
	default:
		return nil, d.errorf(at, ErrCorrupt, "unknown string encoding 0x%02x", n)
	}
}

// parseAux fills the typed fields Redis itself reads back from an RDB.
// Unlike Redis's atoi, it rejects a numeric field that is not a number. A
// repl-id that is not 40 bytes is ignored, as Redis ignores it.
func parseAux(a *Aux, f AuxField) error {
	var err error
	switch f.Key {
	case "ctime":
		a.CtimeSec, err = strconv.ParseInt(f.Value, 10, 64)
	case "used-mem":
		a.UsedMemBytes, err = strconv.ParseInt(f.Value, 10, 64)
	case "repl-offset":
		a.ReplOffset, err = strconv.ParseInt(f.Value, 10, 64)
	case "repl-stream-db":
		var v int64
		v, err = strconv.ParseInt(f.Value, 10, 32)
		a.ReplStreamDB = int(v)
	case "repl-id":
		if len(f.Value) == 40 {
			a.ReplID = f.Value
		}
	}
	return err
}

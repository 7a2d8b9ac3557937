package rdb

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

// Options choose between the settings Redis has for writing RDB files. The
// zero value is Redis's default: compressed and checksummed.
type Options struct {
	// NoCompression stores every string raw, like "rdbcompression no".
	NoCompression bool
	// NoChecksum writes a zero checksum, like "rdbchecksum no"; readers
	// then skip the check.
	NoChecksum bool
}

// flushThresholdBytes is how much output an Encoder with a writer gathers
// before handing it on, so that a large snapshot is never held whole.
const flushThresholdBytes = 64 << 10

// Encoder writes one RDB at a time, section by section, and keeps its
// buffers for the next one. Call Begin, then for each non-empty database
// SelectDB followed by its entries, then End; Encode does all of it for a
// whole Snapshot.
//
// With a nil writer the output accumulates in memory and Bytes returns it;
// otherwise it is written to the writer in chunks as it is produced. After
// the first error every call returns that error until Reset.
type Encoder struct {
	w    io.Writer
	opts Options

	buf     []byte // output not yet written to w
	base    int    // buf[:base] belongs to the caller (see Append)
	crcFrom int    // buf[base:crcFrom] is already in crc
	crc     uint64
	flushed int64 // bytes already written to w

	state   encoderState
	db      int // current database, -1 before the first SelectDB
	dbSize  int // entries SelectDB announced for it
	dbTTLs  int // entries with an expiry SelectDB announced
	nKeys   int // entries written since SelectDB
	nTTLs   int // of which with an expiry
	lzf     lzfCompressor
	scratch []byte // compressed form of the current string
	err     error
}

type encoderState int

const (
	stateStart encoderState = iota // nothing written yet
	stateAux                       // header and aux fields written
	stateDB                        // inside a database
	stateDone                      // EOF and checksum written
)

// NewEncoder returns an Encoder that writes to w, or to memory if w is nil.
func NewEncoder(w io.Writer, opts Options) *Encoder {
	e := &Encoder{opts: opts}
	e.Reset(w)
	return e
}

// Reset readies the encoder for a new RDB written to w (or to memory if w
// is nil), keeping its buffers. Memory returned by Bytes is reused.
func (e *Encoder) Reset(w io.Writer) {
	e.w = w
	e.buf = e.buf[:0]
	e.base, e.crcFrom, e.crc, e.flushed = 0, 0, 0, 0
	e.state, e.db, e.dbSize, e.dbTTLs, e.nKeys, e.nTTLs = stateStart, -1, 0, 0, 0, 0
	e.err = nil
}

// Bytes returns the RDB produced so far by an encoder without a writer. It
// is valid until the next Reset.
func (e *Encoder) Bytes() []byte { return e.buf[e.base:] }

// Size returns the number of RDB bytes produced so far.
func (e *Encoder) Size() int64 { return e.flushed + int64(len(e.buf)-e.base) }

// Encode writes the whole snapshot: Begin, each non-empty database in
// ascending order with its entries in the given order, and End.
func (e *Encoder) Encode(s *Snapshot) error {
	order := make([]int, 0, len(s.DBs))
	for i := range s.DBs {
		if len(s.DBs[i].Entries) > 0 {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(s.DBs[a].Number, s.DBs[b].Number) })
	if err := e.Begin(s.Aux); err != nil {
		return err
	}
	for _, i := range order {
		db := &s.DBs[i]
		ttls := 0
		for j := range db.Entries {
			if db.Entries[j].ExpireAtMs != 0 {
				ttls++
			}
		}
		if err := e.SelectDB(db.Number, len(db.Entries), ttls); err != nil {
			return err
		}
		for j := range db.Entries {
			if err := e.WriteEntry(db.Entries[j]); err != nil {
				return err
			}
		}
	}
	return e.End()
}

// Append appends the RDB form of s to dst and returns the extended slice.
// It is the one-shot form of Encoder.Encode.
func Append(dst []byte, s *Snapshot, opts Options) ([]byte, error) {
	e := &Encoder{opts: opts}
	e.Reset(nil)
	e.buf, e.base, e.crcFrom = dst, len(dst), len(dst)
	if err := e.Encode(s); err != nil {
		return dst, err
	}
	return e.buf, nil
}

// Begin writes the header and the aux fields, in the order
// rdbSaveInfoAuxFields uses: redis-ver, redis-bits, ctime, used-mem, the
// three replication fields when aux.ReplID is set, and aof-base.
func (e *Encoder) Begin(aux Aux) error {
	if e.err != nil {
		return e.err
	}
	if e.state != stateStart {
		return e.fail(errors.New("rdb: Begin called twice"))
	}
	if aux.ReplID != "" && len(aux.ReplID) != 40 {
		return e.fail(fmt.Errorf("rdb: repl-id %q is not 40 characters", aux.ReplID))
	}
	e.buf = append(e.buf, "REDIS0010"...)
	e.auxString("redis-ver", RedisVersion)
	e.auxInt("redis-bits", 64)
	e.auxInt("ctime", aux.CtimeSec)
	e.auxInt("used-mem", aux.UsedMemBytes)
	if aux.ReplID != "" {
		e.auxInt("repl-stream-db", int64(aux.ReplStreamDB))
		e.auxString("repl-id", aux.ReplID)
		e.auxInt("repl-offset", aux.ReplOffset)
	}
	e.auxInt("aof-base", 0)
	e.state = stateAux
	return e.maybeFlush()
}

// SelectDB starts database db, which must be above the previous one and
// will hold exactly size entries, ttls of them with an expiry. Redis writes
// these counts (the RESIZEDB hint) before the entries, so the caller must
// know them; the encoder checks them when the database ends.
func (e *Encoder) SelectDB(db, size, ttls int) error {
	if e.err != nil {
		return e.err
	}
	if e.state != stateAux && e.state != stateDB {
		return e.fail(errors.New("rdb: SelectDB before Begin or after End"))
	}
	if err := e.closeDB(); err != nil {
		return err
	}
	switch {
	case db < 0:
		return e.fail(fmt.Errorf("rdb: negative database number %d", db))
	case db <= e.db:
		return e.fail(fmt.Errorf("rdb: database %d after database %d; they must ascend", db, e.db))
	case size <= 0:
		return e.fail(fmt.Errorf("rdb: database %d has no entries; Redis skips empty databases", db))
	case ttls < 0 || ttls > size:
		return e.fail(fmt.Errorf("rdb: database %d: %d entries with expiry out of %d", db, ttls, size))
	}
	e.buf = append(e.buf, opSelectDB)
	e.buf = appendLen(e.buf, uint64(db))
	e.buf = append(e.buf, opResizeDB)
	e.buf = appendLen(e.buf, uint64(size))
	e.buf = appendLen(e.buf, uint64(ttls))
	e.state, e.db, e.dbSize, e.dbTTLs, e.nKeys, e.nTTLs = stateDB, db, size, ttls, 0, 0
	return nil
}

// WriteEntry writes one string key of the current database, with its
// expiry first when it has one, as rdbSaveKeyValuePair does.
func (e *Encoder) WriteEntry(en Entry) error {
	if e.err != nil {
		return e.err
	}
	if e.state != stateDB {
		return e.fail(errors.New("rdb: WriteEntry outside a database"))
	}
	if e.nKeys == e.dbSize {
		return e.fail(fmt.Errorf("rdb: database %d: more than the %d entries announced", e.db, e.dbSize))
	}
	if en.ExpireAtMs != 0 {
		e.buf = append(e.buf, opExpireTimeMs)
		e.buf = binary.LittleEndian.AppendUint64(e.buf, uint64(en.ExpireAtMs))
		e.nTTLs++
	}
	e.buf = append(e.buf, typeString)
	e.appendString(en.Key)
	e.appendString(en.Value)
	e.nKeys++
	return e.maybeFlush()
}

// End writes the EOF opcode and the checksum, and flushes the writer.
func (e *Encoder) End() error {
	if e.err != nil {
		return e.err
	}
	if e.state != stateAux && e.state != stateDB {
		return e.fail(errors.New("rdb: End before Begin or called twice"))
	}
	if err := e.closeDB(); err != nil {
		return err
	}
	e.buf = append(e.buf, opEOF)
	e.crc = crc64(e.crc, e.buf[e.crcFrom:])
	e.crcFrom = len(e.buf)
	sum := e.crc
	if e.opts.NoChecksum {
		sum = 0
	}
	e.buf = binary.LittleEndian.AppendUint64(e.buf, sum)
	e.state = stateDone
	return e.flush()
}

// closeDB checks that the database just finished held what SelectDB said.
func (e *Encoder) closeDB() error {
	if e.state == stateDB && (e.nKeys != e.dbSize || e.nTTLs != e.dbTTLs) {
		return e.fail(fmt.Errorf("rdb: database %d: announced %d entries (%d with expiry), wrote %d (%d)",
			e.db, e.dbSize, e.dbTTLs, e.nKeys, e.nTTLs))
	}
	return nil
}

func (e *Encoder) fail(err error) error {
	e.err = err
	return err
}

func (e *Encoder) maybeFlush() error {
	if e.w == nil || len(e.buf)-e.base < flushThresholdBytes {
		return nil
	}
	return e.flush()
}

// flush folds the pending bytes into the checksum and writes them out.
func (e *Encoder) flush() error {
	if e.w == nil {
		return nil
	}
	e.crc = crc64(e.crc, e.buf[e.crcFrom:])
	n, err := e.w.Write(e.buf[e.base:])
	e.flushed += int64(n)
	if err != nil {
		return e.fail(fmt.Errorf("rdb: write: %w", err))
	}
	e.buf = e.buf[:e.base]
	e.crcFrom = e.base
	return nil
}

func (e *Encoder) auxString(key, value string) {
	e.buf = append(e.buf, opAux)
	e.appendString([]byte(key))
	e.appendString([]byte(value))
}

// auxInt writes a numeric aux field the way rdbSaveAuxFieldStrInt does:
// as its decimal text, which the string encoder then stores as an integer
// when it fits in 32 bits.
func (e *Encoder) auxInt(key string, v int64) {
	var digits [20]byte
	e.buf = append(e.buf, opAux)
	e.appendString([]byte(key))
	e.appendString(strconv.AppendInt(digits[:0], v, 10))
}

// appendString stores s as rdbSaveRawString does: as an integer if it is
// the canonical decimal form of one that fits in 32 bits (only strings of
// at most 11 bytes are tried), else LZF-compressed if it is longer than 20
// bytes and compression saves at least 4 bytes, else raw.
func (e *Encoder) appendString(s []byte) {
	n := len(s)
	if n <= 11 {
		if v, ok := canonicalInt(s); ok {
			switch {
			case v >= math.MinInt8 && v <= math.MaxInt8:
				e.buf = append(e.buf, encInt8, byte(v))
				return
			case v >= math.MinInt16 && v <= math.MaxInt16:
				e.buf = append(e.buf, encInt16)
				e.buf = binary.LittleEndian.AppendUint16(e.buf, uint16(v))
				return
			case v >= math.MinInt32 && v <= math.MaxInt32:
				e.buf = append(e.buf, encInt32)
				e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(v))
				return
			}
		}
	}
	if !e.opts.NoCompression && n > 20 {
		var ok bool
		e.scratch, ok = e.lzf.compress(e.scratch[:0], s, n-4)
		if ok {
			e.buf = append(e.buf, encLZF)
			e.buf = appendLen(e.buf, uint64(len(e.scratch)))
			e.buf = appendLen(e.buf, uint64(n))
			e.buf = append(e.buf, e.scratch...)
			return
		}
	}
	e.buf = appendLen(e.buf, uint64(n))
	e.buf = append(e.buf, s...)
}

// canonicalInt parses s as Redis's string2ll does and accepts it only if
// printing the number back gives s again: no sign "+", no leading zeros,
// no "-0". It is only called on strings of at most 11 bytes, which cannot
// overflow an int64.
func canonicalInt(s []byte) (int64, bool) {
	digits := s
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 18 || (digits[0] == '0' && len(s) > 1) {
		return 0, false
	}
	var v int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if len(digits) != len(s) {
		v = -v
	}
	return v, true
}

// appendLen writes a length in the shortest form rdbSaveLen would choose.
func appendLen(b []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(b, byte(n))
	case n < 1<<14:
		return append(b, byte(n>>8)|len14Bit, byte(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, len32Bit), uint32(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, len64Bit), n)
	}
}

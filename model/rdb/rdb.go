// Package rdb reads and writes the RDB snapshot that a Redis 7.0 master
// sends in a full synchronization and that a node keeps across a restart.
//
// The bytes are a real RDB file of format version 10, the one Redis 7.0.15
// writes: the real redis-check-rdb accepts what Encoder produces and a real
// server loads it. Only what replsim models is covered: string keys, with
// an optional expiry, in any number of databases, and the aux fields that
// replication reads (repl-id, repl-offset, repl-stream-db). Everything is a
// pure function of its inputs: the creation time and memory figure are
// passed in, and the output depends only on them and on the order of the
// entries the caller gives.
package rdb

import (
	"bytes"
	"slices"
)

// Version is the RDB format version that Redis 7.0 writes and Encoder
// produces.
const Version = 10

// RedisVersion is the redis-ver aux field that Encoder writes: the Redis
// release whose files this package reproduces.
const RedisVersion = "7.0.15"

// Entry is one string key of a database.
type Entry struct {
	Key   []byte
	Value []byte
	// ExpireAtMs is the absolute expire time in unix milliseconds. Zero
	// means the key has no expiry: Redis deletes a key whose expire time
	// is already past when it is set, so it never saves one at time 0.
	ExpireAtMs int64
}

// DB is one numbered database and its keys.
type DB struct {
	// Number is the database index, as in SELECT.
	Number int
	// Entries are written in this order; Redis itself writes them in its
	// hash-table order, so a caller that wants byte-identical snapshots
	// for identical keyspaces sorts them first (see SortEntries).
	Entries []Entry
}

// Aux holds the aux fields of an RDB that vary from one snapshot to the
// next. The fixed ones (redis-ver, redis-bits, aof-base) are written by the
// encoder and reported raw by the decoder in File.AuxFields.
type Aux struct {
	// CtimeSec is the creation time in unix seconds (aux field ctime).
	CtimeSec int64
	// UsedMemBytes is the memory the server reported using (used-mem).
	UsedMemBytes int64

	// The replication fields, rdbSaveInfo in Redis, are written only when
	// ReplID is non-empty: Redis writes them only when rdbPopulateSaveInfo
	// finds a master with a backlog or a replica with a (cached) master.
	// A decoded file without them has ReplID "" and -1 in the other two,
	// Redis's own "absent" values.

	// ReplStreamDB is the database the replication stream had selected
	// (repl-stream-db).
	ReplStreamDB int
	// ReplID is the 40-character replication id (repl-id).
	ReplID string
	// ReplOffset is the master replication offset at the fork
	// (repl-offset).
	ReplOffset int64
}

// HasReplInfo reports whether a replica restarting from this RDB would
// resume replication from it: Redis requires all three fields.
func (a Aux) HasReplInfo() bool {
	return a.ReplID != "" && a.ReplOffset != -1 && a.ReplStreamDB != -1
}

// Snapshot is a keyspace plus the aux fields that describe it.
type Snapshot struct {
	Aux Aux
	// DBs may be in any order; empty ones are skipped when encoding, as
	// Redis does, and the rest are written in ascending Number.
	DBs []DB
}

// AuxField is one aux field as stored, with integer-encoded values turned
// back into their decimal text.
type AuxField struct {
	Key   string
	Value string
}

// File is a decoded RDB.
type File struct {
	// Version is the format version from the header.
	Version int
	// AuxFields lists every aux field in file order, including the ones
	// that are also parsed into Snapshot.Aux.
	AuxFields []AuxField
	Snapshot
}

// SortEntries sorts entries by key, bytewise, which gives a canonical
// order to a keyspace held in a Go map.
func SortEntries(entries []Entry) {
	slices.SortFunc(entries, func(a, b Entry) int { return bytes.Compare(a.Key, b.Key) })
}

// Opcodes and value types of the RDB format (Redis's rdb.h).
const (
	opFunction2    = 0xF5
	opFunction     = 0xF6
	opModuleAux    = 0xF7
	opIdle         = 0xF8
	opFreq         = 0xF9
	opAux          = 0xFA
	opResizeDB     = 0xFB
	opExpireTimeMs = 0xFC
	opExpireTime   = 0xFD
	opSelectDB     = 0xFE
	opEOF          = 0xFF

	typeString = 0
)

// Length prefixes: the top two bits of the first byte choose the form.
const (
	len6Bit  = 0x00 // 00xxxxxx
	len14Bit = 0x40 // 01xxxxxx xxxxxxxx
	len32Bit = 0x80 // then 4 bytes, big-endian
	len64Bit = 0x81 // then 8 bytes, big-endian
	lenEnc   = 0xC0 // 11xxxxxx: a special string encoding follows

	encInt8  = 0xC0
	encInt16 = 0xC1
	encInt32 = 0xC2
	encLZF   = 0xC3
)

// typeNames names the value types of Redis 7.0 for error messages.
var typeNames = map[byte]string{
	0: "string", 1: "list", 2: "set", 3: "zset", 4: "hash", 5: "zset-2",
	6: "module-pre-ga", 7: "module-2", 9: "hash-zipmap", 10: "list-ziplist",
	11: "set-intset", 12: "zset-ziplist", 13: "hash-ziplist",
	14: "list-quicklist", 15: "stream-listpacks", 16: "hash-listpack",
	17: "zset-listpack", 18: "list-quicklist-2", 19: "stream-listpacks-2",
	opFunction2: "function-2 opcode", opFunction: "function opcode",
	opModuleAux: "module-aux opcode",
}

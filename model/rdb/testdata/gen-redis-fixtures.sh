#!/bin/sh
# Regenerates the real-Redis fixtures in model/rdb/testdata (Redis 7.0.15, Debian 12).
set -e
OUT=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d); M=$WORK/m; R=$WORK/r; mkdir $M $R
timeout 60 redis-server --port 16379 --bind 127.0.0.1 --dir $M --dbfilename dump.rdb --save '' --appendonly no --logfile $M/log &
timeout 60 redis-server --port 16380 --bind 127.0.0.1 --dir $R --dbfilename dump.rdb --save '' --appendonly no --logfile $R/log --replicaof 127.0.0.1 16379 &
for i in $(seq 50); do
  redis-cli -p 16380 info replication 2>/dev/null | grep -q 'master_link_status:up' && break
  sleep 0.2
done
cat <<'CMDS' | redis-cli -p 16379
SET a 1
SET b 007
SET n -300
SET big 2147483647
SET over 2147483648
SET long12 123456789012
SET "bin\x00\xff" "v\x00\x01\x02"
SET empty ""
SET ttl hello PX 3600000
SET nocomp "abcdefghijklmnopqrstuvwxyz0123456789"
SELECT 3
SET k3 v3
SET k3b -7 PX 7200000
CMDS
redis-cli -p 16379 wait 1 5000
redis-cli -p 16379 info replication | grep -E 'master_replid:|master_repl_offset'
redis-cli -p 16380 info replication | grep -E 'master_link_status|master_repl_offset'
redis-cli -p 16379 save
redis-cli -p 16380 save
cp $M/dump.rdb $OUT/master-repl.rdb
cp $R/dump.rdb $OUT/replica-repl.rdb
redis-cli -p 16380 shutdown nosave
redis-cli -p 16379 flushall
cat <<'CMDS' | redis-cli -p 16379
SET xs xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
SET text "the quick brown fox jumps over the lazy dog; the quick brown fox jumps over the lazy dog"
SET short21 aaaaaaaaaaaaaaaaaaaaa
CMDS
redis-cli -p 16379 save
cp $M/dump.rdb $OUT/compressed.rdb
redis-cli -p 16379 shutdown nosave
wait

#!/usr/bin/env bash
# Channel fan-out (docs/BENCHMARKS.md "Channels"): one channel, S subscriber
# WebSockets online, the owner posting; prints chapar-bench's JSON line.
#
#   scripts/bench-channel.sh S 1 [POSTS] [RATE]       one node, embedded storage
#   scripts/bench-channel.sh S N [POSTS] [RATE]       N nodes on PostgreSQL + NATS
#
# One process holds at most ~19,000 sockets here, so S over 18,000 needs
# N >= S/18,000 nodes; chapar-bench spreads the subscribers over child
# processes of its own (-per-process 18000). Needs PostgreSQL on
# 127.0.0.1:5432 (trust auth, database "test") and NATS on 127.0.0.1:4222
# when N > 1. The cluster's database (benchchN) is left behind for a look.
set -euo pipefail
S=${1:?subscribers}; N=${2:?nodes}; POSTS=${3:-30}; RATE=${4:-1}
cd "$(dirname "$0")/.."
go build -o /tmp/chapar ./cmd/chapar
go build -o /tmp/chapar-bench ./cmd/chapar-bench
SERVERS=""; PIDS=""
if [ "$N" = 1 ]; then
  rm -rf /tmp/bench-channel-1
  /tmp/chapar serve -addr 127.0.0.1:8191 -data /tmp/bench-channel-1 -log-level warn -turn-addr off 2>/tmp/bench-channel-1.log &
  PIDS=$!; SERVERS=http://127.0.0.1:8191
else
  DB=benchch$N
  psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" 2>/dev/null
  for i in $(seq 1 "$N"); do
    /tmp/chapar serve -addr 127.0.0.1:819$i -data "/tmp/bench-channel-$i" -turn-addr off \
      -database "postgres://postgres@127.0.0.1:5432/$DB?sslmode=disable" \
      -nats nats://127.0.0.1:4222 -cluster "$DB" -log-level warn 2>"/tmp/bench-channel-$i.log" &
    PIDS="$PIDS $!"; SERVERS="$SERVERS,http://127.0.0.1:819$i"
  done
  SERVERS=${SERVERS#,}
fi
trap 'kill $PIDS 2>/dev/null' EXIT
sleep 2
/tmp/chapar-bench channel -server "$SERVERS" -subscribers "$S" -posts "$POSTS" -rate "$RATE" \
  -timeout 30m -drain 60s -json

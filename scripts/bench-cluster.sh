#!/usr/bin/env bash
# Measures chapar on PostgreSQL + NATS with N nodes on this machine, as in
# docs/BENCHMARKS.md ("Cluster"). Needs PostgreSQL on 127.0.0.1:5432 (trust
# auth, database "test") and NATS on 127.0.0.1:4222.
#
#   scripts/bench-cluster.sh N closed   dm closed loop ×3, then group ×3
#   scripts/bench-cluster.sh N rate     dm at 1,000 msgs/s ×3
#
# Each run gets a fresh database (benchN) that is left behind for a look;
# the nodes' bus metrics are printed at the end. JSON lines go to stdout.
set -euo pipefail
N=${1:?number of nodes}; MODE=${2:-closed}; DB=bench$N
cd "$(dirname "$0")/.."
go build -o /tmp/chapar ./cmd/chapar
go build -o /tmp/chapar-bench ./cmd/chapar-bench
psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" 2>/dev/null
SERVERS=""; PIDS=""
for i in $(seq 1 "$N"); do
  /tmp/chapar serve -addr 127.0.0.1:818$i -data "/tmp/bench-cluster-$i" -turn-addr off \
    -database "postgres://postgres@127.0.0.1:5432/$DB?sslmode=disable" \
    -nats nats://127.0.0.1:4222 -cluster "$DB" -log-level warn 2>"/tmp/bench-cluster-$i.log" &
  PIDS="$PIDS $!"; SERVERS="$SERVERS,http://127.0.0.1:818$i"
done
trap 'kill $PIDS 2>/dev/null' EXIT
SERVERS=${SERVERS#,}
sleep 2
if [ "$MODE" = rate ]; then
  for _ in 1 2 3; do /tmp/chapar-bench dm -server "$SERVERS" -pairs 50 -messages 20000 -rate 1000 -json 2>/dev/null; done
else
  for _ in 1 2 3; do /tmp/chapar-bench dm -server "$SERVERS" -pairs 50 -messages 30000 -json 2>/dev/null; done
  for _ in 1 2 3; do /tmp/chapar-bench group -server "$SERVERS" -members 1000 -messages 1000 -json 2>/dev/null; done
fi
for i in $(seq 1 "$N"); do curl -s "127.0.0.1:818$i/metrics" | grep -E '^chapar_bus' >&2; done

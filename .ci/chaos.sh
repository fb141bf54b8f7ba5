#!/usr/bin/env bash
# The chaos test: under steady load (CLIENTS live clients in ROOMS rooms, RATE messages/s sent
# as the browser's outbox sends them), kill -9 the release server CYCLES times at random moments
# and restart it; then check that every acknowledged message is stored exactly once and in
# order, and that every client saw exactly what the database holds. Once on SQLite (one
# instance), then on PostgreSQL with two instances, killing one at a time (skipped without
# PostgreSQL). Prints one table per run; fails if anything was lost, doubled or out of order.
# Needs the release server (`cargo leptos build --release`). CI runs 20 cycles; the full run:
#   .ci/chaos.sh 100
#   .ci/chaos.sh [CYCLES] [CLIENTS] [ROOMS] [RATE]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
cycles="${1:-20}"
clients="${2:-500}"
rooms="${3:-50}"
rate="${4:-200}"
server="$CARGO_TARGET_DIR/release/server"
[ -x "$server" ] || { echo "no release server at $server: run cargo leptos build --release" >&2; exit 1; }
cargo build -p loadgen --release --locked --quiet
chaos() {
  "$CARGO_TARGET_DIR/release/loadgen" --server-bin "$server" --chaos "$cycles" \
    --clients "$clients" --rooms "$rooms" --rate "$rate" "$@"
}

say "chaos: kill -9 x$cycles under $clients clients / $rate msg/s, SQLite, one instance"
chaos

setup_postgres
if [ "$PG_AVAILABLE" = 1 ]; then
  say "chaos: kill -9 x$cycles under $clients clients / $rate msg/s, PostgreSQL, two instances"
  db="chat_chaos_$$_$RANDOM"
  psql "$TEST_DATABASE_URL" -qc "create database $db"
  trap 'psql "$TEST_DATABASE_URL" -qc "drop database if exists $db with (force)" || true' EXIT
  base="${TEST_DATABASE_URL%%\?*}"
  chaos --instances 2 --database-url "${base%/*}/$db"
else
  say "SKIPPED: chaos on PostgreSQL with two instances (no PostgreSQL)"
fi
say "chaos passed: nothing lost, nothing doubled"

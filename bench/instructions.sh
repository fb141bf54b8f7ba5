#!/usr/bin/env bash
# CPU cost per request, counted in instructions by valgrind's callgrind: unlike req/s on a shared
# machine, the count repeats run after run, so two builds compare exactly.
#   bench/instructions.sh [SERVER_BIN] [SITE_ROOT]
# PAGE_CACHE=false renders every room page anew (as when the room changed since the last load).
# Seeds a room with 50 messages (as http-vs-flask.sh does), then counts 100 sequential requests
# each of: the room page, the JSON history, a durable send. Needs valgrind, curl and sqlite3.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-${CARGO_TARGET_DIR:-$HOME/.cache/chat/target}/release/server}"
site="${2:-$ROOT/target/site}"
for tool in valgrind callgrind_control curl sqlite3; do
  command -v "$tool" >/dev/null || { echo "SKIPPED instructions: $tool is not installed"; exit 0; }
done
[ -x "$bin" ] || { echo "SKIPPED instructions: no release build at $bin"; exit 0; }
port=5330; base="http://127.0.0.1:$port"; work=$(mktemp -d)
env -u RUST_BACKTRACE DATABASE_URL="sqlite://$work/db.db?mode=rwc" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  LEPTOS_SITE_ROOT="$site" LEPTOS_OUTPUT_NAME=chat RATE_LIMITS=false PAGE_CACHE="${PAGE_CACHE:-true}" RUST_LOG=warn \
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p.out" "$bin" >"$work/log" 2>&1 &
vpid=$!
trap 'kill $vpid 2>/dev/null; wait $vpid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 300); do curl -s -o /dev/null "$base/" && break; sleep 0.2; done
key=$(curl -s -X POST -H 'accept: application/json' -d name=bench "$base/api/create_room" | tr -d '"')
cookie=$(curl -s -o /dev/null -D - -X POST -H 'accept: application/json' -d "username=alice&next=/" \
  "$base/api/login" | sed -nE 's/^[Ss]et-[Cc]ookie: (chat_session=[^;]+).*/\1/p' | tr -d '\r')
curl -s -o /dev/null -H "cookie: $cookie" "$base/chatrooms/$key/"
for i in $(seq 50); do
  curl -s -o /dev/null -X POST -H "cookie: $cookie" -H 'accept: application/json' --data-urlencode "hash_key=$key" \
    --data-urlencode "content=message number $i with some ordinary chat text" "$base/api/send_message"
done
id=$(sqlite3 "$work/db.db" "select id from chat where hash_key='$key'")

count() { # label requests command... -> instructions per request
  local label=$1 n=$2; shift 2
  # Warm up; a refused request (curl -f) would count the cost of an error page.
  for _ in $(seq 5); do "$@" >/dev/null || { echo "FAILED: $label answered an error"; exit 1; }; done
  sleep 0.5; callgrind_control -z $vpid >/dev/null
  for _ in $(seq "$n"); do "$@" >/dev/null; done
  sleep 0.5; callgrind_control -d $vpid >/dev/null; sleep 1
  local dump total
  dump=$(ls -t "$work"/cg.*.out* | head -1)
  total=$(grep -h "^totals:\|^summary:" "$dump" | head -1 | awk '{print $2}')
  printf '%-34s %12d instructions per request\n' "$label" $((total / n))
}
count "room page, 50 messages" 100 curl -sf -H "cookie: $cookie" "$base/chatrooms/$key/"
count "JSON history, 50 messages" 100 curl -sf -H "cookie: $cookie" "$base/chats/$id/"
count "durable send (one at a time)" 100 curl -sf -X POST -H "cookie: $cookie" -H 'accept: application/json' \
  --data-urlencode "hash_key=$key" --data-urlencode "content=a durable message of ordinary length" "$base/api/send_message"

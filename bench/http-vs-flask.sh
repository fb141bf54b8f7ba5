#!/usr/bin/env bash
# The HTTP table of issue 12, side by side in one run: the Flask lab the product started from
# (gunicorn -w 2) and this project's release server, each on a fresh SQLite file, driven by the
# same `wrk` commands. Only the ratios are meaningful on a shared machine.
#   bench/http-vs-flask.sh [SECONDS]
# Needs: a release build (`cargo leptos build --release`), wrk, sqlite3, and the Flask lab's
# Python packages (`pip install flask flask-sqlalchemy gunicorn`); skips with a note otherwise.
# FLASK_LAB names the lab's folder (default ../shared/bench/seed_flask next to the clone).
# PAGE_CACHE=false renders every room page anew (as when the room changed since the last load).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
secs=${1:-8}
bin="${SERVER_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/chat/target}/release/server}"
site="${SITE_ROOT:-$ROOT/target/site}"
lab="${FLASK_LAB:-$ROOT/../shared/bench/seed_flask}"

skip() { echo "SKIPPED http-vs-flask: $*"; exit 0; }
command -v wrk >/dev/null || skip "wrk is not installed (apt-get install wrk)"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed (apt-get install sqlite3)"
command -v gunicorn >/dev/null && python3 -c 'import flask, flask_sqlalchemy' 2>/dev/null ||
  skip "the Flask lab's packages are missing (pip install flask flask-sqlalchemy gunicorn)"
[ -f "$lab/app.py" ] || skip "no Flask lab at $lab (set FLASK_LAB)"
[ -x "$bin" ] && [ -d "$site/pkg" ] || skip "no release build (cargo leptos build --release)"

work=$(mktemp -d)
flask_pid=""; our_pid=""
trap 'kill $flask_pid $our_pid 2>/dev/null; rm -rf "$work"' EXIT
FLASK_PORT=5207; OUR_PORT=5208
for port in $FLASK_PORT $OUR_PORT; do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && { echo "port $port is in use" >&2; exit 1; }
done

(cd "$lab" && SEED_DB="$work/flask.db" exec gunicorn --preload -w 2 -b "127.0.0.1:$FLASK_PORT" app:app \
  </dev/null >"$work/flask.log" 2>&1) &
flask_pid=$!
# Rate limits off: wrk sends from one address and one session.
env -u RUST_BACKTRACE DATABASE_URL="sqlite://$work/ours.db?mode=rwc" LEPTOS_SITE_ADDR="127.0.0.1:$OUR_PORT" \
  LEPTOS_SITE_ROOT="$site" LEPTOS_OUTPUT_NAME=chat RATE_LIMITS=false PAGE_CACHE="${PAGE_CACHE:-true}" \
  RUST_LOG=warn "$bin" >"$work/ours.log" 2>&1 &
our_pid=$!
for port in $FLASK_PORT $OUR_PORT; do
  for _ in $(seq 150); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
done

text="message number %d with some ordinary chat text"
flask_setup() { # N -> "cookie key id"
  local base="http://127.0.0.1:$FLASK_PORT" location key token id
  location=$(curl -s -o /dev/null -w '%{redirect_url}' -X POST -d name=bench "$base/chatrooms/")
  key=$(sed -E 's#.*/chatrooms/([^/]+)/#\1#' <<<"$location")
  token=$(curl -s -o /dev/null -D - -X POST -d username=alice "$base/sessions/?next=/" |
    sed -nE 's/^[Ss]et-[Cc]ookie: token=([^;]+).*/\1/p' | tr -d '\r')
  id=$(sqlite3 "$work/flask.db" "select id from chat where hash_key='$key'")
  for i in $(seq "$1"); do
    curl -s -o /dev/null -X POST -H "cookie: token=$token" -H 'content-type: application/json' \
      -d "{\"content\":\"$(printf "$text" "$i")\"}" "$base/chats/$id/messages/"
  done
  echo "token=$token $key $id"
}
our_setup() { # N -> "cookie key id"
  local base="http://127.0.0.1:$OUR_PORT" key cookie id
  key=$(curl -s -X POST -H 'accept: application/json' -d name=bench "$base/api/create_room" | tr -d '"')
  cookie=$(curl -s -o /dev/null -D - -X POST -H 'accept: application/json' -d "username=alice&next=/" \
    "$base/api/login" | sed -nE 's/^[Ss]et-[Cc]ookie: (chat_session=[^;]+).*/\1/p' | tr -d '\r')
  curl -s -o /dev/null -H "cookie: $cookie" "$base/chatrooms/$key/" # opening the link joins
  for i in $(seq "$1"); do
    curl -s -o /dev/null -X POST -H "cookie: $cookie" -H 'accept: application/json' \
      --data-urlencode "hash_key=$key" --data-urlencode "content=$(printf "$text" "$i")" "$base/api/send_message"
  done
  id=$(sqlite3 "$work/ours.db" "select id from chat where hash_key='$key'")
  echo "$cookie $key $id"
}
read -r flask_cookie flask_key flask_id < <(flask_setup 50)
read -r our_cookie our_key our_id < <(our_setup 50)

measure() { # connections url cookie [lua] [header] -> "req/s p50 p99 non2xx"
  local out
  out=$(wrk -t1 -c"$1" -d"${secs}s" --latency -H "cookie: $3" ${4:+-s "$4"} ${5:+-H "$5"} "$2" 2>&1)
  awk '/Requests\/sec/ {r=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} /Non-2xx/ {bad=$NF}
       END {printf "%s %s %s %s\n", r, p50, p99, (bad == "" ? 0 : bad)}' <<<"$out"
}
row() { # label flask-result our-result
  read -r f_rps f_p50 f_p99 f_bad <<<"$2"; read -r o_rps o_p50 o_p99 o_bad <<<"$3"
  printf '| %-32s | %9s | %7s | %7s | %9s | %7s | %7s | %6s |\n' "$1" "$f_rps" "$f_p99" "$f_bad" \
    "$o_rps" "$o_p99" "$o_bad" "$(awk -v o="$o_rps" -v f="$f_rps" 'BEGIN {printf "%.1fx", o / (f > 0 ? f : 0.001)}')"
}
flask="http://127.0.0.1:$FLASK_PORT"; ours="http://127.0.0.1:$OUR_PORT"
echo "wrk -t1, ${secs} s per case; Flask lab (gunicorn -w 2) vs this project (release, PAGE_CACHE=${PAGE_CACHE:-true}), fresh SQLite each"
printf '| %-32s | %9s | %7s | %7s | %9s | %7s | %7s | %6s |\n' case "Flask r/s" p99 non2xx "ours r/s" p99 non2xx ratio
echo "|----------------------------------|-----------|---------|---------|-----------|---------|---------|--------|"
row "room page, 50 messages (c16)" "$(measure 16 "$flask/chatrooms/$flask_key/" "$flask_cookie")" \
  "$(measure 16 "$ours/chatrooms/$our_key/" "$our_cookie")"
# Browsers ask for compressed pages; the lab answers uncompressed whatever is asked.
browser_encoding="accept-encoding: gzip, deflate, br, zstd"
row "room page, as browsers ask (c16)" \
  "$(measure 16 "$flask/chatrooms/$flask_key/" "$flask_cookie" "" "$browser_encoding")" \
  "$(measure 16 "$ours/chatrooms/$our_key/" "$our_cookie" "" "$browser_encoding")"
row "JSON history, 50 messages (c16)" "$(measure 16 "$flask/chats/$flask_id/" "$flask_cookie")" \
  "$(measure 16 "$ours/chats/$our_id/" "$our_cookie")"
cat >"$work/flask-send.lua" <<EOF
wrk.method = "POST"; wrk.headers["content-type"] = "application/json"
wrk.body = '{"content":"a durable message of ordinary length"}'
EOF
cat >"$work/our-send.lua" <<EOF
wrk.method = "POST"; wrk.headers["content-type"] = "application/x-www-form-urlencoded"
wrk.headers["accept"] = "application/json"
wrk.body = "hash_key=$our_key&content=a+durable+message+of+ordinary+length"
EOF
row "durable send (POST, c64)" "$(measure 64 "$flask/chats/$flask_id/messages/" "$flask_cookie" "$work/flask-send.lua")" \
  "$(measure 64 "$ours/api/send_message" "$our_cookie" "$work/our-send.lua")"
flask_count=$(sqlite3 "$work/flask.db" "select count(*) from message where chat_id=$flask_id")
our_count=$(sqlite3 "$work/ours.db" "select count(*) from message where chat_id=$our_id")
# The lab answers every poll with the whole history; we answer a page of it.
row "JSON history after the sends" "$(measure 16 "$flask/chats/$flask_id/" "$flask_cookie")" \
  "$(measure 16 "$ours/chats/$our_id/" "$our_cookie")"
row "room page after the sends" "$(measure 16 "$flask/chatrooms/$flask_key/" "$flask_cookie")" \
  "$(measure 16 "$ours/chatrooms/$our_key/" "$our_cookie")"
echo "messages stored: Flask lab $flask_count, this project $our_count; our RSS $(ps -o rss= -p $our_pid) KiB"
if grep -q panicked "$work/ours.log"; then echo "our server panicked:"; grep -m3 panicked "$work/ours.log"; fi

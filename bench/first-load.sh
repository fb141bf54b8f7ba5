#!/usr/bin/env bash
# Starts the release server on a fresh SQLite file and runs bench/first-load.mjs against it:
# first-load bytes (raw, gzip, brotli, as sent) and the time to usable on slow 4G.
#   bench/first-load.sh [RUNS]
# Needs a release build (`cargo leptos build --release`) and end2end's npm packages
# (`./.ci/test.sh` installs them, with Chromium).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${SERVER_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/chat/target}/release/server}"
site="${SITE_ROOT:-$ROOT/target/site}"
port=5209
[ -x "$bin" ] && [ -d "$site/pkg" ] || { echo "SKIPPED first-load: no release build"; exit 0; }
[ -d "$ROOT/end2end/node_modules/@playwright/test" ] || { echo "SKIPPED first-load: run ./.ci/test.sh once (npm packages)"; exit 0; }
work=$(mktemp -d)
env -u RUST_BACKTRACE DATABASE_URL="sqlite://$work/first-load.db?mode=rwc" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  LEPTOS_SITE_ROOT="$site" LEPTOS_OUTPUT_NAME=chat RATE_LIMITS=false PAGE_CACHE="${PAGE_CACHE:-true}" \
  RUST_LOG=warn "$bin" >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 150); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
cd "$ROOT"
node bench/first-load.mjs "http://127.0.0.1:$port" "${1:-5}"

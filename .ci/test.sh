#!/usr/bin/env bash
# Sets up what is missing and runs every check: formatting, clippy, unit and integration tests
# (on SQLite, then on PostgreSQL with several instances), then the release build, a short chaos
# run (kill -9 under load) and the Playwright browser tests against it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
setup_build
setup_browser
setup_postgres
cd "$ROOT"

say "cargo fmt --check"
cargo fmt --all -- --check

say "clippy (server side, all targets)"
cargo clippy --workspace --exclude frontend --all-targets --locked -- -D warnings
say "clippy (browser side, wasm)"
cargo clippy -p frontend --target wasm32-unknown-unknown --locked -- -D warnings

say "unit and integration tests (SQLite)"
cargo test --workspace --exclude frontend --locked

if [ "$PG_AVAILABLE" = 1 ]; then
  say "integration tests on PostgreSQL, and several instances ($TEST_DATABASE_URL)"
  TEST_BACKEND=postgres cargo test -p server --test http --test hostile --locked -- --include-ignored
else
  say "SKIPPED: integration tests on PostgreSQL and several instances (no PostgreSQL)"
fi

say "release build (server + wasm)"
cargo leptos build --release --precompress

say "chaos, short: kill -9 x20 under load (SQLite; PostgreSQL with two instances)"
"$ROOT/.ci/chaos.sh" 20

say "browser tests (Playwright, Chromium)"
export E2E_SERVER_BIN="$CARGO_TARGET_DIR/release/server"
export E2E_SITE_ROOT="$ROOT/target/site"
if [ "$PG_AVAILABLE" = 1 ]; then
  # A fresh database for the two-instance browser test, dropped afterwards.
  e2e_db="chat_e2e_$$_$RANDOM"
  psql "$TEST_DATABASE_URL" -qc "create database $e2e_db"
  trap 'psql "$TEST_DATABASE_URL" -qc "drop database if exists $e2e_db with (force)" || true' EXIT
  base="${TEST_DATABASE_URL%%\?*}"
  export E2E_PG_URL="${base%/*}/$e2e_db"
else
  say "SKIPPED: the two-instance browser test (no PostgreSQL)"
fi
cd "$ROOT/end2end"
npx playwright test
say "all checks passed"

#!/usr/bin/env bash
# Installs whatever this project needs that is missing, and skips what is already there.
# Each step prints the seconds since the script started, so slow steps show.
# Sourced by start.sh and test.sh (it exports PATH and CARGO_TARGET_DIR for them).
#   setup_build    - wasm target, cargo-leptos, wasm-bindgen CLI, wasm-opt
#   setup_browser  - Chromium and the npm packages of end2end/
#   setup_postgres - a PostgreSQL at TEST_DATABASE_URL for the scale-out suites: in CI it must
#                    be there (started, or installed from Debian's packages if missing; only a
#                    server installed here gets a trust rule); elsewhere those suites are
#                    skipped, with a note, when there is none
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${CHAT_CACHE_DIR:-$HOME/.cache/chat}"
CARGO_LEPTOS_VERSION="0.3.7"
BINARYEN_VERSION="132"

# Build output lives outside the clone, so fresh clones (CI) reuse earlier builds.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$CACHE/tools/node_modules/.bin:$PATH"

say() { printf '\033[1;34m==>\033[0m [%4ss] %s\n' "$SECONDS" "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

need() {
  command -v "$1" >/dev/null || { echo "missing '$1': $2" >&2; exit 1; }
}

setup_build() {
  need cargo "install Rust with rustup (https://rustup.rs)"
  need npm "install Node.js 20+ and npm"

  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi

  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 10 minutes, once)"
    # Newer cargo-leptos releases need a newer rustc than the stable one we build with.
    cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
  fi

  # cargo-leptos needs a wasm-bindgen CLI of exactly the version in Cargo.lock; it would
  # otherwise try to download one.
  local wb
  wb="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")"
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb\$"; then
    say "installing wasm-bindgen-cli $wb (about 3 minutes, once)"
    # Without --locked: its own lock file names a crate version the registry no longer serves.
    cargo install wasm-bindgen-cli --version "$wb" --force
  fi

  # wasm-opt from npm's binaryen; Debian's older binaryen silently breaks hydration.
  if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
    say "installing wasm-opt (binaryen@$BINARYEN_VERSION from npm)"
    mkdir -p "$CACHE/tools"
    npm install --prefix "$CACHE/tools" --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION"
  fi
}

setup_browser() {
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Chromium (Debian package) for the browser tests"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  fi
  local e2e="$ROOT/end2end"
  # Reinstall when package-lock.json changed since the last install.
  if [ ! -f "$e2e/node_modules/.package-lock.json" ] ||
     [ "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ]; then
    say "installing end2end npm packages"
    (cd "$e2e" && npm ci --no-audit --no-fund --silent)
  fi
}

export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"

pg_reachable() {
  command -v psql >/dev/null && psql "$TEST_DATABASE_URL" -qtAc 'select 1' >/dev/null 2>&1
}

# Sets PG_AVAILABLE=1 when the PostgreSQL suites can run.
setup_postgres() {
  PG_AVAILABLE=0
  if pg_reachable; then PG_AVAILABLE=1; return; fi
  if [ "${CI:-}" != "true" ]; then
    say "no PostgreSQL at $TEST_DATABASE_URL: the PostgreSQL suites will be SKIPPED"
    say "(start one there, or set TEST_DATABASE_URL, to run them)"
    return
  fi
  say "CI: no PostgreSQL at $TEST_DATABASE_URL; starting (and if missing, installing) Debian's postgresql"
  # Marks a PostgreSQL this script installed: only that one gets its access rules changed.
  local ours="$CACHE/postgresql-installed-by-chat"
  if ! command -v pg_ctlcluster >/dev/null; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
    mkdir -p "$CACHE" && touch "$ours"
  fi
  local version
  version="$(ls /etc/postgresql | sort -V | tail -1)"
  if [ -f "$ours" ]; then
    # Our own throwaway test server: trust local TCP connections, as the URL has no password.
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    if ! as_root grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
      as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
  fi
  as_root pg_ctlcluster "$version" main start 2>/dev/null || as_root pg_ctlcluster "$version" main reload
  for _ in $(seq 1 50); do
    psql "postgres://postgres@127.0.0.1:5432/postgres" -qtAc 'select 1' >/dev/null 2>&1 && break
    sleep 0.2
  done
  local db="${TEST_DATABASE_URL##*/}"; db="${db%%\?*}"
  psql "postgres://postgres@127.0.0.1:5432/postgres" -qtAc \
    "select 1 from pg_database where datname = '$db'" | grep -q 1 ||
    psql "postgres://postgres@127.0.0.1:5432/postgres" -qc "create database $db"
  if ! pg_reachable; then
    echo "PostgreSQL is still not reachable at $TEST_DATABASE_URL" >&2
    [ -f "$ours" ] || echo "(this PostgreSQL was not installed by this script, so its access rules were left alone: allow $TEST_DATABASE_URL, or set TEST_DATABASE_URL)" >&2
    exit 1
  fi
  PG_AVAILABLE=1
}

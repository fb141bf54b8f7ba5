#!/usr/bin/env bash
# Sets up what is missing and runs every check: formatting, clippy, unit and integration tests,
# then the release build and the Playwright browser tests against it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
setup_build
setup_browser
cd "$ROOT"

say "cargo fmt --check"
cargo fmt --all -- --check

say "clippy (server side, all targets)"
cargo clippy --workspace --exclude frontend --all-targets --locked -- -D warnings
say "clippy (browser side, wasm)"
cargo clippy -p frontend --target wasm32-unknown-unknown --locked -- -D warnings

say "unit and integration tests"
cargo test --workspace --exclude frontend --locked

say "release build (server + wasm)"
cargo leptos build --release

say "browser tests (Playwright, Chromium)"
export E2E_SERVER_BIN="$CARGO_TARGET_DIR/release/server"
export E2E_SITE_ROOT="$ROOT/target/site"
cd "$ROOT/end2end"
npx playwright test
say "all checks passed"

#!/usr/bin/env bash
# Sets up what is missing, builds in release mode and runs the app on http://127.0.0.1:3000
# with an embedded SQLite database (./chat.db unless DATABASE_URL says otherwise).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
setup_build
cd "$ROOT"
say "building and starting the app (release) on http://127.0.0.1:3000"
# --precompress: brotli and gzip copies of the bundle, served as they are (server/src/assets.rs).
exec cargo leptos serve --release --precompress

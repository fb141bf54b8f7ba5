#!/usr/bin/env bash
# Fuzzes every parser of user input (usernames, room names, messages, passphrases, hash keys,
# client ids, `next` links, name keys, rich text, and the live stream's request heads) with
# property tests: CASES inputs per property (default 20,000), stopped after SECONDS (default
# 600). Fails on a panic, a broken property or a hang past the limit. The normal test run
# already tries 256 inputs per property.
#   .ci/fuzz.sh [CASES] [SECONDS]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
cases="${1:-20000}"
limit="${2:-600}"
say "fuzzing the parsers: $cases inputs per property, at most $limit s"
PROPTEST_CASES="$cases" timeout "$limit" \
  cargo test -p server --lib --locked fuzz_ -- --test-threads 2
say "fuzzing passed"

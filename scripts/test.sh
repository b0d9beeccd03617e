#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, and the whole suite, whose integration
# tests run on SQLite and on PostgreSQL (TONGBAN_TEST_PG, default
# postgres://root@127.0.0.1:5432/test).
set -euo pipefail
cd "$(dirname "$0")/.."
export TONGBAN_TEST_PG="${TONGBAN_TEST_PG:-postgres://root@127.0.0.1:5432/test}"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace -- --test-threads 4

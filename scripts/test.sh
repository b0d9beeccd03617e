#!/usr/bin/env bash
# Runs every check and test: formatting, clippy, and the whole suite, whose integration
# tests run on SQLite and on PostgreSQL (TONGBAN_TEST_PG, default
# postgres://root@127.0.0.1:5432/test); then the end-to-end browser tests (e2e/:
# Playwright driving Debian's Chromium against the debug binary, and axe-core).
set -euo pipefail
cd "$(dirname "$0")/.."
# The wall time of the whole run, printed however it ends.
started=$(date +%s)
trap 'echo "scripts/test.sh: $(( $(date +%s) - started )) s"' EXIT
export TONGBAN_TEST_PG="${TONGBAN_TEST_PG:-postgres://root@127.0.0.1:5432/test}"
# The S3 file-store test talks to moto's S3 server (PyPI).
if ! python3 -c 'import moto.server' 2>/dev/null; then
  python3 -m pip install --quiet 'moto[server]==5.2.1'
fi
python3 -c 'import moto.server' || { echo "测试需要 moto：pip install 'moto[server]'" >&2; exit 1; }
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace -- --test-threads 4

# End-to-end: the debug binary, Chromium (installed from Debian's packages when missing
# and we are root, as in CI), the pinned npm packages, then Node's test runner.
cargo build -p tongban
CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM_PATH" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-cjk
  else
    echo "端到端测试需要 Chromium（$CHROMIUM_PATH）：请以 root 运行 apt-get install -y chromium fonts-noto-cjk，或设置 CHROMIUM_PATH" >&2
    exit 1
  fi
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "端到端测试需要 Node.js 20 或更新版本和 npm" >&2
  exit 1
fi
npm ci --prefix e2e --no-audit --no-fund
node --test e2e/tests/

# The API against its own OpenAPI document (schemathesis; see the script for what it checks).
bash scripts/openapi-check.sh

# What is published under /ocds/ against the OCDS 1.1.5 schemas (see the script).
bash scripts/ocds-check.sh

# The Debian package: built from the debug binary and its contents checked (see the script).
bash scripts/package-check.sh

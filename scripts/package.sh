#!/usr/bin/env bash
# Builds the Debian package of a release (target/debian/tongban_*.deb) with cargo-deb,
# installed (pinned) when missing. Install it offline on the server with
#   apt install ./tongban_<version>_amd64.deb
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo deb --version >/dev/null 2>&1; then
  cargo install cargo-deb --locked --version 3.8.0
fi
cargo deb -p tongban "$@"

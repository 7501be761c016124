#!/usr/bin/env bash
# The whole test suite: unit, snapshot, golden, worked-example and fuzz tests.
# Installs what the suite needs; with CI=true a missing tool is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

need() {  # need <command> <debian-package>
    command -v "$1" >/dev/null 2>&1 && return 0
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "installing $2 (for $1)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
    fi
    command -v "$1" >/dev/null 2>&1 || { echo "error: '$1' (Debian package $2) is required and could not be installed" >&2; exit 1; }
}

need cargo cargo
# Snapshots and golden files change only when asked to (BLESS=1 / INSTA_UPDATE=always).
export INSTA_UPDATE="${INSTA_UPDATE:-no}"
cargo test --workspace --locked "$@"
# The benchmark is not run here (speed is measured in release mode by hand),
# but it must keep compiling.
cargo check --workspace --benches --locked

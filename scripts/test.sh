#!/usr/bin/env bash
# The whole test suite: unit, snapshot, golden, worked-example, fuzz,
# execution (native, wine) and debugger tests.
# Installs what the suite needs (Debian packages); a tool that is still
# missing afterwards is an error under CI=true (the tests themselves also
# fail under CI when a tool is missing, and print a loud SKIP otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."

# command → Debian package
TOOLS=(
    "cargo:cargo"
    "gcc:gcc"
    "python3:python3"
    "gdb:gdb"
    "nm:binutils"
    "x86_64-w64-mingw32-gcc:mingw-w64"
    "wine:wine"
    "llvm-mc:llvm"
    "clang:clang"
    "ld.lld:lld"
    "aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu"
    "qemu-aarch64:qemu-user"
)

missing=()
for t in "${TOOLS[@]}"; do
    command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    pkgs=("${missing[@]}")
    # The ARM64 C library comes with the cross compiler's package set.
    [[ " ${pkgs[*]} " == *" gcc-aarch64-linux-gnu "* ]] && pkgs+=(libc6-dev-arm64-cross)
    [[ " ${pkgs[*]} " == *" wine "* ]] && pkgs+=(wine64)
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "installing: ${pkgs[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
    fi
    for t in "${TOOLS[@]}"; do
        if ! command -v "${t%%:*}" >/dev/null 2>&1; then
            echo "error: '${t%%:*}' (Debian package ${t##*:}) is required and could not be installed" >&2
            [ "${CI:-}" = "true" ] && exit 1
        fi
    done
fi

# Wine creates its prefix on first use; do it once, quietly.
export WINEDEBUG=-all
command -v wine >/dev/null 2>&1 && { wineboot -i >/dev/null 2>&1 || true; }

# Snapshots and golden files change only when asked to (BLESS=1 / INSTA_UPDATE=always).
export INSTA_UPDATE="${INSTA_UPDATE:-no}"
cargo test --workspace --locked "$@"
# The benchmark is not run here (speed is measured in release mode by hand),
# but it must keep compiling.
cargo check --workspace --benches --locked

#!/usr/bin/env bash
# The whole test suite: unit, snapshot, golden, worked-example, fuzz,
# execution (native, wine, qemu-aarch64, simulator), the WebAssembly
# interpreter (natively, under qemu-aarch64 and under wine), differential
# (random programs on all four executors) and debugger tests.
# Installs what the suite needs (Debian packages); a tool that is still
# missing afterwards is an error under CI=true (the tests themselves also
# fail under CI when a tool is missing, and print a loud SKIP otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."

# command → Debian package
TOOLS=(
    "cargo:cargo"
    "gcc:gcc"
    "g++:g++"
    "python3:python3"
    "gdb:gdb"
    "nm:binutils"
    "x86_64-w64-mingw32-gcc:mingw-w64"
    "x86_64-w64-mingw32-g++:g++-mingw-w64-x86-64"
    "wine:wine"
    "llvm-mc:llvm"
    "llvm-objdump:llvm"
    "llvm-readobj:llvm"
    "llvm-dwarfdump:llvm"
    "clang:clang"
    "ld.lld:lld"
    "aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu"
    "aarch64-linux-gnu-g++:g++-aarch64-linux-gnu"
    "qemu-aarch64:qemu-user"
    "gdb-multiarch:gdb-multiarch"
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

# Rust programs are also built for other targets (linkers and runners:
# .cargo/config.toml), which needs the Rust standard library for them.
# Prints the triple if it is there (installing it with rustup if needed);
# missing, it is an error under CI and an empty string otherwise.
rust_target() {
    local lib
    lib="$(rustc --print sysroot)/lib/rustlib/$1"
    if [ ! -d "$lib" ] && command -v rustup >/dev/null 2>&1; then
        rustup target add "$1" >&2
    fi
    if [ ! -d "$lib" ]; then
        echo "error: the Rust standard library for $1 is required (rustup target add $1)" >&2
        [ "${CI:-}" = "true" ] && exit 1
        return 0
    fi
    echo "$1"
}
# examples/hello and the WebAssembly interpreter on ARM64 Linux (linked by
# aarch64-linux-gnu-gcc, run by qemu-aarch64).
ARM64_RUST=$(rust_target aarch64-unknown-linux-gnu)
# The WebAssembly interpreter on Windows x64 (linked by mingw-w64 gcc, run by
# wine through scripts/wine/runner.sh, which supplies the DLL Rust programs
# for this target need and wine lacks).
WIN64_RUST=$(rust_target x86_64-pc-windows-gnu)

# Wine creates its prefix on first use; do it once, quietly.
export WINEDEBUG=-all
command -v wine >/dev/null 2>&1 && { wineboot -i >/dev/null 2>&1 || true; }
# Keep one wineserver up for the whole run: started and stopped per program, a
# program that starts while the last one's server is shutting down loses its
# connection ("wine client error: recvmsg: Connection reset by peer", seen once;
# scripts/wine/runner.sh runs a program again when it still happens).
if command -v wineserver >/dev/null 2>&1; then
    wineserver -p 3600 >/dev/null 2>&1 || true
    trap 'wineserver -k >/dev/null 2>&1 || true' EXIT
fi

# Snapshots and golden files change only when asked to (BLESS=1 / INSTA_UPDATE=always).
export INSTA_UPDATE="${INSTA_UPDATE:-no}"
rm -f target/tmp/differential-summary.txt target/tmp/check-oracle-summary.txt
cargo test --workspace --locked "$@"
# The interpreter's instrumented build (dispatch counts for the benchmark).
cargo test -p offasm-wasm --features count-dispatches --locked --test dispatches "$@"
# The differential run's figures (programs, executors, set aside, disagreements).
cat target/tmp/differential-summary.txt 2>/dev/null || true
# The checker oracle's figures (misses, known gaps, false-positive rate).
cat target/tmp/check-oracle-summary.txt 2>/dev/null || true
if [ -n "$ARM64_RUST" ]; then
    cargo test -p hello --target "$ARM64_RUST" --locked "$@"
    # The WebAssembly interpreter's suite (spec scripts, kernels, traps) under qemu-aarch64.
    cargo test -p offasm-wasm --target "$ARM64_RUST" --locked "$@"
    # Again with the core in a BTI-marked shared library: the interpreter
    # under enforced BTI (qemu-aarch64 maps the library with guarded pages).
    cargo test -p offasm-wasm --target "$ARM64_RUST" --features bti --locked \
        --test bti --test spec --test kernels --test traps "$@"
fi
if [ -n "$WIN64_RUST" ]; then
    # The same suite under wine (what is not run there: docs/interpreter.md).
    cargo test -p offasm-wasm --target "$WIN64_RUST" --locked "$@"
fi
# The benchmark is not run here (speed is measured in release mode by hand),
# but it must keep compiling.
cargo check --workspace --benches --locked

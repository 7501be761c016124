#!/usr/bin/env bash
# Cargo's runner for x86_64-pc-windows-gnu (.cargo/config.toml): runs a Windows
# program under wine. Usage: runner.sh PROGRAM.exe [ARGS…]
#
# Rust programs for this target import bcryptprimitives.dll (ProcessPrng),
# which the wine of Debian 12 (wine 8) does not have: the program would exit
# with status 53 before main. This script builds a stand-in from
# scripts/wine/bcryptprimitives.c with mingw-w64 (once, and again when the
# source changes) and puts its directory on WINEPATH, which wine searches for
# DLLs, so it also serves the programs the test starts (the runner binary).
# Without mingw-w64 or wine it fails; it never runs a program without the DLL.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
src="$here/bcryptprimitives.c"
dir="$root/target/wine-shim"
dll="$dir/bcryptprimitives.dll"

die() { echo "scripts/wine/runner.sh: error: $*" >&2; exit 101; }
command -v wine >/dev/null 2>&1 || die "wine is required to run $1 (Debian package wine)"
if [ ! -f "$dll" ] || [ "$src" -nt "$dll" ]; then
    command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 \
        || die "x86_64-w64-mingw32-gcc (Debian package mingw-w64) is required to build $dll"
    mkdir -p "$dir"
    # Built under a temporary name and renamed: concurrent runners never see half a DLL.
    tmp="$dir/.bcryptprimitives.$$.dll"
    x86_64-w64-mingw32-gcc -O2 -shared -s -o "$tmp" "$src" -ladvapi32 \
        || die "building $dll failed"
    mv -f "$tmp" "$dll"
fi
[ -f "$dll" ] || die "$dll is missing"

export WINEDEBUG="${WINEDEBUG:--all}"
# WINEPATH holds Windows paths; Z: is the Unix root in every wine prefix.
export WINEPATH="Z:${dir//\//\\}${WINEPATH:+;$WINEPATH}"
# The wine client sometimes loses its connection to the wineserver ("wine
# client error:0: recvmsg: Connection reset by peer"), seen in CI twice in
# one afternoon while the run's persistent server was up: the program ends
# with status 1 before or while it runs. A test program is safe to run
# again, so such a run is repeated (twice at most, said on stderr); any
# other failure is returned as it is.
errors="$(mktemp)"
trap 'rm -f "$errors"' EXIT
for attempt in 1 2 3; do
    status=0
    wine "$@" 2> >(tee "$errors" >&2) || status=$?
    wait
    if [ "$status" -eq 0 ] || ! grep -q "wine client error" "$errors" || [ "$attempt" -eq 3 ]; then
        break
    fi
    echo "scripts/wine/runner.sh: wine lost its server connection; running $1 again" >&2
done
# 53: STATUS_DLL_NOT_FOUND (0xc0000135) as an exit status; the loader names
# the DLL with WINEDEBUG=err+module.
[ "$status" -eq 53 ] && echo "scripts/wine/runner.sh: $1 did not start: a DLL it imports was not found (run with WINEDEBUG=err+module to see which)" >&2
exit "$status"

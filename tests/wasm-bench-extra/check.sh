#!/bin/sh
# Runs every kernel of kernels.tsv at its argument on a runner and compares
# the result with the expected checksum.
# Usage: ./check.sh [RUNNER]   (default: the workspace's release offasm-wasm;
# RUNNER is called as: RUNNER <name>.wasm --invoke bench_<name> <arg>)
set -e
cd "$(dirname "$0")"
RUN=${1:-../../target/release/offasm-wasm}
grep -v '^#' kernels.tsv | while read group name arg want; do
    got=$($RUN $name.wasm --invoke bench_$name $arg | sed 's/:i32$//')
    if [ "$got" = "$want" ]; then
        echo "ok   $name $arg $got"
    else
        echo "FAIL $name $arg got $got want $want"
        exit 1
    fi
done

#!/bin/sh
# Rebuilds the extra kernels in this directory: <name>.wasm (MVP WebAssembly) and,
# with "native" as first argument, native/<name> (x86-64 or host reference,
# timed by the public kernels' ../wasm-bench/native_driver.c: ./native/<name> <arg> [runs]).
set -e
cd "$(dirname "$0")"
CC=${CC:-clang}
KERNELS=$(grep -v '^#' kernels.tsv | awk '{print $2}')
for name in $KERNELS; do
    $CC --target=wasm32 -mcpu=mvp -O2 -nostdlib -ffreestanding -fno-builtin \
        -Wl,--no-entry -Wl,--export=bench_$name -o $name.wasm $name.c
    if command -v wasm-validate >/dev/null; then
        wasm-validate --disable-mutable-globals --disable-saturating-float-to-int \
            --disable-sign-extension --disable-simd --disable-multi-value \
            --disable-bulk-memory --disable-reference-types $name.wasm
    fi
    if [ "$1" = native ]; then
        mkdir -p native
        $CC -O2 -ffreestanding -fno-builtin -fno-math-errno -c $name.c -o native/$name.o
        $CC -O2 -DKFUNC=bench_$name ../wasm-bench/native_driver.c native/$name.o -o native/$name -lm
    fi
done

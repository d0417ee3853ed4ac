#!/bin/sh
# qemu-aarch64-run.sh CPU BINARY [ARGS...] — the aarch64 trees' test emulator
# (cmake/aarch64-linux-gnu.cmake): runs BINARY under qemu-aarch64 as the core CPU, or as the
# one the environment's QT_QEMU_CPU names. The compile flags do not depend on the core, so
# scripts/test-all.sh runs the cortex-a76 tree's binaries again as a cortex-a53 this way
# instead of building them twice.
cpu=${QT_QEMU_CPU:-$1}
shift
exec qemu-aarch64 -cpu "$cpu" "$@"

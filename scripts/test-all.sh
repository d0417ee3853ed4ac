#!/bin/sh
# test-all.sh — builds and runs every test of qtune, in four build trees:
#   build/       the host build (unit, config, db, kernel, sweep and end-to-end tests)
#   build-asan/  the same suite with AddressSanitizer + UndefinedBehaviorSanitizer
#   build-arm/   the kernel tests cross-compiled for aarch64, run under qemu-aarch64 -cpu cortex-a76
#   build-arm-a53/ the gemm, dwconv, direct and requant kernel tests again under -cpu cortex-a53
#                (no dotprod: the SDOT instances skip themselves, the NEON ones must run)
# The sweep tests of both host trees share one artifact cache, so the sanitizer run does not
# compile the same kernel variants again. Run from the repository root (after install-deps.sh).
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
cache="$PWD/build/test-artifact-cache"

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQT_TEST_CACHE_DIR="$cache"
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DQT_SANITIZE=ON -DQT_TEST_CACHE_DIR="$cache"
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan --output-on-failure -j"$jobs"

cmake -S . -B build-arm -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQT_KERNELS_ONLY=ON \
  -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DQT_QEMU_CPU=cortex-a76
cmake --build build-arm -j"$jobs"
ctest --test-dir build-arm --output-on-failure -j"$jobs"

# The NEON paths again on a core without dotprod: under -cpu cortex-a53 an SDOT instruction
# would die with SIGILL, so this shows the NEON (SMLAL) kernels need nothing beyond armv8-a.
cmake -S . -B build-arm-a53 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQT_KERNELS_ONLY=ON \
  -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DQT_QEMU_CPU=cortex-a53
cmake --build build-arm-a53 -j"$jobs" --target test_gemm test_dwconv test_direct test_requant
ctest --test-dir build-arm-a53 --output-on-failure -j"$jobs" -R 'test_gemm|test_dwconv|test_direct|test_requant'

#!/bin/sh
# test-all.sh — builds and runs every test of qtune, in four build trees:
#   build/       the host build (unit, config, db, kernel, sweep and end-to-end tests; also the
#                Hexagon HVX kernels under qemu-hexagon: test_gemm_hvx_qemu and
#                test_dwconv_hvx_qemu build the hvx variants and the requantization with the
#                hexagon-hvx flags, and
#                test_sweep_hexagon_hvx_hvx the ones the tuner emits: no tree of their own, the
#                kernel tests' support code needs a hosted libc Hexagon lacks here)
#   build-asan/  the same suite with AddressSanitizer + UndefinedBehaviorSanitizer (Debug, so
#                asserts stay on, at -O1: CMakeLists.txt)
#   build-arm/   the kernel tests cross-compiled for aarch64, run under qemu-aarch64 -cpu cortex-a76
#                and the same tree's kernel tests again under -cpu cortex-a53 (the environment's
#                QT_QEMU_CPU: cmake/qemu-aarch64-run.sh; the compile flags do not depend on the
#                core), all but the neondot ones (no dotprod there: an SDOT instruction would
#                die with SIGILL), so the NEON ones show they need nothing beyond armv8-a
#   build-fuzz/  the libFuzzer harnesses of tests/fuzz (clang-14, ASan+UBSan), each run as a
#                smoke test: 20000 runs from seed 1, about 10 s in all (a short tree: the
#                parsers' libraries and the harnesses only)
# The kernel tests are one ctest test per ISA group of variants (test_gemm_avx2, ...); one whose
# CPU lacks the ISA exits as skipped. After each ctest run a line names the tests skipped there
# ("skipped here: none" when all ran), so a machine that never ran an ISA path says so.
# The sweep tests and the end-to-end, boards, report and torture tests of both host trees
# share one artifact cache (tests/CMakeLists.txt), so a variant is compiled once in a run:
# the sanitizer run does not compile the plain tree's again. The sanitizer
# tree checks host code: its host sweep runs the plain tree's sample (all in the cache); the
# tests that only add kernels or targets (the Arm, Hexagon, Cortex-M and per-ISA sweeps,
# codegen, the Hexagon platform and end-to-end tests, the cortex-a76 boards acceptance run),
# the ones that check no binary of the tree (layering, the report's rendering) and the import
# tests (the fuzz tree runs the importer under the sanitizers) run in the plain tree alone; the
# end-to-end tests of host code alone (label host-e2e: export, the CLI, the board runners, over
# kernels the other tests check) run in the sanitizer tree alone, where they check more; its
# test_space checks every 7th config of each space, test_db_faults' tune sequence every other
# fault, and its kernel groups take every 4th variant (tests/kernels/CMakeLists.txt; the
# aarch64 tree takes every other one of the c and twin groups). Suite time: about 25 minutes on 2
# cores is the budget. Run from the repository root (after install-deps.sh).
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
cache="$PWD/build/test-artifact-cache"

# mark <what>: prints how long the suite has run when <what> is done, so the budget's use by
# each build and each tree's tests is on record in every run's log.
t0=$(date +%s)
mark() { echo "test-all: $1 done at $(($(date +%s) - t0)) s"; }

# run_ctest <build dir> [ctest arguments...]: runs the tree's tests, prints which ctest
# reported as skipped (SKIP_RETURN_CODE, from its JUnit report), and fails if any test failed.
run_ctest() {
  dir=$1
  shift
  rc=0
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" --output-junit ctest-junit.xml "$@" || rc=$?
  skipped=$(awk '/<testcase /{ sub(/.*<testcase name="/, ""); sub(/".*/, ""); name = $0 }
                 /<skipped message="SKIP_RETURN_CODE=/{ printf "%s ", name }' \
                "$dir/ctest-junit.xml")
  skipped=${skipped% }
  echo "skipped here ($dir${QT_QEMU_CPU:+ as $QT_QEMU_CPU}): ${skipped:-none}"
  return "$rc"
}

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQT_TEST_CACHE_DIR="$cache"
cmake --build build -j"$jobs"
mark "build/ build"
# host-e2e: export, the CLI and the board runners end to end, run below in the sanitizer tree
run_ctest build -LE '^host-e2e$'
mark "build/ tests"

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DQT_SANITIZE=ON -DQT_TEST_CACHE_DIR="$cache"
cmake --build build-asan -j"$jobs"
mark "build-asan/ build"
run_ctest build-asan
mark "build-asan/ tests"

cmake -S . -B build-arm -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQT_KERNELS_ONLY=ON \
  -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DQT_QEMU_CPU=cortex-a76
cmake --build build-arm -j"$jobs"
mark "build-arm/ build"
run_ctest build-arm
mark "build-arm/ tests"

QT_QEMU_CPU=cortex-a53 run_ctest build-arm -R '^test_(gemm|dwconv|direct)_(c|twin|neon)$|^test_requant$'
mark "build-arm/ tests as cortex-a53"

# The fuzz smoke tests: each libFuzzer harness of tests/fuzz/ for a fixed number of runs from a
# fixed seed under ASan+UBSan (clang-14), over its seeds and regression inputs; only the
# parsers' libraries and the harnesses are built (scripts/fuzz-long.sh runs them long).
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQT_FUZZ=ON -DCMAKE_C_COMPILER=clang-14 \
  -DCMAKE_CXX_COMPILER=clang++-14
cmake --build build-fuzz -j"$jobs" --target fuzzers
run_ctest build-fuzz
mark "build-fuzz/ build and tests"

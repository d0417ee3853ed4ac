#!/bin/sh
# fuzz-long.sh — runs the libFuzzer harnesses of tests/fuzz/ long, in the fuzz build tree
# build-fuzz/ (clang-14, ASan+UBSan, built here if needed). The smoke tests of that tree are the
# short form scripts/test-all.sh runs.
#
#   scripts/fuzz-long.sh [harness...]        default: all of them
#   QT_FUZZ_SECONDS=N   run each for N seconds (-max_total_time; default 600)
#   QT_FUZZ_RUNS=N      or for N executions (-runs), whichever is given
#   QT_FUZZ_JOBS=N      harnesses at a time (default 1; the machine is shared)
#
# Each harness's grown corpus stays in build-fuzz/fuzz-corpus/<harness> (runs resume from it),
# its log in build-fuzz/fuzz-logs/<harness>.log and any crash input in
# build-fuzz/fuzz-crashes/<harness>/. A crash is a bug: fix it and copy the input into
# tests/fuzz/regressions/<harness>/ with a regression test beside the code (README.md there).
# Prints one line per harness: executions, seconds, crashes. Exit status 1 if any crashed.
set -eu
cd "$(dirname "$0")/.."
tree=build-fuzz
all="workload config model target boards result_line"
harnesses=${*:-$all}
jobs=${QT_FUZZ_JOBS:-1}
if [ -n "${QT_FUZZ_RUNS:-}" ]; then limit="-runs=$QT_FUZZ_RUNS"; else limit="-max_total_time=${QT_FUZZ_SECONDS:-600}"; fi

cmake -S . -B "$tree" -DCMAKE_C_COMPILER=clang-14 -DQT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$tree" --target fuzzers -j"$(nproc 2>/dev/null || echo 2)" >/dev/null

# one <harness>: runs it to the limit, from a fixed seed so a rerun retraces it.
one() {
  h=$1
  mkdir -p "$tree/fuzz-corpus/$h" "$tree/fuzz-logs" "$tree/fuzz-crashes/$h"
  start=$(date +%s)
  rc=0
  QT_FUZZ_CORPUS=$PWD/$tree/fuzz-corpus/$h sh tests/fuzz/run_fuzzer.sh "$PWD/$tree/tests/fuzz/fuzz_$h" "$h" \
    "$limit" -seed=1 -print_final_stats=1 -artifact_prefix="$PWD/$tree/fuzz-crashes/$h/" \
    >"$tree/fuzz-logs/$h.log" 2>&1 || rc=$?
  secs=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tree/fuzz-logs/$h.log" | tail -1)
  crashes=$(find "$tree/fuzz-crashes/$h" -type f | wc -l)
  echo "fuzz_$h: ${execs:-?} executions in $secs s, exit $rc, $crashes crash input(s) in $tree/fuzz-crashes/$h"
  [ "$rc" -eq 0 ]
}

rm -f "$tree"/fuzz-logs/*.failed
running=0
for h in $harnesses; do
  { one "$h" || { echo "fuzz_$h: FAILED (log: $tree/fuzz-logs/$h.log)"; : >"$tree/fuzz-logs/$h.failed"; }; } &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait; running=0; fi
done
wait
for h in $harnesses; do [ ! -e "$tree/fuzz-logs/$h.failed" ] || exit 1; done

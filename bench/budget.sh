#!/usr/bin/env bash
# budget.sh — how close a default-settings tune comes to one with 4x the trials: tunes the
# model twice into two fresh logs (A: tune's defaults, 8 trials per workload; B: --trials 32),
# says how long each took, then times both logs' best configs and the defaults interleaved in
# one run (bench/remeasure) and prints the model totals and A/B (bench/README.md).
#   bench/budget.sh BUILD_DIR [--layers LIST] [--rounds N]
# Without --layers the whole MobileNetV2 is tuned (both tunes together: tens of minutes on 2
# cores). Logs and artifacts go to BUILD_DIR/bench-budget (removed and made anew each run).
set -eu
build=${1:?usage: bench/budget.sh BUILD_DIR [--layers LIST] [--rounds N]}
shift
src=$(cd "$(dirname "$0")/.." && pwd)
layers=()
rounds=11
while [ $# -gt 0 ]; do
  case $1 in
    --layers) layers=(--layers "${2:?--layers needs a list}"); shift ;;
    --rounds) rounds=${2:?--rounds needs a number}; shift ;;
    *) echo "budget.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
dir=$build/bench-budget
rm -rf "$dir"
mkdir -p "$dir"
common=(--model mobilenet_v2 "${layers[@]}" --configs "$src/configs" --kernels "$src/kernels"
        --cache-dir "$dir/cache")
for run in A B; do
  extra=()
  [ "$run" = B ] && extra=(--trials 32)
  start=$(date +%s)
  "$build/tuner/tune" "${common[@]}" "${extra[@]}" --db "$dir/$run.db" > "$dir/$run.out" 2> "$dir/$run.err"
  echo "tune $run (${extra[*]:-defaults}): $(( $(date +%s) - start )) s; $(tail -1 "$dir/$run.out")"
done
"$build/bench/remeasure" "${common[@]}" --db-a "$dir/A.db" --db-b "$dir/B.db" --rounds "$rounds"

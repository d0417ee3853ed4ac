#!/usr/bin/env bash
# search.sh — bench/search end to end: records the full log once (cached under the build
# directory), then replays every strategy from it with search_bench (bench/README.md).
#   bench/search.sh BUILD_DIR [--record] [--trials N] [search_bench options...]
# The log: random configs (seed 1) of six MobileNetV2 host workloads — the stem conv, a large
# and a small pointwise conv, a large stride-1 and stride-2 and a small stride-2 depthwise —
# measured by tune itself with a light protocol (3 repeats of >= 1 ms, no re-measurement). It is
# reused when present; --record measures again into a fresh log, and a larger --trials than
# the log holds extends it (the same seed proposes the same configs first, and tune skips what
# the log holds). Replaying needs no compiler and no quiet machine.
set -eu
build=${1:?usage: bench/search.sh BUILD_DIR [--record] [--trials N] [search_bench options...]}
shift
src=$(cd "$(dirname "$0")/.." && pwd)
record=0
trials=1000
extend=0
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --record) record=1 ;;
    --trials) trials=${2:?--trials needs a number}; extend=1; shift ;;
    *) args+=("$1") ;;
  esac
  shift
done
dir=$build/bench-search
log=$dir/full.db
layers=conv0,block1_expand,block15_project,block2_dw,block1_dw,block13_dw
mkdir -p "$dir"
if [ "$record" = 1 ]; then rm -f "$log"; fi
if [ "$record" = 1 ] || [ "$extend" = 1 ] || [ ! -s "$log" ]; then
  echo "recording $trials configs of each of $layers into $log" >&2
  start=$(date +%s)
  "$build/tuner/tune" --model mobilenet_v2 --layers "$layers" --configs "$src/configs" \
    --kernels "$src/kernels" --cache-dir "$dir/cache" --db "$log" --strategy random --seed 1 \
    --trials "$trials" --repeat 3 --measure warm --min-repeat-ms 1 --confirm 0 > "$dir/record.out" 2> "$dir/record.err"
  echo "recorded in $(( $(date +%s) - start )) s" >&2
fi
exec "$build/bench/search_bench" --log "$log" --configs "$src/configs" --csv "$dir/search.csv" "${args[@]}"

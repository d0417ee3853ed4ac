#!/bin/sh
# make-seeds.sh <tune binary>: (re)writes seeds/<harness>/ of tests/fuzz from the project's own
# files, one input per file named by its SHA-1 (as libFuzzer names inputs):
#   workload     the task keys `tune space` prints for every model on the host target, and
#                the keys quoted in tests/config/
#   config       the default configs `tune space` prints for mobilenet_v2 on host and
#                cortex-a76, each behind the byte fuzz_config.c reads as its space index
#   model        configs/models/*.yaml and tests/config/broken/model_*.yaml, named "fuzz"
#                (the harness gives the loader the file fuzz.yaml)
#   target       configs/targets/*.yaml and tests/config/broken/target_*.yaml, named "fuzz"
#   boards       configs/boards.example.yaml, whole and one file per board
#   result_line  the lines of kernels/harness/README.md with example values, and the lines
#                quoted in tests/unit/test_result_line.c and test_measure.c
# Run from anywhere after building `tune`; commit the result.
set -eu
tune=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seeds=$here/seeds
rm -rf "$seeds"
mkdir -p "$seeds"

# put <harness>: stdin becomes one seed file.
put() {
  mkdir -p "$seeds/$1"
  tmp=$seeds/$1/.new
  cat >"$tmp"
  sum=$(sha1sum "$tmp" | cut -c1-40)
  mv "$tmp" "$seeds/$1/$sum"
}

# Workload keys.
for m in "$root"/configs/models/*.yaml; do
  QT_CONFIGS_DIR=$root/configs "$tune" space --target host --model "$(basename "$m" .yaml)" |
    sed -n 's/^workload \([^ ]*\) .*/\1/p'
done >"$seeds/.keys"
grep -oh '"\(conv2d\|dwconv\):[^"]*"' "$root"/tests/config/*.c | tr -d '"' >>"$seeds/.keys"
sort -u "$seeds/.keys" | while IFS= read -r k; do printf '%s' "$k" | put workload; done
rm "$seeds/.keys"

# Config strings: fuzz_config.c builds mobilenet_v2's spaces for host, then cortex-a76, in
# task order, so the i-th default of a target is space i (host) or n_tasks + i (cortex-a76).
i=0
for t in host cortex-a76; do
  QT_CONFIGS_DIR=$root/configs "$tune" space --target $t --model mobilenet_v2 |
    sed -n 's/^  default: //p' >"$seeds/.defaults"
  while IFS= read -r d; do
    { printf "\\$(printf '%03o' $((i % 256)))"; printf '%s' "$d"; } | put config
    i=$((i + 1))
  done <"$seeds/.defaults"
done
rm "$seeds/.defaults"

# Model and target YAML.
for f in "$root"/configs/models/*.yaml "$root"/tests/config/broken/model_*.yaml; do
  sed 's/^model: .*/model: fuzz/' "$f" | put model
done
for f in "$root"/configs/targets/*.yaml "$root"/tests/config/broken/target_*.yaml; do
  sed 's/^name: .*/name: fuzz/' "$f" | put target
done

# Boards: the example, and each of its boards alone.
put boards <"$root/configs/boards.example.yaml"
awk '/^  - name:/ { if (b != "") print b > (dir "/b" n++); b = "boards:\n" $0; next }
     b != "" && /^    / { b = b "\n" $0 }
     END { if (b != "") print b > (dir "/b" n++) }' dir="$seeds" \
  "$root/configs/boards.example.yaml"
for f in "$seeds"/b[0-9]*; do put boards <"$f" && rm "$f"; done

# Result lines.
sed -n 's/^\(QTRESULT 1 [^(]*[^ (]\) *\((.*)\)\{0,1\}$/\1/p' "$root/kernels/harness/README.md" |
  sed 's/<16 lowercase hex>/00000000deadbeef/; s/<N>/2/; s/<R>/3/; s/<t1>,...,<tR>/1000,1100,990/;
       s/<i>/3/; s/<g>/-7/; s/<w>/12/; s/<reason>/signal/; s/<text>/SIGSEGV/' |
  while IFS= read -r l; do printf 'harness output\n%s\n' "$l" | put result_line; done
grep -oh '"QTRESULT[^"]*"' "$root"/tests/unit/test_result_line.c "$root"/tests/unit/test_measure.c |
  sed 's/^"//; s/"$//' | sort -u | while IFS= read -r l; do printf '%b' "$l" | put result_line; done
for h in workload config model target boards result_line; do
  printf '%s: %s seeds\n' "$h" "$(ls "$seeds/$h" | wc -l)"
done

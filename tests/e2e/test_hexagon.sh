#!/usr/bin/env bash
# test_hexagon.sh — target hexagon-hvx end to end under qemu-hexagon, on a small budget (the
# suite's time): `tune --target hexagon-hvx --model mobilenet_v2` on two layers (a depthwise
# and a pointwise, two trials each) on the local board with the target's emulator, the
# summary and the log; `tune boards check` of a local Hexagon board (the check program links
# the runtime); `tune export --target hexagon-hvx` (the target's flags); and the firmware
# example (examples/firmware) built with cmake/hexagon.cmake from the export of three layers
# (the two tuned ones and one with its default config), run under qemu-hexagon: every
# checksum matches the reference. Usage: test_hexagon.sh <tune> <source dir> <build dir>
set -u
TUNE=$1 SRC=$2 BUILD=$3
. "$(dirname "$0")/lib.sh"
in_workdir hexagon-e2e
cache=$work/cache
common=(--configs "$SRC/configs" --kernels "$SRC/kernels" --cache-dir "$cache")
layers=block16_dw,block16_project

# --- tune on the emulated board ---
"$TUNE" --target hexagon-hvx --model mobilenet_v2 --layers $layers --trials 2 --repeat 2 \
  --measure warm --min-repeat-ms 1 --confirm 0 "${common[@]}" > tune.out 2> tune.err
rc=$?
check "tune --target hexagon-hvx exits 0 (rc $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || cat tune.err >&2
check "runs under qemu-hexagon and says the times are emulated" \
  grep -q "under 'qemu-hexagon'.*emulated times say nothing about real speed" tune.err
check "4 configs measured, none failed" grep -q '^tune: 4 measured, 0 already in the log, 0 failed' tune.err
check "summary has both layers" [ "$(sed -n '/^layer /,/^total /p' tune.out | sed '1d;$d' | wc -l)" -eq 2 ]
check "summary total names the target" grep -q '^total (mobilenet_v2 on hexagon-hvx, 2 layers)' tune.out
check "4 ok measurements in the log" \
  [ "$(sqlite3 tuning.db "SELECT count(*) FROM measurements WHERE status = 'ok'")" -eq 4 ]
# Each task measures its default config first; the best of two may be another (emulated times).
check "both layers' default configs use the HVX micro-kernels (isa=hvx)" \
  [ "$(sqlite3 tuning.db "SELECT count(*) FROM measurements m JOIN configs c ON c.id = m.config_id WHERE m.id IN (SELECT min(id) FROM measurements GROUP BY workload_id) AND c.knobs LIKE '%isa=hvx%'")" -eq 2 ]
"$TUNE" query --target hexagon-hvx --model mobilenet_v2 --layers $layers --format csv > q.csv 2> q.err
check "tune query answers for both layers" [ "$(grep -c '^block16_' q.csv)" -eq 2 ]
# Again: everything is in the log, nothing is measured.
"$TUNE" --target hexagon-hvx --model mobilenet_v2 --layers $layers --trials 2 --repeat 2 \
  --measure warm --min-repeat-ms 1 --confirm 0 "${common[@]}" > tune2.out 2> tune2.err
check "a rerun measures nothing new" grep -q '^tune: 0 measured, 4 already in the log' tune2.err

# --- the board check program (hello, linked with the runtime) ---
printf 'boards:\n  - name: emu-hexagon\n    target: hexagon-hvx\n    kind: local\n    wrapper: qemu-hexagon\n' > boards.yaml
"$TUNE" boards check --boards boards.yaml --configs "$SRC/configs" --kernels "$SRC/kernels" > boards.out 2>&1
check "boards check passes on the emulated Hexagon board" [ $? -eq 0 ]
check "boards check line" grep -q '^board emu-hexagon (local, target hexagon-hvx): ok' boards.out

# --- export: the layer files and the target's flags ---
"$TUNE" export --target hexagon-hvx --model mobilenet_v2 --layers $layers --out exp \
  "${common[@]:0:4}" > export.out 2> export.err
check "tune export exits 0" [ $? -eq 0 ]
flags=$(sed -n 's/^cflags: "\(.*\)"$/\1/p' "$SRC/configs/targets/hexagon-hvx.yaml")
check "export's cflags.txt holds the target's flags" grep -qF -- "$flags" exp/cflags.txt
check "the depthwise layer's file" [ -f exp/qt_mobilenet_v2_block16_dw.c ]
check "the pointwise layer's file" [ -f exp/qt_mobilenet_v2_block16_project.c ]

# --- the firmware example for Hexagon, from the build tree's package ---
fw=(-Dqtune_DIR="$BUILD" -DQT_FW_DB="$work/tuning.db" -DQT_FW_TARGET=hexagon-hvx
    -DQT_FW_CONFIGS="$SRC/configs" -DQT_FW_KERNELS="$SRC/kernels"
    "-DQT_FW_LAYERS=block16_dw;block16_project;conv_head"
    -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/hexagon.cmake" -DCMAKE_BUILD_TYPE=Release)
cmake -S "$SRC/examples/firmware" -B fw-hexagon "${fw[@]}" > fw.log 2>&1 &&
  cmake --build fw-hexagon -j2 >> fw.log 2>&1
rc=$?
check "firmware builds for hexagon-hvx (rc $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || tail -30 fw.log >&2
check "a Hexagon image" bash -c "file fw-hexagon/firmware | grep -q 'QUALCOMM DSP6'"
qemu-hexagon fw-hexagon/firmware 1 2 > fw.out 2> fw.err
rc=$?
check "firmware exits 0 under qemu-hexagon (rc $rc)" [ $rc -eq 0 ]
cat fw.err >&2
check "firmware ran the 3 exported layers" grep -q '^model mobilenet_v2, target hexagon-hvx, 3 layers' fw.out
check "every checksum matches" grep -q '^total .* us, 3/3 checksums match' fw.out
check "no mismatch" not grep -q MISMATCH fw.out
check "the untuned layer runs its default config" grep -q 'conv_head .* ok (default config)' fw.out
[ "$failed" -eq 0 ] || cat fw.out >&2
finish

#!/usr/bin/env bash
# test_cortexm_e2e.sh — the Cortex-M targets end to end on the emulated board: `tune --target
# cortex-m4 --model vww_mobilenet_v1` (default configs only, to fit the suite) runs every layer
# bare metal under qemu-system-arm and records instruction counts under their unit; the
# summary, `tune query` (text, JSON, CSV), `tune report` and export's comments show them as
# instructions, never as time; `tune export --target cortex-m4` builds with arm-none-eabi
# into the firmware example, which checks all 27 layers against the reference under qemu
# mps2-an386 and prints instructions per layer; a run or a merge in another unit into the same
# log is refused; a local board of a boards file whose wrapper is the {kernels} one runs (tune
# and tune boards check); a board whose SRAM a layer does not fit gets that layer reported unsupported
# with the sizes, never run.
# Usage: test_cortexm_e2e.sh <tune> <repo root> <build dir>
set -u
TUNE=$1
SRC=$2
BUILD=$3
. "$SRC/tests/e2e/lib.sh"
in_workdir cortexm-e2e
mkdir -p configs/models
cp -r "$SRC/configs/targets" configs/
cp "$SRC/configs/models/vww_mobilenet_v1.yaml" "$SRC/configs/models/ds_cnn.yaml" configs/models/
common=(--configs configs --kernels "$SRC/kernels" --cache-dir cache --jobs 2 --repeat 1 --min-repeat-ms 0)
q() { sqlite3 "$1" "$2"; }

# --- tune VWW on the emulated Cortex-M4: one config (the default) per workload ---
"$TUNE" --target cortex-m4 --model vww_mobilenet_v1 --trials 1 --confirm 0 --db m4.db \
  "${common[@]}" > tune.out 2> tune.err
check "tune on cortex-m4 exits 0" [ $? -eq 0 ]
check "19 workloads measured, none failed" grep -q '^tune: 19 measured, 0 already in the log, 0 failed' tune.err
check "the log records the unit" [ "$(q m4.db "SELECT unit FROM targets WHERE name = 'cortex-m4'")" = "instructions (qemu icount)" ]
check "every measurement ok, with counts" [ "$(q m4.db "SELECT count(*) FROM measurements WHERE status = 'ok' AND median_ns > 1000")" -eq 19 ]
check "summary in instructions" grep -q '^total (vww_mobilenet_v1 on cortex-m4, 27 layers): default [0-9]* instructions, best [0-9]* instructions' tune.out
check "summary columns are insns" grep -q '^layer .* default_insns  *best_insns' tune.out
check "summary says what the unit is" grep -q '^unit: instructions (qemu icount): instructions executed, counted by the emulator, not time$' tune.out
check "no time unit anywhere" not grep -Eq ' us\b|_us\b' tune.out tune.err
check "progress lines in instructions" grep -q 'isa=[a-z0-9]* [0-9]* instructions (best [0-9]* instructions)$' tune.err

# --- query ---
"$TUNE" query --target cortex-m4 --model vww_mobilenet_v1 --db m4.db --configs configs > q.txt 2> q.err
check "query exits 0" [ $? -eq 0 ]
check "query: 27 layers with counts" [ "$(grep -cE '^conv[0-9]+(_dw|_pw)? .* [0-9]+ +[0-9]+ +1\.00x  (gemm|direct|dwconv):' q.txt)" -eq 27 ]
"$TUNE" query --target cortex-m4 --model vww_mobilenet_v1 --db m4.db --configs configs --json > q.json
check "query JSON: unit and insns keys" python3 -c "
import json; d=json.load(open('q.json'))
assert d['unit']=='instructions (qemu icount)', d['unit']
assert len(d['layers'])==27 and all(l['median_insns']>0 and 'median_us' not in l for l in d['layers'])"
"$TUNE" query --target cortex-m4 --model vww_mobilenet_v1 --db m4.db --configs configs --format csv > q.csv
check "query CSV: insns columns" bash -c "head -1 q.csv | grep -q '^layer,workload,rank,template,config,median_insns,min_insns,max_insns,'"
check "query CSV: 27 rows" [ "$(($(wc -l < q.csv) - 1))" -eq 27 ]
"$TUNE" report --target cortex-m4 --model vww_mobilenet_v1 --db m4.db --configs configs --html r.html > /dev/null 2>&1
check "report exits 0 and names the unit" grep -q 'instructions (qemu icount)' r.html
check "report headings in instructions" grep -q '<th>default instructions</th><th>best instructions</th>' r.html

# --- export for cortex-m4: the firmware example, bare metal under qemu ---
cmake -S "$SRC/examples/firmware" -B fw-m4 -Dqtune_DIR="$BUILD" -DQT_FW_MODEL=vww_mobilenet_v1 \
  -DQT_FW_DB="$work/m4.db" -DQT_FW_TARGET=cortex-m4 -DQT_FW_CONFIGS="$work/configs" \
  -DQT_FW_KERNELS="$SRC/kernels" -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/arm-none-eabi.cmake" > fw.log 2>&1 &&
  cmake --build fw-m4 -j2 >> fw.log 2>&1
check "firmware builds with arm-none-eabi" [ $? -eq 0 ]
check "built with the target's flags" grep -q -- '-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16' fw-m4/fw_kernels-export/cflags.txt
check "export comments: instructions (qemu icount), not us" bash -c "grep -h 'log record:' fw-m4/fw_kernels-export/*.c | grep -q 'median [0-9]* instructions (qemu icount)' && ! grep -h 'log record:' fw-m4/fw_kernels-export/*.c | grep -q ' us,'"
check "firmware is a 32-bit Arm ELF (e_machine 0x28)" [ "$(od -An -tx1 -j18 -N2 fw-m4/firmware | tr -d ' ')" = 2800 ]
"$SRC/kernels/harness/cortexm/qt-mps2-run" mps2-an386 fw-m4/firmware 1 1 > fw.out 2> fw.err
check "firmware on mps2-an386 exits 0" [ $? -eq 0 ]
check "firmware: 27/27 checksums match" grep -q '^total [0-9]* instructions, 27/27 checksums match$' fw.out
check "firmware: instructions per layer" [ "$(grep -cE '^layer +[0-9]+ conv[0-9_a-z]+ +[0-9]+ instructions  checksum [0-9a-f]{16} == [0-9a-f]{16}  ok$' fw.out)" -eq 27 ]
cat fw.out

# --- the emulated board named in a boards file, its wrapper shipped with the kernels ---
cat > boards.yaml <<'YAML'
boards:
  - name: mps2-local
    target: cortex-m4
    wrapper: "{kernels}/harness/cortexm/qt-mps2-run mps2-an386"
YAML
"$TUNE" --target cortex-m4 --model ds_cnn --layers conv1_dw --trials 1 --confirm 0 --db bf.db \
  --boards boards.yaml "${common[@]}" > /dev/null 2> bf.err
check "a boards file's {kernels} wrapper runs" [ $? -eq 0 ]
check "measured on that board" [ "$(q bf.db "SELECT b.name || ':' || m.status FROM measurements m JOIN boards b ON b.id = m.board_id")" = "mps2-local:ok" ]
"$TUNE" boards check --boards boards.yaml --configs configs --kernels "$SRC/kernels" > bc.out 2>&1
check "tune boards check runs it too" grep -q '^board mps2-local (local, target cortex-m4): ok' bc.out

# --- one unit per target in a log ---
sed -i 's/^timing: icount/timing: emulated/' configs/targets/cortex-m4.yaml
"$TUNE" --target cortex-m4 --model ds_cnn --trials 1 --confirm 0 --db m4.db "${common[@]}" > /dev/null 2> unit.err
check "another unit into the same log is refused" [ $? -ne 0 ]
check "and says why" grep -q "holds target cortex-m4's measurements in instructions (qemu icount), but this run measures it in ns (emulated)" unit.err
check "nothing was recorded" [ "$(q m4.db "SELECT count(*) FROM measurements")" -eq 19 ]
# ... and tune merge keeps the units apart too
"$TUNE" --target cortex-m4 --model ds_cnn --layers conv1_dw --trials 1 --confirm 0 --db emu.db \
  "${common[@]}" > /dev/null 2>&1
check "an emulated-ns log of cortex-m4" [ "$(q emu.db "SELECT unit FROM targets WHERE name = 'cortex-m4'")" = "ns (emulated)" ]
"$TUNE" merge merged.db m4.db > /dev/null 2>&1
check "merge copies the unit" [ "$(q merged.db "SELECT unit FROM targets WHERE name = 'cortex-m4'")" = "instructions (qemu icount)" ]
"$TUNE" merge merged.db emu.db > merge.out 2> merge.err
check "merging another unit is refused" [ $? -ne 0 ]
check "and says why" grep -q "emu.db measures target cortex-m4 in ns (emulated), the output log in instructions (qemu icount)" merge.err
check "the merged log is unchanged" [ "$(q merged.db "SELECT count(*) FROM measurements")" -eq 19 ]
sed -i 's/^timing: emulated/timing: icount/' configs/targets/cortex-m4.yaml

# --- a board whose SRAM the pointwise layers do not fit ---
sed -e 's/^name: cortex-m4/name: small-m4/' -e 's/^sram_kib: 4096/sram_kib: 20/' \
  configs/targets/cortex-m4.yaml > configs/targets/small-m4.yaml
"$TUNE" space --target small-m4 --model ds_cnn --configs configs > space.txt 2>&1
check "space: exits 0" [ $? -eq 0 ]
check "space: the pointwise workload is unsupported, with the sizes" grep -q 'k1x1:s1x1:d1x1:p0,0,0,0:m1 is unsupported on target small-m4: it needs 25216 bytes of SRAM without scratch (input 8000, weights 4096 plain and 4352 packed, bias 256, requantization 512, output 8000); the target has 20480 (layers: conv1_pw conv2_pw conv3_pw conv4_pw)' space.txt
"$TUNE" --target small-m4 --model ds_cnn --trials 1 --confirm 0 --db small.db "${common[@]}" > small.out 2> small.err
check "tune with an unsupported layer exits 0" [ $? -eq 0 ]
check "the task is noted unsupported" grep -q 'unsupported on target small-m4, not tuned: it needs 25216 bytes' small.err
check "only the two supported workloads ran" [ "$(q small.db "SELECT count(*) FROM measurements")" -eq 2 ]
check "summary marks 4 layers unsupported" grep -q '^4 layers are unsupported on small-m4 (not in the total)$' small.out

finish

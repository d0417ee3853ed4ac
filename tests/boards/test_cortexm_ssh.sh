#!/usr/bin/env bash
# test_cortexm_ssh.sh — the real-board path of the Cortex-M targets, with the emulated board
# standing in for the hardware: an ssh board (a private sshd on 127.0.0.1) whose `run`
# template names a flash-and-run command, here a script that logs how it was called and runs
# the image on qemu's mps2-an386 (as a probe tool would flash and run it on an attached MCU).
# `tune boards check` runs the check program through the template; `tune --boards` tunes two
# DS-CNN layers on it, bit-exact, recorded under the board's name in instructions; the
# template got the uploaded image and the harness arguments where it put {image} and {args}.
# Usage: test_cortexm_ssh.sh <tune> <repo root>
set -u
TUNE=$1 SRC=$2
. "$SRC/tests/e2e/lib.sh"
. "$SRC/tests/boards/sshd.sh"
in_workdir cortexm-ssh
trap 'board_stop_all; rm -rf "$work"' EXIT # the sshd first
boards_init "$work" || exit 1
board_start mcu || { echo "cannot start sshd" >&2; exit 1; }
mkdir -p configs/models
cp -r "$SRC/configs/targets" configs/
cp "$SRC/configs/models/ds_cnn.yaml" configs/models/
cat > flash-and-run <<SH
#!/bin/sh
# A stand-in for a probe's flash-and-run tool: --probe ID IMAGE [ARG...]
echo "\$*" >> "$work/flash.log"
[ "\$1" = --probe ] || { echo "flash-and-run: --probe ID first" >&2; exit 2; }
shift 2
exec "$SRC/kernels/harness/cortexm/qt-mps2-run" mps2-an386 "\$@"
SH
chmod +x flash-and-run
cat > boards.yaml <<YAML
boards:
  - name: m4-board
    target: cortex-m4
    kind: ssh
    host: 127.0.0.1
    port: $PORT_mcu
    user: root
    identity: id_ed25519
    known_hosts: known_hosts
    workdir: $work/remote
    run: "$work/flash-and-run --probe 0 {image} {args}"
YAML

# (boards check takes the kernels directory from QTUNE_KERNELS, like every subcommand without
# --kernels)
QTUNE_KERNELS="$SRC/kernels" "$TUNE" boards check --boards boards.yaml --configs configs > check.txt 2>&1
check "boards check through the run template" grep -q '^board m4-board (ssh root@127.0.0.1:[0-9]*, target cortex-m4): ok' check.txt
check "the template ran the uploaded check program" grep -q "^--probe 0 $work/remote/[^ ]*\$" flash.log

"$TUNE" --target cortex-m4 --model ds_cnn --layers conv1_dw,conv1_pw --trials 2 --confirm 0 \
  --boards boards.yaml --db b.db --configs configs --kernels "$SRC/kernels" --cache-dir cache \
  --jobs 2 --repeat 1 --min-repeat-ms 0 > tune.out 2> tune.err
check "tune on the ssh board exits 0" [ $? -eq 0 ]
check "4 measured, none failed" grep -q '^tune: 4 measured, 0 already in the log, 0 failed' tune.err
check "recorded under the board, ok, in the unit" [ "$(sqlite3 b.db "SELECT b.name || ':' || m.status || ':' || count(*) || ':' || t.unit FROM measurements m JOIN boards b ON b.id = m.board_id JOIN targets t ON t.id = m.target_id GROUP BY b.name, m.status, t.unit")" = "m4-board:ok:4:instructions (qemu icount)" ]
check "the template got the image and the harness arguments" grep -Eq "^--probe 0 $work/remote/[^ ]+ --seed [0-9]+ .*--repeat 1" flash.log
check "summary in instructions" grep -q '^total (ds_cnn on cortex-m4, 2 layers): default [0-9]* instructions' tune.out
finish

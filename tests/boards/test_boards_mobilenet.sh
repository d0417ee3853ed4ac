#!/usr/bin/env bash
# test_boards_mobilenet.sh — the acceptance run: `tune --target cortex-a76 --model mobilenet_v2
# --boards F --trials 2` end to end on an emulated cortex-a76 board (a real sshd on 127.0.0.1,
# exec wrapper qemu-aarch64 -cpu cortex-a76); every variant bit-exact and recorded under the
# board's name; `tune query` then answers for all 52 layers. About 1.5 minutes on 2 cores.
set -u
TUNE=$1
SRC=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$SRC/tests/e2e/lib.sh"
. "$here/sshd.sh"
work=$(mktemp -d /tmp/qtune-boards-mb-XXXXXX)
trap 'board_stop_all; rm -rf "$work"' EXIT
cd "$work"
boards_init "$work" || exit 1
board_start emu || { echo "cannot start sshd" >&2; exit 1; }
cat > boards.yaml <<YAML
boards:
  - name: emu-a76
    target: cortex-a76
    kind: ssh
    host: 127.0.0.1
    port: $PORT_emu
    user: root
    identity: id_ed25519
    known_hosts: known_hosts
    workdir: $work/remote
    wrapper: qemu-aarch64 -cpu cortex-a76
YAML
"$TUNE" --target cortex-a76 --model mobilenet_v2 --boards boards.yaml --trials 2 --db mb.db \
  --cache-dir "${QT_TEST_CACHE_DIR:-cache}" --configs "$SRC/configs" --jobs 2 --confirm 0 > out.txt 2> err.txt
check "tune exits 0" [ $? -eq 0 ]
check "30 distinct workloads x 2 trials measured" grep -q '^tune: 60 measured, 0 already in the log, 0 failed' err.txt
check "all recorded ok under emu-a76" [ "$(sqlite3 mb.db "SELECT b.name || ':' || m.status || ':' || count(*) FROM measurements m JOIN boards b ON b.id = m.board_id GROUP BY b.name, m.status")" = "emu-a76:ok:60" ]
"$TUNE" query --target cortex-a76 --model mobilenet_v2 --db mb.db --configs "$SRC/configs" --json > q.json
check "query exits 0" [ $? -eq 0 ]
check "query answers for all 52 layers" [ "$(grep -c '"median_us": [0-9]' q.json)" -eq 52 ]
finish

#!/usr/bin/env bash
# test_boards_e2e.sh — `tune --boards` end to end against real sshd boards on 127.0.0.1: a
# native x86-64 board and an emulated cortex-a76 board (exec wrapper qemu-aarch64) tune a tiny
# model, bit-exact, recorded under each board's name; two boards of one target measure in
# parallel; a board whose sshd is killed mid-run has its work moved to the other board, or is
# reconnected to when its sshd comes back, with nothing lost or measured twice; when every
# board is down the run stops with a clear message and the log keeps what was measured; a
# changed host key and a missing identity are refused with clear errors; `tune boards check`
# reports each board.
set -u
TUNE=$1
SRC=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$SRC/tests/e2e/lib.sh"
. "$here/sshd.sh"
work=$(mktemp -d /tmp/qtune-boards-e2e-XXXXXX)
trap 'board_stop_all; rm -rf "$work"' EXIT
cd "$work"
boards_init "$work" || exit 1
for b in nat nat2 emu; do board_start $b || { echo "cannot start sshd $b" >&2; exit 1; }; done
tiny_configs "$SRC"
# ssh_board NAME TARGET PORT [extra yaml lines]
ssh_board() {
  printf '  - name: %s\n    target: %s\n    kind: ssh\n    host: 127.0.0.1\n    port: %s\n' "$1" "$2" "$3"
  printf '    user: root\n    identity: id_ed25519\n    known_hosts: known_hosts\n    workdir: %s/remote\n' "$work"
  [ $# -ge 4 ] && printf '%s\n' "$4"
  return 0
}
{ echo "boards:"; ssh_board nat host "$PORT_nat"
  ssh_board emu-a76 cortex-a76 "$PORT_emu" "    wrapper: qemu-aarch64 -cpu cortex-a76"; } > boards.yaml
{ echo "boards:"; ssh_board nat host "$PORT_nat"; ssh_board nat2 host "$PORT_nat2"; } > two.yaml
{ echo "boards:"; ssh_board nat2 host "$PORT_nat2"; } > one.yaml
# --confirm 0: these checks count measurements exactly (the re-measurement has its own tests)
common=(--configs configs --cache-dir cache --repeat 2 --measure warm --min-repeat-ms 1 --jobs 2 --confirm 0)
q() { sqlite3 "$1" "$2"; }
by_board() { q "$1" "SELECT b.name || ':' || m.status || ':' || count(*) FROM measurements m JOIN boards b ON b.id = m.board_id GROUP BY b.name, m.status ORDER BY 1" | tr '\n' ' '; }
dups() { q "$1" "SELECT count(*) FROM (SELECT 1 FROM measurements GROUP BY workload_id, target_id, config_id, source_hash, protocol HAVING count(*) > 1)"; }

# --- boards check ---
"$TUNE" boards check --boards boards.yaml --configs configs > check.txt 2>&1
check "boards check exits 0" [ $? -eq 0 ]
check "boards check reports both boards" [ "$(grep -c ': ok: host key verified, connect' check.txt)" -eq 2 ]
check "boards check prints upload and round trip" grep -q 'upload [0-9.]* ms, round trip [0-9.]* ms' check.txt

# --- one native and one emulated board, results under each board's name ---
"$TUNE" --target host --model tiny --trials 3 --db t.db --boards boards.yaml "${common[@]}" > out.txt 2> err.txt
check "tune on the native board exits 0" [ $? -eq 0 ]
"$TUNE" --target cortex-a76 --model tiny --trials 3 --db t.db --boards boards.yaml "${common[@]}" > out2.txt 2> err2.txt
check "tune on the emulated a76 board exits 0" [ $? -eq 0 ]
check "every variant bit-exact, under its board's name ($(by_board t.db))" \
  [ "$(by_board t.db)" = "emu-a76:ok:6 nat:ok:6 " ]
check "a76 records are for target cortex-a76" \
  [ "$(q t.db "SELECT count(*) FROM measurements m JOIN boards b ON b.id=m.board_id JOIN targets t ON t.id=m.target_id WHERE b.name='emu-a76' AND t.name='cortex-a76'")" -eq 6 ]
"$TUNE" query --target cortex-a76 --model tiny --db t.db --configs configs --json > q.json
check "query answers for both layers" [ "$(grep -c '"median_us": [0-9]' q.json)" -eq 2 ]
check "remote run directories removed" [ -z "$(ls remote)" ]

# --- two boards of one target in parallel; one dies mid-run: its work moves ---
"$TUNE" --model tiny --trials 10 --db p.db --boards two.yaml "${common[@]}" > /dev/null 2> perr.txt &
pid=$!
for _ in $(seq 1 600); do
  n=$(q p.db "SELECT count(*) FROM measurements m JOIN boards b ON b.id=m.board_id WHERE b.name='nat2'" 2>/dev/null || echo 0)
  [ "${n:-0}" -ge 2 ] && break
  sleep 0.1
done
board_kill nat2
wait $pid
check "run with a board killed mid-run exits 0" [ $? -eq 0 ]
check "both boards measured" [ "$(q p.db "SELECT count(DISTINCT board_id) FROM measurements")" -eq 2 ]
check "nothing lost: 2 workloads x 10 trials ($(by_board p.db))" [ "$(q p.db 'SELECT count(*) FROM measurements')" -eq 20 ]
check "nothing measured twice" [ "$(dups p.db)" -eq 0 ]
check "all ok" [ "$(q p.db "SELECT count(*) FROM measurements WHERE status <> 'ok'")" -eq 0 ]
check "the dead board was reported and its job requeued" grep -q 'board nat2 is down, job requeued' perr.txt

# --- one board: sshd killed and restarted mid-run: the tuner reconnects ---
board_start nat2 "$PORT_nat2"
"$TUNE" --model tiny --trials 8 --db r.db --boards one.yaml "${common[@]}" > /dev/null 2> rerr.txt &
pid=$!
for _ in $(seq 1 600); do
  n=$(q r.db "SELECT count(*) FROM measurements" 2>/dev/null || echo 0)
  [ "${n:-0}" -ge 3 ] && break
  sleep 0.1
done
board_kill nat2
sleep 0.3
board_start nat2 "$PORT_nat2"
wait $pid
check "run with a restarted board exits 0" [ $? -eq 0 ]
check "nothing lost after reconnecting" [ "$(q r.db 'SELECT count(*) FROM measurements')" -eq 16 ]
check "nothing measured twice after reconnecting" [ "$(dups r.db)" -eq 0 ]

# --- every board down: a clean stop, the log keeps what was measured ---
# Artifacts are cached by now, so make each measurement long (>= 3 x 100 ms) or the run could
# finish between two polls, before the board is killed.
"$TUNE" --model tiny --trials 12 --db d.db --boards one.yaml "${common[@]}" --repeat 3 --min-repeat-ms 100 > /dev/null 2> derr.txt &
pid=$!
for _ in $(seq 1 600); do
  n=$(q d.db "SELECT count(*) FROM measurements" 2>/dev/null || echo 0)
  [ "${n:-0}" -ge 3 ] && break
  sleep 0.1
done
board_kill nat2
wait $pid
rc=$?
check "all boards down exits 1 (got $rc)" [ $rc -eq 1 ]
check "all boards down says so" grep -q 'every board of target host is down' derr.txt
got=$(q d.db 'SELECT count(*) FROM measurements')
check "measured before the stop are in the log ($got)" [ "$got" -ge 3 ]
check "measured before the stop are in the log ($got) (2)" [ "$got" -lt 24 ]
check "log intact" [ "$(q d.db 'PRAGMA integrity_check')" = ok ]
"$TUNE" --model tiny --trials 12 --db d.db --boards two.yaml --layers dw "${common[@]}" > /dev/null 2> d2err.txt
check "a resumed run with a live board finishes" [ $? -eq 0 ]
check "a board that cannot be reached at start is left out with its reason" grep -q 'board nat2 left out: .*cannot connect' d2err.txt

# --- host key and identity errors ---
sed "s|known_hosts: known_hosts|known_hosts: kh-bad|" one.yaml > badkey.yaml
ssh-keygen -q -t ed25519 -N '' -f other_host
board_start nat2 "$PORT_nat2"
echo "[127.0.0.1]:$PORT_nat2 $(cut -d' ' -f1,2 other_host.pub)" > kh-bad
"$TUNE" --model tiny --trials 2 --db k.db --boards badkey.yaml "${common[@]}" > /dev/null 2> kerr.txt
check "changed host key: exit 1" [ $? -eq 1 ]
check "changed host key: refused with the fingerprint" grep -q 'host key of 127.0.0.1:[0-9]* has CHANGED (now SHA256:' kerr.txt
k_measured=0
[ -s k.db ] && k_measured=$(q k.db 'SELECT count(*) FROM measurements' 2>/dev/null || echo 0)
check "changed host key: nothing measured ($k_measured)" [ "$k_measured" -eq 0 ]
"$TUNE" boards check --boards badkey.yaml --configs configs > kc.txt 2>&1
rc=$?
check "boards check fails on a changed key" [ $rc -eq 1 ]
check "boards check fails on a changed key (2)" grep -q 'FAILED: .*CHANGED' kc.txt
sed "s|identity: id_ed25519|identity: missing_key|" one.yaml > noid.yaml
"$TUNE" --model tiny --trials 2 --db k.db --boards noid.yaml "${common[@]}" > /dev/null 2> ierr.txt
check "missing identity: exit 1" [ $? -eq 1 ]
check "missing identity: clear error" grep -q "cannot read identity file missing_key: No such file" ierr.txt
"$TUNE" --target cortex-a53 --model tiny --boards two.yaml "${common[@]}" > /dev/null 2> terr.txt
check "no board for the target: clear error" grep -q 'has no board for target cortex-a53' terr.txt
finish

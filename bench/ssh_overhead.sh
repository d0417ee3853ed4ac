#!/usr/bin/env bash
# ssh_overhead.sh TUNE [CONFIGS] — what an SSH board costs per measurement, end to end, beside
# the kernel's own time. Starts a private sshd on 127.0.0.1 (tests/boards/sshd.sh: throw-away
# keys in a temp dir, the system's ssh configuration untouched) and tunes the same small
# workload's first CONFIGS grid configs (default 40) through `tune --boards`, alternately on
# a local board and on the loopback ssh board (same account, same machine), each run into a
# fresh log with the artifacts already cached, $RUNS runs each (default 5). Prints per measurement: the wall
# time of a run divided by its measurements, for both boards, their difference (the ssh
# overhead: session reuse, SFTP upload, exec under timeout, the result read back, the unlink),
# and the least time the harness spends timing the kernel (5 repeats of >= 1 ms).
# Needs openssh-server (scripts/install-deps.sh).
set -eu
TUNE=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
N=${2:-40}
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/qtune-sshbench-XXXXXX)
. "$src/tests/boards/sshd.sh"
trap 'board_stop_all; rm -rf "$work"' EXIT
boards_init "$work"
board_start lo
cd "$work"
key='conv2d:s8:fp32:n1:i14x14x32:o14x14x32:k1x1:s1x1:d1x1:p0,0,0,0:m1'
cat > local.yaml <<YAML
boards:
  - {name: here, target: host, kind: local}
YAML
cat > ssh.yaml <<YAML
boards:
  - name: lo
    target: host
    kind: ssh
    host: 127.0.0.1
    port: $PORT_lo
    user: $(id -un)
    identity: $work/id_ed25519
    known_hosts: $work/known_hosts
    workdir: $work/remote
YAML
common=(--workload "$key" --strategy grid --trials "$N" --confirm 0 --repeat 5 --measure warm --min-repeat-ms 1
        --cache-dir "$work/cache" --configs "$src/configs" --kernels "$src/kernels")
"$TUNE" "${common[@]}" --boards local.yaml --db warm.db > /dev/null 2>&1 # builds, once
now_ms() { date +%s%3N; }
declare -a t_local t_ssh
RUNS=${RUNS:-5}
for i in $(seq 1 "$RUNS"); do
  for b in local ssh; do
    s=$(now_ms)
    "$TUNE" "${common[@]}" --boards "$b.yaml" --db "$b$i.db" > /dev/null 2> "$b$i.err"
    e=$(now_ms)
    n=$(sqlite3 "$b$i.db" "SELECT count(*) FROM measurements")
    [ "$n" -gt 0 ] || { echo "ssh_overhead: $b run $i measured nothing:" >&2; cat "$b$i.err" >&2; exit 1; }
    per=$(( (e - s) * 1000 / n )) # us per measurement
    if [ "$b" = local ]; then t_local+=("$per"); else t_ssh+=("$per"); fi
  done
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
spread() { printf '%s\n' "$@" | sort -n | sed -n '1p;$p' | awk '{ printf "%s%.1f", (NR > 1 ? ".." : ""), $1 / 1000 }'; }
ml=$(median "${t_local[@]}")
ms=$(median "${t_ssh[@]}")
kernel=5000 # us: warm, --repeat 5 x --min-repeat-ms 1: the least the harness times per measurement
printf 'measurements per run: %s (grid configs of %s), %s runs per board, alternating\n' "$N" "$key" "$RUNS"
printf 'ms per measurement, range over the runs: local %s, ssh %s\n' "$(spread "${t_local[@]}")" "$(spread "${t_ssh[@]}")"
awk -v l="$ml" -v s="$ms" -v k="$kernel" 'BEGIN {
  printf "wall time per measurement: local board %.1f ms, ssh board (loopback) %.1f ms\n", l / 1000, s / 1000
  printf "ssh overhead per measurement: %.1f ms (difference of the medians over the runs)\n", (s - l) / 1000
  printf "kernel'"'"'s own timed work per measurement: at least %.1f ms (5 repeats of >= 1 ms); the rest of a\n", k / 1000
  printf "local measurement is the harness'"'"'s start, warm-up, calibration and check, and the log\n" }'

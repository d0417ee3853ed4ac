#!/bin/sh
# tune-ssh-hosts.sh — tune one model across several machines over SSH, then merge:
#
#   scripts/tune-ssh-hosts.sh OUT.db HOST... -- TUNE-OPTIONS...
#   e.g. scripts/tune-ssh-hosts.sh tuning.db build1 build2 build3 -- --model mobilenet_v2 --budget 300
#
# Host k of N runs `tune TUNE-OPTIONS --shard k/N` into a log in its own /tmp (never a shared
# network file system), all hosts at once; each log is copied back with scp and folded into
# OUT.db with `tune merge` (which refuses, leaving OUT.db unchanged, anything that is not a
# qtune log). Every host needs the same qtune (and configs) installed; the shard split depends
# only on the workload keys, so the hosts together tune each workload exactly once.
# Environment: SSH and SCP (default ssh, scp), REMOTE_TUNE (tune on the hosts, default tune),
# TUNE (tune here, default tune).
set -eu
[ $# -ge 3 ] || { echo "usage: $0 OUT.db HOST... -- TUNE-OPTIONS..." >&2; exit 2; }
out=$1
shift
hosts=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  hosts="$hosts $1"
  shift
done
[ "${1:-}" = "--" ] || { echo "$0: no '--' before the tune options" >&2; exit 2; }
shift
quoted=""
for a in "$@"; do # the options travel through the remote shell: quote each one
  quoted="$quoted '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
done
n=$(echo $hosts | wc -w)
here=$(mktemp -d "${TMPDIR:-/tmp}/qtune-ssh-XXXXXX")
trap 'rm -rf "$here"' EXIT
k=0
pids=""
for h in $hosts; do
  k=$((k + 1))
  log="/tmp/qtune-shard-$$-$k-of-$n.db"
  (
    ${SSH:-ssh} "$h" "rm -f $log && ${REMOTE_TUNE:-tune}$quoted --shard $k/$n --db $log" \
      > "$here/$k.out" 2> "$here/$k.err" &&
      ${SCP:-scp} -q "$h:$log" "$here/shard-$k.db" &&
      ${SSH:-ssh} "$h" "rm -f $log"
  ) &
  pids="$pids $!"
done
failed=0
k=0
for p in $pids; do
  k=$((k + 1))
  if ! wait "$p"; then
    echo "$0: shard $k/$n failed; its output:" >&2
    cat "$here/$k.err" >&2
    failed=1
  fi
done
[ "$failed" -eq 0 ] || exit 1
${TUNE:-tune} merge "$out" "$here"/shard-*.db

#!/usr/bin/env bash
# test_progress.sh — how `tune` shows progress: on a file (not a terminal) plain lines only,
# one per config and a "progress:" line with the run's count and an ETA at each task's end;
# on a terminal (a pty from util-linux's script) one live line rewritten with \r that shows
# the run's configs done/planned, the ETA, the current task and its best so far.
set -u
TUNE=$1
SRC=$2
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d /tmp/qtune-progress-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
tiny_configs "$SRC"
# builds in the suite's shared artifact cache when there is one (not a test of the cache)
common=(--model tiny --configs configs --cache-dir "${QT_TEST_CACHE_DIR:-cache}" --repeat 2 --measure warm --min-repeat-ms 1 --confirm 0 --trials 3)

"$TUNE" "${common[@]}" --db plain.db > /dev/null 2> plain.txt
check "plain run exits 0" [ $? -eq 0 ]
check "plain: no carriage return or escape" [ "$(tr -cd '\r\033' < plain.txt | wc -c)" -eq 0 ]
check "plain: one line per config" [ "$(grep -c '^task [12]/2 [a-z]*: [a-z]*:.* us .*(best [0-9.]* us)$' plain.txt)" -eq 6 ]
check "plain: a progress line per task" [ "$(grep -c '^progress: ' plain.txt)" -eq 2 ]
check "plain: first task's end" grep -q '^progress: 3/6 configs, ETA [0-9hms]*; task 1/2 dw done: 3/3, best [0-9.]* us$' plain.txt
check "plain: the run's end" grep -q '^progress: 6/6 configs, ETA 0s; task 2/2 pw done: 3/3, best [0-9.]* us$' plain.txt

# The same run on a terminal. script(1) gives the command a pty for stdout and stderr.
if command -v script > /dev/null; then
  script -qec "'$TUNE' ${common[*]} --db tty.db > /dev/null" /dev/null > tty.txt 2>&1
  check "tty run exits 0" [ $? -eq 0 ]
  # Lines as the terminal shows them after each \r (the escape \033[K clears the rest).
  tr '\r' '\n' < tty.txt | sed 's/\x1b\[K//g' > tty-lines.txt
  check "tty: the line is rewritten in place" [ "$(grep -o $'\r\x1b\[K\[' tty.txt | wc -l)" -ge 6 ]
  check "tty: live line with count, ETA, task and best" grep -q '^\[2/6 configs, ETA [-0-9hms]*\] task 1/2 dw: 2/3, best [0-9.]* us$' tty-lines.txt
  check "tty: the last state of the run" grep -q '^\[6/6 configs, ETA 0s\] task 2/2 pw: 3/3, best [0-9.]* us$' tty-lines.txt
  check "tty: no per-config plain lines" [ "$(grep -c ' us (best ' tty-lines.txt)" -eq 0 ]
  check "tty: the summary follows on its own line" grep -q '^tune: 6 measured' tty-lines.txt
else
  echo "script (util-linux) missing: the terminal form is not checked"
fi
finish

#!/usr/bin/env bash
# test_fault_owners.sh — faults of the machine or the board are not the variant's:
#  - an exec wrapper that fails once (exit 127, as a missing program does) is a board failure:
#    the job is retried and every config ends measured ok, none recorded as a runtime error;
#  - a compiler killed by a signal (the OOM killer's SIGKILL) is recorded as build_killed, a
#    transient status, and the next `tune` builds and measures that config again;
#  - a board's own run_timeout_s holds for a local board, and the judgement names it;
#  - a variant that times out on a board that still answers stays final (run_timeout).
set -u
TUNE=$1
SRC=$2
. "$(dirname "$0")/../e2e/lib.sh"
work=$(mktemp -d /tmp/qtune-faults-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
tiny_configs "$SRC"
common=(--configs configs --cache-dir cache --repeat 2 --measure warm --min-repeat-ms 1 --confirm 0 --jobs 2)
q() { sqlite3 "$1" "$2"; }

# --- an exec wrapper that fails once, then works ---
cat > flaky.sh <<'SH'
#!/bin/sh
# fails the first time it is run (as a missing wrapper does), then runs its arguments
if [ ! -e "$(dirname "$0")/flaky.failed" ]; then
  touch "$(dirname "$0")/flaky.failed"
  echo "flaky: cannot execute" >&2
  exit 127
fi
exec "$@"
SH
chmod +x flaky.sh
cat > boards.yaml <<YAML
boards:
  - name: flaky
    target: host
    kind: local
    wrapper: $work/flaky.sh
YAML
"$TUNE" --model tiny --layers dw --trials 3 --boards boards.yaml --db f.db "${common[@]}" \
  > out1.txt 2> err1.txt
check "a run with a wrapper that fails once exits 0" [ $? -eq 0 ]
check "the wrapper did fail once" [ -e flaky.failed ]
check "the failure was taken as the board's" grep -q "board flaky is down, job requeued.*could not start the program (exit 127).*flaky: cannot execute" err1.txt
check "every config measured ok" [ "$(q f.db "SELECT count(*) FROM measurements WHERE status = 'ok'")" -eq 3 ]
check "nothing recorded against a variant" [ "$(q f.db "SELECT count(*) FROM measurements WHERE status <> 'ok'")" -eq 0 ]

# --- a compiler killed by a signal: build_killed, measured again by the next run ---
cat > killed-cc.sh <<'SH'
#!/bin/sh
# the first variant build (a call with -o but not -c: harness objects are compiled with it) dies of
# SIGKILL, as under the OOM killer; mkdir is the atomic once-only test (builds run in
# parallel); every other call is the real compiler
case " $* " in
  *" -c "* | *" --version "*) ;;
  *" -o "*) if mkdir "$(dirname "$0")/cc.killed" 2>/dev/null; then kill -KILL $$; fi ;;
esac
exec cc "$@"
SH
chmod +x killed-cc.sh
sed -i "s|^compiler: .*|compiler: $work/killed-cc.sh|" configs/targets/host.yaml
"$TUNE" --model tiny --layers pw --trials 3 --db k.db "${common[@]}" > out2.txt 2> err2.txt
check "a run with a killed compiler exits 0" [ $? -eq 0 ]
check "the compiler was killed once" [ -e cc.killed ]
check "recorded as build_killed" [ "$(q k.db "SELECT count(*) FROM measurements WHERE status = 'build_killed' AND error LIKE 'compiler killed by signal 9%'")" -eq 1 ]
killed_config=$(q k.db "SELECT config_id FROM measurements WHERE status = 'build_killed'")
"$TUNE" --model tiny --layers pw --trials 3 --db k.db "${common[@]}" > out3.txt 2> err3.txt
check "the rerun exits 0" [ $? -eq 0 ]
check "the rerun built and measured the killed config" [ "$(q k.db "SELECT count(*) FROM measurements WHERE config_id = ${killed_config:-0} AND status = 'ok'")" -eq 1 ]
check "the rerun measured only that" grep -q '^tune: 1 measured' err3.txt
sed -i "s|^compiler: .*|compiler: cc|" configs/targets/host.yaml

# --- a board's own run limit, for a local board; the variant's timeout stays final ---
cat > slow.sh <<'SH'
#!/bin/sh
# every variant hangs on this board
sleep 30
SH
chmod +x slow.sh
cat > slow.yaml <<YAML
boards:
  - name: slow
    target: host
    kind: local
    wrapper: $work/slow.sh
    run_timeout_s: 1
YAML
start=$(date +%s)
"$TUNE" --model tiny --layers dw --trials 1 --boards slow.yaml --db s.db --run-timeout 60 \
  "${common[@]}" > out4.txt 2> err4.txt
rc=$?
took=$(( $(date +%s) - start ))
check "a run whose variant hangs exits 0" [ "$rc" -eq 0 ]
check "the board's 1 s limit, not the run's 60 s, ended it (took ${took} s)" [ "$took" -lt 40 ]
check "recorded as run_timeout naming the board's limit" [ "$(q s.db "SELECT count(*) FROM measurements WHERE status = 'run_timeout' AND error = 'killed after 1000 ms'")" -eq 1 ]
"$TUNE" --model tiny --layers dw --trials 1 --boards slow.yaml --db s.db "${common[@]}" \
  > out5.txt 2> err5.txt
check "a variant that timed out on a live board is final: the rerun measures nothing" grep -q '^tune: 0 measured' err5.txt
finish

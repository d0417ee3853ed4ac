#!/usr/bin/env bash
# test_torture.sh TUNE SRC — kill -9 torture of a model tune: the tune is killed at random
# points (seeded, so a failure replays) and resumed with the same command until a run
# completes; the log it leaves must equal an uninterrupted run's in configs measured (the set
# of workload, template and knobs with a final status) and in verdicts present (one for every
# task whose log holds two or more re-measurement candidates: the configs within 15% of the
# best, plus the default).
#
# Part 1 replays a recorded log (--replay: nothing is built, each kill lands after 1-2 new
#   measurements of a 2-layer model).
# Part 2 tunes for real on this machine (random search, 4 trials per task, --confirm 3), so
#   the end-of-task re-measurement runs: a kill after a few measurements, one right after a
#   "re-measuring" line and one some time into its rounds. The count of part 2's kills is not
#   checked (after a kill during re-measurement, a resume that skips it leaves nothing to
#   kill); at least one must land during a re-measurement.
#
# Short form (the suite): at least 3 kills in part 1, up to 3 in part 2 (one tortured run).
# Long form: QT_TORTURE_LONG=1: at least 20 kills in part 1 (a longer replay), and up to 9 in
# part 2 (three runs of different search seeds). Part 2's seeds are those whose run
# re-measures (probed first, from 3 up). QT_TORTURE_SEED (default 1) picks the
# kill points. The work directory is kept on failure (its path is printed).
set -u
TUNE=$1
SRC=$2
# shellcheck source=tests/e2e/lib.sh disable=SC1091
. "$SRC/tests/e2e/lib.sh"
seed=${QT_TORTURE_SEED:-1}
RANDOM=$seed
if [ -n "${QT_TORTURE_LONG:-}" ]; then
  replay_trials=24 n_real_seeds=3 min_replay_kills=20
else
  replay_trials=6 n_real_seeds=1 min_replay_kills=3
fi
work=$(mktemp -d /tmp/qtune-torture-XXXXXX)
cd "$work" || exit 2
tiny_configs "$SRC"
echo "torture: seed $seed, work directory $work"

final_in=$(printf "'%s'," ok compile_error build_timeout runtime_error wrong_answer run_timeout)
final_in=${final_in%,}
# configs LOG: the configs with a final status, one "workload|template|knobs" line each.
configs() {
  sqlite3 "$1" "SELECT DISTINCT w.key || '|' || c.template || '|' || c.knobs FROM measurements m
                JOIN workloads w ON w.id = m.workload_id JOIN configs c ON c.id = m.config_id
                WHERE m.status IN ($final_in) ORDER BY 1"
}
# verdicts LOG: the workloads with a verdict.
verdicts() {
  sqlite3 "$1" "SELECT DISTINCT w.key FROM verdicts v JOIN workloads w ON w.id = v.workload_id
                ORDER BY 1"
}
# candidates LOG: the workloads whose log holds >= 2 re-measurement candidates, as the loop
# chooses them (tune.c confirm_candidates) from each config's first ok measurement (later
# ones are re-measurements): the configs within 15% of the best median, plus the default
# config (from defaults.txt, "key|template|knobs") if it ran ok and is not among them.
candidates() {
  local dflt
  dflt=$(sed "s/'/''/g; s/.*/('&')/" defaults.txt | paste -sd,)
  sqlite3 "$1" "WITH defaults(line) AS (VALUES $dflt),
         first AS (SELECT m.workload_id, m.config_id, m.median_ns FROM measurements m
                   WHERE m.id IN (SELECT min(id) FROM measurements WHERE status = 'ok'
                                  GROUP BY workload_id, config_id)),
         best AS (SELECT workload_id, min(median_ns) AS b FROM first GROUP BY workload_id),
         near AS (SELECT f.workload_id, f.config_id FROM first f JOIN best USING (workload_id)
                  WHERE f.median_ns <= b * 1.15),
         dflt AS (SELECT f.workload_id, f.config_id FROM first f
                  JOIN workloads w ON w.id = f.workload_id JOIN configs c ON c.id = f.config_id
                  WHERE w.key || '|' || c.template || '|' || c.knobs IN (SELECT line FROM defaults)),
         cand AS (SELECT * FROM near UNION SELECT * FROM dflt)
    SELECT w.key FROM cand JOIN workloads w ON w.id = cand.workload_id
    GROUP BY cand.workload_id HAVING count(*) >= 2 ORDER BY 1"
}

rc=0
# killer N PATTERN DELAY ERRFILE COMMAND...: runs COMMAND with its stderr (the tune's log
# lines) copied to ERRFILE; right after the Nth line matching PATTERN (N = 0: never) waits
# DELAY seconds and SIGKILLs it. Exits with its status (128 + signal when killed). In Python,
# which starts the tune itself: replayed measurements come a few per millisecond, so the
# reader must be running before the first one and must not lag behind.
killer='
import os, re, signal, subprocess, sys, time
n, pat, delay, path, cmd = int(sys.argv[1]), re.compile(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5:]
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, bufsize=1)
seen = 0
with open(path, "a") as out:
    for line in p.stderr:
        out.write(line)
        out.flush()
        if n > 0 and pat.search(line):
            seen += 1
            if seen == n:
                time.sleep(delay)
                p.send_signal(signal.SIGKILL)
rc = p.wait()
sys.exit(128 - rc if rc < 0 else rc)
'
# run_killing ERRFILE PATTERN N DELAY ARGS...: a tune with ARGS under the killer. rc: its exit
# status (137: killed).
run_killing() {
  local errf=$1 pat=$2 n=$3 delay=$4
  shift 4
  python3 -c "$killer" "$n" "$pat" "$delay" "$errf" "$TUNE" "$@"
  rc=$?
}
# A new measurement's line (not one already in the log, not a re-measurement's start).
measured='^task [0-9]+/[0-9]+ [^:]*: [a-z]+:[^ ]+ ([0-9.]+ us|compile_error|build_timeout|upload_error|runtime_error|wrong_answer|run_timeout|board_lost)'

# ---- part 1: replay ------------------------------------------------------------------------
# builds in the suite's shared artifact cache when there is one (not a test of the cache)
common=(--model tiny --configs configs --cache-dir "${QT_TEST_CACHE_DIR:-cache}" --repeat 2 --measure warm --min-repeat-ms 1)
"$TUNE" "${common[@]}" --strategy grid --trials "$replay_trials" --confirm 0 --db full.db \
  > /dev/null 2> full.err
check "the recording for the replay exits 0" [ $? -eq 0 ]
replay=("${common[@]}" --strategy grid --trials "$replay_trials" --confirm 0 --replay full.db)
"$TUNE" "${replay[@]}" --db ref1.db > /dev/null 2> ref1.err
check "the uninterrupted replay exits 0" [ $? -eq 0 ]

kills=0
runs=0
while :; do
  runs=$((runs + 1))
  run_killing "run1.$runs.err" "$measured" $((1 + RANDOM % 2)) 0 "${replay[@]}" --db tort1.db
  [ "$rc" -eq 137 ] && kills=$((kills + 1))
  [ "$rc" -eq 0 ] && break
  if [ "$rc" -ne 137 ]; then
    check "replay run $runs exits 0 or is killed (exit $rc)" false
    break
  fi
  [ "$runs" -gt 200 ] && break
done
echo "torture part 1 (replay): $kills kills in $runs runs"
check "part 1: at least $min_replay_kills kills ($kills)" [ "$kills" -ge "$min_replay_kills" ]
check "part 1: the uninterrupted run measured configs" [ -n "$(configs ref1.db)" ]
check "part 1: the configs measured equal the uninterrupted run's" \
  [ "$(configs tort1.db)" = "$(configs ref1.db)" ]
check "part 1: nothing is measured twice in a replay" \
  [ "$(sqlite3 tort1.db 'SELECT count(*) FROM measurements')" -eq "$(sqlite3 ref1.db 'SELECT count(*) FROM measurements')" ]
check "part 1: the log is sound" [ "$(sqlite3 tort1.db 'PRAGMA integrity_check')" = ok ]

# ---- part 2: real runs with re-measurement ----------------------------------------------
"$TUNE" space --model tiny --configs configs --target host |
  awk '/^workload / { key = $2 } /^  default: / { split($2, t, ":"); print key "|" t[1] "|" $2 }' \
  > defaults.txt
# real_round SEED: a tortured run of random search SEED, into its own log, compared with the
# seed's uninterrupted run (probe.SEED.db, which the seed loop below made).
real_round() {
  local seed=$1 kills=0 remeasure_kills=0 runs=0 mode pat n delay
  local real=("${common[@]}" --strategy random --seed "$seed" --trials 4 --confirm 3)
  # the reference: the seed's uninterrupted run, the probe below (the same command)
  local ref=probe.$seed.db tort=tort2.$seed.db
  check "seed $seed: the candidate rule matches the loop's: verdicts where it finds >= 2" \
    [ "$(verdicts "$ref")" = "$(candidates "$ref")" ]
  while :; do
    runs=$((runs + 1))
    # Three kills, one of each kind: after 1-2 new measurements, right after a
    # "re-measuring" line, and 0.1-0.8 s into the re-measurement (its rounds print nothing).
    mode=$((kills % 3))
    case $mode in
      0) pat=$measured n=$((1 + RANDOM % 2)) delay=0 ;;
      1) pat=re-measuring n=1 delay=0 ;;
      2) pat=re-measuring n=1 delay=0.$((1 + RANDOM % 8)) ;;
    esac
    [ "$kills" -ge 3 ] && n=0
    run_killing "run2.$seed.$runs.err" "$pat" "$n" "$delay" "${real[@]}" --db "$tort"
    if [ "$rc" -eq 137 ]; then
      kills=$((kills + 1))
      [ "$mode" -ne 0 ] && remeasure_kills=$((remeasure_kills + 1))
    fi
    [ "$rc" -eq 0 ] && break
    if [ "$rc" -ne 137 ]; then
      check "seed $seed: real run $runs exits 0 or is killed (exit $rc)" false
      break
    fi
    [ "$runs" -gt 20 ] && break
  done
  echo "torture part 2 (real, --confirm 3, seed $seed): $kills kills in $runs runs, $remeasure_kills during re-measurement"
  real_kills_total=$((real_kills_total + kills))
  real_remeasure_total=$((real_remeasure_total + remeasure_kills))
  check "seed $seed: the uninterrupted run measured configs" [ -n "$(configs "$ref")" ]
  check "seed $seed: the configs measured equal the uninterrupted run's" \
    [ "$(configs "$tort")" = "$(configs "$ref")" ]
  check "seed $seed: a verdict for every task with >= 2 candidates (have: $(verdicts "$tort" | tr '\n' ' '); want: $(candidates "$tort" | tr '\n' ' '))" \
    [ "$(verdicts "$tort")" = "$(candidates "$tort")" ]
  check "seed $seed: the log is sound" [ "$(sqlite3 "$tort" 'PRAGMA integrity_check')" = ok ]
}
# The search seeds of part 2, from 3 up: those whose uninterrupted run re-measures something
# (a task with >= 2 configs within 15 % of its best), tortured one after another until
# n_real_seeds of them ran and at least one kill landed during a re-measurement. Whether a
# run re-measures depends on the kernels' speeds and on the noise of the run itself: seed 3
# did until the 12x16 avx512vnni default left the tiny pw task's other configs 1.5x behind,
# and a tortured run may find no candidates where its probe did.
real_seeds=""
real_kills_total=0
real_remeasure_total=0
for s in 3 4 5 6 7 8 9 10 11 12 13 14; do
  "$TUNE" "${common[@]}" --strategy random --seed "$s" --trials 4 --confirm 3 \
    --db "probe.$s.db" > /dev/null 2> "probe.$s.err"
  check "seed $s: the uninterrupted real run exits 0" [ $? -eq 0 ]
  [ -n "$(verdicts "probe.$s.db")" ] || continue
  real_seeds="$real_seeds $s"
  real_round "$s"
  # shellcheck disable=SC2086 # a list of seeds
  set -- $real_seeds
  [ $# -ge "$n_real_seeds" ] && [ "$real_remeasure_total" -ge 1 ] && break
done
check "part 2: seeds whose runs re-measure ($real_seeds)" [ -n "$real_seeds" ]
check "part 2: at least one kill during re-measurement ($real_remeasure_total of $real_kills_total)" \
  [ "$real_remeasure_total" -ge 1 ]

if finish; then
  cd /
  rm -rf "$work"
else
  echo "torture: kept $work"
  exit 1
fi

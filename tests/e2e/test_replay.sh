#!/usr/bin/env bash
# test_replay.sh — the replay board and the strategies end to end: a log recorded by a real
# grid run is replayed exactly (same configs, same medians, nothing built); configs the log
# lacks are reported and not recorded; the model and ga strategies, replayed twice with one
# seed, propose the same configs in the same order; a shared --budget is spent exactly; the
# model strategy measures the fastest configs of the same shape in another scheme first (from
# an fp32 recording in the log); bad --replay use is refused.
set -u
TUNE=$1
SRC=$2
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d /tmp/qtune-replay-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
tiny_configs "$SRC"
common=(--model tiny --configs configs --cache-dir cache --repeat 2 --measure warm --min-repeat-ms 1 --confirm 0)
rows() { sqlite3 "$1" "SELECT w.key, c.template, c.knobs, m.status, m.median_ns FROM measurements m JOIN workloads w ON w.id = m.workload_id JOIN configs c ON c.id = m.config_id ORDER BY m.id"; }
sequence() { sqlite3 "$1" "SELECT c.knobs FROM measurements m JOIN configs c ON c.id = m.config_id ORDER BY m.id"; }

# Record: 30 configs of each workload, in grid order (built in the suite's shared artifact
# cache when there is one; the replays below must build nothing in theirs).
rec=("${common[@]}")
rec[5]=${QT_TEST_CACHE_DIR:-cache}
"$TUNE" "${rec[@]}" --strategy grid --trials 30 --db full.db > /dev/null 2> rec.err
check "recording exits 0" [ $? -eq 0 ]
check "recorded 60 measurements" [ "$(sqlite3 full.db 'SELECT count(*) FROM measurements')" -eq 60 ]

# Replay the same run: the same rows, medians included, and no compiler needed.
rm -rf cache
"$TUNE" "${common[@]}" --strategy grid --trials 30 --replay full.db --db r1.db > /dev/null 2> r1.err
check "replay exits 0" [ $? -eq 0 ]
check "replay reports replayed measurements" grep -q '^tune: 60 replayed' r1.err
check "replay is exact" [ "$(rows full.db)" = "$(rows r1.db)" ]
check "replay builds nothing" [ -z "$(find cache -name '*.bin' 2>/dev/null)" ]

# Configs the log lacks: reported, not recorded, not invented.
"$TUNE" "${common[@]}" --strategy random --seed 4 --trials 40 --replay full.db --db r2.db > /dev/null 2> r2.err
check "replay with gaps exits 0" [ $? -eq 0 ]
check "gaps are reported" grep -q 'proposed configs are not in the replay log' r2.err
check "only recorded configs are in the replayed log" [ "$(sqlite3 r2.db "ATTACH 'full.db' AS f; SELECT count(*) FROM measurements m JOIN configs c ON c.id = m.config_id WHERE NOT EXISTS (SELECT 1 FROM f.configs fc WHERE fc.template = c.template AND fc.knobs = c.knobs)")" -eq 0 ]

# Learning strategies are deterministic for a seed (replay makes their inputs identical).
for s in model ga; do
  "$TUNE" "${common[@]}" --strategy "$s" --seed 3 --trials 24 --replay full.db --db "$s-a.db" > /dev/null 2>&1
  "$TUNE" "${common[@]}" --strategy "$s" --seed 3 --trials 24 --replay full.db --db "$s-b.db" > /dev/null 2>&1
  check "$s: same seed, same proposals" [ -n "$(sequence "$s-a.db")" ]
  check "$s: same seed, same proposals (2)" [ "$(sequence "$s-a.db")" = "$(sequence "$s-b.db")" ]
done

# A shared budget: exactly that many trials in all, each workload its baseline first.
"$TUNE" "${common[@]}" --strategy grid --budget 20 --replay full.db --db b.db > /dev/null 2> b.err
check "budget run exits 0" [ $? -eq 0 ]
check "budget: 20 trials in all" [ "$(sqlite3 b.db 'SELECT count(*) FROM measurements')" -eq 20 ]
check "budget: every workload measured" [ "$(sqlite3 b.db 'SELECT count(DISTINCT workload_id) FROM measurements')" -eq 2 ]
check "budget: the plan is stated" grep -q 'a budget of 20 trials shared by the task scheduler' b.err
"$TUNE" "${common[@]}" --budget 1 --replay full.db --db b1.db > /dev/null 2> b1.err
check "a budget below the workload count is refused" [ $? -eq 1 ]
check "and says why" grep -q 'cannot give each of the 2 distinct workloads its baseline' b1.err

# Siblings: a log holding the same shapes in fp32 (a real grid recording of 8 configs each)
# makes the model strategy measure the fp32 records' 2 fastest configs that are not defaults
# right after the defaults (one note per workload); grid and --no-transfer do not.
sib=("${common[@]}")
sib[5]=${QT_TEST_CACHE_DIR:-cache}
"$TUNE" "${sib[@]}" --requant fp32 --strategy grid --trials 8 --db fp32.db > /dev/null 2> fp32.err
check "fp32 recording exits 0" [ $? -eq 0 ]
# the fp32 records' configs of the fixed-point workload key $1, fastest first
sibling_order() {
  sqlite3 fp32.db "SELECT c.knobs FROM measurements m JOIN configs c ON c.id = m.config_id
    JOIN workloads w ON w.id = m.workload_id WHERE replace(w.key, ':fp32:', ':fixedpoint:') = '$1'
    AND m.status = 'ok' GROUP BY c.knobs ORDER BY min(m.median_ns), c.knobs"
}
# the configs the newest session of log $1 recorded for workload $2, in order
session_configs() {
  sqlite3 "$1" "SELECT c.knobs FROM measurements m JOIN configs c ON c.id = m.config_id
    JOIN workloads w ON w.id = m.workload_id WHERE w.key = '$2'
    AND m.session_id = (SELECT max(id) FROM sessions) ORDER BY m.id"
}
for run in model grid no-transfer; do
  cp fp32.db s-$run.db
  case $run in
    model) args=(--strategy model) ;;
    grid) args=(--strategy grid) ;;
    no-transfer) args=(--strategy model --no-transfer) ;;
  esac
  "$TUNE" "${common[@]}" "${args[@]}" --trials 6 --replay full.db --db s-$run.db > /dev/null 2> s-$run.err
  check "sibling run ($run) exits 0" [ $? -eq 0 ]
done
check "model: a note per workload" [ "$(grep -c 'first the fastest 2 configs of the same shape in another scheme or data type (transfer)' s-model.err)" -eq 2 ]
check "grid: no seeds" not grep -q 'of the same shape in another scheme' s-grid.err
check "--no-transfer: no seeds" not grep -q 'of the same shape in another scheme' s-no-transfer.err
for key in $(sqlite3 full.db 'SELECT key FROM workloads ORDER BY key'); do
  # the defaults: what grid and the model without transfer both measure first
  session_configs s-grid.db "$key" > grid.seq
  session_configs s-no-transfer.db "$key" > none.seq
  d=0
  while [ $d -lt 6 ] && [ "$(sed -n "$((d + 1))p" grid.seq)" = "$(sed -n "$((d + 1))p" none.seq)" ]; do
    d=$((d + 1))
  done
  check "$key: 1 or 2 defaults ($d)" [ $d -ge 1 -a $d -le 2 ]
  want=$(sibling_order "$key" | grep -v -x -F -f <(head -n $d grid.seq) | head -n 2)
  got=$(session_configs s-model.db "$key" | sed -n "$((d + 1)),$((d + 2))p")
  check "$key: fp32 has 2 fastest configs besides the defaults" [ "$(echo "$want" | wc -l)" -eq 2 ]
  check "$key: the model measures them right after the defaults" [ "$got" = "$want" ]
  check "$key: the model keeps the defaults first" [ "$(session_configs s-model.db "$key" | head -n $d)" = "$(head -n $d grid.seq)" ]
done

# Bad use.
"$TUNE" "${common[@]}" --replay full.db --boards boards.yaml --db x.db > /dev/null 2> bad1.err
check "--replay with --boards is a usage error" [ $? -eq 2 ]
"$TUNE" "${common[@]}" --replay missing.db --db x.db > /dev/null 2> bad2.err
check "a missing replay log is an error" [ $? -eq 1 ]
check "and says so" grep -q 'replay log missing.db: cannot read it' bad2.err
check "no log is created for it" [ ! -e missing.db ]
finish

#!/usr/bin/env bash
# test_scale.sh — scale-out on one machine, deterministic through the replay runner:
# - MobileNetV2 tuned as --shard 1/2 and --shard 2/2 into two logs and merged gives the same
#   `query --format json` best set (and the same export) as one run with the same per-workload
#   trials from the same records; the shards split the workloads exactly;
# - merging twice changes nothing (same sha256); a verdict keeps its provenance; an older-schema
#   input is merged through a migrated copy, itself untouched;
# - a foreign file (not SQLite, SQLite but not qtune), a newer-schema log, or the output as an
#   input is refused with the output unchanged (same sha256);
# - the cost model's transfer reads the merged log as it reads the one-run log;
# - two concurrent `tune` runs on one log record every measurement exactly once (claims).
# The replayed records come from one real recording (grid, 4 configs per workload, and real
# re-measurement rounds that leave a verdict on every workload).
set -u
TUNE=$1
SRC=$2
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d /tmp/qtune-scale-XXXXXX)
live=
trap '[ -n "$live" ] && kill "$live" 2> /dev/null; rm -rf "$work"' EXIT
cd "$work"
# The recording builds in the suite's shared artifact cache when there is one (another build
# tree may have built the same variants); the replays build nothing.
# 9 of MobileNetV2's layers: 8 distinct workloads (block4_dw and block5_dw are one) of all
# three templates. What is checked here does not grow with the model, and each workload costs
# the recording about 5 builds (suite time: the whole model's 30 took about four times as long,
# 12 of them half again as long).
layers=conv0,block0_dw,block3_project,block4_expand,block4_dw,block5_dw,block11_expand,block13_dw,conv_head
n_workloads=8
model=(--model mobilenet_v2 --layers "$layers" --configs "$SRC/configs" --cache-dir "${QT_TEST_CACHE_DIR:-cache}" --repeat 1 --min-repeat-ms 0)
# Transfer is off: in one run, later workloads would learn from earlier ones a shard lacks.
replay=("${model[@]}" --strategy grid --trials 4 --no-transfer --replay full.db)
sha() { sha256sum "$1" | cut -d' ' -f1; }
# The best set of a query: per layer its workload, config, times and board (not the log's ids
# and timestamps, which a merge renumbers).
best_set() {
  "$TUNE" query "${model[@]:0:6}" --db "$1" --format json |
    python3 -c 'import json,sys; d=json.load(sys.stdin); [print(l["layer"], l["workload"], l.get("template"), l.get("config"), l.get("median_us"), l.get("min_us"), l.get("max_us"), l.get("board"), l.get("source_hash"), l.get("protocol"), l.get("confirmed")) for l in d["layers"]]'
}
dupes() { sqlite3 "$1" "SELECT count(*) FROM (SELECT 1 FROM measurements GROUP BY workload_id, target_id, config_id, source_hash, protocol HAVING count(*) > 1)"; }
count() { sqlite3 "$1" "SELECT count(*) FROM measurements"; }

# The records: a real grid run, 4 configs per workload, then verdicts from two later sessions.
"$TUNE" "${model[@]}" --strategy grid --trials 4 --confirm 0 --db full.db > /dev/null 2> rec.err
check "recording exits 0" [ $? -eq 0 ]
# A verdict needs a runner-up within 15 % of a workload's best (the default config joins any
# re-measurement), and whether the grid's configs come that close is the machine's timing: on a
# loaded CI runner the defaults were more than 15 % ahead on every workload and the log held no
# verdict (the test failed). What is tested below is how a merge carries verdicts, so the
# fixture is made deterministic: each workload's recorded times are mapped linearly onto
# [best, 1.01 best], their order kept (the spread itself is anything: a plain C config ran 400x
# its best here; --repeat 1: one time per measurement, which is its median, min and max). The
# re-measurement rounds that decide the verdicts are real runs.
check "the recording has one time per measurement" [ "$(sqlite3 full.db "SELECT count(*) FROM measurements WHERE status = 'ok' AND n_times <> 1")" -eq 0 ]
pulled="b.best * (1 + 0.01 * (median_ns - b.best) / (b.worst - b.best))"
sqlite3 full.db "UPDATE measurements SET median_ns = $pulled, min_ns = $pulled, max_ns = $pulled,
    times_ns = printf('%.17g', $pulled)
  FROM (SELECT workload_id AS wid, target_id AS tid, min(median_ns) AS best,
        max(median_ns) AS worst FROM measurements WHERE status = 'ok'
        GROUP BY workload_id, target_id) AS b
  WHERE status = 'ok' AND workload_id = b.wid AND target_id = b.tid AND b.worst > b.best"
check "the recorded times are pulled together" [ $? -eq 0 ]
check "the recorded times are pulled together (2)" [ "$(sqlite3 full.db "SELECT count(*) FROM measurements m WHERE status = 'ok' AND median_ns > 1.0101 * (SELECT min(median_ns) FROM measurements n WHERE n.workload_id = m.workload_id AND n.status = 'ok')")" -eq 0 ]
# Nothing new to measure, so each session only re-measures (a workload owed a verdict): the
# first four layers' workloads in one session, the rest in another, so that verdicts come from
# two sessions.
"$TUNE" --model mobilenet_v2 --layers conv0,block0_dw,block3_project,block4_expand "${model[@]:4}" \
  --strategy grid --trials 4 --confirm 2 --db full.db > /dev/null 2> rec2.err
check "second recording exits 0" [ $? -eq 0 ]
"$TUNE" "${model[@]}" --strategy grid --trials 4 --confirm 2 --db full.db > /dev/null 2> rec3.err
check "third recording exits 0" [ $? -eq 0 ]
echo "the recording holds $(sqlite3 full.db 'SELECT count(*) FROM verdicts') verdicts"
check "the recording holds a verdict for each workload" [ "$(sqlite3 full.db 'SELECT count(DISTINCT workload_id) FROM verdicts')" -eq $n_workloads ]
check "the recording's verdicts come from two sessions" [ "$(sqlite3 full.db 'SELECT count(DISTINCT session_id) FROM verdicts')" -eq 2 ]

# One run, and the same as two shards.
"$TUNE" "${replay[@]}" --db one.db > /dev/null 2> one.err
check "one run exits 0" [ $? -eq 0 ]
for i in 1 2; do
  "$TUNE" "${replay[@]}" --shard $i/2 --db s$i.db > /dev/null 2> s$i.err
  check "shard $i/2 exits 0" [ $? -eq 0 ]
  check "shard $i/2 says so" grep -q "distinct workloads (shard $i/2: [0-9]* of them)" s$i.err
done
for bad in 3/2 0/2 2/0 x/2 1/ /2 -1/2 1/2x 1/5000; do
  "$TUNE" "${replay[@]}" --shard "$bad" --db bad.db > /dev/null 2> bad.err
  rc=$?
  check "--shard $bad is a usage error" [ $rc -eq 2 ]
  check "--shard $bad is a usage error (2)" grep -q "^tune: --shard: expected I/N with 1 <= I <= N <= 4096 (e.g. 2/4), got '$bad'" bad.err
done
check "a refused --shard creates no log" [ ! -e bad.db ]
"$TUNE" --help | grep -q -- '--shard I/N'
check "--help tells of --shard" [ $? -eq 0 ]
# A shard that holds none of the model's workloads tunes nothing, and says so.
key=$(sqlite3 s1.db 'SELECT key FROM workloads LIMIT 1')
"$TUNE" --workload "$key" "${replay[@]:4}" --shard 2/2 --db none.db > /dev/null 2> none.err
rc=$?
check "an empty shard exits 0" [ $rc -eq 0 ]
check "an empty shard exits 0 (2)" grep -q '(shard 2/2: 0 of them)' none.err
check "an empty shard records nothing" [ "$(count none.db)" -eq 0 ]
n1=$(sqlite3 s1.db 'SELECT count(*) FROM workloads')
n2=$(sqlite3 s2.db 'SELECT count(*) FROM workloads')
check "each shard has workloads" [ "$n1" -gt 0 ]
check "each shard has workloads (2)" [ "$n2" -gt 0 ]
check "the shards split the $n_workloads workloads" [ $((n1 + n2)) -eq $n_workloads ]
check "no workload in both shards" [ "$(sqlite3 s1.db "ATTACH 's2.db' AS o; SELECT count(*) FROM workloads w JOIN o.workloads x ON x.key = w.key")" -eq 0 ]

"$TUNE" merge merged.db s1.db s2.db > merge1.out 2> merge1.err
check "merge exits 0" [ $? -eq 0 ]
check "merge reports each input" [ "$(grep -c 'measurements added' merge1.out)" -eq 2 ]
check "merged holds every measurement once" [ "$(count merged.db)" -eq "$(count one.db)" ]
check "merged holds every measurement once (2)" [ "$(dupes merged.db)" -eq 0 ]
check "merged sessions keep their origin" [ "$(sqlite3 merged.db "SELECT count(*) FROM sessions WHERE origin IN ('s1.db session 1', 's2.db session 1')")" -eq 2 ]
best_set one.db > one.best
best_set merged.db > merged.best
check "every layer has a best" [ -s one.best ]
check "every layer has a best (2)" not grep -q ' None ' one.best
check "shard + merge gives the one-run best set" diff one.best merged.best
"$TUNE" export "${model[@]:0:6}" --db one.db --out ex-one > /dev/null 2>&1
"$TUNE" export "${model[@]:0:6}" --db merged.db --out ex-merged > /dev/null 2>&1
# The export names its log and each layer's measurement id (renumbered by a merge): the rest
# is the same.
find ex-one ex-merged -type f -exec sed -i -E -e '/tuning log|log record/d' \
  -e 's/^(    \{"[^"]*", "[^"]*", "[^"]*", 1, )[0-9]+, /\1ID, /' {} +
check "export of the merged log is the one run's (but for the log and ids it names)" \
  diff -r ex-one ex-merged

# The example scripts: a Slurm array (its two tasks run here one after the other) and a loop
# over SSH hosts (an ssh and scp that run here), each followed by tune merge.
for k in 1 2; do
  SLURM_ARRAY_TASK_ID=$k SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=2 TUNE="$TUNE" \
    QTUNE_RESULTS=slurm QTUNE_ARGS="--layers $layers --configs $SRC/configs --cache-dir cache --repeat 1 --min-repeat-ms 0 --strategy grid --trials 4 --no-transfer --replay $work/full.db" \
    bash "$SRC/scripts/tune-slurm-array.sh" > /dev/null 2> slurm$k.err
  check "slurm array task $k exits 0" [ $? -eq 0 ]
done
"$TUNE" merge slurm.db slurm/shard-1-of-2.db slurm/shard-2-of-2.db > /dev/null 2>&1
best_set slurm.db > slurm.best
check "slurm shards + merge give the one-run best set" diff one.best slurm.best
mkdir fake
printf '#!/bin/sh\nshift\nexec sh -c "$*"\n' > fake/ssh
printf '#!/bin/sh\n[ "$1" = -q ] && shift\nexec cp "${1#*:}" "$2"\n' > fake/scp
chmod +x fake/ssh fake/scp
SSH=$work/fake/ssh SCP=$work/fake/scp REMOTE_TUNE="$TUNE" TUNE="$TUNE" \
  sh "$SRC/scripts/tune-ssh-hosts.sh" ssh.db hostA hostB -- "${replay[@]}" > ssh.out 2> ssh.err
check "the ssh loop exits 0" [ $? -eq 0 ]
best_set ssh.db > ssh.best
check "ssh shards + merge give the one-run best set" diff one.best ssh.best

# Idempotent: the same inputs again change nothing, byte for byte.
before=$(sha merged.db)
"$TUNE" merge merged.db s1.db s2.db > merge2.out 2>&1
check "second merge exits 0" [ $? -eq 0 ]
check "second merge adds nothing" [ "$(grep -c ' 0 measurements added' merge2.out)" -eq 2 ]
check "second merge leaves the file unchanged" [ "$(sha merged.db)" = "$before" ]

# Verdicts and their provenance: the recording merged into a new log reads the same, confirmed
# flags included, and each verdict's session names its origin.
"$TUNE" merge copy.db full.db > /dev/null 2>&1
check "merging a log with verdicts exits 0" [ $? -eq 0 ]
check "verdicts are copied" [ "$(sqlite3 copy.db 'SELECT count(*) FROM verdicts')" -eq "$(sqlite3 full.db 'SELECT count(*) FROM verdicts')" ]
check "a copied verdict names its origin" [ "$(sqlite3 copy.db "SELECT count(*) FROM verdicts v JOIN sessions s ON s.id = v.session_id WHERE s.origin LIKE 'full.db session %'")" -eq "$(sqlite3 full.db 'SELECT count(*) FROM verdicts')" ]
rounds() { sqlite3 "$1" "SELECT round, count(*) FROM measurements GROUP BY round ORDER BY round"; }
check "the recording's re-measurement rounds are marked ($(rounds full.db | tr '\n' ' '))" \
  [ "$(sqlite3 full.db 'SELECT count(*) FROM measurements WHERE round >= 1')" -gt 0 ]
check "the rounds are copied" [ "$(rounds copy.db)" = "$(rounds full.db)" ]
check "copied verdicts keep their sessions apart" [ "$(sqlite3 copy.db 'SELECT count(DISTINCT s.origin) FROM verdicts v JOIN sessions s ON s.id = v.session_id')" -eq "$(sqlite3 full.db 'SELECT count(DISTINCT session_id) FROM verdicts')" ]
best_set full.db > full.best
best_set copy.db > copy.best
check "the copy has confirmed bests" grep -q ' True$' copy.best
check "the copy reads as the original" diff full.best copy.best

# Refusals: nothing is written to the output.
before=$(sha merged.db)
echo "not a log" > foreign.txt
sqlite3 other.db 'CREATE TABLE t(x); INSERT INTO t VALUES(1)'
cp s1.db newer.db
sqlite3 newer.db 'PRAGMA user_version = 99'
"$TUNE" merge merged.db s1.db foreign.txt > /dev/null 2> r1.err
rc=$?
check "a text file is refused" [ $rc -eq 1 ]
check "a text file is refused (2)" grep -q 'foreign.txt is not a qtune log (not an SQLite database)' r1.err
"$TUNE" merge merged.db other.db > /dev/null 2> r2.err
rc=$?
check "a foreign SQLite file is refused" [ $rc -eq 1 ]
check "a foreign SQLite file is refused (2)" grep -q 'other.db is an SQLite database but not a qtune log' r2.err
"$TUNE" merge merged.db newer.db > /dev/null 2> r3.err
rc=$?
check "a newer schema is refused" [ $rc -eq 1 ]
check "a newer schema is refused (2)" grep -q 'newer.db has schema version 99' r3.err
"$TUNE" merge merged.db merged.db > /dev/null 2> r4.err
rc=$?
check "the output as an input is refused" [ $rc -eq 1 ]
check "the output as an input is refused (2)" grep -q 'is the output log' r4.err
"$TUNE" merge merged.db missing.db > /dev/null 2> r5.err
rc=$?
check "a missing input is refused" [ $rc -eq 1 ]
check "a missing input is refused (2)" grep -q 'cannot read missing.db' r5.err
check "the output is unchanged after every refusal" [ "$(sha merged.db)" = "$before" ]
fsha=$(sha foreign.txt)
"$TUNE" merge foreign.txt s1.db > /dev/null 2> r6.err
rc=$?
check "a foreign output is refused" [ $rc -eq 1 ]
check "a foreign output is refused (2)" [ "$(sha foreign.txt)" = "$fsha" ]
"$TUNE" merge > /dev/null 2>&1
check "merge without logs is a usage error" [ $? -eq 2 ]
"$TUNE" merge --help | grep -q 'usage: tune merge OUT.db IN.db'
check "merge --help" [ $? -eq 0 ]

# An older (schema 3) input (what steps 3->4 and 4->5 added dropped): merged through a migrated
# copy; the input is not touched.
cp s2.db v3.db
sqlite3 v3.db "ALTER TABLE measurements DROP COLUMN round; ALTER TABLE targets DROP COLUMN unit; DROP TABLE claims; ALTER TABLE sessions DROP COLUMN origin; ALTER TABLE sessions DROP COLUMN host; UPDATE meta SET value = '3' WHERE key = 'schema_version'; PRAGMA user_version = 3"
v3sha=$(sha v3.db)
"$TUNE" merge fromv3.db v3.db > /dev/null 2> v3.err
rc=$?
check "a schema-3 input merges" [ $rc -eq 0 ]
check "a schema-3 input merges (2)" [ "$(count fromv3.db)" -eq "$(count s2.db)" ]
check "the schema-3 input is left as it was" [ "$(sha v3.db)" = "$v3sha" ]
check "the schema-3 input is left as it was (2)" [ "$(sqlite3 v3.db 'PRAGMA user_version')" -eq 3 ]

# The cost model's transfer reads the merged log as the one-run log: tuning on from copies of
# each proposes the same configs.
cp one.db t-one.db
cp merged.db t-merged.db
for t in one merged; do
  "$TUNE" "${model[@]}" --strategy model --seed 3 --trials 6 --replay full.db --db t-$t.db > /dev/null 2>&1
done
newer_configs() { sqlite3 "$1" "SELECT w.key, c.knobs FROM measurements m JOIN workloads w ON w.id = m.workload_id JOIN configs c ON c.id = m.config_id WHERE m.session_id = (SELECT max(id) FROM sessions) ORDER BY m.id"; }
check "the model transfers the same from either log" [ "$(newer_configs t-one.db)" = "$(newer_configs t-merged.db)" ]

# Two tune runs at once on one log: every measurement recorded once, none lost.
"$TUNE" "${replay[@]}" --db both.db > a.out 2> a.err &
pa=$!
"$TUNE" "${replay[@]}" --db both.db > b.out 2> b.err &
pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
check "both concurrent runs exit 0" [ $ra -eq 0 ]
check "both concurrent runs exit 0 (2)" [ $rb -eq 0 ]
check "concurrent runs: no measurement twice" [ "$(dupes both.db)" -eq 0 ]
check "concurrent runs: every measurement recorded" [ "$(count both.db)" -eq "$(count one.db)" ]
check "concurrent runs: no claim left behind" [ "$(sqlite3 both.db 'SELECT count(*) FROM claims')" -eq 0 ]
check "concurrent runs: the log is sound" [ "$(sqlite3 both.db 'PRAGMA integrity_check')" = ok ]
# The same with real builds and runs (no replay): two runs of a small model on one log and
# one build cache.
mkdir real
(cd real && tiny_configs "$SRC")
realrun=(--model tiny --configs real/configs --cache-dir real/cache --strategy grid --trials 6 --confirm 0 --repeat 1 --min-repeat-ms 0 --db real.db)
"$TUNE" "${realrun[@]}" > /dev/null 2> ra.err &
pa=$!
"$TUNE" "${realrun[@]}" > /dev/null 2> rb.err &
pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
check "two real runs at once exit 0" [ $ra -eq 0 ]
check "two real runs at once exit 0 (2)" [ $rb -eq 0 ]
check "two real runs: each config measured once, none lost" [ "$(dupes real.db)" -eq 0 ]
check "two real runs: each config measured once, none lost (2)" [ "$(count real.db)" -eq 12 ]

# Claims left by other runs: one of a live process on this host is honoured (its configs are
# left to it), one of a dead process is taken over, and once the live one is gone its configs
# are measured too.
w=$(sqlite3 s1.db 'SELECT key FROM workloads ORDER BY id LIMIT 1')
"$TUNE" --workload "$w" "${replay[@]:4}" --trials 1 --db claims.db > /dev/null 2>&1
sleep 600 &
live=$!
sh -c 'exit 0' &
dead=$!
wait $dead
sqlite3 claims.db "ATTACH 'one.db' AS o;
  INSERT INTO sessions(command, tool_version, started_at, host) VALUES('tune elsewhere', '0', '2026-01-01T00:00:00.000Z', '$(hostname)');
  INSERT INTO claims SELECT ow.key, ot.name, oc.template, oc.knobs, om.source_hash, om.protocol,
    (SELECT max(id) FROM sessions), '$(hostname)', CASE WHEN om.id = (SELECT max(id) FROM o.measurements WHERE workload_id = om.workload_id) THEN $dead ELSE $live END,
    (julianday('now') - 2440587.5) * 86400.0 + 3600
  FROM o.measurements om JOIN o.workloads ow ON ow.id = om.workload_id JOIN o.targets ot ON ot.id = om.target_id
  JOIN o.configs oc ON oc.id = om.config_id WHERE ow.key = '$w' AND om.id > (SELECT min(id) FROM o.measurements WHERE workload_id = om.workload_id)"
held=$(sqlite3 claims.db 'SELECT count(*) FROM claims')
"$TUNE" --workload "$w" "${replay[@]:4}" --trials 4 --db claims.db > /dev/null 2> claims1.err
check "a run beside foreign claims exits 0" [ $? -eq 0 ]
check "the live process's claims are honoured" grep -q "^tune: $((held - 1)) configs were being measured by another tune run" claims1.err
check "the dead process's claim is taken over" [ "$(count claims.db)" -eq 2 ]
kill $live
wait $live 2> /dev/null
"$TUNE" --workload "$w" "${replay[@]:4}" --trials 4 --db claims.db > /dev/null 2> claims2.err
check "once its owner is gone, a claim is taken over" [ "$(count claims.db)" -eq 4 ]
check "once its owner is gone, a claim is taken over (2)" not grep -q 'being measured by another' claims2.err
check "no claims remain" [ "$(sqlite3 claims.db 'SELECT count(*) FROM claims')" -eq 0 ]
check "no claims remain (2)" [ "$(dupes claims.db)" -eq 0 ]

ca=$(sed -n 's/^tune: \([0-9]*\) configs were being measured by another.*/\1/p' a.err)
cb=$(sed -n 's/^tune: \([0-9]*\) configs were being measured by another.*/\1/p' b.err)
echo "concurrent runs: left to the other run: ${ca:-0} and ${cb:-0} configs"
finish

#!/usr/bin/env bash
# test_cli.sh — `tune` end to end on two small workloads with the local runner: tune, query,
# resume (nothing measured twice), kill -9 in the middle and resume (nothing lost, log intact),
# and bad input (malformed YAML, unknown names, bad shapes, a foreign --db file, an unwritable
# --db path, bad flags): one-line errors, non-zero exits, logs untouched.
set -u
TUNE=$1
SRC=$2
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d /tmp/qtune-e2e-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
tiny_configs "$SRC" dw_again
# --confirm 0: the checks below count rows exactly; the re-measurement of near ties would add
# rows depending on timing (it has its own test in tests/unit/test_tune_loop.c)
common=(--configs configs --cache-dir cache --repeat 2 --measure warm --min-repeat-ms 1 --confirm 0)
count() { sqlite3 "$1" "SELECT count(*) FROM measurements"; }
dups() { sqlite3 "$1" "SELECT count(*) FROM (SELECT 1 FROM measurements GROUP BY workload_id, target_id, config_id, source_hash, protocol HAVING count(*) > 1)"; }

# --- tune, query, resume ---
"$TUNE" --model tiny --trials 4 --db t.db "${common[@]}" > out.txt 2> err.txt
check "tune exits 0" [ $? -eq 0 ]
check "summary has a row per layer" [ "$(grep -cE '^(dw|pw|dw_again) ' out.txt)" -eq 3 ]
check "summary has a total" grep -q '^total (tiny on host, 3 layers)' out.txt
check "two distinct workloads, 4 trials each" [ "$(count t.db)" -eq 8 ]
check "integrity" [ "$(sqlite3 t.db 'PRAGMA integrity_check')" = ok ]
"$TUNE" query --model tiny --db t.db --configs configs --json > q.json
check "query exits 0" [ $? -eq 0 ]
check "query has 3 layer entries" [ "$(grep -c '"layer":' q.json)" -eq 3 ]
check "every entry has a config and a time" [ "$(grep -c '"median_us": [0-9]' q.json)" -eq 3 ]
check "entries carry the workload key" grep -q '"workload": "dwconv:s8:fixedpoint:n1:i10x10x24' q.json
check "json parses" python3 -c 'import json,sys; d=json.load(open("q.json")); assert len(d["layers"])==3'
"$TUNE" --model tiny --trials 4 --db t.db "${common[@]}" > out2.txt 2> err2.txt
check "rerun exits 0" [ $? -eq 0 ]
check "rerun measures nothing" grep -q '^tune: 0 measured, 8 already in the log' err2.txt
check "rerun adds no rows" [ "$(count t.db)" -eq 8 ]
"$TUNE" --workload "conv2d:s8:fp32:n2:i7x7x5:o4x4x8:k3x3:s2x2:d1x1:p1,1,1,1:m1" --trials 3 --db t.db "${common[@]}" > /dev/null 2>&1
check "--workload tunes a single workload" [ "$(count t.db)" -eq 11 ]
"$TUNE" --model tiny --layers pw --trials 5 --db t.db "${common[@]}" > out3.txt 2>&1
check "--layers tunes only that layer" [ "$(count t.db)" -eq 12 ]

# --- data type and requantization overrides: other workloads, looked up the same way ---
"$TUNE" --model tiny --layers pw --requant fp32 --dtype u8 --trials 2 --db t.db "${common[@]}" > /dev/null 2>&1
check "--requant/--dtype tune other workloads" [ "$(count t.db)" -eq 14 ]
check "they are recorded under their own keys" [ "$(sqlite3 t.db "SELECT count(*) FROM workloads WHERE key LIKE 'conv2d:u8:fp32:%'")" -eq 1 ]
"$TUNE" query --model tiny --layers pw --requant fp32 --dtype u8 --db t.db --configs configs --json > qf.json
check "query with the same overrides finds them" grep -q '"workload": "conv2d:u8:fp32:n1:i10x10x24' qf.json
check "... with a time" grep -q '"median_us": [0-9]' qf.json

# --- kill -9 in the middle, then resume ---
"$TUNE" --model tiny --trials 14 --db k.db "${common[@]}" --seed 3 > /dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  n=$(sqlite3 k.db "SELECT count(*) FROM measurements" 2>/dev/null || echo 0)
  [ "${n:-0}" -ge 4 ] && break
  sleep 0.1
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
before=$(count k.db)
check "killed run left records ($before)" [ "$before" -ge 4 ]
check "killed run left fewer than all" [ "$before" -lt 28 ]
check "integrity after kill -9" [ "$(sqlite3 k.db 'PRAGMA integrity_check')" = ok ]
"$TUNE" --model tiny --trials 14 --db k.db "${common[@]}" --seed 3 > /dev/null 2> err4.txt
check "resumed run exits 0" [ $? -eq 0 ]
check "resumed run skips what was recorded" grep -q "already in the log" err4.txt
check "after resume every config measured once" [ "$(count k.db)" -eq 28 ]
check "nothing measured twice" [ "$(dups k.db)" -eq 0 ]

# --- bad input: one line, non-zero exit, logs untouched ---
errline() { # errline expected-exit pattern command...
  local want=$1 pat=$2
  shift 2
  "$@" > /dev/null 2> e.txt
  local rc=$?
  [ "$rc" -eq "$want" ] && [ "$(wc -l < e.txt)" -eq 1 ] && grep -q -- "$pat" e.txt
}
sum_before=$(md5sum t.db | cut -d' ' -f1)
printf 'model: broken\nlayers:\n  - {name: a, op: conv2d, in_h: [1\n' > configs/models/broken.yaml
check "malformed yaml" errline 1 'broken.yaml:' "$TUNE" --model broken --db t.db "${common[@]}"
check "unknown model lists available" errline 1 "unknown model 'nope' (available: .*tiny" "$TUNE" --model nope --db t.db "${common[@]}"
check "unknown target lists available" errline 1 "unknown target 'z80' (available: .*host" "$TUNE" --target z80 --model tiny --db t.db "${common[@]}"
check "zero shape" errline 1 "in_c" "$TUNE" --workload "dwconv:s8:fixedpoint:n1:i8x8x0:o8x8x0:k3x3:s1x1:d1x1:p1,1,1,1:m1" --db t.db "${common[@]}"
check "negative shape" errline 1 "workload key" "$TUNE" --workload "dwconv:s8:fixedpoint:n1:i8x8x-4:o8x8x-4:k3x3:s1x1:d1x1:p1,1,1,1:m1" --db t.db "${common[@]}"
check "log untouched by refused runs" [ "$(md5sum t.db | cut -d' ' -f1)" = "$sum_before" ]
echo "not a database, but precious" > notes.txt
sum_notes=$(md5sum notes.txt | cut -d' ' -f1)
check "non-qtune file as --db" errline 1 "not a qtune log" "$TUNE" --model tiny --db notes.txt "${common[@]}"
check "non-qtune file unchanged" [ "$(md5sum notes.txt | cut -d' ' -f1)" = "$sum_notes" ]
sqlite3 foreign.db "CREATE TABLE x(a); INSERT INTO x VALUES (1);"
sum_foreign=$(md5sum foreign.db | cut -d' ' -f1)
check "foreign sqlite file as --db" errline 1 "not a qtune log" "$TUNE" --model tiny --db foreign.db "${common[@]}"
check "foreign sqlite file unchanged" [ "$(md5sum foreign.db | cut -d' ' -f1)" = "$sum_foreign" ]
check "query of a foreign file" errline 1 "not a qtune log" "$TUNE" query --model tiny --db foreign.db --configs configs
check "unwritable db path" errline 1 "/nonexistent-dir/t.db" "$TUNE" --model tiny --db /nonexistent-dir/t.db "${common[@]}"
check "query without a log" errline 1 "no tuning log" "$TUNE" query --model tiny --db missing.db --configs configs
check "bad --trials" errline 2 "trials" "$TUNE" --model tiny --trials -3 --db t.db "${common[@]}"
check "bad --confirm" errline 2 "confirm" "$TUNE" --model tiny --confirm 9 --db t.db "${common[@]}"
check "bad --strategy" errline 2 "strategy" "$TUNE" --model tiny --strategy magic --db t.db "${common[@]}"
check "bad --measure" errline 2 "--measure: expected cold or warm" "$TUNE" --model tiny --measure hot --db t.db "${common[@]}"
check "--min-repeat-ms on a cold default" errline 2 "add --measure warm" "$TUNE" --model tiny --min-repeat-ms 5 --db t.db --configs configs
check "--measure cold on an icount target" errline 2 "timing: icount" "$TUNE" --target cortex-m4 --model tiny --measure cold --db t.db --configs configs
check "unknown option" errline 2 "unknown option" "$TUNE" --model tiny --frobnicate --db t.db
check "unknown command" errline 2 "unknown command" "$TUNE" frobnicate
check "model and workload missing" errline 2 "give --model" "$TUNE" --db t.db
check "option not for query" errline 2 "does not apply" "$TUNE" query --model tiny --trials 3
check "log still intact" [ "$(sqlite3 t.db 'PRAGMA integrity_check')" = ok ]
check "bad --requant" errline 1 "requant: expected fixedpoint or fp32" "$TUNE" --model tiny --requant fp16 --db t.db "${common[@]}"
check "log rows unchanged" [ "$(count t.db)" -eq 14 ]

# --- the default measurement on the host: cold, one run per repeat, buffers evicted first ---
"$TUNE" --model tiny --layers pw --trials 2 --repeat 3 --confirm 0 --configs configs --cache-dir cache --db cold.db > /dev/null 2>&1
check "cold run exits 0" [ $? -eq 0 ]
check "cold protocol recorded" bash -c "sqlite3 cold.db \"SELECT DISTINCT protocol FROM measurements WHERE status = 'ok'\" | grep -Exq 'h1:seed=1,warmup=1,number=1,repeat=3,min_repeat_ms=0,flush_kb=0,pin=-?[0-9]+,evict=1'"
check "cold: every ok row has its 3 single-run times" [ "$(sqlite3 cold.db "SELECT count(*) FROM measurements WHERE status = 'ok' AND n_times != 3")" -eq 0 ]

# --- help and listings ---
check "help" bash -c "'$TUNE' --help | grep -q -- '--trials N'"
check "query help" bash -c "'$TUNE' query --help | grep -q -- '--json'"
check "list models" bash -c "'$TUNE' list models --configs configs | grep -qx tiny"
check "list targets" bash -c "'$TUNE' list targets --configs configs | grep -qx cortex-a76"
check "space" bash -c "'$TUNE' space --model tiny --configs configs | grep -q '^  default: dwconv:'"
finish

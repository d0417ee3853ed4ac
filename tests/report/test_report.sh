#!/usr/bin/env bash
# test_report.sh — `tune report` end to end: two short real tuning runs of a two-layer model
# (two strategies, so two curve lines per task), plus a failure and a board whose names carry
# HTML metacharacters written into the log; the page must be well formed (check_report.py),
# self-contained, hold every section and both layers, escape all log text, and include the
# peers comparison from a bench/peers CSV. Malformed CSVs and bad use are refused with a
# message naming file, line and field, and leave no page behind.
set -u
TUNE=$1
SRC=$2
HERE=$(cd "$(dirname "$0")" && pwd)
. "$SRC/tests/e2e/lib.sh"
work=$(mktemp -d /tmp/qtune-report-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
tiny_configs "$SRC"
# builds in the suite's shared artifact cache when there is one (not a test of the cache)
common=(--model tiny --configs configs --cache-dir "${QT_TEST_CACHE_DIR:-cache}" --repeat 2 --measure warm --min-repeat-ms 1 --confirm 0 --db t.db)
"$TUNE" "${common[@]}" --strategy grid --trials 3 > /dev/null 2>&1
check "first run exits 0" [ $? -eq 0 ]
"$TUNE" "${common[@]}" --strategy random --seed 5 --trials 6 > /dev/null 2>&1
check "second run exits 0" [ $? -eq 0 ]

# A compile error on a board whose name, like the error text, needs escaping.
sqlite3 t.db "INSERT INTO boards(name, kind, target_id) SELECT '<b>evil&board</b>', 'ssh', id FROM targets WHERE name = 'host';
  INSERT INTO measurements(session_id, workload_id, target_id, board_id, config_id, source_hash, protocol, status, error, n_times, times_ns, median_ns, min_ns, max_ns, checksum, measured_at)
  SELECT session_id, workload_id, target_id, (SELECT max(id) FROM boards), config_id, source_hash, protocol, 'compile_error', '<script>alert(\"x\")</script> & \"quoted\"', 0, '', NULL, NULL, NULL, checksum, measured_at FROM measurements ORDER BY id LIMIT 1;"
check "failure inserted" [ "$(sqlite3 t.db "SELECT count(*) FROM measurements WHERE status = 'compile_error'")" -eq 1 ]

sections=(--section totals --section layers --section curves --section failures --section boards --section knobs)
"$TUNE" report --model tiny --configs configs --db t.db --html r.html 2> r.err
check "report exits 0" [ $? -eq 0 ]
check "report says where it wrote" grep -q '^tune report: tiny on host: 2 layers into r.html$' r.err
check "page is well formed, self-contained, complete" python3 "$HERE/check_report.py" r.html \
  --layer dw --layer pw "${sections[@]}" --curves-min 4 --absent 'id="peers"'
check "error text escaped" grep -qF '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quoted&quot;' r.html
check "board name escaped" grep -qF '&lt;b&gt;evil&amp;board&lt;/b&gt;' r.html
check "no raw log markup" python3 "$HERE/check_report.py" r.html --absent '<script' --absent '<b>evil'
check "the failure is counted" grep -q '<td>compile_error</td><td class="n">1</td>' r.html
check "both runs are in the legend" grep -q 'run 1: strategy grid' r.html
check "the second run too" grep -q 'run 2: strategy random' r.html
check "knobs are relative to the best" grep -q 'time / best time of the same workload' r.html

# The peers comparison (bench/peers --csv: oneDNN's fastest path in the last column).
peers_page() { # peers_page NAME CSV-LINE...: the page NAME.html from the CSV NAME.csv
  local name=$1
  shift
  printf '%s\n' "$@" > "$name.csv"
  "$TUNE" report --model tiny --configs configs --db t.db --html "$name.html" --peers "$name.csv" 2> "$name.err"
  check "report with peers $name.csv exits 0" [ $? -eq 0 ]
  check "peers page $name.html is well formed" python3 "$HERE/check_report.py" "$name.html" "${sections[@]}" --section peers
}
peers_page p 'layer,kind,mmac,default_us,best_us,xnnpack_us,onednn_us,onednn_fast_us' \
  'dw,depthwise,0.0216,20.0,10.0,15.0,,8.0' 'pw,pointwise,0.0384,30.0,12.0,24.0,6.0,3.0'
check "peers page names oneDNN's fast path" grep -q '<th>oneDNN fast / best</th>' p.html
check "xnnpack ratio of dw" grep -q '<td class="n">1.50</td>' p.html
check "onednn ratio of pw" grep -q '<td class="n">0.50</td>' p.html
check "ratios of dw, without runtime-zero-point oneDNN" grep -qF '<td class="n">1.50</td><td class="n">-</td><td class="n">0.80</td>' p.html
check "onednn fast ratio of pw" grep -qF '<td class="n">2.00</td><td class="n">0.50</td><td class="n">0.25</td>' p.html
check "network total of the CSV" grep -qF '<td><b>total</b></td><td>network</td><td class="n">22.0</td><td class="n">39.0</td><td class="n">6.0</td><td class="n">11.0</td><td class="n">1.77</td><td class="n">0.27</td><td class="n">0.50</td>' p.html
# A CSV of the older seven-column format (before onednn_fast_us) is still read.
peers_page p1 'layer,kind,mmac,default_us,best_us,xnnpack_us,onednn_us' \
  'dw,depthwise,0.0216,20.0,10.0,15.0,' 'pw,pointwise,0.0384,30.0,12.0,24.0,6.0'
check "older CSV: network total, no fast oneDNN" grep -qF '<td><b>total</b></td><td>network</td><td class="n">22.0</td><td class="n">39.0</td><td class="n">6.0</td><td class="n">-</td><td class="n">1.77</td><td class="n">0.27</td><td class="n">-</td>' p1.html

# Malformed CSVs: the file, the line and the field are named; no page is left.
bad() { # bad NAME EXPECTED-MESSAGE LINE...
  local name=$1 msg=$2
  shift 2
  printf '%s\n' "$@" > "$name.csv"
  "$TUNE" report --model tiny --configs configs --db t.db --html "$name.html" --peers "$name.csv" 2> "$name.err"
  check "$name: exit 1" [ $? -eq 1 ]
  check "$name: message" grep -qF "$msg" "$name.err"
  check "$name: no page" [ ! -e "$name.html" ]
  check "$name: no temporary page" [ ! -e "$name.html.tmp" ]
}
bad header "header.csv:1: expected the header 'layer,kind,mmac,default_us,best_us,xnnpack_us,onednn_us,onednn_fast_us' (bench/peers --csv) or the older 'layer,kind,mmac,default_us,best_us,xnnpack_us,onednn_us'" \
  'layer,kind,best_us' 'dw,depthwise,1'
bad number "number.csv:3: field 'xnnpack_us': expected a non-negative number or nothing, got 'fast'" \
  'layer,kind,mmac,default_us,best_us,xnnpack_us,onednn_us' 'dw,depthwise,1,2,3,4,5' 'pw,pointwise,1,2,3,fast,5'
bad fields "fields.csv:2: expected 7 comma-separated fields" \
  'layer,kind,mmac,default_us,best_us,xnnpack_us,onednn_us' 'dw,depthwise,1,2,3'
bad fields8 "fields8.csv:3: expected 8 comma-separated fields" \
  'layer,kind,mmac,default_us,best_us,xnnpack_us,onednn_us,onednn_fast_us' \
  'dw,depthwise,1,2,3,4,5,6' 'pw,pointwise,1,2,3,4,5'
bad fast "fast.csv:2: field 'onednn_fast_us': expected a non-negative number or nothing, got '-1'" \
  'layer,kind,mmac,default_us,best_us,xnnpack_us,onednn_us,onednn_fast_us' 'dw,depthwise,1,2,3,4,5,-1'
bad kind "kind.csv:2: field 'kind': expected stem, depthwise or pointwise, got 'fc'" \
  'layer,kind,mmac,default_us,best_us,xnnpack_us,onednn_us' 'dw,fc,1,2,3,4,5'
"$TUNE" report --model tiny --configs configs --db t.db --html m.html --peers absent.csv 2> m.err
check "missing CSV: exit 1" [ $? -eq 1 ]
check "missing CSV: named" grep -q 'cannot read peers CSV absent.csv' m.err

# Bad use.
"$TUNE" report --model tiny --configs configs --db t.db 2> u1.err
check "no --html: usage error" [ $? -eq 2 ]
check "no --html: says so" grep -q 'give --html' u1.err
"$TUNE" report --model tiny --configs configs --db none.db --html n.html 2> u2.err
check "missing log: exit 1" [ $? -eq 1 ]
check "missing log: says so" grep -q 'no tuning log at none.db' u2.err
check "missing log: no page" [ ! -e n.html ]
"$TUNE" report --model tiny --configs configs --db t.db --html r.html --top 3 2> u3.err
check "foreign option: usage error" [ $? -eq 2 ]
"$TUNE" report --help > help.txt
check "--help names every option" grep -q -- '--peers PEERS.csv' help.txt
"$TUNE" report --model tiny --configs configs --db t.db --html /nonexistent-dir/r.html 2> w.err
check "unwritable page: exit 1" [ $? -eq 1 ]
check "unwritable page: named" grep -q 'cannot write /nonexistent-dir/r.html.tmp' w.err
finish

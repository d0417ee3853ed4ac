#!/usr/bin/env bash
# test_mobilenet.sh — the acceptance path: MobileNetV2 on the local host with one trial per
# workload (the baselines), then `tune query --json` answers for all 52 layers.
set -u
TUNE=$1
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d /tmp/qtune-mnv2-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
# The suite's shared artifact cache when there is one: another build tree may have built them.
"$TUNE" --model mobilenet_v2 --trials 1 --repeat 2 --cache-dir "${QT_TEST_CACHE_DIR:-cache}" > out.txt 2> err.txt
check "tune mobilenet_v2 exits 0" [ $? -eq 0 ]
check "default log ./tuning.db created" [ -f tuning.db ]
check "30 workloads measured" [ "$(sqlite3 tuning.db 'SELECT count(DISTINCT workload_id) FROM measurements')" -eq 30 ]
# Rows between the header line and the total line: one per layer.
check "table has 52 layer rows" [ "$(sed -n '/^layer /,/^total /p' out.txt | sed '1d;$d' | wc -l)" -eq 52 ]
check "table has the model total" grep -q '^total (mobilenet_v2 on host, 52 layers)' out.txt
"$TUNE" query --target host --model mobilenet_v2 --json > q.json
check "query exits 0" [ $? -eq 0 ]
check "52 entries with a config and time" python3 -c '
import json
d = json.load(open("q.json"))
assert len(d["layers"]) == 52, len(d["layers"])
for l in d["layers"]:
    assert l["config"] and l["median_us"] > 0 and l["workload"], l
'
finish

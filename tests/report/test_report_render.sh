#!/usr/bin/env bash
# test_report_render.sh — a `tune report` page rendered by headless Chromium (Debian's
# chromium, installed by scripts/install-deps.sh): it loads with no console message at all
# (the page has no script, so any is an error), the DOM Chromium built holds the sections and
# layers, and the screenshot is a PNG. The same check run on a copy of the page with a script
# error must fail, so a check that cannot fail would be caught here. Exit 77 (skipped) only
# when chromium is not installed.
set -u
TUNE=$1
SRC=$2
. "$SRC/tests/e2e/lib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  echo "chromium not installed (sh scripts/install-deps.sh installs it): skipped"
  exit 77
fi
work=$(mktemp -d /tmp/qtune-render-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
tiny_configs "$SRC"
# builds in the suite's shared artifact cache when there is one (not a test of the cache)
"$TUNE" --model tiny --configs configs --cache-dir "${QT_TEST_CACHE_DIR:-cache}" --repeat 2 --measure warm --min-repeat-ms 1 \
  --confirm 0 --trials 3 --db t.db > /dev/null 2>&1
check "tuning exits 0" [ $? -eq 0 ]
"$TUNE" report --model tiny --configs configs --db t.db --html r.html 2> /dev/null
check "report exits 0" [ $? -eq 0 ]

# chromium PAGE NAME: screenshot NAME.png, DOM NAME.dom, Chromium's log NAME.log.
chromium() {
  local flags=(--headless --no-sandbox --disable-gpu --user-data-dir="$work/profile-$2"
               --enable-logging=stderr --v=0)
  timeout 120 "$CHROMIUM" "${flags[@]}" --window-size=1280,2400 --screenshot="$work/$2.png" \
    "file://$work/$1" > /dev/null 2> "$2.log" &&
    timeout 120 "$CHROMIUM" "${flags[@]}" --dump-dom "file://$work/$1" > "$2.dom" 2>> "$2.log"
}
# Console messages (Chromium logs them as "...:CONSOLE:<line>] "<text>"") and uncaught errors.
console_clean() { ! grep -E ':CONSOLE[:(]|Uncaught' "$1.log"; }

chromium r.html good
check "chromium exits 0" [ $? -eq 0 ]
check "no console message" console_clean good
check "screenshot is a PNG" [ "$(head -c 8 good.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
check "the DOM holds the knobs section" grep -q 'id="knobs"' good.dom
check "the DOM holds layer dw" grep -q '<td>dw</td>' good.dom
check "the DOM holds layer pw" grep -q '<td>pw</td>' good.dom

# The check can fail: the same page with a script error.
sed 's|</body>|<script>notDefinedAnywhere();</script></body>|' r.html > broken.html
chromium broken.html broken
check "broken page: chromium still exits 0" [ $? -eq 0 ]
check "broken page: the console error is caught" grep -q 'Uncaught ReferenceError: notDefinedAnywhere' broken.log
if console_clean broken > /dev/null; then
  check "broken page: console_clean fails on it" false
else
  check "broken page: console_clean fails on it" true
fi
finish

#!/usr/bin/env bash
# nvmetrace report renders in headless Chromium with no console message, draws every chart
# (one latency histogram per opcode with a latency, one depth chart per submission queue, one
# timeline bar per command), lists the lint findings, and loads nothing from anywhere. A trace
# without commands gets a "Nothing to judge" banner.
# usage: test_report.sh NVMETRACE NVT-GEN-SCENARIO SAMPLES_DIR WORKDIR
set -uo pipefail
nvt=$1 gen=$2 samples=$3 work=$4/report
mkdir -p "$work"
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "chromium is not installed (scripts/install-deps.sh installs it): report rendering not tested"
  exit 77
fi

# render HTML -> DOM file + stderr log (+ screenshot)
render() {
  local html=$1 out=$2 profile
  profile=$(mktemp -d)
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
    --enable-logging=stderr --v=0 --virtual-time-budget=5000 --dump-dom "file://$html" \
    >"$out.dom" 2>"$out.log"
  local rc=$?
  rm -rf "$profile"
  return $rc
}

count() { grep -o -- "$1" "$2" | wc -l; }

report_case() { # NAME TRACE
  local name=$1 trace=$2 html=$work/$1.html db=$work/$1.db
  check "$name: report written" "$nvt" report "$trace" -o "$html"
  check "$name: index for expectations" "$nvt" index -q "$trace" -o "$db"
  check "$name: chromium ran" render "$html" "$work/$name"
  check "$name: page script finished" grep -q 'data-rendered="yes"' "$work/$name.dom"
  if grep -E ':CONSOLE|Uncaught' "$work/$name.log" >&2; then
    check "$name: no console message" false
  else
    check "$name: no console message" true
  fi
  local want got
  want=$(sqlite3 "$db" "SELECT count(*) FROM (SELECT 1 FROM commands WHERE latency_ns IS NOT NULL GROUP BY device, admin, opcode)")
  got=$(count '<svg[^>]*class="chart latency"' "$work/$name.dom")
  check "$name: $want latency histograms (got $got)" test "$got" -eq "$want" -a "$want" -gt 0
  check "$name: histogram bars drawn" test "$(count '<rect[^>]*class="bar"' "$work/$name.dom")" -gt 0
  want=$(sqlite3 "$db" "SELECT count(*) FROM (SELECT 1 FROM commands GROUP BY device, sqid)")
  got=$(count '<svg[^>]*class="chart depth"' "$work/$name.dom")
  check "$name: $want queue depth charts (got $got)" test "$got" -eq "$want"
  check "$name: depth drawn" test "$(count '<path[^>]*class="depth-line"' "$work/$name.dom")" -eq "$want"
  want=$(sqlite3 "$db" "SELECT min(count(*), 5000) FROM commands")
  got=$(count '<rect[^>]*class="cmd' "$work/$name.dom")
  check "$name: $want timeline bars (got $got)" test "$got" -eq "$want"
  check "$name: timeline present" grep -q 'id="timeline-svg"' "$work/$name.dom"
  want=$(sqlite3 "$db" "SELECT count(*) FROM findings")
  got=$(grep -c '^<tr class="\(error\|warning\|info\)"' "$html")
  check "$name: $want findings listed (got $got)" test "$got" -eq "$want"
  # self-contained: nothing to fetch (the SVG namespace URI is an identifier, not a fetch)
  if grep -nE 'https://|<link|src=|@import|url\(' "$html" >&2; then
    check "$name: self-contained" false
  else
    check "$name: self-contained" true
  fi
  check "$name: no http other than the SVG namespace" \
    test "$(grep -o 'http://[^"'"'"' ]*' "$html" | grep -cv '^http://www.w3.org/2000/svg$')" -eq 0
}

"$gen" "$work/clean.pcapng" clean
report_case clean "$work/clean.pcapng"
"$gen" "$work/findings.pcapng" bar0-too-small.fail
report_case findings "$work/findings.pcapng"
check "findings: rule shown with its citation" grep -q 'bar0-too-small</code>.*MLBAR' "$work/findings.html"
# a trace without events (one device, nothing else): the page still renders, without errors
"$nvt" convert -t NOTE "$work/clean.pcapng" -o "$work/empty.pcapng"
check "empty: report written" "$nvt" report "$work/empty.pcapng" -o "$work/empty.html"
check "empty: chromium ran" render "$work/empty.html" "$work/empty"
check "empty: page script finished" grep -q 'data-rendered="yes"' "$work/empty.dom"
check "empty: no console message" test "$(grep -cE ':CONSOLE|Uncaught' "$work/empty.log")" -eq 0
check "empty: the banner says there is nothing to judge" \
  grep -q '<p class="nothing" id="nothing">Nothing to judge: no NVMe commands in the trace. ' "$work/empty.dom"
"$nvt" report "$work/empty.pcapng" -o "$work/empty2.html" 2>"$work/empty.err"
check "empty: exit 0 (the page is written)" test $? -eq 0
check "empty: stderr says so" grep -qx "nvmetrace report: $work/empty.pcapng: nothing to judge: no NVMe commands in the trace (the report says so)" "$work/empty.err"
check "clean: no banner" test "$(grep -c 'class="nothing"' "$work/clean.html")" -eq 0
# the trace comment (a QEMU command line) whole, not cut at 255 bytes
"$gen" "$work/comment.pcapng" long-comment
check "comment: report written" "$nvt" report "$work/comment.pcapng" -o "$work/comment.html"
check "comment: all 600 bytes, to its last word" \
  grep -q "<p class=\"comment\">\(-device x \)\{59\}-nographic</p>" "$work/comment.html"
for s in "$samples"/*.pcapng.zst; do
  [ -e "$s" ] || continue
  report_case "$(basename "$s" .pcapng.zst)" "$s"
done

# errors: unreadable input, bad usage
"$nvt" report /nonexistent.pcapng -o "$work/x.html" 2>"$work/err.txt"
check "unreadable trace exits 1" test $? -eq 1
check "error names the file" grep -q /nonexistent.pcapng "$work/err.txt"
check "no partial report" test ! -e "$work/x.html"
"$nvt" report "$work/clean.pcapng" 2>/dev/null
check "missing -o exits 2" test $? -eq 2

done_tests

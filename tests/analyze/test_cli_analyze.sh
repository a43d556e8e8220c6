#!/usr/bin/env bash
# The analyze commands' exit statuses, error messages and output forms: index, lint, stats,
# diff (report: test_report.sh). usage: test_cli_analyze.sh NVMETRACE NVT-GEN-SCENARIO WORKDIR
set -uo pipefail
nvt=$1 gen=$2 work=$3/cli
rm -rf "$work"
mkdir -p "$work"
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"
status() { # status EXPECTED DESCRIPTION COMMAND... (output in $work/out, $work/err)
  local want=$1 what=$2; shift 2
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  check "$what: exit $want (got $got)" test "$got" -eq "$want"
}

"$gen" "$work/clean.pcapng" clean
"$gen" "$work/bad.pcapng" bar0-too-small.fail
"$gen" "$work/warn.pcapng" bar-write-while-decoding.fail
"$gen" "$work/b.pcapng" diff-b
"$gen" "$work/none.pcapng" no-commands
"$gen" "$work/nodev.pcapng" no-device
"$gen" "$work/warned.pcapng" import-warnings
"$gen" "$work/q91.pcapng" qemu-9.1
"$gen" "$work/q91i.pcapng" qemu-9.1-import
"$gen" "$work/q100.pcapng" qemu-10.0
"$gen" "$work/vendor.pcapng" vendor-opcode
"$gen" "$work/comment.pcapng" long-comment
printf 'not a trace at all, just some text that is long enough\n' >"$work/garbage.pcapng"
sqlite3 "$work/other.db" "CREATE TABLE t (x); INSERT INTO t VALUES (1);"

# index
status 0 "index" "$nvt" index "$work/clean.pcapng" -o "$work/clean.db"
check "index: summary line" grep -qE "^.*clean.db: [0-9]+ events, 32 commands \(0 without completion\), 0 orphan completions, 0 lint findings in " "$work/out"
check "index: the file is an index" test "$(sqlite3 "$work/clean.db" "SELECT version FROM schema_version")" = 1
status 1 "index of garbage" "$nvt" index "$work/garbage.pcapng" -o "$work/garbage.db"
check "index: error names the file" grep -q "garbage.pcapng" "$work/err"
check "index: nothing left behind" test -z "$(ls "$work" | grep garbage.db)"
status 2 "index without -o" "$nvt" index "$work/clean.pcapng"
status 2 "index, unknown option" "$nvt" index --frobnicate "$work/clean.pcapng" -o "$work/x.db"
status 0 "index --no-lint --events-index -q" "$nvt" index --no-lint --events-index -q "$work/bad.pcapng" -o "$work/bad.db"
check "index -q prints nothing" test ! -s "$work/out"
check "--no-lint: no findings" test "$(sqlite3 "$work/bad.db" "SELECT count(*) FROM findings")" = 0
check "--events-index: the index exists" test "$(sqlite3 "$work/bad.db" "SELECT count(*) FROM sqlite_master WHERE name = 'events_by_type'")" = 1

# lint
status 0 "lint clean" "$nvt" lint "$work/clean.pcapng"
check "lint clean: summary says what was checked" \
  grep -qx "0 errors, 0 warnings, 0 info in [0-9]* events over 32 commands, 51 register accesses" "$work/out"
check "lint clean: no NOT CHECKED line" test "$(grep -c "NOT CHECKED" "$work/out")" -eq 0

# never an empty success: nothing examined is not clean
status 4 "lint of a trace without commands" "$nvt" lint "$work/none.pcapng"
check "lint, no commands: summary" \
  grep -qx "0 errors, 0 warnings, 0 info in 29 events over 0 commands, 22 register accesses" "$work/out"
check "lint, no commands: NOT CHECKED" grep -qx "NOT CHECKED: no NVMe commands in the trace" "$work/out"
check "lint, no commands: on stderr, naming the file" \
  grep -qx "nvmetrace lint: $work/none.pcapng: nothing to check: no NVMe commands in the trace" "$work/err"
status 4 "lint of a trace without a device" "$nvt" lint "$work/nodev.pcapng"
check "lint, no device: NOT CHECKED" grep -qx "NOT CHECKED: no traced device in the trace" "$work/out"
status 4 "lint of an import with more warnings than records" "$nvt" lint "$work/warned.pcapng"
check "lint, importer warnings: NOT CHECKED" \
  grep -qx "NOT CHECKED: the importer skipped 100000 lines (malformed or unknown) and wrote 184 records" "$work/out"
# the real thing: a real QEMU 7.2 boot log whose lines after the first 300 are mangled (as a
# log in a format the importer does not know would be, issue 12); imported with --skip-bad
log=$(dirname "${BASH_SOURCE[0]}")/../import/data/boot-qemu-7.2.log.zst
{ zstd -dc "$log" | head -n 300
  zstd -dc "$log" | tail -n +301 | sed 's/^/## /'
} >"$work/mixed.log"
"$nvt" import qemu-log --skip-bad "$work/mixed.log" -o "$work/mixed.pcapng" >/dev/null 2>&1
status 4 "lint of a real import that skipped most lines" "$nvt" lint "$work/mixed.pcapng"
check "lint, real import: NOT CHECKED, with the importer's own counts" \
  grep -qE "^NOT CHECKED: the importer skipped [0-9]{4} lines \(malformed or unknown\) and wrote [0-9]{2} records$" "$work/out"
status 4 "lint --json of a trace without commands" "$nvt" lint --json "$work/none.pcapng"
check "lint --json: checked false, and why" \
  grep -q '"devices":1,"commands":0,"register_accesses":22,"checked":false,"not_checked_why":"no NVMe commands in the trace","errors":0,' "$work/out"
status 0 "lint --json of a clean trace" "$nvt" lint --json "$work/clean.pcapng"
check "lint --json: checked true" grep -q '"commands":32,"register_accesses":51,"checked":true,"not_checked_why":null,' "$work/out"
status 1 "lint with an error" "$nvt" lint -v "$work/bad.pcapng"
check "lint: finding line" grep -q "^.*bad.pcapng: event 6 (0000:00:04.0, +0.000000600 s): error: bar0-too-small: BAR0 is 8192 bytes" "$work/out"
check "lint -v: citation" grep -q "^    spec: NVMe Base 1.4 sec. 2.1.10 (MLBAR)" "$work/out"
status 0 "lint: a warning alone passes" "$nvt" lint "$work/warn.pcapng"
check "lint: the warning is shown" grep -q "warning: bar-write-while-decoding" "$work/out"
status 1 "lint --strict fails on a warning" "$nvt" lint --strict "$work/warn.pcapng"
status 0 "lint --disable" "$nvt" lint --disable bar0-too-small,cid-reuse "$work/bad.pcapng"
status 2 "lint --disable unknown rule" "$nvt" lint --disable no-such-rule "$work/bad.pcapng"
check "lint: names the unknown rule" grep -q "no-such-rule" "$work/err"
status 3 "lint of garbage" "$nvt" lint "$work/garbage.pcapng"
check "lint: error names the file" grep -q "garbage.pcapng" "$work/err"
status 1 "lint --json (an error: exit 1)" "$nvt" lint --json "$work/bad.pcapng"
check "lint --json: fields" grep -q '"findings":\[{"rule":"bar0-too-small","severity":"error","device":0,"bdf":"0000:00:04.0","event":6,' "$work/out"
status 0 "lint --rules" "$nvt" lint --rules
check "lint --rules: every rule" test "$(grep -cE '^[a-z0-9-]+ +(error|warning|info) ' "$work/out")" -eq 16

# stats
status 0 "stats of a trace" "$nvt" stats "$work/clean.pcapng"
cp "$work/out" "$work/stats-trace.txt"
status 0 "stats of its index" "$nvt" stats "$work/clean.db"
check "stats: trace and index agree" cmp -s "$work/out" "$work/stats-trace.txt"
check "stats: Read line" grep -qE "^0 +I/O +Read +17 +0 +0 " "$work/out"
check "stats: bytes from Identify Namespace" grep -q "from device: 17 commands, 136 blocks, 69632 bytes; to device: 8 commands, 64 blocks, 32768 bytes" "$work/out"
status 0 "stats --json" "$nvt" stats --json "$work/clean.db"
check "stats --json: totals" grep -q '^{"events":[0-9]*,"first_ns":[0-9]*,"last_ns":[0-9]*,"commands":32,"completions":32,' "$work/out"
status 1 "stats of garbage" "$nvt" stats "$work/garbage.pcapng"
check "stats: error names the file" grep -q "garbage.pcapng" "$work/err"
status 1 "stats of another sqlite database" "$nvt" stats "$work/other.db"
check "stats: says it is not an index" grep -q "not an nvmetrace index" "$work/err"
status 2 "stats, two traces" "$nvt" stats "$work/clean.pcapng" "$work/bad.pcapng"
check "stats of a clean trace: no WARNING" test "$(grep -c "^WARNING" "$work/stats-trace.txt")" -eq 0
status 0 "stats of a trace without commands (figures, exit 0)" "$nvt" stats "$work/none.pcapng"
check "stats, no commands: WARNING after the summary" \
  test "$(sed -n 2p "$work/out")" = "WARNING: nothing to measure: no NVMe commands in the trace"
check "stats, no commands: on stderr" \
  grep -qx "nvmetrace stats: $work/none.pcapng: nothing to measure: no NVMe commands in the trace" "$work/err"
status 0 "stats --json of an import with more warnings than records" "$nvt" stats --json "$work/warned.pcapng"
check "stats --json: measured false, and why" \
  grep -q '"devices":1,"register_accesses":51,"importer_warnings":100000,"measured":false,"not_measured_why":"the importer skipped 100000 lines (malformed or unknown) and wrote 184 records",' "$work/out"
status 0 "stats --json of a clean trace" "$nvt" stats --json "$work/clean.pcapng"
check "stats --json: measured true, no capture warnings" \
  grep -q '"importer_warnings":0,"measured":true,"not_measured_why":null,' "$work/out"
status 0 "stats: a vendor-specific admin opcode" "$nvt" stats "$work/vendor.pcapng"
check "stats: named Vendor specific (0xc5)" grep -qE "^0 +admin +Vendor specific \(0xc5\) +1 +0 +0 " "$work/out"
check "stats: no raw opcode rows" test "$(grep -c "opcode 0x" "$work/out")" -eq 0

# index: the comment whole, the vendor-specific name
status 0 "index of a trace with a 600-byte comment" "$nvt" index -q "$work/comment.pcapng" -o "$work/comment.db"
check "index: the comment stored whole (600 bytes, ends with its last word)" \
  test "$(sqlite3 "$work/comment.db" "SELECT length(value) || '|' || substr(value, -10) FROM trace WHERE key = 'comment'")" = "600|-nographic"
status 0 "index of a vendor-specific command" "$nvt" index -q "$work/vendor.pcapng" -o "$work/vendor.db"
check "index: commands.name Vendor specific (0xc5)" \
  test "$(sqlite3 "$work/vendor.db" "SELECT name FROM commands WHERE admin = 1 AND opcode = 197")" = "Vendor specific (0xc5)"

# diff
status 0 "diff of a trace with itself" "$nvt" diff "$work/clean.pcapng" "$work/clean.pcapng"
check "diff: says so" grep -qx "no behavioural divergence" "$work/out"
status 1 "diff of two devices" "$nvt" diff "$work/clean.pcapng" "$work/b.pcapng"
check "diff: first divergence" grep -qx "first divergence: config: MSI-X Message Control (0x42) Table Size: A 0x40, B 0x10" "$work/out"
check "diff: summary" grep -qx "7 divergences: config 1 bar 1 identify 1 completion 2 interrupt 2" "$work/out"
status 1 "diff --json" "$nvt" diff --json "$work/clean.pcapng" "$work/b.pcapng"
check "diff --json: totals" grep -q '"totals":{"device":0,"config":1,"bar":1,"register":0,"identify":1,"completion":2,"interrupt":2,"workload":0}' "$work/out"
status 3 "diff with garbage" "$nvt" diff "$work/clean.pcapng" "$work/garbage.pcapng"
check "diff: error names the file" grep -q "garbage.pcapng" "$work/err"
status 2 "diff with one trace" "$nvt" diff "$work/clean.pcapng"
status 4 "diff with a trace without commands" "$nvt" diff "$work/none.pcapng" "$work/clean.pcapng"
check "diff, no commands: NOT COMPARED" grep -qx "NOT COMPARED: A: no NVMe commands in the trace" "$work/out"
check "diff, no commands: never 'no behavioural divergence'" \
  test "$(grep -c "no behavioural divergence" "$work/out")" -eq 0
check "diff, no commands: on stderr" \
  grep -qx "nvmetrace diff: $work/none.pcapng: nothing to compare: no NVMe commands in the trace" "$work/err"
status 4 "diff with an import with more warnings than records (4 wins over 1)" \
  "$nvt" diff "$work/clean.pcapng" "$work/warned.pcapng"
check "diff, importer warnings: NOT COMPARED B" \
  grep -qx "NOT COMPARED: B: the importer skipped 100000 lines (malformed or unknown) and wrote 184 records" "$work/out"
status 4 "diff --json, nothing to compare" "$nvt" diff --json "$work/none.pcapng" "$work/clean.pcapng"
check "diff --json: compared false" \
  grep -q '"compared":false,"not_compared_a":"no NVMe commands in the trace","not_compared_b":null,' "$work/out"
status 3 "diff with a trace without a device" "$nvt" diff "$work/nodev.pcapng" "$work/clean.pcapng"
check "diff, no device: says so, naming the file" grep -q "nodev.pcapng: no device 0 in the trace" "$work/err"

# diff: the spec's names for what QEMU 10.0 changed (design.md), and nothing else
status 1 "diff QEMU 9.1 / 10.0" "$nvt" diff --max 0 "$work/q91.pcapng" "$work/q100.pcapng"
check "diff 9.1/10.0: exactly three divergences, named" test "$(grep '^  ' "$work/out")" = \
"  Device Capabilities (0x84) Extended Tag Field Supported: A 0, B 1 (events 5 / 5)
  CAP.CSS: No I/O Command Set Support: A 1, B 0 (events 21 / 21)
  Identify Namespace 1 NSFEAT: A 0x14 (20), B 0x34 (52) (events 43 / 43)"
check "diff 9.1/10.0: summary" grep -qx "3 divergences: config 1 register 1 identify 1" "$work/out"
# the same session as the tap and as the log importer record it: nothing diverges
status 0 "diff full fidelity / log import of one session" "$nvt" diff --max 0 "$work/q91.pcapng" "$work/q91i.pcapng"
check "diff tap/import: every command aligned" grep -qx "32 commands aligned by order and kind" "$work/out"
check "diff tap/import: no divergence" grep -qx "no behavioural divergence" "$work/out"
check "diff tap/import: what the import lacks, said, not compared" test "$(grep '^  ' "$work/out")" = \
"  controller register read values: A 5 known, B 0 known
  Identify Controller/Namespace data: A 2 captured, B 0 captured"
check "diff tap/import: PCI subsystem known from the import's config reads" \
  test "$(grep -c "PCI subsystem" "$work/out")" -eq 0
# a log import against full fidelity: config reads of unknown size meet the other side's by
# offset, named from the side that knows the register; what the import lacks is not compared
status 1 "diff log import 9.1 / full 10.0" "$nvt" diff --max 0 "$work/q91i.pcapng" "$work/q100.pcapng"
check "diff import/10.0: the one change the import can show, named" test "$(grep '^  ' "$work/out")" = \
"  controller register read values: A 0 known, B 5 known
  Identify Controller/Namespace data: A 0 captured, B 2 captured
  Device Capabilities (0x84) Extended Tag Field Supported: A 0, B 1 (events 5 / 5)"
check "diff import/10.0: summary" grep -qx "1 divergences: config 1" "$work/out"
status 0 "diff --json tap/import" "$nvt" diff --json "$work/q91.pcapng" "$work/q91i.pcapng"
check "diff --json: what one side lacks" \
  grep -q '"lacking":\[{"what":"controller register read values","a":"5 known","b":"0 known"},' "$work/out"
status 3 "diff, no such device" "$nvt" diff --device-b 4 "$work/clean.pcapng" "$work/b.pcapng"

# progress on a terminal (script(1) gives the command a pty)
if command -v script >/dev/null; then
  script -qec "'$nvt' index '$work/clean.pcapng' -o '$work/tty.db'" /dev/null >"$work/tty.txt" 2>&1
  check "index on a terminal: ends with its summary" grep -q "tty.db: .* events" "$work/tty.txt"
fi
"$nvt" index "$work/clean.pcapng" -o "$work/pipe.db" 2>"$work/pipe.err" >/dev/null
check "index into a pipe: no progress output" test ! -s "$work/pipe.err"

done_tests

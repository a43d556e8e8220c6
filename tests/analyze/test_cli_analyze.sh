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
check "lint clean: summary" grep -qx "0 errors, 0 warnings, 0 info in [0-9]* events" "$work/out"
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
check "lint --rules: every rule" test "$(grep -cE '^[a-z0-9-]+ +(error|warning|info) ' "$work/out")" -eq 17

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

# diff
status 0 "diff of a trace with itself" "$nvt" diff "$work/clean.pcapng" "$work/clean.pcapng"
check "diff: says so" grep -qx "no behavioural divergence" "$work/out"
status 1 "diff of two devices" "$nvt" diff "$work/clean.pcapng" "$work/b.pcapng"
check "diff: first divergence" grep -q "^first divergence: config: config 0x40 read #1 (4 bytes): A 0x00400011, B 0x00100011" "$work/out"
check "diff: summary" grep -qx "7 divergences: config 1 bar 1 identify 1 completion 2 interrupt 2" "$work/out"
status 1 "diff --json" "$nvt" diff --json "$work/clean.pcapng" "$work/b.pcapng"
check "diff --json: totals" grep -q '"totals":{"device":0,"config":1,"bar":1,"register":0,"identify":1,"completion":2,"interrupt":2,"workload":0}' "$work/out"
status 3 "diff with garbage" "$nvt" diff "$work/clean.pcapng" "$work/garbage.pcapng"
check "diff: error names the file" grep -q "garbage.pcapng" "$work/err"
status 2 "diff with one trace" "$nvt" diff "$work/clean.pcapng"
status 3 "diff, no such device" "$nvt" diff --device-b 4 "$work/clean.pcapng" "$work/b.pcapng"

# progress on a terminal (script(1) gives the command a pty)
if command -v script >/dev/null; then
  script -qec "'$nvt' index '$work/clean.pcapng' -o '$work/tty.db'" /dev/null >"$work/tty.txt" 2>&1
  check "index on a terminal: ends with its summary" grep -q "tty.db: .* events" "$work/tty.txt"
fi
"$nvt" index "$work/clean.pcapng" -o "$work/pipe.db" 2>"$work/pipe.err" >/dev/null
check "index into a pipe: no progress output" test ! -s "$work/pipe.err"

done_tests

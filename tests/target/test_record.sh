#!/usr/bin/env bash
# nvt-target-record drives the test NVMe model (libnvt-testnvme.so) with MSI-X and with INTx;
# the traces it writes are read back by the real CLI: `nvmetrace info` counts as many SQE
# fetches and CQE posts as the recorder's guest issued and consumed, interrupts, no drops;
# `nvmetrace dump` shows the boot, the deliberate errors and the shutdown; `nvmetrace lint`
# finds no error. Recording is deterministic (same seed, same events), and a model that refuses
# its arguments stops the recorder before any trace is written.
# usage: test_record.sh NVMETRACE NVT_TARGET_RECORD LIBNVT_TESTNVME
set -eu
nvt=$1
rec=$2
lib=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# field NAME LINE: the value after the word NAME in the recorder's summary line
field() { echo "$2" | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
# count TYPE FILE: the count of a type in `nvmetrace info`'s "by type" table (0 if absent)
count() { awk -v t="$1" '$1 == t { n = $2 } END { print n + 0 }' "$2"; }
expect_line() { # expect_line FIXED-STRING FILE
  grep -qF -- "$1" "$2" || fail "'$1' not in $2: $(head -c 1500 "$2")"
}

# check_trace TRACE ARGS...: records with ARGS, reads the trace back and checks it; prints the
# recorder's summary line and leaves info and dump in $tmp
check_trace() {
  local trace=$1
  shift
  local out
  out=$("$rec" --out "$trace" "$@" "$lib") || fail "nvt-target-record $* exited $?"
  [ -s "$trace" ] || fail "no trace at $trace"
  [ ! -e "$trace.ring" ] || fail "the capture ring $trace.ring was left behind"
  local events commands completions interrupts dropped
  events=$(field events "$out")
  commands=$(field commands "$out")
  completions=$(field completions "$out")
  interrupts=$(field interrupts "$out")
  dropped=$(field dropped "$out")
  [ -n "$events" ] && [ -n "$commands" ] || fail "no summary line from the recorder: $out"
  [ "$dropped" = 0 ] || fail "the recorder dropped $dropped events"
  [ "$interrupts" -gt 0 ] || fail "no interrupts: $out"

  "$nvt" info "$trace" >"$tmp/info" || fail "nvmetrace info $trace exited $?"
  expect_line "capture stats: recorded $events, dropped 0, ring overflows 0" "$tmp/info"
  expect_line "flags:         reconstructed 0, value unknown 0, truncated 0, recovered 0" "$tmp/info"
  expect_line "[0] 0000:00:04.0 nvme 1234:4e56 subsys 1234:0001 class 010802 (testnvme 1.0)" "$tmp/info"
  [ "$(count SUB "$tmp/info")" = "$commands" ] ||
    fail "$(count SUB "$tmp/info") SUBMISSION records, $commands commands issued"
  [ "$(count CPL "$tmp/info")" = "$completions" ] ||
    fail "$(count CPL "$tmp/info") COMPLETION records, $completions completions consumed"
  [ "$(count IRQ "$tmp/info")" = "$interrupts" ] && [ "$interrupts" -gt 0 ] ||
    fail "$(count IRQ "$tmp/info") INTERRUPT records, recorder counted $interrupts"
  [ "$(count BARMAP "$tmp/info")" = 1 ] || fail "BAR0 mapped $(count BARMAP "$tmp/info") times"
  # every command but the Asynchronous Event Request completes
  [ "$completions" = $((commands - 1)) ] || fail "$commands commands, $completions completions"

  "$nvt" dump "$trace" >"$tmp/dump" || fail "nvmetrace dump $trace exited $?"
  [ "$(grep -c '' "$tmp/dump")" = $((events + 1)) ] ||
    fail "dump has $(grep -c '' "$tmp/dump") lines for $events events and a statistics record"
  [ "$(grep -c ' CPL SQ=' "$tmp/dump")" = "$completions" ] || fail "dump: CPL lines"
  expect_line "STATE reset" "$tmp/dump"
  expect_line "CFG 0010 -> ffffc004 (4)" "$tmp/dump"
  expect_line "BAR0 map febf0000 size 4000 (64-bit)" "$tmp/dump"
  expect_line "STATE enable-failed value=00460001" "$tmp/dump"
  expect_line "STATE ready value=00000001" "$tmp/dump"
  expect_line "OPC=Identify NSID=0 prp1=400000 CNS=0x01 (Identify Controller)" "$tmp/dump"
  expect_line "STS=0x4102 (Invalid Queue Size)" "$tmp/dump"
  expect_line "STS=0x4080 (LBA Out of Range)" "$tmp/dump"
  expect_line "STS=0x400b (Invalid Namespace or Format)" "$tmp/dump"
  expect_line "STS=0x410c (Invalid Queue Deletion)" "$tmp/dump"
  expect_line "OPC=Write Zeroes NSID=1" "$tmp/dump"
  expect_line "STATE shutdown-done value=00000009" "$tmp/dump"
  grep -q "DMA-R gpa=[0-9a-f]*ff8 len=8 SQ=" "$tmp/dump" || fail "no chained PRP list read"

  # lint: nothing of error severity (nor anything else)
  "$nvt" lint "$trace" >"$tmp/lint" 2>&1 ||
    fail "nvmetrace lint $trace exited $?: $(head -c 2000 "$tmp/lint")"
  expect_line "0 errors, 0 warnings, 0 info in $((events + 1)) events" "$tmp/lint"
  echo "$out"
}

msix=$(check_trace "$tmp/msix.pcapng")
echo "MSI-X: $msix"
expect_line "MSIXCTL enable=1 fmask=0 size=8 ctrl=8007" "$tmp/dump"
expect_line "IRQ MSI-X vec=1 addr=fee01000 data=22" "$tmp/dump"
expect_line "MSIX vec=1 ctrl <- 00000001 (masked)" "$tmp/dump"
if grep -q "IRQ INTx" "$tmp/dump"; then fail "INTx interrupts with MSI-X enabled"; fi
[ "$(field ios "$msix")" = 200 ] || fail "ios: $msix"

intx=$(check_trace "$tmp/intx.pcapng.zst" --intx --queues 3 --ios 300 --seed 7)
echo "INTx:  $intx"
expect_line "(zstd," "$tmp/info"
expect_line "IRQ INTx assert" "$tmp/dump"
expect_line "IRQ INTx deassert" "$tmp/dump"
expect_line "REG 000c <- 00000001 (INTMS)" "$tmp/dump"
if grep -q "IRQ MSI-X\|MSIXCTL" "$tmp/dump"; then fail "MSI-X in an INTx recording"; fi
[ "$(field ios "$intx")" = 300 ] || fail "ios: $intx"
[ "$(grep -c 'IRQ INTx assert' "$tmp/dump")" = "$(grep -c 'IRQ INTx deassert' "$tmp/dump")" ] ||
  fail "INTx asserted and deasserted a different number of times"

# deterministic: the same seed gives the same events (timestamps apart), another seed not
"$rec" --out "$tmp/a.pcapng" --seed 5 --ios 100 "$lib" >/dev/null
"$rec" --out "$tmp/b.pcapng" --seed 5 --ios 100 "$lib" >/dev/null
"$rec" --out "$tmp/c.pcapng" --seed 6 --ios 100 "$lib" >/dev/null
for t in a b c; do
  "$nvt" dump "$tmp/$t.pcapng" | sed -E 's/^(\[ *[0-9]+\]) [0-9]+\.[0-9]+ /\1 /' >"$tmp/$t.dump"
done
cmp -s "$tmp/a.dump" "$tmp/b.dump" ||
  fail "two recordings with seed 5 differ: $(diff "$tmp/a.dump" "$tmp/b.dump" | head -5)"
if cmp -s "$tmp/a.dump" "$tmp/c.dump"; then fail "seeds 5 and 6 gave the same recording"; fi

# a model that refuses its arguments: the recorder says why and writes nothing
if "$rec" --out "$tmp/bogus.pcapng" --args bogus=1 "$lib" >"$tmp/out" 2>"$tmp/err"; then
  fail "nvt-target-record --args bogus=1 exited 0"
fi
expect_line "refused to create a device (args 'bogus=1'): unknown argument 'bogus=1'" "$tmp/err"
[ ! -e "$tmp/bogus.pcapng" ] || fail "a trace was written for a device never created"
if "$rec" --out "$tmp/x.pcapng" --queues 0 "$lib" 2>"$tmp/err"; then fail "--queues 0 accepted"; fi
expect_line "--queues takes 1.." "$tmp/err"
echo "target.record: all checks passed"

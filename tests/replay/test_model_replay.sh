#!/bin/bash
# In-process replay of traces recorded through libnvmetap: tests/target's recorder drives the
# test NVMe model (PCI enumeration, MSI-X or INTx, controller bring-up, Identify, I/O queues,
# PRP1/PRP2/PRP-list reads and writes, flush, write zeroes, error paths, shutdown) and records
# every stage; `nvmetrace replay --target lib:` drives each trace back into a fresh model.
#   - both traces replay clean, every output compared, and twice give the same report;
#   - the same traces against the model with a defect: a wrong Flush status is caught at each
#     Flush CQE; a NULL dereference on Create I/O CQ with size 0 is a crash at that command's
#     doorbell, and minimize keeps it with the controller setup only.
# usage: test_model_replay.sh NVMETRACE RECORDER MODEL SRC_DIR
set -u
nvmetrace=$1 record=$2 model=$3 src=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/replay/lib.sh"

"$record" --out "$tmp/msix.pcapng" --ios 300 --seed 7 "$model" >"$tmp/rec1" 2>&1 &&
"$record" --out "$tmp/intx.pcapng.zst" --ios 100 --seed 8 --intx "$model" >"$tmp/rec2" 2>&1 ||
  { bad "recording failed: $(cat "$tmp/rec1" "$tmp/rec2")"; finish; exit 1; }

for t in msix.pcapng intx.pcapng.zst; do
  expect_rc 0 "$nvmetrace" replay --target "lib:$model" "$tmp/$t"
  expect_grep "result: clean" "$tmp/out"
  expect_grep "accelerator in-process" "$tmp/out"
  cp "$tmp/out" "$tmp/$t.first"
  events=$("$nvmetrace" info "$tmp/$t" | awk '/^events:/ {print $2; exit}')
  line=$(grep '^events ' "$tmp/out")
  # every event counted, none left not comparable, hundreds of outputs compared
  [[ "$line" == "events $events, "* ]] && ok || bad "$t: '$line' does not count $events events"
  compared=$(sed -n 's/.*outputs compared \([0-9]*\).*/\1/p' <<<"$line")
  [ "${compared:-0}" -gt 500 ] && ok || bad "$t: only ${compared:-0} outputs compared"
  # ... except the one SMART / Health log's counters and times (docs/replay.md): its data
  # units and commands are "no data", its busy time and power-on hours masked as time
  expect_grep "not comparable 1 (no data 1), divergences 0" "$tmp/out"
  expect_grep "time-dependent values masked 1" "$tmp/out"
  expect_rc 0 "$nvmetrace" replay --target "lib:$model" "$tmp/$t"
  cmp -s "$tmp/out" "$tmp/$t.first" && ok || bad "$t: two replays differ"
done

# The INTx trace has interrupts of the INTx kind only, and they were compared.
"$nvmetrace" dump "$tmp/intx.pcapng.zst" >"$tmp/intx.dump"
grep -q 'INTx' "$tmp/intx.dump" && ok || bad "no INTx interrupt in the INTx trace"

# A defect: every Flush completes with Invalid Field.
flushes=$("$nvmetrace" dump "$tmp/msix.pcapng" | grep -c 'OPC=Flush' || true)
[ "$flushes" -gt 0 ] && ok || bad "the workload issued no Flush"
expect_rc 1 "$nvmetrace" replay --target "lib:$model" --target-args bug=flush-status \
  --max-divergences 0 "$tmp/msix.pcapng"
expect_grep "result: diverged" "$tmp/out"
cqe_divs=$(grep -c '^divergence at event [0-9]*: CQE on CQ [0-9]* slot [0-9]* (from byte' "$tmp/out" || true)
[ "$cqe_divs" -eq "$flushes" ] && ok || bad "$cqe_divs CQE divergences for $flushes Flush commands: $(head -c 1500 "$tmp/out")"

# Completion order is the device's: the model posting each run()'s completions in reverse
# (order=reverse; batches of up to 8 commands per doorbell) replays clean by default, every
# swapped CQE counted; --strict-order keeps slot-by-slot comparison and reports each of them.
expect_rc 0 "$nvmetrace" replay --target "lib:$model" --target-args order=reverse "$tmp/msix.pcapng"
expect_grep "result: clean" "$tmp/out"
reordered=$(sed -n 's/^reordered completions \([0-9]*\),.*/\1/p' "$tmp/out")
[ "${reordered:-0}" -gt 100 ] && ok || bad "only ${reordered:-0} reordered completions counted: $(cat "$tmp/out")"
expect_grep "not comparable 1 (no data 1), divergences 0" "$tmp/out"
expect_rc 1 "$nvmetrace" replay --target "lib:$model" --target-args order=reverse --strict-order \
  --max-divergences 0 "$tmp/msix.pcapng"
strict=$(grep -c '^divergence at event [0-9]*: CQE on CQ [0-9]* slot [0-9]* (from byte' "$tmp/out" || true)
[ "$strict" -eq "$reordered" ] && ok || bad "--strict-order: $strict CQE divergences for $reordered reordered completions"
expect_grep "reordered completions 0," "$tmp/out"
# ... a wrong status is still a divergence, at each Flush, whatever slot it landed in ...
expect_rc 1 "$nvmetrace" replay --target "lib:$model" --target-args order=reverse,bug=flush-status \
  --max-divergences 0 "$tmp/msix.pcapng"
wrong=$(grep -c '^divergence at event [0-9]*: CQE on CQ [0-9]* slot [0-9]* (from byte 10)' "$tmp/out" || true)
all=$(grep -c '^divergence at event' "$tmp/out" || true)
[ "$wrong" -eq "$flushes" ] && [ "$all" -eq "$flushes" ] && ok ||
  bad "$wrong status divergences ($all in all) for $flushes Flush commands: $(head -c 1500 "$tmp/out")"
# ... and a completion never posted is missing: the first divergence is the first Flush's CQE.
expect_rc 1 "$nvmetrace" replay --target "lib:$model" --target-args order=reverse,bug=flush-lost \
  "$tmp/msix.pcapng"
first=$(grep -m1 'OPC=Flush' "$tmp/msix.dump" 2>/dev/null || "$nvmetrace" dump "$tmp/msix.pcapng" | grep -m1 'OPC=Flush')
sqcid=$(sed -n 's/.* \(SQ=[0-9]* CID=[0-9a-f]*\) .*/\1/p' <<<"$first")
grep -m1 -A1 '^divergence' "$tmp/out" >"$tmp/first"
expect_grep ": missing CQE" "$tmp/first"
expect_grep "expected: CPL $sqcid " "$tmp/first"

# A crash: Create I/O CQ with qsize 0 dereferences NULL in the defective model.
expect_rc 3 "$nvmetrace" replay --target "lib:$model" --target-args bug=crash-qsize0 "$tmp/msix.pcapng"
expect_grep "crash: the target died at event" "$tmp/out"
expect_grep "SEGV" "$tmp/out"
at=$(sed -n 's/^crash: the target died at event \([0-9]*\).*/\1/p' "$tmp/out")
"$nvmetrace" dump "$tmp/msix.pcapng" >"$tmp/msix.dump"
# the event it died at is the admin SQ tail doorbell that submitted the bad Create I/O CQ
grep -qE "^\[ *$at\] .* (DB SQ0T|REG 1000 <-)" "$tmp/msix.dump" && ok ||
  bad "crash at event $at is not an admin SQ doorbell: $(grep -E "^\[ *$at\] " "$tmp/msix.dump")"

expect_rc 0 "$nvmetrace" minimize --quiet --target "lib:$model" --target-args bug=crash-qsize0 \
  "$tmp/msix.pcapng" -o "$tmp/min.pcapng"
after=$(sed -n 's/^events: [0-9]* -> \([0-9]*\).*/\1/p' "$tmp/out")
[ -n "$after" ] && [ "$after" -lt 200 ] && ok || bad "minimize left ${after:-?} events: $(cat "$tmp/out")"
expect_rc 3 "$nvmetrace" replay --target "lib:$model" --target-args bug=crash-qsize0 "$tmp/min.pcapng"
expect_grep "SEGV" "$tmp/out"
finish

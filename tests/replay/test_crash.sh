#!/usr/bin/env bash
# A real QEMU NVMe crash: QEMU 7.2.22 built from Debian's source with the fix for QEMU issue
# #362 reverted (scripts/qemu/build-qemu.sh crash pmrctl-no-pmr; samples/crash/pmrctl-no-pmr).
# replay reports the crash with its event, signal and signature; minimize shrinks a real Linux
# boot with the crashing write appended back to the reproducer (setup kept by default, and
# down to the single write with --shrink-setup, whose export is samples/crash/.../reproducer.sh);
# the reproducer crashes the build and not Debian's QEMU; everything replays clean against
# Debian's QEMU. Skips (exit 77) when the crash build is not in the cache.
# The sample was recorded on QEMU 7.2: on another installed QEMU line it is replayed as
# rewritten to that line's known differences (the QEMU table; line_traces.sh).
# usage: test_crash.sh NVMETRACE QTEST_IMPORT SOURCE_DIR LINE_TOOL
set -u
nvt=$1
qimport=$2
src=$3
linetool=$4
crashq=$("$src/scripts/qemu/build-qemu.sh" --check crash pmrctl-no-pmr) || {
  echo "SKIP: no crash build in the cache (scripts/qemu/build-qemu.sh crash pmrctl-no-pmr)"
  exit 77
}
sample=$src/samples/crash/pmrctl-no-pmr
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/line_traces.sh"
boot=$tmp/boot-then-pmrctl.pcapng.zst
line_copy "$linetool" "$sample/boot-then-pmrctl.pcapng.zst" "$boot" || bad "line_copy failed"

# ---- replay reports the crash, the same way every time ----
expect_rc 3 "$nvt" replay --target "qemu:$crashq" "$boot"
expect_grep "nvmetrace crash build pmrctl-no-pmr), accelerator qtest" "$tmp/out"
expect_grep "crash: QEMU died at event 2706 (last event it answered: 2704)" "$tmp/out"
expect_grep "  signature: SIGSEGV" "$tmp/out"
expect_grep "events 2707, host actions 1462" "$tmp/out"
expect_grep "divergences 0" "$tmp/out"
expect_grep "result: crashed" "$tmp/out"
cp "$tmp/out" "$tmp/crash1"
expect_rc 3 "$nvt" replay --target "qemu:$crashq" "$boot"
if cmp -s "$tmp/crash1" "$tmp/out"; then ok; else bad "two crash reports differ"; fi
expect_rc 3 "$nvt" replay --target "qemu:$crashq" --json "$boot"
expect_grep '"crash":{"index":2706,"last_answered":2704,"hung":false,"signal":11,"exit_status":-1,"signature":"SIGSEGV"' "$tmp/out"
# Debian's QEMU has the fix: the same trace is clean.
expect_rc 0 "$nvt" replay "$boot"
expect_grep "result: clean" "$tmp/out"

# ---- minimize: setup kept ----
expect_rc 0 "$nvt" minimize --quiet --target "qemu:$crashq" "$boot" -o "$tmp/min.pcapng"
expect_grep "crash: SIGSEGV" "$tmp/out"
expect_grep "full trace: crashed in 3 of 3 runs" "$tmp/out"
expect_grep "events: 2707 -> 105 (3.9%), host actions: 1462 -> 87" "$tmp/out"
expect_grep "crash at event 104 of the minimized trace" "$tmp/out"
expect_rc 0 "$nvt" dump "$tmp/min.pcapng"
expect_grep "OPC=Create I/O Submission Queue" "$tmp/out"
expect_grep "OPC=Doorbell Buffer Config" "$tmp/out"
expect_grep "REG 0014 <- 00460061 (CC)" "$tmp/out"
expect_grep "REG 0e04 <- 00000001 (PMRCTL)" "$tmp/out"
if grep -q "OPC=Identify\|IO  SQ=" "$tmp/out"; then bad "the minimized trace still has Identify or I/O"; else ok; fi
expect_rc 3 "$nvt" replay --target "qemu:$crashq" "$tmp/min.pcapng"
expect_grep "crash: QEMU died at event 104" "$tmp/out"
expect_grep "  signature: SIGSEGV" "$tmp/out"
# Into Debian's QEMU it does not crash; minimize dropped every output, so nothing is compared.
expect_rc 5 "$nvt" replay "$tmp/min.pcapng"
expect_grep "result: nothing compared (no output of the target was compared)" "$tmp/out"

# ---- minimize --shrink-setup: back to the reproducer ----
expect_rc 0 "$nvt" minimize --quiet --shrink-setup --target "qemu:$crashq" "$boot" -o "$tmp/min1.pcapng"
expect_grep "events: 2707 -> 1 (0.0%), host actions: 1462 -> 1" "$tmp/out"
expect_rc 0 "$nvt" export qtest --shell "$tmp/min1.pcapng" -o "$tmp/repro.sh"
if cmp -s "$tmp/repro.sh" "$sample/reproducer.sh"; then ok; else
  bad "the reproducer differs from samples: $(diff "$sample/reproducer.sh" "$tmp/repro.sh" | head)"; fi

# ---- the reproducer script (bug-report form) ----
mkdir "$tmp/bin"
ln -s "$crashq" "$tmp/bin/qemu-system-x86_64"
PATH=$tmp/bin:$PATH timeout 30 sh "$sample/reproducer.sh" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 139 ]; then ok; else bad "reproducer on the crash build exited $rc, expected 139 (SIGSEGV)"; fi
expect_rc 0 "$qimport" "$sample/reproducer.sh" "$tmp/repro.pcapng"
expect_rc 3 "$nvt" replay --target "qemu:$crashq" "$tmp/repro.pcapng"
expect_grep "crash: QEMU died at event 3 (last event it answered: 2)" "$tmp/out"
expect_grep "  signature: SIGSEGV" "$tmp/out"
# Into Debian's QEMU it does not crash, but it holds no NVMe command and compares nothing:
# not "clean" (exit 5).
expect_rc 5 "$nvt" replay "$tmp/repro.pcapng"
expect_grep "result: nothing compared (the trace holds no NVMe command and no read value to compare)" "$tmp/out"

finish

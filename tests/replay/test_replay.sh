#!/usr/bin/env bash
# nvmetrace replay against Debian's QEMU 7.2: a full-fidelity synthetic trace whose every
# output was recorded from a real QEMU run (gen_replay_trace.c) replays clean and identically
# twice; one corrupted expectation of each kind is reported with its event index, expected and
# got values; the real Linux boot log (tests/import/data) replays with zero divergences; bad
# input, a missing QEMU and a QEMU that refuses its options, dies or hangs give clear errors
# and distinct exit codes, never a hang.
# The synthetic trace and the boot log are QEMU 7.2's: on another installed QEMU line they are
# replayed as rewritten to that line's known differences (the QEMU table; line_traces.sh).
# usage: test_replay.sh NVMETRACE GEN_REPLAY_TRACE FAKE_QEMU QTEST_IMPORT SOURCE_DIR LINE_TOOL
set -u
nvt=$1
gen_bin=$2
fake=$3
qimport=$4
src=$5
linetool=$6
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/line_traces.sh"
# gen TRACE DISK [OPTIONS]: the generator, its trace then made the installed QEMU line's.
gen() {
  "$gen_bin" "$@" || return 1
  line_copy "$linetool" "$1" "$1.line.pcapng" >"$tmp/line.txt" && mv "$1.line.pcapng" "$1"
}
gen="gen"
# Exactly one divergence, at event IDX, with this description, expected and got.
expect_divergence() { # expect_divergence KIND IDX WHAT EXPECTED GOT
  "$gen" "$tmp/w.pcapng" "$tmp/w.img" --wrong "$1" || bad "generator --wrong $1"
  expect_rc 1 "$nvt" replay --copy-disks --settle 500 "$tmp/w.pcapng"
  expect_grep "divergence at event $2: $3" "$tmp/out"
  expect_grep "  expected: $4" "$tmp/out"
  expect_grep "  got:      $5" "$tmp/out"
  expect_grep "divergences $6" "$tmp/out"
  expect_grep "result: diverged" "$tmp/out"
}

# ---- the synthetic trace replays clean, and the same every time ----
"$gen" "$tmp/g.pcapng" "$tmp/g.img" || bad "generator failed"
cat "$tmp/line.txt"
expect_rc 0 "$nvt" replay --copy-disks "$tmp/g.pcapng"
cp "$tmp/out" "$tmp/run1"
expect_grep "result: clean" "$tmp/out"
expect_grep "events 154, host actions 93, outputs compared 56, not comparable 0 (no data 0), divergences 0" "$tmp/out"
expect_grep "-device nvme,drive=d0,serial=nvtgen01,addr=04.0" "$tmp/out"
expect_grep "-drive file=DISKCOPY0,format=raw,id=d0,if=none" "$tmp/out"
expect_rc 0 "$nvt" replay --copy-disks "$tmp/g.pcapng"
if cmp -s "$tmp/run1" "$tmp/out"; then ok; else bad "two replays differ: $(diff "$tmp/run1" "$tmp/out" | head)"; fi
expect_rc 0 "$nvt" replay --copy-disks --json "$tmp/g.pcapng"
cp "$tmp/out" "$tmp/json1"
expect_grep '"result":"clean"' "$tmp/out"
expect_grep '"divergences":[]' "$tmp/out"
expect_rc 0 "$nvt" replay --copy-disks --json "$tmp/g.pcapng"
if cmp -s "$tmp/json1" "$tmp/out"; then ok; else bad "two JSON reports differ"; fi
# TCG with the vCPUs stopped: the fallback when QEMU has no qtest accelerator.
expect_rc 0 "$nvt" replay --copy-disks --accel tcg "$tmp/g.pcapng"
expect_grep "accelerator tcg -S" "$tmp/out"
expect_grep "result: clean" "$tmp/out"
# auto with no qtest module (an empty module folder, as on a fresh Debian): the first try
# fails, the retry with TCG reuses the first try's disk copy and notes (issue 19).
mkdir "$tmp/nomod"
expect_rc 0 "$nvt" replay --copy-disks --module-dir "$tmp/nomod" "$tmp/g.pcapng"
expect_grep "accelerator tcg -S" "$tmp/out"
expect_grep "-drive file=DISKCOPY0,format=raw,id=d0,if=none" "$tmp/out"
notes=$(grep -c "^note: target configured from the command line in the trace's comment" "$tmp/out")
[ "$notes" -eq 1 ] && ok || bad "the target-configuration note came $notes times: $(cat "$tmp/out")"

# ---- the line rewrite (nvt-qemu-line-trace): 7.2 to 10.0 changes exactly the table's values ----
"$gen_bin" "$tmp/l.pcapng" "$tmp/l.img" || bad "generator failed"
expect_rc 0 "$linetool" "$tmp/l.pcapng" "$tmp/l10.pcapng" --to "QEMU emulator version 10.0.13 (Debian 1:10.0.13+ds-0+deb13u1)"
expect_grep "recorded on QEMU 7.2 (line 7.2), replayed into 10.0 (line 10.0)" "$tmp/out"
expect_grep "CAP reads 1, DevCap Extended Tag reads 0, Identify Namespace NSFEAT 1, Security Receive status 0" "$tmp/out"
"$nvt" dump -x "$tmp/l.pcapng" >"$tmp/l.dump"
"$nvt" dump -x "$tmp/l10.pcapng" >"$tmp/l10.dump"
# CAP's dump line and its record bytes, and the NSFEAT byte of the Identify Namespace data
changed=$(diff "$tmp/l.dump" "$tmp/l10.dump" | grep -c '^>')
if [ "$changed" = 3 ]; then ok; else bad "the 10.0 rewrite changed $changed dump lines, expected 3"; fi
expect_grep "REG 0000 -> 004008200f0107ff (CAP)" "$tmp/l10.dump"
expect_grep "0040  34 07 00 03 1f 00 00 00" "$tmp/l10.dump"
expect_rc 0 "$linetool" "$tmp/l.pcapng" "$tmp/l72.pcapng" --to "QEMU 7.2.0"
expect_grep "same line of the QEMU table, copied unchanged" "$tmp/out"
"$nvt" dump -x "$tmp/l72.pcapng" >"$tmp/l72.dump"
if cmp -s "$tmp/l.dump" "$tmp/l72.dump"; then ok; else bad "the same-line copy differs"; fi
expect_rc 2 "$linetool" "$tmp/l.pcapng" "$tmp/lx.pcapng" --to "no version here"
expect_rc 1 "$linetool" "$tmp/l.img" "$tmp/lx.pcapng" --to "QEMU 10.0.0" # not a trace

# ---- every kind of output is compared: one wrong expectation each ----
expect_divergence csts 27 "MMIO read CSTS (BAR0+0x1c, 4 bytes)" 0x00000000 0x00000001 1
expect_divergence cfg 1 "config read 0x008 (4 bytes)" 0x01080203 0x01080202 1
expect_divergence cqe 93 "CQE on CQ 0 slot 5 (CID 0x0006)" \
  "00000000 00000000 06000000 06000100" "00000000 00000000 06000000 06000580" 1
expect_divergence identify 31 "DMA write 0x110000 (64 bytes compared, 1 differ)" \
  "+0x18: 58454d55 204e564d 65204374 726c2020" "+0x18: 51454d55 204e564d 65204374 726c2020" 1
expect_divergence data 137 "DMA write 0x233000 (64 bytes compared, 1 differ)" \
  "+0x5: 6c6e6f70" "+0x5: 6d6e6f70" 1
expect_divergence eventidx 147 "DMA write 0x141008 (4 bytes compared, 1 differ)" \
  "+0x0: 00000000" "+0x0: 05000000" 1
# An interrupt on the wrong vector: the expected one is missing. The one that came instead
# is on a vector the steps around it have: by default interrupts count per vector and step,
# so that one is "coalesced differently"; --strict-order reports it as unexpected too.
expect_divergence irq 126 "MSI-X interrupt, vector 0" "message to vector 0" \
  "no message by the time the step's completions were in" 1
expect_grep "interrupts coalesced differently 1," "$tmp/out"
expect_rc 1 "$nvt" replay --copy-disks --settle 500 --strict-order "$tmp/w.pcapng"
expect_grep "divergences 2" "$tmp/out"
expect_grep "divergence at event 126: MSI-X interrupt, vector 1" "$tmp/out"
expect_grep "  got:      message 0x00004022 to vector 1" "$tmp/out"

# ---- completion order is the device's: two Writes outstanding together ----
# The recording has their CQEs in submission order; QEMU 7.2 on a null-co disk posts them the
# other way round, every run. By default: matched by SQ and CID, counted, no divergence.
nullco="-drive driver=null-co,size=1048576,id=d0,if=none -device nvme,drive=d0,serial=nvtgen01,addr=04.0"
"$gen" "$tmp/p.pcapng" "$tmp/p.img" --wrong pair || bad "generator --wrong pair"
expect_rc 0 "$nvt" replay --qemu-args "$nullco" "$tmp/p.pcapng"
expect_grep "result: clean" "$tmp/out"
expect_grep "divergences 0" "$tmp/out"
expect_grep "reordered completions 2," "$tmp/out"
# --strict-order keeps slot-by-slot comparison: both CQEs diverge.
expect_rc 1 "$nvt" replay --qemu-args "$nullco" --strict-order "$tmp/p.pcapng"
expect_grep "divergences 2" "$tmp/out"
expect_grep "divergence at event 105: CQE on CQ 1 slot 0 (CID 0x0200)" "$tmp/out"
expect_grep "  got:      00000000 00000000 02000100 01020100" "$tmp/out"
# A wrong status is still a divergence, reported at its own command's record.
"$gen" "$tmp/p.pcapng" "$tmp/p.img" --wrong pair-status || bad "generator --wrong pair-status"
expect_rc 1 "$nvt" replay --qemu-args "$nullco" "$tmp/p.pcapng"
expect_grep "divergences 1" "$tmp/out"
expect_grep "divergence at event 106: CQE on CQ 1 slot 0 (CID 0x0201)" "$tmp/out"
expect_grep "  expected: 00000000 00000000 02000100 01020500" "$tmp/out"
# A completion never posted is missing, and reported without waiting out --settle: no command
# the target was given is left to complete.
"$gen" "$tmp/p.pcapng" "$tmp/p.img" --wrong pair-missing || bad "generator --wrong pair-missing"
start=$(date +%s%N)
expect_rc 1 "$nvt" replay --qemu-args "$nullco" --settle 20000 "$tmp/p.pcapng"
ms=$((($(date +%s%N) - start) / 1000000))
expect_grep "divergences 1" "$tmp/out"
expect_grep "divergence at event 107: CQE on CQ 1 slot 2 (CID 0x0202)" "$tmp/out"
expect_grep "no command the target was given is left to complete" "$tmp/out"
[ "$ms" -lt 15000 ] && ok || bad "the missing completion took $ms ms: the wait did not end on its condition"

# ---- outputs that depend on time, or on data the trace lacks ----
# Get Features Timestamp: masked by default and counted; --compare-time compares it.
"$gen" "$tmp/t.pcapng" "$tmp/t.img" --wrong time || bad "generator --wrong time"
expect_rc 0 "$nvt" replay --copy-disks "$tmp/t.pcapng"
expect_grep "result: clean" "$tmp/out"
expect_grep "time-dependent values masked 1" "$tmp/out"
expect_rc 1 "$nvt" replay --copy-disks --compare-time "$tmp/t.pcapng"
expect_grep "divergences 1" "$tmp/out"
expect_grep "divergence at event 100: DMA write 0x110000 (8 bytes compared, 7 differ)" "$tmp/out"
expect_grep "  expected: +0x0: 403a8bfb 9a010200" "$tmp/out"
# Into a null-co disk, the reads of the same trace (recorded from a real image) have no data
# to match: 7 transfers "not comparable (no data)", not divergences.
expect_rc 0 "$nvt" replay --qemu-args "$nullco" "$tmp/t.pcapng"
expect_grep "not comparable 7 (no data 7), divergences 0" "$tmp/out"
# A Compare recorded without its data (as a QEMU log import has it) that failed: its status
# depends on that data, so it is not comparable; everything else of its CQE is. On QEMU 7.2
# the target's status differs from the recording and is counted "not comparable (no data)"; on
# 10.0 (trixie, measured) it happens to match and is simply compared: never a divergence.
"$gen" "$tmp/c.pcapng" "$tmp/c.img" --wrong compare || bad "generator --wrong compare"
expect_rc 0 "$nvt" replay --qemu-args "$nullco" "$tmp/c.pcapng"
expect_grep "result: clean" "$tmp/out"
case $(qemu-system-x86_64 --version | head -n 1) in
  *"version 7.2."*) expect_grep "not comparable 1 (no data 1), divergences 0" "$tmp/out" ;;
  *) grep -Eq "not comparable [01] \(no data [01]\), divergences 0" "$tmp/out" ||
       bad "Compare without data on $(qemu-system-x86_64 --version | head -n 1): not 'not comparable 0 or 1, divergences 0'" ;;
esac

# ---- the real Linux 6.1 boot on QEMU 7.2 (QEMU log import) ----
boot=$src/tests/import/data/boot-qemu-7.2.log.zst
zstd -qdc "$boot" >"$tmp/boot.log" || bad "cannot unpack $boot"
expect_rc 0 "$nvt" import qemu-log "$tmp/boot.log" -o "$tmp/boot.pcapng"
line_copy "$linetool" "$tmp/boot.pcapng" "$tmp/boot.line.pcapng" 7.2 && mv "$tmp/boot.line.pcapng" "$tmp/boot.pcapng"
expect_rc 0 "$nvt" replay "$tmp/boot.pcapng"
expect_grep "result: clean" "$tmp/out"
expect_grep "divergences 0" "$tmp/out"
expect_grep "note: 288 SQEs rebuilt from reconstructed records" "$tmp/out"
cp "$tmp/out" "$tmp/boot1"
expect_rc 0 "$nvt" replay "$tmp/boot.pcapng"
if cmp -s "$tmp/boot1" "$tmp/out"; then ok; else bad "two boot replays differ"; fi

# ---- qtest scripts: export, run the export in QEMU, import it back, replay ----
expect_rc 0 "$nvt" export qtest --copy-disks "$tmp/g.pcapng" -o "$tmp/g.qtest"
args=$(sed -n 's/^nvmetrace export: run it with: qemu-system-x86_64 \(.*\) -qtest stdio < .*/\1/p' "$tmp/err")
expect_grep "-device nvme,drive=d0,serial=nvtgen01,addr=04.0" "$tmp/err"
lines=$(wc -l <"$tmp/g.qtest")
if [ "$lines" -gt 100 ]; then ok; else bad "export has only $lines lines"; fi
# Every command of the export is one QEMU accepts: one OK per line, nothing else. The module
# (if built) gives the qtest accelerator; otherwise TCG with the vCPUs stopped.
# (--check succeeds with no folder when the installed QEMU has the accelerator built in.)
if mod=$("$src/scripts/qemu/build-qemu.sh" --check qtest-module 2>/dev/null); then
  accel=(-machine q35,accel=qtest)
else
  mod="" accel=(-machine q35,accel=tcg -S)
fi
# shellcheck disable=SC2086
QEMU_MODULE_DIR=$mod timeout 20 qemu-system-x86_64 $args "${accel[@]}" -qtest stdio \
  -qtest-log none <"$tmp/g.qtest" >"$tmp/qemu.out" 2>"$tmp/qemu.err"
oks=$(grep -c '^OK' "$tmp/qemu.out")
if [ "$oks" -eq "$lines" ]; then ok; else bad "QEMU answered $oks OK of $lines: $(grep -v '^OK' "$tmp/qemu.out" | head -3) $(head -3 "$tmp/qemu.err")"; fi
expect_rc 0 "$qimport" "$tmp/g.qtest" "$tmp/back.pcapng"
# A qtest script holds no expected values: its replay drives everything and compares nothing,
# which is not "clean" (exit 5).
expect_rc 5 "$nvt" replay --qemu-args "-drive driver=null-co,size=1048576,read-zeroes=on,id=d0,if=none -device nvme,drive=d0,serial=nvtgen01,addr=04.0" "$tmp/back.pcapng"
expect_grep "result: nothing compared (the trace holds no NVMe command and no read value to compare)" "$tmp/out"
# The bug-report form, with its ARGS kept for the replay.
expect_rc 0 "$nvt" export qtest --shell "$tmp/g.pcapng" -o "$tmp/g.sh"
expect_grep "cat << EOF | qemu-system-x86_64 -machine q35,accel=qtest -nodefaults" "$tmp/g.sh"
expect_rc 0 "$qimport" "$tmp/g.sh" "$tmp/back2.pcapng"
expect_rc 5 "$nvt" replay "$tmp/back2.pcapng"
expect_grep "result: nothing compared" "$tmp/out"
expect_grep "-device nvme,drive=d0,serial=nvtgen01,addr=04.0" "$tmp/out"
expect_rc 0 "$nvt" export qtest "$tmp/back2.pcapng" -o "$tmp/g2.qtest"
expect_rc 0 "$nvt" export qtest "$tmp/g.pcapng" -o "$tmp/g1.qtest"
if cmp -s "$tmp/g1.qtest" "$tmp/g2.qtest"; then ok; else bad "export, import, export changed the script: $(diff "$tmp/g1.qtest" "$tmp/g2.qtest" | head -5)"; fi

# ---- bad input: clear errors, distinct exit codes ----
expect_rc 2 "$nvt" replay
expect_rc 2 "$nvt" replay --accel warp "$tmp/g.pcapng"
expect_rc 2 "$nvt" replay "$tmp/does-not-exist.pcapng"
printf 'not a trace' >"$tmp/junk.pcapng"
expect_rc 2 "$nvt" replay "$tmp/junk.pcapng"
# Missing setup: the trace starts after the queues were created.
expect_rc 0 "$nvt" convert --from +0.000100 "$tmp/g.pcapng" -o "$tmp/late.pcapng"
expect_rc 2 "$nvt" replay --copy-disks "$tmp/late.pcapng"
expect_grep "which the trace never created (missing setup" "$tmp/err"
# An address no target can have as RAM.
"$gen" "$tmp/h.pcapng" "$tmp/h.img" --wrong hole || bad "generator --wrong hole"
expect_rc 2 "$nvt" replay "$tmp/h.pcapng"
expect_grep "guest address 0xd0000000 is neither RAM" "$tmp/err"
# QEMU missing, QEMU refusing an option.
expect_rc 4 "$nvt" replay --target qemu:/nonexistent/qemu-system-x86_64 "$tmp/g.pcapng"
expect_grep "QEMU is missing or broken" "$tmp/err"
expect_rc 4 "$nvt" replay --copy-disks --add-args "-device no-such-device" "$tmp/g.pcapng"
expect_grep "'no-such-device' is not a valid device model name" "$tmp/err"
# A target that never connects, one that stops answering, one that dies: bounded waits.
start=$(date +%s)
NVT_FAKE_QEMU=noconnect expect_rc 4 "$nvt" replay --target "qemu:$fake" --timeout 1000 "$tmp/g.pcapng"
expect_grep "did not connect to its qtest socket within 1000 ms" "$tmp/err"
NVT_FAKE_QEMU="hang:writel 0xfebf0014 0x460001" expect_rc 3 "$nvt" replay --target "qemu:$fake" \
  --timeout 1000 "$tmp/g.pcapng"
expect_grep "crash: QEMU stopped answering at event 25" "$tmp/out"
expect_grep "signature: hang" "$tmp/out"
elapsed=$(( $(date +%s) - start ))
if [ "$elapsed" -lt 30 ]; then ok; else bad "hang handling took ${elapsed}s"; fi
NVT_FAKE_QEMU="segv:writel 0xfebf0014 0x460001" expect_rc 3 "$nvt" replay --target "qemu:$fake" "$tmp/g.pcapng"
expect_grep "crash: QEMU died at event 25 (last event it answered: 24)" "$tmp/out"
expect_grep "signature: SIGSEGV" "$tmp/out"
NVT_FAKE_QEMU="abort:writel 0xfebf0014 0x460001" expect_rc 3 "$nvt" replay --target "qemu:$fake" --json "$tmp/g.pcapng"
expect_grep '"signature":"SIGABRT: ERROR:../hw/nvme/ctrl.c:1234:nvme_fake: assertion failed: (sq->head != 0x?)"' "$tmp/out"
expect_grep '"index":25,"last_answered":24' "$tmp/out"
NVT_FAKE_QEMU="exit:writel 0xfebf0014 0x460001" expect_rc 3 "$nvt" replay --target "qemu:$fake" "$tmp/g.pcapng"
# Hex numbers are normalized in signatures (addresses change between builds and runs).
expect_grep "signature: exit 1: qemu-system-x86_64: fake failure at 'writel 0x? 0x?'" "$tmp/out"
expect_grep "    | qemu-system-x86_64: fake failure at 'writel 0xfebf0014 0x460001'" "$tmp/out"


# A RAM size beyond 64 bits in an imported script's QEMU arguments (-m 1e60) is not understood
# (no float-cast overflow): the replay gives QEMU its default RAM. The script's one read has no
# recorded value (qtest scripts carry none), so the replay compared nothing: exit 5, not clean.
printf '%s\n' 'cat << EOF | qemu-system-x86_64 -machine q35,accel=qtest -m 1e60 -nodefaults -drive file=null-co://,if=none,format=raw,id=d0 -device nvme,drive=d0,serial=1,addr=04.0 -qtest stdio' \
  'outl 0xcf8 0x80002010' 'outl 0xcfc 0xe0000000' 'outl 0xcf8 0x80002004' 'outw 0xcfc 0x7' \
  'readl 0xe000001c' 'EOF' >"$tmp/m.sh"
expect_rc 0 "$qimport" "$tmp/m.sh" "$tmp/m.pcapng"
expect_rc 5 "$nvt" replay "$tmp/m.pcapng"
expect_grep " -m 128M -drive file=null-co://" "$tmp/out"
expect_grep "result: nothing compared" "$tmp/out"

finish

#!/usr/bin/env bash
# samples/ci/replay-all.sh, the CI recipe: expectations met and not met, per-trace options and
# expectation files beside a trace or in a config folder, usage errors. The crash cases run
# only when the crash build of scripts/qemu/build-qemu.sh is in the cache.
# The samples were recorded on QEMU 7.2: on another installed QEMU line they are replayed as
# rewritten to that line's known differences (the QEMU table; tests/replay/line_traces.sh).
# usage: test_ci.sh NVMETRACE GEN_REPLAY_TRACE SOURCE_DIR LINE_TOOL
set -u
nvt=$1
gen=$2
src=$3
linetool=$4
all=$src/samples/ci/replay-all.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/line_traces.sh"

# The project's own samples replay as expected against the installed QEMU.
samples=$tmp/samples
(cd "$src/samples" && find boot crash -name '*.pcapng*') | while read -r t; do
  mkdir -p "$samples/$(dirname "$t")"
  case $t in
    *.pcapng|*.pcapng.zst) line_copy "$linetool" "$src/samples/$t" "$samples/$t" || echo "line_copy $t failed" >&2 ;;
    *) cp "$src/samples/$t" "$samples/$t" ;; # a .expect or .replay-args beside a sample
  esac
done | sort -u
expect_rc 0 "$all" --nvmetrace "$nvt" --config-dir "$src/samples/ci/config" "$samples"
expect_grep "PASS  clean     $samples/boot/linux-boot.pcapng.zst" "$tmp/out"
expect_grep "PASS  clean     $samples/crash/pmrctl-no-pmr/boot-then-pmrctl.pcapng.zst" "$tmp/out"
expect_grep "3 traces: 3 as expected, 0 not" "$tmp/out"

# A trace that diverges: a failure unless its .expect says so.
mkdir "$tmp/d"
"$gen" "$tmp/d/wrong.pcapng" "$tmp/d/disk.img" --wrong csts || bad "generator failed"
printf -- '--copy-disks\n' >"$tmp/d/wrong.pcapng.replay-args"
expect_rc 1 "$all" --nvmetrace "$nvt" "$tmp/d"
expect_grep "FAIL  diverged, expected clean: $tmp/d/wrong.pcapng" "$tmp/out"
expect_grep "      divergence at event 27: MMIO read CSTS (BAR0+0x1c, 4 bytes)" "$tmp/out"
expect_grep "1 traces: 0 as expected, 1 not" "$tmp/out"
echo diverged >"$tmp/d/wrong.pcapng.expect"
expect_rc 0 "$all" --nvmetrace "$nvt" --quiet "$tmp/d"
expect_grep "1 traces: 1 as expected, 0 not" "$tmp/out"
if grep -q PASS "$tmp/out"; then bad "--quiet printed passes"; else ok; fi

# A trace QEMU cannot even be started for fails whatever it expects.
expect_rc 1 "$all" --nvmetrace "$nvt" "$tmp/d" -- --target qemu:/nonexistent/qemu
expect_grep "FAIL  error (exit 4), expected diverged" "$tmp/out"

# Usage.
expect_rc 2 "$all" --nvmetrace "$nvt"
expect_rc 2 "$all" --nvmetrace "$nvt" "$tmp/no-such-folder"
mkdir "$tmp/empty"
expect_rc 2 "$all" --nvmetrace "$nvt" "$tmp/empty"

# Against the QEMU with the fix reverted, the crash sample crashes: a failure by default, as
# expected with an .expect in a config folder, and a failure for the wrong signature.
if crashq=$("$src/scripts/qemu/build-qemu.sh" --check crash pmrctl-no-pmr); then
  crash=$samples/crash/pmrctl-no-pmr/boot-then-pmrctl.pcapng.zst
  expect_rc 1 "$all" --nvmetrace "$nvt" "$crash" -- --target "qemu:$crashq"
  expect_grep "FAIL  crashed (SIGSEGV), expected clean: $crash" "$tmp/out"
  mkdir "$tmp/c"
  echo "crashed SIGSEGV" >"$tmp/c/boot-then-pmrctl.pcapng.zst.expect"
  expect_rc 0 "$all" --nvmetrace "$nvt" --config-dir "$tmp/c" "$crash" -- --target "qemu:$crashq"
  expect_grep "PASS  crashed   $crash" "$tmp/out"
  echo "crashed SIGABRT" >"$tmp/c/boot-then-pmrctl.pcapng.zst.expect"
  expect_rc 1 "$all" --nvmetrace "$nvt" --config-dir "$tmp/c" "$crash" -- --target "qemu:$crashq"
  expect_grep "FAIL  crashed (SIGSEGV), expected crashed (SIGABRT)" "$tmp/out"
else
  echo "note: crash build not in the cache; its cases not run"
fi

finish

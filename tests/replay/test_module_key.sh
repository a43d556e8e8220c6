#!/usr/bin/env bash
# The cached qtest module is loaded only into the QEMU it was built for: replay picks, among the
# cache's qtest-module-*/ folders, one whose BUILDINFO names the target binary's version string
# (`qemu-system-x86_64 --version`), never the newest of any version, and refuses a --module-dir
# built for another version. Uses the real module of `scripts/qemu/build-qemu.sh qtest-module`
# and Debian's QEMU; skips (77) without them.
# usage: test_module_key.sh NVMETRACE SOURCE_DIR QEMU_LINE_TRACE (the 7.2 boot sample is
# rewritten to the installed QEMU's line first: tests/replay/line_traces.sh)
set -u
nvt=$1
src=$2
mod=$("$src/scripts/qemu/build-qemu.sh" --check qtest-module) || {
  echo "SKIP: no qtest module in the cache (scripts/qemu/build-qemu.sh qtest-module)"
  exit 77
}
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: no qemu-system-x86_64"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/line_traces.sh"
trace=$tmp/linux-boot.pcapng.zst
line_copy "$3" "$src/samples/boot/linux-boot.pcapng.zst" "$trace" || {
  echo "FAILED: nvt-qemu-line-trace"; exit 1; }
banner=$(qemu-system-x86_64 --version | head -n1)

# A cache with the right module (older) and the same module file labelled for another QEMU
# (newer): the old rule, "the newest", would hand the 10.2-labelled one to Debian's 7.2.
mkdir -p "$tmp/cache/qtest-module-right" "$tmp/cache/qtest-module-other"
cp "$mod"/accel-qtest-x86_64.so "$mod"/BUILDINFO "$tmp/cache/qtest-module-right/"
touch -d '2020-01-01' "$tmp/cache/qtest-module-right/accel-qtest-x86_64.so"
cp "$mod"/accel-qtest-x86_64.so "$tmp/cache/qtest-module-other/"
echo "qemu 1:10.2.2+ds-1 'Debian 1:10.2.2+ds-1' built 2026-12-08T00:00:00Z in 1 s" \
  >"$tmp/cache/qtest-module-other/BUILDINFO"
NVT_QEMU_CACHE=$tmp/cache expect_rc 0 "$nvt" replay --accel qtest "$trace"
expect_grep "result: clean" "$tmp/out"

# Only the other version's module in the cache: none is loaded, so Debian's QEMU has no qtest
# accelerator (exit 4, its own message), and auto falls back to TCG stopped, still clean.
rm -rf "$tmp/cache/qtest-module-right"
NVT_QEMU_CACHE=$tmp/cache expect_rc 4 "$nvt" replay --accel qtest "$trace"
expect_grep "invalid accelerator qtest" "$tmp/err"
NVT_QEMU_CACHE=$tmp/cache expect_rc 0 "$nvt" replay "$trace"
expect_grep "result: clean" "$tmp/out"

# Named by the user but built for another QEMU: refused before QEMU starts, with both versions.
expect_rc 2 "$nvt" replay --module-dir "$tmp/cache/qtest-module-other" "$trace"
expect_grep "was built for another QEMU than qemu-system-x86_64 ($banner)" "$tmp/err"
NVT_QEMU_MODULE_DIR=$tmp/cache/qtest-module-other expect_rc 2 "$nvt" replay "$trace"
# ... and one without BUILDINFO (built by hand) is the user's word: used as given.
mkdir -p "$tmp/byhand" && cp "$mod"/accel-qtest-x86_64.so "$tmp/byhand/"
expect_rc 0 "$nvt" replay --accel qtest --module-dir "$tmp/byhand" "$trace"
expect_grep "result: clean" "$tmp/out"
finish

#!/usr/bin/env bash
# Log and trace on one full disk: `nvmetrace capture --log` onto a small tmpfs (mounted in a
# private mount namespace, so nothing stays mounted). The log copy stops while 1 MiB is still
# free, says so and which file, and the trace is whole; the case that used to leave a 0-byte
# trace (zstd trace, the log filling the disk first) now gives a complete trace; a trace alone
# on a disk too small for it fails naming the trace file and the reason.
# usage: test_full_disk.sh NVMETRACE SOURCE_DIR
set -u
nvt=$1
src=$2
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 is not installed"; exit 77; }
if ! unshare -m true 2>/dev/null; then echo "SKIP: cannot make a mount namespace (unshare -m)"; exit 77; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/replay/lib.sh"
mapfile -t qemu < <("$src/scripts/guest/qemu-cmd.sh" --workdir "$tmp/guest"; echo "status=$?")
status=${qemu[-1]#status=}
unset 'qemu[-1]'
[ "$status" = 0 ] || { echo "SKIP: no guest (qemu-cmd.sh: $status)"; exit 77; }
mkdir "$tmp/mnt"
# on_tmpfs SIZE TRACE [--log LOG]: capture onto a fresh tmpfs of SIZE; the files are copied
# out to $tmp/got/ and the exit status to $tmp/got/rc.
on_tmpfs() {
  local size=$1
  shift
  rm -rf "$tmp/got"
  mkdir "$tmp/got"
  unshare -m bash -c 'mount -t tmpfs -o size="$1" tmpfs "$2" || exit 99
    shift 2
    "$@" </dev/null >"'"$tmp"'/got/console" 2>"'"$tmp"'/got/err"
    echo $? >"'"$tmp"'/got/rc"
    cp -a "'"$tmp"'/mnt/." "'"$tmp"'/got/"' sh "$size" "$tmp/mnt" "$nvt" capture -q "$@" -- "${qemu[@]}"
  [ $? = 99 ] && { echo "SKIP: cannot mount a tmpfs"; exit 77; }
}

# ---- 1. the log copy fills the disk's spare room: it stops, the trace is whole ----
on_tmpfs 1200k -o "$tmp/mnt/t.pcapng" --log "$tmp/mnt/q.log"
[ "$(cat "$tmp/got/rc")" = 0 ] && ok || bad "capture exited $(cat "$tmp/got/rc"): $(cat "$tmp/got/err")"
expect_grep "nvmetrace capture: --log $tmp/mnt/q.log: No space left on device after" "$tmp/got/err"
expect_grep "the log copy stops there, the trace keeps the rest" "$tmp/got/err"
n=$(sed -n 's/.* after \([0-9]*\) bytes .*/\1/p' "$tmp/got/err")
[ -n "$n" ] && [ "$n" -gt 0 ] && [ "$(stat -c %s "$tmp/got/q.log")" = "$n" ] && ok ||
  bad "the log copy holds $(stat -c %s "$tmp/got/q.log" 2>&1) bytes, the message says '$n'"
expect_rc 0 "$nvt" info "$tmp/got/t.pcapng" # the whole trace, its final statistics included
events=$(sed -n 's/^events: *\([0-9]*\).*/\1/p' "$tmp/out")
[ -n "$events" ] && [ "$events" -gt 1000 ] && ok || bad "the trace holds '$events' events: $(head -c 600 "$tmp/out")"
# The log copy is the log's beginning: its first line is the first the trace imported from.
head -n 1 "$tmp/got/q.log" | grep -q '^[0-9]*@[0-9.]*:' && ok || bad "the log copy does not start with a log line"

# ---- 2. what used to leave a 0-byte trace: zstd trace, the log first to fill the disk ----
on_tmpfs 128k -o "$tmp/mnt/t.pcapng.zst" --log "$tmp/mnt/q.log"
[ "$(cat "$tmp/got/rc")" = 0 ] && ok || bad "capture (zstd) exited $(cat "$tmp/got/rc"): $(cat "$tmp/got/err")"
expect_grep "--log $tmp/mnt/q.log: No space left on device after 0 bytes" "$tmp/got/err"
expect_rc 0 "$nvt" info "$tmp/got/t.pcapng.zst"
events=$(sed -n 's/^events: *\([0-9]*\).*/\1/p' "$tmp/out")
[ -n "$events" ] && [ "$events" -gt 1000 ] && ok || bad "the zstd trace holds '$events' events"

# ---- 3. the trace alone does not fit: the error names the trace and the reason ----
on_tmpfs 64k -o "$tmp/mnt/t.pcapng"
[ "$(cat "$tmp/got/rc")" != 0 ] && ok || bad "a capture onto a full disk exited 0"
expect_grep "nvmetrace capture: $tmp/mnt/t.pcapng: offset" "$tmp/got/err"
expect_grep "No space left on device" "$tmp/got/err"
expect_grep "$tmp/mnt/t.pcapng may be incomplete" "$tmp/got/err"
[ "$(stat -c %s "$tmp/got/t.pcapng")" -gt 0 ] && ok || bad "nothing of the trace was kept"
finish

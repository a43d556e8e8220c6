#!/usr/bin/env bash
# Children die with their parent; temporary files do not outlive a crash. `nvmetrace replay`
# (against the real QEMU, with --copy-disks so a disk copy exists for the whole run) and
# `nvmetrace capture` (a real guest boot, held up) are killed with SIGKILL mid-run, several
# times at different points: no QEMU they started survives (found by the run folder's path,
# unique to this test, in QEMU's argv: -qtest unix:..., -D FIFO), and after the next run no
# entry of a killed process is left in the per-user run folder.
# usage: test_kill.sh NVMETRACE GEN_REPLAY_TRACE SOURCE_DIR QEMU_LINE_TRACE
# (the generated trace holds QEMU 7.2's values: QEMU_LINE_TRACE rewrites it to the installed
# QEMU's line, tests/replay/line_traces.sh, so its clean replay is checked on any line)
set -u
nvt=$1
gen=$2
src=$3
if ! command -v qemu-system-x86_64 >/dev/null; then
  echo "SKIP: qemu-system-x86_64 is not installed"
  exit 77
fi
tmp=$(mktemp -d)
run=$tmp/run # TMPDIR for nvmetrace: its run folder is $run/nvmetrace-UID
mkdir "$run"
. "$src/tests/replay/lib.sh"
# The processes whose argv holds this test's run folder (from /proc: no procps needed).
marked() {
  local c pid
  for c in $(grep -laF -- "$run/" /proc/[0-9]*/cmdline 2>/dev/null); do
    pid=${c#/proc/}
    pid=${pid%/cmdline}
    [ "$pid" != $$ ] && [ "$pid" != "$BASHPID" ] && echo "$pid"
  done
}
cleanup() {
  local p
  for p in $(marked); do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
base=$run/nvmetrace-$(id -u)
export TMPDIR=$run
unset XDG_RUNTIME_DIR

# Waits up to $1 hundredths of a second for a marked QEMU (one whose argv also names qemu).
wait_qemu() {
  local i p
  for ((i = 0; i < $1; i++)); do
    for p in $(marked); do
      grep -qa qemu-system "/proc/$p/cmdline" 2>/dev/null && return 0
    done
    sleep 0.01
  done
  return 1
}
# No marked process left within 3 s of the kill (PR_SET_PDEATHSIG acts at once; the margin is
# for a loaded machine).
expect_no_survivor() { # expect_no_survivor WHAT
  local i left
  for ((i = 0; i < 30; i++)); do
    left=$(marked)
    [ -z "$left" ] && { ok; return; }
    sleep 0.1
  done
  bad "$1: processes survived: $(for p in $left; do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done | head -c 600)"
}
# Entries of the run folder owned by PIDS (KIND-PID-XXXXXX).
entries_of() {
  local p
  for p in "$@"; do ls "$base" 2>/dev/null | grep -E "^[a-z]+-$p-" ; done
}

# ---- replay: SIGKILL at several points while its QEMU runs ----
"$gen" "$tmp/g72.pcapng" "$tmp/g.img" || bad "generator failed"
. "$src/tests/replay/line_traces.sh"
line_copy "$4" "$tmp/g72.pcapng" "$tmp/g.pcapng" || bad "nvt-qemu-line-trace failed"
zstd -qdc "$src/samples/boot/linux-boot.pcapng.zst" >"$tmp/boot.pcapng" || bad "cannot unpack the boot sample"
killed=()
for delay in 0 0.01 0.05 0.1 0.2 0.02; do
  trace=$tmp/boot.pcapng # 2706 events: QEMU runs for ~0.3 s
  case $delay in 0|0.01) trace=$tmp/g.pcapng ;; esac # 154 events and a disk copy
  "$nvt" replay --copy-disks --settle 2000 "$trace" >"$tmp/out" 2>&1 &
  pid=$!
  if wait_qemu 1000; then
    sleep "$delay"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    st=$?
    killed+=("$pid")
    expect_no_survivor "replay killed after QEMU started (+$delay s)"
    # A run killed while its QEMU ran (with --copy-disks) leaves its disk copy to the next run.
    if [ "$trace" = "$tmp/g.pcapng" ] && [ "$st" = 137 ]; then
      [ -n "$(entries_of "$pid" | grep '^disk-')" ] && ok || bad "no disk copy of the killed replay $pid: $(ls "$base")"
    fi
  else
    wait "$pid"
    bad "replay's QEMU never appeared: $(head -c 600 "$tmp/out")"
  fi
done
# The next run removes what the killed ones left.
expect_rc 0 "$nvt" replay --copy-disks "$tmp/g.pcapng"
expect_grep "result: clean" "$tmp/out"
left=$(entries_of "${killed[@]}")
[ -z "$left" ] && ok || bad "the next replay left the killed runs' files: $left"
[ -z "$(ls "$base")" ] && ok || bad "a clean replay left files in its run folder: $(ls "$base")"

# ---- capture: SIGKILL while the guest boots and while it is up ----
mapfile -t qemu < <("$src/scripts/guest/qemu-cmd.sh" --workdir "$tmp/guest" --hold; echo "status=$?")
status=${qemu[-1]#status=}
unset 'qemu[-1]'
if [ "$status" = 0 ]; then
  killed=()
  for delay in 0 0.5 2 4; do
    "$nvt" capture -q -o "$tmp/cap.pcapng" -- "${qemu[@]}" </dev/null >"$tmp/out" 2>&1 &
    pid=$!
    if wait_qemu 1000; then
      sleep "$delay"
      kill -KILL "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      killed+=("$pid")
      expect_no_survivor "capture killed after QEMU started (+$delay s)"
      # Its FIFO folder stays until the next run (which the next kill round is).
      [ "$(entries_of "$pid" | grep -c '^capture-')" = 1 ] && ok || bad "no FIFO folder of the killed capture $pid: $(ls "$base")"
    else
      wait "$pid"
      bad "capture's QEMU never appeared: $(head -c 600 "$tmp/out")"
    fi
  done
  # The next run (here one whose QEMU cannot be run) removes them.
  expect_rc 127 "$nvt" capture -q -o "$tmp/none.pcapng" -- "$tmp/no-such-qemu"
  expect_grep "cannot run $tmp/no-such-qemu" "$tmp/err"
  left=$(entries_of "${killed[@]}")
  [ -z "$left" ] && ok || bad "the next capture left the killed runs' folders: $left"
  [ -z "$(ls "$base")" ] && ok || bad "a failed capture left files in its run folder: $(ls "$base")"
else
  bad "qemu-cmd.sh failed ($status): no guest for the capture kills"
fi
finish

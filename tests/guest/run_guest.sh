#!/usr/bin/env bash
# One guest test: boot the test guest in QEMU under `nvmetrace capture`, then check the trace
# with check_guest_trace. Exit 77 (ctest SKIP_RETURN_CODE) only when QEMU or a guest kernel is
# not installed.
#
# usage: run_guest.sh CONFIG NVMETRACE CHECKER WORKDIR
#   boot      1 CPU, 1 namespace, the guest powers off
#   smp2-ns2  2 CPUs (two I/O queue pairs), nvme + 2 nvme-ns devices
#   sigint    the guest stays up; SIGINT to nvmetrace (as Ctrl-C) is passed to QEMU
#   crash     the guest stays up; QEMU is killed with SIGSEGV
set -uo pipefail
config=$1 nvt=$2 checker=$3 work=$4
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rm -rf "$work"
mkdir -p "$work"

smp=1 nns=1 hold=()
case $config in
  boot) ;;
  smp2-ns2) smp=2 nns=2 ;;
  sigint|crash) hold=(--hold) ;;
  *) echo "run_guest: unknown config $config" >&2; exit 2 ;;
esac

"$root/scripts/guest/qemu-cmd.sh" --workdir "$work" --smp "$smp" --namespaces "$nns" \
  "${hold[@]}" >"$work/qemu-cmd.txt"
status=$?
mapfile -t qemu <"$work/qemu-cmd.txt"
if [ "$status" = 2 ]; then
  echo "SKIP: QEMU or a guest kernel is not installed (scripts/install-deps.sh installs them)"
  exit 77
fi
[ "$status" = 0 ] || { echo "run_guest: qemu-cmd.sh failed ($status)" >&2; exit 1; }

trace=$work/trace.pcapng.zst
log=$work/qemu.log
console=$work/console.txt
echo "+ $nvt capture -o $trace --log $log -- ${qemu[*]}"
start=$(date +%s%N)
# timeout: a guest that hangs must fail the test, not the CI job
timeout -s KILL 300 "$nvt" capture -q -o "$trace" --log "$log" -- "${qemu[@]}" \
  </dev/null >"$console" 2>&1 &
cap=$!

child_of() { # child_of PID: the first child process of PID (from /proc: no procps needed)
  local st rest
  [ -n "$1" ] || return 0
  for st in /proc/[0-9]*/stat; do
    rest=$(cat "$st" 2>/dev/null) || continue
    rest=${rest##*) }            # after "pid (comm) ": state ppid ...
    set -- "$1" $rest
    if [ "$3" = "$1" ]; then
      st=${st#/proc/}
      echo "${st%/stat}"
      return 0
    fi
  done
}

wait_console() { # wait_console TEXT SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    grep -q "$1" "$console" && return 0
    kill -0 "$cap" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

case $config in
  sigint|crash)
    if ! wait_console "nvt-guest: holding" 240; then
      echo "run_guest: the guest never reached its workload's end" >&2
      cat "$console" >&2
      kill -KILL "$cap" 2>/dev/null
      exit 1
    fi
    # $cap is timeout(1); nvmetrace is its child and QEMU nvmetrace's.
    npid=$(child_of "$cap")
    qpid=$(child_of "$npid")
    if [ -z "$npid" ] || [ -z "$qpid" ]; then
      echo "run_guest: no nvmetrace/QEMU process under $cap" >&2
      exit 1
    fi
    if [ "$config" = sigint ]; then
      kill -INT "$npid"           # as Ctrl-C would; capture passes it on to QEMU
      expect_status=0             # QEMU exits 0 on SIGINT ("terminating on signal 2")
    else
      kill -SEGV "$qpid"
      expect_status=139           # 128 + SIGSEGV: capture exits with QEMU's status
    fi
    ;;
  *) expect_status=0 ;;
esac
wait "$cap"
status=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "capture exited with $status after $((ms / 1000)).$(printf %03d $((ms % 1000))) s"
sed 's/^/  console: /' "$console" | tail -n 12
fail=0
if [ "$status" != "$expect_status" ]; then
  echo "FAILED: capture exit status $status, expected $expect_status" >&2
  fail=1
fi
if [ "$config" = boot ] || [ "$config" = smp2-ns2 ]; then
  grep -q "nvt-guest: powering off" "$console" || { echo "FAILED: guest workload did not finish" >&2; fail=1; }
  grep -q "FAILED" "$console" && { echo "FAILED: the guest reported a failure" >&2; fail=1; }
fi
args=(--trace "$trace" --log "$log" --cpus "$smp" --namespaces "$nns"
      --qemu "$("${qemu[0]}" --version | head -n 1)")
[ ${#hold[@]} -gt 0 ] && args+=(--interrupted)
"$checker" "${args[@]}" || fail=1
exit $fail

#!/usr/bin/env bash
# One test of the tap shim inside a real QEMU: boot the test guest (scripts/guest/) under the
# QEMU that `scripts/qemu/build-qemu.sh tap` builds (samples/qemu/nvmetap-qemu-7.2.patch), with
# the nvme device's nvmetrace= property AND under `nvmetrace capture` (QEMU's trace log), so one
# boot gives both traces; check_tap_trace compares them.
#
# usage: run_tap.sh CONFIG NVMETRACE CHECKER WORKDIR [LINE]
#   LINE      the QEMU release line (build-qemu.sh --qemu LINE tap, nvmetap-qemu-LINE.patch);
#             default the installed QEMU's (7.2)
#   boot      1 CPU, 1 namespace, the guest powers off
#   smp2-ns2  2 CPUs, 2 namespaces (vCPU ids 0 and 1, two I/O queue pairs)
#   kill      QEMU (tracing to its own log file) is SIGKILLed while Linux probes the
#             controller; `nvmetrace recover` rebuilds the shim's trace from its crash ring,
#             which must hold what QEMU's log holds, imported with `nvmetrace import`
#   patch     the patch applies to the cached Debian source (dry run: no build needed)
# Exit 77 (ctest SKIP_RETURN_CODE) when the patched QEMU (or, for patch, the source) is not in
# the cache, or QEMU/a guest kernel is not installed; the message says how to get them.
# NVT_TAP_QEMU=PATH uses that patched binary instead of the cached build.
set -uo pipefail
config=$1 nvt=$2 checker=$3 work=$4 line=${5:-}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
build_qemu=$root/scripts/qemu/build-qemu.sh
cache=${NVT_QEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nvmetrace/qemu}
installed=$(qemu-system-x86_64 --version 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9]*\.[0-9]*\).*/\1/p')
line_args=() check_args=()
if [ -n "$line" ] && [ "$line" != "$installed" ]; then
  line_args=(--qemu "$line")
  check_args=(--line "$line")
  # QEMU 10.1+ logs: the importer may not read them yet (then the checker says so, loudly)
  case $line in 10.[1-9]|1[1-9].*) check_args+=(--allow-empty-import) ;; esac
fi
patchfile=$root/samples/qemu/nvmetap-qemu-${line:-$installed}.patch
rm -rf "$work"
mkdir -p "$work"

# The tap patch exists for some QEMU lines only (the QEMU table's tap_patch, nvmetrace/qemu.h):
# with another QEMU installed the tap tests of the installed line cannot run, and say so.
if [ ${#line_args[@]} -eq 0 ] && [ -z "${NVT_TAP_QEMU:-}" ] && banner=$(qemu-system-x86_64 --version 2>/dev/null | head -n1) &&
   [ -n "$banner" ]; then
  tap_patch=$("$nvt" qemu-versions --for "$banner" | sed -n 's/^tap_patch=//p')
  if [ -z "$tap_patch" ]; then
    echo "SKIP: no tap patch for the installed QEMU ('$banner'): its line of 'nvmetrace qemu-versions' has none (samples/qemu/ has one for QEMU 7.2)"
    exit 77
  fi
fi

if [ "$config" = patch ]; then
  # the source of the line: the installed package's, or the one build-qemu.sh fetched for LINE
  if [ ${#line_args[@]} -gt 0 ]; then
    srcver=$(cat "$cache/line-$line.srcver" 2>/dev/null)
  else
    srcver=$(dpkg-query -W -f '${source:Version}' qemu-system-x86 2>/dev/null)
  fi
  src=$cache/src-$srcver/tree
  if [ -z "$srcver" ] || [ ! -d "$src" ]; then
    echo "SKIP: no QEMU ${line:-$installed} source in the cache (scripts/qemu/build-qemu.sh ${line_args[*]} tap fetches it)"
    exit 77
  fi
  if ! out=$(patch -d "$src" -p1 --dry-run --batch --forward <"$patchfile" 2>&1); then
    echo "$out" >&2
    echo "FAILED: $patchfile does not apply to $src" >&2
    exit 1
  fi
  echo "$out" | grep -i "offset\|fuzz" >&2 && { echo "FAILED: $patchfile applies only with offsets or fuzz" >&2; exit 1; }
  echo "$(basename "$patchfile") applies to $src"
  exit 0
fi

smp=1 nns=1 hold=()
case $config in
  boot) ;;
  smp2-ns2) smp=2 nns=2 ;;
  kill) hold=(--hold) ;;
  *) echo "run_tap: unknown config $config" >&2; exit 2 ;;
esac
"$root/scripts/guest/qemu-cmd.sh" --workdir "$work" --smp "$smp" --namespaces "$nns" \
  "${hold[@]}" >"$work/qemu-cmd.txt"
status=$?
mapfile -t qemu <"$work/qemu-cmd.txt"
if [ "$status" = 2 ]; then
  echo "SKIP: QEMU or a guest kernel is not installed (scripts/install-deps.sh installs them)"
  exit 77
fi
[ "$status" = 0 ] || { echo "run_tap: qemu-cmd.sh failed ($status)" >&2; exit 1; }

# NVT_TAP_QEMU: a patched qemu-system-x86_64 built by hand (samples/qemu/README.md)
if [ -n "${NVT_TAP_QEMU:-}" ]; then
  patched=$NVT_TAP_QEMU
else
  patched=$("$build_qemu" --check "${line_args[@]}" tap)
  case $? in
    0) ;;
    3) echo "SKIP: no patched QEMU in the cache; build it with: scripts/qemu/build-qemu.sh ${line_args[*]} tap"
       exit 77 ;;
    *) echo "run_tap: build-qemu.sh --check tap failed" >&2; exit 1 ;;
  esac
fi

# The same guest on the patched binary, its controller traced by the shim.
shim=$work/shim.pcapng.zst imported=$work/imported.pcapng.zst
log=$work/qemu.log console=$work/console.txt
qemu[0]=$patched
traced=0
for i in "${!qemu[@]}"; do
  case ${qemu[$i]} in nvme,*) qemu[$i]+=",nvmetrace=$shim"; traced=$((traced + 1)) ;; esac
done
[ "$traced" = 1 ] || { echo "run_tap: expected one -device nvme,... in: ${qemu[*]}" >&2; exit 1; }
qemu+=(-pidfile "$work/qemu.pid")
fail=0
if [ "$config" = kill ]; then
  # QEMU writes its trace log itself here, to a plain file it flushes after every line (so
  # the file holds every line QEMU printed before it died), and the log is imported after.
  # The kill comes just after Linux enables the controller (the second start_success, after
  # SeaBIOS's): in the middle of its probe (Identify, queue creation, namespace scan).
  # tail -F follows the file through inotify, so the kill comes a millisecond or two later.
  echo "+ ${qemu[*]} -trace ... -D $log"
  timeout -s KILL 300 "${qemu[@]}" -trace 'pci_nvme_*' -trace 'pci_cfg_*' -trace 'msix_*' \
    -trace 'pci_update_mappings*' -msg timestamp=on -D "$log" </dev/null >"$console" 2>&1 &
  cap=$!
  exec 3< <(timeout 240 tail -n +1 -F "$log" 2>/dev/null)
  follower=$!
  awk '/:pci_nvme_mmio_start_success/ && ++n == 2 { exit }' <&3
  kill "$follower" 2>/dev/null # timeout(1) passes it on to tail
  exec 3<&-
  qpid=$(cat "$work/qemu.pid" 2>/dev/null)
  if [ -z "$qpid" ] || ! kill -0 "$cap" 2>/dev/null; then
    echo "run_tap: Linux never enabled the controller" >&2
    tail -n 20 "$console" >&2
    kill -KILL "$cap" 2>/dev/null
    exit 1
  fi
  kill -KILL "$qpid"
  expect_status=137 # 128 + SIGKILL, through timeout(1)
else
  echo "+ $nvt capture -o $imported --log $log -- ${qemu[*]}"
  # timeout: a guest that hangs must fail the test, not the CI job
  timeout -s KILL 300 "$nvt" capture -q -o "$imported" --log "$log" -- "${qemu[@]}" \
    </dev/null >"$console" 2>&1 &
  cap=$!
  expect_status=0
fi
wait "$cap"
status=$?
sed 's/^/  console: /' "$console" | tail -n 8
if [ "$status" != "$expect_status" ]; then
  if [ -n "${check_args[*]}" ] && [[ " ${check_args[*]} " = *" --allow-empty-import "* ]] &&
     grep -q "nvt-guest: powering off" "$console"; then
    # capture's importer refused QEMU's 10.1+ log: the shim's trace is still checked whole
    echo "NOTE: nvmetrace capture exited $status on a QEMU $line log (the log importer cannot read it yet)"
  else
    echo "FAILED: exit status $status, expected $expect_status" >&2
    fail=1
  fi
fi

args=(--shim "$shim" --imported "$imported" --cpus "$smp" "${check_args[@]}")
if [ "$config" = kill ]; then
  if [ ! -e "$shim.ring" ]; then
    echo "FAILED: no crash ring $shim.ring after the kill" >&2
    exit 1
  fi
  "$nvt" recover "$shim" || { echo "FAILED: nvmetrace recover $shim" >&2; exit 1; }
  "$nvt" import qemu-log "$log" -o "$imported" ||
    { echo "FAILED: nvmetrace import qemu-log $log" >&2; exit 1; }
  args+=(--killed)
else
  grep -q "nvt-guest: powering off" "$console" || { echo "FAILED: guest workload did not finish" >&2; fail=1; }
  grep -q "FAILED" "$console" && { echo "FAILED: the guest reported a failure" >&2; fail=1; }
  # A clean exit closes the trace and deletes its crash ring.
  [ -e "$shim.ring" ] && { echo "FAILED: $shim.ring left after a clean exit" >&2; fail=1; }
fi
"$checker" "${args[@]}" || fail=1
exit $fail

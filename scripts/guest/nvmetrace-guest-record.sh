#!/bin/sh
# nvmetrace-guest-record: record the NVMe traffic of this machine from the guest's side, for
# `nvmetrace import linux-trace`. POSIX sh: runs on a bare busybox and on a full distribution.
#
# usage: nvmetrace-guest-record.sh [-e] [-m] [-o OUT] [-d BDF] [-l LOADCMD] [-r] [-- COMMAND...]
#   -e          nvme events (nvme_setup_cmd, nvme_complete_rq, nvme_sq, ...): the default
#   -m          mmiotrace instead of the events: every MMIO read/write of drivers that map their BARs while it runs
#               (the kernel takes all CPUs but one offline meanwhile). Only ioremaps made after
#               it starts are seen: load the driver with -l, or rebind it with -r.
#   -o OUT      the one file written (default nvmetrace-guest.txt; - = standard output)
#   -d BDF      the PCI function whose identity is copied (default: every NVMe-class function)
#   -l LOADCMD  run LOADCMD (e.g. "modprobe nvme" or "insmod nvme.ko") once tracing runs
#   -r          unbind the nvme driver from the device(s) and bind it again once tracing runs
#               (never on the disk your root filesystem is on)
#   -t          use trace-cmd even when tracefs is usable directly (default: trace-cmd only for
#               events and only if it is installed and -m is not given)
#   COMMAND     run it, then stop; without it, record until SIGINT or SIGTERM
# The file holds "# nvt-..." lines (kernel, each device's ids, BAR resources and config space
# from sysfs), then the trace text. Exit status: 0 recorded; 1 failure; 2 usage error.
set -u
events="" mmio="" out=nvmetrace-guest.txt only="" load="" rebind="" usetc=""
die() { echo "nvmetrace-guest-record: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case $1 in
    -e) events=1; shift ;;
    -m) mmio=1; shift ;;
    -o) [ $# -ge 2 ] || { echo "-o needs a file" >&2; exit 2; }; out=$2; shift 2 ;;
    -d) [ $# -ge 2 ] || { echo "-d needs a BDF" >&2; exit 2; }; only=$2; shift 2 ;;
    -l) [ $# -ge 2 ] || { echo "-l needs a command" >&2; exit 2; }; load=$2; shift 2 ;;
    -r) rebind=1; shift ;;
    -t) usetc=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    --) shift; break ;;
    -*) echo "nvmetrace-guest-record: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ -n "$events$mmio" ] || events=1
# With mmiotrace as the tracer, the trace file prints only mmiotrace's lines (measured on 6.1).
[ -z "$events" ] || [ -z "$mmio" ] || {
  echo "nvmetrace-guest-record: -e and -m: mmiotrace's output leaves the events out; record them in another run" >&2
  exit 2; }

# tracefs: /sys/kernel/tracing (4.1+), or under debugfs on older kernels; mount it if needed.
T=""
for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
  [ -w "$d/tracing_on" ] && { T=$d; break; }
done
if [ -z "$T" ]; then
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null && T=/sys/kernel/tracing
fi
[ -n "$T" ] || die "no writable tracefs (run as root; CONFIG_FTRACE; mount -t tracefs nodev /sys/kernel/tracing)"

# The NVMe functions: class 0x0108xx.
devices() {
  for p in /sys/bus/pci/devices/*; do
    [ -r "$p/class" ] || continue
    b=${p##*/}
    if [ -n "$only" ]; then [ "$b" = "$only" ] && echo "$b"; continue; fi
    case $(cat "$p/class") in 0x0108*) echo "$b" ;; esac
  done
}

if [ -n "$events" ] && [ ! -d "$T/events/nvme" ]; then
  # The events exist once nvme-core is loaded; load it (not nvme) so probing comes later.
  command -v modprobe >/dev/null 2>&1 && modprobe nvme-core 2>/dev/null
  [ -d "$T/events/nvme" ] || die "$T/events/nvme missing: load nvme-core first (CONFIG_NVME_CORE)"
fi
if [ -n "$mmio" ]; then
  grep -qw mmiotrace "$T/available_tracers" || die "this kernel has no mmiotrace (CONFIG_MMIOTRACE)"
fi
[ -z "$usetc" ] || [ -z "$mmio" ] || die "-t (trace-cmd) records events only, not mmiotrace"
tc=""
if [ -n "$usetc" ] || { [ -z "$mmio" ] && command -v trace-cmd >/dev/null 2>&1; }; then
  command -v trace-cmd >/dev/null 2>&1 || die "-t: trace-cmd not installed"
  tc=1
fi

tmp=$(mktemp -d 2>/dev/null || { d=/tmp/nvt-guest.$$; mkdir -p "$d" && echo "$d"; }) || die "no temp dir"
stop_tracing() {
  echo 0 >"$T/tracing_on" 2>/dev/null
  [ -z "$mmio" ] || echo nop >"$T/current_tracer" 2>/dev/null
  [ -z "$events" ] || echo 0 >"$T/events/nvme/enable" 2>/dev/null
}
cleanup() { stop_tracing; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'stopped=1' INT TERM
stopped=""

# Start: tracer off and empty, then the events and/or mmiotrace, then on.
echo 0 >"$T/tracing_on"
echo nop >"$T/current_tracer"
echo >"$T/trace"
if [ -n "$tc" ]; then
  trace-cmd record -q -e nvme -o "$tmp/trace.dat" >/dev/null 2>"$tmp/tc.err" &
  tcpid=$!
  sleep 1 # trace-cmd enables the events before it starts reading
else
  [ -z "$events" ] || echo 1 >"$T/events/nvme/enable" || die "cannot enable events/nvme"
  [ -z "$mmio" ] || echo mmiotrace >"$T/current_tracer" || die "cannot start mmiotrace"
  echo 1 >"$T/tracing_on"
fi

if [ -n "$rebind" ]; then
  for b in $(devices); do
    [ -e "/sys/bus/pci/devices/$b/driver" ] && echo "$b" >"/sys/bus/pci/devices/$b/driver/unbind"
    echo "$b" >/sys/bus/pci/drivers/nvme/bind || echo "nvmetrace-guest-record: bind $b failed" >&2
  done
fi
[ -z "$load" ] || sh -c "$load" || echo "nvmetrace-guest-record: '$load' failed" >&2

status=0
if [ $# -gt 0 ]; then
  "$@"
  status=$?
else
  echo "nvmetrace-guest-record: recording; SIGINT or SIGTERM stops" >&2
  while [ -z "$stopped" ]; do sleep 1; done
fi

# Stop, then one file: identity lines first, the trace after.
if [ -n "$tc" ]; then
  kill -INT "$tcpid" 2>/dev/null
  wait "$tcpid"
  trace-cmd report -i "$tmp/trace.dat" >"$tmp/trace.txt" 2>>"$tmp/tc.err" || {
    cat "$tmp/tc.err" >&2; die "trace-cmd report failed"; }
else
  echo 0 >"$T/tracing_on"
  cat "$T/trace" >"$tmp/trace.txt" || die "cannot read $T/trace"
fi
{
  echo "# nvt-guest-record 1 kernel=$(uname -r) events=${events:-0} mmiotrace=${mmio:-0} trace-cmd=${tc:-0}"
  for b in $(devices); do
    p=/sys/bus/pci/devices/$b
    drv=""
    [ -e "$p/driver" ] && drv=$(basename "$(readlink "$p/driver")")
    echo "# nvt-pci $b vendor=$(cat $p/vendor) device=$(cat $p/device)" \
         "subvendor=$(cat $p/subsystem_vendor) subdevice=$(cat $p/subsystem_device)" \
         "class=$(cat $p/class) rev=$(cat $p/revision 2>/dev/null || echo 0) driver=${drv:-none}"
    i=0
    while read -r start end flags; do
      [ "$start" = 0x0000000000000000 ] || echo "# nvt-resource $b $i $start $end $flags"
      i=$((i + 1))
    done <"$p/resource"
    # As much of config space as sysfs lets this user read (256 bytes unless root).
    echo "# nvt-config $b $(od -An -v -tx1 "$p/config" | tr -d ' \n')"
  done
  # Which controller instance (nvme0, ...) is which function: the events name the instance.
  for c in /sys/class/nvme/nvme*; do
    [ -e "$c/device" ] && echo "# nvt-ctrl ${c##*/} $(basename "$(readlink "$c/device")")"
  done
  cat "$tmp/trace.txt"
  echo "# nvt-end status=$status"
} >"$tmp/out.txt"
if [ "$out" = - ]; then cat "$tmp/out.txt"; else cat "$tmp/out.txt" >"$out" || die "cannot write $out"; fi
[ $status -eq 0 ] || echo "nvmetrace-guest-record: the command exited with status $status" >&2
exit 0

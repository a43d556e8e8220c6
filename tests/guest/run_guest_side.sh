#!/usr/bin/env bash
# Guest-side test: one boot of the test guest recorded from both ends at once. The device side
# with `nvmetrace capture` (QEMU log importer), the guest side with
# scripts/guest/nvmetrace-guest-record.sh inside the guest (init-guest-record.sh as /init),
# written to a second serial port and extracted here. Then both are imported and compared:
# the commands Linux sent (SUB/CPL per queue) must be the same on both sides. Exit 77 (SKIP)
# only when QEMU or a guest kernel is not installed.
#
# usage: run_guest_side.sh MODE NVMETRACE WORKDIR [TSHARK_PLUGIN_DIR]
#   events   nvme events only
#   mmio     nvme events + mmiotrace (1 CPU)
set -uo pipefail
mode=$1 nvt=$2 work=$3 plugdir=${4:-}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rm -rf "$work"
mkdir -p "$work/overlay/bin"
fail() { echo "run_guest_side: FAIL: $*" >&2; exit 1; }

mapfile -t qemu < <("$root/scripts/guest/qemu-cmd.sh" --workdir "$work"; echo "status=$?")
status=${qemu[-1]#status=}
unset 'qemu[-1]'
if [ "$status" = 2 ]; then
  echo "SKIP: QEMU or a guest kernel is not installed (scripts/install-deps.sh installs them)"
  exit 77
fi
[ "$status" = 0 ] || fail "qemu-cmd.sh failed ($status)"

# The overlay: a second cpio after the standard one; the kernel unpacks both, later files win.
ov=$work/overlay
install -m 0755 "$root/scripts/guest/init-guest-record.sh" "$ov/init"
install -m 0755 "$root/scripts/guest/nvmetrace-guest-record.sh" "$ov/bin/nvmetrace-guest-record"
install -m 0755 "$root/scripts/guest/nvt-workload.sh" "$ov/bin/nvt-workload"
for a in od mktemp readlink basename uname rm kill wc; do ln -s busybox "$ov/bin/$a"; done
base=""
for ((i = 0; i < ${#qemu[@]}; i++)); do
  if [ "${qemu[i]}" = -initrd ]; then base=${qemu[i + 1]}; fi
done
[ -n "$base" ] || fail "no -initrd in the QEMU command"
initrd=$work/initrd-guest-record.cpio.gz
{ cat "$base"; (cd "$ov" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -9n); } >"$initrd"
for ((i = 0; i < ${#qemu[@]}; i++)); do
  [ "${qemu[i]}" = -initrd ] && qemu[i + 1]=$initrd
  if [ "${qemu[i]}" = -append ] && [ "$mode" = mmio ]; then qemu[i + 1]="${qemu[i + 1]} nvt.mmio"; fi
done
# The guest's record leaves through the second serial port.
# An explicit -serial for ttyS0 (the console): with an isa-serial -device QEMU adds no default one.
qemu+=(-serial mon:stdio -chardev "file,id=gtrace,path=$work/ttyS1.txt"
       -device "isa-serial,chardev=gtrace,index=1")

device=$work/device.pcapng
console=$work/console.txt
echo "+ $nvt capture -o $device -- ${qemu[*]}"
timeout -s KILL 300 "$nvt" capture -q -o "$device" -- "${qemu[@]}" </dev/null >"$console" 2>&1
rc=$?
[ $rc = 0 ] || { cat "$console" >&2; fail "capture exited $rc"; }
grep -q "nvt-guest: FAILED" "$console" && { cat "$console" >&2; fail "the guest's workload failed"; }
grep -q "nvt-guest: record written" "$console" || { cat "$console" >&2; fail "the guest wrote no record"; }
sed -n '/^=== nvt-guest-record begin/,/^=== nvt-guest-record end/p' "$work/ttyS1.txt" | tr -d '\r' \
  | sed '1d;$d' >"$work/guest.txt"
echo "guest record: $(wc -l <"$work/guest.txt") lines"

# Both sides imported; the guest's must say so.
"$nvt" import linux-trace "$work/guest.txt" -o "$work/guest.pcapng" || fail "import linux-trace"
"$nvt" info "$work/guest.pcapng" >"$work/guest.info"
"$nvt" info "$work/device.pcapng" >"$work/device.info"
grep -q "\[seen from the guest\]" "$work/guest.info" || fail "info does not say guest side"
grep -q "seen from the guest" "$work/device.info" && fail "the device side says guest"

subs() { # subs TRACE: "queue cid opcode" of every command, in order
  "$nvt" dump "$1" | sed -n 's/.* \(ADM\|IO \) *SQ=\([0-9]*\) CID=\([0-9a-f]*\) OPC=\(.*\) NSID=.*/\2 \3 \4/p'
}
cpls() { "$nvt" dump "$1" | sed -n 's/.* CPL SQ=\([0-9]*\) CID=\([0-9a-f]*\) .*/\1 \2/p'; }
dbs() { "$nvt" dump "$1" | sed -n 's/.* DB \([SC]Q[0-9]*[TH]\) <- \([0-9]*\).*/\1 \2/p'; }
# SeaBIOS's commands reach only the device (design.md): the guest's sequence of each queue
# must appear, contiguous and in order, in the device's (which also has Linux's shutdown).
same_per_queue() { # same_per_queue WHAT GUESTFILE DEVICEFILE
  local q g d n
  for q in $(cut -d' ' -f1 "$2" | sort -u); do
    g=$(awk -v q="$q" '$1 == q' "$2" | tr '\n' ';')
    d=$(awk -v q="$q" '$1 == q' "$3" | tr '\n' ';')
    n=$(awk -v q="$q" '$1 == q' "$2" | wc -l)
    [[ "$d" == *"$g"* ]] || fail "$1 of queue $q: the guest's $n are not in the device's sequence"
    echo "  queue $q: $n $1 in both"
  done
}
case $mode in
  events)
    subs "$work/guest.pcapng" >"$work/g.sub"
    # Linux submits its Asynchronous Event Request outside blk-mq, without nvme_setup_cmd (and
    # it completes only on an event): the device's copy is the one the guest cannot see.
    subs "$work/device.pcapng" | grep -v " Asynchronous Event Request$" >"$work/d.sub"
    cpls "$work/guest.pcapng" >"$work/g.cpl"
    cpls "$work/device.pcapng" >"$work/d.cpl"
    [ "$(wc -l <"$work/g.sub")" -ge 20 ] || fail "only $(wc -l <"$work/g.sub") commands on the guest side"
    [ "$(wc -l <"$work/g.cpl")" = "$(wc -l <"$work/g.sub")" ] || fail "guest: SUB and CPL counts differ"
    grep -q "^1 .* Write$" "$work/g.sub" || fail "no Write on the guest side"
    grep -q "^1 .* Flush$" "$work/g.sub" || fail "no Flush on the guest side"
    same_per_queue commands "$work/g.sub" "$work/d.sub"
    same_per_queue completions "$work/g.cpl" "$work/d.cpl"
    ;;
  mmio)
    dbs "$work/guest.pcapng" >"$work/g.db"
    dbs "$work/device.pcapng" >"$work/d.db"
    [ "$(wc -l <"$work/g.db")" -ge 20 ] || fail "only $(wc -l <"$work/g.db") doorbells on the guest side"
    # the driver read CAP (its value is what gives the doorbell stride)
    "$nvt" dump "$work/guest.pcapng" >"$work/guest.dump"
    grep -q "REG 0000 -> .* (CAP)" "$work/guest.dump" || fail "no CAP read on the guest side"
    tr '\n' ';' <"$work/g.db" >"$work/g.dbs"
    tr '\n' ';' <"$work/d.db" >"$work/d.dbs"
    grep -qF -f "$work/g.dbs" "$work/d.dbs" ||
      fail "the guest's $(wc -l <"$work/g.db") doorbell writes are not in the device's sequence"
    echo "  $(wc -l <"$work/g.db") doorbell writes in both"
    ;;
esac

# Wireshark decodes the guest side without a malformed frame (when the plugin is built).
if [ -n "$plugdir" ] && command -v tshark >/dev/null; then
  abi=$(tshark --version 2>/dev/null | sed -n '1s/.*(Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
  # A world-readable folder of its own: tshark runs as nobody when this runs as root.
  ws=$(mktemp -d /tmp/nvt-guest-side-ws.XXXXXX)
  trap 'rm -rf "$ws"' EXIT
  mkdir -p "$ws/plugins/$abi/epan" "$ws/home"
  cp "$plugdir/nvmetrace.so" "$ws/plugins/$abi/epan/"
  cp "$work/guest.pcapng" "$ws/"
  chmod -R a+rX "$ws"
  as_user=()
  [ "$(id -u)" = 0 ] && as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  tsh() { "${as_user[@]}" env HOME="$ws/home" WIRESHARK_PLUGIN_DIR="$ws/plugins" \
          WIRESHARK_ABORT_ON_DISSECTOR_BUG=1 tshark -r "$ws/guest.pcapng" "$@"; }
  n=$(tsh -Y nvt.type | wc -l)
  bad=$(tsh -Y "_ws.malformed || _ws.expert.severity == error" | wc -l)
  total=$("$nvt" info --json "$work/guest.pcapng" | sed 's/.*"events":\([0-9]*\).*/\1/')
  [ "$n" = "$total" ] || fail "tshark decoded $n of $total records"
  [ "$bad" = 0 ] || fail "tshark: $bad malformed frames"
  echo "  tshark: $n records, 0 malformed"
fi
echo "run_guest_side: PASS ($mode)"

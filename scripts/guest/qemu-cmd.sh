#!/usr/bin/env bash
# Prints, one argument per line, the QEMU command that boots the test guest (Debian's kernel,
# the initramfs of build-initramfs.sh, an NVMe controller with raw disk images) so callers can
# run it under `nvmetrace capture`:
#
#   mapfile -t qemu < <(scripts/guest/qemu-cmd.sh --workdir /tmp/g)
#   nvmetrace capture -o boot.pcapng.zst -- "${qemu[@]}"
#
# usage: qemu-cmd.sh --workdir DIR [--smp N] [--namespaces N] [--hold]
#   --workdir DIR    where the disk images are created (64 MiB sparse files, kept if present)
#   --smp N          guest CPUs (Linux then creates N I/O queue pairs)
#   --namespaces N   namespaces: 1 = "-device nvme,drive=..."; N > 1 = nvme + N nvme-ns devices
#   --hold           the guest stays up after its workload instead of powering off
# Exit status: 2 when QEMU or the guest kernel is missing (tests skip), other non-zero on
# errors.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
workdir="" smp=1 nns=1 hold=""
while [ $# -gt 0 ]; do
  case $1 in
    --workdir) workdir=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    --namespaces) nns=$2; shift 2 ;;
    --hold) hold=" nvt.hold"; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "qemu-cmd: unknown argument $1" >&2; exit 1 ;;
  esac
done
[ -n "$workdir" ] || { echo "qemu-cmd: --workdir is required" >&2; exit 1; }
qemu=$(command -v qemu-system-x86_64 || true)
if [ -z "$qemu" ]; then
  echo "qemu-cmd: qemu-system-x86_64 not found (install qemu-system-x86)" >&2
  exit 2
fi
kernel=$("$here/find-kernel.sh") || exit $?
initrd=$("$here/build-initramfs.sh") || exit $?
mkdir -p "$workdir"

args=("$qemu" -machine q35 -m 512 -smp "$smp" -nographic -no-reboot
  # no NIC: its iPXE option ROM adds seconds to every boot and nothing to the trace
  -net none
  -kernel "$kernel" -initrd "$initrd"
  # no_timer_check: on a loaded host TCG runs the guest so slowly that Linux's check of the
  # IO-APIC timer fails ("IO-APIC + timer doesn't work!", a panic; seen with 6.12 under ASan)
  -append "console=ttyS0 quiet panic=-1 no_timer_check nvt.ns=$nns$hold")
if [ "$nns" -le 1 ]; then
  img=$workdir/nvme-ns1.img
  [ -e "$img" ] || truncate -s 64M "$img"
  args+=(-drive "file=$img,if=none,id=d0,format=raw" -device "nvme,drive=d0,serial=nvt-guest")
else
  args+=(-device "nvme,id=nvme0,serial=nvt-guest")
  for n in $(seq 1 "$nns"); do
    img=$workdir/nvme-ns$n.img
    [ -e "$img" ] || truncate -s 64M "$img"
    args+=(-drive "file=$img,if=none,id=d$n,format=raw" -device "nvme-ns,drive=d$n,bus=nvme0,nsid=$n")
  done
fi
printf '%s\n' "${args[@]}"

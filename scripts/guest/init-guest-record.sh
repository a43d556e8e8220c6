#!/bin/sh
# A second /init for the guest-side tests (tests/guest/run_guest_side.sh appends it to the
# initramfs of build-initramfs.sh as an overlay, so init.sh stays the one for device-side tests).
# Loads the NVMe driver's dependencies up to nvme-core, then records with
# nvmetrace-guest-record while nvme loads and nvt-workload runs, and writes the record to the
# second serial port (/dev/ttyS1), framed by marker lines. nvt.mmio on the kernel command line:
# mmiotrace instead of the events.
PATH=/bin
export PATH
say() { echo "nvt-guest: $*"; }
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tracefs nodev /sys/kernel/tracing || say "FAILED: mount tracefs"
# /lib/modules/order (scripts/guest/build-initramfs.sh): "NAME required|optional" in load
# order, as init.sh reads it; nvme itself is loaded by the recorder, once its events are on.
while read -r m need; do
  [ "$m" = nvme ] && break
  if ! insmod /lib/modules/$m.ko 2>/dev/null; then
    [ "$need" = optional ] || say "FAILED: insmod $m"
  fi
done </lib/modules/order
opts=-e
# mmiotrace as the tracer prints only its own lines: events go in another boot
grep -q nvt.mmio /proc/cmdline && opts=-m
if nvmetrace-guest-record $opts -o /guest-record.txt -l "insmod /lib/modules/nvme.ko" -- nvt-workload; then
  { echo "=== nvt-guest-record begin"; cat /guest-record.txt; echo "=== nvt-guest-record end"; } >/dev/ttyS1
  say "record written"
else
  say "FAILED: nvmetrace-guest-record"
fi
say "powering off"
poweroff -f

#!/bin/sh
# /init of the test guest (busybox). Loads the NVMe driver, then on every namespace of the first
# controller: reads LBA 0, writes a known pattern at a known LBA with O_DIRECT, fsyncs (a Flush
# command, since QEMU's NVMe reports a volatile write cache), discards a known range (Dataset
# Management, Deallocate), and finally powers off, which makes Linux shut the controller down
# (CC.SHN), unless the kernel command line says nvt.hold. With several CPUs, one read per CPU is pinned there so every I/O queue carries a
# command. tests/guest/ asserts these exact LBAs and lengths on the trace: keep them in sync
# (tests/guest/workload.h).
PATH=/bin
export PATH

# Workload constants, in 512-byte logical blocks (QEMU's default LBA format).
WRITE_LBA=2048      # 1 MiB into the namespace
WRITE_BYTES=4096    # 8 blocks: NLB field 7
DISCARD_LBA=4096    # 2 MiB
DISCARD_BYTES=65536 # 128 blocks

say() { echo "nvt-guest: $*"; }
fail() { say "FAILED: $*"; poweroff -f; }

mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys

# /lib/modules/order (scripts/guest/build-initramfs.sh): "NAME required|optional" in load order.
# An optional module is a soft dependency (a CPU-specific crc) that may not fit this CPU.
while read -r m need; do
  if ! insmod /lib/modules/$m.ko 2>/dev/null; then
    [ "$need" = optional ] || fail "insmod $m"
  fi
done </lib/modules/order

# Probing and the namespace scan run in kernel work items after insmod returns: wait for the
# block devices. nvt.ns=N on the kernel command line: the controller has N namespaces.
nns=$(sed -n 's/.*nvt\.ns=\([0-9]*\).*/\1/p' /proc/cmdline)
[ -n "$nns" ] || nns=1
n=1
while [ $n -le $nns ]; do
  i=0
  while [ ! -b /dev/nvme0n$n ]; do
    i=$((i + 1))
    [ $i -gt 300 ] && fail "no /dev/nvme0n$n after 30 s"
    sleep 0.1
  done
  say "nvme0n$n present"
  n=$((n + 1))
done

# The pattern: "nvmetrace-pattern\n" repeated, cut to one 4 KiB write.
yes nvmetrace-pattern | head -c $WRITE_BYTES >/pattern

ncpu=$(grep -c ^processor /proc/cpuinfo)
for ns in /dev/nvme0n*; do
  [ -b "$ns" ] || continue
  case $ns in *p[0-9]*) continue ;; esac
  dd if=$ns of=/dev/null bs=512 count=1 iflag=direct 2>/dev/null || fail "read LBA 0 of $ns"
  dd if=/pattern of=$ns bs=$WRITE_BYTES count=1 seek=$((WRITE_LBA * 512 / WRITE_BYTES)) \
     oflag=direct conv=notrunc,fsync 2>/dev/null || fail "write $ns"
  dd if=$ns of=/readback bs=$WRITE_BYTES count=1 skip=$((WRITE_LBA * 512 / WRITE_BYTES)) \
     iflag=direct 2>/dev/null || fail "read back $ns"
  cmp -s /pattern /readback || fail "read back of $ns differs"
  blkdiscard -o $((DISCARD_LBA * 512)) -l $DISCARD_BYTES $ns || fail "discard $ns"
  cpu=0
  while [ $cpu -lt $ncpu ]; do
    # Block 8 + cpu: a read that exists only to put a command on this CPU's I/O queue.
    taskset -c $cpu dd if=$ns of=/dev/null bs=512 count=1 skip=$((8 + cpu)) iflag=direct 2>/dev/null \
      || fail "read on cpu $cpu of $ns"
    cpu=$((cpu + 1))
  done
  say "workload done on $ns"
done

# nvt.hold on the kernel command line: stay up instead (tests of Ctrl-C and of a QEMU crash
# during capture stop QEMU from outside).
if grep -q nvt.hold /proc/cmdline; then
  say "holding"
  while :; do sleep 1000; done
fi
say "powering off"
poweroff -f

#!/bin/sh
# The guest-side tests' workload (init-guest-record.sh): wait for the namespace, read LBA 0,
# write 4 KiB at LBA 2048 with fsync (a Flush), read it back.
i=0
while [ ! -b /dev/nvme0n1 ]; do
  i=$((i + 1))
  [ $i -gt 300 ] && { echo "nvt-guest: FAILED: no /dev/nvme0n1 after 30 s"; exit 1; }
  sleep 0.1
done
echo "nvt-guest: nvme0n1 present"
dd if=/dev/nvme0n1 of=/dev/null bs=512 count=1 iflag=direct 2>/dev/null || exit 1
yes nvmetrace-pattern | head -c 4096 >/pattern
dd if=/pattern of=/dev/nvme0n1 bs=4096 count=1 seek=256 oflag=direct conv=notrunc,fsync 2>/dev/null || exit 1
dd if=/dev/nvme0n1 of=/readback bs=4096 count=1 skip=256 iflag=direct 2>/dev/null || exit 1
cmp -s /pattern /readback || { echo "nvt-guest: FAILED: read back differs"; exit 1; }
echo "nvt-guest: workload done"

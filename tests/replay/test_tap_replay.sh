#!/usr/bin/env bash
# A full-fidelity trace of a real boot replays clean: the test guest (scripts/guest) boots under
# the QEMU with libnvmetap (scripts/qemu/build-qemu.sh tap, samples/qemu), which records every
# register read value, raw SQE and CQE, all DMA data, MSI-X table accesses and interrupts;
# replaying that trace into Debian's QEMU must reproduce every one of those outputs. Skips
# (77) without the tap build or a guest kernel.
# usage: test_tap_replay.sh NVMETRACE SOURCE_DIR
set -u
nvt=$1
src=$2
tap=$("$src/scripts/qemu/build-qemu.sh" --check tap) || {
  echo "SKIP: no tap build in the cache (scripts/qemu/build-qemu.sh tap)"
  exit 77
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
mapfile -t qemu < <("$src/scripts/guest/qemu-cmd.sh" --workdir "$tmp" --smp 1 --namespaces 1; echo "status=$?")
status=${qemu[-1]#status=}
unset 'qemu[-1]'
if [ "$status" != 0 ]; then
  echo "SKIP: no guest (scripts/guest/qemu-cmd.sh exit $status)"
  exit 77
fi
qemu[0]=$tap
drive="" serial=""
for i in "${!qemu[@]}"; do
  case ${qemu[$i]} in
    file=*,if=none,id=d0,*) drive=${qemu[$i]} ;;
    nvme,*) qemu[$i]="${qemu[$i]},nvmetrace=$tmp/boot.pcapng"; serial=${qemu[$i]#*serial=}; serial=${serial%%,*} ;;
  esac
done
[ -n "$drive" ] && [ -n "$serial" ] || { bad "unexpected guest command line: ${qemu[*]}"; finish; exit; }
img=${drive#file=}
img=${img%%,*}
cp "$img" "$tmp/disk-before.img" || bad "no disk image $img"
timeout 300 "${qemu[@]}" >"$tmp/console.txt" 2>&1 </dev/null
if grep -q "nvt-guest: powering off" "$tmp/console.txt"; then ok; else bad "guest did not finish: $(tail -5 "$tmp/console.txt")"; fi
expect_rc 0 "$nvt" info "$tmp/boot.pcapng"
expect_grep "flags:         reconstructed 0, value unknown 0" "$tmp/out"
# The replay starts from the disk as the guest found it, in a copy of its own (arguments given
# with --qemu-args are used as they are).
cp "$tmp/disk-before.img" "$tmp/disk.img"
expect_rc 0 "$nvt" replay --qemu-args \
  "-drive file=$tmp/disk.img,if=none,id=d0,format=raw -device nvme,drive=d0,serial=$serial,addr=02.0" \
  "$tmp/boot.pcapng"
expect_grep "divergences 0" "$tmp/out"
expect_grep "result: clean" "$tmp/out"
compared=$(sed -n 's/.*outputs compared \([0-9]*\),.*/\1/p' "$tmp/out")
if [ "${compared:-0}" -gt 1000 ]; then ok; else bad "only ${compared:-0} outputs compared"; fi
finish

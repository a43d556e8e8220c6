#!/usr/bin/env bash
# What recording costs a guest: the QEMU that `scripts/qemu/build-qemu.sh tap` builds boots the
# test guest of scripts/guest/ (probe, queue setup, workload, poweroff) RUNS times with its NVMe
# controller traced (-device nvme,...,nvmetrace=FILE) and RUNS times untraced, alternating so
# that a change in machine load hits both alike, and prints each boot's wall time (QEMU start
# to exit), the medians and their ratio. The figures are in docs/performance.md, "QEMU with
# libnvmetap".
#
# usage: boot_cost.sh [-n RUNS] [--smp N] [--kvm] [--qemu LINE] [--workdir DIR]
#   -n RUNS   boots of each kind (default 7)
#   --smp N   guest CPUs (default 1)
#   --kvm     -accel kvm instead of TCG (needs /dev/kvm)
#   --qemu LINE  the tap build of that QEMU line (build-qemu.sh --qemu LINE tap), e.g. 10.2
# Exit status: 0, 1 on a failed boot, 2 on usage, 77 when the patched QEMU is not built.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
runs=7 smp=1 kvm=() work="" line=()
while [ $# -gt 0 ]; do
  case $1 in
    -n) runs=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    --kvm) kvm=(-accel kvm); shift ;;
    --qemu) line=(--qemu "$2"); shift 2 ;;
    --workdir) work=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "boot_cost: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$work" ] || work=$(mktemp -d)
mkdir -p "$work"

patched=$("$root/scripts/qemu/build-qemu.sh" --check "${line[@]}" tap) ||
  { echo "boot_cost: no patched QEMU; build it with scripts/qemu/build-qemu.sh ${line[*]} tap" >&2; exit 77; }
mapfile -t qemu < <("$root/scripts/guest/qemu-cmd.sh" --workdir "$work" --smp "$smp"; echo "status=$?")
[ "${qemu[-1]}" = status=0 ] || { echo "boot_cost: qemu-cmd.sh failed" >&2; exit 1; }
unset 'qemu[-1]'
qemu[0]=$patched
nvme=-1
for i in "${!qemu[@]}"; do
  case ${qemu[$i]} in nvme,*) nvme=$i ;; esac
done
[ "$nvme" -ge 0 ] || { echo "boot_cost: no -device nvme in the QEMU command" >&2; exit 1; }
plain_nvme=${qemu[$nvme]}

# boot TRACED: runs one boot, prints its wall time and QEMU's CPU time (user + system, every
# thread: vCPUs, main loop, the shim's writer), in seconds
boot() {
  local trace=$work/boot.pcapng.zst t wall user sys
  rm -f "$trace" "$trace.ring"
  qemu[$nvme]=$plain_nvme
  [ "$1" = 1 ] && qemu[$nvme]+=",nvmetrace=$trace"
  t=$( { TIMEFORMAT='%3R %3U %3S'
         time timeout -s KILL 300 "${qemu[@]}" "${kvm[@]}" </dev/null >"$work/console.txt" 2>&1; } 2>&1 ) ||
    { echo "boot_cost: QEMU failed" >&2; tail -n 20 "$work/console.txt" >&2; return 1; }
  read -r wall user sys <<<"$t"
  grep -q "nvt-guest: powering off" "$work/console.txt" ||
    { echo "boot_cost: the guest did not finish its workload" >&2; return 1; }
  if [ "$1" = 1 ] && [ ! -s "$trace" ]; then
    echo "boot_cost: no trace written" >&2
    return 1
  fi
  echo "$wall $(echo "$user + $sys" | bc)"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

off=() on=() off_cpu=() on_cpu=()
boot 0 >/dev/null || exit 1 # warm the page cache (kernel, initramfs, QEMU) before measuring
for ((r = 1; r <= runs; r++)); do
  read -r w c < <(boot 0) && [ -n "${c:-}" ] || exit 1
  off+=("$w") off_cpu+=("$c")
  read -r w c < <(boot 1) && [ -n "${c:-}" ] || exit 1
  on+=("$w") on_cpu+=("$c")
  echo "run $r: untraced ${off[-1]} s (CPU ${off_cpu[-1]} s), traced ${on[-1]} s (CPU ${on_cpu[-1]} s)"
done
kind="$([ ${#kvm[@]} -gt 0 ] && echo KVM || echo TCG), $smp CPU"
for what in wall CPU; do
  if [ $what = wall ]; then a=("${off[@]}") b=("${on[@]}"); else a=("${off_cpu[@]}") b=("${on_cpu[@]}"); fi
  m_off=$(printf '%s\n' "${a[@]}" | median)
  m_on=$(printf '%s\n' "${b[@]}" | median)
  echo "median $what time of $runs boots ($kind): untraced $m_off s, traced $m_on s, ratio $(echo "scale=3; $m_on / $m_off" | bc)"
done
echo "trace of the last traced boot: $(stat -c %s "$work/boot.pcapng.zst") bytes"

#!/usr/bin/env bash
# nvmetrace diff on real QEMU boots (scripts/guest/qemu-cmd.sh, captured by nvmetrace
# capture): the same guest on an NVMe controller with default properties (A, booted twice)
# and with msix_qsize=2048,max_ioqpairs=1 (B). A against A shows no device divergence; A
# against B shows exactly what those properties change: the MSI-X Message Control read, the
# BAR0 size, the MSI-X table size and Set Features (Number of Queues) DW0, and the guest
# creating one I/O queue pair fewer. With the patched QEMU (scripts/qemu/build-qemu.sh tap),
# whose shim records Identify data and register values, two more boots (default, mdts=5) show
# exactly the Identify Controller MDTS difference, and one boot traced both ways (shim and log
# import) diffs with no divergence at all. Every trace lints clean. Exit 77 when QEMU
# or a guest kernel is not installed.
# usage: test_diff_qemu.sh NVMETRACE WORKDIR
set -uo pipefail
nvt=$1 work=$2/diff-qemu
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rm -rf "$work"
mkdir -p "$work"
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"

boot() { # boot NAME [DEVICE-PROPERTIES]
  local name=$1 props=${2:-} status
  mapfile -t qemu < <("$root/scripts/guest/qemu-cmd.sh" --workdir "$work/$name" --smp 2; echo "status=$?")
  status=${qemu[-1]#status=}
  unset 'qemu[-1]'
  if [ "$status" = 2 ]; then
    echo "SKIP: QEMU or a guest kernel is not installed (scripts/install-deps.sh installs them)"
    exit 77
  fi
  [ "$status" = 0 ] || { echo "qemu-cmd.sh failed ($status)" >&2; exit 1; }
  if [ -n "$props" ]; then
    for i in "${!qemu[@]}"; do
      case ${qemu[$i]} in nvme,drive=*) qemu[$i]="${qemu[$i]},$props" ;; esac
    done
  fi
  echo "+ nvmetrace capture -o $work/$name.pcapng.zst -- ${qemu[*]}"
  timeout -s KILL 300 "$nvt" capture -q -o "$work/$name.pcapng.zst" -- "${qemu[@]}" \
    </dev/null >"$work/$name.console" 2>&1
  check "$name: boot captured" test $? -eq 0
  check "$name: guest ran its workload" grep -q "nvt-guest: powering off" "$work/$name.console"
  "$nvt" lint "$work/$name.pcapng.zst" >"$work/$name.lint"
  check "$name: lints clean" test $? -eq 0
}

boot a
boot a2
boot b "msix_qsize=2048,max_ioqpairs=1"

"$nvt" diff "$work/a.pcapng.zst" "$work/a2.pcapng.zst" >"$work/a-a2.txt"
check "A vs A: no device divergence (exit 0)" test $? -eq 0
check "A vs A: says so" grep -qE "^no behavioural divergence" "$work/a-a2.txt"

"$nvt" diff --max 0 "$work/a.pcapng.zst" "$work/b.pcapng.zst" >"$work/a-b.txt"
check "A vs B: devices diverge (exit 1)" test $? -eq 1
cat "$work/a-b.txt"
t=$work/a-b.txt
check "exactly one config divergence: MSI-X Message Control" \
  grep -qx "config (1)" "$t"
check "  MSI-X Message Control (0x42) Table Size: 0x40 vs 0x7ff (65 vs 2048 entries)" \
  grep -q "^  MSI-X Message Control (0x42) Table Size: A 0x40, B 0x7ff" "$t"
check "exactly one BAR divergence" grep -qx "bar (1)" "$t"
check "  BAR0 16 KiB vs 64 KiB (the MSI-X table moved the BAR size)" \
  grep -q "^  BAR0 size (bytes): A 16384, B 65536" "$t"
check "exactly one completion divergence" grep -qx "completion (1)" "$t"
check "  Set Features (Number of Queues) DW0: 64 vs 1 queue pairs granted" \
  grep -q "Set Features (Number of Queues) DW0: A 0x003f003f, B 0x00000000" "$t"
check "exactly one interrupt divergence" grep -qx "interrupt (1)" "$t"
check "  MSI-X table size 65 vs 2048" grep -q "^  MSI-X table size: A 65, B 2048" "$t"
check "no other device-level kind" \
  test "$(grep -cE '^(device|register|identify) \(' "$t")" -eq 0
check "the guest made one I/O queue pair in B" \
  grep -q "Create I/O Completion Queue (QID 2) only in A" "$t"
check "summary line" grep -qE "^[0-9]+ divergences: config 1 bar 1 completion 1 interrupt 1 workload [0-9]+$" "$t"

# Full fidelity: the shim inside the patched QEMU writes the trace itself (nvmetrace= property).
# NVT_TAP_QEMU=PATH uses that patched binary instead of the cached build (as tests/guest/tap).
if patched=${NVT_TAP_QEMU:-$("$root/scripts/qemu/build-qemu.sh" --check tap 2>/dev/null)} &&
  [ -x "$patched" ]; then
  tap_cmd() { # tap_cmd NAME [DEVICE-PROPERTIES]: the patched QEMU's command line in qemu[]
    local name=$1 props=${2:-}
    mapfile -t qemu < <("$root/scripts/guest/qemu-cmd.sh" --workdir "$work/$name" --smp 2)
    qemu[0]=$patched
    for i in "${!qemu[@]}"; do
      case ${qemu[$i]} in
        nvme,drive=*) qemu[$i]="${qemu[$i]},nvmetrace=$work/$name.pcapng.zst${props:+,$props}" ;;
      esac
    done
  }
  tap_boot() { # tap_boot NAME [DEVICE-PROPERTIES]
    local name=$1
    tap_cmd "$@"
    echo "+ ${qemu[*]}"
    timeout -s KILL 300 "${qemu[@]}" </dev/null >"$work/$name.console" 2>&1
    check "$name: boot traced by the shim" test $? -eq 0
    check "$name: guest ran its workload" grep -q "nvt-guest: powering off" "$work/$name.console"
    "$nvt" lint "$work/$name.pcapng.zst" >"$work/$name.lint"
    check "$name: lints clean" test $? -eq 0
  }
  tap_boot tap-a
  tap_boot tap-b "mdts=5"
  "$nvt" index -q "$work/tap-a.pcapng.zst" -o "$work/tap-a.db"
  check "tap: Identify Controller decoded (model, MDTS 7)" \
    test "$(sqlite3 "$work/tap-a.db" "SELECT mn || '|' || mdts FROM controllers LIMIT 1")" = "QEMU NVMe Ctrl|7"
  check "tap: namespace 1 has 512-byte blocks" \
    test "$(sqlite3 "$work/tap-a.db" "SELECT lba_size FROM namespaces WHERE nsid = 1 LIMIT 1")" = 512
  "$nvt" diff --max 0 "$work/tap-a.pcapng.zst" "$work/tap-b.pcapng.zst" >"$work/tap-a-b.txt"
  check "tap A vs B: devices diverge (exit 1)" test $? -eq 1
  cat "$work/tap-a-b.txt"
  t=$work/tap-a-b.txt
  check "tap: exactly one Identify divergence" grep -qx "identify (1)" "$t"
  check "  Identify Controller MDTS 7 vs 5" \
    grep -q "^  Identify Controller MDTS: A 0x7 (7), B 0x5 (5)" "$t"
  check "tap: no other device-level kind" \
    test "$(grep -cE '^(device|config|bar|register|completion|interrupt) \(' "$t")" -eq 0

  # One boot, both traces: the shim's (nvmetrace= property) and the log importer's (nvmetrace
  # capture around the same patched QEMU). The import lacks register values, Identify data and
  # some SQE fields (NSID, SLBA): diff aligns on what both know and finds nothing.
  tap_cmd dual-tap
  echo "+ nvmetrace capture -o $work/dual-log.pcapng.zst -- ${qemu[*]}"
  timeout -s KILL 300 "$nvt" capture -q -o "$work/dual-log.pcapng.zst" -- "${qemu[@]}" \
    </dev/null >"$work/dual.console" 2>&1
  check "dual: boot captured both ways" test $? -eq 0 -a -s "$work/dual-tap.pcapng.zst"
  "$nvt" diff --max 0 "$work/dual-log.pcapng.zst" "$work/dual-tap.pcapng.zst" >"$work/dual.txt"
  check "import vs tap of one boot: exit 0" test $? -eq 0
  cat "$work/dual.txt"
  check "import vs tap: no behavioural divergence" grep -qx "no behavioural divergence" "$work/dual.txt"
  check "import vs tap: no command only in one trace" test "$(grep -c " only in " "$work/dual.txt")" -eq 0
  check "import vs tap: every command aligned" \
    test "$(sed -n 3p "$work/dual.txt" | cut -d' ' -f1)" = "$(sed -n 1p "$work/dual.txt" | sed 's/.*(\([0-9]*\) commands)$/\1/')"
else
  echo "full-fidelity part not run: no patched QEMU (scripts/qemu/build-qemu.sh tap builds it)"
fi

done_tests

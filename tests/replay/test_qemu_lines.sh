#!/usr/bin/env bash
# Replay on another QEMU line than Debian's 7.2, and across lines, with full-fidelity traces of
# a real Linux boot recorded by the libnvmetap builds (scripts/qemu/build-qemu.sh [--qemu 10.2] tap).
#
# usage: test_qemu_lines.sh NVMETRACE SOURCE_DIR same|cross
#   same   a boot recorded on QEMU 10.2 replays clean into the same 10.2 binary (untraced: the
#          replay's command line has no nvmetrace property), twice, with identical reports
#   cross  a boot recorded on QEMU 7.2 replayed into QEMU 10.2 reports exactly the behaviour
#          changes of the version table (nvmetrace/qemu.h) and nothing else:
#          tests/replay/data/cross-7.2-10.2.expected lists them
# The replays start from a copy of the disk as the guest found it (a null-co disk would read
# back zeros where the guest wrote its pattern). NVT_REC_QEMU=PATH records with that tap binary
# instead of the cached one. Skips (77) without the builds or a guest kernel.
set -u
nvt=$1 src=$2 mode=$3
bq=$src/scripts/qemu/build-qemu.sh
q102=$("$bq" --check --qemu 10.2 tap) || { echo "SKIP: no QEMU 10.2 build (scripts/qemu/build-qemu.sh --qemu 10.2 tap)"; exit 77; }
if [ -n "${NVT_REC_QEMU:-}" ]; then
  rec=$NVT_REC_QEMU
elif [ "$mode" = cross ]; then
  rec=$("$bq" --check tap) || { echo "SKIP: no QEMU 7.2 tap build (scripts/qemu/build-qemu.sh tap)"; exit 77; }
else
  rec=$q102
fi
tmp=$(mktemp -d)
[ -n "${NVT_KEEP_TMP:-}" ] || trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
mapfile -t qemu < <("$src/scripts/guest/qemu-cmd.sh" --workdir "$tmp" --smp 1 --namespaces 1; echo "status=$?")
status=${qemu[-1]#status=}
unset 'qemu[-1]'
[ "$status" = 0 ] || { echo "SKIP: no guest (scripts/guest/qemu-cmd.sh exit $status)"; exit 77; }
qemu[0]=$rec
serial="" drive=""
for i in "${!qemu[@]}"; do
  case ${qemu[$i]} in
    file=*,if=none,id=d0,*) drive=${qemu[$i]} ;;
    nvme,*) qemu[$i]="${qemu[$i]},nvmetrace=$tmp/boot.pcapng"; serial=${qemu[$i]#*serial=}; serial=${serial%%,*} ;;
  esac
done
img=${drive#file=}
img=${img%%,*}
cp "$img" "$tmp/disk-before.img" || bad "no disk image $img"
timeout 300 "${qemu[@]}" >"$tmp/console.txt" 2>&1 </dev/null
if grep -q "nvt-guest: powering off" "$tmp/console.txt"; then ok; else bad "guest did not finish on $rec: $(tail -5 "$tmp/console.txt")"; fi
replay=("$nvt" replay --target "qemu:$q102" --qemu-args
        "-drive file=$tmp/disk.img,if=none,id=d0,format=raw -device nvme,drive=d0,serial=$serial,addr=02.0")

if [ "$mode" = same ]; then
  for run in 1 2; do
    cp "$tmp/disk-before.img" "$tmp/disk.img"
    expect_rc 0 "${replay[@]}" "$tmp/boot.pcapng"
    cp "$tmp/out" "$tmp/report$run"
    expect_grep "divergences 0" "$tmp/out"
    expect_grep "result: clean" "$tmp/out"
  done
  if cmp -s "$tmp/report1" "$tmp/report2"; then ok; else bad "two replays differ: $(diff "$tmp/report1" "$tmp/report2" | head -20)"; fi
  compared=$(sed -n 's/.*outputs compared \([0-9]*\),.*/\1/p' "$tmp/report1")
  if [ "${compared:-0}" -gt 1000 ]; then ok; else bad "only ${compared:-0} outputs compared"; fi
  echo "10.2 boot replayed into 10.2 twice: $(grep '^events' "$tmp/report1")"
  finish
  exit
fi

# cross: one line per divergence kind, "WHAT: EXPECTED -> GOT", counted, against the expected
# list. Guest addresses vary from boot to boot: a DMA write is named by the admin command whose
# data it is (opcode and CNS/LID, from `nvmetrace dump`), not by its address.
cp "$tmp/disk-before.img" "$tmp/disk.img"
expect_rc 1 "${replay[@]}" --json "$tmp/boot.pcapng"
"$nvt" dump "$tmp/boot.pcapng" >"$tmp/dump" || bad "nvmetrace dump failed"
python3 - "$tmp/out" "$tmp/dump" >"$tmp/got" <<'PY2'
import collections, json, re, sys
r = json.load(open(sys.argv[1]))
lines = {}
for l in open(sys.argv[2]):
    m = re.match(r"\[\s*(\d+)\]", l)
    if m:
        lines[int(m.group(1))] = l
def command_of(i):
    cid = re.search(r"SQ=(\d+) CID=([0-9a-f]+)", lines.get(i, ""))
    if not cid:
        return "?"
    for j in range(i - 1, -1, -1):
        l = lines.get(j, "")
        if re.search(r"\b(ADM|IO) SQ=%s CID=%s\b" % (cid.group(1), cid.group(2)), l):
            m = re.search(r"OPC=(.*?) NSID=\S+ .*?((?:CNS|LID)=\S+ \([^)]*\))", l)
            return f"{m.group(1)} {m.group(2)}" if m else l.split(" OPC=")[1].split(" NSID")[0]
    return "?"
c = collections.Counter()
for d in r["divergences"]:
    what = d["what"]
    if what.startswith("DMA write "):
        what = "DMA write of " + command_of(d["index"]) + " " + what.split(" ", 3)[3]
    c[f"{what}: {d['expected']} -> {d['got']}"] += 1
for k in sorted(c):
    print(f"{c[k]} x {k}")
PY2
sed 's/^/  /' "$tmp/got"
want=$src/tests/replay/data/cross-7.2-10.2.expected
if grep -v '^#' "$want" | diff -u - "$tmp/got" >"$tmp/diff"; then ok; else bad "divergences other than $want: $(cat "$tmp/diff")"; fi
finish

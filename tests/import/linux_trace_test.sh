#!/bin/sh
# `nvmetrace import linux-trace` on records of real guest boots (data/linux_*_6.1.txt, written
# by scripts/guest/nvmetrace-guest-record.sh in the test guest, Debian 12's kernel 6.1) and on
# broken copies of them: the records, bytes and flags it writes, and its errors.
# usage: linux_trace_test.sh NVMETRACE DATADIR WORKDIR
nvt=$1 data=$2 work=$3
rm -rf "$work" && mkdir -p "$work" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }
ev=$data/linux_events_6.1.txt mm=$data/linux_mmio_6.1.txt

# events: 23 commands, all completed; the device is the recorder's PCI function, guest side.
"$nvt" import linux-trace "$ev" -o "$work/ev.pcapng" >"$work/out" 2>&1 || fail "import events: $(cat "$work/out")"
"$nvt" info "$work/ev.pcapng" >"$work/info"
grep -q "0000:00:02.0 nvme 1b36:0010 subsys 1af4:1100 class 010802 (Linux 6.1.0-57-amd64 (guest side)) \[seen from the guest\]" "$work/info" ||
  fail "device line: $(grep '\[0\]' "$work/info")"
expect "SUB" "$("$nvt" dump -t SUB "$work/ev.pcapng" | wc -l)" 23
expect "CPL" "$("$nvt" dump -t CPL "$work/ev.pcapng" | wc -l)" 23
expect "info --json vantage" "$("$nvt" info --json "$work/ev.pcapng" | grep -o '"vantage":"[a-z]*"')" '"vantage":"guest"'
# The first Read: opcode, CID 0x1c0, NSID 1, SLBA 0, NLB 8 (len=7) on SQ 1, PRPs unknown.
"$nvt" dump -t SUB "$work/ev.pcapng" | grep -q "IO  SQ=1 CID=01c0 OPC=Read NSID=1 SLBA=0 NLB=8 prp1=? prp2=?" ||
  fail "first Read: $("$nvt" dump -t SUB "$work/ev.pcapng" | grep -m1 Read)"
# Set Features Number of Queues completes with dw0 0x003f003f; SQ head from nvme_sq.
"$nvt" dump -t CPL "$work/ev.pcapng" | grep -q "CID=1019 .*CDW0=003f003f SQHD=0006" ||
  fail "Number of Queues completion: $("$nvt" dump -t CPL "$work/ev.pcapng" | grep CID=1019)"

# mmiotrace: register reads with their values, doorbells from CAP.DSTRD, MSI-X table left out.
"$nvt" import linux-trace "$mm" -o "$work/mm.pcapng" >"$work/out" 2>&1 || fail "import mmio: $(cat "$work/out")"
"$nvt" dump "$work/mm.pcapng" >"$work/mm.txt"
grep -q "REG 0000 -> 0f0107ff (CAP)" "$work/mm.txt" || fail "CAP read value: $(grep -m1 "REG 0000" "$work/mm.txt")"
expect "first doorbell" "$(grep -m1 ' DB ' "$work/mm.txt" | sed 's/.* DB //')" "SQ0T <- 1"
expect "doorbells" "$(grep -c ' DB ' "$work/mm.txt")" \
       "$(awk '$1 == "W" && $4 == 1 && $5 >= "0xfebf1000"' "$mm" | wc -l)"
expect "BAR0 from sysfs" "$(grep -c 'BAR0 map febf0000 size 4000 (64-bit)' "$work/mm.txt")" 1

# two files (here of two boots of the same guest: the merge is what is tested) merge in time
# order into one device: its BAR map, config space and stats record once, everything else of both
events() { "$nvt" info --json "$1" | sed 's/.*"events":\([0-9]*\).*/\1/'; }
"$nvt" import linux-trace "$ev" "$mm" -o "$work/both.pcapng" >/dev/null 2>&1 || fail "import two files"
expect "records of both" "$(events "$work/both.pcapng")" \
  "$(( $(events "$work/ev.pcapng") + $(events "$work/mm.pcapng") - 1024 - 1 - 1 - 1 ))"
expect "devices of both" "$("$nvt" info "$work/both.pcapng" | sed -n 's/^devices: *//p')" 1
expect "time order" "$("$nvt" dump "$work/both.pcapng" | awk '{ if ($2 + 0 < last) bad++; last = $2 + 0 } END { print bad + 0 }')" 0

# other events are counted and named, not fatal
{ cat "$ev"; echo "          <idle>-0       [000] d.h1.     9.000001: irq_handler_entry: irq=24 name=nvme0q1"; } >"$work/other.txt"
"$nvt" import linux-trace "$work/other.txt" -o "$work/other.pcapng" >/dev/null 2>"$work/err" || fail "other events fatal"
grep -q "1 lines of other events" "$work/err" || fail "other events not reported: $(cat "$work/err")"
"$nvt" dump -t NOTE "$work/other.pcapng" | grep -q "irq_handler_entry (1)" || fail "summary does not name it"

# events the kernel lost are counted as dropped, never silent
{ echo "CPU:0 [LOST 12 EVENTS]"; cat "$ev"; } >"$work/lost.txt"
"$nvt" import linux-trace "$work/lost.txt" -o "$work/lost.pcapng" >/dev/null 2>"$work/err" || fail "lost events fatal"
grep -q "the kernel lost 12 events" "$work/err" || fail "lost events not reported: $(cat "$work/err")"
"$nvt" info "$work/lost.pcapng" | grep -q "capture stats: recorded [0-9]*, dropped 12," || fail "lost events not in the stats record"

# a malformed line: exit 1, file and line named; --skip-bad counts it
{ head -30 "$ev"; echo "garbage here"; tail -n +31 "$ev"; } >"$work/bad.txt"
"$nvt" import linux-trace "$work/bad.txt" -o "$work/bad.pcapng" >/dev/null 2>"$work/err"
expect "malformed exit" $? 1
grep -q "bad.txt:31: neither an ftrace event line nor an mmiotrace line" "$work/err" || fail "error text: $(cat "$work/err")"
"$nvt" import linux-trace --skip-bad "$work/bad.txt" -o "$work/bad.pcapng" >/dev/null 2>"$work/err" || fail "--skip-bad"
grep -q "1 malformed lines skipped, the first at line 31" "$work/err" || fail "skip text: $(cat "$work/err")"

# nothing usable: never an empty success
grep '^#' "$ev" >"$work/none.txt"
"$nvt" import linux-trace "$work/none.txt" -o "$work/none.pcapng" >/dev/null 2>"$work/err"
expect "no usable line exit" $? 1
grep -q "no nvme event and no MMIO access" "$work/err" || fail "empty text: $(cat "$work/err")"
# mmiotrace without the recorder's resource lines: no BAR known, fails the same way
grep -v '^# nvt-' "$mm" >"$work/nores.txt"
"$nvt" import linux-trace "$work/nores.txt" -o "$work/nores.pcapng" >/dev/null 2>"$work/err"
expect "mmio without resources exit" $? 1
"$nvt" import linux-trace "$work/missing.txt" -o "$work/x.pcapng" >/dev/null 2>"$work/err"
expect "missing file exit" $? 1
grep -q "missing.txt: No such file" "$work/err" || fail "missing text: $(cat "$work/err")"

# diff refuses to compare a guest-side trace with a device-side one as two devices (exit 4)
zstd -qdc "$data/boot-qemu-7.2.log.zst" >"$work/qemu.log" || fail "zstd"
"$nvt" import qemu-log "$work/qemu.log" -o "$work/device.pcapng" >/dev/null 2>&1 || fail "qemu-log import"
"$nvt" diff "$work/ev.pcapng" "$work/device.pcapng" >/dev/null 2>"$work/err"
expect "diff guest vs device exit" $? 4
grep -q "ev.pcapng is seen from the guest, .*device.pcapng from the device" "$work/err" || fail "diff text: $(cat "$work/err")"

# the recorder: `nvmetrace guest-record` prints the shipped script byte for byte; it refuses
# -e with -m (mmiotrace's output leaves the events out) and unknown options (exit 2)
rec=$data/../../../scripts/guest/nvmetrace-guest-record.sh
"$nvt" guest-record >"$work/rec.sh" || fail "guest-record exit"
cmp -s "$work/rec.sh" "$rec" || fail "guest-record does not print $rec"
sh "$work/rec.sh" -e -m -o "$work/x" >/dev/null 2>&1
expect "recorder -e -m" $? 2
sh "$work/rec.sh" --bogus >/dev/null 2>&1
expect "recorder unknown option" $? 2

[ $fails = 0 ] && echo "linux_trace_test: PASS" && exit 0
exit 1

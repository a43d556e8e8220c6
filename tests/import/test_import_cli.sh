#!/bin/sh
# nvmetrace import qemu-log: exit codes, messages naming file and line, the written trace.
# usage: test_import_cli.sh NVMETRACE DATA_DIR
set -u
NVT=$1
DATA=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
pass=0
check() { # check DESCRIPTION CONDITION...
  d=$1; shift
  if "$@"; then pass=$((pass + 1)); else echo "FAILED: $d" >&2; fails=$((fails + 1)); fi
}

zstd -dcq "$DATA/boot-qemu-7.2.log.zst" >"$T/boot.log" || { echo "zstd missing" >&2; exit 1; }
lines=$(wc -l <"$T/boot.log")
subs=$(grep -cE ':pci_nvme_(admin|io)_cmd ' "$T/boot.log")

# a clean import, compressed output
"$NVT" import qemu-log "$T/boot.log" -o "$T/boot.pcapng.zst" --emulator "QEMU 7.2.22" >"$T/out" 2>"$T/err"
check "import exits 0" [ $? -eq 0 ]
check "summary names the line count" grep -q "imported $lines lines into" "$T/out"
check "no warnings on stderr" [ ! -s "$T/err" ]
"$NVT" info "$T/boot.pcapng.zst" >"$T/info"
check "info reads the trace" [ $? -eq 0 ]
check "info shows the device and emulator" grep -q "0000:00:02.0 nvme 1b36:0010 class 010802 (QEMU 7.2.22)" "$T/info"
check "SUB count equals admin_cmd+io_cmd lines" grep -qE "^ *SUB +$subs\$" "$T/info"
check "no importer warnings" grep -q "importer warnings 0" "$T/info"
"$NVT" dump -t SUB "$T/boot.pcapng.zst" >"$T/dump"
check "dump shows the workload's write" grep -q "OPC=Write NSID=1 SLBA=2048 NLB=8" "$T/dump"
# tshark, when installed, opens the compressed trace too
if command -v tshark >/dev/null 2>&1; then
  n=$(tshark -r "$T/boot.pcapng.zst" 2>/dev/null | wc -l)
  check "tshark reads every packet" [ "$n" -eq "$(grep -E '^events:' "$T/info" | awk '{print $2}')" ]
fi

# a malformed line: exit 1, file and line number in the message, records before it kept
{ head -n 20 "$T/boot.log"; echo "this is not a trace line"; tail -n 5 "$T/boot.log"; } >"$T/bad.log"
"$NVT" import qemu-log "$T/bad.log" -o "$T/bad.pcapng" >"$T/out" 2>"$T/err"
check "malformed line exits 1" [ $? -eq 1 ]
check "message names file and line 21" grep -q "$T/bad.log:21: not a QEMU trace line" "$T/err"
check "message says the records before are kept" grep -q "holds the .* records before the error" "$T/err"
check "partial output is a valid trace" "$NVT" info "$T/bad.pcapng" >/dev/null

"$NVT" import qemu-log "$T/bad.log" -o "$T/bad.pcapng" --skip-bad >"$T/out" 2>"$T/err"
check "--skip-bad exits 0" [ $? -eq 0 ]
check "--skip-bad reports the count and first line" grep -q "1 malformed lines skipped, the first at line 21" "$T/err"
"$NVT" info "$T/bad.pcapng" >"$T/info"
check "info shows the warning count" grep -q "importer warnings 1" "$T/info"

# unknown events are counted and reported
{ head -n 5 "$T/boot.log"; echo "1@1.000001:virtio_blk_submit_multireq mrb 0x1 start 0 num_reqs 1"; } >"$T/unk.log"
"$NVT" import qemu-log "$T/unk.log" -o "$T/unk.pcapng" >"$T/out" 2>"$T/err"
check "unknown event: exit 0" [ $? -eq 0 ]
check "unknown event: stderr says so" grep -q "1 lines of trace events the importer does not know" "$T/err"
"$NVT" dump -t NOTE "$T/unk.pcapng" >"$T/dump"
check "unknown event: named in the summary annotation" grep -q "virtio_blk_submit_multireq (1)" "$T/dump"

# --all-devices keeps the other functions
"$NVT" import qemu-log "$T/boot.log" -o "$T/all.pcapng" --all-devices >"$T/out" 2>&1
"$NVT" info "$T/all.pcapng" >"$T/info"
check "--all-devices: more than one device" grep -qE "^devices: +([2-9]|[1-9][0-9])" "$T/info"
check "--all-devices: the MCH is there" grep -q "mch 8086:29c0" "$T/info"

# QEMU 10.0: empty-slot reads counted, not kept, never devices (real log, data/README.md)
zstd -dcq "$DATA/boot-qemu-10.0.log.zst" >"$T/boot10.log"
"$NVT" import qemu-log "$T/boot10.log" -o "$T/b10.pcapng" --all-devices >"$T/out" 2>"$T/err"
check "10.0 log: exit 0" [ $? -eq 0 ]
check "10.0 log: empty-slot reads reported" grep -q "24883 config reads of empty slots left out" "$T/out"
"$NVT" info "$T/b10.pcapng" >"$T/info"
check "10.0 log, --all-devices: the real functions only" grep -qE "^devices: +[2-9]\$" "$T/info"

# QEMU 10.1+ prefix: the 7.2 log with its "tid@sec.usec:" prefixes in the ISO-8601 form
sed 's/^[0-9]*@\([0-9]*\)\.\([0-9]*\):/2026-12-07T17:37:22.\2Z /' "$T/boot.log" >"$T/iso.log"
"$NVT" import qemu-log "$T/iso.log" -o "$T/iso.pcapng" >"$T/out" 2>"$T/err"
check "ISO-8601 log: exit 0" [ $? -eq 0 ]
"$NVT" info "$T/iso.pcapng" >"$T/info"
check "ISO-8601 log: every command" grep -qE "^ *SUB +$subs\$" "$T/info"
check "ISO-8601 log: the device says the QEMU line" grep -q "(QEMU 10.1 or later (ISO-8601 log))" "$T/info"

# never an empty success: exit 1 and the reason, for an empty log, a log of unknown events
# only, and one without any NVMe event
: >"$T/empty.log"
"$NVT" import qemu-log "$T/empty.log" -o "$T/e.pcapng" >"$T/out" 2>"$T/err"
check "empty log: exit 1" [ $? -eq 1 ]
check "empty log: says so" grep -q "empty.log: the log is empty" "$T/err"
sed 's/:pci_/:x_pci_/; s/:msix_/:x_msix_/' "$T/boot.log" >"$T/renamed.log"
"$NVT" import qemu-log "$T/renamed.log" -o "$T/r.pcapng" >"$T/out" 2>"$T/err"
check "all-unknown log: exit 1" [ $? -eq 1 ]
check "all-unknown log: says so" grep -q "$lines of $lines lines could not be read" "$T/err"
grep -v ':pci_nvme_' "$T/boot.log" >"$T/nonvme.log"
"$NVT" import qemu-log "$T/nonvme.log" -o "$T/n.pcapng" >"$T/out" 2>"$T/err"
check "no NVMe events: exit 1" [ $? -eq 1 ]
check "no NVMe events: says so" grep -q "no pci_nvme_\* event in" "$T/err"
check "no NVMe events: the trace is kept" "$NVT" info "$T/n.pcapng" >/dev/null

# usage errors
"$NVT" import qemu-log "$T/boot.log" 2>/dev/null
check "no -o: exit 2" [ $? -eq 2 ]
"$NVT" import vmware-log "$T/boot.log" -o "$T/x.pcapng" 2>/dev/null
check "unknown kind: exit 2" [ $? -eq 2 ]
"$NVT" import qemu-log /nonexistent.log -o "$T/x.pcapng" 2>"$T/err"
check "missing input: exit 1" [ $? -eq 1 ]
check "missing input: named" grep -q "/nonexistent.log" "$T/err"

echo "$pass passed, $fails failed"
[ "$fails" -eq 0 ]

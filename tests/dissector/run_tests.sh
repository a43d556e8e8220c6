#!/usr/bin/env bash
# Wireshark plugin tests: the real tshark with the real plugin on traces written by the
# project's writer (gen_traces), then on every sample and every fuzz-corpus file.
#
#   run_tests.sh PLUGIN.so GEN_TRACES SOURCE_DIR [NVMETRACE_CLI]
#
# The plugin is copied into a temporary folder that WIRESHARK_PLUGIN_DIR names (it replaces
# the system plugin folder, so a copy installed there or in ~/.local cannot shadow the one under
# test), with an empty temporary HOME. Wireshark ignores WIRESHARK_PLUGIN_DIR and personal
# plugin folders when started as root: then tshark runs as nobody.
# WIRESHARK_ABORT_ON_DISSECTOR_BUG=1 makes any dissector bug abort tshark.
set -u
PLUGIN=$1 GEN=$2 SRC=$3 CLI=${4:-}

fails=0 checks=0
pass() { checks=$((checks + 1)); }
fail() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*"; }
expect() { # expect DESCRIPTION ACTUAL WANTED
    if [ "$2" == "$3" ]; then pass; else fail "$1: got '$2', want '$3'"; fi
}

WORK=$(mktemp -d /tmp/nvt-dissector-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
chmod 755 "$WORK"
ABI=$(tshark --version 2>/dev/null | sed -n '1s/.*(Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
mkdir -p "$WORK/plugins/$ABI/epan" "$WORK/home" "$WORK/traces"
cp "$PLUGIN" "$WORK/plugins/$ABI/epan/"
AS_USER=()
if [ "$(id -u)" = 0 ]; then
    AS_USER=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi

ts() { # tshark as the test user with the test HOME; stderr kept in $WORK/stderr
    "${AS_USER[@]}" env HOME="$WORK/home" WIRESHARK_PLUGIN_DIR="$WORK/plugins" WIRESHARK_ABORT_ON_DISSECTOR_BUG=1 \
        tshark "$@" 2>"$WORK/stderr"
}
fields() { # fields FILE FILTER FIELD... : one line per matching frame, values joined by |
    local f=$1 y=$2
    shift 2
    local e=()
    for x in "$@"; do e+=(-e "$x"); done
    # tshark 4.4 prints a boolean field as True/False where 4.0 prints 1/0: the checks say 1/0.
    ts -r "$f" -2 -Y "$y" -T fields -E separator='|' -E aggregator=',' "${e[@]}" |
        sed -E ':t; s/(^|[|,])True([|,]|$)/\11\2/; tt; :f; s/(^|[|,])False([|,]|$)/\10\2/; tf'
}
count() { ts -r "$1" -2 -Y "$2" | wc -l; }

# ---- the plugin loads from the personal folder, tshark dispatches to it ----
if ts -G plugins | grep -q "$WORK/plugins/$ABI/epan/nvmetrace.so"; then
    pass
else
    fail "tshark did not load the plugin under test: $(ts -G plugins | grep nvmetrace)"
    exit 1
fi

counts=$("$GEN" "$WORK/traces") || { fail "gen_traces failed"; exit 1; }
chmod -R a+rX "$WORK/traces"
N_ADMIN=$(sed -n 's/.*admin_opcodes=\([0-9]*\).*/\1/p' <<<"$counts")
N_IO=$(sed -n 's/.*io_opcodes=\([0-9]*\).*/\1/p' <<<"$counts")
EV=$WORK/traces/events.pcapng
EX=$WORK/traces/experts.pcapng
TWO=$WORK/traces/two_devices.pcapng

# ---- events.pcapng: every record decoded, nothing malformed, no false alarms ----
total=$(ts -r "$EV" | wc -l; exit "${PIPESTATUS[0]}")
expect "tshark exit status on events.pcapng" "$?" 0
expect "records decoded by the plugin" "$(count "$EV" nvt.type)" "$total"
expect "malformed packets in events.pcapng" "$(count "$EV" _ws.malformed)" 0
expect "event types present" "$(fields "$EV" nvt.type nvt.type | sort -un | tr '\n' ' ')" \
    "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 "
expect "admin commands (every named opcode)" \
    "$(fields "$EV" 'nvt.sqe.admin == 1' nvt.sqe.cmd | sort -u | wc -l)" "$N_ADMIN"
expect "I/O commands (every named opcode)" \
    "$(fields "$EV" 'nvt.sqe.admin == 0' nvt.sqe.cmd | sort -u | wc -l)" "$N_IO"
expect "submissions of unknown commands" "$(count "$EV" 'nvt.sqe.cmd == "Unknown"')" 0
expect "false alarms in a clean trace" "$(count "$EV" 'nvt.expert.reserved or
    nvt.expert.cid_reused or nvt.expert.no_submission or nvt.expert.doorbell_beyond_queue or
    nvt.expert.doorbell_unknown_queue or nvt.expert.bar0_small or nvt.expert.msix_vector_beyond or
    nvt.expert.short_record or nvt.expert.unknown_type or nvt.expert.unknown_flags or
    nvt.expert.stride_assumed or nvt.expert.ctrl_fatal')" 0
expect "error statuses (Virtualization Mgmt, Capacity Mgmt, Lockdown, Compare)" \
    "$(count "$EV" nvt.expert.error_status)" 4

# ---- matching: every completion has its command, links both ways, latency ----
expect "completions without their command" "$(count "$EV" 'nvt.type == 12 && !nvt.cmd_in')" 0
expect "submissions without their completion" "$(count "$EV" 'nvt.type == 11 && !nvt.cpl_in')" 0
bad=$(join -t'|' <(fields "$EV" nvt.cpl_in frame.number nvt.cpl_in | sort -t'|' -k2,2) \
    <(fields "$EV" nvt.cmd_in nvt.cmd_in frame.number | sort -t'|' -k2,2) -1 2 -2 2 \
    -o 1.1,2.1 | awk -F'|' '$1 != $2' | wc -l)
expect "links that do not point back" "$bad" 0
expect "Identify Controller: completion frame, latency" \
    "$(fields "$EV" 'nvt.sqe.cmd == "Identify" && nvt.cmd.cns == 1' nvt.cpl_in nvt.latency)" \
    "50|0.000004000"
expect "completion of frame 48" "$(fields "$EV" 'frame.number == 50' nvt.cmd_in nvt.cmd nvt.latency)" \
    "48|Identify|0.000004000"

# GUI re-dissection shows what the first pass saw: one pass and two passes agree
expect "completion links and latencies, one pass vs two" \
    "$(ts -r "$EV" -Y 'nvt.type == 12 || nvt.type == 7 || nvt.type == 14' -T fields \
        -e nvt.cmd_in -e nvt.latency -e nvt.db.qsize -e nvt.id.ctrl.mn | md5sum)" \
    "$(fields "$EV" 'nvt.type == 12 || nvt.type == 7 || nvt.type == 14' nvt.cmd_in nvt.latency \
        nvt.db.qsize nvt.id.ctrl.mn | tr '|' '\t' | md5sum)"

# ---- SQE / CQE fields ----
expect "Set Features Number of Queues: requested" \
    "$(fields "$EV" 'nvt.type == 11 && nvt.cmd.fid == 7' nvt.feat.nq.nsqr nvt.feat.nq.ncqr)" "63|63"
expect "Set Features Number of Queues: allocated (completion DW0)" \
    "$(fields "$EV" 'nvt.type == 12 && nvt.cmd == "Set Features" && nvt.feat.nq.nsqa' \
        nvt.feat.nq.nsqa nvt.feat.nq.ncqa)" "7|7"
expect "Get Features VWC value (completion DW0)" \
    "$(fields "$EV" 'nvt.type == 12 && nvt.feat.vwc.wce' nvt.feat.vwc.wce)" 1
expect "Create I/O CQ" "$(fields "$EV" 'nvt.sqe.opc == 0x05 && nvt.sqe.admin == 1' nvt.cmd.qid \
    nvt.cmd.qsize nvt.cmd.ien nvt.cmd.iv nvt.cmd.pc)" "1|63|1|1|1"
expect "Create I/O SQ" "$(fields "$EV" 'nvt.sqe.opc == 0x01 && nvt.sqe.admin == 1' nvt.cmd.qid \
    nvt.cmd.cqid nvt.cmd.qprio)" "1|1|2"
expect "Get Log Page" "$(fields "$EV" 'nvt.cmd.lid' nvt.cmd.lid nvt.cmd.numd nvt.cmd.rae \
    nvt.sqe.nsid)" "0x00000002|128|1|0xffffffff"
expect "Abort" "$(fields "$EV" 'nvt.cmd.abort_sqid' nvt.cmd.abort_sqid nvt.cmd.abort_cid)" "1|0x00000010"
expect "Abort completion" "$(fields "$EV" 'nvt.cqe.abort.not_aborted' nvt.cqe.abort.not_aborted)" 1
expect "AER completion" "$(fields "$EV" 'nvt.cqe.aer.type' nvt.cqe.aer.type nvt.cqe.aer.lid)" "2|0x00000004"
expect "Namespace Management completion NSID" "$(fields "$EV" nvt.cqe.nsid nvt.cqe.nsid)" 2
expect "Firmware Commit" "$(fields "$EV" nvt.cmd.ca nvt.cmd.fs nvt.cmd.ca)" "1|1"
expect "Format NVM" "$(fields "$EV" nvt.cmd.ses nvt.cmd.lbafl nvt.cmd.ses)" "1|1"
expect "Security Send" "$(fields "$EV" 'nvt.sqe.opc == 0x81 && nvt.sqe.admin == 1' nvt.cmd.secp \
    nvt.cmd.spsp0 nvt.cmd.sec_len)" "0x000000ef|0x00000001|512"
expect "Get LBA Status" "$(fields "$EV" nvt.cmd.atype nvt.cmd.mndw nvt.cmd.rl nvt.cmd.atype)" \
    "1023|256|0x00000010"
expect "Doorbell Buffer Config buffers" "$(fields "$EV" nvt.cmd.dbbuf_dbs nvt.cmd.dbbuf_dbs \
    nvt.cmd.dbbuf_eis)" "0x000000000100b000|0x000000000100c000"
expect "Write" "$(fields "$EV" 'nvt.sqe.cmd == "Write"' nvt.cmd.slba nvt.cmd.nlb nvt.cmd.blocks \
    nvt.cmd.fua)" "2048|7|8|1"
expect "Write Zeroes" "$(fields "$EV" 'nvt.sqe.cmd == "Write Zeroes"' nvt.cmd.slba nvt.cmd.deac)" \
    "4294971392|1"
expect "DSM command" "$(fields "$EV" 'nvt.cmd.dsm_nr' nvt.cmd.dsm_nr nvt.cmd.ad)" "1|1"
expect "DSM ranges from DMA" "$(fields "$EV" nvt.dsm.range.slba nvt.dsm.range.slba nvt.dsm.range.nlb)" \
    "4096,8192|8,16"
expect "Copy" "$(fields "$EV" nvt.copy.range.slba nvt.cmd_in nvt.copy.range.slba nvt.copy.range.nlb)" \
    "$(fields "$EV" 'nvt.sqe.cmd == "Copy"' frame.number)|300|9"
expect "Reservation Acquire" "$(fields "$EV" nvt.cmd.racqa nvt.cmd.rtype)" "1"
expect "Compare failure status" "$(fields "$EV" 'nvt.cqe.status_code == 0x0285' nvt.cqe.sct \
    nvt.cqe.sc nvt.cqe.dnr nvt.cmd)" "0x0002|0x0085|1|Compare"
expect "status name" "$(ts -r "$EV" -2 -O nvt -V -Y 'nvt.cqe.status_code == 0x0285' |
    grep -c 'Status (SCT << 8 | SC): Compare Failure (0x0285)')" 1

# ---- Identify data decoded from DMA ----
expect "Identify Controller data" "$(fields "$EV" nvt.id.ctrl.mn nvt.id.ctrl.vid nvt.id.ctrl.mdts \
    nvt.id.ctrl.nn nvt.id.ctrl.sqes nvt.id.ctrl.subnqn)" \
    "0x1b36|7|256|0x66|nqn.2019-08.org.qemu:deadbeef"
expect "Identify Controller model" "$(fields "$EV" nvt.id.ctrl.mn nvt.id.ctrl.mn | sed 's/ *$//')" \
    "QEMU NVMe Ctrl"
expect "Identify Namespace data (matched by PRP1)" "$(fields "$EV" nvt.id.ns.nsze nvt.dma.sqid \
    nvt.id.ns.nsze nvt.id.ns.nlbaf nvt.id.ns.lbaf.size)" "65535|131072|1|512,4096"
expect "Active Namespace ID list" "$(fields "$EV" nvt.id.nslist.nsid nvt.id.nslist.nsid)" "1,2"
expect "Namespace Identification Descriptor" "$(fields "$EV" nvt.id.desc.type nvt.id.desc.type \
    nvt.id.desc.id)" "2|a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"

# ---- registers, doorbells, config space, MSI-X ----
expect "CAP" "$(fields "$EV" nvt.reg.cap nvt.reg.cap.mqes nvt.reg.cap.dstrd nvt.reg.cap.mpsmax \
    nvt.reg.cap.cqr)" "2047|0|4|1"
expect "VS" "$(fields "$EV" nvt.reg.vs nvt.reg.vs.mjr nvt.reg.vs.mnr)" "1|4"
expect "CC enable" "$(fields "$EV" 'nvt.reg.cc.en == 1 && nvt.reg.cc.shn == 0' nvt.reg.cc.iosqes \
    nvt.reg.cc.iocqes)" "6|4"
expect "CC shutdown, CSTS shutdown complete" "$(fields "$EV" 'nvt.reg.cc.shn == 1 ||
    nvt.reg.csts.shst == 2' nvt.reg.cc.shn nvt.reg.csts.shst | tr '\n' ' ')" "1| |2 "
expect "AQA" "$(fields "$EV" nvt.reg.aqa nvt.reg.aqa.asqs nvt.reg.aqa.acqs)" "31|31"
expect "ASQ" "$(fields "$EV" nvt.reg.asq nvt.reg.asq)" "0x0000000001000000"
expect "ACQ upper dword named" "$(fields "$EV" 'nvt.mmio.offset == 0x34' nvt.reg.name)" \
    "ACQ (upper dword)"
expect "INTMS, INTMC, NSSR" "$(fields "$EV" 'nvt.reg.intms || nvt.reg.intmc || nvt.reg.nssr' \
    nvt.reg.name | tr '\n' ' ')" "INTMS INTMC NSSR "
expect "CMBLOC, CMBSZ" "$(fields "$EV" 'nvt.reg.cmbloc || nvt.reg.cmbsz' nvt.reg.cmbloc.bir \
    nvt.reg.cmbsz.sz nvt.reg.cmbsz.wds | tr '\n' ' ')" "2|| |1|1 "
expect "doorbell MMIO decoded with DSTRD" "$(fields "$EV" 'nvt.mmio.offset == 0x100c' nvt.db.qid \
    nvt.db.is_cq | sort -u)" "1|1"
expect "doorbell queue sizes (admin from AQA, I/O from Create)" \
    "$(fields "$EV" 'nvt.type == 7' nvt.db.qsize | sort -u | tr '\n' ' ')" "32 64 "
expect "config header fields" "$(fields "$EV" 'frame.number <= 3' nvt.cfg.vendor_id nvt.cfg.device_id \
    nvt.cfg.class nvt.cfg.subsys_vendor_id | tr '\n' ' ')" "0x1b36|0x0010|| ||0x010802| |||0x1af4 "
expect "capability fields" "$(fields "$EV" 'nvt.cfg.msix.table_size || nvt.cfg.pcie.devctl.mrrs ||
    nvt.cfg.pm.ps' nvt.cfg.field | tr '\n' ';')" \
    "MSI-X Message Control;PCI Express: Device Control;Power Management Control/Status;"
expect "MSI-X table and PBA offsets (shown unshifted)" "$(ts -r "$EV" -2 -O nvt -V \
    -Y nvt.cfg.msix.offset | grep -o '= Offset: 0x[0-9a-f]*' | tr '\n' ' ')" \
    "= Offset: 0x00002000 = Offset: 0x00003000 "
expect "BAR0 sizing" "$(fields "$EV" nvt.cfg.bar0_size nvt.cfg.bar0_size)" 16384
expect "BAR map" "$(fields "$EV" 'nvt.type == 5' nvt.bar.addr nvt.bar.size nvt.bar.64bit)" \
    "0x00000000febf0000|16384|1"
expect "MSI-X table entry through BAR0" "$(fields "$EV" 'nvt.mmio.offset == 0x2000' nvt.msix.entry \
    nvt.msix.field)" "0|0"
expect "MSI-X control" "$(fields "$EV" 'nvt.type == 9' nvt.msix.enabled nvt.msix.table_size)" "1|65"
expect "MSI-X vector control" "$(fields "$EV" 'nvt.msix.field == 3' nvt.msix.masked)" 0
expect "interrupt kinds" "$(fields "$EV" nvt.irq.kind nvt.irq.kind | sort -u | tr '\n' ' ')" "0 1 2 3 "
expect "controller states" "$(fields "$EV" nvt.state nvt.state | tr '\n' ' ')" "2 3 5 6 4 1 "
expect "shadow doorbell and EventIdx" "$(fields "$EV" nvt.dma.dbbuf nvt.dma.dbbuf nvt.db.qid \
    nvt.db.is_cq nvt.dma.dbbuf_value nvt.db.qsize | tr '\n' ' ')" \
    "Shadow doorbell|1|0|5|64 EventIdx|1|1|4|64 "
expect "annotation" "$(fields "$EV" nvt.ann.text nvt.ann.level nvt.ann.text)" "3|I/O done"
expect "capture stats" "$(fields "$EV" nvt.stats.dropped nvt.stats.dropped)" 0

# ---- Info column: the nvmetrace dump line ----
expect "Info of an Identify submission" "$(fields "$EV" 'frame.number == 48' _ws.col.Info)" \
    "ADM SQ=0 CID=0000 OPC=Identify NSID=0 prp1=1002000 CNS=0x01 (Identify Controller)"
expect "Info of a doorbell write" "$(fields "$EV" 'frame.number == 52' _ws.col.Info)" \
    "REG 1004 <- 00000001 [CQ0HDBL]"
if [ -n "$CLI" ] && [ -x "$CLI" ]; then
    mismatch=$(paste -d'\t' <("$CLI" dump "$EV" | sed 's/^\[ *[0-9]*\] [^ ]* [^ ]* //') \
        <(fields "$EV" nvt _ws.col.Info) | awk -F'\t' 'index($2, $1) != 1' | head -3)
    expect "Info columns that do not start with the dump line" "$mismatch" ""
fi

# ---- compressed capture opens directly and decodes the same ----
expect "events.pcapng.zst == events.pcapng" \
    "$(fields "$EV.zst" nvt _ws.col.Info | md5sum)" "$(fields "$EV" nvt _ws.col.Info | md5sum)"

# ---- statistics tree ----
tree=$(ts -r "$EV" -q -z nvt,tree)
nsub=$(count "$EV" 'nvt.type == 11')
for want in "Commands by opcode  *$nsub " "Admin Identify  *4 " "Compare Failure  *1 " \
    "Invalid Command Opcode  *1 " "Latency by opcode (us)  *$nsub " "I/O Write  *1  *4.00 "; do
    if grep -q -- "$want" <<<"$tree"; then pass; else fail "stats tree lacks /$want/"; fi
done

# ---- experts.pcapng: one record per condition ----
ex() { fields "$EX" "$1" frame.number | tr '\n' ' '; }
# The record with a short body is malformed (its expert info is in the Malformed group);
# nothing else in this file is.
expect "malformed packets in experts.pcapng" "$(ex _ws.malformed)" "59 "
expect "BAR0 < 16 KiB (sizing read-back, BAR map)" "$(ex nvt.expert.bar0_small)" "18 21 "
expect "MSI-X vector beyond the table" "$(ex nvt.expert.msix_vector_beyond)" "23 24 42 "
expect "doorbell beyond the queue size (MMIO doorbell, shadow doorbell)" \
    "$(ex nvt.expert.doorbell_beyond_queue)" "39 62 "
expect "doorbell for a queue never created" "$(ex nvt.expert.doorbell_unknown_queue)" "41 60 "
expect "CID reused while outstanding" "$(fields "$EX" nvt.expert.cid_reused frame.number \
    nvt.cid_reused_from)" "44|43"
expect "completion without submission" "$(ex nvt.expert.no_submission)" "45 "
expect "error status" "$(ex nvt.expert.error_status)" "46 "
expect "reserved bits (CDW0 and CDW10, CC)" "$(ex nvt.expert.reserved)" "47 48 "
expect "reserved bits in CDW0 and CDW10" "$(ts -r "$EX" -2 -O nvt -V -Y "frame.number == 47" |
    grep -c "Expert Info (Warning/Protocol): Reserved bits")" 2
expect "reconstructed records" "$(ex nvt.expert.reconstructed)" "49 50 "
expect "reconstructed SQE: known fields only" "$(fields "$EX" 'frame.number == 49' nvt.sqe.opc \
    nvt.sqe.cid nvt.sqe.nsid nvt.cmd.cns nvt.sqe.prp1 nvt.sqe.cdw11)" "0x06|0x0007|0x00000001|0x00000000||"
expect "reconstructed CQE: known fields only, matched" "$(fields "$EX" 'frame.number == 50' \
    nvt.cqe.dw0 nvt.cqe.sqhd nvt.cqe.cid nvt.cqe.status_code nvt.cmd_in)" "||0x0007|0x0000|49"
expect "reconstructed values marked" "$(ts -r "$EX" -2 -O nvt -V -Y 'frame.number == 49' |
    grep -c 'Opcode: 0x06 (Identify) \[reconstructed\]')" 1
expect "unknown MMIO value not shown" "$(fields "$EX" nvt.expert.value_unknown frame.number \
    nvt.mmio.value nvt.reg.csts)" "51||"
expect "truncated DMA" "$(fields "$EX" nvt.expert.truncated frame.number nvt.dma.len nvt.dma.caplen)" \
    "52|4096|16"
expect "controller fatal (CSTS.CFS, state)" "$(ex nvt.expert.ctrl_fatal)" "53 54 "
expect "annotation as expert comment" "$(ex nvt.expert.annotation)" "55 "
expect "dropped events" "$(fields "$EX" nvt.expert.dropped nvt.stats.dropped)" 3
expect "newer schema version: marked, not decoded" "$(fields "$EX" nvt.expert.version_newer \
    frame.number nvt.version nvt.type)" "57|2|"
expect "newer schema version Info" "$(fields "$EX" nvt.expert.version_newer _ws.col.Info)" \
    "[schema v2 record, newer than v1: not decoded]"
expect "unknown event type" "$(ex nvt.expert.unknown_type)" "58 "
expect "record body too short" "$(ex nvt.expert.short_record)" "59 "
expect "unknown flags" "$(ex nvt.expert.unknown_flags)" "60 "

# ---- two devices: state keyed by device ----
expect "two devices: BDFs" "$(fields "$TWO" nvt nvt.bdf | sort -u | tr '\n' ' ')" \
    "0000:00:04.0 0000:00:05.0 "
expect "two devices: DSTRD per device" "$(fields "$TWO" 'nvt.mmio.offset == 0x1008' nvt.bdf \
    nvt.db.qid nvt.db.is_cq nvt.db.stride | tr '\n' ' ')" \
    "0000:00:04.0|1|0|4 0000:00:05.0|0|1|8 "
expect "two devices: same SQ/CID matched per device" "$(fields "$TWO" 'nvt.type == 12' nvt.bdf \
    nvt.cmd_in nvt.latency | tr '\n' ' ')" \
    "0000:00:05.0|6|0.000003000 0000:00:04.0|5|0.000015000 "
expect "two devices: no false CID reuse" "$(count "$TWO" 'nvt.expert.cid_reused ||
    nvt.expert.no_submission')" 0

# ---- hostile records: random bytes around every type's size, full trees, two passes ----
RND=$WORK/traces/random.pcapng
"$GEN" --random 20000 7 "$RND" && chmod a+r "$RND"
ts -r "$RND" -2 -V >/dev/null
rc=$?
expect "tshark -V on random records: exit status, dissector bugs" \
    "$rc $(grep -ci 'dissector bug' "$WORK/stderr")" "0 0"
expect "random records: exceptions (malformed without the plugin's own length verdict)" \
    "$(count "$RND" '_ws.malformed && !(nvt.expert.short_record || nvt.expert.version_invalid)')" 0
flagged_rnd=$(count "$RND" 'nvt.expert.short_record')
decoded_rnd=$(count "$RND" 'nvt.sqe.cmd && !_ws.malformed')
if [ "$flagged_rnd" -gt 1000 ] && [ "$decoded_rnd" -gt 500 ]; then pass; else
    fail "random records did not exercise both paths: $flagged_rnd short, $decoded_rnd SQEs decoded"
fi

# ---- every sample and every fuzz-corpus file: no malformed packet, no dissector bug ----
# Samples are real captures: not one malformed packet. Fuzz-corpus files may hold records that
# contradict their own lengths on purpose: the plugin must flag those itself (short_record,
# version_invalid: expert infos of the Malformed group) and never throw an exception, which
# would show as a malformed packet without such an expert info.
shopt -s nullglob globstar
inputs=("$SRC"/samples/**/*.pcapng "$SRC"/samples/**/*.pcapng.zst "$SRC"/samples/**/*.pcapng.gz
        "$SRC"/tests/fuzz/corpus/**/*)
nsamples=0 ncorpus=0 flagged=0
for f in "${inputs[@]}"; do
    [ -f "$f" ] || continue
    case $f in */samples/*) sample=1 ;; *) sample=0 ;; esac
    if [ $sample = 1 ]; then
        filter='_ws.malformed || nvt.expert.unknown_type || nvt.expert.unknown_flags'
        nsamples=$((nsamples + 1))
    else
        filter='_ws.malformed && !(nvt.expert.short_record || nvt.expert.version_invalid)'
        ncorpus=$((ncorpus + 1))
    fi
    out=$(ts -r "$f" -Y "$filter")
    rc=$?
    if [ $rc -ge 128 ] || grep -qi "dissector bug" "$WORK/stderr"; then
        fail "tshark crashed or hit a dissector bug on $f (exit $rc): $(head -c 300 "$WORK/stderr")"
    elif [ -n "$out" ]; then
        fail "malformed packets in $f: $(head -3 <<<"$out")"
    else
        pass
    fi
    [ $sample = 0 ] && flagged=$((flagged + $(count "$f" _ws.malformed)))
done
# ---- real boots (samples/boot, QEMU log imports): matching and decoding on real traffic ----
for f in "$SRC"/samples/boot/*.pcapng*; do
    [ -f "$f" ] || continue
    b=$(basename "$f")
    expect "$b: completions without their command" "$(count "$f" 'nvt.type == 12 && !nvt.cmd_in')" 0
    expect "$b: false alarms" "$(count "$f" 'nvt.expert.reserved || nvt.expert.cid_reused ||
        nvt.expert.no_submission || nvt.expert.doorbell_beyond_queue || nvt.expert.bar0_small ||
        nvt.expert.doorbell_unknown_queue || nvt.expert.msix_vector_beyond')" 0
    expect "$b: the guest's 4 KiB write at LBA 2048 (NLB from a partly known CDW12)" \
        "$(fields "$f" 'nvt.sqe.cmd == "Write"' nvt.cmd.slba nvt.cmd.nlb nvt.cmd.blocks | sort -u)" \
        "2048|7|8"
    expect "$b: shadow doorbells found (Linux uses Doorbell Buffer Config)" \
        "$([ "$(count "$f" 'nvt.dma.dbbuf == "Shadow doorbell"')" -gt 10 ] && echo yes)" yes
    expect "$b: BAR0 size from the sizing read-back" "$(fields "$f" nvt.cfg.bar0_size \
        nvt.cfg.bar0_size | sort -u)" 16384
done

echo "dissector tests: $checks checks, $fails failed; $nsamples samples, $ncorpus fuzz-corpus" \
    "files ($flagged records there flagged as malformed by the plugin's own length checks)"
[ "$fails" -eq 0 ]

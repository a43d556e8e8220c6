/*
 * NVMe payload layouts as data tables (nvmetrace/nvme_layouts.h). Facts from the NVMe Base
 * Specification 2.0c (2.1 where said) and the NVM Command Set Specification 1.0c; figures are
 * cited by title (the numbering moves between revisions), plus the 2.0c number where known.
 */
#include "nvmetrace/nvme_layouts.h"

#include <stdio.h>
#include <string.h>

#define N(t) (sizeof(t) / sizeof(t[0]))
#define F(off, len, name, ab) {off, len, 1, 0, NVT_LK_UINT, 0, name, ab}
#define FK(off, len, kind, name, ab) {off, len, 1, 0, kind, 0, name, ab}
#define FA(off, len, count, stride, kind, flags, name, ab) \
    {off, len, count, stride, kind, flags, name, ab}
#define LAYOUT(var, key, title, spec, size, repeats, fields) \
    static const struct nvt_layout var = {key, title, spec, size, repeats, fields, N(fields)}

/* ---- log pages (Base 2.0c, 5.16.1) ---- */

/* "Get Log Page - Error Information Log Entry (Log Page Identifier 01h)": 64-byte entries. */
static const struct nvt_layout_field error_info[] = {
    F(0, 8, "Error Count", "ERRCNT"),
    F(8, 2, "Submission Queue ID", "SQID"),
    F(10, 2, "Command ID", "CMDID"),
    F(12, 2, "Status Info", "SI"),
    F(14, 2, "Parameter Error Location", "PEL"),
    F(16, 8, "LBA", "LBA"),
    F(24, 4, "Namespace", "NS"),
    F(28, 1, "Vendor Specific Information Available", "VSIA"),
    F(29, 1, "Transport Type", "TRTYPE"),
    F(32, 8, "Command Specific Information", "CSI"),
    F(40, 2, "Transport Type Specific Information", "TTSI"),
};
LAYOUT(l_error, "error", "Error Information",
       "NVMe Base 2.0c, 5.16.1.2, figure \"Error Information Log Entry\"", 64, 1, error_info);

/* "Get Log Page - SMART / Health Information Log" (2.0c figure 207). */
static const struct nvt_layout_field smart[] = {
    F(0, 1, "Critical Warning", "CW"),
    F(1, 2, "Composite Temperature", "CTEMP"),
    F(3, 1, "Available Spare", "AVSP"),
    F(4, 1, "Available Spare Threshold", "AVSPT"),
    F(5, 1, "Percentage Used", "PUSED"),
    F(6, 1, "Endurance Group Critical Warning Summary", "EGCWS"),
    FK(32, 16, NVT_LK_U128, "Data Units Read", "DUR"),
    FK(48, 16, NVT_LK_U128, "Data Units Written", "DUW"),
    FK(64, 16, NVT_LK_U128, "Host Read Commands", "HRC"),
    FK(80, 16, NVT_LK_U128, "Host Write Commands", "HWC"),
    FK(96, 16, NVT_LK_U128, "Controller Busy Time", "CBT"),
    FK(112, 16, NVT_LK_U128, "Power Cycles", "PWRC"),
    FK(128, 16, NVT_LK_U128, "Power On Hours", "POH"),
    FK(144, 16, NVT_LK_U128, "Unsafe Shutdowns", "UPL"),
    FK(160, 16, NVT_LK_U128, "Media and Data Integrity Errors", "MDIE"),
    FK(176, 16, NVT_LK_U128, "Number of Error Information Log Entries", "NEILE"),
    F(192, 4, "Warning Composite Temperature Time", "WCTT"),
    F(196, 4, "Critical Composite Temperature Time", "CCTT"),
    FA(200, 2, 8, 0, NVT_LK_UINT, 0, "Temperature Sensor", "TSEN"),
    F(216, 4, "Thermal Management Temperature 1 Transition Count", "TMT1TC"),
    F(220, 4, "Thermal Management Temperature 2 Transition Count", "TMT2TC"),
    F(224, 4, "Total Time For Thermal Management Temperature 1", "TTFTMT1"),
    F(228, 4, "Total Time For Thermal Management Temperature 2", "TTFTMT2"),
};
LAYOUT(l_smart, "smart", "SMART / Health Information",
       "NVMe Base 2.0c, 5.16.1.3, figure 207 \"SMART / Health Information Log\"", 512, 0,
       smart);

/* "Get Log Page - Firmware Slot Information Log". */
static const struct nvt_layout_field fw_slot[] = {
    F(0, 1, "Active Firmware Info", "AFI"),
    FA(8, 8, 7, 0, NVT_LK_TEXT, 0, "Firmware Revision for Slot", "FRS"),
};
LAYOUT(l_fw_slot, "fw_slot", "Firmware Slot Information",
       "NVMe Base 2.0c, 5.16.1.4, figure \"Firmware Slot Information Log\"", 512, 0, fw_slot);

/* "Changed Namespace List Log": up to 1024 NSIDs, zero filled. */
static const struct nvt_layout_field changed_ns[] = {
    FA(0, 4, 1024, 0, NVT_LK_UINT, NVT_LF_NONZERO, "Namespace Identifier", "NSID"),
};
LAYOUT(l_changed_ns, "changed_ns", "Changed Namespace List",
       "NVMe Base 2.0c, 5.16.1.5, figure \"Changed Namespace List Log\"", 4096, 0, changed_ns);

/* "Commands Supported and Effects Log Page": a Commands Supported and Effects entry per admin
 * and per I/O opcode; an entry of zero is a command not supported. */
static const struct nvt_layout_field effects[] = {
    FA(0, 4, 256, 0, NVT_LK_UINT, NVT_LF_NONZERO, "Admin Command Supported", "ACS"),
    FA(1024, 4, 256, 0, NVT_LK_UINT, NVT_LF_NONZERO, "I/O Command Supported", "IOCS"),
};
LAYOUT(l_effects, "effects", "Commands Supported and Effects",
       "NVMe Base 2.0c, 5.16.1.6, figure \"Commands Supported and Effects Log Page\"", 4096, 0,
       effects);

/* "Device Self-test Log": a header and 20 Self-test Result Data Structures of 28 bytes. */
static const struct nvt_layout_field self_test[] = {
    F(0, 1, "Current Device Self-Test Operation", "CDSTO"),
    F(1, 1, "Current Device Self-Test Completion", "CDSTC"),
    FA(4, 1, 20, 28, NVT_LK_UINT, 0, "Device Self-test Status", "DSTS"),
    FA(5, 1, 20, 28, NVT_LK_UINT, 0, "Segment Number", "SN"),
    FA(6, 1, 20, 28, NVT_LK_UINT, 0, "Valid Diagnostic Information", "VDI"),
    FA(8, 8, 20, 28, NVT_LK_UINT, 0, "Power On Hours", "POH"),
    FA(16, 4, 20, 28, NVT_LK_UINT, 0, "Namespace Identifier", "NSID"),
    FA(20, 8, 20, 28, NVT_LK_UINT, 0, "Failing LBA", "FLBA"),
    FA(28, 1, 20, 28, NVT_LK_UINT, 0, "Status Code Type", "SCT"),
    FA(29, 1, 20, 28, NVT_LK_UINT, 0, "Status Code", "SC"),
    FA(30, 2, 20, 28, NVT_LK_UINT, 0, "Vendor Specific", "VS"),
};
LAYOUT(l_self_test, "self_test", "Device Self-test",
       "NVMe Base 2.0c, 5.16.1.7, figures \"Device Self-test Log\" and \"Self-test Result "
       "Data Structure\"", 564, 0, self_test);

/* Telemetry Host-Initiated (07h) and Controller-Initiated (08h) log headers: the same layout
 * in the first 512 bytes. */
static const struct nvt_layout_field telemetry[] = {
    F(0, 1, "Log Identifier", "LID"),
    F(5, 3, "IEEE OUI Identifier", "IEEE"),
    F(8, 2, "Telemetry Data Area 1 Last Block", "DA1LB"),
    F(10, 2, "Telemetry Data Area 2 Last Block", "DA2LB"),
    F(12, 2, "Telemetry Data Area 3 Last Block", "DA3LB"),
    F(16, 4, "Telemetry Data Area 4 Last Block", "DA4LB"),
    F(382, 1, "Telemetry Controller-Initiated Data Available", "TCIDA"),
    F(383, 1, "Telemetry Controller-Initiated Data Generation Number", "TCIDGN"),
    FK(384, 128, NVT_LK_BYTES, "Reason Identifier", "RI"),
};
LAYOUT(l_telemetry, "telemetry", "Telemetry log header",
       "NVMe Base 2.0c, 5.16.1.8 / 5.16.1.9, figures \"Telemetry Host-Initiated Log\" and "
       "\"Telemetry Controller-Initiated Log\" (header)", 512, 0, telemetry);

/* "Persistent Event Log Header". */
static const struct nvt_layout_field pel[] = {
    F(0, 1, "Log Identifier", "LID"),
    F(4, 4, "Total Number of Events", "TNEV"),
    F(8, 8, "Total Log Length", "TLL"),
    F(16, 1, "Log Revision", "LREV"),
    F(18, 2, "Log Header Length", "LHL"),
    F(20, 8, "Timestamp", "TS"),
    FK(28, 16, NVT_LK_U128, "Power on Hours", "POH"),
    F(44, 8, "Power Cycle Count", "PCC"),
    F(52, 2, "PCI Vendor ID", "VID"),
    F(54, 2, "PCI Subsystem Vendor ID", "SSVID"),
    FK(56, 20, NVT_LK_TEXT, "Serial Number", "SN"),
    FK(76, 40, NVT_LK_TEXT, "Model Number", "MN"),
    FK(116, 256, NVT_LK_TEXT, "NVM Subsystem NVMe Qualified Name", "SUBNQN"),
    F(372, 2, "Generation Number", "GENNUM"),
    F(374, 4, "Reporting Context Information", "RCI"),
    FK(480, 32, NVT_LK_BYTES, "Supported Events Bitmap", "SEB"),
};
LAYOUT(l_pel, "pel", "Persistent Event Log header",
       "NVMe Base 2.0c, 5.16.1.14, figure \"Persistent Event Log Header\"", 512, 0, pel);

/* ---- feature data buffers (Base 2.0c, 5.27.1) ---- */

/* "Host Memory Buffer - Attributes Data Structure" (Get Features, FID 0Dh). */
static const struct nvt_layout_field hmb_attr[] = {
    F(0, 4, "Host Memory Buffer Size", "HSIZE"),
    F(4, 4, "Host Memory Descriptor List Lower Address", "HMDLLA"),
    F(8, 4, "Host Memory Descriptor List Upper Address", "HMDLUA"),
    F(12, 4, "Host Memory Descriptor List Entry Count", "HMDLEC"),
};
LAYOUT(l_hmb_attr, "hmb", "Host Memory Buffer Attributes",
       "NVMe Base 2.0c, 5.27.1.10, figure \"Host Memory Buffer - Attributes Data Structure\"",
       4096, 0, hmb_attr);

/* "Timestamp - Data Structure for Get Features / Set Features" (FID 0Eh). */
static const struct nvt_layout_field timestamp[] = {
    F(0, 6, "Timestamp", "TS"),
    F(6, 1, "Attributes", "ATTR"), /* bit 0 Synch, bits 3:1 Timestamp Origin */
};
LAYOUT(l_timestamp, "timestamp", "Timestamp",
       "NVMe Base 2.0c, 5.27.1.11, figure \"Timestamp - Data Structure for Get Features\"", 8,
       0, timestamp);

/* "Host Behavior Support - Data Structure" (FID 16h); bytes 3-5 are Base 2.1. */
static const struct nvt_layout_field host_behavior[] = {
    F(0, 1, "Advanced Command Retry Enable", "ACRE"),
    F(1, 1, "Extended Telemetry Data Area 4 Supported", "ETDAS"),
    F(2, 1, "LBA Format Extension Enable", "LBAFEE"),
    F(3, 1, "Host Dispersed Namespace Support", "HDISNS"),
    F(4, 2, "Copy Descriptor Formats Enable", "CDFE"),
};
LAYOUT(l_host_behavior, "host_behavior", "Host Behavior Support",
       "NVMe Base 2.0c, 5.27.1.18, figure \"Host Behavior Support - Data Structure\" (bytes "
       "3-5: Base 2.1)", 512, 0, host_behavior);

/* ---- Identify data structures (Base 2.0c, 5.17.2) ---- */

/* CNS 05h, CSI 00h: "I/O Command Set Specific Identify Namespace Data Structure for the NVM
 * Command Set" (NVM Command Set 1.0c, 4.1.5.2). */
static const struct nvt_layout_field id_ns_nvm[] = {
    F(0, 8, "Logical Block Storage Tag Mask", "LBSTM"),
    F(8, 1, "Protection Information Capabilities", "PIC"),
    FA(12, 4, 64, 0, NVT_LK_UINT, 0, "Extended LBA Format Support", "ELBAF"),
};
LAYOUT(l_id_ns_nvm, "ns_nvm", "NVM Command Set Identify Namespace",
       "NVM Command Set 1.0c, 4.1.5.2, figure \"I/O Command Set Specific Identify Namespace "
       "Data Structure for the NVM Command Set\"", 4096, 0, id_ns_nvm);

/* CNS 06h, CSI 00h: "I/O Command Set Specific Identify Controller Data Structure for the NVM
 * Command Set" (NVM Command Set 1.0c, 4.1.5.3). */
static const struct nvt_layout_field id_ctrl_nvm[] = {
    F(0, 1, "Verify Size Limit", "VSL"),
    F(1, 1, "Write Zeroes Size Limit", "WZSL"),
    F(2, 1, "Write Uncorrectable Size Limit", "WUSL"),
    F(3, 1, "Dataset Management Ranges Limit", "DMRL"),
    F(4, 4, "Dataset Management Range Size Limit", "DMRSL"),
    F(8, 8, "Dataset Management Size Limit", "DMSL"),
};
LAYOUT(l_id_ctrl_nvm, "ctrl_nvm", "NVM Command Set Identify Controller",
       "NVM Command Set 1.0c, 4.1.5.3, figure \"I/O Command Set Specific Identify Controller "
       "Data Structure for the NVM Command Set\"", 4096, 0, id_ctrl_nvm);

/* CNS 08h: "I/O Command Set Independent Identify Namespace Data Structure". */
static const struct nvt_layout_field id_ns_indep[] = {
    F(0, 1, "Common Namespace Features", "NSFEAT"),
    F(1, 1, "Namespace Multi-path I/O and Namespace Sharing Capabilities", "NMIC"),
    F(2, 1, "Reservation Capabilities", "RESCAP"),
    F(3, 1, "Format Progress Indicator", "FPI"),
    F(4, 4, "ANA Group Identifier", "ANAGRPID"),
    F(8, 1, "Namespace Attributes", "NSATTR"),
    F(10, 2, "NVM Set Identifier", "NVMSETID"),
    F(12, 2, "Endurance Group Identifier", "ENDGID"),
    F(14, 1, "Namespace Status", "NSTAT"),
};
LAYOUT(l_id_ns_indep, "ns_indep", "I/O Command Set Independent Identify Namespace",
       "NVMe Base 2.0c, 5.17.2.8, figure \"I/O Command Set Independent Identify Namespace Data "
       "Structure\"", 4096, 0, id_ns_indep);

/* CNS 14h: "Primary Controller Capabilities Structure". */
static const struct nvt_layout_field id_primary[] = {
    F(0, 2, "Controller Identifier", "CNTLID"),
    F(2, 2, "Port Identifier", "PORTID"),
    F(4, 1, "Controller Resource Types", "CRT"),
    F(32, 4, "VQ Resources Flexible Total", "VQFRT"),
    F(36, 4, "VQ Resources Flexible Assigned", "VQRFA"),
    F(40, 2, "VQ Resources Flexible Allocated to Primary", "VQRFAP"),
    F(42, 2, "VQ Resources Private Total", "VQPRT"),
    F(44, 2, "VQ Resources Flexible Secondary Maximum", "VQFRSM"),
    F(46, 2, "VQ Flexible Resource Preferred Granularity", "VQGRAN"),
    F(64, 4, "VI Resources Flexible Total", "VIFRT"),
    F(68, 4, "VI Resources Flexible Assigned", "VIRFA"),
    F(72, 2, "VI Resources Flexible Allocated to Primary", "VIRFAP"),
    F(74, 2, "VI Resources Private Total", "VIPRT"),
    F(76, 2, "VI Resources Flexible Secondary Maximum", "VIFRSM"),
    F(78, 2, "VI Flexible Resource Preferred Granularity", "VIGRAN"),
};
LAYOUT(l_id_primary, "primary_ctrl", "Primary Controller Capabilities",
       "NVMe Base 2.0c, 5.17.2.14, figure \"Primary Controller Capabilities Structure\"", 4096,
       0, id_primary);

/* CNS 15h: "Secondary Controller List": a count and 127 32-byte Secondary Controller
 * Entries (an entry with SCID 0 is unused: controller identifier 0 is never secondary here). */
static const struct nvt_layout_field id_secondary[] = {
    F(0, 1, "Number of Identifiers", "NUMID"),
    FA(32, 2, 127, 32, NVT_LK_UINT, NVT_LF_NONZERO, "Secondary Controller Identifier", "SCID"),
    FA(34, 2, 127, 32, NVT_LK_UINT, NVT_LF_NONZERO, "Primary Controller Identifier", "PCID"),
    FA(36, 1, 127, 32, NVT_LK_UINT, NVT_LF_NONZERO, "Secondary Controller State", "SCS"),
    FA(40, 2, 127, 32, NVT_LK_UINT, NVT_LF_NONZERO, "Virtual Function Number", "VFN"),
    FA(42, 2, 127, 32, NVT_LK_UINT, NVT_LF_NONZERO,
       "Number of VQ Flexible Resources Assigned", "NVQ"),
    FA(44, 2, 127, 32, NVT_LK_UINT, NVT_LF_NONZERO,
       "Number of VI Flexible Resources Assigned", "NVI"),
};
LAYOUT(l_id_secondary, "secondary_ctrl", "Secondary Controller List",
       "NVMe Base 2.0c, 5.17.2.15, figures \"Secondary Controller List\" and \"Secondary "
       "Controller Entry\"", 4096, 0, id_secondary);

/* CNS 1Ch: "Identify I/O Command Set Data Structure": 512 I/O Command Set Combinations. */
static const struct nvt_layout_field id_iocs[] = {
    FA(0, 8, 512, 0, NVT_LK_UINT, NVT_LF_NONZERO, "I/O Command Set Combination", "IOCSC"),
};
LAYOUT(l_id_iocs, "iocs", "I/O Command Set data structure",
       "NVMe Base 2.0c, 5.17.2.21, figure \"Identify I/O Command Set Data Structure\"", 4096, 0,
       id_iocs);

const struct nvt_layout *const nvt_layouts[] = {
    &l_error,     &l_smart,        &l_fw_slot,   &l_changed_ns,   &l_effects,
    &l_self_test, &l_telemetry,    &l_pel,       &l_hmb_attr,     &l_timestamp,
    &l_host_behavior, &l_id_ns_nvm, &l_id_ctrl_nvm, &l_id_ns_indep, &l_id_primary,
    &l_id_secondary, &l_id_iocs,   NULL};

const struct nvt_layout *nvt_log_page_layout(uint8_t lid)
{
    switch (lid) {
    case 0x01: return &l_error;
    case 0x02: return &l_smart;
    case 0x03: return &l_fw_slot;
    case 0x04: return &l_changed_ns;
    case 0x05: return &l_effects;
    case 0x06: return &l_self_test;
    case 0x07:
    case 0x08: return &l_telemetry;
    case 0x0d: return &l_pel;
    default: return NULL;
    }
}

const struct nvt_layout *nvt_feature_data_layout(uint8_t fid)
{
    switch (fid) {
    case 0x0d: return &l_hmb_attr;
    case 0x0e: return &l_timestamp;
    case 0x16: return &l_host_behavior;
    default: return NULL;
    }
}

const struct nvt_layout *nvt_identify_layout(uint8_t cns, uint8_t csi)
{
    switch (cns) {
    case 0x05: return csi == 0 ? &l_id_ns_nvm : NULL;
    case 0x06: return csi == 0 ? &l_id_ctrl_nvm : NULL;
    case 0x08: return &l_id_ns_indep;
    case 0x14: return &l_id_primary;
    case 0x15: return &l_id_secondary;
    case 0x1c: return &l_id_iocs;
    default: return NULL;
    }
}

char *nvt_u128_dec(const uint8_t le[16], char *buf, size_t len)
{
    /* repeated division by 10 of a 16-byte little-endian number */
    uint8_t n[16];
    char tmp[40];
    size_t k = 0;
    memcpy(n, le, 16);
    do {
        unsigned rem = 0;
        for (int i = 15; i >= 0; i--) {
            unsigned cur = rem << 8 | n[i];
            n[i] = (uint8_t)(cur / 10);
            rem = cur % 10;
        }
        tmp[k++] = (char)('0' + rem);
    } while (memcmp(n, (const uint8_t[16]){0}, 16) != 0 && k < sizeof tmp);
    size_t i = 0;
    for (; i < k && i + 1 < len; i++)
        buf[i] = tmp[k - 1 - i];
    if (len)
        buf[i] = '\0';
    return buf;
}

/*
 * NVMe names: one table per kind of value, shared by `nvmetrace dump`, the Wireshark plugin
 * (the tables have value_string's layout) and the analyzers.
 *
 * Names and values follow the NVMe Base Specification 2.0 (with ratified TP8010 fabric
 * zoning / discovery and the live migration commands where noted), the NVM Command Set
 * Specification 1.0 and the Zoned Namespace Command Set Specification 1.1. Every table is
 * sorted by value with no duplicates (tests/unit/test_names.c checks it), ends with {0, NULL},
 * and holds the spec's own spelling of each name.
 */
#include "nvmetrace/nvme.h"

#include <stdio.h>

#include "nvmetrace/format.h"
#include "nvmetrace/schema.h"

/* Admin command set opcodes (Base 2.0, "Opcodes for Admin Commands"). */
const struct nvt_name nvt_admin_opcodes[] = {
    {0x00, "Delete I/O Submission Queue"},
    {0x01, "Create I/O Submission Queue"},
    {0x02, "Get Log Page"},
    {0x04, "Delete I/O Completion Queue"},
    {0x05, "Create I/O Completion Queue"},
    {0x06, "Identify"},
    {0x08, "Abort"},
    {0x09, "Set Features"},
    {0x0a, "Get Features"},
    {0x0c, "Asynchronous Event Request"},
    {0x0d, "Namespace Management"},
    {0x10, "Firmware Commit"},
    {0x11, "Firmware Image Download"},
    {0x14, "Device Self-test"},
    {0x15, "Namespace Attachment"},
    {0x18, "Keep Alive"},
    {0x19, "Directive Send"},
    {0x1a, "Directive Receive"},
    {0x1c, "Virtualization Management"},
    {0x1d, "NVMe-MI Send"},
    {0x1e, "NVMe-MI Receive"},
    {0x20, "Capacity Management"},
    {0x21, "Discovery Information Management"}, /* TP8010 */
    {0x22, "Fabric Zoning Receive"},            /* TP8010 */
    {0x24, "Lockdown"},
    {0x25, "Fabric Zoning Lookup"},             /* TP8010 */
    {0x29, "Fabric Zoning Send"},               /* TP8010 */
    {0x3d, "Track Send"},                       /* live migration (Base 2.1) */
    {0x3e, "Track Receive"},
    {0x41, "Migration Send"},
    {0x42, "Migration Receive"},
    {0x45, "Controller Data Queue"},
    {0x7c, "Doorbell Buffer Config"},
    {0x7f, "Fabrics Commands"},
    {0x80, "Format NVM"},
    {0x81, "Security Send"},
    {0x82, "Security Receive"},
    {0x84, "Sanitize"},
    {0x86, "Get LBA Status"},
    {0, NULL}};

/* I/O command opcodes: NVM Command Set 1.0 and Zoned Namespace 1.1. */
const struct nvt_name nvt_io_opcodes[] = {
    {0x00, "Flush"},
    {0x01, "Write"},
    {0x02, "Read"},
    {0x04, "Write Uncorrectable"},
    {0x05, "Compare"},
    {0x08, "Write Zeroes"},
    {0x09, "Dataset Management"},
    {0x0c, "Verify"},
    {0x0d, "Reservation Register"},
    {0x0e, "Reservation Report"},
    {0x11, "Reservation Acquire"},
    {0x15, "Reservation Release"},
    {0x19, "Copy"},
    {0x79, "Zone Management Send"},
    {0x7a, "Zone Management Receive"},
    {0x7d, "Zone Append"},
    {0, NULL}};

/* Status codes, value = (SCT << 8) | SC. SCT 1 codes 0x80 and up are the NVM and Zoned
 * Namespace command sets' own; the Fabrics command set reuses some of those values for other
 * meanings (Connect), which a PCIe trace never carries, so they are not listed. */
const struct nvt_name nvt_status_codes[] = {
    /* SCT 0: Generic Command Status (Base 2.0) */
    {0x000, "Successful Completion"},
    {0x001, "Invalid Command Opcode"},
    {0x002, "Invalid Field in Command"},
    {0x003, "Command ID Conflict"},
    {0x004, "Data Transfer Error"},
    {0x005, "Commands Aborted due to Power Loss Notification"},
    {0x006, "Internal Error"},
    {0x007, "Command Abort Requested"},
    {0x008, "Command Aborted due to SQ Deletion"},
    {0x009, "Command Aborted due to Failed Fused Command"},
    {0x00a, "Command Aborted due to Missing Fused Command"},
    {0x00b, "Invalid Namespace or Format"},
    {0x00c, "Command Sequence Error"},
    {0x00d, "Invalid SGL Segment Descriptor"},
    {0x00e, "Invalid Number of SGL Descriptors"},
    {0x00f, "Data SGL Length Invalid"},
    {0x010, "Metadata SGL Length Invalid"},
    {0x011, "SGL Descriptor Type Invalid"},
    {0x012, "Invalid Use of Controller Memory Buffer"},
    {0x013, "PRP Offset Invalid"},
    {0x014, "Atomic Write Unit Exceeded"},
    {0x015, "Operation Denied"},
    {0x016, "SGL Offset Invalid"},
    {0x018, "Host Identifier Inconsistent Format"},
    {0x019, "Keep Alive Timer Expired"},
    {0x01a, "Keep Alive Timeout Invalid"},
    {0x01b, "Command Aborted due to Preempt and Abort"},
    {0x01c, "Sanitize Failed"},
    {0x01d, "Sanitize In Progress"},
    {0x01e, "SGL Data Block Granularity Invalid"},
    {0x01f, "Command Not Supported for Queue in CMB"},
    {0x020, "Namespace is Write Protected"},
    {0x021, "Command Interrupted"},
    {0x022, "Transient Transport Error"},
    {0x023, "Command Prohibited by Command and Feature Lockdown"},
    {0x024, "Admin Command Media Not Ready"},
    /* SCT 0, NVM Command Set specific (NVM 1.0) */
    {0x080, "LBA Out of Range"},
    {0x081, "Capacity Exceeded"},
    {0x082, "Namespace Not Ready"},
    {0x083, "Reservation Conflict"},
    {0x084, "Format In Progress"},
    /* SCT 1: Command Specific Status (Base 2.0) */
    {0x100, "Completion Queue Invalid"},
    {0x101, "Invalid Queue Identifier"},
    {0x102, "Invalid Queue Size"},
    {0x103, "Abort Command Limit Exceeded"},
    {0x105, "Asynchronous Event Request Limit Exceeded"},
    {0x106, "Invalid Firmware Slot"},
    {0x107, "Invalid Firmware Image"},
    {0x108, "Invalid Interrupt Vector"},
    {0x109, "Invalid Log Page"},
    {0x10a, "Invalid Format"},
    {0x10b, "Firmware Activation Requires Conventional Reset"},
    {0x10c, "Invalid Queue Deletion"},
    {0x10d, "Feature Identifier Not Saveable"},
    {0x10e, "Feature Not Changeable"},
    {0x10f, "Feature Not Namespace Specific"},
    {0x110, "Firmware Activation Requires NVM Subsystem Reset"},
    {0x111, "Firmware Activation Requires Controller Level Reset"},
    {0x112, "Firmware Activation Requires Maximum Time Violation"},
    {0x113, "Firmware Activation Prohibited"},
    {0x114, "Overlapping Range"},
    {0x115, "Namespace Insufficient Capacity"},
    {0x116, "Namespace Identifier Unavailable"},
    {0x118, "Namespace Already Attached"},
    {0x119, "Namespace Is Private"},
    {0x11a, "Namespace Not Attached"},
    {0x11b, "Thin Provisioning Not Supported"},
    {0x11c, "Controller List Invalid"},
    {0x11d, "Device Self-test In Progress"},
    {0x11e, "Boot Partition Write Prohibited"},
    {0x11f, "Invalid Controller Identifier"},
    {0x120, "Invalid Secondary Controller State"},
    {0x121, "Invalid Number of Controller Resources"},
    {0x122, "Invalid Resource Identifier"},
    {0x123, "Sanitize Prohibited While Persistent Memory Region is Enabled"},
    {0x124, "ANA Group Identifier Invalid"},
    {0x125, "ANA Attach Failed"},
    {0x126, "Insufficient Capacity"},
    {0x127, "Namespace Attachment Limit Exceeded"},
    {0x128, "Prohibition of Command Execution Not Supported"},
    {0x129, "I/O Command Set Not Supported"},
    {0x12a, "I/O Command Set Not Enabled"},
    {0x12b, "I/O Command Set Combination Rejected"},
    {0x12c, "Invalid I/O Command Set"},
    {0x12d, "Identifier Unavailable"},
    {0x12f, "Invalid Discovery Information"},  /* TP8010 */
    {0x130, "Zoning Data Structure Locked"},   /* TP8010 */
    {0x131, "Zoning Data Structure Not Found"},
    {0x132, "Insufficient Discovery Resources"},
    {0x133, "Requested Function Disabled"},
    {0x134, "ZoneGroup Originator Invalid"},
    /* SCT 1, NVM Command Set specific (NVM 1.0) */
    {0x180, "Conflicting Attributes"},
    {0x181, "Invalid Protection Information"},
    {0x182, "Attempted Write to Read Only Range"},
    {0x183, "Command Size Limit Exceeded"},
    /* SCT 1, Zoned Namespace Command Set specific (ZNS 1.1) */
    {0x1b6, "Invalid Zone Operation Request"},
    {0x1b7, "ZRWA Resources Unavailable"},
    {0x1b8, "Zone Boundary Error"},
    {0x1b9, "Zone Is Full"},
    {0x1ba, "Zone Is Read Only"},
    {0x1bb, "Zone Is Offline"},
    {0x1bc, "Zone Invalid Write"},
    {0x1bd, "Too Many Active Zones"},
    {0x1be, "Too Many Open Zones"},
    {0x1bf, "Invalid Zone State Transition"},
    /* SCT 2: Media and Data Integrity Errors (Base 2.0; NVM 1.0) */
    {0x280, "Write Fault"},
    {0x281, "Unrecovered Read Error"},
    {0x282, "End-to-end Guard Check Error"},
    {0x283, "End-to-end Application Tag Check Error"},
    {0x284, "End-to-end Reference Tag Check Error"},
    {0x285, "Compare Failure"},
    {0x286, "Access Denied"},
    {0x287, "Deallocated or Unwritten Logical Block"},
    {0x288, "End-to-end Storage Tag Check Error"},
    /* SCT 3: Path Related Status (Base 2.0) */
    {0x300, "Internal Path Error"},
    {0x301, "Asymmetric Access Persistent Loss"},
    {0x302, "Asymmetric Access Inaccessible"},
    {0x303, "Asymmetric Access Transition"},
    {0x360, "Controller Pathing Error"},
    {0x370, "Host Pathing Error"},
    {0x371, "Command Aborted By Host"},
    {0, NULL}};

/* Status Code Type (Base 2.0). */
const struct nvt_name nvt_status_types[] = {
    {0, "Generic Command Status"},
    {1, "Command Specific Status"},
    {2, "Media and Data Integrity Errors"},
    {3, "Path Related Status"},
    {7, "Vendor Specific"},
    {0, NULL}};

/* Feature Identifiers (Base 2.0; FDP from TP4146). */
const struct nvt_name nvt_features[] = {
    {0x01, "Arbitration"},
    {0x02, "Power Management"},
    {0x03, "LBA Range Type"},
    {0x04, "Temperature Threshold"},
    {0x05, "Error Recovery"},
    {0x06, "Volatile Write Cache"},
    {0x07, "Number of Queues"},
    {0x08, "Interrupt Coalescing"},
    {0x09, "Interrupt Vector Configuration"},
    {0x0a, "Write Atomicity Normal"},
    {0x0b, "Asynchronous Event Configuration"},
    {0x0c, "Autonomous Power State Transition"},
    {0x0d, "Host Memory Buffer"},
    {0x0e, "Timestamp"},
    {0x0f, "Keep Alive Timer"},
    {0x10, "Host Controlled Thermal Management"},
    {0x11, "Non-Operational Power State Config"},
    {0x12, "Read Recovery Level Config"},
    {0x13, "Predictable Latency Mode Config"},
    {0x14, "Predictable Latency Mode Window"},
    {0x15, "LBA Status Information Report Interval"},
    {0x16, "Host Behavior Support"},
    {0x17, "Sanitize Config"},
    {0x18, "Endurance Group Event Configuration"},
    {0x19, "I/O Command Set Profile"},
    {0x1a, "Spinup Control"},
    {0x1d, "Flexible Data Placement"},
    {0x1e, "FDP Events"},
    {0x7d, "Enhanced Controller Metadata"},
    {0x7e, "Controller Metadata"},
    {0x7f, "Namespace Metadata"},
    {0x80, "Software Progress Marker"},
    {0x81, "Host Identifier"},
    {0x82, "Reservation Notification Mask"},
    {0x83, "Reservation Persistence"},
    {0x84, "Namespace Write Protection Config"},
    {0, NULL}};

/* Log Page Identifiers (Base 2.0; ZNS 1.1 for 0xBF). */
const struct nvt_name nvt_log_pages[] = {
    {0x00, "Supported Log Pages"},
    {0x01, "Error Information"},
    {0x02, "SMART / Health Information"},
    {0x03, "Firmware Slot Information"},
    {0x04, "Changed Namespace List"},
    {0x05, "Commands Supported and Effects"},
    {0x06, "Device Self-test"},
    {0x07, "Telemetry Host-Initiated"},
    {0x08, "Telemetry Controller-Initiated"},
    {0x09, "Endurance Group Information"},
    {0x0a, "Predictable Latency Per NVM Set"},
    {0x0b, "Predictable Latency Event Aggregate"},
    {0x0c, "Asymmetric Namespace Access"},
    {0x0d, "Persistent Event Log"},
    {0x0e, "LBA Status Information"},
    {0x0f, "Endurance Group Event Aggregate"},
    {0x10, "Media Unit Status"},
    {0x11, "Supported Capacity Configuration List"},
    {0x12, "Feature Identifiers Supported and Effects"},
    {0x13, "NVMe-MI Commands Supported and Effects"},
    {0x14, "Command and Feature Lockdown"},
    {0x15, "Boot Partition"},
    {0x16, "Rotational Media Information"}, /* Base 2.1 */
    {0x19, "Physical Interface Receiver Eye Opening Measurement"}, /* Base 2.1 */
    {0x20, "FDP Configurations"}, /* TP4146 */
    {0x21, "Reclaim Unit Handle Usage"},
    {0x22, "FDP Statistics"},
    {0x23, "FDP Events"},
    {0x70, "Discovery"},
    {0x80, "Reservation Notification"},
    {0x81, "Sanitize Status"},
    {0xbf, "Changed Zone List"},
    {0, NULL}};

/* Identify Controller or Namespace Structure values (Base 2.0). */
const struct nvt_name nvt_identify_cns[] = {
    {0x00, "Identify Namespace"},
    {0x01, "Identify Controller"},
    {0x02, "Active Namespace ID list"},
    {0x03, "Namespace Identification Descriptor list"},
    {0x04, "NVM Set List"},
    {0x05, "I/O Command Set specific Identify Namespace"},
    {0x06, "I/O Command Set specific Identify Controller"},
    {0x07, "I/O Command Set specific Active Namespace ID list"},
    {0x08, "I/O Command Set Independent Identify Namespace"},
    {0x10, "Allocated Namespace ID list"},
    {0x11, "Identify Namespace for an Allocated NSID"},
    {0x12, "Namespace Attached Controller list"},
    {0x13, "Controller list"},
    {0x14, "Primary Controller Capabilities"},
    {0x15, "Secondary Controller list"},
    {0x16, "Namespace Granularity List"},
    {0x17, "UUID List"},
    {0x18, "Domain List"},
    {0x19, "Endurance Group List"},
    {0x1a, "I/O Command Set specific Allocated Namespace ID list"},
    {0x1b, "I/O Command Set specific Identify Namespace for an Allocated NSID"},
    {0x1c, "I/O Command Set data structure"},
    {0, NULL}};

/* Controller registers by BAR0 offset (Base 2.0). 64-bit registers are listed at
 * their low dword; doorbells (0x1000 and up) are not registers here. */
const struct nvt_name nvt_registers[] = {
    {0x0000, "CAP"},
    {0x0008, "VS"},
    {0x000c, "INTMS"},
    {0x0010, "INTMC"},
    {0x0014, "CC"},
    {0x001c, "CSTS"},
    {0x0020, "NSSR"},
    {0x0024, "AQA"},
    {0x0028, "ASQ"},
    {0x0030, "ACQ"},
    {0x0038, "CMBLOC"},
    {0x003c, "CMBSZ"},
    {0x0040, "BPINFO"},
    {0x0044, "BPRSEL"},
    {0x0048, "BPMBL"},
    {0x0050, "CMBMSC"},
    {0x0058, "CMBSTS"},
    {0x005c, "CMBEBS"},
    {0x0060, "CMBSWTP"},
    {0x0064, "NSSD"},
    {0x0068, "CRTO"},
    {0x0e00, "PMRCAP"},
    {0x0e04, "PMRCTL"},
    {0x0e08, "PMRSTS"},
    {0x0e0c, "PMREBS"},
    {0x0e10, "PMRSWTP"},
    {0x0e14, "PMRMSCL"},
    {0x0e18, "PMRMSCU"},
    {0, NULL}};

/* Controller states as the device saw them (NVT_STATE_*, schema.h): single words, so a dump
 * line can be matched with grep. */
const struct nvt_name nvt_ctrl_states[] = {
    {NVT_STATE_RESET, "reset"},
    {NVT_STATE_ENABLE, "enable"},
    {NVT_STATE_READY, "ready"},
    {NVT_STATE_DISABLE, "disable"},
    {NVT_STATE_SHUTDOWN_START, "shutdown-start"},
    {NVT_STATE_SHUTDOWN_DONE, "shutdown-done"},
    {NVT_STATE_FATAL, "fatal"},
    {NVT_STATE_ENABLE_FAILED, "enable-failed"},
    {0, NULL}};

const char *nvt_name_lookup(const struct nvt_name *table, uint32_t value)
{
    /* Tables are sorted by value: stop at the first larger one. */
    for (; table && table->name; table++) {
        if (table->value == value)
            return table->name;
        if (table->value > value)
            break;
    }
    return NULL;
}

const char *nvt_admin_opcode_name(uint8_t opc) { return nvt_name_lookup(nvt_admin_opcodes, opc); }
const char *nvt_io_opcode_name(uint8_t opc) { return nvt_name_lookup(nvt_io_opcodes, opc); }
const char *nvt_feature_name(uint8_t fid) { return nvt_name_lookup(nvt_features, fid); }
const char *nvt_log_page_name(uint8_t lid) { return nvt_name_lookup(nvt_log_pages, lid); }
const char *nvt_cns_name(uint8_t cns) { return nvt_name_lookup(nvt_identify_cns, cns); }
const char *nvt_register_name(uint32_t offset) { return nvt_name_lookup(nvt_registers, offset); }

const char *nvt_status_name(uint8_t sct, uint8_t sc)
{
    if (sct > 7)
        return NULL;
    return nvt_name_lookup(nvt_status_codes, (uint32_t)sct << 8 | sc);
}

/* ---- additions: known bytes, opcode labels, register and Identify field tables ---- */

uint64_t nvt_sqe_known(const struct nvt_event *ev)
{
    return (ev->flags & NVT_F_RECONSTRUCTED) ? ev->u.sub.known : UINT64_MAX;
}

uint16_t nvt_cqe_known(const struct nvt_event *ev)
{
    return (ev->flags & NVT_F_RECONSTRUCTED) ? ev->u.cpl.known : 0xffff;
}

int nvt_known_bytes(uint64_t mask, unsigned off, unsigned len)
{
    if (!len)
        return 1;
    if (off >= 64 || len > 64 - off)
        return 0;
    uint64_t want = (len == 64 ? UINT64_MAX : ((1ull << len) - 1)) << off;
    return (mask & want) == want;
}

int nvt_opcode_vendor_specific(int admin, uint8_t opc)
{
    return admin ? opc >= 0xc0 : opc >= 0x80;
}

size_t nvt_opcode_label(int admin, uint8_t opc, char *buf, size_t len)
{
    const char *n = admin ? nvt_admin_opcode_name(opc) : nvt_io_opcode_name(opc);
    int k;
    if (n)
        k = snprintf(buf, len, "%s", n);
    else if (nvt_opcode_vendor_specific(admin, opc))
        k = snprintf(buf, len, "Vendor specific (0x%02x)", opc);
    else
        k = snprintf(buf, len, "opcode 0x%02x", opc);
    return k < 0 ? 0 : (size_t)k;
}

/* CAP.CSS bits (Base 2.0, figure "Offset 0h: CAP", bits 44:37). */
static const struct nvt_name cap_css_bits[] = {
    {0, "NVM Command Set Support"},
    {6, "I/O Command Set Support"},
    {7, "No I/O Command Set Support"},
    {0, NULL}};

static const struct nvt_field cap_fields[] = {
    {"MQES", "Maximum Queue Entries Supported", 0, 16, NULL},
    {"CQR", "Contiguous Queues Required", 16, 1, NULL},
    {"AMS", "Arbitration Mechanism Supported", 17, 2, NULL},
    {"TO", "Timeout", 24, 8, NULL},
    {"DSTRD", "Doorbell Stride", 32, 4, NULL},
    {"NSSRS", "NVM Subsystem Reset Supported", 36, 1, NULL},
    {"CSS", "Command Sets Supported", 37, 8, cap_css_bits},
    {"BPS", "Boot Partition Support", 45, 1, NULL},
    {"CPS", "Controller Power Scope", 46, 2, NULL},
    {"MPSMIN", "Memory Page Size Minimum", 48, 4, NULL},
    {"MPSMAX", "Memory Page Size Maximum", 52, 4, NULL},
    {"PMRS", "Persistent Memory Region Supported", 56, 1, NULL},
    {"CMBS", "Controller Memory Buffer Supported", 57, 1, NULL},
    {"NSSS", "NVM Subsystem Shutdown Supported", 58, 1, NULL},
    {"CRMS", "Controller Ready Modes Supported", 59, 2, NULL},
    {NULL, NULL, 0, 0, NULL}};

static const struct nvt_field vs_fields[] = {
    {"TER", "Tertiary Version Number", 0, 8, NULL},
    {"MNR", "Minor Version Number", 8, 8, NULL},
    {"MJR", "Major Version Number", 16, 16, NULL},
    {NULL, NULL, 0, 0, NULL}};

static const struct nvt_field cc_fields[] = {
    {"EN", "Enable", 0, 1, NULL},
    {"CSS", "I/O Command Set Selected", 4, 3, NULL},
    {"MPS", "Memory Page Size", 7, 4, NULL},
    {"AMS", "Arbitration Mechanism Selected", 11, 3, NULL},
    {"SHN", "Shutdown Notification", 14, 2, NULL},
    {"IOSQES", "I/O Submission Queue Entry Size", 16, 4, NULL},
    {"IOCQES", "I/O Completion Queue Entry Size", 20, 4, NULL},
    {"CRIME", "Controller Ready Independent of Media Enable", 24, 1, NULL},
    {NULL, NULL, 0, 0, NULL}};

static const struct nvt_field csts_fields[] = {
    {"RDY", "Ready", 0, 1, NULL},
    {"CFS", "Controller Fatal Status", 1, 1, NULL},
    {"SHST", "Shutdown Status", 2, 2, NULL},
    {"NSSRO", "NVM Subsystem Reset Occurred", 4, 1, NULL},
    {"PP", "Processing Paused", 5, 1, NULL},
    {"ST", "Shutdown Type", 6, 1, NULL},
    {NULL, NULL, 0, 0, NULL}};

/* PCIe Base 5.0, 7.5.3.3 "Device Capabilities Register": the spec gives titles only. */
static const struct nvt_field devcap_fields[] = {
    {"Max_Payload_Size Supported", "Max_Payload_Size Supported", 0, 3, NULL},
    {"Phantom Functions Supported", "Phantom Functions Supported", 3, 2, NULL},
    {"Extended Tag Field Supported", "Extended Tag Field Supported", 5, 1, NULL},
    {"Endpoint L0s Acceptable Latency", "Endpoint L0s Acceptable Latency", 6, 3, NULL},
    {"Endpoint L1 Acceptable Latency", "Endpoint L1 Acceptable Latency", 9, 3, NULL},
    {"Role-Based Error Reporting", "Role-Based Error Reporting", 15, 1, NULL},
    {"ERR_COR Subclass Capable", "ERR_COR Subclass Capable", 16, 1, NULL},
    {"Captured Slot Power Limit Value", "Captured Slot Power Limit Value", 18, 8, NULL},
    {"Captured Slot Power Limit Scale", "Captured Slot Power Limit Scale", 26, 2, NULL},
    {"Function Level Reset Capability", "Function Level Reset Capability", 28, 1, NULL},
    {NULL, NULL, 0, 0, NULL}};

static const struct nvt_field msix_msgctl_fields[] = {
    {"Table Size", "Table Size", 0, 11, NULL},
    {"Function Mask", "Function Mask", 14, 1, NULL},
    {"MSI-X Enable", "MSI-X Enable", 15, 1, NULL},
    {NULL, NULL, 0, 0, NULL}};

const struct nvt_reg_desc nvt_msix_msgctl = {"MSI-X Message Control", 2, msix_msgctl_fields};

const struct nvt_name nvt_pci_cap_ids[] = {
    {0x01, "PCI Power Management Interface"},
    {0x05, "MSI"},
    {0x09, "Vendor Specific"},
    {0x10, "PCI Express"},
    {0x11, "MSI-X"},
    {0, NULL}};

const struct nvt_reg_desc *nvt_pci_cap_reg(uint8_t cap_id, unsigned rel)
{
    if (cap_id == NVT_PCI_CAP_ID_PCIE && rel == NVT_PCIE_DEVCAP_OFFSET)
        return &nvt_pcie_devcap;
    if (cap_id == NVT_PCI_CAP_ID_MSIX && rel == 0x02)
        return &nvt_msix_msgctl;
    return NULL;
}

const struct nvt_reg_desc nvt_reg_cap = {"CAP", 8, cap_fields};
const struct nvt_reg_desc nvt_reg_vs = {"VS", 4, vs_fields};
const struct nvt_reg_desc nvt_reg_cc = {"CC", 4, cc_fields};
const struct nvt_reg_desc nvt_reg_csts = {"CSTS", 4, csts_fields};
const struct nvt_reg_desc nvt_pcie_devcap = {"Device Capabilities", 4, devcap_fields};

const struct nvt_reg_desc *nvt_register_desc(uint32_t offset)
{
    switch (offset) {
    case NVME_REG_CAP:
        return &nvt_reg_cap;
    case NVME_REG_VS:
        return &nvt_reg_vs;
    case NVME_REG_CC:
        return &nvt_reg_cc;
    case NVME_REG_CSTS:
        return &nvt_reg_csts;
    default:
        return NULL;
    }
}

uint64_t nvt_field_get(const struct nvt_field *f, uint64_t reg)
{
    uint64_t v = f->lsb >= 64 ? 0 : reg >> f->lsb;
    return f->width >= 64 ? v : v & ((1ull << f->width) - 1);
}

/* Identify Controller: Base 2.0, figure "Identify - Identify Controller Data Structure". */
const struct nvt_id_field nvt_id_ctrl_fields[] = {
    {"VID", 0, 2, 0},      {"SSVID", 2, 2, 0},    {"SN", 4, 20, 1},       {"MN", 24, 40, 1},
    {"FR", 64, 8, 1},      {"RAB", 72, 1, 0},     {"IEEE", 73, 3, 0},     {"CMIC", 76, 1, 0},
    {"MDTS", 77, 1, 0},    {"CNTLID", 78, 2, 0},  {"VER", 80, 4, 0},      {"RTD3R", 84, 4, 0},
    {"RTD3E", 88, 4, 0},   {"OAES", 92, 4, 0},    {"CTRATT", 96, 4, 0},   {"CNTRLTYPE", 111, 1, 0},
    {"OACS", 256, 2, 0},   {"ACL", 258, 1, 0},    {"AERL", 259, 1, 0},    {"FRMW", 260, 1, 0},
    {"LPA", 261, 1, 0},    {"ELPE", 262, 1, 0},   {"NPSS", 263, 1, 0},    {"AVSCC", 264, 1, 0},
    {"APSTA", 265, 1, 0},  {"WCTEMP", 266, 2, 0}, {"CCTEMP", 268, 2, 0},  {"MTFA", 270, 2, 0},
    {"HMPRE", 272, 4, 0},  {"HMMIN", 276, 4, 0},  {"KAS", 320, 2, 0},     {"SQES", 512, 1, 0},
    {"CQES", 513, 1, 0},   {"MAXCMD", 514, 2, 0}, {"NN", 516, 4, 0},      {"ONCS", 520, 2, 0},
    {"FUSES", 522, 2, 0},  {"FNA", 524, 1, 0},    {"VWC", 525, 1, 0},     {"AWUN", 526, 2, 0},
    {"AWUPF", 528, 2, 0},  {"NVSCC", 530, 1, 0},  {"ACWU", 532, 2, 0},    {"SGLS", 536, 4, 0},
    {"MNAN", 540, 4, 0},   {"SUBNQN", 768, 256, 1},
    {NULL, 0, 0, 0}};

/* Identify Namespace: NVM Command Set 1.0, figure "Identify - I/O Command Set specific
 * Identify Namespace Data Structure for the NVM Command Set". */
const struct nvt_id_field nvt_id_ns_fields[] = {
    {"NSZE", 0, 8, 0},   {"NCAP", 8, 8, 0},    {"NUSE", 16, 8, 0},   {"NSFEAT", 24, 1, 0},
    {"NLBAF", 25, 1, 0}, {"FLBAS", 26, 1, 0},  {"MC", 27, 1, 0},     {"DPC", 28, 1, 0},
    {"DPS", 29, 1, 0},   {"NMIC", 30, 1, 0},   {"RESCAP", 31, 1, 0}, {"FPI", 32, 1, 0},
    {"DLFEAT", 33, 1, 0}, {"NAWUN", 34, 2, 0}, {"NAWUPF", 36, 2, 0}, {"NACWU", 38, 2, 0},
    {"NOIOB", 46, 2, 0}, {"MSSRL", 74, 2, 0},  {"MCL", 76, 4, 0},    {"MSRC", 80, 1, 0},
    {"LBAF0", 128, 4, 0}, {"LBAF1", 132, 4, 0}, {"LBAF2", 136, 4, 0}, {"LBAF3", 140, 4, 0},
    {"LBAF4", 144, 4, 0}, {"LBAF5", 148, 4, 0}, {"LBAF6", 152, 4, 0}, {"LBAF7", 156, 4, 0},
    {NULL, 0, 0, 0}};

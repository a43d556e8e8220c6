/*
 * NVMe names: the one source of truth for opcode, status, register, feature, log page and
 * identify CNS names, shared by `nvmetrace dump`, the Wireshark plugin and the analyzers.
 *
 * Tables are arrays of struct nvt_name ended by {0, NULL}. The layout matches Wireshark's
 * value_string ({guint32 value; const gchar *strptr;}), so the plugin uses them directly.
 * Names follow the NVMe Base Specification 2.0 and the NVM Command Set Specification 1.0.
 */
#ifndef NVMETRACE_NVME_H
#define NVMETRACE_NVME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nvt_name {
    uint32_t value;
    const char *name;
};

extern const struct nvt_name nvt_admin_opcodes[];  /* admin command set opcodes */
extern const struct nvt_name nvt_io_opcodes[];     /* NVM command set I/O opcodes */
extern const struct nvt_name nvt_status_codes[];   /* value = (SCT << 8) | SC */
extern const struct nvt_name nvt_status_types[];   /* SCT */
extern const struct nvt_name nvt_features[];       /* Feature Identifiers */
extern const struct nvt_name nvt_log_pages[];      /* Log Page Identifiers */
extern const struct nvt_name nvt_identify_cns[];   /* Identify CNS values */
extern const struct nvt_name nvt_registers[];      /* controller registers by BAR0 offset */
extern const struct nvt_name nvt_ctrl_states[];    /* NVT_STATE_* */

/* Looks value up in table; NULL if absent. */
const char *nvt_name_lookup(const struct nvt_name *table, uint32_t value);

/* Convenience lookups; NULL if unknown. */
const char *nvt_admin_opcode_name(uint8_t opc);
const char *nvt_io_opcode_name(uint8_t opc);
const char *nvt_status_name(uint8_t sct, uint8_t sc);
const char *nvt_feature_name(uint8_t fid);
const char *nvt_log_page_name(uint8_t lid);
const char *nvt_cns_name(uint8_t cns);
/* Register at a BAR0 offset ("CC", "CSTS", ...); NULL for doorbells and unknown offsets. */
const char *nvt_register_name(uint32_t offset);

/* Controller register offsets (NVMe base spec 2.0, section 3.1.4). */
#define NVME_REG_CAP 0x00
#define NVME_REG_VS 0x08
#define NVME_REG_INTMS 0x0c
#define NVME_REG_INTMC 0x10
#define NVME_REG_CC 0x14
#define NVME_REG_CSTS 0x1c
#define NVME_REG_NSSR 0x20
#define NVME_REG_AQA 0x24
#define NVME_REG_ASQ 0x28
#define NVME_REG_ACQ 0x30
#define NVME_REG_CMBLOC 0x38
#define NVME_REG_CMBSZ 0x3c
#define NVME_REG_DBS 0x1000 /* first doorbell; stride is 4 << CAP.DSTRD */

/* Opcodes, identifiers and fields replay needs to know which outputs depend on time or on
 * data a trace may lack (NVMe base spec 2.0: Figure 28 admin opcodes, Figure 197 log pages,
 * Figure 207 SMART / Health Information, Figure 275 feature identifiers, 5.27.1.13 Timestamp;
 * NVM Command Set spec 1.0: Figure 18 I/O opcodes, Figure 31 Compare Failure). */
#define NVME_ADMIN_GET_LOG_PAGE 0x02
#define NVME_ADMIN_GET_FEATURES 0x0a
#define NVME_IO_READ 0x02
#define NVME_IO_COMPARE 0x05
#define NVME_FID_TIMESTAMP 0x0e        /* data: 6-byte millisecond timestamp + attributes */
#define NVME_LID_SMART 0x02            /* SMART / Health Information */
#define NVME_LID_PERSISTENT_EVENT 0x0d /* Persistent Event Log: timestamped events */
#define NVME_SC_COMPARE_FAILURE 0x285  /* (SCT << 8) | SC: Media and Data Integrity, 85h */
/* SMART / Health Information byte ranges [from, to) */
#define NVME_SMART_DATA_UNITS_READ 32   /* .. 48 */
#define NVME_SMART_HOST_WRITE_CMDS 80   /* .. 96: with Data Units Written and Host Read
                                           Commands between, counters of the I/O done */
#define NVME_SMART_CTRL_BUSY_TIME 96    /* .. 112, minutes */
#define NVME_SMART_POWER_CYCLES 112     /* .. 128 */
#define NVME_SMART_POWER_ON_HOURS 128   /* .. 144 */
#define NVME_SMART_UNSAFE_SHUTDOWNS 144 /* .. 160 */

/* Formats one event as the text `nvmetrace dump` prints after its index, timestamp and BDF,
 * e.g. "ADM SQ=0 CID=0000 OPC=Identify NSID=0 prp1=bfb24000 CDW10=00000001" or
 * "REG 0014 <- 00460001". The text is one line, no newline. Returns the length the full
 * text has (snprintf semantics). The event struct is declared in <nvmetrace/format.h>. */
struct nvt_event;
size_t nvt_event_describe(const struct nvt_event *ev, char *buf, size_t len);


/* ---- additions: known bytes, opcode labels, register and Identify field tables ---- */

/* Which bytes of a SUBMISSION's SQE (bit i = byte i) or a COMPLETION's CQE the record says
 * are known: all of them unless the record is NVT_F_RECONSTRUCTED, else its known-byte mask
 * (docs/format.md). The one definition every reader of SQE/CQE fields uses. */
uint64_t nvt_sqe_known(const struct nvt_event *ev);
uint16_t nvt_cqe_known(const struct nvt_event *ev);
/* 1 if bytes [off, off+len) are all set in a known-byte mask. */
int nvt_known_bytes(uint64_t mask, unsigned off, unsigned len);

/* 1 if opc is in the vendor-specific range of its command set: admin C0h-FFh (Base 2.0,
 * "Opcodes for Admin Commands"), I/O 80h-FFh (NVM Command Set 1.0, "Opcodes for NVM
 * Commands"). */
int nvt_opcode_vendor_specific(int admin, uint8_t opc);
/* The label of an opcode: its name, "Vendor specific (0xc5)", or "opcode 0xNN" for a
 * reserved one. snprintf semantics. */
size_t nvt_opcode_label(int admin, uint8_t opc, char *buf, size_t len);

/* A bit field of a register: bits [lsb, lsb + width) with the spec's abbreviation and title.
 * bits, if not NULL, names single bits inside the field ({bit within the field, title},
 * sorted, ended by {0, NULL}). Tables end with {NULL}. */
struct nvt_field {
    const char *name;   /* "MQES", or NULL at the end of a table */
    const char *title;  /* "Maximum Queue Entries Supported" */
    uint8_t lsb, width;
    const struct nvt_name *bits;
};

/* A register described field by field. */
struct nvt_reg_desc {
    const char *name;   /* "CAP", "Device Capabilities" */
    uint8_t bytes;      /* register width */
    const struct nvt_field *fields;
};

/* NVMe controller registers (Base 2.0, section 3.1.4): CAP, VS, CC, CSTS. */
extern const struct nvt_reg_desc nvt_reg_cap, nvt_reg_vs, nvt_reg_cc, nvt_reg_csts;
/* PCI Express Device Capabilities register, capability offset 04h (PCIe Base 5.0, 7.5.3.3). */
extern const struct nvt_reg_desc nvt_pcie_devcap;
#define NVT_PCI_CAP_ID_PCIE 0x10
#define NVT_PCI_CAP_ID_MSIX 0x11
#define NVT_PCIE_DEVCAP_OFFSET 0x04 /* within the PCI Express capability */
/* MSI-X Message Control, capability offset 02h (PCI Local Bus 3.0, 6.8.2.3). */
extern const struct nvt_reg_desc nvt_msix_msgctl;
/* PCI capability IDs (PCI Code and ID Assignment 1.11, "Capability IDs"). */
extern const struct nvt_name nvt_pci_cap_ids[];
/* The described register at byte rel of a capability with this id, or NULL. */
const struct nvt_reg_desc *nvt_pci_cap_reg(uint8_t cap_id, unsigned rel);

/* The described controller register at a BAR0 offset, or NULL. */
const struct nvt_reg_desc *nvt_register_desc(uint32_t offset);
/* Value of field f in a register value. */
uint64_t nvt_field_get(const struct nvt_field *f, uint64_t reg);

/* A field of an Identify data structure: bytes [off, off + len); text = ASCII string. */
struct nvt_id_field {
    const char *name;   /* spec abbreviation ("MDTS"), NULL at the end */
    uint16_t off, len;
    uint8_t text;
};
/* Identify Controller (CNS 01h) and Identify Namespace (CNS 00h) fields: Base 2.0 "Identify
 * Controller Data Structure" and NVM Command Set 1.0 "Identify Namespace Data Structure". */
extern const struct nvt_id_field nvt_id_ctrl_fields[];
extern const struct nvt_id_field nvt_id_ns_fields[];

#ifdef __cplusplus
}
#endif

#endif

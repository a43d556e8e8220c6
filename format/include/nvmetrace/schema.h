/*
 * nvmetrace record schema, version 1.
 *
 * This header is the one place that defines the bytes of a trace record. It has no
 * dependencies beyond <stdint.h> so the Wireshark plugin, the shim and the analyzers can all
 * include it. docs/format.md documents every record with a hex example; the test suite checks
 * those examples byte for byte against the encoder (format/src/record.c).
 *
 * A record is what one pcapng Enhanced Packet Block carries after the exported-PDU tags
 * (see NVT_EXP_PDU_PREFIX): a 16-byte common header followed by a type-specific body.
 * All multi-byte fields are little-endian, whatever the byte order of the pcapng section.
 */
#ifndef NVMETRACE_SCHEMA_H
#define NVMETRACE_SCHEMA_H

#include <stdint.h>

#define NVT_SCHEMA_VERSION 1

/* pcapng link type: LINKTYPE_WIRESHARK_UPPER_PDU. Each packet starts with exported-PDU TLVs
 * naming the "nvmetrace" dissector, so Wireshark hands the record to our plugin with no user
 * configuration (LINKTYPE_USER0..15 would need a DLT table entry per user). */
#define NVT_LINKTYPE 252
#define NVT_DISSECTOR_NAME "nvmetrace"
/* The fixed TLV prefix before every record: tag 12 (EXP_PDU_TAG_DISSECTOR_NAME), length 12,
 * "nvmetrace" NUL-padded to 12 bytes, then tag 0 (end of options), length 0. Big-endian. */
#define NVT_EXP_PDU_PREFIX_LEN 20
#define NVT_EXP_PDU_PREFIX \
    "\x00\x0c\x00\x0c" "nvmetrace\0\0\0" "\x00\x00\x00\x00"

/* Common header, 16 bytes. */
#define NVT_HDR_LEN 16
/* offset 0  u8  schema version (NVT_SCHEMA_VERSION)
 * offset 1  u8  event type (enum nvt_event_type)
 * offset 2  u16 flags (NVT_F_*)
 * offset 4  u32 thread: emulator thread / vCPU id that produced the event (0 if unknown)
 * offset 8  u64 seq: position in the capture stream, 0-based, assigned in file order */

enum nvt_event_type {
    NVT_EV_CFG_READ = 1,     /* PCI config read: value is what the device returned */
    NVT_EV_CFG_WRITE = 2,    /* PCI config write */
    NVT_EV_MMIO_READ = 3,    /* BAR read: value is what the device returned */
    NVT_EV_MMIO_WRITE = 4,   /* BAR write */
    NVT_EV_BAR_MAP = 5,      /* BAR mapped at an address (memory or I/O decoding on) */
    NVT_EV_BAR_UNMAP = 6,    /* BAR mapping removed */
    NVT_EV_DOORBELL = 7,     /* SQ tail / CQ head doorbell (the MMIO write is recorded too) */
    NVT_EV_MSIX_ACCESS = 8,  /* MSI-X table or PBA read/write */
    NVT_EV_MSIX_CTRL = 9,    /* MSI-X enable / function mask changed */
    NVT_EV_INTERRUPT = 10,   /* MSI-X / MSI message sent, or INTx asserted/deasserted */
    NVT_EV_SUBMISSION = 11,  /* SQE fetched by the device (raw 64 bytes) */
    NVT_EV_COMPLETION = 12,  /* CQE posted by the device (raw 16 bytes) */
    NVT_EV_DMA_READ = 13,    /* device read guest memory */
    NVT_EV_DMA_WRITE = 14,   /* device wrote guest memory */
    NVT_EV_CTRL_STATE = 15,  /* controller state change as seen by the device */
    NVT_EV_ANNOTATION = 16,  /* free text from the user, emulator or importer */
    NVT_EV_CAPTURE_STATS = 17, /* drops, overflows, importer warnings */
    NVT_EV_TYPE_MAX = 17
};

/* Header flags */
#define NVT_F_VALUE_UNKNOWN 0x0001u /* the value field is not known (e.g. QEMU log MMIO reads) */
#define NVT_F_RECONSTRUCTED 0x0002u /* body rebuilt from a log; see the known-byte masks */
#define NVT_F_TRUNCATED 0x0004u     /* DMA data cut at the snap length */
#define NVT_F_RECOVERED 0x0008u     /* taken from the crash ring by `nvmetrace recover` */
#define NVT_F_KNOWN_MASK 0x000fu    /* flags a v1 reader understands; others are an error */

/* ---- bodies (offsets relative to the end of the common header) ---- */

/* CFG_READ / CFG_WRITE, 8 bytes:
 * 0 u16 offset in config space, 2 u8 size (1,2,4), 3 u8 reserved, 4 u32 value
 * (offset + size <= NVT_CFG_SPACE_LEN; value has no bits above the access size) */
#define NVT_BODY_CFG_LEN 8
#define NVT_CFG_SPACE_LEN 4096u /* PCI Express configuration space */

/* MMIO_READ / MMIO_WRITE, 24 bytes:
 * 0 u8 bar index (0-5), 1 u8 size (1,2,4,8), 2 u16 reserved, 4 u32 offset in the BAR,
 * 8 u64 value (no bits above the access size), 16 u64 guest physical address (0 if unknown) */
#define NVT_BODY_MMIO_LEN 24
#define NVT_BAR_MAX 5u /* BARs 0-5 of a type 0 header */

/* BAR_MAP / BAR_UNMAP, 24 bytes:
 * 0 u8 bar index (0-5, or NVT_BAR_ROM), 1 u8 NVT_BAR_* flags, 2 u16 reserved, 4 u32 reserved,
 * 8 u64 address, 16 u64 size */
#define NVT_BODY_BAR_LEN 24
#define NVT_BAR_ROM 6u /* the expansion ROM, as QEMU numbers its regions */
#define NVT_BAR_IO 0x01u
#define NVT_BAR_64BIT 0x02u
#define NVT_BAR_PREFETCH 0x04u
#define NVT_BAR_KNOWN_MASK 0x07u

/* DOORBELL, 8 bytes:
 * 0 u16 queue id, 2 u8 1 = CQ head doorbell / 0 = SQ tail doorbell, 3 u8 reserved,
 * 4 u32 value written (new tail or head) */
#define NVT_BODY_DOORBELL_LEN 8

/* MSIX_ACCESS, 8 bytes:
 * 0 u16 entry (vector number; for the PBA: the qword index), 2 u8 field (NVT_MSIX_*),
 * 3 u8 1 = write / 0 = read, 4 u32 value */
#define NVT_BODY_MSIX_ACCESS_LEN 8
#define NVT_MSIX_ADDR_LO 0
#define NVT_MSIX_ADDR_HI 1
#define NVT_MSIX_DATA 2
#define NVT_MSIX_VECTOR_CTRL 3
#define NVT_MSIX_PBA_LO 4
#define NVT_MSIX_PBA_HI 5
/* MSI-X Table Size is an 11-bit N-1 field: at most 2048 entries (and 32 PBA qwords). */
#define NVT_MSIX_MAX_ENTRIES 2048u

/* MSIX_CTRL, 8 bytes:
 * 0 u8 enabled (MSI-X Enable), 1 u8 function mask, 2 u16 table size (entries),
 * 4 u32 raw Message Control register value (0 if unknown) */
#define NVT_BODY_MSIX_CTRL_LEN 8

/* INTERRUPT, 16 bytes:
 * 0 u8 kind (NVT_IRQ_*), 1 u8 reserved, 2 u16 vector (MSI-X entry; INTx pin 0=A),
 * 4 u32 message data, 8 u64 message address (0 for INTx or if unknown) */
#define NVT_BODY_INTERRUPT_LEN 16
#define NVT_IRQ_MSIX 0
#define NVT_IRQ_MSI 1
#define NVT_IRQ_INTX_ASSERT 2
#define NVT_IRQ_INTX_DEASSERT 3
#define NVT_MSI_MAX_VECTORS 32u /* Multiple Message Enable allows up to 32 */
#define NVT_INTX_PINS 4u        /* INTA-INTD */

/* SUBMISSION, 80 bytes:
 * 0 u16 submission queue id, 2 u16 slot (SQ head index the entry was fetched from,
 * 0xffff unknown), 4 u32 reserved, 8 u64 known-byte mask (bit i set = byte i of the SQE is
 * known; all ones unless NVT_F_RECONSTRUCTED), 16 u8[64] SQE */
#define NVT_BODY_SUBMISSION_LEN 80
#define NVT_SQE_LEN 64

/* COMPLETION, 24 bytes:
 * 0 u16 completion queue id, 2 u16 slot (CQ tail index written, 0xffff unknown),
 * 4 u16 known-byte mask (bit i = byte i of the CQE is known), 6 u16 reserved,
 * 8 u8[16] CQE (dw0, dw1, sq head, sq id, cid, status with phase tag in bit 0) */
#define NVT_BODY_COMPLETION_LEN 24
#define NVT_CQE_LEN 16
#define NVT_SLOT_UNKNOWN 0xffffu

/* DMA_READ / DMA_WRITE, 24 bytes + data:
 * 0 u64 guest physical address, 8 u32 length of the transfer, 12 u32 captured bytes (the data
 * that follows; < length when cut at the snap length, with NVT_F_TRUNCATED),
 * 16 u16 submission queue id of the command the transfer belongs to (0xffff unknown),
 * 18 u16 cid (0xffff unknown), 20 u32 reserved, 24 data */
#define NVT_BODY_DMA_LEN 24
#define NVT_QID_UNKNOWN 0xffffu

/* CTRL_STATE, 8 bytes:
 * 0 u8 state (NVT_STATE_*), 1 u8 reserved, 2 u16 reserved, 4 u32 register value that
 * caused or shows the change (CC or CSTS; 0 if unknown) */
#define NVT_BODY_CTRL_STATE_LEN 8
#define NVT_STATE_RESET 1          /* controller reset (CC.EN 1->0, NSSR, or PCI reset) */
#define NVT_STATE_ENABLE 2         /* CC.EN 0->1 accepted */
#define NVT_STATE_READY 3          /* CSTS.RDY set */
#define NVT_STATE_DISABLE 4        /* CC.EN 1->0, CSTS.RDY cleared */
#define NVT_STATE_SHUTDOWN_START 5 /* CC.SHN written */
#define NVT_STATE_SHUTDOWN_DONE 6  /* CSTS.SHST = complete */
#define NVT_STATE_FATAL 7          /* CSTS.CFS set */
#define NVT_STATE_ENABLE_FAILED 8  /* CC.EN 0->1 refused (bad config) */
#define NVT_STATE_MAX 8

/* ANNOTATION, 4 bytes + text:
 * 0 u8 level (NVT_ANN_*), 1 u8 reserved, 2 u16 text length, 4 UTF-8 text (no NUL) */
#define NVT_BODY_ANNOTATION_LEN 4
#define NVT_ANN_NOTE 0
#define NVT_ANN_WARNING 1
#define NVT_ANN_ERROR 2
#define NVT_ANN_MARKER 3

/* CAPTURE_STATS, 32 bytes (counters are totals since the capture started):
 * 0 u64 events recorded, 8 u64 events dropped (ring full), 16 u64 ring overflows (times a
 * ring was found full), 24 u64 importer warnings (lines skipped or events not understood) */
#define NVT_BODY_CAPTURE_STATS_LEN 32

/* Largest record the reader accepts: header + DMA body + 1 MiB of data. */
#define NVT_MAX_RECORD_LEN (NVT_HDR_LEN + NVT_BODY_DMA_LEN + (1u << 20))

#endif

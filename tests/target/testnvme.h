/*
 * What the test NVMe model (testnvme.c) and its recorder's guest driver (record.c) agree on:
 * NVMe 1.4 register offsets and fields, opcodes and status codes, the PCI config space layout
 * and little-endian helpers. Names follow the NVMe base specification and Linux's
 * drivers/nvme/host (nvme.h, pci.c). Neither side needs anything else from nvmetrace.
 */
#ifndef NVT_TESTNVME_H
#define NVT_TESTNVME_H

#include <stdint.h>

/* ---- the model's identity ---- */
#define TN_VENDOR_ID 0x1234u
#define TN_DEVICE_ID 0x4e56u
#define TN_SUBSYS_VENDOR_ID 0x1234u
#define TN_SUBSYS_ID 0x0001u
#define TN_CLASS_CODE 0x010802u /* mass storage, NVM, NVM Express */
#define TN_REVISION 1u
#define TN_BAR0_SIZE 0x4000u    /* 16 KiB */
#define TN_MSIX_VECTORS 8u
#define TN_MSIX_TABLE 0x2000u   /* BAR0 offsets of the MSI-X table and PBA */
#define TN_MSIX_PBA 0x3000u
#define TN_MAX_IOQ 16u          /* I/O SQs and CQs (qid 1..16) */
#define TN_MQES 63u             /* CAP.MQES: 64-entry I/O queues at most */
#define TN_MDTS 5u              /* 2^5 pages of 4 KiB: 128 KiB per command */
#define TN_PAGE 4096u           /* CC.MPS 0 (MPSMIN = MPSMAX = 0) */
#define TN_LBA_SIZE 512u
#define TN_ELPE 3u              /* 4 Error Information log entries */
#define TN_AERL 3u              /* 4 Asynchronous Event Requests outstanding */

/* ---- PCI config space (PCI Local Bus 3.0, PCI Express Base) ---- */
#define PCI_VENDOR_ID 0x00
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x0002u
#define PCI_COMMAND_MASTER 0x0004u
#define PCI_COMMAND_INTX_DISABLE 0x0400u
#define PCI_STATUS 0x06
#define PCI_STATUS_INTERRUPT 0x0008u
#define PCI_STATUS_CAP_LIST 0x0010u
#define PCI_CLASS_REVISION 0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_BASE_ADDRESS_MEM_TYPE_64 0x04u
#define PCI_BASE_ADDRESS_MEM_PREFETCH 0x08u
#define PCI_BASE_ADDRESS_SPACE_IO 0x01u
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_ROM_ADDRESS 0x30
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_CAP_ID_EXP 0x10
#define PCI_CAP_ID_MSIX 0x11
#define PCI_MSIX_FLAGS 2        /* Message Control, from the capability */
#define PCI_MSIX_FLAGS_QSIZE 0x07ffu
#define PCI_MSIX_FLAGS_MASKALL 0x4000u
#define PCI_MSIX_FLAGS_ENABLE 0x8000u
#define PCI_MSIX_TABLE 4        /* Table Offset / BIR */
#define PCI_MSIX_PBA 8
#define PCI_MSIX_BIR 0x7u
#define PCI_MSIX_ENTRY_SIZE 16u
#define PCI_MSIX_ENTRY_VECTOR_CTRL 12u
#define PCI_MSIX_ENTRY_CTRL_MASKBIT 0x1u
#define TN_CAP_EXP 0x40         /* where the model puts its capabilities */
#define TN_CAP_MSIX 0x80

/* ---- controller registers (NVMe 1.4 sec. 3.1) ---- */
#define NVME_REG_CAP 0x00
#define NVME_REG_VS 0x08
#define NVME_REG_INTMS 0x0c
#define NVME_REG_INTMC 0x10
#define NVME_REG_CC 0x14
#define NVME_REG_CSTS 0x1c
#define NVME_REG_AQA 0x24
#define NVME_REG_ASQ 0x28
#define NVME_REG_ACQ 0x30
#define NVME_REG_DBS 0x1000

#define NVME_CAP_MQES(cap) ((uint32_t)((cap) & 0xffff))
#define NVME_CAP_STRIDE(cap) ((uint32_t)((cap) >> 32) & 0xf)
#define NVME_CAP_CSS_NVM (1ull << 37)
#define NVME_VS(major, minor, tertiary) (((major) << 16) | ((minor) << 8) | (tertiary))

#define NVME_CC_ENABLE 0x1u
#define NVME_CC_CSS_SHIFT 4
#define NVME_CC_MPS_SHIFT 7
#define NVME_CC_AMS_SHIFT 11
#define NVME_CC_SHN_SHIFT 14
#define NVME_CC_SHN_MASK (3u << NVME_CC_SHN_SHIFT)
#define NVME_CC_SHN_NORMAL (1u << NVME_CC_SHN_SHIFT)
#define NVME_CC_IOSQES_SHIFT 16
#define NVME_CC_IOCQES_SHIFT 20
#define NVME_CC_DEFINED 0x00fffff1u /* bits the model keeps; the rest are reserved */
#define NVME_CSTS_RDY 0x1u
#define NVME_CSTS_CFS 0x2u
#define NVME_CSTS_SHST_MASK 0xcu
#define NVME_CSTS_SHST_CMPLT 0x8u

/* ---- commands (NVMe 1.4 sec. 5 and 6) ---- */
enum {
    nvme_admin_delete_sq = 0x00,
    nvme_admin_create_sq = 0x01,
    nvme_admin_get_log_page = 0x02,
    nvme_admin_delete_cq = 0x04,
    nvme_admin_create_cq = 0x05,
    nvme_admin_identify = 0x06,
    nvme_admin_abort_cmd = 0x08,
    nvme_admin_set_features = 0x09,
    nvme_admin_get_features = 0x0a,
    nvme_admin_async_event = 0x0c,
    nvme_admin_format_nvm = 0x80, /* optional (OACS bit 1): the model has none */
};
enum {
    nvme_cmd_flush = 0x00,
    nvme_cmd_write = 0x01,
    nvme_cmd_read = 0x02,
    nvme_cmd_compare = 0x05,      /* optional (ONCS bit 0): the model has none */
    nvme_cmd_write_zeroes = 0x08,
};
#define NVME_ID_CNS_NS 0x00
#define NVME_ID_CNS_CTRL 0x01
#define NVME_ID_CNS_NS_ACTIVE_LIST 0x02
#define NVME_FEAT_VOLATILE_WC 0x06
#define NVME_FEAT_NUM_QUEUES 0x07
#define NVME_FEAT_IRQ_COALESCE 0x08
#define NVME_LOG_ERROR 0x01
#define NVME_LOG_SMART 0x02
#define NVME_QUEUE_PHYS_CONTIG 0x1u
#define NVME_CQ_IRQ_ENABLED 0x2u

/* Status: SC | SCT << 8, as the CQE's Status Field bits 11:1 hold it (DNR and More apart). */
#define NVME_SC_SUCCESS 0x000
#define NVME_SC_INVALID_OPCODE 0x001
#define NVME_SC_INVALID_FIELD 0x002
#define NVME_SC_DATA_XFER_ERROR 0x004
#define NVME_SC_INTERNAL 0x006
#define NVME_SC_INVALID_NS 0x00b
#define NVME_SC_CMD_SEQ_ERROR 0x00c
#define NVME_SC_PRP_INVALID_OFFSET 0x013
#define NVME_SC_LBA_RANGE 0x080
#define NVME_SC_CQ_INVALID 0x100
#define NVME_SC_QID_INVALID 0x101
#define NVME_SC_QUEUE_SIZE 0x102
#define NVME_SC_ASYNC_LIMIT 0x105
#define NVME_SC_INVALID_VECTOR 0x108
#define NVME_SC_INVALID_LOG_PAGE 0x109
#define NVME_SC_QUEUE_DELETION 0x10c
#define NVME_SC_FEATURE_NOT_SAVEABLE 0x10d
#define NVME_SC_MASK 0x7ff
#define NVME_SC_DNR 0x4000

#define NVME_SQE_SIZE 64u
#define NVME_CQE_SIZE 16u
#define NVME_SMART_LOG_SIZE 512u
#define NVME_ERROR_LOG_ENTRY_SIZE 64u

/* ---- little-endian fields ---- */
static inline uint16_t tn_get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t tn_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t tn_get64(const uint8_t *p)
{
    return (uint64_t)tn_get32(p) | (uint64_t)tn_get32(p + 4) << 32;
}
static inline void tn_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void tn_put32(uint8_t *p, uint32_t v)
{
    tn_put16(p, (uint16_t)v);
    tn_put16(p + 2, (uint16_t)(v >> 16));
}
static inline void tn_put64(uint8_t *p, uint64_t v)
{
    tn_put32(p, (uint32_t)v);
    tn_put32(p + 4, (uint32_t)(v >> 32));
}

/* SQE fields (byte offsets): CDW0 (opcode, flags, CID), NSID, PRP1, PRP2, CDW10..15. */
#define SQE_OPC 0
#define SQE_FLAGS 1  /* FUSE 1:0, PSDT 7:6 */
#define SQE_CID 2
#define SQE_NSID 4
#define SQE_PRP1 24
#define SQE_PRP2 32
#define SQE_CDW(n) (4 * (n)) /* n = 10..15 */
/* CQE fields: DW0, DW1, SQ head, SQ id, CID, status and phase tag. */
#define CQE_DW0 0
#define CQE_SQHD 8
#define CQE_SQID 10
#define CQE_CID 12
#define CQE_STATUS 14 /* bit 0 phase tag, bits 15:1 status */

#endif

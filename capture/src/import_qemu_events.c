/* The QEMU trace events the importer knows, 7.2 to 11.x, as data: name, argument format
 * (QEMU's own format string from hw/nvme/trace-events and hw/pci/trace-events, with the
 * PRIx64-style conversions reduced to %u %d %x %s), what the event maps to, and which QEMU
 * lines print it (since/gone). The names and formats were compared with the event lists of
 * real binaries: Debian 12's 7.2.22 and bookworm-backports' 10.0.2 (`-trace help`, and the
 * format strings in the binary), and with the hw/nvme and hw/pci trace-events of Debian sid's
 * 10.2.2 source; the lists differ only in the rows marked with since/gone below, and every
 * format of the table is the same in all three. docs/import.md is the
 * human-readable version of this table; keep the two in step.
 *
 * SQE byte offsets below follow the NVMe base specification 2.0, figure "Common Command
 * Format": CDW0 opcode/flags/CID at 0-3, NSID 4-7, PRP1 24-31, PRP2 32-39, CDW10 40-43,
 * CDW11 44-47, CDW12 48-51. Which argument holds which SQE field is what QEMU's handler reads
 * (le16_to_cpu(c->qsize) and so on), so a field is marked known only when the printed value is
 * the SQE value itself or an exact function of it. */
#include <string.h>

#include "import_qemu.h"

#define F(arg, off, width) {arg, off, width, SX_NONE}
#define FX(arg, off, width, x) {arg, off, width, x}

/* Formats that carry nothing the importer uses are left NULL: any arguments are accepted. */
static const struct qemu_event_def events[] = {
    /* ---- PCI core (hw/pci/trace-events) ---- */
    {"pci_cfg_read", "%s %x:%x.%x @0x%x -> 0x%x", QK_CFG_READ, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_cfg_write", "%s %x:%x.%x @0x%x <- 0x%x", QK_CFG_WRITE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_update_mappings_add", "%s %x:%x.%x %d,0x%x+0x%x", QK_MAP_ADD, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_update_mappings_del", "%s %x:%x.%x %d,0x%x+0x%x", QK_MAP_DEL, QD_ANY, -1, {{0}}, 0, 0},
    {"msix_write_config", "dev %s enabled %d masked %d", QK_MSIX_CONFIG, QD_ANY, -1, {{0}}, 0, 0},

    /* ---- registers, doorbells, interrupts, controller state ---- */
    {"pci_nvme_mmio_read", "addr 0x%x size %d", QK_MMIO_READ, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_mmio_write", "addr 0x%x data 0x%x size %d", QK_MMIO_WRITE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_mmio_doorbell_sq", "sqid %u new_tail %u", QK_DOORBELL_SQ, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_mmio_doorbell_cq", "cqid %u new_head %u", QK_DOORBELL_CQ, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_mmio_cfg", "wrote MMIO, config controller config=0x%x", QK_REG_CC, QD_ANY, -1,
     {{0}}, 0, 0},
    {"pci_nvme_mmio_aqattr", "wrote MMIO, admin queue attributes=0x%x", QK_REG_AQA, QD_ANY, -1,
     {{0}}, 0, 0},
    {"pci_nvme_mmio_start_success", "setting controller enable bit succeeded", QK_START_OK, QD_ANY,
     -1, {{0}}, 0, 0},
    {"pci_nvme_err_startfail", "setting controller enable bit failed", QK_START_FAIL, QD_ANY, -1,
     {{0}}, 0, 0},
    {"pci_nvme_mmio_stopped", "cleared controller enable bit", QK_STOPPED, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_mmio_shutdown_set", "shutdown bit set", QK_SHUTDOWN_SET, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_mmio_shutdown_cleared", "shutdown bit cleared", QK_SHUTDOWN_CLEARED, QD_ANY, -1,
     {{0}}, 0, 0},
    {"pci_nvme_pci_reset", "PCI Function Level Reset", QK_PCI_RESET, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_err_cfs", "controller fatal status", QK_CFS, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_irq_msix", "raising MSI-X IRQ vector %u", QK_IRQ_MSIX, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_irq_pin", "pulsing IRQ pin", QK_IRQ_PIN, QD_ANY, -1, {{0}}, 0, 0},
    /* 7.2 names of the shadow-doorbell events; 8.0 renamed them (47cd3539e1) and writes
     * the CQ EventIdx too. Same arguments, same meaning. */
    {"pci_nvme_shadow_doorbell_sq", "sqid %u new_shadow_doorbell %u", QK_SHADOW_SQ, QD_ANY, -1,
     {{0}}, 0, QEMU_V(8, 0)},
    {"pci_nvme_shadow_doorbell_cq", "cqid %u new_shadow_doorbell %u", QK_SHADOW_CQ, QD_ANY, -1,
     {{0}}, 0, QEMU_V(8, 0)},
    {"pci_nvme_eventidx_sq", "sqid %u new_eventidx %u", QK_EVENTIDX_SQ, QD_ANY, -1, {{0}}, 0,
     QEMU_V(8, 0)},
    {"pci_nvme_eventidx_cq", "cqid %u new_eventidx %u", QK_EVENTIDX_CQ, QD_ANY, -1, {{0}}, 0,
     QEMU_V(8, 0)},
    {"pci_nvme_update_sq_tail", "sqid %u new_tail %u", QK_SHADOW_SQ, QD_ANY, -1, {{0}},
     QEMU_V(8, 0), 0},
    {"pci_nvme_update_cq_head", "cqid %u new_head %u", QK_SHADOW_CQ, QD_ANY, -1, {{0}},
     QEMU_V(8, 0), 0},
    {"pci_nvme_update_sq_eventidx", "sqid %u new_eventidx %u", QK_EVENTIDX_SQ, QD_ANY, -1, {{0}},
     QEMU_V(8, 0), 0},
    {"pci_nvme_update_cq_eventidx", "cqid %u new_eventidx %u", QK_EVENTIDX_CQ, QD_ANY, -1, {{0}},
     QEMU_V(8, 0), 0},

    /* ---- commands and completions ---- */
    {"pci_nvme_admin_cmd", "cid %u sqid %u opc 0x%x opname '%s'", QK_ADMIN_CMD, QD_ANY, 0,
     {{0}}, 0, 0},
    {"pci_nvme_io_cmd", "cid %u nsid 0x%x sqid %u opc 0x%x opname '%s'", QK_IO_CMD, QD_ANY, 0,
     {{0}}, 0, 0},
    {"pci_nvme_enqueue_req_completion", "cid %u cqid %u dw0 0x%x dw1 0x%x status 0x%x",
     QK_COMPLETION, QD_ANY, 0, {{0}}, 0, 0},
    {"pci_nvme_dsm_deallocate", "slba %u nlb %u", QK_DSM_RANGE, QD_ANY, -1, {{0}}, 0, 0},

    /* ---- details merged into the SUB record of the open command ---- */
    /* Identify: CNS = CDW10[7:0], CNTID = CDW10[31:16], CSI = CDW11[31:24]. */
    {"pci_nvme_identify", "cid %u cns 0x%x ctrlid %u csi 0x%x", QK_DETAIL, QD_ADMIN, 0,
     {F(1, 40, 1), F(2, 42, 2), F(3, 47, 1)}, 0, 0},
    {"pci_nvme_identify_ctrl", "identify controller", QK_DETAIL, QD_ADMIN, -1, {{0}}, 0, 0},
    {"pci_nvme_identify_ctrl_csi", "identify controller, csi=0x%x", QK_DETAIL, QD_ADMIN, -1,
     {F(0, 47, 1)}, 0, 0},
    {"pci_nvme_identify_ns", "nsid %u", QK_DETAIL, QD_ADMIN, -1, {F(0, 4, 4)}, 0, 0},
    {"pci_nvme_identify_ns_csi", "nsid=%u, csi=0x%x", QK_DETAIL, QD_ADMIN, -1,
     {F(0, 4, 4), F(1, 47, 1)}, 0, 0},
    {"pci_nvme_identify_nslist", "nsid %u", QK_DETAIL, QD_ADMIN, -1, {F(0, 4, 4)}, 0, 0},
    /* I/O Command Set Independent Identify Namespace (CNS 08h). In 10.0's list, not 7.2's;
     * the release between that added it is not pinned here (since = the first row checked). */
    {"pci_nvme_identify_ns_ind", "nsid %u", QK_DETAIL, QD_ADMIN, -1, {F(0, 4, 4)}, QEMU_V(10, 0),
     0},
    /* QEMU passes the 32-bit NSID through a uint16_t argument: only its low half is known. */
    {"pci_nvme_identify_nslist_csi", "nsid=%u, csi=0x%x", QK_DETAIL, QD_ADMIN, -1,
     {F(0, 4, 2), F(1, 47, 1)}, 0, 0},
    {"pci_nvme_identify_ns_descr_list", "nsid %u", QK_DETAIL, QD_ADMIN, -1, {F(0, 4, 4)}, 0, 0},
    {"pci_nvme_identify_cmd_set", NULL, QK_DETAIL, QD_ADMIN, -1, {{0}}, 0, 0},
    {"pci_nvme_identify_ctrl_list", "cns 0x%x cntid %u", QK_DETAIL, QD_ADMIN, -1,
     {F(0, 40, 1), F(1, 42, 2)}, 0, 0},
    {"pci_nvme_identify_pri_ctrl_cap", NULL, QK_DETAIL, QD_ADMIN, -1, {{0}}, 0, 0},
    {"pci_nvme_identify_sec_ctrl_list", NULL, QK_DETAIL, QD_ADMIN, -1, {{0}}, 0, 0},
    /* Get Log Page: LID = CDW10[7:0]; NUMD (NUMDL CDW10[31:16] | NUMDU CDW11[15:0]) is bytes
     * 42-45, of which the printed 32-bit byte count determines the low 30 bits: bytes 42-44.
     * LSP is printed masked to 4 of its bits, so byte 41 stays unknown. LPOL/LPOU = 48-55. */
    {"pci_nvme_get_log", "cid %u lid 0x%x lsp 0x%x rae 0x%x len %u off %u", QK_DETAIL, QD_ADMIN,
     0, {F(1, 40, 1), FX(4, 42, 3, SX_LEN_TO_NUMD), F(5, 48, 8)}, 0, 0},
    /* Get/Set Features: FID = CDW10[7:0], CDW11 whole. SEL and SV are single bits of bytes
     * whose other bits QEMU does not print. */
    {"pci_nvme_getfeat", "cid %u nsid 0x%x fid 0x%x sel 0x%x cdw11 0x%x", QK_DETAIL, QD_ADMIN, 0,
     {F(1, 4, 4), F(2, 40, 1), F(4, 44, 4)}, 0, 0},
    {"pci_nvme_setfeat", "cid %u nsid 0x%x fid 0x%x save 0x%x cdw11 0x%x", QK_DETAIL, QD_ADMIN, 0,
     {F(1, 4, 4), F(2, 40, 1), F(4, 44, 4)}, 0, 0},
    {"pci_nvme_getfeat_vwcache", NULL, QK_DETAIL, QD_ADMIN, -1, {{0}}, 0, 0},
    {"pci_nvme_getfeat_numq", NULL, QK_DETAIL, QD_ADMIN, -1, {{0}}, 0, 0},
    {"pci_nvme_setfeat_numq", NULL, QK_DETAIL, QD_ADMIN, -1, {{0}}, 0, 0},
    {"pci_nvme_setfeat_timestamp", NULL, QK_DETAIL, QD_ADMIN, -1, {{0}}, 0, 0},
    {"pci_nvme_getfeat_timestamp", NULL, QK_DETAIL, QD_ADMIN, -1, {{0}}, 0, 0},
    {"pci_nvme_aer", "cid %u", QK_DETAIL, QD_ADMIN, 0, {{0}}, 0, 0},
    {"pci_nvme_ns_attachment", "cid %u, sel=0x%x", QK_DETAIL, QD_ADMIN, 0, {{0}}, 0, 0},
    {"pci_nvme_ns_attachment_attach", NULL, QK_DETAIL, QD_ADMIN, -1, {{0}}, 0, 0},
    {"pci_nvme_virt_mngmt", NULL, QK_DETAIL, QD_ADMIN, -1, {{0}}, 0, 0},
    {"pci_nvme_format_set", NULL, QK_DETAIL, QD_ADMIN, -1, {{0}}, 0, 0},
    /* Create I/O SQ: PRP1 = queue base, QID CDW10[15:0], QSIZE CDW10[31:16], flags
     * CDW11[15:0], CQID CDW11[31:16]. Create I/O CQ: same with IV in CDW11[31:16]. */
    {"pci_nvme_create_sq",
     "create submission queue, addr=0x%x, sqid=%u, cqid=%u, qsize=%u, qflags=%u",
     QK_DETAIL_CREATE_SQ, QD_ADMIN, -1,
     {F(0, 24, 8), F(1, 40, 2), F(3, 42, 2), F(4, 44, 2), F(2, 46, 2)}, 0, 0},
    {"pci_nvme_create_cq",
     "create completion queue, addr=0x%x, cqid=%u, vector=%u, qsize=%u, qflags=%u, ien=%d",
     QK_DETAIL_CREATE_CQ, QD_ADMIN, -1,
     {F(0, 24, 8), F(1, 40, 2), F(3, 42, 2), F(4, 44, 2), F(2, 46, 2)}, 0, 0},
    {"pci_nvme_del_sq", "deleting submission queue sqid=%u", QK_DETAIL_DELETE_SQ, QD_ADMIN, -1,
     {F(0, 40, 2)}, 0, 0},
    {"pci_nvme_del_cq", "deleted completion queue, cqid=%u", QK_DETAIL_DELETE_CQ, QD_ADMIN, -1,
     {F(0, 40, 2)}, 0, 0},
    /* Doorbell Buffer Config: PRP1 = shadow doorbells, PRP2 = EventIdx buffer. */
    {"pci_nvme_dbbuf_config", "dbs_addr=0x%x eis_addr=0x%x", QK_DETAIL_DBBUF, QD_ADMIN, -1,
     {F(0, 24, 8), F(1, 32, 8)}, 0, 0},
    /* Data pointer: the PRPs as read from the SQE; each mapped segment becomes a DMA record. */
    {"pci_nvme_map_prp", "trans_len %u len %u prp1 0x%x prp2 0x%x num_prps %d", QK_DETAIL_MAP,
     QD_ANY, -1, {F(2, 24, 8), F(3, 32, 8)}, 0, 0},
    {"pci_nvme_dma_read", "DMA read, prp1=0x%x prp2=0x%x", QK_DETAIL_MAP, QD_ANY, -1,
     {F(0, 24, 8), F(1, 32, 8)}, 0, 0},
    {"pci_nvme_map_addr", "addr 0x%x len %u", QK_DETAIL_ADDR, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_map_addr_cmb", "addr 0x%x len %u", QK_DETAIL_ADDR, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_map_sgl", NULL, QK_DETAIL, QD_ANY, -1, {{0}}, 0, 0},
    /* NVM command set: SLBA = CDW10-11, NLB = CDW12[15:0] (QEMU prints NLB + 1). */
    {"pci_nvme_read", "cid %u nsid %u nlb %u count %u lba 0x%x", QK_DETAIL, QD_IO, 0,
     {F(1, 4, 4), F(4, 40, 8), FX(2, 48, 2, SX_MINUS1)}, 0, 0},
    {"pci_nvme_write", "cid %u opname '%s' nsid %u nlb %u count %u lba 0x%x", QK_DETAIL, QD_IO,
     0, {F(2, 4, 4), F(5, 40, 8), FX(3, 48, 2, SX_MINUS1)}, 0, 0},
    {"pci_nvme_compare", "cid %u nsid %u slba 0x%x nlb %u", QK_DETAIL, QD_IO, 0,
     {F(1, 4, 4), F(2, 40, 8), FX(3, 48, 2, SX_MINUS1)}, 0, 0},
    {"pci_nvme_verify", "cid %u nsid %u slba 0x%x nlb %u", QK_DETAIL, QD_IO, 0,
     {F(1, 4, 4), F(2, 40, 8), FX(3, 48, 2, SX_MINUS1)}, 0, 0},
    /* Copy: NR = CDW12[7:0], 0-based. */
    {"pci_nvme_copy", "cid %u nsid %u nr %u format 0x%x", QK_DETAIL, QD_IO, 0,
     {F(1, 4, 4), FX(2, 48, 1, SX_MINUS1)}, 0, 0},
    {"pci_nvme_copy_source_range", NULL, QK_DETAIL, QD_IO, -1, {{0}}, 0, 0},
    /* Dataset Management: NR = CDW10[7:0] 0-based, attributes = CDW11. */
    {"pci_nvme_dsm", "nr %u attr 0x%x", QK_DETAIL, QD_IO, -1,
     {FX(0, 40, 1, SX_MINUS1), F(1, 44, 4)}, 0, 0},
    {"pci_nvme_dsm_single_range_limit_exceeded", NULL, QK_DETAIL, QD_IO, -1, {{0}}, 0, 0},
    {"pci_nvme_flush_ns", NULL, QK_DETAIL, QD_IO, -1, {{0}}, 0, 0},
    {"pci_nvme_dif_rw", NULL, QK_DETAIL, QD_IO, -1, {{0}}, 0, 0},
    {"pci_nvme_dif_check", NULL, QK_DETAIL, QD_IO, -1, {{0}}, 0, 0},

    /* ---- known, nothing to record: completions callbacks, AER and zone bookkeeping ---- */
    {"pci_nvme_aer_aerl_exceeded", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_aer_masked", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_aer_post_cqe", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_aio_copy_in_cb", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_aio_discard_cb", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_aio_flush_cb", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_block_status", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_clear_ns_close", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_clear_ns_reset", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_close_zone", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_compare_data_cb", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_compare_mdata_cb", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_copy_out", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_dif_pract_generate_dif_crc16", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_dif_pract_generate_dif_crc64", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_dif_prchk_apptag", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_dif_prchk_disabled_crc16", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_dif_prchk_disabled_crc64", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_dif_prchk_guard_crc16", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_dif_prchk_guard_crc64", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_dif_prchk_reftag_crc16", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_dif_prchk_reftag_crc64", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_dif_rw_cb", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_dif_rw_check_cb", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_dif_rw_mdata_in_cb", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_dif_rw_mdata_out_cb", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_enqueue_event", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_enqueue_event_masked", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_enqueue_event_noqueue", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_finish_zone", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_irq_masked", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_misc_cb", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    /* Admin queue base registers: the MMIO write record already holds the value. */
    {"pci_nvme_mmio_acqaddr", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_mmio_acqaddr_hi", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_mmio_asqaddr", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_mmio_asqaddr_hi", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_mmio_intm_clr", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_mmio_intm_set", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_no_outstanding_aers", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_offline_zone", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_open_zone", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_process_aers", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_reset_zone", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_rw_cb", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_rw_complete_cb", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_set_descriptor_extension", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_verify_cb", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_verify_mdata_in_cb", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_zd_extension_set", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_zns_zone_reset", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    {"pci_nvme_zoned_zrwa_implicit_flush", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, 0, 0},
    /* Flexible Data Placement: a reclaim unit handle changed (device bookkeeping; the
     * command that caused it is recorded). In 10.0's list, not 7.2's. */
    {"pci_nvme_fdp_ruh_change", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, QEMU_V(10, 0), 0},
    /* PCI core events newer than 7.2, printed only with a wider -trace pattern than capture's
     * (pci_*): power-management transitions and INTx routing, nothing a record holds. */
    {"pci_pm_transition", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, QEMU_V(10, 0), 0},
    {"pci_pm_bad_transition", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, QEMU_V(10, 0), 0},
    {"pci_route_irq", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, QEMU_V(10, 0), 0},
    /* Option ROM checks of the PCI core: in 10.2's trace-events, not in 10.0's binary. */
    {"pci_bad_pcir_offset", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, QEMU_V(10, 2), 0},
    {"pci_bad_rom_magic", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, QEMU_V(10, 2), 0},
    {"pci_rom_and_pci_ids", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, QEMU_V(10, 2), 0},
    {"pci_rom_checksum_change", NULL, QK_IGNORE, QD_ANY, -1, {{0}}, QEMU_V(10, 2), 0},
};
#define NEVENTS (sizeof events / sizeof events[0])

/* Families matched by prefix, so errors of other QEMU versions still become annotations. */
static const struct qemu_event_def err_family = {"pci_nvme_err_", NULL, QK_ERROR, QD_ANY, -1,
                                                 {{0}}, 0, 0};
static const struct qemu_event_def ub_family = {"pci_nvme_ub_", NULL, QK_UB, QD_ANY, -1, {{0}},
                                                0, 0};

#define INDEX_SLOTS (sizeof ((struct qemu_event_index *)0)->slot / sizeof(uint16_t))

size_t qemu_event_table(const struct qemu_event_def **defs)
{
    *defs = events;
    return NEVENTS;
}

int qemu_event_prefix_of_known(const char *name, size_t len)
{
    for (size_t i = 0; i < NEVENTS; i++)
        if (strncmp(events[i].name, name, len) == 0 && events[i].name[len] != '\0')
            return 1;
    return 0;
}

static uint32_t name_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

void qemu_event_index_init(struct qemu_event_index *ix)
{
    _Static_assert(NEVENTS < INDEX_SLOTS / 2, "event index too full");
    memset(ix, 0, sizeof *ix);
    for (size_t i = 0; i < NEVENTS; i++) {
        uint32_t h = name_hash(events[i].name, strlen(events[i].name)) & (INDEX_SLOTS - 1);
        while (ix->slot[h])
            h = (h + 1) & (INDEX_SLOTS - 1);
        ix->slot[h] = (uint16_t)(i + 1);
    }
}

const struct qemu_event_def *qemu_event_find(const struct qemu_event_index *ix, const char *name,
                                             size_t len)
{
    uint32_t h = name_hash(name, len) & (INDEX_SLOTS - 1);
    for (uint16_t s; (s = ix->slot[h]) != 0; h = (h + 1) & (INDEX_SLOTS - 1)) {
        const struct qemu_event_def *d = &events[s - 1];
        if (strncmp(d->name, name, len) == 0 && d->name[len] == '\0')
            return d;
    }
    if (len > 13 && memcmp(name, "pci_nvme_err_", 13) == 0)
        return &err_family;
    if (len > 12 && memcmp(name, "pci_nvme_ub_", 12) == 0)
        return &ub_family;
    return NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int qemu_parse_args(const char *fmt, const char *args, size_t len, struct qemu_arg *out)
{
    const char *p = args, *end = args + len;
    int n = 0;
    while (*fmt) {
        if (*fmt != '%') {
            if (p == end || *p != *fmt)
                return -1;
            p++;
            fmt++;
            continue;
        }
        char conv = fmt[1];
        fmt += 2;
        if (n == QEMU_MAX_ARGS)
            return -1;
        struct qemu_arg *a = &out[n++];
        a->v = 0;
        a->s = p;
        a->len = 0;
        switch (conv) {
        case 'd':
        case 'u': {
            int neg = 0;
            if (conv == 'd' && p < end && *p == '-') {
                neg = 1;
                p++;
            }
            const char *start = p;
            uint64_t v = 0;
            for (; p < end && *p >= '0' && *p <= '9'; p++) {
                uint64_t d = (uint64_t)(*p - '0');
                if (v > (UINT64_MAX - d) / 10)
                    return -1;
                v = v * 10 + d;
            }
            if (p == start)
                return -1;
            a->v = neg ? (uint64_t)0 - v : v;
            break;
        }
        case 'x': {
            const char *start = p;
            uint64_t v = 0;
            int d;
            for (; p < end && (d = hexval(*p)) >= 0; p++) {
                if (p - start >= 16)
                    return -1;
                v = v << 4 | (uint64_t)d;
            }
            if (p == start)
                return -1;
            a->v = v;
            break;
        }
        case 's': {
            /* A string runs to the next literal character of the format (or the end). */
            char stop = *fmt;
            while (p < end && (stop == '\0' || *p != stop))
                p++;
            a->len = (size_t)(p - a->s);
            break;
        }
        default:
            return -1; /* a table bug; the unit test parses every format */
        }
    }
    return p == end ? n : -1;
}

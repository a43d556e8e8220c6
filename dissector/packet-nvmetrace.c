/*
 * packet-nvmetrace.c: Wireshark dissector for nvmetrace records (format/include/nvmetrace/
 * schema.h, docs/format.md). Each pcapng packet carries exported-PDU tags naming the
 * "nvmetrace" dissector, so Wireshark and tshark hand the record here with no user settings.
 *
 * This file: registration, the record header, every event body, per-device state
 * (command matching, queue sizes, doorbell stride, MSI-X table, BAR0 sizing), expert info,
 * the Info column (the `nvmetrace dump` line, from nvt_event_describe()) and the tap behind
 * `tshark -z nvt,tree`.
 */
#include "nvmetrace-int.h"

#include <string.h>

#include <epan/epan.h>
#include <epan/proto_data.h>
#include <epan/stats_tree.h>
#include <epan/tap.h>
#include <epan/tfs.h>
#include <wiretap/wtap.h>

#include "nvmetrace/format.h"

/* Plugin entry points. Wireshark loads a plugin only into the major.minor it was built for. */
WS_DLL_PUBLIC_DEF const gchar plugin_version[] = NVT_PLUGIN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;
WS_DLL_PUBLIC void plugin_register(void);
#ifdef NVT_WS_PLUGIN_DESCRIBE
WS_DLL_PUBLIC uint32_t plugin_describe(void);
#endif

int proto_nvt = -1;
static int nvt_tap = -1;
static dissector_handle_t nvt_handle;

/* ---- header ---- */
static int hf_version = -1, hf_type = -1, hf_flags = -1, hf_flag_value_unknown = -1;
static int hf_flag_reconstructed = -1, hf_flag_truncated = -1, hf_flag_recovered = -1;
static int hf_flag_unknown = -1, hf_thread = -1, hf_seq = -1, hf_device = -1, hf_bdf = -1;
static int hf_undecoded = -1;
/* ---- bodies ---- */
static int hf_cfg_offset = -1, hf_cfg_size = -1, hf_cfg_value = -1, hf_cfg_bar0_size = -1;
static int hf_mmio_bar = -1, hf_mmio_size = -1, hf_mmio_offset = -1, hf_mmio_value = -1;
static int hf_mmio_gpa = -1;
static int hf_bar_index = -1, hf_bar_flags = -1, hf_bar_io = -1, hf_bar_64 = -1;
static int hf_bar_pf = -1, hf_bar_addr = -1, hf_bar_size = -1;
static int hf_db_qid = -1, hf_db_is_cq = -1, hf_db_value = -1, hf_db_qsize = -1;
static int hf_db_stride = -1;
static int hf_msix_entry = -1, hf_msix_field = -1, hf_msix_write = -1, hf_msix_value = -1;
static int hf_msix_masked = -1, hf_msix_table_size = -1, hf_msix_enabled = -1;
static int hf_msix_fmask = -1, hf_msix_msgctl = -1;
static int hf_irq_kind = -1, hf_irq_vector = -1, hf_irq_data = -1, hf_irq_addr = -1;
static int hf_sub_qid = -1, hf_sub_slot = -1, hf_sub_known = -1;
static int hf_cpl_qid = -1, hf_cpl_slot = -1, hf_cpl_known = -1;
static int hf_dma_gpa = -1, hf_dma_len = -1, hf_dma_caplen = -1, hf_dma_sqid = -1;
static int hf_dma_cid = -1, hf_dma_data = -1, hf_dma_data_off = -1, hf_dma_dbbuf = -1;
static int hf_dma_dbbuf_value = -1;
static int hf_state = -1, hf_state_value = -1;
static int hf_ann_level = -1, hf_ann_len = -1, hf_ann_text = -1;
static int hf_stats_recorded = -1, hf_stats_dropped = -1, hf_stats_overflows = -1;
static int hf_stats_warnings = -1;
/* ---- analysis ---- */
static int hf_cpl_in = -1, hf_cmd_in = -1, hf_latency = -1, hf_prev_sub = -1;
static int hf_cmd_name = -1;

static gint ett_nvt = -1, ett_flags = -1, ett_body = -1, ett_bar_flags = -1;

expert_field ei_nvt_reserved = EI_INIT;
expert_field ei_nvt_msix_vector_beyond = EI_INIT;
expert_field ei_nvt_error_status = EI_INIT;
expert_field ei_nvt_ctrl_fatal = EI_INIT;
static expert_field ei_nvt_version_newer = EI_INIT;
static expert_field ei_nvt_version_invalid = EI_INIT;
static expert_field ei_nvt_unknown_type = EI_INIT;
static expert_field ei_nvt_short = EI_INIT;
static expert_field ei_nvt_unknown_flags = EI_INIT;
static expert_field ei_nvt_reconstructed = EI_INIT;
static expert_field ei_nvt_value_unknown = EI_INIT;
static expert_field ei_nvt_truncated = EI_INIT;
static expert_field ei_nvt_recovered = EI_INIT;
static expert_field ei_nvt_cid_reused = EI_INIT;
static expert_field ei_nvt_no_submission = EI_INIT;
static expert_field ei_nvt_doorbell_beyond = EI_INIT;
static expert_field ei_nvt_doorbell_no_queue = EI_INIT;
static expert_field ei_nvt_bar0_small = EI_INIT;
static expert_field ei_nvt_dropped = EI_INIT;
static expert_field ei_nvt_annotation = EI_INIT;
static expert_field ei_nvt_stride_assumed = EI_INIT;

static const value_string event_type_vals[] = {
    {NVT_EV_CFG_READ, "PCI config read"}, {NVT_EV_CFG_WRITE, "PCI config write"},
    {NVT_EV_MMIO_READ, "MMIO read"}, {NVT_EV_MMIO_WRITE, "MMIO write"},
    {NVT_EV_BAR_MAP, "BAR map"}, {NVT_EV_BAR_UNMAP, "BAR unmap"},
    {NVT_EV_DOORBELL, "Doorbell"}, {NVT_EV_MSIX_ACCESS, "MSI-X table/PBA access"},
    {NVT_EV_MSIX_CTRL, "MSI-X control"}, {NVT_EV_INTERRUPT, "Interrupt"},
    {NVT_EV_SUBMISSION, "Submission"}, {NVT_EV_COMPLETION, "Completion"},
    {NVT_EV_DMA_READ, "DMA read"}, {NVT_EV_DMA_WRITE, "DMA write"},
    {NVT_EV_CTRL_STATE, "Controller state"}, {NVT_EV_ANNOTATION, "Annotation"},
    {NVT_EV_CAPTURE_STATS, "Capture statistics"}, {0, NULL}};
static const value_string irq_kind_vals[] = {
    {NVT_IRQ_MSIX, "MSI-X"}, {NVT_IRQ_MSI, "MSI"}, {NVT_IRQ_INTX_ASSERT, "INTx assert"},
    {NVT_IRQ_INTX_DEASSERT, "INTx deassert"}, {0, NULL}};
static const value_string ann_level_vals[] = {
    {NVT_ANN_NOTE, "Note"}, {NVT_ANN_WARNING, "Warning"}, {NVT_ANN_ERROR, "Error"},
    {NVT_ANN_MARKER, "Marker"}, {0, NULL}};
static const true_false_string tfs_cq_sq = {"CQ head doorbell", "SQ tail doorbell"};

/* Fixed body length of an event type, 0 if the type is unknown: asked of the format library
 * (the size of an event of that type with no data), the one place that knows the bytes. */
static guint body_len(guint8 type)
{
    nvt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = type;
    size_t n = nvt_record_size(&ev);
    return n ? (guint)(n - NVT_HDR_LEN) : 0;
}

/* ---- per-device state ---- */

static wmem_map_t *nvt_devices; /* interface id -> nvt_dev, file scope */

#define QKEY(is_cq, qid) GUINT_TO_POINTER((guint)(is_cq) << 16 | (qid))
#define CMDKEY(sqid, cid) GUINT_TO_POINTER((guint)(sqid) << 16 | (cid))

static nvt_dev *get_dev(guint32 ifid)
{
    nvt_dev *dev = (nvt_dev *)wmem_map_lookup(nvt_devices, GUINT_TO_POINTER(ifid));
    if (!dev) {
        dev = wmem_new0(wmem_file_scope(), nvt_dev);
        dev->outstanding = wmem_map_new(wmem_file_scope(), g_direct_hash, g_direct_equal);
        dev->by_prp1 = wmem_map_new(wmem_file_scope(), g_int64_hash, g_int64_equal);
        dev->queues = wmem_map_new(wmem_file_scope(), g_direct_hash, g_direct_equal);
        wmem_map_insert(nvt_devices, GUINT_TO_POINTER(ifid), dev);
    }
    return dev;
}

/* A controller reset ends every command and deletes the I/O queues; the admin queue
 * attributes (AQA) survive it. */
static void reset_controller(nvt_dev *dev)
{
    gpointer asq = wmem_map_lookup(dev->queues, QKEY(0, 0));
    gpointer acq = wmem_map_lookup(dev->queues, QKEY(1, 0));
    dev->outstanding = wmem_map_new(wmem_file_scope(), g_direct_hash, g_direct_equal);
    dev->by_prp1 = wmem_map_new(wmem_file_scope(), g_int64_hash, g_int64_equal);
    dev->queues = wmem_map_new(wmem_file_scope(), g_direct_hash, g_direct_equal);
    if (asq)
        wmem_map_insert(dev->queues, QKEY(0, 0), asq);
    if (acq)
        wmem_map_insert(dev->queues, QKEY(1, 0), acq);
    dev->cc_en = FALSE;
    dev->dbbuf_dbs = dev->dbbuf_eis = 0; /* a reset ends Doorbell Buffer Config */
}

static guint32 queue_size(const nvt_dev *dev, gboolean is_cq, guint16 qid)
{
    return GPOINTER_TO_UINT(wmem_map_lookup(dev->queues, QKEY(is_cq, qid)));
}

static nvt_pkt *new_pkt(packet_info *pinfo)
{
    nvt_pkt *pkt = wmem_new0(wmem_file_scope(), nvt_pkt);
    pkt->cap.id = NVT_CAP_NONE;
    p_add_proto_data(wmem_file_scope(), pinfo, proto_nvt, 0, pkt);
    return pkt;
}

/* ---- tap ---- */

typedef struct nvt_tap_info {
    guint8 type;           /* NVT_EV_SUBMISSION or NVT_EV_COMPLETION */
    gboolean admin;
    gboolean opc_known;
    guint8 opc;
    gboolean status_known;
    guint16 status;        /* (SCT << 8) | SC */
    const nvt_cmd *cmd;    /* completion: the matched command, or NULL */
} nvt_tap_info;

static void queue_tap(packet_info *pinfo, const nvt_tap_info *src)
{
    if (!have_tap_listener(nvt_tap))
        return;
    nvt_tap_info *ti = wmem_new(pinfo->pool, nvt_tap_info);
    *ti = *src;
    tap_queue_packet(nvt_tap, pinfo, ti);
}

/* ---- shared bits of the body dissectors ---- */

typedef struct rec_ctx {
    tvbuff_t *tvb;
    packet_info *pinfo;
    proto_tree *tree;      /* the body subtree */
    proto_item *top;       /* the protocol item */
    nvt_dev *dev;
    gboolean first;        /* first pass: update dev */
    guint16 flags;
    guint8 type;
    int b;                 /* body offset */
    wmem_strbuf_t *info_extra; /* appended to the Info column */
} rec_ctx;

static gboolean value_known(const rec_ctx *c)
{
    return !(c->flags & NVT_F_VALUE_UNKNOWN);
}

static proto_item *add_gen_uint(proto_tree *tree, int hf, tvbuff_t *tvb, int off, int len,
                                guint32 v)
{
    proto_item *it = proto_tree_add_uint(tree, hf, tvb, off, len, v);
    proto_item_set_generated(it);
    return it;
}

static void add_value_unknown(const rec_ctx *c, int off, int len)
{
    proto_item *it = proto_tree_add_item(c->tree, hf_undecoded, c->tvb, off, len, ENC_NA);
    proto_item_append_text(it, " (value not recorded)");
    expert_add_info(c->pinfo, it, &ei_nvt_value_unknown);
}

/* ---- PCI config ---- */

static void dissect_cfg(rec_ctx *c)
{
    tvbuff_t *tvb = c->tvb;
    int b = c->b;
    guint16 off = tvb_get_letohs(tvb, b);
    guint8 size = tvb_get_uint8(tvb, b + 2);
    guint32 value = tvb_get_letohl(tvb, b + 4);
    gboolean write = c->type == NVT_EV_CFG_WRITE;
    nvt_pkt *pkt = (nvt_pkt *)p_get_proto_data(wmem_file_scope(), c->pinfo, proto_nvt, 0);
    if (!pkt && c->first) {
        nvt_dev *dev = c->dev;
        pkt = new_pkt(c->pinfo);
        if (!write && value_known(c)) {
            nvt_caps_learn(dev, off, size, value);
            if (dev->bar0_sizing && off == 0x10 && size == 4) {
                /* Read-back after writing all ones: the writable address bits give the size. */
                guint32 mask = (value & 1) ? (value & ~3u) : (value & ~0xfu);
                if (mask) {
                    pkt->bar0_size = ~mask + 1;
                    if (pkt->bar0_size < 0x4000 && !(value & 1))
                        pkt->anomalies |= NVT_A_BAR0_SMALL;
                }
                dev->bar0_sizing = FALSE;
            }
        }
        if (write && off == 0x10 && size == 4)
            dev->bar0_sizing = value == 0xffffffffu;
        pkt->cap = nvt_caps_find(dev, off);
        pkt->msi_64bit = (guint8)dev->msi_64bit;
    }
    proto_tree_add_item(c->tree, hf_cfg_offset, tvb, b, 2, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(c->tree, hf_cfg_size, tvb, b + 2, 1, ENC_NA);
    if (!value_known(c)) {
        add_value_unknown(c, b + 4, 4);
    } else {
        proto_tree_add_item(c->tree, hf_cfg_value, tvb, b + 4, 4, ENC_LITTLE_ENDIAN);
        if (pkt && size && size <= 4)
            nvt_dissect_cfg(tvb, c->pinfo, c->tree, b + 4, off, size, value, pkt->cap,
                            pkt->msi_64bit);
    }
    if (!pkt)
        return;
    wmem_strbuf_t *fields = wmem_strbuf_new(c->pinfo->pool, "");
    nvt_cfg_describe(fields, off, size, pkt->cap, pkt->msi_64bit);
    if (wmem_strbuf_get_len(fields))
        wmem_strbuf_append_printf(c->info_extra, " [%s]", wmem_strbuf_get_str(fields));
    if (pkt->bar0_size) {
        proto_item *it = add_gen_uint(c->tree, hf_cfg_bar0_size, tvb, b + 4, 4, pkt->bar0_size);
        if (pkt->anomalies & NVT_A_BAR0_SMALL)
            expert_add_info_format(c->pinfo, it, &ei_nvt_bar0_small,
                                   "BAR0 is %u bytes, smaller than 16 KiB: NVMe MLBAR bits "
                                   "13:4 are reserved (Windows stornvme masks BAR0 with "
                                   "0xFFFFC000 and fails with INACCESSIBLE_BOOT_DEVICE)",
                                   pkt->bar0_size);
    }
}

/* ---- MMIO ---- */

static void classify_mmio(rec_ctx *c, nvt_pkt *pkt, guint8 bar, guint32 off)
{
    const nvt_dev *dev = c->dev;
    guint32 tsize = dev->msix_table_size;
    pkt->dstrd = dev->dstrd;
    pkt->dstrd_known = (guint8)dev->dstrd_known;
    pkt->stride_note = !dev->dstrd_known && !dev->stride_noted && bar == 0 &&
                       off >= NVME_REG_DBS;
    if (dev->msix_loc_known && tsize && bar == dev->msix_table_bir &&
        off >= dev->msix_table_off && off - dev->msix_table_off < 16 * tsize) {
        pkt->mmio_kind = NVT_MMIO_MSIX_TABLE;
        pkt->db_qid = (guint16)((off - dev->msix_table_off) / 16);
        pkt->db_is_cq = (guint8)(((off - dev->msix_table_off) % 16) / 4);
    } else if (dev->msix_loc_known && tsize && bar == dev->msix_pba_bir &&
               off >= dev->msix_pba_off && off - dev->msix_pba_off < 8 * ((tsize + 63) / 64)) {
        pkt->mmio_kind = NVT_MMIO_MSIX_PBA;
        pkt->db_qid = (guint16)((off - dev->msix_pba_off) / 8);
    } else if (bar == 0 && off >= NVME_REG_DBS) {
        guint32 stride = 4u << dev->dstrd;
        guint32 idx = (off - NVME_REG_DBS) / stride;
        pkt->mmio_kind = NVT_MMIO_DOORBELL;
        pkt->db_qid = (guint16)MIN(idx / 2, 0xffffu);
        pkt->db_is_cq = idx & 1;
    } else if (bar == 0) {
        pkt->mmio_kind = NVT_MMIO_REG;
    } else {
        pkt->mmio_kind = NVT_MMIO_OTHER_BAR;
    }
}

/* Register side effects the later records depend on (first pass). */
static void learn_mmio(rec_ctx *c, guint32 off, guint8 size, guint64 value, gboolean write)
{
    nvt_dev *dev = c->dev;
    if (!value_known(c))
        return;
    if (!write && off == NVME_REG_CAP && size == 8) {
        dev->dstrd = (guint8)((value >> 32) & 0xf);
        dev->dstrd_known = TRUE;
    } else if (!write && off == NVME_REG_CAP + 4 && size == 4) {
        dev->dstrd = (guint8)(value & 0xf);
        dev->dstrd_known = TRUE;
    } else if (write && off == NVME_REG_AQA && size == 4) {
        wmem_map_insert(dev->queues, QKEY(0, 0), GUINT_TO_POINTER((value & 0xfff) + 1));
        wmem_map_insert(dev->queues, QKEY(1, 0), GUINT_TO_POINTER(((value >> 16) & 0xfff) + 1));
    } else if (write && off == NVME_REG_CC && size == 4) {
        gboolean en = (value & 1) != 0;
        if (dev->cc_en && !en)
            reset_controller(dev);
        dev->cc_en = en;
    }
}

static void dissect_mmio(rec_ctx *c)
{
    tvbuff_t *tvb = c->tvb;
    int b = c->b;
    guint8 bar = tvb_get_uint8(tvb, b);
    guint8 size = tvb_get_uint8(tvb, b + 1);
    guint32 off = tvb_get_letohl(tvb, b + 4);
    guint64 value = tvb_get_letoh64(tvb, b + 8);
    gboolean write = c->type == NVT_EV_MMIO_WRITE;
    nvt_pkt *pkt = (nvt_pkt *)p_get_proto_data(wmem_file_scope(), c->pinfo, proto_nvt, 0);
    if (!pkt && c->first) {
        pkt = new_pkt(c->pinfo);
        classify_mmio(c, pkt, bar, off);
        if (pkt->stride_note)
            c->dev->stride_noted = TRUE;
        if (bar == 0)
            learn_mmio(c, off, size, value, write);
    }
    proto_tree_add_item(c->tree, hf_mmio_bar, tvb, b, 1, ENC_NA);
    proto_tree_add_item(c->tree, hf_mmio_size, tvb, b + 1, 1, ENC_NA);
    proto_tree_add_item(c->tree, hf_mmio_offset, tvb, b + 4, 4, ENC_LITTLE_ENDIAN);
    if (value_known(c))
        proto_tree_add_item(c->tree, hf_mmio_value, tvb, b + 8, 8, ENC_LITTLE_ENDIAN);
    else
        add_value_unknown(c, b + 8, 8);
    proto_tree_add_item(c->tree, hf_mmio_gpa, tvb, b + 16, 8, ENC_LITTLE_ENDIAN);
    if (!pkt)
        return;
    switch (pkt->mmio_kind) {
    case NVT_MMIO_REG:
        if (value_known(c))
            nvt_dissect_nvme_reg(tvb, c->pinfo, c->tree, b + 8, off, size, value, write);
        break;
    case NVT_MMIO_DOORBELL: {
        guint32 stride = 4u << pkt->dstrd;
        add_gen_uint(c->tree, hf_db_qid, tvb, b + 4, 4, pkt->db_qid);
        proto_item *it = proto_tree_add_boolean(c->tree, hf_db_is_cq, tvb, b + 4, 4,
                                                pkt->db_is_cq);
        proto_item_set_generated(it);
        it = add_gen_uint(c->tree, hf_db_stride, tvb, b + 4, 4, stride);
        if (!pkt->dstrd_known)
            proto_item_append_text(it, " (assumed: CAP.DSTRD not in the trace yet)");
        if (pkt->stride_note)
            expert_add_info(c->pinfo, it, &ei_nvt_stride_assumed);
        wmem_strbuf_append_printf(c->info_extra, " [%s%u%s%s]", pkt->db_is_cq ? "CQ" : "SQ",
                                  pkt->db_qid, pkt->db_is_cq ? "HDBL" : "TDBL",
                                  (off - NVME_REG_DBS) % stride ? ", misaligned" : "");
        break;
    }
    case NVT_MMIO_MSIX_TABLE:
    case NVT_MMIO_MSIX_PBA: {
        gboolean table = pkt->mmio_kind == NVT_MMIO_MSIX_TABLE;
        add_gen_uint(c->tree, hf_msix_entry, tvb, b + 4, 4, pkt->db_qid);
        if (table)
            add_gen_uint(c->tree, hf_msix_field, tvb, b + 4, 4, pkt->db_is_cq);
        wmem_strbuf_append_printf(c->info_extra, " [MSI-X %s %u]", table ? "vector" : "PBA",
                               pkt->db_qid);
        break;
    }
    default:
        break;
    }
}

/* ---- BAR map / unmap ---- */

static void dissect_bar(rec_ctx *c)
{
    tvbuff_t *tvb = c->tvb;
    int b = c->b;
    guint8 bar = tvb_get_uint8(tvb, b);
    guint8 flags = tvb_get_uint8(tvb, b + 1);
    guint64 size = tvb_get_letoh64(tvb, b + 16);
    static int *const bar_flags[] = {&hf_bar_io, &hf_bar_64, &hf_bar_pf, NULL};
    proto_tree_add_item(c->tree, hf_bar_index, tvb, b, 1, ENC_NA);
    proto_tree_add_bitmask(c->tree, tvb, b + 1, hf_bar_flags, ett_bar_flags, bar_flags, ENC_NA);
    proto_tree_add_item(c->tree, hf_bar_addr, tvb, b + 8, 8, ENC_LITTLE_ENDIAN);
    proto_item *it = proto_tree_add_item(c->tree, hf_bar_size, tvb, b + 16, 8,
                                         ENC_LITTLE_ENDIAN);
    if (c->type == NVT_EV_BAR_MAP && bar == 0 && !(flags & NVT_BAR_IO) && size < 0x4000)
        expert_add_info_format(c->pinfo, it, &ei_nvt_bar0_small,
                               "BAR0 is %" G_GINT64_MODIFIER "u bytes, smaller than 16 KiB: "
                               "NVMe MLBAR bits 13:4 are reserved (Windows stornvme masks BAR0 "
                               "with 0xFFFFC000 and fails with INACCESSIBLE_BOOT_DEVICE)", size);
}

/* ---- doorbell ---- */

static void dissect_doorbell(rec_ctx *c)
{
    tvbuff_t *tvb = c->tvb;
    int b = c->b;
    guint16 qid = tvb_get_letohs(tvb, b);
    gboolean is_cq = tvb_get_uint8(tvb, b + 2) != 0;
    guint32 value = tvb_get_letohl(tvb, b + 4);
    nvt_pkt *pkt = (nvt_pkt *)p_get_proto_data(wmem_file_scope(), c->pinfo, proto_nvt, 0);
    if (!pkt && c->first) {
        pkt = new_pkt(c->pinfo);
        pkt->qsize = queue_size(c->dev, is_cq, qid);
        if (!pkt->qsize)
            pkt->anomalies |= NVT_A_DB_NO_QUEUE;
        else if (value >= pkt->qsize)
            pkt->anomalies |= NVT_A_DB_BEYOND;
    }
    proto_tree_add_item(c->tree, hf_db_qid, tvb, b, 2, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(c->tree, hf_db_is_cq, tvb, b + 2, 1, ENC_NA);
    proto_item *vi = proto_tree_add_item(c->tree, hf_db_value, tvb, b + 4, 4, ENC_LITTLE_ENDIAN);
    if (!pkt)
        return;
    if (pkt->qsize)
        add_gen_uint(c->tree, hf_db_qsize, tvb, b, 2, pkt->qsize);
    if (pkt->anomalies & NVT_A_DB_BEYOND)
        expert_add_info_format(c->pinfo, vi, &ei_nvt_doorbell_beyond,
                               "%s doorbell value %u beyond the queue size (%u entries)",
                               is_cq ? "CQ head" : "SQ tail", value, pkt->qsize);
    if (pkt->anomalies & NVT_A_DB_NO_QUEUE)
        expert_add_info_format(c->pinfo, vi, &ei_nvt_doorbell_no_queue,
                               "Doorbell for %s %u, which this trace did not create",
                               is_cq ? "CQ" : "SQ", qid);
}

/* ---- MSI-X ---- */

static void dissect_msix_access(rec_ctx *c)
{
    tvbuff_t *tvb = c->tvb;
    int b = c->b;
    guint16 entry = tvb_get_letohs(tvb, b);
    guint8 field = tvb_get_uint8(tvb, b + 2);
    nvt_pkt *pkt = (nvt_pkt *)p_get_proto_data(wmem_file_scope(), c->pinfo, proto_nvt, 0);
    if (!pkt && c->first) {
        pkt = new_pkt(c->pinfo);
        pkt->msix_table_size = c->dev->msix_table_size;
        if (field <= NVT_MSIX_VECTOR_CTRL && pkt->msix_table_size &&
            entry >= pkt->msix_table_size)
            pkt->anomalies |= NVT_A_MSIX_BEYOND;
    }
    proto_item *ei = proto_tree_add_item(c->tree, hf_msix_entry, tvb, b, 2, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(c->tree, hf_msix_field, tvb, b + 2, 1, ENC_NA);
    proto_tree_add_item(c->tree, hf_msix_write, tvb, b + 3, 1, ENC_NA);
    if (!value_known(c)) {
        add_value_unknown(c, b + 4, 4);
    } else {
        proto_tree_add_item(c->tree, hf_msix_value, tvb, b + 4, 4, ENC_LITTLE_ENDIAN);
        if (field == NVT_MSIX_VECTOR_CTRL)
            proto_tree_add_item(c->tree, hf_msix_masked, tvb, b + 4, 4, ENC_LITTLE_ENDIAN);
    }
    if (pkt && (pkt->anomalies & NVT_A_MSIX_BEYOND))
        expert_add_info_format(c->pinfo, ei, &ei_nvt_msix_vector_beyond,
                               "MSI-X table entry %u beyond the table (%u entries)", entry,
                               pkt->msix_table_size);
}

static void dissect_msix_ctrl(rec_ctx *c)
{
    tvbuff_t *tvb = c->tvb;
    int b = c->b;
    guint16 tsize = tvb_get_letohs(tvb, b + 2);
    if (c->first && tsize)
        c->dev->msix_table_size = tsize;
    proto_tree_add_item(c->tree, hf_msix_enabled, tvb, b, 1, ENC_NA);
    proto_tree_add_item(c->tree, hf_msix_fmask, tvb, b + 1, 1, ENC_NA);
    proto_tree_add_item(c->tree, hf_msix_table_size, tvb, b + 2, 2, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(c->tree, hf_msix_msgctl, tvb, b + 4, 4, ENC_LITTLE_ENDIAN);
}

static void dissect_interrupt(rec_ctx *c)
{
    tvbuff_t *tvb = c->tvb;
    int b = c->b;
    guint8 kind = tvb_get_uint8(tvb, b);
    guint16 vector = tvb_get_letohs(tvb, b + 2);
    nvt_pkt *pkt = (nvt_pkt *)p_get_proto_data(wmem_file_scope(), c->pinfo, proto_nvt, 0);
    if (!pkt && c->first) {
        pkt = new_pkt(c->pinfo);
        pkt->msix_table_size = c->dev->msix_table_size;
        if (kind == NVT_IRQ_MSIX && pkt->msix_table_size && vector >= pkt->msix_table_size)
            pkt->anomalies |= NVT_A_MSIX_BEYOND;
    }
    proto_tree_add_item(c->tree, hf_irq_kind, tvb, b, 1, ENC_NA);
    proto_item *vi = proto_tree_add_item(c->tree, hf_irq_vector, tvb, b + 2, 2,
                                         ENC_LITTLE_ENDIAN);
    proto_tree_add_item(c->tree, hf_irq_data, tvb, b + 4, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(c->tree, hf_irq_addr, tvb, b + 8, 8, ENC_LITTLE_ENDIAN);
    if (pkt && (pkt->anomalies & NVT_A_MSIX_BEYOND))
        expert_add_info_format(c->pinfo, vi, &ei_nvt_msix_vector_beyond,
                               "MSI-X vector %u beyond the table (%u entries)", vector,
                               pkt->msix_table_size);
}

/* ---- submissions and completions ---- */

static gboolean known_bytes(guint64 known, int first, int len)
{
    guint64 m = ((G_GUINT64_CONSTANT(1) << len) - 1) << first;
    return (known & m) == m;
}

/* First pass: the command this SQE starts, queue bookkeeping. */
static void track_submission(rec_ctx *c, nvt_pkt *pkt, guint16 sqid, int sqe, guint64 known)
{
    tvbuff_t *tvb = c->tvb;
    nvt_dev *dev = c->dev;
    nvt_cmd *cmd = wmem_new0(wmem_file_scope(), nvt_cmd);
    cmd->sub_frame = c->pinfo->num;
    cmd->sub_ts = c->pinfo->abs_ts;
    cmd->sqid = sqid;
    cmd->admin = sqid == 0;
    cmd->opc = tvb_get_uint8(tvb, sqe);
    cmd->cid = tvb_get_letohs(tvb, sqe + 2);
    cmd->nsid = tvb_get_letohl(tvb, sqe + 4);
    cmd->cdw10 = tvb_get_letohl(tvb, sqe + 40);
    cmd->cdw11 = tvb_get_letohl(tvb, sqe + 44);
    cmd->cdw12 = tvb_get_letohl(tvb, sqe + 48);
    for (guint i = 0; i < 6; i++)
        if (known_bytes(known, 40 + 4 * (int)i, 4))
            cmd->known_cdw |= (guint8)(1u << i);
    /* PRPs unless PSDT says SGLs (an importer that did not record CDW0's flags byte gives the
     * data pointer as PRPs: QEMU logs PRP1/PRP2) */
    gboolean prps = !known_bytes(known, 1, 1) || (tvb_get_uint8(tvb, sqe + 1) >> 6) == 0;
    if (prps && known_bytes(known, 24, 8))
        cmd->prp1 = tvb_get_letoh64(tvb, sqe + 24);
    pkt->cmd = cmd;
    pkt->msix_table_size = dev->msix_table_size;
    if (!known_bytes(known, 0, 1) || !known_bytes(known, 2, 2))
        return; /* no opcode or CID: nothing to match it with */

    nvt_cmd *old = (nvt_cmd *)wmem_map_lookup(dev->outstanding, CMDKEY(sqid, cmd->cid));
    if (old) {
        pkt->anomalies |= NVT_A_CID_REUSED;
        pkt->prev_frame = old->sub_frame;
    }
    wmem_map_insert(dev->outstanding, CMDKEY(sqid, cmd->cid), cmd);
    if (cmd->prp1 && nvt_cmd_has_decoded_data(cmd->admin, cmd->opc)) {
        guint64 *key = wmem_new(wmem_file_scope(), guint64);
        *key = cmd->prp1;
        wmem_map_insert(dev->by_prp1, key, cmd);
    }
    if (cmd->admin && cmd->opc == 0x7c && prps && known_bytes(known, 24, 16)) {
        dev->dbbuf_dbs = cmd->prp1;
        dev->dbbuf_eis = tvb_get_letoh64(tvb, sqe + 32);
    }
    if (cmd->admin && (cmd->known_cdw & 1)) {
        guint16 qid = (guint16)cmd->cdw10;
        guint32 entries = (cmd->cdw10 >> 16) + 1;
        switch (cmd->opc) {
        case 0x01: /* Create I/O SQ */
        case 0x05: /* Create I/O CQ */
            if (qid)
                wmem_map_insert(dev->queues, QKEY(cmd->opc == 0x05, qid),
                                GUINT_TO_POINTER(entries));
            break;
        case 0x00: /* Delete I/O SQ */
        case 0x04: /* Delete I/O CQ */
            if (qid)
                wmem_map_remove(dev->queues, QKEY(cmd->opc == 0x04, qid));
            break;
        default:
            break;
        }
    }
}

static void dissect_submission(rec_ctx *c)
{
    tvbuff_t *tvb = c->tvb;
    int b = c->b;
    guint16 sqid = tvb_get_letohs(tvb, b);
    gboolean recon = (c->flags & NVT_F_RECONSTRUCTED) != 0;
    guint64 known = recon ? tvb_get_letoh64(tvb, b + 8) : G_MAXUINT64;
    int sqe = b + 16;
    nvt_pkt *pkt = (nvt_pkt *)p_get_proto_data(wmem_file_scope(), c->pinfo, proto_nvt, 0);
    if (!pkt && c->first) {
        pkt = new_pkt(c->pinfo);
        track_submission(c, pkt, sqid, sqe, known);
    }
    proto_tree_add_item(c->tree, hf_sub_qid, tvb, b, 2, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(c->tree, hf_sub_slot, tvb, b + 2, 2, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(c->tree, hf_sub_known, tvb, b + 8, 8, ENC_LITTLE_ENDIAN);
    nvt_dissect_sqe(tvb, c->pinfo, c->tree, sqe, known, recon, sqid == 0,
                    pkt ? pkt->msix_table_size : 0);

    nvt_tap_info tap = {NVT_EV_SUBMISSION, sqid == 0, known_bytes(known, 0, 1),
                        tvb_get_uint8(tvb, sqe), FALSE, 0, NULL};
    queue_tap(c->pinfo, &tap);
    if (!pkt || !pkt->cmd)
        return;
    nvt_cmd *cmd = pkt->cmd;
    if (cmd->cpl_frame) {
        proto_item *it = proto_tree_add_uint(c->tree, hf_cpl_in, tvb, 0, 0, cmd->cpl_frame);
        proto_item_set_generated(it);
        it = proto_tree_add_time(c->tree, hf_latency, tvb, 0, 0, &cmd->latency);
        proto_item_set_generated(it);
    }
    if (pkt->anomalies & NVT_A_CID_REUSED) {
        proto_item *it = proto_tree_add_uint(c->tree, hf_prev_sub, tvb, sqe + 2, 2,
                                             pkt->prev_frame);
        proto_item_set_generated(it);
        expert_add_info_format(c->pinfo, it, &ei_nvt_cid_reused,
                               "CID 0x%04x reused on SQ %u while the command submitted in "
                               "frame %u is outstanding", cmd->cid, sqid, pkt->prev_frame);
    }
}

static void track_completion(rec_ctx *c, nvt_pkt *pkt, guint16 cqid, int cqe, guint16 known)
{
    tvbuff_t *tvb = c->tvb;
    gboolean sq_known = known_bytes(known, 10, 2) || cqid == 0;
    guint16 sqid = known_bytes(known, 10, 2) ? tvb_get_letohs(tvb, cqe + 10) : 0;
    if (!sq_known || !known_bytes(known, 12, 2))
        return; /* a reconstructed CQE without its SQ or CID cannot be matched */
    guint16 cid = tvb_get_letohs(tvb, cqe + 12);
    nvt_cmd *cmd = (nvt_cmd *)wmem_map_lookup(c->dev->outstanding, CMDKEY(sqid, cid));
    if (!cmd) {
        pkt->anomalies |= NVT_A_NO_SUBMISSION;
        return;
    }
    wmem_map_remove(c->dev->outstanding, CMDKEY(sqid, cid));
    if (cmd->prp1 && wmem_map_lookup(c->dev->by_prp1, &cmd->prp1) == cmd)
        wmem_map_remove(c->dev->by_prp1, &cmd->prp1);
    cmd->cpl_frame = c->pinfo->num;
    nstime_delta(&cmd->latency, &c->pinfo->abs_ts, &cmd->sub_ts);
    if (known_bytes(known, 14, 2)) {
        guint16 sw = tvb_get_letohs(tvb, cqe + 14);
        cmd->status = (guint16)(((sw >> 9) & 7) << 8 | ((sw >> 1) & 0xff));
    }
    pkt->cmd = cmd;
}

static void dissect_completion(rec_ctx *c)
{
    tvbuff_t *tvb = c->tvb;
    int b = c->b;
    guint16 cqid = tvb_get_letohs(tvb, b);
    gboolean recon = (c->flags & NVT_F_RECONSTRUCTED) != 0;
    guint16 known = recon ? tvb_get_letohs(tvb, b + 4) : 0xffff;
    int cqe = b + 8;
    nvt_pkt *pkt = (nvt_pkt *)p_get_proto_data(wmem_file_scope(), c->pinfo, proto_nvt, 0);
    if (!pkt && c->first) {
        pkt = new_pkt(c->pinfo);
        track_completion(c, pkt, cqid, cqe, known);
    }
    const nvt_cmd *cmd = pkt ? pkt->cmd : NULL;
    proto_tree_add_item(c->tree, hf_cpl_qid, tvb, b, 2, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(c->tree, hf_cpl_slot, tvb, b + 2, 2, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(c->tree, hf_cpl_known, tvb, b + 4, 2, ENC_LITTLE_ENDIAN);
    nvt_dissect_cqe(tvb, c->pinfo, c->tree, cqe, known, recon, cmd);

    gboolean status_known = known_bytes(known, 14, 2);
    guint16 sw = tvb_get_letohs(tvb, cqe + 14);
    nvt_tap_info tap = {NVT_EV_COMPLETION, cmd ? cmd->admin : cqid == 0,
                        cmd != NULL, cmd ? cmd->opc : 0, status_known,
                        (guint16)(((sw >> 9) & 7) << 8 | ((sw >> 1) & 0xff)), cmd};
    queue_tap(c->pinfo, &tap);
    if (cmd) {
        const char *name = nvt_cmd_name(cmd->admin, cmd->opc);
        proto_item *it = proto_tree_add_uint(c->tree, hf_cmd_in, tvb, 0, 0, cmd->sub_frame);
        proto_item_set_generated(it);
        it = proto_tree_add_string(c->tree, hf_cmd_name, tvb, 0, 0, name ? name : "Unknown");
        proto_item_set_generated(it);
        it = proto_tree_add_time(c->tree, hf_latency, tvb, 0, 0, &cmd->latency);
        proto_item_set_generated(it);
        wmem_strbuf_append_printf(c->info_extra, " [%s, %.3f us]", name ? name : "Unknown",
                               nstime_to_sec(&cmd->latency) * 1e6);
    } else if (pkt && (pkt->anomalies & NVT_A_NO_SUBMISSION)) {
        expert_add_info(c->pinfo, c->top, &ei_nvt_no_submission);
    }
}

/* ---- DMA ---- */

/* First pass: a DMA inside the Doorbell Buffer Config pages is a shadow doorbell (the host's
 * SQ tail / CQ head, read by the device) or an EventIdx entry (written by the device); same
 * layout as the doorbell registers, (2y + b) * (4 << CAP.DSTRD). */
static void track_dbbuf(rec_ctx *c, nvt_pkt *pkt, guint64 gpa, guint32 caplen)
{
    const nvt_dev *dev = c->dev;
    guint64 base;
    if (dev->dbbuf_dbs && gpa >= dev->dbbuf_dbs && gpa - dev->dbbuf_dbs < 4096) {
        pkt->dbbuf = NVT_DBBUF_SHADOW;
        base = dev->dbbuf_dbs;
    } else if (dev->dbbuf_eis && gpa >= dev->dbbuf_eis && gpa - dev->dbbuf_eis < 4096) {
        pkt->dbbuf = NVT_DBBUF_EVENTIDX;
        base = dev->dbbuf_eis;
    } else {
        return;
    }
    guint32 idx = (guint32)(gpa - base) / (4u << dev->dstrd);
    pkt->db_qid = (guint16)(idx / 2);
    pkt->db_is_cq = idx & 1;
    pkt->qsize = queue_size(dev, pkt->db_is_cq, pkt->db_qid);
    int data = c->b + NVT_BODY_DMA_LEN;
    guint avail = (guint)MAX(tvb_captured_length_remaining(c->tvb, data), 0);
    if (pkt->dbbuf == NVT_DBBUF_SHADOW && pkt->qsize && caplen >= 2 && avail >= 2) {
        guint32 value = caplen >= 4 && avail >= 4 ? tvb_get_letohl(c->tvb, data)
                                                  : tvb_get_letohs(c->tvb, data);
        if (value >= pkt->qsize)
            pkt->anomalies |= NVT_A_SHADOW_BEYOND;
    }
}

static void dissect_dbbuf(rec_ctx *c, const nvt_pkt *pkt, int data, int n)
{
    tvbuff_t *tvb = c->tvb;
    gboolean shadow = pkt->dbbuf == NVT_DBBUF_SHADOW;
    proto_item *it = proto_tree_add_string(c->tree, hf_dma_dbbuf, tvb, data, n,
                                           shadow ? "Shadow doorbell" : "EventIdx");
    proto_item_set_generated(it);
    add_gen_uint(c->tree, hf_db_qid, tvb, data, n, pkt->db_qid);
    it = proto_tree_add_boolean(c->tree, hf_db_is_cq, tvb, data, n, pkt->db_is_cq);
    proto_item_set_generated(it);
    if (n >= 2)
        add_gen_uint(c->tree, hf_dma_dbbuf_value, tvb, data, MIN(n, 4),
                     n >= 4 ? tvb_get_letohl(tvb, data) : tvb_get_letohs(tvb, data));
    if (pkt->qsize)
        add_gen_uint(c->tree, hf_db_qsize, tvb, data, n, pkt->qsize);
    if (pkt->anomalies & NVT_A_SHADOW_BEYOND)
        expert_add_info_format(c->pinfo, it, &ei_nvt_doorbell_beyond,
                               "Shadow %s doorbell value beyond the queue size (%u entries)",
                               pkt->db_is_cq ? "CQ head" : "SQ tail", pkt->qsize);
    wmem_strbuf_append_printf(c->info_extra, " [%s %s%u%s]", shadow ? "shadow" : "EventIdx",
                              pkt->db_is_cq ? "CQ" : "SQ", pkt->db_qid,
                              shadow ? (pkt->db_is_cq ? " head" : " tail") : "");
}

static void dissect_dma(rec_ctx *c)
{
    tvbuff_t *tvb = c->tvb;
    int b = c->b;
    guint64 gpa = tvb_get_letoh64(tvb, b);
    guint32 len = tvb_get_letohl(tvb, b + 8);
    guint32 caplen = tvb_get_letohl(tvb, b + 12);
    guint16 sqid = tvb_get_letohs(tvb, b + 16);
    guint16 cid = tvb_get_letohs(tvb, b + 18);
    gboolean dev_write = c->type == NVT_EV_DMA_WRITE;
    nvt_pkt *pkt = (nvt_pkt *)p_get_proto_data(wmem_file_scope(), c->pinfo, proto_nvt, 0);
    if (!pkt && c->first) {
        pkt = new_pkt(c->pinfo);
        nvt_cmd *cmd;
        if (sqid != NVT_QID_UNKNOWN && cid != 0xffff)
            cmd = (nvt_cmd *)wmem_map_lookup(c->dev->outstanding, CMDKEY(sqid, cid));
        else
            cmd = (nvt_cmd *)wmem_map_lookup(c->dev->by_prp1, &gpa);
        if (cmd) {
            guint32 *done = dev_write ? &cmd->wr_bytes : &cmd->rd_bytes;
            pkt->cmd = cmd;
            pkt->data_off = *done;
            *done += len;
        }
        track_dbbuf(c, pkt, gpa, caplen);
    }
    proto_tree_add_item(c->tree, hf_dma_gpa, tvb, b, 8, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(c->tree, hf_dma_len, tvb, b + 8, 4, ENC_LITTLE_ENDIAN);
    proto_item *ci = proto_tree_add_item(c->tree, hf_dma_caplen, tvb, b + 12, 4,
                                         ENC_LITTLE_ENDIAN);
    proto_tree_add_item(c->tree, hf_dma_sqid, tvb, b + 16, 2, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(c->tree, hf_dma_cid, tvb, b + 18, 2, ENC_LITTLE_ENDIAN);
    int data = b + NVT_BODY_DMA_LEN;
    int avail = tvb_captured_length_remaining(tvb, data);
    int n = (int)MIN((guint32)MAX(avail, 0), caplen);
    if (caplen > (guint32)MAX(avail, 0) || caplen > len)
        expert_add_info_format(c->pinfo, ci, &ei_nvt_short,
                               "Captured length %u does not fit: %d data bytes in the record, "
                               "transfer length %u", caplen, avail, len);
    if (n > 0)
        proto_tree_add_item(c->tree, hf_dma_data, tvb, data, n, ENC_NA);
    if (caplen < len || (c->flags & NVT_F_TRUNCATED))
        expert_add_info_format(c->pinfo, ci, &ei_nvt_truncated,
                               "Only %u of the %u bytes transferred are in the trace", MIN(caplen, len),
                               len);
    if (pkt && pkt->dbbuf)
        dissect_dbbuf(c, pkt, data, n);
    if (!pkt || !pkt->cmd)
        return;
    const char *name = nvt_cmd_name(pkt->cmd->admin, pkt->cmd->opc);
    proto_item *it = proto_tree_add_uint(c->tree, hf_cmd_in, tvb, 0, 0, pkt->cmd->sub_frame);
    proto_item_set_generated(it);
    it = proto_tree_add_string(c->tree, hf_cmd_name, tvb, 0, 0, name ? name : "Unknown");
    proto_item_set_generated(it);
    add_gen_uint(c->tree, hf_dma_data_off, tvb, b, 0, pkt->data_off);
    wmem_strbuf_append_printf(c->info_extra, " [%s]", name ? name : "Unknown");
    nvt_dissect_cmd_data(tvb, c->pinfo, c->tree, data, n, dev_write, pkt->cmd, pkt->data_off);
}

/* ---- controller state, annotations, capture statistics ---- */

static void dissect_state(rec_ctx *c)
{
    tvbuff_t *tvb = c->tvb;
    int b = c->b;
    guint8 state = tvb_get_uint8(tvb, b);
    if (c->first && (state == NVT_STATE_RESET || state == NVT_STATE_DISABLE))
        reset_controller(c->dev);
    proto_item *it = proto_tree_add_item(c->tree, hf_state, tvb, b, 1, ENC_NA);
    proto_tree_add_item(c->tree, hf_state_value, tvb, b + 4, 4, ENC_LITTLE_ENDIAN);
    if (state == NVT_STATE_FATAL)
        expert_add_info(c->pinfo, it, &ei_nvt_ctrl_fatal);
}

static void dissect_annotation(rec_ctx *c)
{
    tvbuff_t *tvb = c->tvb;
    int b = c->b;
    guint16 len = tvb_get_letohs(tvb, b + 2);
    int avail = tvb_captured_length_remaining(tvb, b + NVT_BODY_ANNOTATION_LEN);
    proto_tree_add_item(c->tree, hf_ann_level, tvb, b, 1, ENC_NA);
    proto_item *li = proto_tree_add_item(c->tree, hf_ann_len, tvb, b + 2, 2, ENC_LITTLE_ENDIAN);
    int n = MIN((int)len, MAX(avail, 0));
    if (len > avail)
        expert_add_info_format(c->pinfo, li, &ei_nvt_short,
                               "Text length %u, but only %d bytes in the record", len, avail);
    proto_item *ti = proto_tree_add_item(c->tree, hf_ann_text, tvb,
                                         b + NVT_BODY_ANNOTATION_LEN, n, ENC_UTF_8);
    expert_add_info_format(c->pinfo, ti, &ei_nvt_annotation, "%s: %s",
                           val_to_str_const(tvb_get_uint8(tvb, b), ann_level_vals,
                                            "Annotation"),
                           tvb_format_text(c->pinfo->pool, tvb, b + NVT_BODY_ANNOTATION_LEN,
                                           n));
}

static void dissect_capture_stats(rec_ctx *c)
{
    tvbuff_t *tvb = c->tvb;
    int b = c->b;
    proto_tree_add_item(c->tree, hf_stats_recorded, tvb, b, 8, ENC_LITTLE_ENDIAN);
    proto_item *di = proto_tree_add_item(c->tree, hf_stats_dropped, tvb, b + 8, 8,
                                         ENC_LITTLE_ENDIAN);
    proto_tree_add_item(c->tree, hf_stats_overflows, tvb, b + 16, 8, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(c->tree, hf_stats_warnings, tvb, b + 24, 8, ENC_LITTLE_ENDIAN);
    guint64 dropped = tvb_get_letoh64(tvb, b + 8);
    if (dropped)
        expert_add_info_format(c->pinfo, di, &ei_nvt_dropped,
                               "%" G_GINT64_MODIFIER "u events dropped by the capture",
                               dropped);
}

/* ---- the record ---- */

/* Info column: the `nvmetrace dump` line for the record, plus what the analysis found.
 * Built in one buffer and set once: column calls cost more than the formatting. */
static void set_info(tvbuff_t *tvb, packet_info *pinfo, guint8 type, wmem_strbuf_t *extra)
{
    guint len = tvb_captured_length(tvb);
    const guint8 *raw = tvb_get_ptr(tvb, 0, (gint)len);
    nvt_event ev;
    char msg[160];
    char line[640];
    gsize n;
    if (nvt_record_decode(raw, len, &ev, msg, sizeof msg) == NVT_OK)
        n = nvt_event_describe(&ev, line, 512);
    else
        n = (gsize)g_snprintf(line, 512, "%s [%s]",
                              val_to_str_const(type, event_type_vals, "Unknown record"), msg);
    n = MIN(n, 511);
    g_strlcpy(line + n, wmem_strbuf_get_str(extra), sizeof line - n);
    col_add_str(pinfo->cinfo, COL_INFO, line);
}

static guint32 frame_interface(const packet_info *pinfo)
{
    if (pinfo->rec && (pinfo->rec->presence_flags & WTAP_HAS_INTERFACE_ID))
        return pinfo->rec->rec_header.packet_header.interface_id;
    return 0;
}

/* Header fields; FALSE when the body must not be decoded. */
static gboolean dissect_header(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                               proto_item *top)
{
    guint len = tvb_captured_length(tvb);
    if (len < 1) {
        expert_add_info(pinfo, top, &ei_nvt_short);
        col_set_str(pinfo->cinfo, COL_INFO, "Empty nvmetrace record");
        return FALSE;
    }
    guint8 version = tvb_get_uint8(tvb, 0);
    proto_item *vi = proto_tree_add_item(tree, hf_version, tvb, 0, 1, ENC_NA);
    if (version != NVT_SCHEMA_VERSION) {
        /* A newer schema may lay out even the header differently: decode nothing else. */
        if (version > NVT_SCHEMA_VERSION) {
            expert_add_info_format(pinfo, vi, &ei_nvt_version_newer,
                                   "Record from schema version %u, newer than the version %u "
                                   "this plugin knows: not decoded", version,
                                   NVT_SCHEMA_VERSION);
            col_add_fstr(pinfo->cinfo, COL_INFO, "[schema v%u record, newer than v%u: not "
                         "decoded]", version, NVT_SCHEMA_VERSION);
        } else {
            expert_add_info(pinfo, vi, &ei_nvt_version_invalid);
            col_set_str(pinfo->cinfo, COL_INFO, "[invalid schema version 0]");
        }
        if (len > 1)
            proto_tree_add_item(tree, hf_undecoded, tvb, 1, -1, ENC_NA);
        return FALSE;
    }
    if (len < NVT_HDR_LEN) {
        expert_add_info_format(pinfo, top, &ei_nvt_short,
                               "Record of %u bytes is shorter than the %d-byte header", len,
                               NVT_HDR_LEN);
        col_set_str(pinfo->cinfo, COL_INFO, "[record shorter than its header]");
        return FALSE;
    }
    static int *const flag_bits[] = {&hf_flag_value_unknown, &hf_flag_reconstructed,
                                     &hf_flag_truncated, &hf_flag_recovered, &hf_flag_unknown,
                                     NULL};
    guint8 type = tvb_get_uint8(tvb, 1);
    guint16 flags = tvb_get_letohs(tvb, 2);
    proto_item *ti = proto_tree_add_item(tree, hf_type, tvb, 1, 1, ENC_NA);
    proto_item *fi = proto_tree_add_bitmask(tree, tvb, 2, hf_flags, ett_flags, flag_bits,
                                            ENC_LITTLE_ENDIAN);
    proto_tree_add_item(tree, hf_thread, tvb, 4, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(tree, hf_seq, tvb, 8, 8, ENC_LITTLE_ENDIAN);
    if (flags & ~NVT_F_KNOWN_MASK)
        expert_add_info_format(pinfo, fi, &ei_nvt_unknown_flags,
                               "Flags 0x%04x unknown to schema version %u", flags & ~NVT_F_KNOWN_MASK,
                               NVT_SCHEMA_VERSION);
    if (flags & NVT_F_RECONSTRUCTED)
        expert_add_info(pinfo, fi, &ei_nvt_reconstructed);
    if (flags & NVT_F_RECOVERED)
        expert_add_info(pinfo, fi, &ei_nvt_recovered);
    if ((flags & NVT_F_TRUNCATED) && type != NVT_EV_DMA_READ && type != NVT_EV_DMA_WRITE)
        expert_add_info_format(pinfo, fi, &ei_nvt_unknown_flags,
                               "TRUNCATED flag on a record that carries no data");
    guint need = body_len(type);
    if (!need) {
        expert_add_info_format(pinfo, ti, &ei_nvt_unknown_type,
                               "Event type %u unknown to schema version %u", type,
                               NVT_SCHEMA_VERSION);
        col_add_fstr(pinfo->cinfo, COL_INFO, "UNKNOWN type=%u", type);
        if (len > NVT_HDR_LEN)
            proto_tree_add_item(tree, hf_undecoded, tvb, NVT_HDR_LEN, -1, ENC_NA);
        return FALSE;
    }
    if (len - NVT_HDR_LEN < need) {
        expert_add_info_format(pinfo, top, &ei_nvt_short,
                               "%s body is %u bytes, the schema needs %u",
                               val_to_str_const(type, event_type_vals, "Record"),
                               len - NVT_HDR_LEN, need);
        col_add_fstr(pinfo->cinfo, COL_INFO, "%s [body too short: %u of %u bytes]",
                     val_to_str_const(type, event_type_vals, "Record"), len - NVT_HDR_LEN,
                     need);
        if (len > NVT_HDR_LEN)
            proto_tree_add_item(tree, hf_undecoded, tvb, NVT_HDR_LEN, -1, ENC_NA);
        return FALSE;
    }
    return TRUE;
}

static int dissect_nvt(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "nvmetrace");
    proto_item *top = proto_tree_add_item(tree, proto_nvt, tvb, 0, -1, ENC_NA);
    proto_tree *t = proto_item_add_subtree(top, ett_nvt);

    guint32 ifid = frame_interface(pinfo);
    nvt_dev *dev = get_dev(ifid);
    if (!dev->bdf && pinfo->epan) { /* the IDB's if_name; looked up once per device */
        const char *name = nvt_ws_interface_name(pinfo, ifid);
        dev->bdf = wmem_strdup(wmem_file_scope(), name ? name : "");
    }
    proto_item *it = proto_tree_add_uint(t, hf_device, tvb, 0, 0, ifid);
    proto_item_set_generated(it);
    if (dev->bdf && *dev->bdf) {
        it = proto_tree_add_string(t, hf_bdf, tvb, 0, 0, dev->bdf);
        proto_item_set_generated(it);
        col_set_str(pinfo->cinfo, COL_DEF_SRC, dev->bdf); /* file scope: outlives the row */
        proto_item_append_text(top, ", %s", dev->bdf);
    }
    if (!dissect_header(tvb, pinfo, t, top))
        return tvb_captured_length(tvb);

    rec_ctx c = {tvb, pinfo, NULL, top, dev, !PINFO_FD_VISITED(pinfo),
                 tvb_get_letohs(tvb, 2), tvb_get_uint8(tvb, 1), NVT_HDR_LEN,
                 wmem_strbuf_new(pinfo->pool, "")};
    const char *tname = val_to_str_const(c.type, event_type_vals, "Record");
    c.tree = proto_tree_add_subtree(t, tvb, NVT_HDR_LEN, -1, ett_body, NULL, tname);
    proto_item_append_text(top, ", %s", tname);
    switch (c.type) {
    case NVT_EV_CFG_READ: case NVT_EV_CFG_WRITE: dissect_cfg(&c); break;
    case NVT_EV_MMIO_READ: case NVT_EV_MMIO_WRITE: dissect_mmio(&c); break;
    case NVT_EV_BAR_MAP: case NVT_EV_BAR_UNMAP: dissect_bar(&c); break;
    case NVT_EV_DOORBELL: dissect_doorbell(&c); break;
    case NVT_EV_MSIX_ACCESS: dissect_msix_access(&c); break;
    case NVT_EV_MSIX_CTRL: dissect_msix_ctrl(&c); break;
    case NVT_EV_INTERRUPT: dissect_interrupt(&c); break;
    case NVT_EV_SUBMISSION: dissect_submission(&c); break;
    case NVT_EV_COMPLETION: dissect_completion(&c); break;
    case NVT_EV_DMA_READ: case NVT_EV_DMA_WRITE: dissect_dma(&c); break;
    case NVT_EV_CTRL_STATE: dissect_state(&c); break;
    case NVT_EV_ANNOTATION: dissect_annotation(&c); break;
    case NVT_EV_CAPTURE_STATS: dissect_capture_stats(&c); break;
    default: break;
    }
    set_info(tvb, pinfo, c.type, c.info_extra);
    return tvb_captured_length(tvb);
}

/* ---- statistics tree: tshark -z nvt,tree ---- */

static int st_cmds = -1, st_status = -1, st_latency = -1;
static const char st_cmds_name[] = "Commands by opcode";
static const char st_status_name[] = "Status by opcode";
static const char st_latency_name[] = "Latency by opcode (us)";

static void nvt_stats_init(stats_tree *st)
{
    st_cmds = stats_tree_create_node(st, st_cmds_name, 0, STAT_DT_INT, TRUE);
    st_status = stats_tree_create_node(st, st_status_name, 0, STAT_DT_INT, TRUE);
    st_latency = stats_tree_create_node(st, st_latency_name, 0, STAT_DT_FLOAT, TRUE);
}

static const char *stats_cmd_label(char *buf, gsize n, gboolean admin, gboolean known,
                                   guint8 opc)
{
    const char *name = known ? nvt_cmd_name(admin, opc) : NULL;
    if (!known)
        g_snprintf(buf, (gulong)n, "%s (opcode not recorded)", admin ? "Admin" : "I/O");
    else if (name)
        g_snprintf(buf, (gulong)n, "%s %s", admin ? "Admin" : "I/O", name);
    else
        g_snprintf(buf, (gulong)n, "%s opcode 0x%02x", admin ? "Admin" : "I/O", opc);
    return buf;
}

static tap_packet_status nvt_stats_packet(stats_tree *st, packet_info *pinfo _U_,
                                          epan_dissect_t *edt _U_, const void *p,
                                          tap_flags_t flags _U_)
{
    const nvt_tap_info *ti = (const nvt_tap_info *)p;
    char label[96];
    if (ti->type == NVT_EV_SUBMISSION) {
        tick_stat_node(st, st_cmds_name, 0, TRUE);
        tick_stat_node(st, stats_cmd_label(label, sizeof label, ti->admin, ti->opc_known,
                                           ti->opc), st_cmds, FALSE);
        return TAP_PACKET_REDRAW;
    }
    if (ti->cmd)
        stats_cmd_label(label, sizeof label, ti->cmd->admin, TRUE, ti->cmd->opc);
    else
        g_strlcpy(label, "Completion without a submission", sizeof label);
    tick_stat_node(st, st_status_name, 0, TRUE);
    int node = tick_stat_node(st, label, st_status, TRUE);
    char status[96];
    if (!ti->status_known) {
        g_strlcpy(status, "Status not recorded", sizeof status);
    } else {
        const char *name = nvt_status_name((guint8)(ti->status >> 8), (guint8)ti->status);
        if (name)
            g_strlcpy(status, name, sizeof status);
        else
            g_snprintf(status, sizeof status, "SCT %u SC 0x%02x", ti->status >> 8,
                       ti->status & 0xff);
    }
    tick_stat_node(st, status, node, FALSE);
    if (ti->cmd) {
        gfloat us = (gfloat)(nstime_to_sec(&ti->cmd->latency) * 1e6);
        avg_stat_node_add_value_float(st, st_latency_name, 0, TRUE, us);
        avg_stat_node_add_value_float(st, label, st_latency, FALSE, us);
    }
    return TAP_PACKET_REDRAW;
}

/* ---- registration ---- */

#define HF(id, name, abbrev, type, base, strings, mask) \
    {&id, {name, abbrev, type, base, strings, mask, NULL, HFILL}}
#define EI(id, abbrev, group, sev, text) {&id, {abbrev, group, sev, text, EXPFILL}}

void proto_register_nvmetrace(void);
void proto_reg_handoff_nvmetrace(void);

void proto_register_nvmetrace(void)
{
    static hf_register_info hf[] = {
        HF(hf_version, "Schema version", "nvt.version", FT_UINT8, BASE_DEC, NULL, 0),
        HF(hf_type, "Event type", "nvt.type", FT_UINT8, BASE_DEC, VALS(event_type_vals), 0),
        HF(hf_flags, "Flags", "nvt.flags", FT_UINT16, BASE_HEX, NULL, 0),
        HF(hf_flag_value_unknown, "Value unknown", "nvt.flags.value_unknown", FT_BOOLEAN, 16,
           NULL, NVT_F_VALUE_UNKNOWN),
        HF(hf_flag_reconstructed, "Reconstructed", "nvt.flags.reconstructed", FT_BOOLEAN, 16,
           NULL, NVT_F_RECONSTRUCTED),
        HF(hf_flag_truncated, "Truncated", "nvt.flags.truncated", FT_BOOLEAN, 16, NULL,
           NVT_F_TRUNCATED),
        HF(hf_flag_recovered, "Recovered from the crash ring", "nvt.flags.recovered",
           FT_BOOLEAN, 16, NULL, NVT_F_RECOVERED),
        HF(hf_flag_unknown, "Unknown flags", "nvt.flags.unknown", FT_UINT16, BASE_HEX, NULL,
           0xfff0),
        HF(hf_thread, "Thread", "nvt.thread", FT_UINT32, BASE_DEC, NULL, 0),
        HF(hf_seq, "Sequence number", "nvt.seq", FT_UINT64, BASE_DEC, NULL, 0),
        HF(hf_device, "Device (interface id)", "nvt.device", FT_UINT32, BASE_DEC, NULL, 0),
        HF(hf_bdf, "PCI function", "nvt.bdf", FT_STRING, BASE_NONE, NULL, 0),
        HF(hf_undecoded, "Undecoded bytes", "nvt.undecoded", FT_BYTES, BASE_NONE, NULL, 0),

        HF(hf_cfg_offset, "Config offset", "nvt.cfg.offset", FT_UINT16, BASE_HEX, NULL, 0),
        HF(hf_cfg_size, "Access size", "nvt.cfg.size", FT_UINT8, BASE_DEC, NULL, 0),
        HF(hf_cfg_value, "Value", "nvt.cfg.value", FT_UINT32, BASE_HEX, NULL, 0),
        HF(hf_cfg_bar0_size, "BAR0 size (from sizing read-back)", "nvt.cfg.bar0_size",
           FT_UINT32, BASE_DEC, NULL, 0),
        HF(hf_mmio_bar, "BAR", "nvt.mmio.bar", FT_UINT8, BASE_DEC, NULL, 0),
        HF(hf_mmio_size, "Access size", "nvt.mmio.size", FT_UINT8, BASE_DEC, NULL, 0),
        HF(hf_mmio_offset, "Offset in BAR", "nvt.mmio.offset", FT_UINT32, BASE_HEX, NULL, 0),
        HF(hf_mmio_value, "Value", "nvt.mmio.value", FT_UINT64, BASE_HEX, NULL, 0),
        HF(hf_mmio_gpa, "Guest physical address", "nvt.mmio.gpa", FT_UINT64, BASE_HEX, NULL,
           0),
        HF(hf_bar_index, "BAR", "nvt.bar.index", FT_UINT8, BASE_DEC, NULL, 0),
        HF(hf_bar_flags, "Flags", "nvt.bar.flags", FT_UINT8, BASE_HEX, NULL, 0),
        HF(hf_bar_io, "I/O space", "nvt.bar.io", FT_BOOLEAN, 8, NULL, NVT_BAR_IO),
        HF(hf_bar_64, "64-bit", "nvt.bar.64bit", FT_BOOLEAN, 8, NULL, NVT_BAR_64BIT),
        HF(hf_bar_pf, "Prefetchable", "nvt.bar.prefetch", FT_BOOLEAN, 8, NULL,
           NVT_BAR_PREFETCH),
        HF(hf_bar_addr, "Address", "nvt.bar.addr", FT_UINT64, BASE_HEX, NULL, 0),
        HF(hf_bar_size, "Size", "nvt.bar.size", FT_UINT64, BASE_DEC, NULL, 0),
        HF(hf_db_qid, "Queue id", "nvt.db.qid", FT_UINT16, BASE_DEC, NULL, 0),
        HF(hf_db_is_cq, "Doorbell", "nvt.db.is_cq", FT_BOOLEAN, BASE_NONE, TFS(&tfs_cq_sq),
           0),
        HF(hf_db_value, "Value (new tail / head)", "nvt.db.value", FT_UINT32, BASE_DEC, NULL,
           0),
        HF(hf_db_qsize, "Queue size (entries)", "nvt.db.qsize", FT_UINT32, BASE_DEC, NULL, 0),
        HF(hf_db_stride, "Doorbell stride (bytes, 4 << CAP.DSTRD)", "nvt.db.stride",
           FT_UINT32, BASE_DEC, NULL, 0),
        HF(hf_msix_entry, "MSI-X entry", "nvt.msix.entry", FT_UINT16, BASE_DEC, NULL, 0),
        HF(hf_msix_field, "Field", "nvt.msix.field", FT_UINT8, BASE_DEC,
           VALS(nvt_msix_field_vals), 0),
        HF(hf_msix_write, "Write", "nvt.msix.write", FT_BOOLEAN, BASE_NONE, NULL, 0),
        HF(hf_msix_value, "Value", "nvt.msix.value", FT_UINT32, BASE_HEX, NULL, 0),
        HF(hf_msix_masked, "Masked", "nvt.msix.masked", FT_BOOLEAN, 32, NULL, 0x1),
        HF(hf_msix_enabled, "MSI-X Enable", "nvt.msix.enabled", FT_BOOLEAN, BASE_NONE, NULL,
           0),
        HF(hf_msix_fmask, "Function Mask", "nvt.msix.function_mask", FT_BOOLEAN, BASE_NONE,
           NULL, 0),
        HF(hf_msix_table_size, "Table size (entries)", "nvt.msix.table_size", FT_UINT16,
           BASE_DEC, NULL, 0),
        HF(hf_msix_msgctl, "Message Control register", "nvt.msix.msgctl", FT_UINT32, BASE_HEX,
           NULL, 0),
        HF(hf_irq_kind, "Kind", "nvt.irq.kind", FT_UINT8, BASE_DEC, VALS(irq_kind_vals), 0),
        HF(hf_irq_vector, "Vector", "nvt.irq.vector", FT_UINT16, BASE_DEC, NULL, 0),
        HF(hf_irq_data, "Message data", "nvt.irq.data", FT_UINT32, BASE_HEX, NULL, 0),
        HF(hf_irq_addr, "Message address", "nvt.irq.addr", FT_UINT64, BASE_HEX, NULL, 0),
        HF(hf_sub_qid, "Submission queue id", "nvt.sub.sqid", FT_UINT16, BASE_DEC, NULL, 0),
        HF(hf_sub_slot, "Slot (SQ head index)", "nvt.sub.slot", FT_UINT16, BASE_DEC, NULL, 0),
        HF(hf_sub_known, "Known-byte mask", "nvt.sub.known", FT_UINT64, BASE_HEX, NULL, 0),
        HF(hf_cpl_qid, "Completion queue id", "nvt.cpl.cqid", FT_UINT16, BASE_DEC, NULL, 0),
        HF(hf_cpl_slot, "Slot (CQ tail index)", "nvt.cpl.slot", FT_UINT16, BASE_DEC, NULL, 0),
        HF(hf_cpl_known, "Known-byte mask", "nvt.cpl.known", FT_UINT16, BASE_HEX, NULL, 0),
        HF(hf_dma_gpa, "Guest physical address", "nvt.dma.gpa", FT_UINT64, BASE_HEX, NULL, 0),
        HF(hf_dma_len, "Transfer length", "nvt.dma.len", FT_UINT32, BASE_DEC, NULL, 0),
        HF(hf_dma_caplen, "Captured bytes", "nvt.dma.caplen", FT_UINT32, BASE_DEC, NULL, 0),
        HF(hf_dma_sqid, "Submission queue id", "nvt.dma.sqid", FT_UINT16, BASE_DEC, NULL, 0),
        HF(hf_dma_cid, "Command identifier", "nvt.dma.cid", FT_UINT16, BASE_HEX, NULL, 0),
        HF(hf_dma_data, "Data", "nvt.dma.data", FT_BYTES, BASE_NONE, NULL, 0),
        HF(hf_dma_data_off, "Offset in the command's data", "nvt.dma.data_offset", FT_UINT32,
           BASE_DEC, NULL, 0),
        HF(hf_dma_dbbuf, "Doorbell buffer entry", "nvt.dma.dbbuf", FT_STRING, BASE_NONE, NULL,
           0),
        HF(hf_dma_dbbuf_value, "Shadow doorbell / EventIdx value", "nvt.dma.dbbuf_value",
           FT_UINT32, BASE_DEC, NULL, 0),
        HF(hf_state, "State", "nvt.state", FT_UINT8, BASE_DEC, NVT_VALS(nvt_ctrl_states), 0),
        HF(hf_state_value, "Register value", "nvt.state.value", FT_UINT32, BASE_HEX, NULL, 0),
        HF(hf_ann_level, "Level", "nvt.ann.level", FT_UINT8, BASE_DEC, VALS(ann_level_vals),
           0),
        HF(hf_ann_len, "Text length", "nvt.ann.len", FT_UINT16, BASE_DEC, NULL, 0),
        HF(hf_ann_text, "Text", "nvt.ann.text", FT_STRING, BASE_NONE, NULL, 0),
        HF(hf_stats_recorded, "Events recorded", "nvt.stats.recorded", FT_UINT64, BASE_DEC,
           NULL, 0),
        HF(hf_stats_dropped, "Events dropped", "nvt.stats.dropped", FT_UINT64, BASE_DEC, NULL,
           0),
        HF(hf_stats_overflows, "Ring overflows", "nvt.stats.overflows", FT_UINT64, BASE_DEC,
           NULL, 0),
        HF(hf_stats_warnings, "Importer warnings", "nvt.stats.warnings", FT_UINT64, BASE_DEC,
           NULL, 0),
        HF(hf_cpl_in, "Completion in", "nvt.cpl_in", FT_FRAMENUM, BASE_NONE,
           FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0),
        HF(hf_cmd_in, "Command in", "nvt.cmd_in", FT_FRAMENUM, BASE_NONE,
           FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0),
        HF(hf_latency, "Latency (submission to completion)", "nvt.latency", FT_RELATIVE_TIME,
           BASE_NONE, NULL, 0),
        HF(hf_prev_sub, "Outstanding command with this CID in", "nvt.cid_reused_from",
           FT_FRAMENUM, BASE_NONE, NULL, 0),
        HF(hf_cmd_name, "Command", "nvt.cmd", FT_STRING, BASE_NONE, NULL, 0),
    };
    static gint *ett[] = {&ett_nvt, &ett_flags, &ett_body, &ett_bar_flags};
    static ei_register_info ei[] = {
        EI(ei_nvt_version_newer, "nvt.expert.version_newer", PI_UNDECODED, PI_WARN,
           "Record from a newer schema version: not decoded"),
        EI(ei_nvt_version_invalid, "nvt.expert.version_invalid", PI_MALFORMED, PI_ERROR,
           "Invalid schema version 0"),
        EI(ei_nvt_unknown_type, "nvt.expert.unknown_type", PI_UNDECODED, PI_WARN,
           "Unknown event type"),
        EI(ei_nvt_short, "nvt.expert.short_record", PI_MALFORMED, PI_ERROR,
           "Record shorter than its schema says"),
        EI(ei_nvt_unknown_flags, "nvt.expert.unknown_flags", PI_PROTOCOL, PI_WARN,
           "Flags unknown to this schema version"),
        EI(ei_nvt_reconstructed, "nvt.expert.reconstructed", PI_ASSUMPTION, PI_NOTE,
           "Reconstructed from a log: only bytes marked known are shown as values"),
        EI(ei_nvt_value_unknown, "nvt.expert.value_unknown", PI_ASSUMPTION, PI_NOTE,
           "The value of this access is not in the trace"),
        EI(ei_nvt_truncated, "nvt.expert.truncated", PI_UNDECODED, PI_NOTE,
           "DMA data incomplete (cut at the snap length, or not in the source log)"),
        EI(ei_nvt_recovered, "nvt.expert.recovered", PI_COMMENTS_GROUP, PI_NOTE,
           "Recovered from the crash ring"),
        EI(ei_nvt_error_status, "nvt.expert.error_status", PI_RESPONSE_CODE, PI_WARN,
           "Command completed with an error status"),
        EI(ei_nvt_cid_reused, "nvt.expert.cid_reused", PI_SEQUENCE, PI_WARN,
           "CID reused while a command with that CID is outstanding"),
        EI(ei_nvt_no_submission, "nvt.expert.no_submission", PI_SEQUENCE, PI_WARN,
           "Completion without a submission (no outstanding command with this SQ id and CID)"),
        EI(ei_nvt_doorbell_beyond, "nvt.expert.doorbell_beyond_queue", PI_PROTOCOL, PI_ERROR,
           "Doorbell value beyond the queue size"),
        EI(ei_nvt_doorbell_no_queue, "nvt.expert.doorbell_unknown_queue", PI_SEQUENCE, PI_NOTE,
           "Doorbell for a queue this trace did not create"),
        EI(ei_nvt_bar0_small, "nvt.expert.bar0_small", PI_PROTOCOL, PI_ERROR,
           "BAR0 smaller than 16 KiB"),
        EI(ei_nvt_msix_vector_beyond, "nvt.expert.msix_vector_beyond", PI_PROTOCOL, PI_ERROR,
           "MSI-X vector beyond the table"),
        EI(ei_nvt_reserved, "nvt.expert.reserved", PI_PROTOCOL, PI_WARN, "Reserved bits set"),
        EI(ei_nvt_ctrl_fatal, "nvt.expert.ctrl_fatal", PI_RESPONSE_CODE, PI_ERROR,
           "Controller Fatal Status"),
        EI(ei_nvt_dropped, "nvt.expert.dropped", PI_SEQUENCE, PI_WARN,
           "Events dropped by the capture"),
        EI(ei_nvt_annotation, "nvt.expert.annotation", PI_COMMENTS_GROUP, PI_COMMENT,
           "Annotation"),
        EI(ei_nvt_stride_assumed, "nvt.expert.stride_assumed", PI_ASSUMPTION, PI_NOTE,
           "CAP.DSTRD not in the trace yet: doorbell stride 4 assumed (noted on the first "
           "such doorbell of a device)"),
    };
    proto_nvt = proto_register_protocol("nvmetrace NVMe device trace", "nvmetrace", "nvt");
    proto_register_field_array(proto_nvt, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_module_t *em = expert_register_protocol(proto_nvt);
    expert_register_field_array(em, ei, array_length(ei));
    nvt_register_cmd(proto_nvt);
    nvt_register_regs(proto_nvt);

    nvt_handle = register_dissector(NVT_DISSECTOR_NAME, dissect_nvt, proto_nvt);
    nvt_tap = register_tap("nvt");
    nvt_devices = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_direct_hash,
                                         g_direct_equal);
    stats_tree_register_plugin("nvt", "nvt", "nvmetrace/Commands, status and latency", 0,
                               nvt_stats_packet, nvt_stats_init, NULL);
}

void proto_reg_handoff_nvmetrace(void)
{
    /* Dispatch is by name: the exported-PDU dissector looks "nvmetrace" up per packet. */
}

void plugin_register(void)
{
    static proto_plugin plug;
    plug.register_protoinfo = proto_register_nvmetrace;
    plug.register_handoff = proto_reg_handoff_nvmetrace;
    proto_register_plugin(&plug);
}

#ifdef NVT_WS_PLUGIN_DESCRIBE
/* Wireshark 4.2+: what `tshark -G plugins` and the About dialog list as the plugin's type. */
uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif

/* Encoding and decoding of schema v1 records (see schema.h and docs/format.md). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "nvmetrace/format.h"
#include "le.h"

static const char *const type_names[NVT_EV_TYPE_MAX + 1] = {
    [NVT_EV_CFG_READ] = "CFGR",      [NVT_EV_CFG_WRITE] = "CFGW",
    [NVT_EV_MMIO_READ] = "MMIOR",    [NVT_EV_MMIO_WRITE] = "MMIOW",
    [NVT_EV_BAR_MAP] = "BARMAP",     [NVT_EV_BAR_UNMAP] = "BARUNMAP",
    [NVT_EV_DOORBELL] = "DB",        [NVT_EV_MSIX_ACCESS] = "MSIX",
    [NVT_EV_MSIX_CTRL] = "MSIXCTL",  [NVT_EV_INTERRUPT] = "IRQ",
    [NVT_EV_SUBMISSION] = "SUB",     [NVT_EV_COMPLETION] = "CPL",
    [NVT_EV_DMA_READ] = "DMAR",      [NVT_EV_DMA_WRITE] = "DMAW",
    [NVT_EV_CTRL_STATE] = "STATE",   [NVT_EV_ANNOTATION] = "NOTE",
    [NVT_EV_CAPTURE_STATS] = "STATS",
};

const char *nvt_event_type_name(unsigned type)
{
    return type <= NVT_EV_TYPE_MAX ? type_names[type] : NULL;
}

unsigned nvt_event_type_from_name(const char *name)
{
    for (unsigned t = 1; t <= NVT_EV_TYPE_MAX; t++)
        if (strcasecmp(name, type_names[t]) == 0)
            return t;
    return 0;
}

/* Fixed body length of a type; for DMA and annotations the length of the fixed part. */
static size_t body_len(unsigned type)
{
    switch (type) {
    case NVT_EV_CFG_READ:
    case NVT_EV_CFG_WRITE: return NVT_BODY_CFG_LEN;
    case NVT_EV_MMIO_READ:
    case NVT_EV_MMIO_WRITE: return NVT_BODY_MMIO_LEN;
    case NVT_EV_BAR_MAP:
    case NVT_EV_BAR_UNMAP: return NVT_BODY_BAR_LEN;
    case NVT_EV_DOORBELL: return NVT_BODY_DOORBELL_LEN;
    case NVT_EV_MSIX_ACCESS: return NVT_BODY_MSIX_ACCESS_LEN;
    case NVT_EV_MSIX_CTRL: return NVT_BODY_MSIX_CTRL_LEN;
    case NVT_EV_INTERRUPT: return NVT_BODY_INTERRUPT_LEN;
    case NVT_EV_SUBMISSION: return NVT_BODY_SUBMISSION_LEN;
    case NVT_EV_COMPLETION: return NVT_BODY_COMPLETION_LEN;
    case NVT_EV_DMA_READ:
    case NVT_EV_DMA_WRITE: return NVT_BODY_DMA_LEN;
    case NVT_EV_CTRL_STATE: return NVT_BODY_CTRL_STATE_LEN;
    case NVT_EV_ANNOTATION: return NVT_BODY_ANNOTATION_LEN;
    case NVT_EV_CAPTURE_STATS: return NVT_BODY_CAPTURE_STATS_LEN;
    default: return 0;
    }
}

size_t nvt_record_size(const nvt_event *ev)
{
    size_t b = body_len(ev->type);
    if (!b)
        return 0;
    if (ev->type == NVT_EV_DMA_READ || ev->type == NVT_EV_DMA_WRITE)
        b += ev->u.dma.caplen;
    else if (ev->type == NVT_EV_ANNOTATION)
        b += ev->u.ann.len;
    return NVT_HDR_LEN + b;
}

size_t nvt_record_encode(const nvt_event *ev, uint8_t *buf, size_t cap)
{
    size_t n = nvt_record_size(ev);
    if (!n || n > cap)
        return 0;
    memset(buf, 0, n);
    buf[0] = NVT_SCHEMA_VERSION;
    buf[1] = ev->type;
    put_le16(buf + 2, ev->flags);
    put_le32(buf + 4, ev->thread);
    put_le64(buf + 8, ev->seq);
    uint8_t *b = buf + NVT_HDR_LEN;
    switch (ev->type) {
    case NVT_EV_CFG_READ:
    case NVT_EV_CFG_WRITE:
        put_le16(b, ev->u.cfg.offset);
        b[2] = ev->u.cfg.size;
        put_le32(b + 4, ev->u.cfg.value);
        break;
    case NVT_EV_MMIO_READ:
    case NVT_EV_MMIO_WRITE:
        b[0] = ev->u.mmio.bar;
        b[1] = ev->u.mmio.size;
        put_le32(b + 4, ev->u.mmio.offset);
        put_le64(b + 8, ev->u.mmio.value);
        put_le64(b + 16, ev->u.mmio.gpa);
        break;
    case NVT_EV_BAR_MAP:
    case NVT_EV_BAR_UNMAP:
        b[0] = ev->u.bar.bar;
        b[1] = ev->u.bar.flags;
        put_le64(b + 8, ev->u.bar.addr);
        put_le64(b + 16, ev->u.bar.size);
        break;
    case NVT_EV_DOORBELL:
        put_le16(b, ev->u.doorbell.qid);
        b[2] = ev->u.doorbell.is_cq;
        put_le32(b + 4, ev->u.doorbell.value);
        break;
    case NVT_EV_MSIX_ACCESS:
        put_le16(b, ev->u.msix.entry);
        b[2] = ev->u.msix.field;
        b[3] = ev->u.msix.is_write;
        put_le32(b + 4, ev->u.msix.value);
        break;
    case NVT_EV_MSIX_CTRL:
        b[0] = ev->u.msix_ctrl.enabled;
        b[1] = ev->u.msix_ctrl.masked;
        put_le16(b + 2, ev->u.msix_ctrl.table_size);
        put_le32(b + 4, ev->u.msix_ctrl.msgctl);
        break;
    case NVT_EV_INTERRUPT:
        b[0] = ev->u.irq.kind;
        put_le16(b + 2, ev->u.irq.vector);
        put_le32(b + 4, ev->u.irq.data);
        put_le64(b + 8, ev->u.irq.addr);
        break;
    case NVT_EV_SUBMISSION:
        put_le16(b, ev->u.sub.qid);
        put_le16(b + 2, ev->u.sub.slot);
        put_le64(b + 8, ev->u.sub.known);
        memcpy(b + 16, ev->u.sub.sqe, NVT_SQE_LEN);
        break;
    case NVT_EV_COMPLETION:
        put_le16(b, ev->u.cpl.qid);
        put_le16(b + 2, ev->u.cpl.slot);
        put_le16(b + 4, ev->u.cpl.known);
        memcpy(b + 8, ev->u.cpl.cqe, NVT_CQE_LEN);
        break;
    case NVT_EV_DMA_READ:
    case NVT_EV_DMA_WRITE:
        put_le64(b, ev->u.dma.gpa);
        put_le32(b + 8, ev->u.dma.len);
        put_le32(b + 12, ev->u.dma.caplen);
        put_le16(b + 16, ev->u.dma.sqid);
        put_le16(b + 18, ev->u.dma.cid);
        if (ev->u.dma.caplen)
            memcpy(b + 24, ev->u.dma.data, ev->u.dma.caplen);
        break;
    case NVT_EV_CTRL_STATE:
        b[0] = ev->u.state.state;
        put_le32(b + 4, ev->u.state.value);
        break;
    case NVT_EV_ANNOTATION:
        b[0] = ev->u.ann.level;
        put_le16(b + 2, ev->u.ann.len);
        if (ev->u.ann.len)
            memcpy(b + 4, ev->u.ann.text, ev->u.ann.len);
        break;
    case NVT_EV_CAPTURE_STATS:
        put_le64(b, ev->u.stats.recorded);
        put_le64(b + 8, ev->u.stats.dropped);
        put_le64(b + 16, ev->u.stats.overflows);
        put_le64(b + 24, ev->u.stats.warnings);
        break;
    }
    return n;
}

int nvt_record_decode(const uint8_t *buf, size_t len, nvt_event *ev, char *msg, size_t msglen)
{
    if (len < NVT_HDR_LEN) {
        snprintf(msg, msglen, "record of %zu bytes is shorter than the %d-byte header", len,
                 NVT_HDR_LEN);
        return NVT_E_FORMAT;
    }
    if (buf[0] != NVT_SCHEMA_VERSION) {
        snprintf(msg, msglen, "record schema version %u is not supported (this reader knows %d)",
                 buf[0], NVT_SCHEMA_VERSION);
        return NVT_E_VERSION;
    }
    size_t fixed = body_len(buf[1]);
    if (!fixed) {
        snprintf(msg, msglen, "unknown event type %u", buf[1]);
        return NVT_E_FORMAT;
    }
    uint16_t flags = get_le16(buf + 2);
    if (flags & ~NVT_F_KNOWN_MASK) {
        snprintf(msg, msglen, "unknown flags 0x%04x in a %s record", flags, type_names[buf[1]]);
        return NVT_E_FORMAT;
    }
    size_t blen = len - NVT_HDR_LEN;
    if (blen < fixed) {
        snprintf(msg, msglen, "%s record body is %zu bytes, expected %zu", type_names[buf[1]], blen,
                 fixed);
        return NVT_E_FORMAT;
    }
    ev->version = buf[0];
    ev->type = buf[1];
    ev->flags = flags;
    ev->thread = get_le32(buf + 4);
    ev->seq = get_le64(buf + 8);
    ev->raw = buf;
    ev->raw_len = (uint32_t)len;
    const uint8_t *b = buf + NVT_HDR_LEN;
    size_t var = 0; /* bytes after the fixed part the body must hold */
    switch (ev->type) {
    case NVT_EV_CFG_READ:
    case NVT_EV_CFG_WRITE:
        ev->u.cfg.offset = get_le16(b);
        ev->u.cfg.size = b[2];
        ev->u.cfg.value = get_le32(b + 4);
        break;
    case NVT_EV_MMIO_READ:
    case NVT_EV_MMIO_WRITE:
        ev->u.mmio.bar = b[0];
        ev->u.mmio.size = b[1];
        ev->u.mmio.offset = get_le32(b + 4);
        ev->u.mmio.value = get_le64(b + 8);
        ev->u.mmio.gpa = get_le64(b + 16);
        break;
    case NVT_EV_BAR_MAP:
    case NVT_EV_BAR_UNMAP:
        ev->u.bar.bar = b[0];
        ev->u.bar.flags = b[1];
        ev->u.bar.addr = get_le64(b + 8);
        ev->u.bar.size = get_le64(b + 16);
        break;
    case NVT_EV_DOORBELL:
        ev->u.doorbell.qid = get_le16(b);
        ev->u.doorbell.is_cq = b[2];
        ev->u.doorbell.value = get_le32(b + 4);
        break;
    case NVT_EV_MSIX_ACCESS:
        ev->u.msix.entry = get_le16(b);
        ev->u.msix.field = b[2];
        ev->u.msix.is_write = b[3];
        ev->u.msix.value = get_le32(b + 4);
        break;
    case NVT_EV_MSIX_CTRL:
        ev->u.msix_ctrl.enabled = b[0];
        ev->u.msix_ctrl.masked = b[1];
        ev->u.msix_ctrl.table_size = get_le16(b + 2);
        ev->u.msix_ctrl.msgctl = get_le32(b + 4);
        break;
    case NVT_EV_INTERRUPT:
        ev->u.irq.kind = b[0];
        ev->u.irq.vector = get_le16(b + 2);
        ev->u.irq.data = get_le32(b + 4);
        ev->u.irq.addr = get_le64(b + 8);
        break;
    case NVT_EV_SUBMISSION:
        ev->u.sub.qid = get_le16(b);
        ev->u.sub.slot = get_le16(b + 2);
        ev->u.sub.known = get_le64(b + 8);
        memcpy(ev->u.sub.sqe, b + 16, NVT_SQE_LEN);
        break;
    case NVT_EV_COMPLETION:
        ev->u.cpl.qid = get_le16(b);
        ev->u.cpl.slot = get_le16(b + 2);
        ev->u.cpl.known = get_le16(b + 4);
        memcpy(ev->u.cpl.cqe, b + 8, NVT_CQE_LEN);
        break;
    case NVT_EV_DMA_READ:
    case NVT_EV_DMA_WRITE:
        ev->u.dma.gpa = get_le64(b);
        ev->u.dma.len = get_le32(b + 8);
        ev->u.dma.caplen = get_le32(b + 12);
        ev->u.dma.sqid = get_le16(b + 16);
        ev->u.dma.cid = get_le16(b + 18);
        ev->u.dma.data = b + 24;
        if (ev->u.dma.caplen > ev->u.dma.len) {
            snprintf(msg, msglen, "%s record captures %u bytes of a %u-byte transfer",
                     type_names[ev->type], ev->u.dma.caplen, ev->u.dma.len);
            return NVT_E_FORMAT;
        }
        if (ev->u.dma.caplen < ev->u.dma.len && !(flags & NVT_F_TRUNCATED)) {
            snprintf(msg, msglen, "%s record holds %u of %u bytes but is not flagged truncated",
                     type_names[ev->type], ev->u.dma.caplen, ev->u.dma.len);
            return NVT_E_FORMAT;
        }
        var = ev->u.dma.caplen;
        break;
    case NVT_EV_CTRL_STATE:
        ev->u.state.state = b[0];
        ev->u.state.value = get_le32(b + 4);
        break;
    case NVT_EV_ANNOTATION:
        ev->u.ann.level = b[0];
        ev->u.ann.len = get_le16(b + 2);
        ev->u.ann.text = (const char *)(b + 4);
        var = ev->u.ann.len;
        break;
    case NVT_EV_CAPTURE_STATS:
        ev->u.stats.recorded = get_le64(b);
        ev->u.stats.dropped = get_le64(b + 8);
        ev->u.stats.overflows = get_le64(b + 16);
        ev->u.stats.warnings = get_le64(b + 24);
        break;
    }
    if (blen != fixed + var) {
        snprintf(msg, msglen, "%s record body is %zu bytes, expected %zu", type_names[ev->type],
                 blen, fixed + var);
        return NVT_E_FORMAT;
    }
    return NVT_OK;
}

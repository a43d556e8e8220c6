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

/* 1 if value has no bits above an access of size bytes (size is 1, 2, 4 or 8). */
static int fits(uint64_t value, unsigned size)
{
    return size >= 8 || value >> (8 * size) == 0;
}

/* 1 if every byte of the raw entry outside the known-byte mask is zero (the schema says such
 * bytes are written as zero: anything else is not what the producer knew). */
static int unknown_bytes_zero(const uint8_t *entry, unsigned n, uint64_t known)
{
    if (n >= 64 ? known == UINT64_MAX : known == (1ull << n) - 1)
        return 1; /* the common case: a raw entry, known in full */
    for (unsigned i = 0; i < n; i++)
        if (!(known >> i & 1) && entry[i])
            return 0;
    return 1;
}

/* A raw SQE or CQE of n bytes is known in full unless RECONSTRUCTED, and bytes outside its
 * known-byte mask are zero. Returns 0, or -1 with msg filled. */
static int check_known(const nvt_event *ev, const uint8_t *entry, unsigned n, uint64_t known,
                       const char *what, char *msg, size_t msglen)
{
    uint64_t full = n >= 64 ? UINT64_MAX : (1ull << n) - 1;
    if (!(ev->flags & NVT_F_RECONSTRUCTED) && known != full) {
        snprintf(msg, msglen, "%s record: known-byte mask 0x%0*llx without the RECONSTRUCTED "
                 "flag (a raw %s is known in full)", type_names[ev->type], (int)n / 4,
                 (unsigned long long)known, what);
        return -1;
    }
    if (!unknown_bytes_zero(entry, n, known)) {
        snprintf(msg, msglen, "%s record: %s bytes outside the known-byte mask are not zero",
                 type_names[ev->type], what);
        return -1;
    }
    return 0;
}

/* The value rules of schema v1 (docs/format.md, "What the reader rejects"): every field a
 * consumer may index, shift or switch on is in range once a record has decoded. Returns 0, or
 * -1 with msg filled. */
static int check_fields(const nvt_event *ev, char *msg, size_t msglen)
{
    const char *tn = type_names[ev->type];
    if ((ev->flags & NVT_F_TRUNCATED) && ev->type != NVT_EV_DMA_READ &&
        ev->type != NVT_EV_DMA_WRITE) {
        snprintf(msg, msglen, "%s record has the TRUNCATED flag, which only DMA records may carry",
                 tn);
        return -1;
    }
    switch (ev->type) {
    case NVT_EV_CFG_READ:
    case NVT_EV_CFG_WRITE: {
        unsigned size = ev->u.cfg.size;
        if (size != 1 && size != 2 && size != 4) {
            snprintf(msg, msglen, "%s record: access size %u is not 1, 2 or 4", tn, size);
            return -1;
        }
        if (ev->u.cfg.offset + size > NVT_CFG_SPACE_LEN) {
            snprintf(msg, msglen,
                     "%s record: a %u-byte access at offset 0x%x runs past the %u-byte "
                     "configuration space", tn, size, ev->u.cfg.offset, NVT_CFG_SPACE_LEN);
            return -1;
        }
        if (!fits(ev->u.cfg.value, size)) {
            snprintf(msg, msglen, "%s record: value 0x%x does not fit a %u-byte access", tn,
                     ev->u.cfg.value, size);
            return -1;
        }
        break;
    }
    case NVT_EV_MMIO_READ:
    case NVT_EV_MMIO_WRITE: {
        unsigned size = ev->u.mmio.size;
        if (ev->u.mmio.bar > NVT_BAR_MAX) {
            snprintf(msg, msglen, "%s record: BAR index %u is not 0-%u", tn, ev->u.mmio.bar,
                     NVT_BAR_MAX);
            return -1;
        }
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            snprintf(msg, msglen, "%s record: access size %u is not 1, 2, 4 or 8", tn, size);
            return -1;
        }
        if (!fits(ev->u.mmio.value, size)) {
            snprintf(msg, msglen, "%s record: value 0x%llx does not fit a %u-byte access", tn,
                     (unsigned long long)ev->u.mmio.value, size);
            return -1;
        }
        break;
    }
    case NVT_EV_BAR_MAP:
    case NVT_EV_BAR_UNMAP:
        if (ev->u.bar.bar > NVT_BAR_ROM) {
            snprintf(msg, msglen, "%s record: BAR index %u is not 0-%u (%u = expansion ROM)", tn,
                     ev->u.bar.bar, NVT_BAR_ROM, NVT_BAR_ROM);
            return -1;
        }
        if (ev->u.bar.flags & ~NVT_BAR_KNOWN_MASK) {
            snprintf(msg, msglen, "%s record: unknown BAR flags 0x%02x", tn, ev->u.bar.flags);
            return -1;
        }
        break;
    case NVT_EV_DOORBELL:
        if (ev->u.doorbell.is_cq > 1) {
            snprintf(msg, msglen, "%s record: SQ/CQ selector %u is not 0 or 1", tn,
                     ev->u.doorbell.is_cq);
            return -1;
        }
        break;
    case NVT_EV_MSIX_ACCESS: {
        unsigned field = ev->u.msix.field;
        if (field > NVT_MSIX_PBA_HI) {
            snprintf(msg, msglen, "%s record: field %u is not 0-%u", tn, field, NVT_MSIX_PBA_HI);
            return -1;
        }
        if (ev->u.msix.is_write > 1) {
            snprintf(msg, msglen, "%s record: read/write selector %u is not 0 or 1", tn,
                     ev->u.msix.is_write);
            return -1;
        }
        unsigned limit = field >= NVT_MSIX_PBA_LO ? NVT_MSIX_MAX_ENTRIES / 64 : NVT_MSIX_MAX_ENTRIES;
        if (ev->u.msix.entry >= limit) {
            snprintf(msg, msglen, "%s record: %s %u is beyond the %u an MSI-X %s can have", tn,
                     field >= NVT_MSIX_PBA_LO ? "PBA qword" : "table entry", ev->u.msix.entry,
                     limit, field >= NVT_MSIX_PBA_LO ? "PBA" : "table");
            return -1;
        }
        break;
    }
    case NVT_EV_MSIX_CTRL:
        if (ev->u.msix_ctrl.enabled > 1 || ev->u.msix_ctrl.masked > 1) {
            snprintf(msg, msglen, "%s record: enable %u / function mask %u are not 0 or 1", tn,
                     ev->u.msix_ctrl.enabled, ev->u.msix_ctrl.masked);
            return -1;
        }
        if (ev->u.msix_ctrl.table_size > NVT_MSIX_MAX_ENTRIES) {
            snprintf(msg, msglen, "%s record: table size %u is beyond the %u entries MSI-X allows",
                     tn, ev->u.msix_ctrl.table_size, NVT_MSIX_MAX_ENTRIES);
            return -1;
        }
        break;
    case NVT_EV_INTERRUPT: {
        static const unsigned vectors[] = {
            [NVT_IRQ_MSIX] = NVT_MSIX_MAX_ENTRIES, [NVT_IRQ_MSI] = NVT_MSI_MAX_VECTORS,
            [NVT_IRQ_INTX_ASSERT] = NVT_INTX_PINS, [NVT_IRQ_INTX_DEASSERT] = NVT_INTX_PINS};
        if (ev->u.irq.kind > NVT_IRQ_INTX_DEASSERT) {
            snprintf(msg, msglen, "%s record: interrupt kind %u is not 0-%u", tn, ev->u.irq.kind,
                     NVT_IRQ_INTX_DEASSERT);
            return -1;
        }
        if (ev->u.irq.vector >= vectors[ev->u.irq.kind]) {
            snprintf(msg, msglen, "%s record: vector %u is beyond the %u a%s interrupt can have",
                     tn, ev->u.irq.vector, vectors[ev->u.irq.kind],
                     ev->u.irq.kind == NVT_IRQ_MSIX ? "n MSI-X"
                     : ev->u.irq.kind == NVT_IRQ_MSI ? "n MSI" : "n INTx");
            return -1;
        }
        break;
    }
    case NVT_EV_SUBMISSION:
        return check_known(ev, ev->u.sub.sqe, NVT_SQE_LEN, ev->u.sub.known, "SQE", msg, msglen);
    case NVT_EV_COMPLETION:
        return check_known(ev, ev->u.cpl.cqe, NVT_CQE_LEN, ev->u.cpl.known, "CQE", msg, msglen);
    case NVT_EV_CTRL_STATE:
        if (ev->u.state.state < NVT_STATE_RESET || ev->u.state.state > NVT_STATE_MAX) {
            snprintf(msg, msglen, "%s record: controller state %u is not %u-%u", tn,
                     ev->u.state.state, NVT_STATE_RESET, NVT_STATE_MAX);
            return -1;
        }
        break;
    case NVT_EV_ANNOTATION:
        if (ev->u.ann.level > NVT_ANN_MARKER) {
            snprintf(msg, msglen, "%s record: level %u is not 0-%u", tn, ev->u.ann.level,
                     NVT_ANN_MARKER);
            return -1;
        }
        if (memchr(ev->u.ann.text, 0, ev->u.ann.len)) {
            snprintf(msg, msglen, "%s record: text holds a NUL byte at %zu", tn,
                     (size_t)((const char *)memchr(ev->u.ann.text, 0, ev->u.ann.len) -
                              ev->u.ann.text));
            return -1;
        }
        break;
    }
    return 0;
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
    if (check_fields(ev, msg, msglen) < 0)
        return NVT_E_FORMAT;
    return NVT_OK;
}

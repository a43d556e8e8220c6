/* The shared device model (model.h): config space, BARs, registers, queues, commands. */
#include "model.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEVICES 4096
#define MAX_QID 65535u
#define ID_PENDING 8 /* outstanding Identify commands per device matched by data address */

struct model {
    struct model_hooks h;
    struct mdev **devs;
    size_t ndevs;
    /* outstanding commands, chained hash keyed by (device, SQ id, CID) */
    struct mcmd **bucket;
    size_t nbucket, noutstanding;
    struct mcmd *free_list;
    struct mcmd *done; /* left the model during the last event; freed at the next one */
    uint64_t next_id;
    /* Identify commands waiting for data that carries no (SQ id, CID) */
    struct mcmd *ident[ID_PENDING];
};

/* ------------------------------------------------------------ command fields ---- */

int cmd_sqe_field(const struct mcmd *c, unsigned off, unsigned len, uint64_t *v)
{
    if (!mask_has(c->sqe_known, off, len))
        return 0;
    *v = le_get(c->sqe + off, len);
    return 1;
}

int cmd_opcode(const struct mcmd *c, unsigned *v)
{
    if (!(c->sqe_known & 1))
        return 0;
    *v = c->sqe[0];
    return 1;
}

int cmd_status(const struct mcmd *c, unsigned *status)
{
    if (c->end != CMD_COMPLETED || (c->cqe_known & 0xc000) != 0xc000)
        return 0;
    *status = (unsigned)(le_get(c->cqe + 14, 2) >> 1);
    return 1;
}

int cmd_dw0(const struct mcmd *c, uint32_t *v)
{
    if (c->end != CMD_COMPLETED || (c->cqe_known & 0x000f) != 0x000f)
        return 0;
    *v = (uint32_t)le_get(c->cqe, 4);
    return 1;
}

int cmd_dw1(const struct mcmd *c, uint32_t *v)
{
    if (c->end != CMD_COMPLETED || (c->cqe_known & 0x00f0) != 0x00f0)
        return 0;
    *v = (uint32_t)le_get(c->cqe + 4, 4);
    return 1;
}

uint64_t cmd_data_len(const struct model *m, const struct mcmd *c, int *known)
{
    unsigned opc;
    uint64_t v;
    *known = 0;
    if (!cmd_opcode(c, &opc))
        return 0;
    if (cmd_admin(c)) {
        if (opc == 0x06) {
            *known = 1;
            return 4096;
        }
        /* Get Log Page: NUMD = NUMDU (CDW11[15:0]) : NUMDL (CDW10[31:16]), 0's based dwords.
         * Byte 45 (NUMD bits 31:24) only matters beyond 64 MiB: taken as 0 when unknown. */
        if (opc == 0x02 && cmd_sqe_field(c, 42, 3, &v)) {
            uint64_t hi = 0;
            cmd_sqe_field(c, 45, 1, &hi);
            *known = 1;
            return ((v | hi << 24) + 1) * 4;
        }
        return 0;
    }
    if (opc != 0x01 && opc != 0x02 && opc != 0x05)
        return 0;
    uint64_t nsid, nlb;
    if (!cmd_sqe_field(c, 4, 4, &nsid) || !cmd_sqe_field(c, 48, 2, &nlb))
        return 0;
    struct mdev *d = model_dev((struct model *)m, c->device);
    const struct mns *ns = d ? dev_ns(d, (uint32_t)nsid) : NULL;
    if (!ns || !ns->lba_size)
        return 0;
    *known = 1;
    return (nlb + 1) * ns->lba_size;
}

/* ------------------------------------------------------------------ devices ---- */

uint32_t dev_db_stride(const struct mdev *d)
{
    return dev_cap_hi(d) ? 4u << ((d->cap >> 32) & 0xf) : 4u;
}

uint32_t dev_page_size(const struct mdev *d)
{
    return d->cc_known ? 1u << (12 + ((d->cc >> 7) & 0xf)) : 4096u;
}

struct mqueue *dev_sq(struct mdev *d, uint32_t qid)
{
    return qid < d->nsq && d->sq[qid].exists ? &d->sq[qid] : NULL;
}

struct mqueue *dev_cq(struct mdev *d, uint32_t qid)
{
    return qid < d->ncq && d->cq[qid].exists ? &d->cq[qid] : NULL;
}

const struct mns *dev_ns(const struct mdev *d, uint32_t nsid)
{
    for (size_t i = 0; i < d->nns; i++)
        if (d->ns[i].nsid == nsid)
            return &d->ns[i];
    return NULL;
}

static struct mns *dev_ns_add(struct mdev *d, uint32_t nsid)
{
    for (size_t i = 0; i < d->nns; i++)
        if (d->ns[i].nsid == nsid)
            return &d->ns[i];
    if (d->nns == d->cap_ns) {
        size_t n = d->cap_ns ? d->cap_ns * 2 : 4;
        struct mns *p = realloc(d->ns, n * sizeof *p);
        if (!p)
            return NULL;
        d->ns = p;
        d->cap_ns = n;
    }
    struct mns *ns = &d->ns[d->nns++];
    memset(ns, 0, sizeof *ns);
    ns->nsid = nsid;
    return ns;
}

struct mdev *model_dev(struct model *m, uint32_t dev)
{
    return dev < m->ndevs ? m->devs[dev] : NULL;
}

size_t model_ndevs(const struct model *m)
{
    return m->ndevs;
}

uint64_t model_commands(const struct model *m)
{
    return m->next_id;
}

static struct mdev *get_dev(struct model *m, uint32_t dev)
{
    if (dev >= MAX_DEVICES)
        return NULL;
    if (dev >= m->ndevs) {
        struct mdev **p = realloc(m->devs, (dev + 1) * sizeof *p);
        if (!p)
            return NULL;
        memset(p + m->ndevs, 0, (dev + 1 - m->ndevs) * sizeof *p);
        m->devs = p;
        m->ndevs = dev + 1;
    }
    if (!m->devs[dev]) {
        struct mdev *d = calloc(1, sizeof *d);
        if (!d)
            return NULL;
        d->index = dev;
        d->enabled = -1;
        d->ready = -1;
        m->devs[dev] = d;
    }
    return m->devs[dev];
}

/* Queue slot qid of the SQ or CQ array, grown as needed; NULL when out of memory. */
static struct mqueue *queue_slot(struct mdev *d, uint32_t qid, int is_cq)
{
    struct mqueue **arr = is_cq ? &d->cq : &d->sq;
    uint32_t *n = is_cq ? &d->ncq : &d->nsq;
    if (qid > MAX_QID)
        return NULL;
    if (qid >= *n) {
        uint32_t want = *n ? *n : 8;
        while (want <= qid)
            want *= 2;
        struct mqueue *p = realloc(*arr, want * sizeof *p);
        if (!p)
            return NULL;
        memset(p + *n, 0, (want - *n) * sizeof *p);
        *arr = p;
        *n = want;
    }
    return &(*arr)[qid];
}

/* ----------------------------------------------------------------- commands ---- */

static size_t hash_key(uint32_t dev, uint16_t sqid, uint16_t cid, size_t nbucket)
{
    uint64_t k = (uint64_t)dev << 32 | (uint64_t)sqid << 16 | cid;
    return (size_t)((k * 0x9e3779b97f4a7c15ull) >> 20) & (nbucket - 1);
}

static int hash_grow(struct model *m)
{
    size_t n = m->nbucket ? m->nbucket * 4 : 1024;
    struct mcmd **b = calloc(n, sizeof *b);
    if (!b)
        return -1;
    for (size_t i = 0; i < m->nbucket; i++)
        for (struct mcmd *c = m->bucket[i], *next; c; c = next) {
            next = c->next;
            size_t h = hash_key(c->device, c->sqid, c->cid, n);
            c->next = b[h];
            b[h] = c;
        }
    free(m->bucket);
    m->bucket = b;
    m->nbucket = n;
    return 0;
}

static struct mcmd *hash_find(struct model *m, uint32_t dev, uint16_t sqid, uint16_t cid)
{
    if (!m->nbucket)
        return NULL;
    for (struct mcmd *c = m->bucket[hash_key(dev, sqid, cid, m->nbucket)]; c; c = c->next)
        if (c->device == dev && c->sqid == sqid && c->cid == cid)
            return c;
    return NULL;
}

static void hash_remove(struct model *m, struct mcmd *c)
{
    struct mcmd **pp = &m->bucket[hash_key(c->device, c->sqid, c->cid, m->nbucket)];
    for (; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            c->next = NULL;
            m->noutstanding--;
            return;
        }
}

static void cmd_release(struct model *m, struct mcmd *c)
{
    free(c->data);
    free(c->data_known);
    c->data = c->data_known = NULL;
    c->next = m->free_list;
    m->free_list = c;
}

static void ident_forget(struct model *m, struct mcmd *c)
{
    for (int i = 0; i < ID_PENDING; i++)
        if (m->ident[i] == c)
            m->ident[i] = NULL;
}

/* A command leaves the outstanding set: bookkeeping, the hook, then the free list. */
static void cmd_leave(struct model *m, struct mcmd *c, int end, int free_now)
{
    hash_remove(m, c);
    ident_forget(m, c);
    c->end = (uint8_t)end;
    struct mdev *d = model_dev(m, c->device);
    if (d) {
        if (c->sqid < d->nsq && d->sq[c->sqid].outstanding)
            d->sq[c->sqid].outstanding--;
        if (d->outstanding)
            d->outstanding--;
    }
    if (m->h.cmd_done)
        m->h.cmd_done(m->h.ctx, m, c);
    if (free_now)
        cmd_release(m, c);
    else {
        c->next = NULL;
        m->done = c;
    }
}

/* Drops every outstanding command of dev (sqid < 0) or of one SQ. */
static void drop_outstanding(struct model *m, uint32_t dev, int sqid, int end)
{
    for (size_t i = 0; i < m->nbucket; i++)
        for (struct mcmd *c = m->bucket[i], *next; c; c = next) {
            next = c->next;
            if (c->device == dev && (sqid < 0 || c->sqid == (uint16_t)sqid))
                cmd_leave(m, c, end, 1);
        }
}

static void drop_outstanding_all(struct model *m)
{
    for (size_t i = 0; i < m->nbucket; i++)
        while (m->bucket[i])
            cmd_leave(m, m->bucket[i], CMD_END, 1);
}

/* ------------------------------------------------------------------- queues ---- */

static void queue_delete(struct model *m, struct mdev *d, uint16_t qid, int is_cq, uint64_t event,
                         uint64_t ts, const struct mcmd *by, const char *reason)
{
    struct mqueue *q = is_cq ? dev_cq(d, qid) : dev_sq(d, qid);
    if (!q)
        return;
    if (!is_cq)
        drop_outstanding(m, d->index, qid, CMD_DELETED);
    if (m->h.queue)
        m->h.queue(m->h.ctx, m, d->index, qid, is_cq, q, 0, event, ts, by, reason);
    memset(q, 0, sizeof *q);
}

static struct mqueue *queue_create(struct model *m, struct mdev *d, uint16_t qid, int is_cq,
                                   uint64_t event, uint64_t ts, const struct mcmd *by)
{
    if ((is_cq ? dev_cq(d, qid) : dev_sq(d, qid)))
        queue_delete(m, d, qid, is_cq, event, ts, by, "recreated");
    struct mqueue *q = queue_slot(d, qid, is_cq);
    if (!q)
        return NULL;
    memset(q, 0, sizeof *q);
    q->exists = 1;
    q->in_trace = 1;
    q->created_event = event;
    q->created_ts = ts;
    q->created_by = by ? by->id : NO_EVENT;
    q->row = -1;
    q->shadow = d->dbbuf;
    return q;
}

static void queue_announce(struct model *m, struct mdev *d, uint16_t qid, int is_cq,
                           struct mqueue *q, const struct mcmd *by)
{
    if (q && m->h.queue)
        m->h.queue(m->h.ctx, m, d->index, qid, is_cq, q, 1, q->created_event, q->created_ts, by,
                   by ? "command" : "enable");
}

/* Controller reset, disable or failed enable: every queue and command is gone. */
static void ctrl_down(struct model *m, struct mdev *d, uint64_t event, uint64_t ts,
                      const char *reason)
{
    drop_outstanding(m, d->index, -1, CMD_RESET);
    for (uint32_t q = 0; q < d->nsq; q++)
        if (d->sq[q].exists)
            queue_delete(m, d, (uint16_t)q, 0, event, ts, NULL, reason);
    for (uint32_t q = 0; q < d->ncq; q++)
        if (d->cq[q].exists)
            queue_delete(m, d, (uint16_t)q, 1, event, ts, NULL, reason);
    d->enabled = 0;
    d->ready = 0;
    d->dbbuf = 0;
}

/* CC.EN 0 -> 1 accepted: the admin queues exist, sized by AQA, based at ASQ/ACQ. */
static void ctrl_up(struct model *m, struct mdev *d, uint64_t event, uint64_t ts)
{
    if (d->enabled == 1)
        return;
    ctrl_down(m, d, event, ts, "reset");
    d->enabled = 1;
    d->up_in_trace = 1;
    d->ready = 0;
    struct mqueue *cq = queue_create(m, d, 0, 1, event, ts, NULL);
    if (cq) {
        cq->size_known = d->aqa_known;
        cq->size = ((d->aqa >> 16) & 0xfff) + 1;
        cq->base = d->acq;
        cq->base_known = d->acq_known == 3;
        cq->vector = 0;
        cq->vector_known = 1;
        cq->flags = 0x3; /* admin CQ: physically contiguous, interrupts enabled */
        cq->flags_known = 1;
        queue_announce(m, d, 0, 1, cq, NULL);
    }
    struct mqueue *sq = queue_create(m, d, 0, 0, event, ts, NULL);
    if (sq) {
        sq->size_known = d->aqa_known;
        sq->size = (d->aqa & 0xfff) + 1;
        sq->base = d->asq;
        sq->base_known = d->asq_known == 3;
        sq->cqid = 0;
        sq->flags = 0x1;
        sq->flags_known = 1;
        queue_announce(m, d, 0, 0, sq, NULL);
    }
}

/* -------------------------------------------------------------- config space ---- */

/* Size from a sizing read-back: the lowest address bit the device lets the host set (PCI
 * 3.0 sec. 6.2.5.1). That also covers I/O BARs with hard-wired upper bits; a read-back with
 * no address bit set means the BAR is not implemented (size 0). */
static void bar_update_size(struct mbar *b, uint32_t probe_lo, uint32_t probe_hi, int have_hi)
{
    uint64_t mask;
    if (probe_lo & 1) {
        b->is_io = 1;
        mask = probe_lo & ~3u;
    } else {
        b->is_io = 0;
        b->is64 = ((probe_lo >> 1) & 3) == 2;
        mask = probe_lo & ~0xfu;
        if (b->is64)
            mask |= (uint64_t)(have_hi ? probe_hi : 0xffffffffu) << 32;
    }
    b->size = mask & (~mask + 1);
    b->type_known = 1;
    b->size_known = b->size != 0;
}

/* Index of the BAR whose register (or high half) lives at dword config offset off, and
 * whether it is the high half. -1 if off is no BAR register. */
int dev_bar_of(const struct mdev *d, unsigned off, int *hi)
{
    if (off < 0x10 || off > 0x24 || (off & 3))
        return -1;
    int i = (int)(off - 0x10) / 4;
    *hi = 0;
    if (i > 0 && d->bar[i - 1].is64 && !d->bar[i - 1].is_io) {
        *hi = 1;
        return i - 1;
    }
    return i;
}

/* The PCI Command register (offset 4) from an access of size bytes at off covering it. */
static void set_command(struct mdev *d, unsigned off, unsigned size, uint32_t val)
{
    uint16_t cmd = (uint16_t)(val >> (8 * (0x04 - off)));
    if (size - (0x04 - off) < 2)
        cmd = (uint16_t)((d->pci_command & 0xff00) | (cmd & 0xff));
    d->pci_command = cmd;
    d->pci_command_known = 1;
}

static void cfg_read(struct mdev *d, const nvt_event *ev, struct mstep *step)
{
    unsigned off = ev->u.cfg.offset, size = ev->u.cfg.size ? ev->u.cfg.size : 4;
    uint32_t val = ev->u.cfg.value;
    if (ev->flags & NVT_F_VALUE_UNKNOWN)
        return;
    int hi;
    int bi = dev_bar_of(d, off, &hi);
    if (bi >= 0) {
        struct mbar *b = &d->bar[bi];
        if (!hi && b->probing_lo) {
            /* The register holds the size mask until the host writes the address back. */
            b->probing_lo = 0;
            b->lo_known = 0;
            b->probe_lo = val;
            bar_update_size(b, val, 0xffffffffu, 0);
            step->bar_probe = 1;
            step->bar_index = bi;
        } else if (hi && b->probing_hi) {
            b->probing_hi = 0;
            b->hi_known = 0;
            bar_update_size(b, b->probe_lo, val, 1);
            step->bar_probe = 1;
            step->bar_probe_hi = 1;
            step->bar_index = bi;
        } else if (!hi) {
            /* An ordinary read shows the read-only type bits. */
            b->is_io = val & 1;
            if (!b->is_io)
                b->is64 = ((val >> 1) & 3) == 2;
            b->type_known = 1;
        }
        return;
    }
    /* A reconstructed record's access size is a guess (QEMU's log does not print it): trust
     * the bytes the value reaches, and the 16-bit word at an even offset (config registers
     * are at least that wide), but not a guessed dword reaching into the next register. */
    if ((ev->flags & NVT_F_RECONSTRUCTED) && size > 1) {
        unsigned width = val > 0xffff ? 4 : val > 0xff ? 2 : 1;
        if (width < 2 && !(off & 1))
            width = 2;
        if (width < size)
            size = width;
    }
    if (off <= 0x04 && off + size > 0x04)
        set_command(d, off, size, val); /* as the device reports it */
    /* Capability list: 0x34 points at the first header (id, next); follow what is read. */
    for (unsigned i = 0; i < size && off + i < 256; i++) {
        unsigned at = off + i;
        uint8_t byte = (uint8_t)(val >> (8 * i));
        if (at == 0x34 || ((at & 3) == 1 && at > 0x40 && d->cap_at[at - 1])) {
            if (byte >= 0x40 && !d->cap_at[byte & 0xfc])
                d->cap_at[byte & 0xfc] = 0xff; /* a capability starts there, id not yet read */
        } else if ((at & 3) == 0 && at >= 0x40 && d->cap_at[at]) {
            d->cap_at[at] = byte ? byte : 0xff;
            if (byte == 0x11)
                d->msix_cap = (uint8_t)at;
        }
    }
    if (d->msix_cap) {
        unsigned mc = d->msix_cap + 2u;
        if (off <= mc && off + size >= mc + 2) {
            uint32_t msgctl = (val >> (8 * (mc - off))) & 0xffff;
            d->msix_table_size = (msgctl & 0x7ff) + 1;
        }
    }
}

static void cfg_write(struct mdev *d, const nvt_event *ev, struct mstep *step)
{
    unsigned off = ev->u.cfg.offset, size = ev->u.cfg.size ? ev->u.cfg.size : 4;
    uint32_t val = ev->u.cfg.value;
    if (off <= 0x04 && off + size > 0x04)
        set_command(d, off, size, val);
    int hi;
    int bi = dev_bar_of(d, off, &hi);
    if (bi >= 0) {
        struct mbar *b = &d->bar[bi];
        int probe = hi ? val == 0xffffffffu : (val | 0xfu) == 0xffffffffu;
        if (hi) {
            b->probing_hi = (uint8_t)probe;
            if (!probe) {
                b->hi = val;
                b->hi_known = 1;
            }
        } else {
            b->probing_lo = (uint8_t)probe;
            if (!probe) {
                b->lo = val;
                b->lo_known = 1;
            }
        }
        if (!probe) {
            step->bar_programmed = 1;
            step->bar_index = bi;
        }
        return;
    }
    if (d->msix_cap) {
        unsigned mc = d->msix_cap + 3u; /* Message Control high byte: enable (7), mask (6) */
        if (off <= mc && off + size > mc)
            d->msix_enabled = (val >> (8 * (mc - off))) >> 7 & 1;
    }
}

/* Address the guest programmed into BAR i (config space), if known. */
int dev_bar_addr(const struct mdev *d, int i, uint64_t *addr)
{
    const struct mbar *b = &d->bar[i];
    if (!b->lo_known || b->probing_lo || b->probing_hi)
        return 0;
    uint64_t a = b->is_io ? (b->lo & ~3u) : (b->lo & ~0xfu);
    if (b->is64 && !b->is_io)
        a |= (uint64_t)(b->hi_known ? b->hi : 0) << 32; /* high half: 0 after reset */
    *addr = a;
    return 1;
}

/* ---------------------------------------------------------------- registers ---- */

static void reg_read(struct mdev *d, const nvt_event *ev)
{
    if (ev->u.mmio.bar != 0 || (ev->flags & NVT_F_VALUE_UNKNOWN))
        return;
    uint32_t off = ev->u.mmio.offset;
    uint64_t v = ev->u.mmio.value;
    unsigned size = ev->u.mmio.size;
    if (off == NVME_REG_CAP && size == 8) {
        d->cap = v;
        d->cap_known = 3;
    } else if (off == NVME_REG_CAP && size == 4) {
        d->cap = (d->cap & ~0xffffffffull) | (v & 0xffffffffu);
        d->cap_known |= 1;
    } else if (off == NVME_REG_CAP + 4 && size == 4) {
        d->cap = (d->cap & 0xffffffffull) | (v & 0xffffffffu) << 32;
        d->cap_known |= 2;
    } else if (off == NVME_REG_CSTS && size == 4) {
        if (d->enabled == 1)
            d->ready = (int)(v & 1);
        else if (d->enabled == -1 && (v & 1)) {
            /* trace started with the controller already running */
            d->ready = 1;
        }
    }
}

static void set_split64(uint64_t *reg, uint8_t *known, uint32_t off, uint32_t base, unsigned size,
                        uint64_t v)
{
    if (off == base && size == 8) {
        *reg = v;
        *known = 3;
    } else if (off == base && size == 4) {
        *reg = (*reg & ~0xffffffffull) | (v & 0xffffffffu);
        *known |= 1;
    } else if (off == base + 4 && size == 4) {
        *reg = (*reg & 0xffffffffull) | (v & 0xffffffffu) << 32;
        *known |= 2;
    }
}

static void reg_write(struct model *m, struct mdev *d, const nvt_event *ev, uint64_t index)
{
    if (ev->u.mmio.bar != 0 || ev->u.mmio.offset >= NVME_REG_DBS)
        return;
    uint32_t off = ev->u.mmio.offset;
    uint64_t v = ev->u.mmio.value;
    unsigned size = ev->u.mmio.size;
    if (off == NVME_REG_CC && size == 4) {
        uint32_t cc = (uint32_t)v;
        int was = d->enabled;
        d->cc = cc;
        d->cc_known = 1;
        if ((cc & 1) && was != 1)
            ctrl_up(m, d, index, ev->ts_ns);
        else if (!(cc & 1) && was != 0)
            ctrl_down(m, d, index, ev->ts_ns, "disable");
    } else if (off == NVME_REG_AQA && size == 4) {
        d->aqa = (uint32_t)v;
        d->aqa_known = 1;
    } else if (off == NVME_REG_ASQ || off == NVME_REG_ASQ + 4) {
        set_split64(&d->asq, &d->asq_known, off, NVME_REG_ASQ, size, v);
    } else if (off == NVME_REG_ACQ || off == NVME_REG_ACQ + 4) {
        set_split64(&d->acq, &d->acq_known, off, NVME_REG_ACQ, size, v);
    }
}

static void ctrl_state(struct model *m, struct mdev *d, const nvt_event *ev, uint64_t index)
{
    switch (ev->u.state.state) {
    case NVT_STATE_ENABLE:
        ctrl_up(m, d, index, ev->ts_ns);
        break;
    case NVT_STATE_READY:
        if (d->enabled != 1)
            ctrl_up(m, d, index, ev->ts_ns);
        d->ready = 1;
        break;
    case NVT_STATE_RESET:
        ctrl_down(m, d, index, ev->ts_ns, "reset");
        break;
    case NVT_STATE_DISABLE:
        ctrl_down(m, d, index, ev->ts_ns, "disable");
        break;
    case NVT_STATE_ENABLE_FAILED:
        ctrl_down(m, d, index, ev->ts_ns, "enable failed");
        break;
    case NVT_STATE_FATAL:
        d->ready = 0;
        break;
    default:
        break;
    }
}

/* ---------------------------------------------------------------- doorbells ---- */

static void doorbell(struct mdev *d, uint16_t qid, int is_cq, uint32_t value)
{
    struct mqueue *q = is_cq ? dev_cq(d, qid) : dev_sq(d, qid);
    if (!q)
        return;
    q->db = value;
    q->db_seen = 1;
}

/* --------------------------------------------------------------- submissions ---- */

static struct mcmd *cmd_alloc(struct model *m)
{
    struct mcmd *c = m->free_list;
    if (c)
        m->free_list = c->next;
    else if (!(c = malloc(sizeof *c)))
        return NULL;
    memset(c, 0, offsetof(struct mcmd, sqe));
    c->cqe_known = 0;
    c->dma_read = c->dma_write = 0;
    c->dma_records = 0;
    c->irq_route = IRQ_UNKNOWN;
    c->irq_vector = 0;
    c->data = c->data_known = NULL;
    c->next = NULL;
    return c;
}

static int submission(struct model *m, struct mdev *d, const nvt_event *ev, uint64_t index,
                      struct mstep *step)
{
    struct mcmd *c = cmd_alloc(m);
    if (!c)
        return -1;
    c->id = m->next_id++;
    c->device = d->index;
    c->sqid = ev->u.sub.qid;
    c->sub_event = index;
    c->sub_ts = ev->ts_ns;
    c->sub_seq = ev->seq;
    c->cpl_event = NO_EVENT;
    c->reconstructed = (ev->flags & NVT_F_RECONSTRUCTED) != 0;
    memcpy(c->sqe, ev->u.sub.sqe, NVT_SQE_LEN);
    c->sqe_known = nvt_sqe_known(ev);
    memset(c->cqe, 0, sizeof c->cqe);
    c->cid = (uint16_t)le_get(c->sqe + 2, 2);
    struct mqueue *sq = dev_sq(d, c->sqid);
    if (sq) {
        c->cqid = sq->cqid;
        c->cqid_known = 1;
        sq->outstanding++;
    }
    d->outstanding++;
    step->sub = c;
    unsigned opc;
    uint64_t cqid;
    if (cmd_admin(c) && cmd_opcode(c, &opc) && opc == 0x01 && cmd_sqe_field(c, 46, 2, &cqid))
        c->cq_missing = cqid == 0 || !dev_cq(d, (uint32_t)cqid);
    if (!mask_has(c->sqe_known, 2, 2)) {
        /* No CID: it cannot be matched; it leaves at once, as an incomplete command. */
        cmd_leave(m, c, CMD_END, 0);
        return 0;
    }
    struct mcmd *old = hash_find(m, c->device, c->sqid, c->cid);
    if (old)
        cmd_leave(m, old, CMD_REPLACED, 1);
    if (m->noutstanding + 1 > m->nbucket * 2 && hash_grow(m) < 0)
        return -1;
    size_t h = hash_key(c->device, c->sqid, c->cid, m->nbucket);
    c->next = m->bucket[h];
    m->bucket[h] = c;
    m->noutstanding++;
    if (cmd_admin(c) && cmd_opcode(c, &opc) && opc == 0x06)
        for (int i = 0; i < ID_PENDING; i++)
            if (!m->ident[i]) {
                m->ident[i] = c;
                break;
            }
    return 0;
}

/* ---------------------------------------------------------------- identify ---- */

int id_bytes_known(const uint8_t *known, unsigned off, unsigned len)
{
    if (!known)
        return 0;
    for (unsigned i = off; i < off + len; i++)
        if (!(known[i / 8] >> (i % 8) & 1))
            return 0;
    return 1;
}

static void id_string(char *dst, const uint8_t *src, unsigned len)
{
    unsigned n = len;
    while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == 0))
        n--;
    for (unsigned i = 0; i < n; i++)
        dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
    dst[n] = 0;
}

static void identify_done(struct model *m, struct mdev *d, struct mcmd *c)
{
    uint64_t cns, nsid;
    if (!c->data || !cmd_sqe_field(c, 40, 1, &cns))
        return;
    const uint8_t *p = c->data, *k = c->data_known;
    if (cns == 0x01) {
        struct mctrl_id *id = &d->id;
        id->valid = 1;
        id->command = c->id;
        if (id_bytes_known(k, 0, 4)) {
            id->vid = (uint16_t)le_get(p, 2);
            id->ssvid = (uint16_t)le_get(p + 2, 2);
        }
        if (id_bytes_known(k, 4, 20))
            id_string(id->sn, p + 4, 20);
        if (id_bytes_known(k, 24, 40))
            id_string(id->mn, p + 24, 40);
        if (id_bytes_known(k, 64, 8))
            id_string(id->fr, p + 64, 8);
        if (id_bytes_known(k, 77, 1)) {
            id->mdts = p[77];
            id->mdts_known = 1;
        }
        if (id_bytes_known(k, 78, 6)) {
            id->cntlid = (uint16_t)le_get(p + 78, 2);
            id->ver = (uint32_t)le_get(p + 80, 4);
        }
        if (id_bytes_known(k, 512, 14)) {
            id->sqes = p[512];
            id->cqes = p[513];
            id->nn = (uint32_t)le_get(p + 516, 4);
            id->oncs = (uint16_t)le_get(p + 520, 2);
            id->vwc = p[525];
        }
    } else if (cns == 0x00 && cmd_sqe_field(c, 4, 4, &nsid) && id_bytes_known(k, 0, 27)) {
        struct mns *ns = dev_ns_add(d, (uint32_t)nsid);
        if (ns) {
            ns->nsze = le_get(p, 8);
            ns->ncap = le_get(p + 8, 8);
            ns->nuse = le_get(p + 16, 8);
            ns->flbas = p[26];
            unsigned nlbaf = p[25];
            unsigned fmt = (p[26] & 0xf) | (nlbaf >= 16 ? ((p[26] >> 5) & 3u) << 4 : 0);
            if (id_bytes_known(k, 128 + 4 * fmt, 4)) {
                unsigned lbads = p[128 + 4 * fmt + 2];
                ns->lba_size = lbads >= 9 && lbads < 32 ? 1u << lbads : 0;
            }
        }
    }
    if (m->h.identify)
        m->h.identify(m->h.ctx, m, d, c, (unsigned)cns);
}

/* ---------------------------------------------------------------- completions ---- */

static void admin_effects(struct model *m, struct mdev *d, struct mcmd *c, uint64_t index,
                          uint64_t ts)
{
    unsigned opc, status = 0;
    if (!cmd_opcode(c, &opc))
        return;
    /* A status the trace does not show is taken as success: the guest went on using it. */
    if (cmd_status(c, &status) && (status & 0x7ff) != 0)
        return;
    uint64_t qid, qsize, flags, x, prp1;
    int have_qid = cmd_sqe_field(c, 40, 2, &qid);
    switch (opc) {
    case 0x05: /* Create I/O Completion Queue */
    case 0x01: /* Create I/O Submission Queue */
        if (!have_qid)
            return;
        {
            int is_cq = opc == 0x05;
            struct mqueue *q = queue_create(m, d, (uint16_t)qid, is_cq, index, ts, c);
            if (!q)
                return;
            if (cmd_sqe_field(c, 42, 2, &qsize)) {
                q->size = (uint32_t)qsize + 1;
                q->size_known = 1;
            }
            if (cmd_sqe_field(c, 44, 2, &flags)) {
                q->flags = (uint16_t)flags;
                q->flags_known = 1;
            }
            if (cmd_sqe_field(c, 46, 2, &x)) {
                if (is_cq) {
                    q->vector = (uint16_t)x;
                    q->vector_known = 1;
                } else
                    q->cqid = (uint16_t)x;
            }
            if (cmd_sqe_field(c, 24, 8, &prp1)) {
                q->base = prp1;
                q->base_known = 1;
            }
            queue_announce(m, d, (uint16_t)qid, is_cq, q, c);
        }
        break;
    case 0x00: /* Delete I/O Submission Queue */
    case 0x04: /* Delete I/O Completion Queue */
        if (have_qid && qid != 0)
            queue_delete(m, d, (uint16_t)qid, opc == 0x04, index, ts, c, "command");
        break;
    case 0x7c: /* Doorbell Buffer Config: shadow doorbells from now on */
        if (cmd_sqe_field(c, 24, 8, &prp1) && cmd_sqe_field(c, 32, 8, &x)) {
            d->dbbuf = 1;
            d->dbbuf_dbs = prp1;
            d->dbbuf_eis = x;
            for (uint32_t i = 0; i < d->nsq; i++)
                d->sq[i].shadow = 1;
            for (uint32_t i = 0; i < d->ncq; i++)
                d->cq[i].shadow = 1;
        }
        break;
    case 0x06:
        identify_done(m, d, c);
        break;
    default:
        break;
    }
}

static struct mcmd *match_completion(struct model *m, struct mdev *d, const nvt_event *ev,
                                     uint16_t cid)
{
    uint16_t known = nvt_cqe_known(ev);
    if ((known & 0x0c00) == 0x0c00)
        return hash_find(m, d->index, (uint16_t)le_get(ev->u.cpl.cqe + 10, 2), cid);
    /* SQ id unknown: the SQs that post to this CQ; a unique match only. */
    struct mcmd *found = NULL;
    for (uint32_t q = 0; q < d->nsq; q++) {
        if (!d->sq[q].exists || d->sq[q].cqid != ev->u.cpl.qid)
            continue;
        struct mcmd *c = hash_find(m, d->index, (uint16_t)q, cid);
        if (c) {
            if (found)
                return NULL;
            found = c;
        }
    }
    return found;
}

static void completion(struct model *m, struct mdev *d, const nvt_event *ev, uint64_t index,
                       struct mstep *step)
{
    uint16_t known = nvt_cqe_known(ev);
    struct mqueue *cq = dev_cq(d, ev->u.cpl.qid);
    if (cq) {
        cq->cq_posted++;
        if (ev->u.cpl.slot != NVT_SLOT_UNKNOWN && cq->size_known)
            cq->cq_tail = (ev->u.cpl.slot + 1u) % cq->size;
        else if (cq->size_known)
            cq->cq_tail = (cq->cq_tail + 1) % cq->size;
    }
    struct mcmd *c = NULL;
    if ((known & 0x3000) == 0x3000)
        c = match_completion(m, d, ev, (uint16_t)le_get(ev->u.cpl.cqe + 12, 2));
    if (!c) {
        step->orphan = 1;
        /* A trace that starts with the controller running cannot show the submissions of
         * commands already in flight; one that saw the queues created can. */
        int sq_seen = 0;
        if ((known & 0x0c00) == 0x0c00) {
            uint32_t sqid = (uint32_t)le_get(ev->u.cpl.cqe + 10, 2);
            struct mqueue *sq = dev_sq(d, sqid);
            sq_seen = sq && sq->in_trace;
        } else
            sq_seen = cq && cq->in_trace;
        step->orphan_expected = !sq_seen;
        return;
    }
    memcpy(c->cqe, ev->u.cpl.cqe, NVT_CQE_LEN);
    c->cqe_known = known;
    c->cpl_event = index;
    c->cpl_ts = ev->ts_ns;
    if (!c->cqid_known) {
        c->cqid = ev->u.cpl.qid;
        c->cqid_known = 1;
    }
    c->end = CMD_COMPLETED;
    if (cq && cq->flags_known) {
        if (!(cq->flags & 2))
            c->irq_route = IRQ_NONE;
        else if (d->msix_enabled && cq->vector_known) {
            c->irq_route = IRQ_MSIX;
            c->irq_vector = cq->vector;
        } else if (!d->msix_enabled)
            c->irq_route = IRQ_PIN;
    }
    step->cpl = c;
    if (cmd_admin(c))
        admin_effects(m, d, c, index, ev->ts_ns);
    cmd_leave(m, c, CMD_COMPLETED, 0);
}

/* ------------------------------------------------------------------------ DMA ---- */

static void identify_data(struct mdev *d, struct mcmd *c, const nvt_event *ev)
{
    uint64_t prp1, prp2 = 0;
    if (!ev->u.dma.caplen || !cmd_sqe_field(c, 24, 8, &prp1))
        return;
    cmd_sqe_field(c, 32, 8, &prp2);
    uint64_t ps = dev_page_size(d), first = ps - prp1 % ps, gpa = ev->u.dma.gpa, off;
    if (gpa >= prp1 && gpa < prp1 + first)
        off = gpa - prp1;
    else if (prp2 && first < 4096 && gpa >= prp2 && gpa < prp2 + (4096 - first))
        off = first + gpa - prp2;
    else
        return;
    if (!c->data) {
        c->data = calloc(1, 4096);
        c->data_known = calloc(1, 512);
        if (!c->data || !c->data_known) {
            free(c->data);
            free(c->data_known);
            c->data = c->data_known = NULL;
            return;
        }
    }
    uint64_t n = ev->u.dma.caplen;
    if (n > 4096 - off)
        n = 4096 - off;
    memcpy(c->data + off, ev->u.dma.data, n);
    for (uint64_t i = off; i < off + n; i++)
        c->data_known[i / 8] |= (uint8_t)(1u << (i % 8));
}

static void dma(struct model *m, struct mdev *d, const nvt_event *ev, struct mstep *step)
{
    struct mcmd *c = NULL;
    int is_write = ev->type == NVT_EV_DMA_WRITE;
    uint64_t gpa = ev->u.dma.gpa;
    if (ev->u.dma.sqid != NVT_QID_UNKNOWN && ev->u.dma.cid != 0xffff) {
        c = hash_find(m, d->index, ev->u.dma.sqid, ev->u.dma.cid);
    } else if (d->dbbuf && !is_write && gpa >= d->dbbuf_dbs && ev->u.dma.caplen >= 2) {
        /* A shadow doorbell the device read: slot (2 qid + is_cq) x stride in the buffer */
        uint64_t slot = (gpa - d->dbbuf_dbs) / dev_db_stride(d);
        if (slot < 2u * (MAX_QID + 1)) {
            unsigned n = ev->u.dma.caplen < 4 ? ev->u.dma.caplen : 4;
            step->shadow_db = 1;
            step->db_qid = (uint16_t)(slot / 2);
            step->db_is_cq = (uint8_t)(slot & 1);
            step->db_value = (uint32_t)le_get(ev->u.dma.data, n);
            doorbell(d, step->db_qid, step->db_is_cq, step->db_value);
            return;
        }
    } else if (is_write) {
        for (int i = 0; i < ID_PENDING && !c; i++) {
            uint64_t prp1;
            struct mcmd *k = m->ident[i];
            if (k && k->device == d->index && cmd_sqe_field(k, 24, 8, &prp1) && gpa >= prp1 &&
                gpa < prp1 + 4096)
                c = k;
        }
    }
    if (!c)
        return;
    if (is_write)
        c->dma_write += ev->u.dma.len;
    else
        c->dma_read += ev->u.dma.len;
    c->dma_records++;
    unsigned opc;
    if (is_write && cmd_admin(c) && cmd_opcode(c, &opc) && opc == 0x06)
        identify_data(d, c, ev);
    step->dma = c;
}

/* -------------------------------------------------------------------- events ---- */

int model_event(struct model *m, const nvt_event *ev, uint64_t index, struct mstep *step)
{
    memset(step, 0, sizeof *step);
    if (m->done) {
        cmd_release(m, m->done);
        m->done = NULL;
    }
    struct mdev *d = get_dev(m, ev->device);
    if (!d)
        return ev->device >= MAX_DEVICES ? 0 : -1;
    switch (ev->type) {
    case NVT_EV_CFG_READ:
        cfg_read(d, ev, step);
        break;
    case NVT_EV_CFG_WRITE:
        cfg_write(d, ev, step);
        break;
    case NVT_EV_MMIO_READ:
        reg_read(d, ev);
        break;
    case NVT_EV_MMIO_WRITE:
        reg_write(m, d, ev, index);
        break;
    case NVT_EV_BAR_MAP:
    case NVT_EV_BAR_UNMAP:
        if (ev->u.bar.bar < 6) {
            struct mbar *b = &d->bar[ev->u.bar.bar];
            b->mapped = ev->type == NVT_EV_BAR_MAP;
            b->map_addr = ev->u.bar.addr;
            b->map_size = ev->u.bar.size;
            if (b->mapped) {
                b->is64 = (ev->u.bar.flags & NVT_BAR_64BIT) != 0;
                b->is_io = (ev->u.bar.flags & NVT_BAR_IO) != 0;
                b->type_known = 1;
                if (!b->size_known && ev->u.bar.size) {
                    b->size = ev->u.bar.size;
                    b->size_known = 1;
                }
            }
        }
        break;
    case NVT_EV_DOORBELL:
        doorbell(d, ev->u.doorbell.qid, ev->u.doorbell.is_cq, ev->u.doorbell.value);
        break;
    case NVT_EV_MSIX_CTRL:
        if (ev->u.msix_ctrl.table_size)
            d->msix_table_size = ev->u.msix_ctrl.table_size;
        d->msix_enabled = ev->u.msix_ctrl.enabled;
        break;
    case NVT_EV_SUBMISSION:
        return submission(m, d, ev, index, step);
    case NVT_EV_COMPLETION:
        completion(m, d, ev, index, step);
        break;
    case NVT_EV_DMA_READ:
    case NVT_EV_DMA_WRITE:
        dma(m, d, ev, step);
        break;
    case NVT_EV_CTRL_STATE:
        ctrl_state(m, d, ev, index);
        break;
    default:
        break;
    }
    return 0;
}

struct model *model_new(const struct model_hooks *hooks)
{
    struct model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    if (hooks)
        m->h = *hooks;
    if (hash_grow(m) < 0) {
        free(m);
        return NULL;
    }
    return m;
}

static int by_id(const void *a, const void *b)
{
    const struct mcmd *x = *(const struct mcmd *const *)a, *y = *(const struct mcmd *const *)b;
    return x->id < y->id ? -1 : x->id > y->id;
}

void model_finish(struct model *m)
{
    if (m->done) {
        cmd_release(m, m->done);
        m->done = NULL;
    }
    /* In submission order, so consumers see incomplete commands as they were issued. */
    size_t n = m->noutstanding, k = 0;
    struct mcmd **all = n ? malloc(n * sizeof *all) : NULL;
    if (all) {
        for (size_t i = 0; i < m->nbucket; i++)
            for (struct mcmd *c = m->bucket[i]; c && k < n; c = c->next)
                all[k++] = c;
        qsort(all, k, sizeof *all, by_id);
        for (size_t i = 0; i < k; i++)
            cmd_leave(m, all[i], CMD_END, 1);
        free(all);
    }
    drop_outstanding_all(m); /* only if the array could not be allocated */
}

void model_free(struct model *m)
{
    if (!m)
        return;
    if (m->done)
        cmd_release(m, m->done);
    for (size_t i = 0; i < m->nbucket; i++)
        for (struct mcmd *c = m->bucket[i], *next; c; c = next) {
            next = c->next;
            cmd_release(m, c);
        }
    for (struct mcmd *c = m->free_list, *next; c; c = next) {
        next = c->next;
        free(c->data);
        free(c->data_known);
        free(c);
    }
    for (size_t i = 0; i < m->ndevs; i++)
        if (m->devs[i]) {
            free(m->devs[i]->sq);
            free(m->devs[i]->cq);
            free(m->devs[i]->ns);
            free(m->devs[i]);
        }
    free(m->devs);
    free(m->bucket);
    free(m);
}

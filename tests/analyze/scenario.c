/* Synthetic NVMe sessions for the analyze tests (scenario.h). The default session follows the
 * NVMe 1.4 initialization sequence (sec. 7.6.1) and the PCI BAR sizing protocol, so it lints
 * clean; each knob breaks one rule or changes one device behaviour. */
#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct qp {              /* a queue pair as the host and the device see it */
    uint16_t sqid, cqid, vector;
    uint32_t sq_size, cq_size;
    uint32_t tail;       /* host's SQ tail */
    uint32_t sq_head;    /* device's SQ head */
    uint32_t cq_tail;    /* device's CQ tail */
    uint32_t cq_head;    /* host's CQ head */
    int phase;
    uint16_t next_cid;
    int irq_every;       /* interrupt after every n completions */
    int since_irq;
};

struct gen {
    nvt_writer *w;
    nvt_error *err;
    const struct scen *s;
    uint64_t now;
    uint32_t rng;
    int failed;
    /* per device */
    uint64_t bar_cfg;    /* BAR0 address in config space */
    uint64_t bar_gpa;    /* where the device's MMIO arrives */
    uint32_t bar_size;
};

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static uint32_t rnd(struct gen *g, uint32_t lo, uint32_t hi)
{
    g->rng = g->rng * 1103515245u + 12345u;
    return lo + (g->rng >> 8) % (hi - lo + 1);
}

static void emit(struct gen *g, uint32_t dev, nvt_event *ev, uint32_t gap)
{
    if (g->failed)
        return;
    g->now += gap;
    ev->device = dev;
    ev->ts_ns = g->now;
    if (nvt_writer_write(g->w, ev, NULL, g->err) < 0)
        g->failed = 1;
}

static void cfg(struct gen *g, uint32_t dev, int write, uint16_t off, uint8_t size, uint32_t v)
{
    nvt_event ev = {.type = write ? NVT_EV_CFG_WRITE : NVT_EV_CFG_READ};
    if (g->s->as_import)
        ev.flags = NVT_F_RECONSTRUCTED; /* QEMU's log prints no access size */
    ev.u.cfg.offset = off;
    ev.u.cfg.size = size;
    ev.u.cfg.value = v;
    emit(g, dev, &ev, 100);
}

static void reg(struct gen *g, uint32_t dev, int write, uint32_t off, uint8_t size, uint64_t v)
{
    nvt_event ev = {.type = write ? NVT_EV_MMIO_WRITE : NVT_EV_MMIO_READ};
    ev.u.mmio.bar = 0;
    ev.u.mmio.size = size;
    ev.u.mmio.offset = off;
    ev.u.mmio.value = v;
    ev.u.mmio.gpa = g->bar_gpa + off;
    if (g->s->as_import && !write) {
        /* QEMU 7.2's log prints no MMIO read value */
        ev.flags = NVT_F_VALUE_UNKNOWN;
        ev.u.mmio.value = 0;
    }
    emit(g, dev, &ev, 100);
}

static void bar_map(struct gen *g, uint32_t dev, int map, uint64_t addr)
{
    nvt_event ev = {.type = map ? NVT_EV_BAR_MAP : NVT_EV_BAR_UNMAP};
    ev.u.bar.bar = 0;
    ev.u.bar.flags = NVT_BAR_64BIT;
    ev.u.bar.addr = addr;
    ev.u.bar.size = g->bar_size;
    emit(g, dev, &ev, 100);
}

static void doorbell(struct gen *g, uint32_t dev, uint16_t qid, int is_cq, uint32_t v)
{
    reg(g, dev, 1, 0x1000 + (2u * qid + (is_cq ? 1u : 0u)) * 4u, 4, v);
    nvt_event ev = {.type = NVT_EV_DOORBELL};
    ev.u.doorbell.qid = qid;
    ev.u.doorbell.is_cq = (uint8_t)is_cq;
    ev.u.doorbell.value = v;
    emit(g, dev, &ev, 20);
}

static void state(struct gen *g, uint32_t dev, uint8_t st, uint32_t v)
{
    nvt_event ev = {.type = NVT_EV_CTRL_STATE};
    ev.u.state.state = st;
    ev.u.state.value = v;
    emit(g, dev, &ev, 50);
}

static void irq(struct gen *g, uint32_t dev, uint16_t vector)
{
    nvt_event ev = {.type = NVT_EV_INTERRUPT};
    ev.u.irq.kind = NVT_IRQ_MSIX;
    ev.u.irq.vector = vector;
    ev.u.irq.addr = 0xfee00000;
    ev.u.irq.data = 0x4020u + vector;
    emit(g, dev, &ev, 50);
}

static void dma(struct gen *g, uint32_t dev, int write, uint64_t gpa, uint32_t len,
                const uint8_t *data, uint32_t caplen, uint16_t sqid, uint16_t cid)
{
    if (g->s->as_import)
        return; /* the log carries no data */
    nvt_event ev = {.type = write ? NVT_EV_DMA_WRITE : NVT_EV_DMA_READ};
    ev.flags = caplen < len ? NVT_F_TRUNCATED : 0;
    ev.u.dma.gpa = gpa;
    ev.u.dma.len = len;
    ev.u.dma.caplen = caplen;
    ev.u.dma.sqid = sqid;
    ev.u.dma.cid = cid;
    ev.u.dma.data = data;
    emit(g, dev, &ev, 200);
}

static void sqe_init(uint8_t sqe[64], uint8_t opc, uint16_t cid, uint32_t nsid, uint64_t prp1)
{
    memset(sqe, 0, 64);
    sqe[0] = opc;
    put16(sqe + 2, cid);
    put32(sqe + 4, nsid);
    put64(sqe + 24, prp1);
}

/* The device fetches the SQE at the SQ head. */
static void fetch(struct gen *g, uint32_t dev, struct qp *q, const uint8_t sqe[64])
{
    nvt_event ev = {.type = NVT_EV_SUBMISSION};
    ev.u.sub.qid = q->sqid;
    ev.u.sub.slot = (uint16_t)q->sq_head;
    ev.u.sub.known = UINT64_MAX;
    memcpy(ev.u.sub.sqe, sqe, 64);
    if (g->s->as_import) {
        /* opcode, flags, CID, PRP1/2 and CDW10-12 known; NSID unknown, and for I/O the SLBA
         * (CDW10-11) too, as in the importer's records of Identify and of SeaBIOS's reads */
        ev.flags = NVT_F_RECONSTRUCTED;
        ev.u.sub.known = 0x000fffffff00000full;
        if (q->sqid)
            ev.u.sub.known &= ~0x0000ff0000000000ull;
        for (unsigned b = 0; b < 64; b++)
            if (!(ev.u.sub.known >> b & 1))
                ev.u.sub.sqe[b] = 0;
    }
    q->sq_head = (q->sq_head + 1) % q->sq_size;
    emit(g, dev, &ev, 150);
}

/* The device posts a CQE (and maybe an interrupt). */
static void post(struct gen *g, uint32_t dev, struct qp *q, uint16_t cid, uint16_t status,
                 uint32_t dw0, uint32_t latency)
{
    nvt_event ev = {.type = NVT_EV_COMPLETION};
    ev.u.cpl.qid = q->cqid;
    ev.u.cpl.slot = (uint16_t)q->cq_tail;
    ev.u.cpl.known = 0xffff;
    put32(ev.u.cpl.cqe, dw0);
    put16(ev.u.cpl.cqe + 8, (uint16_t)q->sq_head);
    put16(ev.u.cpl.cqe + 10, q->sqid);
    put16(ev.u.cpl.cqe + 12, cid);
    put16(ev.u.cpl.cqe + 14, (uint16_t)(status << 1 | (q->phase & 1)));
    if (g->s->as_import) {
        /* DW0, SQ id, CID and status; DW1 and SQ head unknown */
        ev.flags = NVT_F_RECONSTRUCTED;
        ev.u.cpl.known = 0xfc0f;
        memset(ev.u.cpl.cqe + 4, 0, 6);
    }
    q->cq_tail++;
    if (q->cq_tail == q->cq_size) {
        q->cq_tail = 0;
        q->phase ^= 1;
    }
    emit(g, dev, &ev, latency);
    if (++q->since_irq >= q->irq_every) {
        irq(g, dev, q->vector);
        q->since_irq = 0;
    }
}

/* The host consumed every posted entry. */
static void reap(struct gen *g, uint32_t dev, struct qp *q)
{
    if (q->cq_head != q->cq_tail) {
        q->cq_head = q->cq_tail;
        doorbell(g, dev, q->cqid, 1, q->cq_head);
    }
}

/* One command from doorbell to CQ head doorbell; returns the CID used. */
static uint16_t command(struct gen *g, uint32_t dev, struct qp *q, uint8_t sqe[64], int data_dir,
                        uint32_t len, const uint8_t *data, uint32_t caplen, uint16_t status,
                        uint32_t dw0)
{
    uint16_t cid = q->next_cid++;
    put16(sqe + 2, cid);
    q->tail = (q->tail + 1) % q->sq_size;
    doorbell(g, dev, q->sqid, 0, q->tail);
    fetch(g, dev, q, sqe);
    uint64_t prp1;
    memcpy(&prp1, sqe + 24, 8);
    if (data_dir && len)
        dma(g, dev, data_dir > 0, prp1, len, data, caplen, q->sqid, cid);
    post(g, dev, q, cid, status, dw0, rnd(g, 2000, 9000));
    reap(g, dev, q);
    return cid;
}

/* ------------------------------------------------------------------ phases ---- */

static void pci_bringup(struct gen *g, uint32_t dev)
{
    const struct scen *s = g->s;
    uint32_t table = s->msix_table ? s->msix_table : 65;
    cfg(g, dev, 0, 0x00, 4, 0x00101b36);
    cfg(g, dev, 0, 0x08, 4, 0x01080202);
    cfg(g, dev, 0, 0x34, 1, 0x40);
    /* MSI-X capability at 0x40: id 0x11, next 0 (0x80 with the PCIe capability),
     * Message Control = table size - 1 */
    cfg(g, dev, 0, 0x40, 4, 0x11u | (s->qemu ? 0x80u << 8 : 0u) | (table - 1) << 16);
    if (s->qemu) {
        /* PCI Express capability at 0x80 (version 2, endpoint), Device Capabilities at 0x84:
         * RBER, FLR, and Extended Tag Field Supported from 9.2 */
        cfg(g, dev, 0, 0x80, 4, 0x00020010);
        cfg(g, dev, 0, 0x84, 4, 0x10008000u | (s->qemu >= 92 ? 0x20u : 0u));
        /* subsystem vendor and id, as Linux reads them */
        cfg(g, dev, 0, 0x2c, 2, 0x1af4);
        cfg(g, dev, 0, 0x2e, 2, 0x1100);
    }
    /* BAR0 sizing with decoding off, as the PCI spec describes */
    cfg(g, dev, 0, 0x04, 2, 0x0000);
    cfg(g, dev, 1, 0x10, 4, 0xffffffff);
    cfg(g, dev, 0, 0x10, 4, (uint32_t)(~(g->bar_size - 1u)) | 0x4u);
    cfg(g, dev, 1, 0x14, 4, 0xffffffff);
    cfg(g, dev, 0, 0x14, 4, 0xffffffff);
    cfg(g, dev, 1, 0x10, 4, (uint32_t)g->bar_cfg | 0x4u);
    cfg(g, dev, 1, 0x14, 4, (uint32_t)(g->bar_cfg >> 32));
    cfg(g, dev, 1, 0x04, 2, 0x0006);
    bar_map(g, dev, 1, g->bar_cfg);
    nvt_event mc = {.type = NVT_EV_MSIX_CTRL};
    mc.u.msix_ctrl.enabled = 1;
    mc.u.msix_ctrl.table_size = (uint16_t)table;
    mc.u.msix_ctrl.msgctl = 0x8000u | (table - 1);
    cfg(g, dev, 1, 0x42, 2, 0x8000u | (table - 1));
    emit(g, dev, &mc, 20);
    for (uint16_t v = 0; v < 2; v++) {
        nvt_event mx = {.type = NVT_EV_MSIX_ACCESS};
        mx.u.msix.entry = v;
        mx.u.msix.field = NVT_MSIX_DATA;
        mx.u.msix.is_write = 1;
        mx.u.msix.value = 0x4020u + v;
        emit(g, dev, &mx, 50);
    }
}

static void bar_move(struct gen *g, uint32_t dev)
{
    const struct scen *s = g->s;
    uint64_t to = 0xfe800000ull + dev * 0x100000ull;
    if (s->bar_move_decoding) {
        cfg(g, dev, 1, 0x10, 4, (uint32_t)to | 0x4u);
        bar_map(g, dev, 0, g->bar_cfg);
        bar_map(g, dev, 1, to);
        g->bar_cfg = g->bar_gpa = to;
        return;
    }
    cfg(g, dev, 1, 0x04, 2, 0x0004);
    if (!s->stale_gpa)
        bar_map(g, dev, 0, g->bar_cfg);
    cfg(g, dev, 1, 0x10, 4, (uint32_t)to | 0x4u);
    cfg(g, dev, 1, 0x04, 2, 0x0006);
    g->bar_cfg = to;
    if (!s->stale_gpa) {
        /* the emulator moved the mapping; with stale_gpa it failed to, and accesses keep
         * arriving at the old address */
        bar_map(g, dev, 1, to);
        g->bar_gpa = to;
    }
}

static void identify_ctrl_data(const struct scen *s, uint8_t *d)
{
    memset(d, 0, 4096);
    put16(d, 0x1b36);
    put16(d + 2, 0x1af4);
    char sn[32];
    memset(d + 4, ' ', 20);
    int n = snprintf(sn, sizeof sn, "NVT%08u", s->ctrl_serial % 100000000u);
    memcpy(d + 4, sn, (size_t)n);
    memcpy(d + 24, "nvmetrace scenario controller           ", 40);
    memcpy(d + 64, "1.0     ", 8);
    d[72] = 6;
    d[77] = s->mdts ? s->mdts : 5;
    put32(d + 80, 0x00010400);
    d[512] = 0x66;
    d[513] = 0x44;
    put16(d + 514, 0);
    put32(d + 516, 1);
    put16(d + 520, 0x15);
    d[525] = 1;
}

static void identify_ns_data(const struct scen *s, uint8_t *d)
{
    memset(d, 0, 4096);
    if (s->qemu)
        d[24] = s->qemu >= 92 ? 0x34 : 0x14; /* NSFEAT: + optimal performance fields in 9.2 */
    put64(d, 0x100000);
    put64(d + 8, 0x100000);
    put64(d + 16, 0x2000);
    d[25] = 0;     /* NLBAF: one format */
    d[26] = 0;     /* FLBAS: format 0 */
    d[130] = 9;    /* LBAF0.LBADS: 512-byte blocks */
}

static void device(struct gen *g, uint32_t dev)
{
    const struct scen *s = g->s;
    g->bar_size = s->bar0_size ? s->bar0_size : 16384;
    g->bar_cfg = g->bar_gpa = 0xfebf0000ull + dev * 0x100000ull;
    pci_bringup(g, dev);

    /* controller bring-up: NVMe 1.4 sec. 7.6.1 */
    uint64_t cap = 0x7ffull | 1ull << 16 | 0x0full << 24 | 1ull << 37 | 4ull << 52;
    if (s->qemu)
        cap = s->qemu >= 100 ? 0x004008200f0107ffull : 0x004018200f0107ffull;
    if (s->cap)
        cap = s->cap;
    reg(g, dev, 0, 0x00, 8, cap);
    reg(g, dev, 0, 0x08, 4, 0x00010400);
    reg(g, dev, 0, 0x1c, 4, 0);
    uint64_t asq = 0x10000000ull + dev * 0x1000000ull, acq = asq + 0x1000;
    reg(g, dev, 1, 0x24, 4, 0x001f001f);
    reg(g, dev, 1, 0x28, 8, asq);
    reg(g, dev, 1, 0x30, 8, acq);
    uint32_t cc = s->reserved_cc ? 0x00460005u : 0x00460001u;
    reg(g, dev, 1, 0x14, 4, cc);
    state(g, dev, NVT_STATE_ENABLE, cc);
    if (s->before_ready)
        doorbell(g, dev, 0, 0, 0);
    state(g, dev, NVT_STATE_READY, 1);
    reg(g, dev, 0, 0x1c, 4, 1);

    struct qp adm = {0, 0, 0, 32, 32, 0, 0, 0, 0, 1, 0, 1, 0};
    uint8_t sqe[64];
    static uint8_t data[4096];
    if (s->no_commands) {
        reg(g, dev, 1, 0x14, 4, cc | 0x4000u); /* shut down without a command */
        return;
    }
    identify_ctrl_data(s, data);
    sqe_init(sqe, 0x06, 0, 0, 0x20000000ull + dev * 0x100000ull);
    put32(sqe + 40, 1);
    command(g, dev, &adm, sqe, 1, 4096, data, 4096, 0, 0);
    identify_ns_data(s, data);
    sqe_init(sqe, 0x06, 0, 1, 0x20001000ull + dev * 0x100000ull);
    command(g, dev, &adm, sqe, 1, 4096, data, 4096, 0, 0);
    sqe_init(sqe, 0x09, 0, 0, 0);
    put32(sqe + 40, 0x07);
    put32(sqe + 44, 0x00030003);
    command(g, dev, &adm, sqe, 0, 0, NULL, 0, 0, s->nq_dw0 ? s->nq_dw0 : 0x00030003);
    uint32_t cq_size = 8;
    sqe_init(sqe, 0x05, 0, 0, 0x30000000ull + dev * 0x100000ull);
    put32(sqe + 40, (cq_size - 1) << 16 | 1);
    put32(sqe + 44, 1u << 16 | 0x3);
    command(g, dev, &adm, sqe, 0, 0, NULL, 0, 0, 0);
    sqe_init(sqe, 0x01, 0, 0, 0x30010000ull + dev * 0x100000ull);
    put32(sqe + 40, 63u << 16 | 1);
    put32(sqe + 44, (s->sq_missing_cq ? 2u : 1u) << 16 | 0x1);
    command(g, dev, &adm, sqe, 0, 0, NULL, 0, 0, 0);
    if (s->msix_cq_vector) {
        uint32_t table = s->msix_table ? s->msix_table : 65;
        sqe_init(sqe, 0x05, 0, 0, 0x30020000ull + dev * 0x100000ull);
        put32(sqe + 40, 7u << 16 | 2);
        put32(sqe + 44, (table + 1) << 16 | 0x3);
        command(g, dev, &adm, sqe, 0, 0, NULL, 0, 0, 0);
    }
    /* Get Log Page (SMART, 512 bytes) and an Identify with a CNS the device rejects */
    memset(data, 0x5a, 512);
    sqe_init(sqe, 0x02, 0, 0xffffffff, 0x20002000ull + dev * 0x100000ull);
    put32(sqe + 40, 127u << 16 | 0x02);
    command(g, dev, &adm, sqe, 1, 512, data, 512, 0, 0);
    sqe_init(sqe, 0x06, 0, 0, 0x20003000ull + dev * 0x100000ull);
    put32(sqe + 40, 0xff);
    command(g, dev, &adm, sqe, 0, 0, NULL, 0,
            (uint16_t)(s->identify_status ? s->identify_status : 2), 0);

    if (s->vendor_opcode) {
        sqe_init(sqe, s->vendor_opcode, 0, 0, 0);
        command(g, dev, &adm, sqe, 0, 0, NULL, 0, 0, 0);
    }
    if (s->bar_move_decoding || s->bar_move_ok || s->stale_gpa)
        bar_move(g, dev);
    if (s->cc_change == 1)
        reg(g, dev, 1, 0x14, 4, cc | 0x80u);

    /* I/O: groups of commands in flight together on SQ 1 / CQ 1 (vector 1) */
    struct qp io = {1, 1, 1, 64, cq_size, 0, 0, 0, 0, 1, 0, s->coalesce ? 2 : 1, 0};
    int n_io = s->n_io ? s->n_io : 24;
    int group = s->cq_overrun ? (int)cq_size : 4;
    for (int i = 0; i < n_io; i += group) {
        int k = n_io - i < group ? n_io - i : group;
        uint8_t sqes[8][64];
        uint16_t cids[8];
        for (int j = 0; j < k; j++) {
            int n = i + j, write = n % 3 == 1;
            uint64_t buf = 0x40000000ull + (uint64_t)(n % 16) * 0x2000;
            sqe_init(sqes[j], write ? 0x01 : 0x02, 0, 1, buf + (s->prp1_offset && n == 5 ? 2 : 0));
            put64(sqes[j] + 40, (uint64_t)n * 8);
            put32(sqes[j] + 48, 7); /* 8 blocks: 4 KiB */
            if (s->reserved_sqe && n == 3)
                sqes[j][1] = 0x04;
            cids[j] = io.next_cid++;
            if (s->cid_reuse && n == 6)
                cids[j] = cids[j - 1];
            put16(sqes[j] + 2, cids[j]);
        }
        io.tail = (io.tail + (uint32_t)k) % io.sq_size;
        doorbell(g, dev, 1, 0, io.tail);
        for (int j = 0; j < k; j++)
            fetch(g, dev, &io, sqes[j]);
        for (int j = 0; j < k; j++) {
            uint64_t prp1;
            memcpy(&prp1, sqes[j] + 24, 8);
            memset(data, (uint8_t)(i + j), 64);
            dma(g, dev, sqes[j][0] == 0x02, prp1, 4096, data, 64, 1, cids[j]);
            post(g, dev, &io, cids[j], 0, 0, rnd(g, 3000, 40000));
        }
        reap(g, dev, &io);
    }
    /* a Read across two pages: PRP1 with an offset, PRP2 the next page */
    sqe_init(sqe, 0x02, 0, 1, 0x50000200ull);
    put64(sqe + 32, s->prp2_offset ? 0x50001100ull : 0x50001000ull);
    put64(sqe + 40, 0x1000);
    put32(sqe + 48, 7);
    command(g, dev, &io, sqe, 1, 4096, data, 64, 0, 0);
    if (s->big_nlb) {
        sqe_init(sqe, 0x02, 0, 1, 0x60000000ull);
        put64(sqe + 32, 0x60100000ull); /* PRP list */
        put64(sqe + 40, 0x2000);
        put32(sqe + 48, s->big_nlb - 1);
        command(g, dev, &io, sqe, 1, s->big_nlb * 512u, data, 64, 0, 0);
    }
    if (s->msix_vector)
        irq(g, dev, (uint16_t)((s->msix_table ? s->msix_table : 65) + 5));
    if (s->orphan_cpl)
        post(g, dev, &io, 0x7777, 0, 0, 500);
    if (s->db_beyond)
        doorbell(g, dev, 1, 0, io.sq_size);
    if (s->db_noqueue)
        doorbell(g, dev, 5, 0, 1);
    reap(g, dev, &io);

    /* normal shutdown: CC.SHN = 01b */
    reg(g, dev, 1, 0x14, 4, cc | 0x4000u);
    state(g, dev, NVT_STATE_SHUTDOWN_START, cc | 0x4000u);
    state(g, dev, NVT_STATE_SHUTDOWN_DONE, 0x9);
    reg(g, dev, 0, 0x1c, 4, 0x9);
}

int scen_write(const char *path, const struct scen *s, nvt_error *err)
{
    struct gen g;
    memset(&g, 0, sizeof g);
    g.s = s;
    g.err = err;
    g.now = 1795403926000000000ull;
    g.rng = 12345;
    nvt_writer_opts o = {.comment = "synthetic scenario from tests/analyze/scenario.c"};
    char comment[601];
    if (s->long_comment) {
        /* words of 10 bytes, the last one "-nographic" */
        for (int i = 0; i < 60; i++)
            memcpy(comment + 10 * i, i == 59 ? "-nographic" : "-device x ", 10);
        comment[600] = 0;
        o.comment = comment;
    }
    g.w = nvt_writer_open(path, &o, err);
    if (!g.w)
        return -1;
    int ndev = s->no_devices ? 0 : s->devices ? s->devices : 1;
    for (int d = 0; d < ndev; d++) {
        nvt_device dev;
        memset(&dev, 0, sizeof dev);
        snprintf(dev.bdf, sizeof dev.bdf, "0000:00:%02x.0", (unsigned)(4 + d) & 0x1f);
        dev.vendor_id = 0x1b36;
        dev.device_id = 0x0010;
        dev.class_code = 0x010802;
        dev.revision = 2;
        if (s->qemu && !s->as_import) {
            /* the tap knows them at once; the importer publishes the function before the
             * guest reads them, with 0 (unknown) */
            dev.subsys_vendor_id = 0x1af4;
            dev.subsys_id = 0x1100;
        }
        snprintf(dev.model, sizeof dev.model, "nvme");
        snprintf(dev.emulator, sizeof dev.emulator, "scenario");
        if (nvt_writer_add_device(g.w, &dev, err) < 0) {
            nvt_writer_close(g.w, NULL);
            return -1;
        }
    }
    for (int d = 0; d < ndev; d++)
        device(&g, (uint32_t)d);
    nvt_event st = {.type = NVT_EV_CAPTURE_STATS};
    st.u.stats.recorded = nvt_writer_next_seq(g.w) + 1;
    st.u.stats.dropped = s->dropped;
    st.u.stats.overflows = s->dropped ? 1 : 0;
    st.u.stats.warnings = s->import_warnings;
    if (ndev) /* a record belongs to a device: with none, the file holds only its header */
        emit(&g, 0, &st, 100);
    if (g.failed) {
        nvt_writer_close(g.w, NULL);
        return -1;
    }
    return nvt_writer_close(g.w, err);
}

/*
 * nvt-target-record: records a trace of a device model behind the in-process target ABI
 * (<nvmetrace/target.h>) through libnvmetap, the way an emulator patched like samples/qemu
 * records one, so that `nvmetrace replay --target lib:LIB` has something to replay.
 *
 * It is a tiny single-threaded machine: a VMM (64 MiB of guest RAM at GPA 0, a PCI core that
 * routes config and BAR accesses to the model and records them) and a guest driver in plain C
 * that does what Linux's nvme driver does at boot (PCI enumeration and BAR sizing, MSI-X or
 * INTx, controller disable/enable, Identify, Number of Queues, I/O queue pairs), then a
 * seeded random workload of writes, reads checked against its own copy of the namespace,
 * flushes and write zeroes, error paths on purpose (invalid opcodes, LBA out of range, bad
 * NSID, Create I/O CQ with QSIZE 0, a full CQ, masked interrupts), Get Log Page, queue
 * deletion and a shutdown. Every completion status is checked; any surprise ends it with
 * exit status 1 and a message.
 *
 * Like the replay, it calls ops->run() after every host action, and it makes no call into the
 * model that the trace does not hold: what the VMM needs to know about the function (BAR
 * sizes, where MSI-X lives, the doorbell stride) it learns from the guest's own accesses.
 *
 * usage: nvt-target-record [--out FILE] [--args STR] [--ios N] [--queues N] [--seed S]
 *                          [--intx] LIB.so
 */
#include <dlfcn.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nvmetap.h"
#include "nvmetrace/target.h"
#include "testnvme.h"

#define PROG "nvt-target-record"

/* ---- guest memory map ---- */
#define RAM_SIZE (64u << 20)
#define BAR0_GPA UINT64_C(0xfebf0000) /* where the guest puts BAR0 */
#define GPA_ASQ 0x00100000ull
#define GPA_ACQ 0x00101000ull
#define GPA_IOSQ(q) (0x00200000ull + (q) * (uint64_t)TN_PAGE)
#define GPA_IOCQ(q) (0x00300000ull + (q) * (uint64_t)TN_PAGE)
#define GPA_ID 0x00400000ull        /* Identify and log pages */
#define GPA_POOL 0x01000000ull      /* data pages and PRP list pages */
#define POOL_PAGES ((RAM_SIZE - GPA_POOL) / TN_PAGE)

#define ADMIN_DEPTH 32u
#define IO_DEPTH (TN_MQES + 1u)
#define CID_SLOTS 256u
#define MAX_VECTORS 2048u
#define MAX_IO_BLOCKS 16u
#define MAX_QUEUES (TN_MAX_IOQ - 1) /* one qid stays free for the small-queue tests */
#define GUEST_NQ (TN_MAX_IOQ + 1)   /* qid 0..16 */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* ======================================================================================== */
/* the VMM: guest RAM, and a PCI core that routes and records */

struct vmm {
    const nvt_target_ops *ops;
    void *dev;
    nvt_target_host host;
    nvt_tap *tap;
    nvt_tap_dev *tdev;   /* NULL until recording starts */
    uint8_t *ram;

    /* config space as the guest saw it: values it read and wrote */
    uint8_t scfg[4096], sknown[4096];
    uint32_t probe[6];   /* BAR read-back after an all-ones write (0: none or not a BAR) */
    uint8_t probing[6];
    uint8_t mapped[6];
    uint64_t map_addr[6], map_size[6];
    uint8_t map_flags[6];
    uint16_t msix_cap;   /* 0: not found (yet) */
    uint32_t dstrd;      /* CAP.DSTRD, from the guest's CAP read */

    /* what the guest's interrupt controller received */
    uint64_t msix_count[MAX_VECTORS];
    uint64_t msix_addr[MAX_VECTORS];
    uint32_t msix_data[MAX_VECTORS];
    int intx_level;
    uint64_t interrupts, sqes, cqes;
};

static struct vmm *g_vmm; /* for die() */

static uint32_t le_bytes(const uint8_t *p, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint32_t)p[i] << 8 * i;
    return v;
}

/* ---- host callbacks: the model's DMA and interrupts ---- */

/*
 * A transfer of the model's, from guest RAM into rd (a read) or from wr into guest RAM (a
 * write), recorded as an SQE fetch, a CQE post or DMA data. Outside guest RAM it fails and is
 * not recorded (noted in the trace), as QEMU's tap does for memory that is not RAM.
 */
static int model_dma(struct vmm *v, uint64_t gpa, uint32_t len, const nvt_target_dma *tag, void *rd,
                     const void *wr)
{
    if (!(gpa < RAM_SIZE && len <= RAM_SIZE - gpa)) {
        if (v->tdev)
            nvt_tap_annotatef(v->tdev, NVT_TAP_ANN_WARNING,
                              "DMA %s 0x%" PRIx64 " length %u not recorded: not guest RAM",
                              wr ? "write" : "read", gpa, len);
        return -1;
    }
    if (wr)
        memcpy(v->ram + gpa, wr, len);
    else
        memcpy(rd, v->ram + gpa, len);
    const void *data = wr ? wr : rd;
    if (!v->tdev)
        return 0;
    if (!wr && tag->kind == NVT_TARGET_DMA_SQE && len == NVME_SQE_SIZE) {
        v->sqes++;
        nvt_tap_submission(v->tdev, tag->qid, tag->slot, data);
    } else if (wr && tag->kind == NVT_TARGET_DMA_CQE && len == NVME_CQE_SIZE) {
        v->cqes++;
        nvt_tap_completion(v->tdev, tag->qid, tag->slot, data);
    } else {
        (wr ? nvt_tap_dma_write : nvt_tap_dma_read)(v->tdev, gpa, data, len, tag->qid, tag->cid);
    }
    return 0;
}

static int cb_dma_read(void *ctx, uint64_t gpa, void *buf, uint32_t len, const nvt_target_dma *tag)
{
    return model_dma(ctx, gpa, len, tag, buf, NULL);
}

static int cb_dma_write(void *ctx, uint64_t gpa, const void *buf, uint32_t len,
                        const nvt_target_dma *tag)
{
    return model_dma(ctx, gpa, len, tag, NULL, buf);
}

static void cb_msix(void *ctx, uint16_t vector, uint64_t addr, uint32_t data)
{
    struct vmm *v = ctx;
    if (v->tdev)
        nvt_tap_interrupt(v->tdev, NVT_TAP_IRQ_MSIX, vector, data, addr);
    v->interrupts++;
    if (vector >= MAX_VECTORS)
        die("MSI-X message for vector %u, beyond any table", vector);
    v->msix_count[vector]++;
    v->msix_addr[vector] = addr;
    v->msix_data[vector] = data;
}

static void cb_intx(void *ctx, int level)
{
    struct vmm *v = ctx;
    if (v->tdev)
        nvt_tap_interrupt(v->tdev, level ? NVT_TAP_IRQ_INTX_ASSERT : NVT_TAP_IRQ_INTX_DEASSERT,
                          0, 0, 0);
    v->interrupts++;
    v->intx_level = level != 0;
}

static void cb_state(void *ctx, uint8_t state, uint32_t value)
{
    struct vmm *v = ctx;
    if (v->tdev)
        nvt_tap_ctrl_state(v->tdev, state, value);
}

static void cb_log(void *ctx, const char *msg)
{
    struct vmm *v = ctx;
    if (v->tdev)
        nvt_tap_annotatef(v->tdev, NVT_TAP_ANN_NOTE, "model: %s", msg ? msg : "");
}

/* ---- the PCI core ---- */

static void vmm_run(struct vmm *v)
{
    if (v->ops->run)
        v->ops->run(v->dev);
}

static void shadow_cfg(struct vmm *v, uint16_t off, uint8_t size, uint32_t value)
{
    for (unsigned i = 0; i < size && off + i < sizeof v->scfg; i++) {
        v->scfg[off + i] = (uint8_t)(value >> 8 * i);
        v->sknown[off + i] = 1;
    }
}

/* The MSI-X capability, found by walking the capability list as the guest read it. */
static uint16_t find_msix(struct vmm *v)
{
    if (v->msix_cap)
        return v->msix_cap;
    uint8_t p = v->sknown[PCI_CAPABILITY_LIST] ? v->scfg[PCI_CAPABILITY_LIST] & ~3u : 0;
    for (int n = 0; p >= 0x40 && n < 48 && v->sknown[p] && v->sknown[p + 1]; n++) {
        if (v->scfg[p] == PCI_CAP_ID_MSIX)
            return v->msix_cap = p;
        p = v->scfg[p + 1] & ~3u;
    }
    return 0;
}

/* Where the MSI-X table (which 0) or PBA (which 1) is: BAR and offset, from the capability. */
static int msix_where(struct vmm *v, int which, uint8_t *bar, uint32_t *off, uint32_t *len)
{
    uint16_t m = find_msix(v);
    unsigned at = m + (which ? PCI_MSIX_PBA : PCI_MSIX_TABLE);
    if (!m || !v->sknown[m + PCI_MSIX_FLAGS] || !v->sknown[at])
        return 0;
    uint32_t nvec = (le_bytes(v->scfg + m + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE) + 1;
    uint32_t reg = le_bytes(v->scfg + at, 4);
    *bar = reg & PCI_MSIX_BIR;
    *off = reg & ~PCI_MSIX_BIR;
    *len = which ? (nvec + 63) / 64 * 8 : nvec * PCI_MSIX_ENTRY_SIZE;
    return 1;
}

/* BAR i as the guest programmed it: type from its size probe, address, size. 0 if unknown. */
static int bar_info(struct vmm *v, unsigned i, uint64_t *addr, uint64_t *size, uint8_t *flags)
{
    uint32_t lo = v->probe[i];
    if (!lo || (lo & PCI_BASE_ADDRESS_SPACE_IO))
        return 0;
    int is64 = (lo & 6) == PCI_BASE_ADDRESS_MEM_TYPE_64 && i < 5;
    uint32_t hi = is64 ? (v->probe[i + 1] ? v->probe[i + 1] : 0xffffffffu) : 0xffffffffu;
    uint64_t mask = (uint64_t)hi << 32 | (lo & ~0xfu);
    uint32_t reg_lo = le_bytes(v->scfg + PCI_BASE_ADDRESS_0 + 4 * i, 4);
    uint32_t reg_hi = is64 ? le_bytes(v->scfg + PCI_BASE_ADDRESS_0 + 4 * (i + 1), 4) : 0;
    *addr = ((uint64_t)reg_hi << 32 | reg_lo) & mask;
    *size = ~mask + 1;
    *flags = (uint8_t)((is64 ? NVT_TAP_BAR_64BIT : 0) |
                       (lo & PCI_BASE_ADDRESS_MEM_PREFETCH ? NVT_TAP_BAR_PREFETCH : 0));
    return 1;
}

/* Maps and unmaps memory BARs as the Command register and the BAR registers say, recording
 * each change (as QEMU's pci_update_mappings does). */
static void update_mappings(struct vmm *v)
{
    int mem = (le_bytes(v->scfg + PCI_COMMAND, 2) & PCI_COMMAND_MEMORY) != 0;
    for (unsigned i = 0; i < 6; i++) {
        uint64_t addr = 0, size = 0;
        uint8_t flags = 0;
        int known = bar_info(v, i, &addr, &size, &flags);
        int is64 = known && (flags & NVT_TAP_BAR_64BIT);
        int decode = known && mem && addr && !v->probing[i] && !(is64 && v->probing[i + 1]);
        if (v->mapped[i] && (!decode || addr != v->map_addr[i])) {
            nvt_tap_bar_unmap(v->tdev, (uint8_t)i, v->map_flags[i], v->map_addr[i],
                              v->map_size[i]);
            v->mapped[i] = 0;
        }
        if (decode && !v->mapped[i]) {
            nvt_tap_bar_map(v->tdev, (uint8_t)i, flags, addr, size);
            v->mapped[i] = 1;
            v->map_addr[i] = addr;
            v->map_size[i] = size;
            v->map_flags[i] = flags;
        }
        i += is64;
    }
}

static uint32_t vmm_cfg_read(struct vmm *v, uint16_t off, uint8_t size)
{
    uint32_t val = v->ops->cfg_read(v->dev, off, size);
    nvt_tap_cfg_read(v->tdev, off, size, val);
    unsigned bar = (off - PCI_BASE_ADDRESS_0) / 4u;
    if (off >= PCI_BASE_ADDRESS_0 && off < PCI_BASE_ADDRESS_0 + 24 && off % 4 == 0 && size == 4 &&
        v->probing[bar])
        v->probe[bar] = val;
    else
        shadow_cfg(v, off, size, val);
    vmm_run(v);
    return val;
}

static void vmm_cfg_write(struct vmm *v, uint16_t off, uint8_t size, uint32_t val)
{
    nvt_tap_cfg_write(v->tdev, off, size, val);
    uint16_t m = find_msix(v), flags = 0;
    int msix = m && off <= m + 3 && off + size > m + 3 && v->sknown[m + PCI_MSIX_FLAGS];
    if (msix) {
        /* Enable and Function Mask are bits 15:14 of Message Control, in byte m + 3. */
        uint8_t hi = (uint8_t)(val >> 8 * (m + 3 - off));
        flags = (uint16_t)le_bytes(v->scfg + m + PCI_MSIX_FLAGS, 2);
        flags = (uint16_t)((flags & 0x3fff) | (hi & 0xc0) << 8);
        nvt_tap_msix_ctrl(v->tdev, (flags & PCI_MSIX_FLAGS_ENABLE) != 0,
                          (flags & PCI_MSIX_FLAGS_MASKALL) != 0,
                          (uint16_t)((flags & PCI_MSIX_FLAGS_QSIZE) + 1), flags);
    }
    v->ops->cfg_write(v->dev, off, size, val);
    for (unsigned i = 0; i < 6; i++) {
        unsigned r = PCI_BASE_ADDRESS_0 + 4 * i;
        if (off <= r && off + size > r)
            v->probing[i] = size == 4 && off == r && val == 0xffffffffu;
    }
    shadow_cfg(v, off, size, val);
    if (msix) /* only the two bits are writable */
        shadow_cfg(v, m + PCI_MSIX_FLAGS, 2, flags);
    if (off < PCI_BASE_ADDRESS_0 + 24 && off + size > PCI_COMMAND)
        update_mappings(v);
    vmm_run(v);
}

static uint64_t bar_gpa(const struct vmm *v, uint8_t bar, uint32_t off)
{
    return bar < 6 && v->mapped[bar] ? v->map_addr[bar] + off : 0;
}

/* The MSI-X table and PBA accesses inside a BAR access, one record per dword. */
static void record_msix(struct vmm *v, uint8_t bar, uint32_t off, uint8_t size, uint64_t val,
                        int is_write)
{
    for (int which = 0; which < 2; which++) {
        uint8_t b;
        uint32_t base, len;
        if (!msix_where(v, which, &b, &base, &len) || b != bar)
            continue;
        for (uint32_t o = off & ~3u; o < off + size; o += 4) {
            if (o < base || o >= base + len)
                continue;
            uint32_t rel = o - base, dw = (uint32_t)(val >> (o > off ? 8 * (o - off) : 0));
            if (which)
                nvt_tap_msix_access(v->tdev, (uint16_t)(rel / 8),
                                    rel % 8 ? NVT_TAP_MSIX_PBA_HI : NVT_TAP_MSIX_PBA_LO,
                                    is_write, dw);
            else
                nvt_tap_msix_access(v->tdev, (uint16_t)(rel / PCI_MSIX_ENTRY_SIZE),
                                    (uint8_t)(rel % PCI_MSIX_ENTRY_SIZE / 4), is_write, dw);
        }
    }
}

static int in_msix(struct vmm *v, uint8_t bar, uint32_t off)
{
    for (int which = 0; which < 2; which++) {
        uint8_t b;
        uint32_t base, len;
        if (msix_where(v, which, &b, &base, &len) && b == bar && off >= base && off < base + len)
            return 1;
    }
    return 0;
}

static uint64_t vmm_mmio_read(struct vmm *v, uint8_t bar, uint32_t off, uint8_t size)
{
    uint64_t val = v->ops->mmio_read(v->dev, bar, off, size);
    nvt_tap_mmio_read(v->tdev, bar, off, size, val, bar_gpa(v, bar, off));
    record_msix(v, bar, off, size, val, 0);
    if (bar == 0 && off == NVME_REG_CAP && size == 8)
        v->dstrd = NVME_CAP_STRIDE(val);
    else if (bar == 0 && off == NVME_REG_CAP + 4 && size == 4)
        v->dstrd = (uint32_t)val & 0xf;
    vmm_run(v);
    return val;
}

static void vmm_mmio_write(struct vmm *v, uint8_t bar, uint32_t off, uint8_t size, uint64_t val)
{
    nvt_tap_mmio_write(v->tdev, bar, off, size, val, bar_gpa(v, bar, off));
    uint32_t stride = 4u << v->dstrd;
    if (bar == 0 && off >= NVME_REG_DBS && size == 4 && (off - NVME_REG_DBS) % stride == 0 &&
        !in_msix(v, bar, off)) {
        uint32_t idx = (off - NVME_REG_DBS) / stride;
        if (idx / 2 <= 0xffff)
            nvt_tap_doorbell(v->tdev, (uint16_t)(idx / 2), (int)(idx & 1), (uint32_t)val);
    }
    record_msix(v, bar, off, size, val, 1);
    v->ops->mmio_write(v->dev, bar, off, size, val);
    vmm_run(v);
}

/* ======================================================================================== */
/* the guest driver */

struct gcmd {
    uint8_t busy, aer;
    uint8_t opc;
    uint16_t expect;           /* status expected: SC | SCT << 8 */
    const char *what;
    uint32_t dw0;
    /* a Read or Write to check */
    uint64_t slba;
    uint32_t nlb, off, npages, nlist;
    uint32_t page[MAX_IO_BLOCKS * TN_LBA_SIZE / TN_PAGE + 1];
    uint32_t list[2];
};

struct gqueue {
    int live;
    uint16_t qid, sq_size, cq_size, vector;
    uint64_t sq_gpa, cq_gpa;
    uint16_t sq_tail, sq_head, cq_head;
    uint8_t phase;
    uint16_t next_cid;
    uint32_t outstanding;      /* AERs apart */
    struct gcmd cmd[CID_SLOTS];
};

struct opts {
    const char *lib, *out, *args;
    uint64_t ios, seed;
    unsigned queues;
    int intx;
};

struct drv {
    struct vmm *v;
    const struct opts *o;
    uint16_t nvec;             /* MSI-X vectors in use (0: INTx) */
    uint64_t irq_mark[MAX_VECTORS];
    int irq_check;             /* check each completion's interrupt */
    uint32_t cc;
    struct gqueue q[GUEST_NQ];
    uint64_t blocks;
    uint8_t *shadow;           /* what the namespace holds */
    uint8_t page_busy[POOL_PAGES];
    uint64_t rng;
    uint64_t commands, completions, ios, reads, writes;
};

/* ---- helpers ---- */

static uint64_t rnd64(struct drv *g)
{
    /* xorshift64* */
    g->rng ^= g->rng >> 12;
    g->rng ^= g->rng << 25;
    g->rng ^= g->rng >> 27;
    return g->rng * 0x2545f4914f6cdd1dull;
}
static uint32_t rnd(struct drv *g, uint32_t n) { return (uint32_t)(rnd64(g) >> 32) % n; }

static uint8_t *gmem(struct drv *g, uint64_t gpa) { return g->v->ram + gpa; }
static uint64_t pool_gpa(uint32_t page) { return GPA_POOL + (uint64_t)page * TN_PAGE; }

static uint32_t cfg_r(struct drv *g, uint16_t off, uint8_t size)
{
    return vmm_cfg_read(g->v, off, size);
}
static void cfg_w(struct drv *g, uint16_t off, uint8_t size, uint32_t val)
{
    vmm_cfg_write(g->v, off, size, val);
}
static uint32_t reg_r(struct drv *g, uint32_t off)
{
    return (uint32_t)vmm_mmio_read(g->v, 0, off, 4);
}
static void reg_w(struct drv *g, uint32_t off, uint32_t val)
{
    vmm_mmio_write(g->v, 0, off, 4, val);
}
/* lo_hi_writeq, as Linux writes ASQ and ACQ */
static void reg_w64(struct drv *g, uint32_t off, uint64_t val)
{
    reg_w(g, off, (uint32_t)val);
    reg_w(g, off + 4, (uint32_t)(val >> 32));
}
static uint32_t db_off(struct drv *g, uint16_t qid, int is_cq)
{
    return NVME_REG_DBS + (2u * qid + (unsigned)is_cq) * (4u << g->v->dstrd);
}

static uint32_t page_alloc(struct drv *g)
{
    for (;;) {
        uint32_t p = rnd(g, POOL_PAGES);
        if (!g->page_busy[p]) {
            g->page_busy[p] = 1;
            return p;
        }
    }
}

static void sqe_init(uint8_t *s, uint8_t opc, uint32_t nsid)
{
    memset(s, 0, NVME_SQE_SIZE);
    s[SQE_OPC] = opc;
    tn_put32(s + SQE_NSID, nsid);
}

/* ---- submission and completion ---- */

static struct gcmd *submit(struct drv *g, struct gqueue *q, uint8_t *sqe, uint16_t expect,
                           const char *what)
{
    if ((q->sq_tail + 1u) % q->sq_size == q->sq_head)
        die("SQ %u is full", q->qid);
    uint16_t cid = q->next_cid;
    while (q->cmd[cid].busy)
        cid = (uint16_t)((cid + 1) % CID_SLOTS);
    q->next_cid = (uint16_t)((cid + 1) % CID_SLOTS);
    struct gcmd *c = &q->cmd[cid];
    *c = (struct gcmd){.busy = 1, .opc = sqe[SQE_OPC], .expect = expect, .what = what};
    tn_put16(sqe + SQE_CID, cid);
    memcpy(gmem(g, q->sq_gpa + (uint64_t)q->sq_tail * NVME_SQE_SIZE), sqe, NVME_SQE_SIZE);
    q->sq_tail = (uint16_t)((q->sq_tail + 1u) % q->sq_size);
    q->outstanding++;
    g->commands++;
    return c;
}

static void ring_sq(struct drv *g, struct gqueue *q) { reg_w(g, db_off(g, q->qid, 0), q->sq_tail); }

static const uint8_t *cqe_at(struct drv *g, const struct gqueue *q, uint16_t slot)
{
    return gmem(g, q->cq_gpa + (uint64_t)slot * NVME_CQE_SIZE);
}

/* New entries in q's CQ, without consuming them. */
static unsigned cq_ready(struct drv *g, const struct gqueue *q)
{
    unsigned n = 0;
    uint16_t slot = q->cq_head;
    uint8_t phase = q->phase;
    while (n < q->cq_size && (tn_get16(cqe_at(g, q, slot) + CQE_STATUS) & 1) == phase) {
        n++;
        if (++slot == q->cq_size) {
            slot = 0;
            phase ^= 1;
        }
    }
    return n;
}

/* The command's data pages: a Read must have brought what the namespace holds, a Write puts
 * its data in the driver's copy. */
static void io_done(struct drv *g, struct gcmd *c)
{
    if (c->expect == NVME_SC_SUCCESS && (c->opc == nvme_cmd_read || c->opc == nvme_cmd_write)) {
        uint8_t *ns = g->shadow + c->slba * TN_LBA_SIZE;
        uint32_t len = c->nlb * TN_LBA_SIZE, done = 0;
        for (uint32_t i = 0; i < c->npages; i++) {
            uint32_t start = i ? 0 : c->off, n = TN_PAGE - start;
            n = n < len - done ? n : len - done;
            uint8_t *buf = gmem(g, pool_gpa(c->page[i]) + start);
            if (c->opc == nvme_cmd_write)
                memcpy(ns + done, buf, n);
            else if (memcmp(ns + done, buf, n) != 0)
                die("Read of LBA %" PRIu64 " +%u: data differs from what was written (byte %u)",
                    c->slba, c->nlb, done);
            done += n;
        }
    }
    if (c->expect == NVME_SC_SUCCESS && c->opc == nvme_cmd_write_zeroes)
        memset(g->shadow + c->slba * TN_LBA_SIZE, 0, (size_t)c->nlb * TN_LBA_SIZE);
    for (uint32_t i = 0; i < c->npages; i++)
        g->page_busy[c->page[i]] = 0;
    for (uint32_t i = 0; i < c->nlist; i++)
        g->page_busy[c->list[i]] = 0;
}

/* Consumes q's new CQEs, checking each against its command, and rings the CQ head doorbell. */
static unsigned reap(struct drv *g, struct gqueue *q)
{
    unsigned n = 0;
    for (;;) {
        const uint8_t *cqe = cqe_at(g, q, q->cq_head);
        uint16_t st = tn_get16(cqe + CQE_STATUS), cid = tn_get16(cqe + CQE_CID);
        if ((st & 1) != q->phase)
            break;
        if (tn_get16(cqe + CQE_SQID) != q->qid)
            die("CQE on CQ %u names SQ %u", q->qid, tn_get16(cqe + CQE_SQID));
        if (cid >= CID_SLOTS || !q->cmd[cid].busy || q->cmd[cid].aer)
            die("CQE on CQ %u for CID %u, which is not outstanding", q->qid, cid);
        struct gcmd *c = &q->cmd[cid];
        uint16_t status = (st >> 1) & NVME_SC_MASK;
        if (status != c->expect)
            die("%s (SQ %u CID %u): status 0x%03x, expected 0x%03x", c->what, q->qid, cid,
                status, c->expect);
        c->dw0 = tn_get32(cqe + CQE_DW0);
        q->sq_head = tn_get16(cqe + CQE_SQHD);
        if (q->qid)
            io_done(g, c);
        c->busy = 0;
        q->outstanding--;
        g->completions++;
        if (++q->cq_head == q->cq_size) {
            q->cq_head = 0;
            q->phase ^= 1;
        }
        n++;
    }
    if (n)
        reg_w(g, db_off(g, q->qid, 1), q->cq_head);
    return n;
}

/* The message the guest programs for a vector: x86 local APIC (two CPUs), fixed delivery. */
static void msix_message(uint16_t vec, uint32_t *addr, uint32_t *data)
{
    *addr = 0xfee00000u | (vec % 2u) << 12;
    *data = 0x21u + vec;
}

/*
 * One pass over every CQ. Before consuming anything it checks that the completions it finds
 * were signalled: a new MSI-X message on the CQ's vector since the last pass, or the INTx line
 * up; after, that INTx is down once nothing is left to consume. Returns the entries consumed.
 */
static unsigned poll_all(struct drv *g)
{
    struct vmm *v = g->v;
    int any = 0;
    uint8_t need[GUEST_NQ] = {0};
    for (unsigned i = 0; i < GUEST_NQ; i++)
        if (g->q[i].live && cq_ready(g, &g->q[i]))
            any = need[i] = 1;
    if (g->irq_check && any) {
        for (unsigned i = 0; i < GUEST_NQ && g->nvec; i++) {
            uint16_t vec = g->q[i].vector;
            uint32_t addr, data;
            msix_message(vec, &addr, &data);
            if (need[i] && v->msix_count[vec] == g->irq_mark[vec])
                die("completions on CQ %u but no MSI-X message on vector %u", i, vec);
            if (need[i] && (v->msix_addr[vec] != addr || v->msix_data[vec] != data))
                die("MSI-X vector %u: message addr 0x%" PRIx64 " data 0x%x, programmed 0x%x 0x%x",
                    vec, v->msix_addr[vec], v->msix_data[vec], addr, data);
        }
        if (!g->nvec && !v->intx_level)
            die("completions waiting but INTx is not asserted");
    }
    for (unsigned vec = 0; vec < g->nvec; vec++)
        g->irq_mark[vec] = v->msix_count[vec];
    unsigned n = 0;
    for (unsigned i = 0; i < GUEST_NQ; i++)
        if (need[i])
            n += reap(g, &g->q[i]);
    if (g->irq_check && !g->nvec && v->intx_level) {
        int left = 0;
        for (unsigned i = 0; i < GUEST_NQ; i++)
            left |= g->q[i].live && cq_ready(g, &g->q[i]);
        if (!left)
            die("INTx still asserted with every completion consumed");
    }
    return n;
}

static uint32_t outstanding(const struct drv *g)
{
    uint32_t n = 0;
    for (unsigned i = 0; i < GUEST_NQ; i++)
        n += g->q[i].outstanding;
    return n;
}

/* Waits for every outstanding command. Like Linux's timeout handler, when nothing came it
 * reads CSTS (a host action, so the model runs) and gives up after a while. */
static void wait_idle(struct drv *g, const char *what)
{
    unsigned idle = 0;
    while (outstanding(g)) {
        if (poll_all(g)) {
            idle = 0;
            continue;
        }
        if (++idle > 100)
            die("%s: %u commands never completed", what, outstanding(g));
        if (reg_r(g, NVME_REG_CSTS) & NVME_CSTS_CFS)
            die("%s: controller fatal status (CSTS.CFS)", what);
    }
}

/* An admin command, waited for. Returns its DW0. */
static uint32_t admin(struct drv *g, uint8_t *sqe, uint16_t expect, const char *what)
{
    struct gcmd *c = submit(g, &g->q[0], sqe, expect, what);
    ring_sq(g, &g->q[0]);
    wait_idle(g, what);
    return c->dw0;
}

/* ======================================================================================== */
/* boot */

static void pci_probe(struct drv *g)
{
    uint32_t id = cfg_r(g, PCI_VENDOR_ID, 4);
    if (id != (TN_DEVICE_ID << 16 | TN_VENDOR_ID))
        die("PCI id %04x:%04x, expected %04x:%04x", id & 0xffff, id >> 16, TN_VENDOR_ID,
            TN_DEVICE_ID);
    uint32_t class = cfg_r(g, PCI_CLASS_REVISION, 4);
    if (class >> 8 != TN_CLASS_CODE || cfg_r(g, PCI_HEADER_TYPE, 1) != 0)
        die("class %06x, header type not 0: not an NVMe endpoint", class >> 8);
    cfg_r(g, PCI_SUBSYSTEM_VENDOR_ID, 4);

    /* BAR sizing with decoding off (Linux __pci_read_base): save, all ones, read, restore */
    uint16_t cmd = (uint16_t)cfg_r(g, PCI_COMMAND, 2);
    uint32_t size_lo[6] = {0}, size_hi = 0;
    for (unsigned i = 0; i < 6; i++) {
        uint16_t r = (uint16_t)(PCI_BASE_ADDRESS_0 + 4 * i);
        uint32_t orig = cfg_r(g, r, 4);
        cfg_w(g, r, 4, 0xffffffffu);
        size_lo[i] = cfg_r(g, r, 4);
        cfg_w(g, r, 4, orig);
        if (i < 5 && !(size_lo[i] & PCI_BASE_ADDRESS_SPACE_IO) &&
            (size_lo[i] & 6) == PCI_BASE_ADDRESS_MEM_TYPE_64) {
            orig = cfg_r(g, r + 4, 4);
            cfg_w(g, r + 4, 4, 0xffffffffu);
            uint32_t hi = cfg_r(g, r + 4, 4);
            cfg_w(g, r + 4, 4, orig);
            if (i == 0)
                size_hi = hi;
            i++;
        }
    }
    uint32_t rom = cfg_r(g, PCI_ROM_ADDRESS, 4);
    cfg_w(g, PCI_ROM_ADDRESS, 4, 0xfffffffeu);
    cfg_r(g, PCI_ROM_ADDRESS, 4);
    cfg_w(g, PCI_ROM_ADDRESS, 4, rom);
    uint64_t bar0 = ~((uint64_t)size_hi << 32 | (size_lo[0] & ~0xfu)) + 1;
    if ((size_lo[0] & 7) != PCI_BASE_ADDRESS_MEM_TYPE_64 || bar0 != TN_BAR0_SIZE)
        die("BAR0 read back 0x%08x 0x%08x after all ones: not a 64-bit 16 KiB memory BAR",
            size_lo[0], size_hi);

    if (cfg_r(g, PCI_INTERRUPT_PIN, 1) != 1)
        die("interrupt pin is not INTA");
    cfg_w(g, PCI_INTERRUPT_LINE, 1, 11);
    cfg_w(g, PCI_BASE_ADDRESS_0, 4, (uint32_t)BAR0_GPA);
    cfg_w(g, PCI_BASE_ADDRESS_0 + 4, 4, (uint32_t)(BAR0_GPA >> 32));

    /* capabilities */
    if (!(cfg_r(g, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
        die("no capability list");
    uint16_t exp = 0, msix = 0;
    uint8_t p = (uint8_t)(cfg_r(g, PCI_CAPABILITY_LIST, 1) & ~3u);
    for (int n = 0; p && n < 48; n++) {
        uint8_t cap = (uint8_t)cfg_r(g, p, 1);
        if (cap == PCI_CAP_ID_EXP)
            exp = p;
        if (cap == PCI_CAP_ID_MSIX)
            msix = p;
        p = (uint8_t)(cfg_r(g, p + 1, 1) & ~3u);
    }
    if (!exp || !msix)
        die("capabilities: PCI Express at 0x%02x, MSI-X at 0x%02x", exp, msix);
    if ((cfg_r(g, exp + 2, 2) & 0xf0) != 0)
        die("PCI Express capability: not an endpoint");
    uint16_t devctl = (uint16_t)cfg_r(g, exp + 8, 2);
    cfg_w(g, exp + 8, 2, devctl); /* pcie_set_mps/readrq: what it holds */
    uint16_t flags = (uint16_t)cfg_r(g, msix + PCI_MSIX_FLAGS, 2);
    uint32_t table = cfg_r(g, msix + PCI_MSIX_TABLE, 4), pba = cfg_r(g, msix + PCI_MSIX_PBA, 4);
    if ((flags & PCI_MSIX_FLAGS_QSIZE) + 1u != TN_MSIX_VECTORS || table != TN_MSIX_TABLE ||
        pba != TN_MSIX_PBA)
        die("MSI-X: %u vectors, table 0x%x, PBA 0x%x", (flags & PCI_MSIX_FLAGS_QSIZE) + 1u,
            table, pba);

    /* pci_enable_device, pci_set_master */
    cmd = (uint16_t)cfg_r(g, PCI_COMMAND, 2);
    cfg_w(g, PCI_COMMAND, 2, cmd | PCI_COMMAND_MEMORY);
    cmd = (uint16_t)cfg_r(g, PCI_COMMAND, 2);
    cfg_w(g, PCI_COMMAND, 2, cmd | PCI_COMMAND_MASTER);
    if (!g->v->mapped[0] || g->v->map_addr[0] != BAR0_GPA)
        die("BAR0 not mapped at 0x%" PRIx64 " after enabling memory decoding", BAR0_GPA);
}

static uint16_t queue_vector(const struct drv *g, uint16_t qid)
{
    return g->nvec > 1 && qid ? (uint16_t)(1 + (qid - 1u) % (g->nvec - 1u)) : 0;
}

static uint32_t msix_entry(uint16_t vec, uint32_t field)
{
    return TN_MSIX_TABLE + vec * PCI_MSIX_ENTRY_SIZE + field;
}

/* Linux's msix_capability_init: enable with all masked, mask every entry, write the messages,
 * unmask them (reading back to flush), lift the function mask, disable INTx. */
static void msix_setup(struct drv *g, uint16_t nvec)
{
    uint16_t m = TN_CAP_MSIX;
    uint16_t flags = (uint16_t)cfg_r(g, m + PCI_MSIX_FLAGS, 2);
    cfg_w(g, m + PCI_MSIX_FLAGS, 2, flags | PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    for (uint16_t vec = 0; vec < TN_MSIX_VECTORS; vec++)
        reg_w(g, msix_entry(vec, PCI_MSIX_ENTRY_VECTOR_CTRL), PCI_MSIX_ENTRY_CTRL_MASKBIT);
    for (uint16_t vec = 0; vec < nvec; vec++) {
        uint32_t addr, data;
        msix_message(vec, &addr, &data);
        reg_w(g, msix_entry(vec, 0), addr);
        reg_w(g, msix_entry(vec, 4), 0);
        reg_w(g, msix_entry(vec, 8), data);
        reg_w(g, msix_entry(vec, PCI_MSIX_ENTRY_VECTOR_CTRL), 0);
        reg_r(g, msix_entry(vec, PCI_MSIX_ENTRY_VECTOR_CTRL));
    }
    flags = (uint16_t)cfg_r(g, m + PCI_MSIX_FLAGS, 2);
    cfg_w(g, m + PCI_MSIX_FLAGS, 2, (flags | PCI_MSIX_FLAGS_ENABLE) & ~PCI_MSIX_FLAGS_MASKALL);
    uint16_t cmd = (uint16_t)cfg_r(g, PCI_COMMAND, 2);
    cfg_w(g, PCI_COMMAND, 2, cmd | PCI_COMMAND_INTX_DISABLE);
    g->nvec = nvec;
}

static uint32_t wait_csts(struct drv *g, uint32_t mask, uint32_t want, const char *what)
{
    for (int i = 0; i < 100; i++) {
        uint32_t csts = reg_r(g, NVME_REG_CSTS);
        if ((csts & mask) == want)
            return csts;
        if (csts & NVME_CSTS_CFS)
            die("%s: controller fatal status (CSTS 0x%08x)", what, csts);
    }
    die("%s: CSTS never showed it", what);
}

static void queue_init(struct drv *g, uint16_t qid, uint16_t sq_size, uint16_t cq_size)
{
    struct gqueue *q = &g->q[qid];
    *q = (struct gqueue){.live = 1, .qid = qid, .sq_size = sq_size, .cq_size = cq_size,
                         .vector = queue_vector(g, qid), .phase = 1,
                         .sq_gpa = qid ? GPA_IOSQ(qid) : GPA_ASQ,
                         .cq_gpa = qid ? GPA_IOCQ(qid) : GPA_ACQ};
    memset(gmem(g, q->sq_gpa), 0, TN_PAGE);
    memset(gmem(g, q->cq_gpa), 0, TN_PAGE);
}

/* nvme_pci_configure_admin_queue and nvme_enable_ctrl, after a deliberate failed enable. */
static void ctrl_init(struct drv *g)
{
    uint64_t cap = reg_r(g, NVME_REG_CAP) | (uint64_t)reg_r(g, NVME_REG_CAP + 4) << 32;
    if (NVME_CAP_MQES(cap) + 1 < IO_DEPTH || !(cap & NVME_CAP_CSS_NVM) || (cap >> 48 & 0xf) != 0)
        die("CAP 0x%016" PRIx64 ": want MQES >= %u, the NVM command set, 4 KiB pages", cap,
            IO_DEPTH - 1);
    uint32_t vs = reg_r(g, NVME_REG_VS);
    if (vs < NVME_VS(1u, 4u, 0u))
        die("VS 0x%08x: not NVMe 1.4", vs);
    reg_r(g, NVME_REG_CSTS);
    uint32_t cc = reg_r(g, NVME_REG_CC);
    reg_w(g, NVME_REG_CC, cc & ~NVME_CC_ENABLE);
    wait_csts(g, NVME_CSTS_RDY, 0, "disable");

    g->cc = NVME_CC_ENABLE | 6u << NVME_CC_IOSQES_SHIFT | 4u << NVME_CC_IOCQES_SHIFT;
    /* An enable without admin queues must fail (CSTS.CFS); the reset clears it. */
    reg_w(g, NVME_REG_CC, g->cc);
    uint32_t csts = reg_r(g, NVME_REG_CSTS);
    if ((csts & (NVME_CSTS_CFS | NVME_CSTS_RDY)) != NVME_CSTS_CFS)
        die("enable with AQA 0: CSTS 0x%08x, expected CFS and not RDY", csts);
    reg_w(g, NVME_REG_CC, 0);
    csts = reg_r(g, NVME_REG_CSTS);
    if (csts != 0)
        die("disable after a failed enable: CSTS 0x%08x, expected 0", csts);

    queue_init(g, 0, ADMIN_DEPTH, ADMIN_DEPTH);
    reg_w(g, NVME_REG_AQA, (ADMIN_DEPTH - 1) << 16 | (ADMIN_DEPTH - 1));
    reg_w64(g, NVME_REG_ASQ, GPA_ASQ);
    reg_w64(g, NVME_REG_ACQ, GPA_ACQ);
    reg_w(g, NVME_REG_CC, g->cc);
    wait_csts(g, NVME_CSTS_RDY, NVME_CSTS_RDY, "enable");
}

static void identify(struct drv *g, uint8_t cns, uint32_t nsid, const char *what)
{
    uint8_t s[NVME_SQE_SIZE];
    sqe_init(s, nvme_admin_identify, nsid);
    tn_put64(s + SQE_PRP1, GPA_ID);
    tn_put32(s + SQE_CDW(10), cns);
    memset(gmem(g, GPA_ID), 0xa5, TN_PAGE);
    admin(g, s, NVME_SC_SUCCESS, what);
}

static uint32_t features(struct drv *g, uint8_t opc, uint8_t fid, uint32_t cdw11, uint16_t expect,
                         const char *what)
{
    uint8_t s[NVME_SQE_SIZE];
    sqe_init(s, opc, 0);
    tn_put32(s + SQE_CDW(10), fid);
    tn_put32(s + SQE_CDW(11), cdw11);
    return admin(g, s, expect, what);
}

static void ctrl_identify(struct drv *g)
{
    const uint8_t *id = gmem(g, GPA_ID);
    identify(g, NVME_ID_CNS_CTRL, 0, "Identify Controller");
    if (tn_get16(id) != TN_VENDOR_ID || id[512] != 0x66 || id[513] != 0x44 ||
        tn_get32(id + 516) != 1 || id[77] == 0)
        die("Identify Controller: VID %04x SQES %02x CQES %02x NN %u MDTS %u", tn_get16(id),
            id[512], id[513], tn_get32(id + 516), id[77]);
    identify(g, NVME_ID_CNS_NS_ACTIVE_LIST, 0, "Identify Active Namespace ID list");
    if (tn_get32(id) != 1 || tn_get32(id + 4) != 0)
        die("active namespaces: %u, %u..., expected 1 alone", tn_get32(id), tn_get32(id + 4));
    identify(g, NVME_ID_CNS_NS, 1, "Identify Namespace 1");
    g->blocks = tn_get64(id);
    if (!g->blocks || tn_get64(id + 8) != g->blocks || id[26] != 0 ||
        (tn_get32(id + 128) >> 16 & 0xff) != 9)
        die("Identify Namespace: NSZE %" PRIu64 ", LBA format 0 not 512 bytes", g->blocks);
    g->shadow = calloc(g->blocks, TN_LBA_SIZE);
    if (!g->shadow)
        die("out of memory for a copy of %" PRIu64 " blocks", g->blocks);
}

static void create_pair(struct drv *g, uint16_t qid, uint16_t sq_size, uint16_t cq_size)
{
    queue_init(g, qid, sq_size, cq_size);
    struct gqueue *q = &g->q[qid];
    uint8_t s[NVME_SQE_SIZE];
    sqe_init(s, nvme_admin_create_cq, 0);
    tn_put64(s + SQE_PRP1, q->cq_gpa);
    tn_put32(s + SQE_CDW(10), (uint32_t)(cq_size - 1u) << 16 | qid);
    tn_put32(s + SQE_CDW(11),
             (uint32_t)q->vector << 16 | NVME_CQ_IRQ_ENABLED | NVME_QUEUE_PHYS_CONTIG);
    admin(g, s, NVME_SC_SUCCESS, "Create I/O Completion Queue");
    sqe_init(s, nvme_admin_create_sq, 0);
    tn_put64(s + SQE_PRP1, q->sq_gpa);
    tn_put32(s + SQE_CDW(10), (uint32_t)(sq_size - 1u) << 16 | qid);
    tn_put32(s + SQE_CDW(11), (uint32_t)qid << 16 | NVME_QUEUE_PHYS_CONTIG);
    admin(g, s, NVME_SC_SUCCESS, "Create I/O Submission Queue");
}

static void delete_queue(struct drv *g, uint8_t opc, uint16_t qid, uint16_t expect,
                         const char *what)
{
    uint8_t s[NVME_SQE_SIZE];
    sqe_init(s, opc, 0);
    tn_put32(s + SQE_CDW(10), qid);
    admin(g, s, expect, what);
}

static void delete_pair(struct drv *g, uint16_t qid)
{
    delete_queue(g, nvme_admin_delete_sq, qid, NVME_SC_SUCCESS, "Delete I/O Submission Queue");
    delete_queue(g, nvme_admin_delete_cq, qid, NVME_SC_SUCCESS, "Delete I/O Completion Queue");
    g->q[qid].live = 0;
}

static void boot(struct drv *g)
{
    pci_probe(g);
    if (!g->o->intx)
        msix_setup(g, (uint16_t)(g->o->queues + 1 < TN_MSIX_VECTORS ? g->o->queues + 1
                                                                    : TN_MSIX_VECTORS));
    ctrl_init(g);
    ctrl_identify(g);

    /* Number of Queues: the pairs asked for and one more for the small-queue tests */
    uint32_t want = g->o->queues; /* 0-based: queues + 1 */
    uint32_t got = features(g, nvme_admin_set_features, NVME_FEAT_NUM_QUEUES, want << 16 | want,
                            NVME_SC_SUCCESS, "Set Features (Number of Queues)");
    if ((got & 0xffff) < want || got >> 16 < want)
        die("Number of Queues: asked %u, got %u SQs and %u CQs", want + 1, (got & 0xffff) + 1,
            (got >> 16) + 1);
    features(g, nvme_admin_set_features, NVME_FEAT_IRQ_COALESCE, 0x0a04, NVME_SC_SUCCESS,
             "Set Features (Interrupt Coalescing)");
    if (features(g, nvme_admin_get_features, NVME_FEAT_IRQ_COALESCE, 0, NVME_SC_SUCCESS,
                 "Get Features (Interrupt Coalescing)") != 0x0a04)
        die("Interrupt Coalescing not kept");
    features(g, nvme_admin_get_features, NVME_FEAT_VOLATILE_WC, 0, NVME_SC_SUCCESS,
             "Get Features (Volatile Write Cache)");
    features(g, nvme_admin_set_features, NVME_FEAT_VOLATILE_WC, 1, NVME_SC_SUCCESS,
             "Set Features (Volatile Write Cache)");

    /* an Asynchronous Event Request, left outstanding as Linux leaves it */
    uint8_t s[NVME_SQE_SIZE];
    sqe_init(s, nvme_admin_async_event, 0);
    struct gcmd *c = submit(g, &g->q[0], s, NVME_SC_SUCCESS, "Asynchronous Event Request");
    c->aer = 1;
    g->q[0].outstanding--;
    ring_sq(g, &g->q[0]);

    for (uint16_t qid = 1; qid <= g->o->queues; qid++)
        create_pair(g, qid, IO_DEPTH, IO_DEPTH);
}

/* ======================================================================================== */
/* I/O */

/* Queues a Read, Write, Write Zeroes or Flush on q (not rung). Data buffers are pages picked
 * at random from the pool, a quarter of them starting at a dword offset; PRP lists sometimes
 * start near the end of a page so that they chain. */
static struct gcmd *io_queue(struct drv *g, struct gqueue *q, uint8_t opc, uint32_t nsid,
                             uint64_t slba, uint32_t nlb, uint16_t expect)
{
    static const char *names[] = {[nvme_cmd_flush] = "Flush", [nvme_cmd_write] = "Write",
                                  [nvme_cmd_read] = "Read", [nvme_cmd_compare] = "Compare",
                                  [nvme_cmd_write_zeroes] = "Write Zeroes"};
    uint8_t s[NVME_SQE_SIZE];
    sqe_init(s, opc, nsid);
    struct gcmd io = {.slba = slba, .nlb = nlb};
    if (opc != nvme_cmd_flush) {
        tn_put64(s + SQE_CDW(10), slba);
        tn_put32(s + SQE_CDW(12), nlb - 1);
    }
    if (opc == nvme_cmd_read || opc == nvme_cmd_write) {
        uint32_t len = nlb * TN_LBA_SIZE;
        io.off = rnd(g, 4) == 0 ? rnd(g, TN_PAGE / 4) * 4 : 0;
        io.npages = (io.off + len + TN_PAGE - 1) / TN_PAGE;
        for (uint32_t i = 0; i < io.npages; i++) {
            io.page[i] = page_alloc(g);
            uint64_t *w = (uint64_t *)gmem(g, pool_gpa(io.page[i]));
            for (uint32_t k = 0; k < TN_PAGE / 8; k++)
                w[k] = opc == nvme_cmd_write ? rnd64(g) : 0xa5a5a5a5a5a5a5a5ull;
        }
        tn_put64(s + SQE_PRP1, pool_gpa(io.page[0]) + io.off);
        if (io.npages == 2) {
            tn_put64(s + SQE_PRP2, pool_gpa(io.page[1]));
        } else if (io.npages > 2) {
            uint32_t nent = io.npages - 1, at;
            io.list[io.nlist++] = page_alloc(g);
            if (rnd(g, 4) == 0) {
                /* room for one entry: it points to a second list page */
                at = TN_PAGE - 8;
                io.list[io.nlist++] = page_alloc(g);
                tn_put64(gmem(g, pool_gpa(io.list[0]) + at), pool_gpa(io.list[1]));
                for (uint32_t i = 0; i < nent; i++)
                    tn_put64(gmem(g, pool_gpa(io.list[1]) + 8 * i), pool_gpa(io.page[i + 1]));
            } else {
                at = rnd(g, TN_PAGE / 8 - nent + 1) * 8;
                for (uint32_t i = 0; i < nent; i++)
                    tn_put64(gmem(g, pool_gpa(io.list[0]) + at + 8 * i),
                             pool_gpa(io.page[i + 1]));
            }
            tn_put64(s + SQE_PRP2, pool_gpa(io.list[0]) + at);
        }
    }
    struct gcmd *c = submit(g, q, s, expect, names[opc] ? names[opc] : "I/O command");
    c->slba = io.slba;
    c->nlb = io.nlb;
    c->off = io.off;
    c->npages = io.npages;
    c->nlist = io.nlist;
    memcpy(c->page, io.page, sizeof io.page);
    memcpy(c->list, io.list, sizeof io.list);
    return c;
}

struct range {
    uint64_t slba;
    uint32_t nlb;
};

static int overlaps(const struct range *r, unsigned n, uint64_t slba, uint32_t nlb)
{
    for (unsigned i = 0; i < n; i++)
        if (slba < r[i].slba + r[i].nlb && r[i].slba < slba + nlb)
            return 1;
    return 0;
}

/* Batches of 1..8 commands on random queues, LBA ranges not overlapping inside a batch (so the
 * driver's copy does not depend on the order the controller runs them). */
static void workload(struct drv *g)
{
    while (g->ios < g->o->ios) {
        uint64_t left = g->o->ios - g->ios;
        unsigned batch = 1 + rnd(g, 8), nr = 0;
        batch = batch < left ? batch : (unsigned)left;
        struct range r[8];
        uint8_t touched[GUEST_NQ] = {0};
        for (unsigned b = 0; b < batch; b++) {
            uint16_t qid = (uint16_t)(1 + rnd(g, g->o->queues));
            uint32_t pick = rnd(g, 100);
            uint8_t opc = pick < 40   ? nvme_cmd_write
                          : pick < 75 ? nvme_cmd_read
                          : pick < 85 ? nvme_cmd_flush
                                      : nvme_cmd_write_zeroes;
            uint32_t maxnlb = g->blocks < MAX_IO_BLOCKS ? (uint32_t)g->blocks : MAX_IO_BLOCKS;
            uint32_t nlb = 1 + rnd(g, maxnlb);
            uint64_t slba = 0;
            int found = opc == nvme_cmd_flush;
            for (int t = 0; t < 8 && !found; t++) {
                slba = rnd64(g) % (g->blocks - nlb + 1);
                found = !overlaps(r, nr, slba, nlb);
            }
            if (!found)
                opc = nvme_cmd_flush;
            if (opc != nvme_cmd_flush)
                r[nr++] = (struct range){slba, nlb};
            io_queue(g, &g->q[qid], opc, rnd(g, 8) == 0 && opc == nvme_cmd_flush ? 0xffffffffu : 1,
                     slba, nlb, NVME_SC_SUCCESS);
            g->reads += opc == nvme_cmd_read;
            g->writes += opc == nvme_cmd_write;
            touched[qid] = 1;
            g->ios++;
        }
        for (uint16_t qid = 1; qid < GUEST_NQ; qid++)
            if (touched[qid])
                ring_sq(g, &g->q[qid]);
        wait_idle(g, "I/O batch");
    }
}

/* ======================================================================================== */
/* error paths and edge cases, on purpose */

static void error_paths(struct drv *g)
{
    uint8_t s[NVME_SQE_SIZE];
    uint16_t spare = (uint16_t)(g->o->queues + 1);
    sqe_init(s, nvme_admin_format_nvm, 1);
    admin(g, s, NVME_SC_INVALID_OPCODE, "Format NVM (not supported)");

    sqe_init(s, nvme_admin_create_cq, 0);
    tn_put64(s + SQE_PRP1, GPA_IOCQ(spare));
    tn_put32(s + SQE_CDW(10), spare); /* QSIZE 0: a one-entry queue */
    tn_put32(s + SQE_CDW(11), NVME_CQ_IRQ_ENABLED | NVME_QUEUE_PHYS_CONTIG);
    admin(g, s, NVME_SC_QUEUE_SIZE, "Create I/O Completion Queue with QSIZE 0");

    features(g, nvme_admin_set_features, NVME_FEAT_NUM_QUEUES, 0, NVME_SC_CMD_SEQ_ERROR,
             "Set Features (Number of Queues) with I/O queues present");

    sqe_init(s, nvme_admin_get_log_page, 0);
    tn_put32(s + SQE_CDW(10), 0x7fu << 16 | 0x7f);
    tn_put64(s + SQE_PRP1, GPA_ID);
    admin(g, s, NVME_SC_INVALID_LOG_PAGE, "Get Log Page (log 0x7f)");

    sqe_init(s, nvme_admin_abort_cmd, 0);
    tn_put32(s + SQE_CDW(10), 0x1234u << 16 | 1);
    if ((admin(g, s, NVME_SC_SUCCESS, "Abort") & 1) != 1)
        die("Abort of a command not outstanding: DW0 bit 0 (not aborted) clear");

    struct gqueue *q = &g->q[1];
    io_queue(g, q, nvme_cmd_compare, 1, 0, 1, NVME_SC_INVALID_OPCODE);
    io_queue(g, q, nvme_cmd_read, 1, g->blocks, 1, NVME_SC_LBA_RANGE);
    io_queue(g, q, nvme_cmd_write, 1, g->blocks - 1, 2, NVME_SC_LBA_RANGE);
    io_queue(g, q, nvme_cmd_read, 2, 0, 1, NVME_SC_INVALID_NS);
    ring_sq(g, q);
    wait_idle(g, "I/O error paths");
}

/* Get Log Page: the Error Information log (empty) and SMART / Health, whose command counts
 * must be the reads and writes done so far. */
static void log_pages(struct drv *g)
{
    uint8_t s[NVME_SQE_SIZE];
    uint8_t *page = gmem(g, GPA_ID + 0x400);
    uint32_t size = (TN_ELPE + 1) * NVME_ERROR_LOG_ENTRY_SIZE;
    sqe_init(s, nvme_admin_get_log_page, 0);
    tn_put32(s + SQE_CDW(10), (size / 4 - 1) << 16 | NVME_LOG_ERROR);
    tn_put64(s + SQE_PRP1, GPA_ID + 0x400);
    memset(page, 0xa5, size);
    admin(g, s, NVME_SC_SUCCESS, "Get Log Page (Error Information)");
    for (uint32_t i = 0; i < size; i++)
        if (page[i])
            die("Error Information log: byte %u is 0x%02x, expected an empty log", i, page[i]);
    sqe_init(s, nvme_admin_get_log_page, 0);
    tn_put32(s + SQE_CDW(10), (NVME_SMART_LOG_SIZE / 4 - 1) << 16 | NVME_LOG_SMART);
    tn_put64(s + SQE_PRP1, GPA_ID + 0x400);
    admin(g, s, NVME_SC_SUCCESS, "Get Log Page (SMART / Health Information)");
    if (page[3] != 100 || tn_get64(page + 64) != g->reads || tn_get64(page + 80) != g->writes)
        die("SMART log: spare %u, host reads %" PRIu64 " writes %" PRIu64 ", expected 100, %" PRIu64
            ", %" PRIu64, page[3], tn_get64(page + 64), tn_get64(page + 80), g->reads, g->writes);
}

/* Masked interrupts: with MSI-X a masked vector holds its message in the PBA until unmasked;
 * with INTx, INTMS keeps the line down until INTMC. */
static void masked_interrupt(struct drv *g)
{
    struct vmm *v = g->v;
    struct gqueue *q = &g->q[1];
    uint16_t vec = q->vector;
    g->irq_check = 0;
    if (g->nvec)
        reg_w(g, msix_entry(vec, PCI_MSIX_ENTRY_VECTOR_CTRL), PCI_MSIX_ENTRY_CTRL_MASKBIT);
    else
        reg_w(g, NVME_REG_INTMS, 1u << vec);
    uint64_t before = v->msix_count[vec];
    io_queue(g, q, nvme_cmd_flush, 1, 0, 0, NVME_SC_SUCCESS);
    ring_sq(g, q);
    if (cq_ready(g, q) != 1)
        die("masked interrupt test: %u completions, expected 1", cq_ready(g, q));
    if (g->nvec) {
        uint32_t pba = reg_r(g, TN_MSIX_PBA);
        if (v->msix_count[vec] != before || !(pba >> vec & 1))
            die("vector %u masked: %" PRIu64 " messages, PBA 0x%x", vec,
                v->msix_count[vec] - before, pba);
        reg_w(g, msix_entry(vec, PCI_MSIX_ENTRY_VECTOR_CTRL), 0);
        pba = reg_r(g, TN_MSIX_PBA);
        if (v->msix_count[vec] != before + 1 || (pba >> vec & 1))
            die("vector %u unmasked: %" PRIu64 " messages, PBA 0x%x, expected 1 and clear", vec,
                v->msix_count[vec] - before, pba);
    } else {
        if (v->intx_level)
            die("INTMS set: INTx asserted");
        reg_w(g, NVME_REG_INTMC, 1u << vec);
        if (!v->intx_level)
            die("INTMC: INTx not asserted with a completion waiting");
    }
    g->irq_check = 1;
    wait_idle(g, "masked interrupt test");
}

/* A CQ of 4 entries behind an SQ of 16: the controller must stop at 3 unconsumed entries and
 * go on only as the head doorbell frees them. */
static void cq_full(struct drv *g)
{
    uint16_t qid = (uint16_t)(g->o->queues + 1);
    create_pair(g, qid, 16, 4);
    struct gqueue *q = &g->q[qid];
    for (int i = 0; i < 8; i++)
        io_queue(g, q, nvme_cmd_flush, 1, 0, 0, NVME_SC_SUCCESS);
    ring_sq(g, q);
    while (q->outstanding) {
        unsigned want = q->outstanding < 3 ? q->outstanding : 3, got = cq_ready(g, q);
        if (got != want)
            die("CQ %u of 4 entries: %u completions visible, expected %u", qid, got, want);
        poll_all(g);
    }
    delete_pair(g, qid);
}

static void teardown(struct drv *g)
{
    delete_queue(g, nvme_admin_delete_cq, 1, NVME_SC_QUEUE_DELETION,
                 "Delete I/O Completion Queue 1 while SQ 1 uses it");
    for (uint16_t qid = 1; qid <= g->o->queues; qid++)
        delete_pair(g, qid);
    reg_w(g, NVME_REG_CC, g->cc | NVME_CC_SHN_NORMAL);
    wait_csts(g, NVME_CSTS_SHST_MASK, NVME_CSTS_SHST_CMPLT, "shutdown");
    uint16_t cmd = (uint16_t)cfg_r(g, PCI_COMMAND, 2);
    cfg_w(g, PCI_COMMAND, 2, cmd & ~PCI_COMMAND_MASTER); /* pci_disable_device */
}

/* ======================================================================================== */
/* main */

static void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, PROG ": ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (g_vmm && g_vmm->tap) {
        char err[NVT_TAP_ERRBUF_SIZE];
        if (g_vmm->tdev)
            nvt_tap_annotate(g_vmm->tdev, NVT_TAP_ANN_ERROR, PROG " gave up (see its stderr)");
        g_vmm->tdev = NULL;
        if (nvt_tap_close(g_vmm->tap, err) < 0)
            fprintf(stderr, PROG ": %s\n", err);
    }
    exit(1);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: " PROG " [--out FILE] [--args STR] [--ios N] [--queues N] [--seed S] "
               "[--intx] LIB.so\n"
               "  --out FILE    trace to write (.zst: zstd); default target.pcapng\n"
               "  --args STR    the model's create() arguments\n"
               "  --ios N       I/O commands of the random workload (default 200)\n"
               "  --queues N    I/O queue pairs, 1..%u (default 2)\n"
               "  --seed S      workload seed (default 1)\n"
               "  --intx        INTx instead of MSI-X\n",
            MAX_QUEUES);
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    if (!*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 0);
    if (*end || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        {"out", required_argument, 0, 'o'},  {"args", required_argument, 0, 'a'},
        {"ios", required_argument, 0, 'n'},  {"queues", required_argument, 0, 'q'},
        {"seed", required_argument, 0, 's'}, {"intx", no_argument, 0, 'x'},
        {"help", no_argument, 0, 'h'},       {0, 0, 0, 0}};
    *o = (struct opts){.out = "target.pcapng", .args = "", .ios = 200, .seed = 1, .queues = 2};
    uint64_t n;
    int c;
    while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case 'a': o->args = optarg; break;
        case 'n':
            if (parse_u64(optarg, 1000000000ull, &o->ios) < 0)
                return fprintf(stderr, PROG ": --ios takes a count\n"), -1;
            break;
        case 'q':
            if (parse_u64(optarg, MAX_QUEUES, &n) < 0 || n < 1)
                return fprintf(stderr, PROG ": --queues takes 1..%u\n", MAX_QUEUES), -1;
            o->queues = (unsigned)n;
            break;
        case 's':
            if (parse_u64(optarg, UINT64_MAX, &o->seed) < 0)
                return fprintf(stderr, PROG ": --seed takes a number\n"), -1;
            break;
        case 'x': o->intx = 1; break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return -1;
    }
    o->lib = argv[optind];
    return 0;
}

static const nvt_target_ops *load(const char *lib)
{
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    void *sym = h ? dlsym(h, NVT_TARGET_ENTRY_SYMBOL) : NULL;
    if (!sym) {
        fprintf(stderr, PROG ": %s: %s\n", lib, dlerror());
        return NULL;
    }
    nvt_target_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry);
    const nvt_target_ops *ops = entry();
    if (!ops || ops->abi_version != NVT_TARGET_ABI_VERSION || ops->size < sizeof *ops) {
        fprintf(stderr, PROG ": %s: target ABI version %u, size %u; this recorder speaks "
                        "version %u, size %zu\n",
                lib, ops ? ops->abi_version : 0, ops ? ops->size : 0, NVT_TARGET_ABI_VERSION,
                sizeof *ops);
        return NULL;
    }
    if (!ops->create || !ops->destroy || !ops->reset || !ops->cfg_read || !ops->cfg_write ||
        !ops->mmio_read || !ops->mmio_write) {
        fprintf(stderr, PROG ": %s: an entry point is NULL\n", lib);
        return NULL;
    }
    return ops;
}

int main(int argc, char **argv)
{
    struct opts o;
    if (parse_opts(argc, argv, &o) < 0)
        return 2;
    const nvt_target_ops *ops = load(o.lib);
    if (!ops)
        return 1;

    static struct vmm vm;
    static struct drv drv;
    struct vmm *v = &vm;
    v->ops = ops;
    v->ram = calloc(1, RAM_SIZE);
    if (!v->ram) {
        fprintf(stderr, PROG ": out of memory for guest RAM\n");
        return 1;
    }
    v->host = (nvt_target_host){v, cb_dma_read, cb_dma_write, cb_msix, cb_intx, cb_state, cb_log};
    char msg[512] = "";
    v->dev = ops->create(&v->host, o.args, msg, sizeof msg);
    if (!v->dev) {
        fprintf(stderr, PROG ": %s refused to create a device (args '%s'): %s\n",
                ops->name ? ops->name : o.lib, o.args, msg[0] ? msg : "no message");
        free(v->ram);
        return 1;
    }

    char comment[1024] = "", err[NVT_TAP_ERRBUF_SIZE];
    for (int i = 0, n = 0; i < argc && n < (int)sizeof comment; i++)
        n += snprintf(comment + n, sizeof comment - (size_t)n, "%s%s", i ? " " : "", argv[i]);
    nvt_tap_opts topts = {.full_policy = NVT_TAP_FULL_WAIT, .emulator = ops->name,
                          .comment = comment};
    v->tap = nvt_tap_open(o.out, &topts, err);
    if (!v->tap) {
        fprintf(stderr, PROG ": %s\n", err);
        ops->destroy(v->dev);
        free(v->ram);
        return 1;
    }
    nvt_tap_device_info info = {.bdf = "0000:00:04.0", .vendor_id = TN_VENDOR_ID,
                                .device_id = TN_DEVICE_ID, .subsys_vendor_id = TN_SUBSYS_VENDOR_ID,
                                .subsys_id = TN_SUBSYS_ID, .class_code = TN_CLASS_CODE,
                                .revision = TN_REVISION, .model = "nvme", .emulator = ops->name};
    v->tdev = nvt_tap_add_device(v->tap, &info, err);
    if (!v->tdev) {
        fprintf(stderr, PROG ": %s\n", err);
        nvt_tap_close(v->tap, err);
        ops->destroy(v->dev);
        free(v->ram);
        return 1;
    }
    g_vmm = v;
    ops->reset(v->dev); /* as the replay does after create() */

    struct drv *g = &drv;
    g->v = v;
    g->o = &o;
    g->irq_check = 1;
    g->rng = o.seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;
    if (!g->rng)
        g->rng = 1;
    boot(g);
    error_paths(g);
    masked_interrupt(g);
    cq_full(g);
    workload(g);
    log_pages(g);
    teardown(g);

    nvt_tap_counters cnt;
    nvt_tap_get_counters(v->tap, &cnt);
    g_vmm = NULL;
    v->tdev = NULL;
    if (nvt_tap_close(v->tap, err) < 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return 1;
    }
    ops->destroy(v->dev);
    struct stat st;
    long long bytes = stat(o.out, &st) == 0 ? (long long)st.st_size : -1;
    if (v->sqes != g->commands || v->cqes != g->completions)
        die("the model fetched %" PRIu64 " SQEs and posted %" PRIu64 " CQEs for %" PRIu64
            " commands and %" PRIu64 " completions",
            v->sqes, v->cqes, g->commands, g->completions);
    printf("events %" PRIu64 " dropped %" PRIu64 " commands %" PRIu64 " completions %" PRIu64
           " ios %" PRIu64 " interrupts %" PRIu64 " bytes %lld trace %s\n",
           cnt.recorded, cnt.dropped, g->commands, g->completions, g->ios, v->interrupts, bytes,
           o.out);
    free(g->shadow);
    free(v->ram);
    return 0;
}

/*
 * testnvme: a small NVMe 1.4 controller behind the in-process replay target ABI
 * (<nvmetrace/target.h>), the device model of the target tests and benchmarks.
 *
 * One PCI Express endpoint function (vendor 1234, device 4e56, class 010802): a 64-bit 16 KiB
 * BAR0 holding the controller registers, the doorbells (from 0x1000, stride 4), the MSI-X table
 * (0x2000, 8 vectors) and its PBA (0x3000); INTx pin A. The controller has the admin queues,
 * up to 16 I/O queue pairs, one namespace (NSID 1) of 512-byte blocks held in RAM, and the
 * commands Identify (CNS 0, 1, 2), Create/Delete I/O SQ/CQ, Get/Set Features (Volatile Write
 * Cache, Number of Queues, Interrupt Coalescing), Get Log Page (Error Information, SMART),
 * Abort, Asynchronous Event Request; Flush, Write, Read and Write Zeroes through PRPs (PRP
 * lists included). No SGLs, no CMB, no shadow doorbells, no metadata.
 *
 * Doorbell writes only record the new tail or head: run() fetches and executes what the SQs
 * hold, round robin one command per SQ, until no SQ can progress (empty, or its CQ full), then
 * sends one MSI-X message per vector that got completions (or sets the INTx level). It is
 * deterministic: no threads, no clock, no randomness.
 *
 * create() arguments, comma separated: blocks=N (namespace size, default 2048), and
 * bug=flush-status (Flush fails with Invalid Field), bug=flush-lost (Flush never completes) or
 * bug=crash-qsize0 (Create I/O CQ with QSIZE 0 is accepted and the model dereferences a NULL
 * queue: SIGSEGV), defects for the replay tests to find; and order=reverse: the completions
 * of the commands one run() executes are posted in the reverse order (last executed, first
 * posted), the freedom a controller has for commands outstanding together, which a replay
 * must not call a divergence.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmetrace/target.h"
#include "testnvme.h"

#define TN_NAME "testnvme 1.0"
#define TN_NQ (TN_MAX_IOQ + 1)
#define TN_CFG_SIZE 4096u
#define TN_DEFAULT_BLOCKS 2048u
#define TN_MAX_BLOCKS (1u << 22) /* 2 GiB of RAM at most */
#define TN_MAX_XFER (TN_PAGE << TN_MDTS)
#define TN_MAX_SEGS (TN_MAX_XFER / TN_PAGE + 1)

#define BUG_FLUSH_STATUS 0x1u
#define BUG_CRASH_QSIZE0 0x2u
#define BUG_FLUSH_LOST 0x4u
#define TN_HELD_MAX 64 /* completions order=reverse holds back in one run() */

struct tn_sq {
    uint64_t base;
    uint16_t size, head, tail, cqid;
};

struct tn_cq {
    uint64_t base;
    uint16_t size, head, tail, iv;
    uint8_t phase, ien;
    uint8_t notify;  /* entries posted since the last interrupt message */
    uint16_t held;   /* completions for it held back (order=reverse), slots reserved */
};

/* A completion held back by order=reverse. */
struct tn_held {
    uint16_t cqid, sqid, cid, sqhd, status;
    uint32_t dw0;
};

struct tn_msix_entry {
    uint32_t addr_lo, addr_hi, data, ctrl;
};

struct tn_dev {
    const nvt_target_host *host;
    unsigned bugs;
    int reverse;       /* order=reverse */
    struct tn_held held[TN_HELD_MAX];
    unsigned nheld;
    uint64_t blocks;
    uint8_t *media;

    /* PCI function */
    uint8_t cfg[TN_CFG_SIZE], wmask[TN_CFG_SIZE];
    struct tn_msix_entry msix[TN_MSIX_VECTORS];
    uint32_t pba;
    int intx;          /* the level the host was last told */

    /* controller */
    uint64_t cap, asq, acq;
    uint32_t cc, csts, aqa, intms;
    struct tn_sq *sq[TN_NQ];
    struct tn_cq *cq[TN_NQ];
    uint16_t nsqa, ncqa; /* Number of Queues allocated (0-based) */
    uint32_t feat_vwc, feat_coalesce;
    unsigned aer_outstanding;
    uint64_t host_reads, host_writes;

    uint8_t xfer[TN_MAX_XFER]; /* one command's data */
};

/* A command being executed. */
struct tn_cmd {
    const uint8_t *sqe;
    uint16_t sqid, cid;
    uint8_t opc;
    uint32_t nsid, cdw10, cdw11, cdw12;
    uint64_t prp1, prp2;
    uint32_t dw0;      /* result: CQE DW0 */
    int no_completion; /* result: stays outstanding (Asynchronous Event Request) */
};

/* ---------------------------------------------------------------------------------------- */
/* host callbacks */

static void tn_log(struct tn_dev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tn_log(struct tn_dev *d, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    d->host->log(d->host->ctx, msg);
}

static void tn_state(struct tn_dev *d, uint8_t state, uint32_t value)
{
    d->host->state(d->host->ctx, state, value);
}

static int tn_dma(struct tn_dev *d, int to_guest, uint64_t gpa, void *buf, uint32_t len,
                  uint8_t kind, uint16_t qid, uint16_t cid, uint16_t slot)
{
    nvt_target_dma tag = {.kind = kind, .qid = qid, .cid = cid, .slot = slot};
    if (to_guest)
        return d->host->dma_write(d->host->ctx, gpa, buf, len, &tag);
    return d->host->dma_read(d->host->ctx, gpa, buf, len, &tag);
}

/* ---------------------------------------------------------------------------------------- */
/* PCI config space */

static void cfg_set(struct tn_dev *d, unsigned off, unsigned size, uint32_t v, uint32_t wmask)
{
    for (unsigned i = 0; i < size; i++) {
        d->cfg[off + i] = (uint8_t)(v >> 8 * i);
        d->wmask[off + i] = (uint8_t)(wmask >> 8 * i);
    }
}

static uint32_t cfg_get(const struct tn_dev *d, unsigned off, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size && off + i < TN_CFG_SIZE; i++)
        v |= (uint32_t)d->cfg[off + i] << 8 * i;
    return v;
}

static void cfg_init(struct tn_dev *d)
{
    memset(d->cfg, 0, sizeof d->cfg);
    memset(d->wmask, 0, sizeof d->wmask);
    cfg_set(d, PCI_VENDOR_ID, 4, TN_DEVICE_ID << 16 | TN_VENDOR_ID, 0);
    /* Memory Space, Bus Master, Parity Error Response, SERR#, Interrupt Disable */
    cfg_set(d, PCI_COMMAND, 2, 0, 0x0546);
    cfg_set(d, PCI_STATUS, 2, PCI_STATUS_CAP_LIST, 0);
    cfg_set(d, PCI_CLASS_REVISION, 4, TN_CLASS_CODE << 8 | TN_REVISION, 0);
    cfg_set(d, 0x0c, 1, 0, 0xff); /* Cache Line Size */
    /* BAR0: 64-bit memory, not prefetchable, 16 KiB (address bits 13:4 read as 0); BAR1 its
     * upper half; BAR2..5 and the expansion ROM not implemented. */
    cfg_set(d, PCI_BASE_ADDRESS_0, 4, PCI_BASE_ADDRESS_MEM_TYPE_64, ~(TN_BAR0_SIZE - 1));
    cfg_set(d, PCI_BASE_ADDRESS_0 + 4, 4, 0, 0xffffffffu);
    cfg_set(d, PCI_SUBSYSTEM_VENDOR_ID, 4, TN_SUBSYS_ID << 16 | TN_SUBSYS_VENDOR_ID, 0);
    cfg_set(d, PCI_CAPABILITY_LIST, 1, TN_CAP_EXP, 0);
    cfg_set(d, PCI_INTERRUPT_LINE, 1, 0, 0xff);
    cfg_set(d, PCI_INTERRUPT_PIN, 1, 1, 0); /* INTA# */

    /* PCI Express capability, version 2, endpoint: 128-byte payloads, no FLR; a x1 link at
     * 2.5 GT/s. Device Control and Link Control are writable. */
    unsigned e = TN_CAP_EXP;
    cfg_set(d, e, 2, TN_CAP_MSIX << 8 | PCI_CAP_ID_EXP, 0);
    cfg_set(d, e + 0x02, 2, 0x0002, 0);          /* PCIe Capabilities: v2, endpoint */
    cfg_set(d, e + 0x04, 4, 0x00008000, 0);      /* Device Capabilities: RBER */
    cfg_set(d, e + 0x08, 2, 0x2810, 0x7fff);     /* Device Control: 512-byte read requests */
    cfg_set(d, e + 0x0c, 4, 0x00000011, 0);      /* Link Capabilities: 2.5 GT/s, x1 */
    cfg_set(d, e + 0x10, 2, 0, 0x0fff);          /* Link Control */
    cfg_set(d, e + 0x12, 2, 0x0011, 0);          /* Link Status: 2.5 GT/s, x1 */

    /* MSI-X: 8 vectors, table and PBA in BAR0. Enable and Function Mask are writable. */
    unsigned m = TN_CAP_MSIX;
    cfg_set(d, m, 2, PCI_CAP_ID_MSIX, 0);
    cfg_set(d, m + PCI_MSIX_FLAGS, 2, TN_MSIX_VECTORS - 1,
            PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    cfg_set(d, m + PCI_MSIX_TABLE, 4, TN_MSIX_TABLE | 0, 0);
    cfg_set(d, m + PCI_MSIX_PBA, 4, TN_MSIX_PBA | 0, 0);
}

static uint16_t pci_command(const struct tn_dev *d) { return (uint16_t)cfg_get(d, PCI_COMMAND, 2); }
static uint16_t msix_flags(const struct tn_dev *d)
{
    return (uint16_t)cfg_get(d, TN_CAP_MSIX + PCI_MSIX_FLAGS, 2);
}

static uint32_t tn_cfg_read(void *dev, uint16_t offset, uint8_t size)
{
    struct tn_dev *d = dev;
    return offset < TN_CFG_SIZE ? cfg_get(d, offset, size) : 0;
}

/* Interrupt delivery is settled in run(): a change of Interrupt Disable, MSI-X Enable or
 * Function Mask takes effect there. */
static void tn_cfg_write(void *dev, uint16_t offset, uint8_t size, uint32_t value)
{
    struct tn_dev *d = dev;
    for (unsigned i = 0; i < size && offset + i < TN_CFG_SIZE; i++) {
        unsigned o = offset + i;
        d->cfg[o] = (uint8_t)((d->cfg[o] & ~d->wmask[o]) | ((value >> 8 * i) & d->wmask[o]));
    }
}

/* ---------------------------------------------------------------------------------------- */
/* interrupts */

static int cq_pending(const struct tn_cq *cq) { return cq->head != cq->tail; }

/*
 * MSI-X: a message per vector that got completions since its last one, or its Pending Bit
 * while the vector or the function is masked (sent when unmasked). INTx: asserted while a CQ
 * with interrupts enabled holds entries the host has not consumed (its head doorbell behind
 * the tail) and INTMS does not mask its vector; Interrupt Disable gates the pin.
 */
static void irq_update(struct tn_dev *d)
{
    uint16_t flags = msix_flags(d), cmd = pci_command(d);
    int msix = (flags & PCI_MSIX_FLAGS_ENABLE) != 0, level = 0;
    for (unsigned q = 0; q < TN_NQ; q++) {
        struct tn_cq *cq = d->cq[q];
        if (!cq)
            continue;
        if (cq->notify && (!msix || (cmd & PCI_COMMAND_MASTER))) {
            if (msix && cq->ien)
                d->pba |= 1u << cq->iv;
            cq->notify = 0;
        }
        if (!msix && cq->ien && cq_pending(cq) && !(d->intms >> (cq->iv & 31) & 1))
            level = 1;
    }
    if (msix && !(flags & PCI_MSIX_FLAGS_MASKALL) && (cmd & PCI_COMMAND_MASTER)) {
        for (unsigned v = 0; v < TN_MSIX_VECTORS; v++) {
            const struct tn_msix_entry *e = &d->msix[v];
            if (!(d->pba >> v & 1) || (e->ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT))
                continue;
            d->pba &= ~(1u << v);
            d->host->msix(d->host->ctx, (uint16_t)v, (uint64_t)e->addr_hi << 32 | e->addr_lo,
                          e->data);
        }
    }
    uint16_t status = (uint16_t)cfg_get(d, PCI_STATUS, 2);
    status = (uint16_t)(level ? status | PCI_STATUS_INTERRUPT : status & ~PCI_STATUS_INTERRUPT);
    cfg_set(d, PCI_STATUS, 2, status, 0);
    if (cmd & PCI_COMMAND_INTX_DISABLE)
        level = 0;
    if (level != d->intx) {
        d->intx = level;
        d->host->intx(d->host->ctx, level);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* queues */

static void queues_delete_all(struct tn_dev *d)
{
    for (unsigned q = 0; q < TN_NQ; q++) {
        free(d->sq[q]);
        free(d->cq[q]);
        d->sq[q] = NULL;
        d->cq[q] = NULL;
    }
}

static int cq_full(const struct tn_cq *cq)
{
    return (cq->tail + cq->held + 1u) % cq->size == cq->head;
}

/* Controller Fatal Status: the controller stops processing commands. */
static void ctrl_fatal(struct tn_dev *d, const char *why)
{
    d->csts |= NVME_CSTS_CFS;
    tn_log(d, "controller fatal: %s", why);
    tn_state(d, NVT_TARGET_STATE_FATAL, d->csts);
}

static int post_cqe(struct tn_dev *d, struct tn_cq *cq, uint16_t cqid, const struct tn_cmd *c,
                    uint16_t sqhd, uint16_t status)
{
    uint8_t cqe[NVME_CQE_SIZE] = {0};
    tn_put32(cqe + CQE_DW0, c->dw0);
    tn_put16(cqe + CQE_SQHD, sqhd);
    tn_put16(cqe + CQE_SQID, c->sqid);
    tn_put16(cqe + CQE_CID, c->cid);
    tn_put16(cqe + CQE_STATUS, (uint16_t)(status << 1 | cq->phase));
    uint16_t slot = cq->tail;
    if (tn_dma(d, 1, cq->base + (uint64_t)slot * NVME_CQE_SIZE, cqe, sizeof cqe,
               NVT_TARGET_DMA_CQE, cqid, NVT_TARGET_ID_UNKNOWN, slot) < 0) {
        ctrl_fatal(d, "CQE post outside guest memory");
        return -1;
    }
    if (++cq->tail == cq->size) {
        cq->tail = 0;
        cq->phase ^= 1;
    }
    cq->notify = 1;
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* data transfer */

/*
 * Moves len bytes between d->xfer and the guest pages the command's PRP entries name (NVMe 1.4
 * sec. 4.3): PRP1 (dword aligned, any offset), then PRP2 as the second page or as a pointer to
 * a PRP list, whose pages chain through their last entry. The list is read (one DMA read per
 * list page) and checked before any data moves; then one transfer per PRP entry.
 */
static uint16_t prp_transfer(struct tn_dev *d, const struct tn_cmd *c, uint32_t len, int to_guest)
{
    uint64_t seg_gpa[TN_MAX_SEGS];
    uint32_t seg_len[TN_MAX_SEGS];
    unsigned nseg = 0;
    if (c->prp1 & 3)
        return NVME_SC_PRP_INVALID_OFFSET;
    uint32_t first = TN_PAGE - (uint32_t)(c->prp1 & (TN_PAGE - 1));
    first = first < len ? first : len;
    seg_gpa[nseg] = c->prp1;
    seg_len[nseg++] = first;
    uint32_t rem = len - first;
    if (rem && rem <= TN_PAGE) {
        if (c->prp2 & (TN_PAGE - 1))
            return NVME_SC_PRP_INVALID_OFFSET;
        seg_gpa[nseg] = c->prp2;
        seg_len[nseg++] = rem;
    } else if (rem) {
        uint64_t list = c->prp2;
        uint32_t need = (rem + TN_PAGE - 1) / TN_PAGE;
        if (list & 7)
            return NVME_SC_PRP_INVALID_OFFSET;
        while (need) {
            uint8_t ent[TN_PAGE];
            uint32_t avail = (TN_PAGE - (uint32_t)(list & (TN_PAGE - 1))) / 8;
            uint32_t n = need < avail ? need : avail, data = need <= avail ? n : n - 1;
            if (tn_dma(d, 0, list, ent, n * 8, NVT_TARGET_DMA_DATA, c->sqid, c->cid, 0) < 0)
                return NVME_SC_DATA_XFER_ERROR;
            for (uint32_t i = 0; i < data; i++) {
                uint64_t e = tn_get64(ent + 8 * i);
                if (e & (TN_PAGE - 1))
                    return NVME_SC_PRP_INVALID_OFFSET;
                seg_gpa[nseg] = e;
                seg_len[nseg++] = rem < TN_PAGE ? rem : TN_PAGE;
                rem -= seg_len[nseg - 1];
            }
            need -= data;
            if (need) {
                list = tn_get64(ent + 8 * (n - 1));
                if (list & (TN_PAGE - 1))
                    return NVME_SC_PRP_INVALID_OFFSET;
            }
        }
    }
    uint32_t off = 0;
    for (unsigned i = 0; i < nseg; i++) {
        if (tn_dma(d, to_guest, seg_gpa[i], d->xfer + off, seg_len[i], NVT_TARGET_DMA_DATA,
                   c->sqid, c->cid, 0) < 0)
            return NVME_SC_DATA_XFER_ERROR;
        off += seg_len[i];
    }
    return NVME_SC_SUCCESS;
}

/* ---------------------------------------------------------------------------------------- */
/* admin commands */

static void put_ascii(uint8_t *p, size_t n, const char *s)
{
    memset(p, ' ', n);
    memcpy(p, s, strlen(s) < n ? strlen(s) : n);
}

static void identify_ctrl(const struct tn_dev *d, uint8_t *id)
{
    tn_put16(id + 0, TN_VENDOR_ID);
    tn_put16(id + 2, TN_SUBSYS_VENDOR_ID);
    put_ascii(id + 4, 20, "NVT0001");
    put_ascii(id + 24, 40, "nvmetrace test NVMe");
    put_ascii(id + 64, 8, "1.0");
    id[72] = 6;                     /* RAB */
    id[77] = TN_MDTS;
    tn_put16(id + 78, 1);           /* CNTLID */
    tn_put32(id + 80, NVME_VS(1u, 4u, 0u));
    id[111] = 1;                    /* CNTRLTYPE: I/O controller */
    id[258] = 3;                    /* ACL: 4 Aborts */
    id[259] = TN_AERL;
    id[261] = 0x04;                 /* LPA: extended Get Log Page data */
    id[262] = TN_ELPE;
    tn_put16(id + 266, 343);        /* WCTEMP, CCTEMP (kelvin) */
    tn_put16(id + 268, 373);
    id[512] = 0x66;                 /* SQES: 64 bytes */
    id[513] = 0x44;                 /* CQES: 16 bytes */
    tn_put32(id + 516, 1);          /* NN */
    tn_put16(id + 520, 1u << 3);    /* ONCS: Write Zeroes */
    id[525] = 1;                    /* VWC present */
    memcpy(id + 768, "nqn.2026-01.org.nvmetrace:testnvme", 34); /* SUBNQN */
    tn_put16(id + 2048, 2500);      /* PSD0 MP: 25 W */
    (void)d;
}

static void identify_ns(const struct tn_dev *d, uint8_t *id)
{
    tn_put64(id + 0, d->blocks);    /* NSZE, NCAP, NUSE */
    tn_put64(id + 8, d->blocks);
    tn_put64(id + 16, d->blocks);
    id[25] = 0;                     /* NLBAF: one format */
    id[26] = 0;                     /* FLBAS: format 0 */
    tn_put32(id + 128, 9u << 16);   /* LBAF0: 512-byte data, no metadata */
}

static uint16_t admin_identify(struct tn_dev *d, struct tn_cmd *c)
{
    uint8_t cns = c->cdw10 & 0xff;
    memset(d->xfer, 0, TN_PAGE);
    switch (cns) {
    case NVME_ID_CNS_NS:
        if (c->nsid != 1)
            return NVME_SC_INVALID_NS;
        identify_ns(d, d->xfer);
        break;
    case NVME_ID_CNS_CTRL:
        identify_ctrl(d, d->xfer);
        break;
    case NVME_ID_CNS_NS_ACTIVE_LIST:
        if (c->nsid >= 0xfffffffeu)
            return NVME_SC_INVALID_NS;
        if (c->nsid < 1)
            tn_put32(d->xfer, 1);
        break;
    default:
        return NVME_SC_INVALID_FIELD;
    }
    return prp_transfer(d, c, TN_PAGE, 1);
}

static int ioq_exist(const struct tn_dev *d)
{
    for (unsigned q = 1; q < TN_NQ; q++)
        if (d->sq[q] || d->cq[q])
            return 1;
    return 0;
}

/* The model's defect under bug=crash-qsize0: it sets up a CQ through a pointer it never
 * allocated for a one-entry queue. The volatile load keeps the compiler from reasoning the NULL
 * away; UBSan's null check is off here so the fault is a real SIGSEGV. */
__attribute__((noinline, no_sanitize("null"))) static void cq_setup(struct tn_dev *d,
                                                                      uint16_t qid, uint64_t base,
                                                                      uint16_t entries, int ien,
                                                                      uint16_t iv)
{
    struct tn_cq *volatile cq = d->cq[qid];
    cq->base = base;
    cq->size = entries;
    cq->head = cq->tail = 0;
    cq->phase = 1;
    cq->ien = (uint8_t)ien;
    cq->iv = iv;
    cq->notify = 0;
}

static uint16_t admin_create_cq(struct tn_dev *d, struct tn_cmd *c)
{
    uint16_t qid = c->cdw10 & 0xffff, qsize = c->cdw10 >> 16, iv = c->cdw11 >> 16;
    int ien = (c->cdw11 & NVME_CQ_IRQ_ENABLED) != 0;
    if (qid == 0 || qid > d->ncqa + 1u || qid >= TN_NQ || d->cq[qid])
        return NVME_SC_QID_INVALID;
    if ((qsize == 0 && !(d->bugs & BUG_CRASH_QSIZE0)) || qsize > TN_MQES)
        return NVME_SC_QUEUE_SIZE;
    if (!(c->cdw11 & NVME_QUEUE_PHYS_CONTIG))
        return NVME_SC_INVALID_FIELD; /* CAP.CQR: contiguous queues only */
    if (iv >= TN_MSIX_VECTORS)
        return NVME_SC_INVALID_VECTOR;
    if (c->prp1 & (TN_PAGE - 1))
        return NVME_SC_PRP_INVALID_OFFSET;
    if ((d->cc >> NVME_CC_IOCQES_SHIFT & 0xf) != 4)
        return NVME_SC_INVALID_FIELD;
    /* A one-entry queue (QSIZE 0) only gets here with bug=crash-qsize0, and is never
     * allocated. */
    if (qsize) {
        d->cq[qid] = calloc(1, sizeof *d->cq[qid]);
        if (!d->cq[qid])
            return NVME_SC_INTERNAL;
    }
    cq_setup(d, qid, c->prp1, (uint16_t)(qsize + 1u), ien, iv);
    return NVME_SC_SUCCESS;
}

static uint16_t admin_create_sq(struct tn_dev *d, struct tn_cmd *c)
{
    uint16_t qid = c->cdw10 & 0xffff, qsize = c->cdw10 >> 16, cqid = c->cdw11 >> 16;
    if (qid == 0 || qid > d->nsqa + 1u || qid >= TN_NQ || d->sq[qid])
        return NVME_SC_QID_INVALID;
    if (qsize == 0 || qsize > TN_MQES)
        return NVME_SC_QUEUE_SIZE;
    if (!(c->cdw11 & NVME_QUEUE_PHYS_CONTIG))
        return NVME_SC_INVALID_FIELD;
    if (cqid == 0 || cqid >= TN_NQ || !d->cq[cqid])
        return NVME_SC_CQ_INVALID;
    if (c->prp1 & (TN_PAGE - 1))
        return NVME_SC_PRP_INVALID_OFFSET;
    if ((d->cc >> NVME_CC_IOSQES_SHIFT & 0xf) != 6)
        return NVME_SC_INVALID_FIELD;
    struct tn_sq *sq = calloc(1, sizeof *sq);
    if (!sq)
        return NVME_SC_INTERNAL;
    *sq = (struct tn_sq){.base = c->prp1, .size = (uint16_t)(qsize + 1u), .cqid = cqid};
    d->sq[qid] = sq;
    return NVME_SC_SUCCESS;
}

static uint16_t admin_delete_sq(struct tn_dev *d, struct tn_cmd *c)
{
    uint16_t qid = c->cdw10 & 0xffff;
    if (qid == 0 || qid >= TN_NQ || !d->sq[qid])
        return NVME_SC_QID_INVALID;
    free(d->sq[qid]); /* commands it still holds are never fetched */
    d->sq[qid] = NULL;
    return NVME_SC_SUCCESS;
}

static uint16_t admin_delete_cq(struct tn_dev *d, struct tn_cmd *c)
{
    uint16_t qid = c->cdw10 & 0xffff;
    if (qid == 0 || qid >= TN_NQ || !d->cq[qid])
        return NVME_SC_QID_INVALID;
    for (unsigned q = 1; q < TN_NQ; q++)
        if (d->sq[q] && d->sq[q]->cqid == qid)
            return NVME_SC_QUEUE_DELETION;
    free(d->cq[qid]);
    d->cq[qid] = NULL;
    return NVME_SC_SUCCESS;
}

static uint16_t admin_features(struct tn_dev *d, struct tn_cmd *c, int set)
{
    uint8_t fid = c->cdw10 & 0xff;
    if (set && (c->cdw10 >> 31))
        return NVME_SC_FEATURE_NOT_SAVEABLE;
    if (!set && (c->cdw10 >> 8 & 7))
        return NVME_SC_INVALID_FIELD; /* SEL: ONCS bit 4 is clear */
    switch (fid) {
    case NVME_FEAT_VOLATILE_WC:
        if (set)
            d->feat_vwc = c->cdw11 & 1;
        c->dw0 = d->feat_vwc;
        return NVME_SC_SUCCESS;
    case NVME_FEAT_NUM_QUEUES:
        if (set) {
            uint16_t nsqr = c->cdw11 & 0xffff, ncqr = c->cdw11 >> 16;
            if (nsqr == 0xffff || ncqr == 0xffff)
                return NVME_SC_INVALID_FIELD;
            if (ioq_exist(d))
                return NVME_SC_CMD_SEQ_ERROR;
            d->nsqa = nsqr < TN_MAX_IOQ - 1 ? nsqr : TN_MAX_IOQ - 1;
            d->ncqa = ncqr < TN_MAX_IOQ - 1 ? ncqr : TN_MAX_IOQ - 1;
        }
        c->dw0 = (uint32_t)d->ncqa << 16 | d->nsqa;
        return NVME_SC_SUCCESS;
    case NVME_FEAT_IRQ_COALESCE:
        if (set)
            d->feat_coalesce = c->cdw11 & 0xffff; /* kept, not applied */
        c->dw0 = d->feat_coalesce;
        return NVME_SC_SUCCESS;
    default:
        return NVME_SC_INVALID_FIELD;
    }
}

static uint16_t admin_get_log_page(struct tn_dev *d, struct tn_cmd *c)
{
    uint8_t lid = c->cdw10 & 0xff;
    uint32_t numd = ((c->cdw11 & 0xffff) << 16 | c->cdw10 >> 16) + 1;
    uint64_t off = (uint64_t)tn_get32(c->sqe + SQE_CDW(13)) << 32 | c->cdw12;
    uint8_t page[NVME_SMART_LOG_SIZE] = {0};
    uint32_t size;
    switch (lid) {
    case NVME_LOG_ERROR:
        size = (TN_ELPE + 1) * NVME_ERROR_LOG_ENTRY_SIZE; /* no errors logged: zeros */
        break;
    case NVME_LOG_SMART:
        size = NVME_SMART_LOG_SIZE;
        tn_put16(page + 1, 313);          /* Composite Temperature (kelvin) */
        page[3] = 100;                    /* Available Spare */
        page[4] = 10;                     /* Available Spare Threshold */
        tn_put64(page + 64, d->host_reads);  /* Host Read Commands */
        tn_put64(page + 80, d->host_writes); /* Host Write Commands */
        tn_put64(page + 112, 1);          /* Power Cycles */
        break;
    default:
        return NVME_SC_INVALID_LOG_PAGE;
    }
    if ((off & 3) || off >= size || numd > TN_MAX_XFER / 4)
        return NVME_SC_INVALID_FIELD;
    uint32_t len = numd * 4, have = size - (uint32_t)off;
    memset(d->xfer, 0, len);
    memcpy(d->xfer, page + off, have < len ? have : len);
    return prp_transfer(d, c, len, 1);
}

static uint16_t admin_cmd(struct tn_dev *d, struct tn_cmd *c)
{
    switch (c->opc) {
    case nvme_admin_delete_sq: return admin_delete_sq(d, c);
    case nvme_admin_create_sq: return admin_create_sq(d, c);
    case nvme_admin_get_log_page: return admin_get_log_page(d, c);
    case nvme_admin_delete_cq: return admin_delete_cq(d, c);
    case nvme_admin_create_cq: return admin_create_cq(d, c);
    case nvme_admin_identify: return admin_identify(d, c);
    case nvme_admin_abort_cmd:
        c->dw0 = 1; /* commands complete as they are fetched: nothing is left to abort */
        return NVME_SC_SUCCESS;
    case nvme_admin_set_features: return admin_features(d, c, 1);
    case nvme_admin_get_features: return admin_features(d, c, 0);
    case nvme_admin_async_event:
        if (d->aer_outstanding > TN_AERL)
            return NVME_SC_ASYNC_LIMIT;
        d->aer_outstanding++; /* no event ever happens: it stays outstanding */
        c->no_completion = 1;
        return NVME_SC_SUCCESS;
    default:
        return NVME_SC_INVALID_OPCODE;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* I/O commands */

static uint16_t io_cmd(struct tn_dev *d, struct tn_cmd *c)
{
    uint64_t slba = (uint64_t)c->cdw11 << 32 | c->cdw10;
    uint32_t nlb = (c->cdw12 & 0xffff) + 1u;
    switch (c->opc) {
    case nvme_cmd_flush:
        if (c->nsid != 1 && c->nsid != 0xffffffffu)
            return NVME_SC_INVALID_NS;
        if (d->bugs & BUG_FLUSH_LOST)
            c->no_completion = 1;
        return (d->bugs & BUG_FLUSH_STATUS) ? NVME_SC_INVALID_FIELD : NVME_SC_SUCCESS;
    case nvme_cmd_write:
    case nvme_cmd_read:
    case nvme_cmd_write_zeroes:
        break;
    default:
        return NVME_SC_INVALID_OPCODE;
    }
    if (c->nsid != 1)
        return NVME_SC_INVALID_NS;
    if (slba >= d->blocks || nlb > d->blocks - slba)
        return NVME_SC_LBA_RANGE;
    uint8_t *media = d->media + slba * TN_LBA_SIZE;
    uint32_t len = nlb * TN_LBA_SIZE;
    if (c->opc == nvme_cmd_write_zeroes) {
        memset(media, 0, len);
        return NVME_SC_SUCCESS;
    }
    if (len > TN_MAX_XFER)
        return NVME_SC_INVALID_FIELD;
    uint16_t st;
    if (c->opc == nvme_cmd_write) {
        d->host_writes++;
        st = prp_transfer(d, c, len, 0);
        if (st == NVME_SC_SUCCESS)
            memcpy(media, d->xfer, len);
    } else {
        d->host_reads++;
        memcpy(d->xfer, media, len);
        st = prp_transfer(d, c, len, 1);
    }
    return st;
}

/* ---------------------------------------------------------------------------------------- */
/* command processing */

/* Fetches and executes the command at the head of SQ qid and posts its completion. Returns 0,
 * or -1 when the controller failed (CSTS.CFS). */
static int sq_exec_one(struct tn_dev *d, uint16_t qid)
{
    struct tn_sq *sq = d->sq[qid];
    uint8_t sqe[NVME_SQE_SIZE];
    uint16_t slot = sq->head;
    if (tn_dma(d, 0, sq->base + (uint64_t)slot * NVME_SQE_SIZE, sqe, sizeof sqe,
               NVT_TARGET_DMA_SQE, qid, NVT_TARGET_ID_UNKNOWN, slot) < 0) {
        ctrl_fatal(d, "SQE fetch outside guest memory");
        return -1;
    }
    sq->head = (uint16_t)((slot + 1u) % sq->size);
    struct tn_cmd c = {
        .sqe = sqe,
        .sqid = qid,
        .opc = sqe[SQE_OPC],
        .cid = tn_get16(sqe + SQE_CID),
        .nsid = tn_get32(sqe + SQE_NSID),
        .prp1 = tn_get64(sqe + SQE_PRP1),
        .prp2 = tn_get64(sqe + SQE_PRP2),
        .cdw10 = tn_get32(sqe + SQE_CDW(10)),
        .cdw11 = tn_get32(sqe + SQE_CDW(11)),
        .cdw12 = tn_get32(sqe + SQE_CDW(12)),
    };
    uint16_t status;
    if (sqe[SQE_FLAGS] & 0xc3) /* fused operations, SGLs: not supported */
        status = NVME_SC_INVALID_FIELD;
    else
        status = qid ? io_cmd(d, &c) : admin_cmd(d, &c);
    if (c.no_completion)
        return 0;
    uint16_t sc = status & NVME_SC_MASK;
    if (sc != NVME_SC_SUCCESS && sc != NVME_SC_DATA_XFER_ERROR) /* retrying would fail again */
        status |= NVME_SC_DNR;
    /* The SQ is still there: the admin SQ cannot be deleted, an I/O SQ only by an admin
     * command. Its CQ too (a CQ is not deleted while an SQ uses it). */
    sq = d->sq[qid];
    if (d->reverse && d->nheld < TN_HELD_MAX) {
        d->held[d->nheld++] = (struct tn_held){sq->cqid, qid, c.cid, sq->head, status, c.dw0};
        d->cq[sq->cqid]->held++;
        return 0;
    }
    return post_cqe(d, d->cq[sq->cqid], sq->cqid, &c, sq->head, status);
}

static void drop_held(struct tn_dev *d)
{
    for (unsigned q = 0; q < TN_NQ; q++)
        if (d->cq[q])
            d->cq[q]->held = 0;
    d->nheld = 0;
}

/* Posts the completions order=reverse held back, last executed first. */
static void post_held(struct tn_dev *d)
{
    while (d->nheld) {
        const struct tn_held *h = &d->held[--d->nheld];
        struct tn_cq *cq = d->cq[h->cqid];
        if (!cq)
            continue; /* a reset deleted it */
        cq->held--;
        struct tn_cmd c = {.sqid = h->sqid, .cid = h->cid, .dw0 = h->dw0};
        if (post_cqe(d, cq, h->cqid, &c, h->sqhd, h->status) < 0)
            return;
    }
}

static void process_queues(struct tn_dev *d)
{
    int progress = 1;
    while (progress) {
        progress = 0;
        for (uint16_t q = 0; q < TN_NQ; q++) {
            struct tn_sq *sq = d->sq[q];
            if (!(d->csts & NVME_CSTS_RDY) || (d->csts & NVME_CSTS_CFS)) {
                drop_held(d); /* a stopped controller posts nothing */
                return;
            }
            if (!sq || sq->head == sq->tail || cq_full(d->cq[sq->cqid]))
                continue;
            if (sq_exec_one(d, q) < 0)
                break;
            progress = 1;
        }
    }
    post_held(d);
}

static void tn_run(void *dev)
{
    struct tn_dev *d = dev;
    if (pci_command(d) & PCI_COMMAND_MASTER)
        process_queues(d);
    irq_update(d);
}

/* ---------------------------------------------------------------------------------------- */
/* controller registers */

/* Controller Level Reset (CC.EN 1 -> 0): queues deleted, outstanding commands dropped,
 * registers other than AQA, ASQ and ACQ back to their defaults. */
static void ctrl_reset(struct tn_dev *d)
{
    queues_delete_all(d);
    d->nheld = 0;
    d->csts = 0;
    d->intms = 0;
    d->nsqa = d->ncqa = TN_MAX_IOQ - 1;
    d->feat_vwc = 0;
    d->feat_coalesce = 0;
    d->aer_outstanding = 0;
}

static const char *enable_error(const struct tn_dev *d)
{
    if ((d->aqa & 0xfff) == 0 || (d->aqa >> 16 & 0xfff) == 0)
        return "AQA: admin queues of fewer than 2 entries";
    if (!d->asq || !d->acq)
        return "ASQ or ACQ not set";
    if (d->cc >> NVME_CC_CSS_SHIFT & 7)
        return "CC.CSS: not the NVM command set";
    if (d->cc >> NVME_CC_MPS_SHIFT & 0xf)
        return "CC.MPS: not 4 KiB (CAP.MPSMIN = MPSMAX = 0)";
    if (d->cc >> NVME_CC_AMS_SHIFT & 7)
        return "CC.AMS: not round robin";
    return NULL;
}

static void ctrl_enable(struct tn_dev *d)
{
    const char *why = enable_error(d);
    if (why) {
        d->csts |= NVME_CSTS_CFS;
        tn_log(d, "CC.EN set with %s: enable failed (CSTS.CFS)", why);
        tn_state(d, NVT_TARGET_STATE_ENABLE_FAILED, d->cc);
        return;
    }
    struct tn_sq *sq = calloc(1, sizeof *sq);
    struct tn_cq *cq = calloc(1, sizeof *cq);
    if (!sq || !cq) {
        free(sq);
        free(cq);
        ctrl_fatal(d, "no memory for the admin queues");
        return;
    }
    *sq = (struct tn_sq){.base = d->asq, .size = (uint16_t)((d->aqa & 0xfff) + 1u)};
    *cq = (struct tn_cq){.base = d->acq, .size = (uint16_t)((d->aqa >> 16 & 0xfff) + 1u),
                         .phase = 1, .ien = 1};
    d->sq[0] = sq;
    d->cq[0] = cq;
    d->csts |= NVME_CSTS_RDY;
    tn_state(d, NVT_TARGET_STATE_ENABLE, d->cc);
    tn_state(d, NVT_TARGET_STATE_READY, d->csts);
}

static void cc_write(struct tn_dev *d, uint32_t v)
{
    uint32_t old = d->cc;
    d->cc = v & NVME_CC_DEFINED;
    if ((v & NVME_CC_SHN_MASK) && !(old & NVME_CC_SHN_MASK)) {
        /* Nothing is in flight between run() calls: the shutdown completes at once. */
        tn_state(d, NVT_TARGET_STATE_SHUTDOWN_START, d->cc);
        d->csts = (d->csts & ~NVME_CSTS_SHST_MASK) | NVME_CSTS_SHST_CMPLT;
        tn_state(d, NVT_TARGET_STATE_SHUTDOWN_DONE, d->csts);
    } else if (!(v & NVME_CC_SHN_MASK) && (old & NVME_CC_SHN_MASK)) {
        d->csts &= ~NVME_CSTS_SHST_MASK;
    }
    if ((v & NVME_CC_ENABLE) && !(old & NVME_CC_ENABLE)) {
        ctrl_enable(d);
    } else if (!(v & NVME_CC_ENABLE) && (old & NVME_CC_ENABLE)) {
        tn_state(d, NVT_TARGET_STATE_DISABLE, d->cc);
        ctrl_reset(d);
    }
}

static uint32_t reg_read32(const struct tn_dev *d, uint32_t off)
{
    switch (off) {
    case NVME_REG_CAP: return (uint32_t)d->cap;
    case NVME_REG_CAP + 4: return (uint32_t)(d->cap >> 32);
    case NVME_REG_VS: return NVME_VS(1u, 4u, 0u);
    case NVME_REG_INTMS:
    case NVME_REG_INTMC: return d->intms;
    case NVME_REG_CC: return d->cc;
    case NVME_REG_CSTS: return d->csts;
    case NVME_REG_AQA: return d->aqa;
    case NVME_REG_ASQ: return (uint32_t)d->asq;
    case NVME_REG_ASQ + 4: return (uint32_t)(d->asq >> 32);
    case NVME_REG_ACQ: return (uint32_t)d->acq;
    case NVME_REG_ACQ + 4: return (uint32_t)(d->acq >> 32);
    default: return 0;
    }
}

static void set_half(uint64_t *r, uint32_t off, uint32_t v)
{
    if (off & 4)
        *r = (*r & 0xffffffffu) | (uint64_t)v << 32;
    else
        *r = (*r & ~0xffffffffull) | (v & ~(TN_PAGE - 1)); /* bits 11:0 reserved */
}

static void doorbell_write(struct tn_dev *d, uint32_t off, uint32_t v)
{
    uint32_t idx = (off - NVME_REG_DBS) / 4, qid = idx / 2;
    int is_cq = idx & 1;
    if (qid >= TN_NQ || !(is_cq ? (void *)d->cq[qid] : (void *)d->sq[qid])) {
        tn_log(d, "%s doorbell of queue %u, which does not exist: ignored", is_cq ? "CQ" : "SQ",
               qid);
        return;
    }
    uint16_t size = is_cq ? d->cq[qid]->size : d->sq[qid]->size;
    if (v >= size) {
        tn_log(d, "%s %u doorbell value %u beyond the queue size %u: ignored",
               is_cq ? "CQ" : "SQ", qid, v, size);
        return;
    }
    if (is_cq)
        d->cq[qid]->head = (uint16_t)v;
    else
        d->sq[qid]->tail = (uint16_t)v; /* fetched in run() */
}

static void reg_write32(struct tn_dev *d, uint32_t off, uint32_t v)
{
    switch (off) {
    case NVME_REG_INTMS: d->intms |= v; break;
    case NVME_REG_INTMC: d->intms &= ~v; break;
    case NVME_REG_CC: cc_write(d, v); break;
    case NVME_REG_AQA: d->aqa = v & 0x0fff0fffu; break;
    case NVME_REG_ASQ:
    case NVME_REG_ASQ + 4: set_half(&d->asq, off, v); break;
    case NVME_REG_ACQ:
    case NVME_REG_ACQ + 4: set_half(&d->acq, off, v); break;
    default:
        if (off >= NVME_REG_DBS)
            doorbell_write(d, off, v);
        break; /* CAP, VS, CSTS, NSSR (CAP.NSSRS = 0) and reserved: read only */
    }
}

static uint32_t msix_read32(const struct tn_msix_entry *e, uint32_t field)
{
    switch (field) {
    case 0: return e->addr_lo;
    case 4: return e->addr_hi;
    case 8: return e->data;
    default: return e->ctrl;
    }
}

/* The byte at BAR0 offset off (all of BAR0 but the doorbells, which read as 0). */
static uint8_t bar0_byte(const struct tn_dev *d, uint32_t off)
{
    uint32_t dw;
    if (off < NVME_REG_DBS)
        dw = reg_read32(d, off & ~3u);
    else if (off >= TN_MSIX_TABLE && off < TN_MSIX_TABLE + TN_MSIX_VECTORS * PCI_MSIX_ENTRY_SIZE)
        dw = msix_read32(&d->msix[(off - TN_MSIX_TABLE) / PCI_MSIX_ENTRY_SIZE],
                         (off - TN_MSIX_TABLE) % PCI_MSIX_ENTRY_SIZE & ~3u);
    else if (off >= TN_MSIX_PBA && off < TN_MSIX_PBA + 8)
        dw = off < TN_MSIX_PBA + 4 ? d->pba : 0;
    else
        dw = 0;
    return (uint8_t)(dw >> 8 * (off & 3));
}

static uint64_t tn_mmio_read(void *dev, uint8_t bar, uint32_t offset, uint8_t size)
{
    struct tn_dev *d = dev;
    uint64_t v = 0;
    if (bar != 0 || size > 8 || offset >= TN_BAR0_SIZE || size > TN_BAR0_SIZE - offset)
        return 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)bar0_byte(d, offset + i) << 8 * i;
    return v;
}

static void msix_write32(struct tn_dev *d, uint32_t off, uint32_t v)
{
    struct tn_msix_entry *e = &d->msix[(off - TN_MSIX_TABLE) / PCI_MSIX_ENTRY_SIZE];
    switch ((off - TN_MSIX_TABLE) % PCI_MSIX_ENTRY_SIZE) {
    case 0: e->addr_lo = v & ~3u; break;
    case 4: e->addr_hi = v; break;
    case 8: e->data = v; break;
    default: e->ctrl = v & PCI_MSIX_ENTRY_CTRL_MASKBIT; break; /* a pending message goes in run() */
    }
}

/* A dword write into BAR0 (the PBA is read only). */
static void bar0_write32(struct tn_dev *d, uint32_t off, uint32_t v)
{
    if (off >= TN_MSIX_TABLE && off < TN_MSIX_TABLE + TN_MSIX_VECTORS * PCI_MSIX_ENTRY_SIZE)
        msix_write32(d, off, v);
    else if (off < TN_MSIX_TABLE)
        reg_write32(d, off, v);
}

/* Registers are written in dwords: a qword is its low then its high half; a smaller or
 * unaligned write is merged into the dword(s) it covers (INTMS and INTMC, write-one
 * registers, merge with zeros). */
static void tn_mmio_write(void *dev, uint8_t bar, uint32_t offset, uint8_t size, uint64_t value)
{
    struct tn_dev *d = dev;
    if (bar != 0 || size > 8 || offset >= TN_BAR0_SIZE || size > TN_BAR0_SIZE - offset)
        return;
    for (uint32_t dw = offset & ~3u; dw < offset + size; dw += 4) {
        uint32_t v = 0;
        int keep = dw != NVME_REG_INTMS && dw != NVME_REG_INTMC;
        for (uint32_t b = dw; b < dw + 4; b++) {
            uint8_t byte = b >= offset && b < offset + size ? (uint8_t)(value >> 8 * (b - offset))
                           : keep                           ? bar0_byte(d, b)
                                                            : 0;
            v |= (uint32_t)byte << 8 * (b - dw);
        }
        bar0_write32(d, dw, v);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* life cycle */

/* The power-on state: config space, MSI-X table (every vector masked), registers, no queues. */
static void power_on(struct tn_dev *d)
{
    cfg_init(d);
    memset(d->msix, 0, sizeof d->msix);
    for (unsigned v = 0; v < TN_MSIX_VECTORS; v++)
        d->msix[v].ctrl = PCI_MSIX_ENTRY_CTRL_MASKBIT;
    d->pba = 0;
    d->cap = TN_MQES | 1u << 16 /* CQR */ | 15ull << 24 /* TO: 7.5 s */ | NVME_CAP_CSS_NVM;
    d->cc = d->aqa = 0;
    d->asq = d->acq = 0;
    d->host_reads = d->host_writes = 0;
    ctrl_reset(d);
}

/* Reports the reset, and drops the INTx line if it was up. The namespace keeps its data. */
static void tn_reset(void *dev)
{
    struct tn_dev *d = dev;
    power_on(d);
    tn_state(d, NVT_TARGET_STATE_RESET, 0);
    if (d->intx) {
        d->intx = 0;
        d->host->intx(d->host->ctx, 0);
    }
}

static int parse_args(struct tn_dev *d, const char *args, char *err, size_t errlen)
{
    char buf[256];
    if (strlen(args) >= sizeof buf) {
        snprintf(err, errlen, "arguments longer than %zu bytes", sizeof buf - 1);
        return -1;
    }
    strcpy(buf, args);
    for (char *save = NULL, *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *val = strchr(kv, '=');
        if (val)
            *val++ = 0;
        if (!strcmp(kv, "blocks") && val) {
            char *end;
            unsigned long long n = strtoull(val, &end, 0);
            if (!*val || *end || n < 1 || n > TN_MAX_BLOCKS) {
                snprintf(err, errlen, "blocks=%s: not a number of blocks from 1 to %u", val,
                         TN_MAX_BLOCKS);
                return -1;
            }
            d->blocks = n;
        } else if (!strcmp(kv, "bug") && val && !strcmp(val, "flush-status")) {
            d->bugs |= BUG_FLUSH_STATUS;
        } else if (!strcmp(kv, "bug") && val && !strcmp(val, "crash-qsize0")) {
            d->bugs |= BUG_CRASH_QSIZE0;
        } else if (!strcmp(kv, "bug") && val && !strcmp(val, "flush-lost")) {
            d->bugs |= BUG_FLUSH_LOST;
        } else if (!strcmp(kv, "order") && val && !strcmp(val, "reverse")) {
            d->reverse = 1;
        } else {
            snprintf(err, errlen,
                     "unknown argument '%s%s%s' (takes blocks=N, bug=flush-status, "
                     "bug=flush-lost, bug=crash-qsize0, order=reverse)",
                     kv, val ? "=" : "", val ? val : "");
            return -1;
        }
    }
    return 0;
}

static void *tn_create(const nvt_target_host *host, const char *args, char *err, size_t errlen)
{
    struct tn_dev *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->host = host;
    d->blocks = TN_DEFAULT_BLOCKS;
    if (parse_args(d, args ? args : "", err, errlen) < 0) {
        free(d);
        return NULL;
    }
    d->media = calloc(d->blocks, TN_LBA_SIZE);
    if (!d->media) {
        snprintf(err, errlen, "out of memory for %" PRIu64 " blocks", d->blocks);
        free(d);
        return NULL;
    }
    power_on(d); /* reset() reports it */
    return d;
}

static void tn_destroy(void *dev)
{
    struct tn_dev *d = dev;
    if (!d)
        return;
    queues_delete_all(d);
    free(d->media);
    free(d);
}

static const nvt_target_ops tn_ops = {
    .abi_version = NVT_TARGET_ABI_VERSION,
    .size = sizeof(nvt_target_ops),
    .name = TN_NAME,
    .features = NVT_TARGET_F_STATE,
    .create = tn_create,
    .destroy = tn_destroy,
    .reset = tn_reset,
    .cfg_read = tn_cfg_read,
    .cfg_write = tn_cfg_write,
    .mmio_read = tn_mmio_read,
    .mmio_write = tn_mmio_write,
    .run = tn_run,
};

__attribute__((visibility("default"))) const nvt_target_ops *nvt_target_v1(void)
{
    return &tn_ops;
}

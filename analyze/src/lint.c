/* Spec-conformance rules (docs/lint.md). Each rule has an id, a severity and a citation; the
 * checks run on the shared model, before and after it takes each event, and only on fields the
 * trace marks as known. */
#include "lint.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmetrace/nvme.h"

enum {
    R_BAR0_SIZE,
    R_BAR_WRITE_DECODING,
    R_BAR_ADDR,
    R_CID_REUSE,
    R_CPL_ORPHAN,
    R_DB_BEYOND,
    R_DB_NOQUEUE,
    R_SQ_NO_CQ,
    R_BEFORE_READY,
    R_CC_CHANGED,
    R_MSIX_VECTOR,
    R_MDTS,
    R_PRP_OFFSET,
    R_RESERVED,
    R_CQ_OVERRUN,
    R_DROPPED,
    R_COUNT
};

/* Rules marked FOLD report their first occurrence per device and count the rest; the others
 * report up to MAX_EACH occurrences per device, the last one counting any beyond. */
#define FOLD 1
#define MAX_EACH 20

static const struct {
    nvt_lint_rule r;
    int fold;
} rules[R_COUNT] = {
    [R_BAR0_SIZE] = {{"bar0-too-small", NVT_SEV_ERROR, "BAR0 is smaller than 16 KiB",
                      "NVMe Base 1.4 sec. 2.1.10 (MLBAR): bits 13:04 are reserved, so BAR0 "
                      "decodes at least 16 KiB; PCI Local Bus 3.0 sec. 6.2.5.1 (BAR sizing)"},
                     FOLD},
    [R_BAR_WRITE_DECODING] = {{"bar-write-while-decoding", NVT_SEV_WARNING,
                               "A memory BAR was rewritten while Memory Space decoding was on",
                               "PCI Local Bus 3.0 sec. 6.2.2 (Command register, Memory Space) "
                               "and sec. 6.2.5.1 (address maps: size and move a BAR with "
                               "decoding off)"},
                              FOLD},
    [R_BAR_ADDR] = {{"bar-address-mismatch", NVT_SEV_ERROR,
                     "Accesses or the emulator's mapping are at another address than the BAR "
                     "in config space",
                     "PCI Local Bus 3.0 sec. 6.2.5.1: a function decodes exactly the range its "
                     "Base Address Register holds"},
                    FOLD},
    [R_CID_REUSE] = {{"cid-reuse", NVT_SEV_ERROR,
                      "A command identifier was reused while a command with it was outstanding",
                      "NVMe Base 1.4 sec. 4.2 (Command Dword 0, CID): unique among the "
                      "outstanding commands of the submission queue"},
                     0},
    [R_CPL_ORPHAN] = {{"cpl-without-sub", NVT_SEV_ERROR,
                       "A completion matches no outstanding command",
                       "NVMe Base 1.4 sec. 4.6 (Completion Queue Entry: SQ Identifier and "
                       "Command Identifier name the command completed)"},
                      0},
    [R_DB_BEYOND] = {{"doorbell-beyond-queue-size", NVT_SEV_ERROR,
                      "A doorbell value is not less than the queue size",
                      "NVMe Base 1.4 sec. 3.1.24 (SQyTDBL), sec. 3.1.25 (CQyHDBL), sec. "
                      "5.2.1 (Asynchronous Event Information, Error Status: Invalid "
                      "Doorbell Write Value)"},
                     FOLD},
    [R_DB_NOQUEUE] = {{"doorbell-unknown-queue", NVT_SEV_ERROR,
                       "A doorbell was written for a queue that does not exist",
                       "NVMe Base 1.4 sec. 3.1.24, sec. 3.1.25, sec. 5.2.1 (Asynchronous Event "
                       "Information, Error Status: Invalid Doorbell Register)"},
                      FOLD},
    [R_SQ_NO_CQ] = {{"sq-on-missing-cq", NVT_SEV_ERROR,
                     "Create I/O Submission Queue names a completion queue that does not exist",
                     "NVMe Base 1.4 sec. 5.4 (Create I/O Submission Queue, CDW11.CQID; status "
                     "Completion Queue Invalid)"},
                    0},
    [R_BEFORE_READY] = {{"cmd-before-ready", NVT_SEV_ERROR,
                         "A command was submitted while the controller was not ready",
                         "NVMe Base 1.4 sec. 7.6.1 (initialization: the host waits for "
                         "CSTS.RDY = 1 before submitting commands), sec. 3.1.6 (CSTS.RDY)"},
                        FOLD},
    [R_CC_CHANGED] = {{"cc-changed-while-enabled", NVT_SEV_ERROR,
                       "CC changed while CC.EN = 1 (other than a shutdown notification)",
                       "NVMe Base 1.4 sec. 3.1.5 (CC: CSS, MPS and AMS are changed only while "
                       "EN = 0; IOSQES and IOCQES before I/O queues are created)"},
                      0},
    [R_MSIX_VECTOR] = {{"msix-vector-beyond-table", NVT_SEV_ERROR,
                        "An interrupt vector is at or beyond the MSI-X table size",
                        "PCI Local Bus 3.0 sec. 6.8.2 (MSI-X Table Size); NVMe Base 1.4 sec. "
                        "5.3 (Create I/O Completion Queue, IV; status Invalid Interrupt "
                        "Vector)"},
                       0},
    [R_MDTS] = {{"transfer-beyond-mdts", NVT_SEV_ERROR,
                 "A command transfers more data than MDTS allows",
                 "NVMe Base 1.4 sec. 5.15.2.1 (Identify Controller, MDTS: a power of two in "
                 "units of CAP.MPSMIN); sec. 3.1.1 (CAP.MPSMIN)"},
                0},
    [R_PRP_OFFSET] = {{"prp-offset", NVT_SEV_ERROR,
                       "A PRP entry or queue base address has an offset the spec forbids",
                       "NVMe Base 1.4 sec. 4.3 (PRP entries are dword aligned; entries after "
                       "the first have offset 0), sec. 5.3 and 5.4 (PRP1 of a physically "
                       "contiguous queue is page aligned)"},
                      0},
    [R_RESERVED] = {{"reserved-bits", NVT_SEV_WARNING,
                     "A reserved field was written with a non-zero value",
                     "NVMe Base 1.4 sec. 1.4 (conventions: reserved fields are cleared to 0 "
                     "by the writer); sec. 3.1.5 CC, 3.1.8 AQA, 3.1.9 ASQ, 3.1.10 ACQ, 4.2 CDW0, "
                     "5.3/5.4 CDW11"},
                    0},
    [R_CQ_OVERRUN] = {{"cq-overrun", NVT_SEV_ERROR,
                       "The device posted an entry to a full completion queue",
                       "NVMe Base 1.4 sec. 4.1.2 (Full Queue: Head = Tail + 1; the controller "
                       "does not post to a full completion queue)"},
                      FOLD},
    [R_DROPPED] = {{"capture-dropped", NVT_SEV_WARNING,
                    "The capture dropped events; other findings may be caused by the gaps",
                    "nvmetrace trace format: CAPTURE_STATS record (docs/format.md)"},
                   FOLD},
};

const nvt_lint_rule *nvt_lint_rules(size_t *n)
{
    static nvt_lint_rule flat[R_COUNT];
    /* A flat copy: callers index it as an array of nvt_lint_rule. Filled once; the contents
     * are constant, so concurrent first calls write the same bytes. */
    if (!flat[0].id)
        for (int i = R_COUNT - 1; i >= 0; i--)
            flat[i] = rules[i].r;
    *n = R_COUNT;
    return flat;
}

const nvt_lint_rule *nvt_lint_rule_find(const char *id)
{
    size_t n;
    const nvt_lint_rule *all = nvt_lint_rules(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i].id, id) == 0)
            return &all[i];
    return NULL;
}

const char *nvt_severity_name(int severity)
{
    switch (severity) {
    case NVT_SEV_ERROR:
        return "error";
    case NVT_SEV_WARNING:
        return "warning";
    default:
        return "info";
    }
}

/* ------------------------------------------------------------------- state ---- */

struct ldev {
    uint32_t seen[R_COUNT];       /* occurrences per rule */
    int64_t last[R_COUNT];        /* index in findings of the last one kept, -1 none */
    /* cmd-before-ready: doorbells while enabled and not yet shown ready */
    uint64_t pend_count;
    nvt_finding pend;
    uint8_t rdy0_seen;            /* a CSTS read showed RDY = 0 after the enable */
};

struct lint {
    uint8_t off[R_COUNT];
    struct ldev *devs;
    size_t ndevs;
    nvt_finding *f;
    size_t nf, capf;
    int nomem;
    /* the event being processed (for findings raised from the model's hooks) */
    const nvt_event *ev;
    uint64_t index;
    int ready_before, enabled_before;
    uint64_t dropped;
    nvt_finding drop_finding;
    int finished;
};

struct lint *lint_new(const char *const *disable)
{
    struct lint *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    size_t n;
    const nvt_lint_rule *all = nvt_lint_rules(&n);
    for (const char *const *d = disable; d && *d; d++)
        for (size_t i = 0; i < n; i++)
            if (strcmp(all[i].id, *d) == 0)
                l->off[i] = 1;
    return l;
}

void lint_free(struct lint *l)
{
    if (!l)
        return;
    free(l->devs);
    free(l->f);
    free(l);
}

int lint_failed(const struct lint *l)
{
    return l->nomem;
}

static struct ldev *ldev(struct lint *l, uint32_t dev)
{
    if (dev >= l->ndevs) {
        size_t n = dev + 1;
        struct ldev *p = realloc(l->devs, n * sizeof *p);
        if (!p) {
            l->nomem = 1;
            return NULL;
        }
        for (size_t i = l->ndevs; i < n; i++) {
            memset(&p[i], 0, sizeof p[i]);
            for (int r = 0; r < R_COUNT; r++)
                p[i].last[r] = -1;
        }
        l->devs = p;
        l->ndevs = n;
    }
    return &l->devs[dev];
}

static void fill(nvt_finding *f, int rule, uint32_t dev, uint64_t index, uint64_t seq,
                 uint64_t ts, const char *fmt, va_list ap)
{
    size_t n;
    f->rule = &nvt_lint_rules(&n)[rule];
    f->device = dev;
    f->event = index;
    f->seq = seq;
    f->ts_ns = ts;
    f->count = 1;
    vsnprintf(f->message, sizeof f->message, fmt, ap);
}

static void add(struct lint *l, int rule, uint32_t dev, const nvt_finding *f)
{
    struct ldev *d = ldev(l, dev);
    if (!d)
        return;
    d->seen[rule]++;
    int fold = rules[rule].fold;
    if ((fold && d->seen[rule] > 1) || (!fold && d->seen[rule] > MAX_EACH)) {
        if (d->last[rule] >= 0)
            l->f[d->last[rule]].count++;
        return;
    }
    if (l->nf == l->capf) {
        size_t n = l->capf ? l->capf * 2 : 64;
        nvt_finding *p = realloc(l->f, n * sizeof *p);
        if (!p) {
            l->nomem = 1;
            return;
        }
        l->f = p;
        l->capf = n;
    }
    l->f[l->nf] = *f;
    d->last[rule] = (int64_t)l->nf++;
}

/* A finding at event (index, ev). */
__attribute__((format(printf, 6, 7))) static void report(struct lint *l, int rule, uint32_t dev,
                                                          uint64_t index, const nvt_event *ev,
                                                          const char *fmt, ...)
{
    if (l->off[rule])
        return;
    nvt_finding f;
    va_list ap;
    va_start(ap, fmt);
    fill(&f, rule, dev, index, ev->seq, ev->ts_ns, fmt, ap);
    va_end(ap);
    add(l, rule, dev, &f);
}

/* A finding about a command, placed at its submission. */
__attribute__((format(printf, 4, 5))) static void report_cmd(struct lint *l, int rule,
                                                              const struct mcmd *c,
                                                              const char *fmt, ...)
{
    if (l->off[rule])
        return;
    nvt_finding f;
    va_list ap;
    va_start(ap, fmt);
    fill(&f, rule, c->device, c->sub_event, c->sub_seq, c->sub_ts, fmt, ap);
    va_end(ap);
    add(l, rule, c->device, &f);
}

/* ---------------------------------------------------------------- helpers ---- */

static const char *opc_name(const struct mcmd *c, char *buf, size_t len)
{
    unsigned opc;
    if (!cmd_opcode(c, &opc)) {
        snprintf(buf, len, "opcode unknown");
        return buf;
    }
    nvt_opcode_label(cmd_admin(c), (uint8_t)opc, buf, len);
    return buf;
}

static const char *status_text(unsigned status, char *buf, size_t len)
{
    unsigned sct = (status >> 8) & 7, sc = status & 0xff;
    const char *n = nvt_status_name((uint8_t)sct, (uint8_t)sc);
    if (n)
        snprintf(buf, len, "%s", n);
    else
        snprintf(buf, len, "SCT %u SC 0x%02x", sct, sc);
    return buf;
}

static int is_rw(const struct mcmd *c, unsigned *opc)
{
    return !cmd_admin(c) && cmd_opcode(c, opc) && (*opc == 0x01 || *opc == 0x02 || *opc == 0x05);
}

/* --------------------------------------------------------------- per event ---- */

static void check_bar_write(struct lint *l, struct mdev *d, const nvt_event *ev, uint64_t index)
{
    int hi;
    int bi = dev_bar_of(d, ev->u.cfg.offset, &hi);
    if (bi < 0 || d->bar[bi].is_io || !d->pci_command_known || !(d->pci_command & 2))
        return;
    const struct mbar *b = &d->bar[bi];
    uint32_t val = ev->u.cfg.value;
    int probe = hi ? val == 0xffffffffu : (val | 0xfu) == 0xffffffffu;
    int known = hi ? b->hi_known : b->lo_known;
    uint32_t old = hi ? b->hi : b->lo;
    if (probe)
        report(l, R_BAR_WRITE_DECODING, d->index, index, ev,
               "BAR%d%s sized (0x%08x written) while Memory Space decoding is on (PCI "
               "Command 0x%04x)",
               bi, hi ? " high half" : "", val, d->pci_command);
    else if (!known || ((old ^ val) & ~0xfu))
        report(l, R_BAR_WRITE_DECODING, d->index, index, ev,
               "BAR%d%s moved to 0x%08x while Memory Space decoding is on (PCI Command 0x%04x)",
               bi, hi ? " high half" : "", val, d->pci_command);
}

static void check_bar0_size(struct lint *l, struct mdev *d, uint64_t size, const char *how,
                            uint64_t index, const nvt_event *ev)
{
    if (size && size < 0x4000)
        report(l, R_BAR0_SIZE, d->index, index, ev,
               "BAR0 is %" PRIu64 " bytes (%s); MLBAR bits 13:4 must be reserved, so at least "
               "16384 (Windows' stornvme masks BAR0 with 0xFFFFC000 and fails such a device "
               "with INACCESSIBLE_BOOT_DEVICE)",
               size, how);
}

static void check_mmio_addr(struct lint *l, struct mdev *d, const nvt_event *ev, uint64_t index)
{
    uint64_t base;
    unsigned bar = ev->u.mmio.bar;
    if (!ev->u.mmio.gpa || bar > 5 || !dev_bar_addr(d, (int)bar, &base))
        return;
    uint64_t at = ev->u.mmio.gpa - ev->u.mmio.offset;
    if (at != base)
        report(l, R_BAR_ADDR, d->index, index, ev,
               "%s of BAR%u offset 0x%x arrived at GPA 0x%" PRIx64 " (BAR at 0x%" PRIx64
               ") but config space says BAR%u is at 0x%" PRIx64,
               ev->type == NVT_EV_MMIO_READ ? "read" : "write", bar, ev->u.mmio.offset,
               ev->u.mmio.gpa, at, bar, base);
}

static void check_cc(struct lint *l, struct mdev *d, const nvt_event *ev, uint64_t index)
{
    uint32_t cc = (uint32_t)ev->u.mmio.value;
    if (cc & 0xfe00000eu)
        report(l, R_RESERVED, d->index, index, ev,
               "CC written with reserved bits set: 0x%08x (reserved mask 0xfe00000e)", cc);
    if (!d->cc_known || !(d->cc & 1) || !(cc & 1))
        return;
    uint32_t changed = (d->cc ^ cc) & ~0xc000u; /* SHN may change while enabled */
    const uint32_t fixed = 0x70u | 0x780u | 0x3800u; /* CSS, MPS, AMS */
    const uint32_t entry_sizes = 0xff0000u;           /* IOSQES, IOCQES */
    int io_queues = 0;
    for (uint32_t q = 1; q < d->nsq && !io_queues; q++)
        io_queues = d->sq[q].exists;
    for (uint32_t q = 1; q < d->ncq && !io_queues; q++)
        io_queues = d->cq[q].exists;
    if (changed & fixed)
        report(l, R_CC_CHANGED, d->index, index, ev,
               "CC changed from 0x%08x to 0x%08x while enabled: CSS/MPS/AMS bits 0x%08x changed",
               d->cc, cc, changed & fixed);
    else if ((changed & entry_sizes) && io_queues)
        report(l, R_CC_CHANGED, d->index, index, ev,
               "CC changed from 0x%08x to 0x%08x while I/O queues exist: IOSQES/IOCQES changed",
               d->cc, cc);
}

static void check_reg_write(struct lint *l, struct mdev *d, const nvt_event *ev, uint64_t index)
{
    if (ev->u.mmio.bar != 0)
        return;
    uint32_t off = ev->u.mmio.offset;
    uint64_t v = ev->u.mmio.value;
    if (off == NVME_REG_CC && ev->u.mmio.size == 4)
        check_cc(l, d, ev, index);
    else if (off == NVME_REG_AQA && (v & 0xf000f000u))
        report(l, R_RESERVED, d->index, index, ev,
               "AQA written with reserved bits set: 0x%08" PRIx64 " (reserved mask 0xf000f000)",
               v & 0xffffffffu);
    else if ((off == NVME_REG_ASQ || off == NVME_REG_ACQ) && (v & 0xfff))
        report(l, R_RESERVED, d->index, index, ev,
               "%s written with reserved bits 11:0 set: 0x%" PRIx64 " (the queue base must be "
               "4 KiB aligned)",
               off == NVME_REG_ASQ ? "ASQ" : "ACQ", v);
}

/* cmd-before-ready: an SQ tail doorbell (MMIO or shadow) while not ready. */
static void check_ready(struct lint *l, struct mdev *d, const nvt_event *ev, uint64_t index,
                        uint16_t qid, uint32_t value)
{
    if (d->enabled == 0) {
        report(l, R_BEFORE_READY, d->index, index, ev,
               "SQ %u tail doorbell (%u) written while the controller is disabled (CC.EN = 0)",
               qid, value);
        return;
    }
    if (d->enabled != 1 || d->ready != 0 || l->off[R_BEFORE_READY])
        return;
    /* Not shown ready yet: a finding once the trace proves it (RDY seen later, or RDY = 0
     * read after the enable). */
    struct ldev *ld = ldev(l, d->index);
    if (!ld)
        return;
    if (!ld->pend_count) {
        size_t n;
        ld->pend.rule = &nvt_lint_rules(&n)[R_BEFORE_READY];
        ld->pend.device = d->index;
        ld->pend.event = index;
        ld->pend.seq = ev->seq;
        ld->pend.ts_ns = ev->ts_ns;
        ld->pend.count = 1;
        snprintf(ld->pend.message, sizeof ld->pend.message,
                 "SQ %u tail doorbell (%u) written after CC.EN = 1 but before CSTS.RDY = 1", qid,
                 value);
    }
    ld->pend_count++;
}

static void resolve_pending(struct lint *l, uint32_t dev, int confirmed)
{
    struct ldev *ld = ldev(l, dev);
    if (!ld || !ld->pend_count)
        return;
    if (confirmed) {
        for (uint64_t i = 0; i < ld->pend_count; i++) {
            nvt_finding f = ld->pend;
            add(l, R_BEFORE_READY, dev, &f);
        }
    }
    ld->pend_count = 0;
    ld->rdy0_seen = 0;
}

static void check_doorbell(struct lint *l, struct mdev *d, const nvt_event *ev, uint64_t index,
                           uint16_t qid, int is_cq, uint32_t value, const char *how)
{
    struct mqueue *q = is_cq ? dev_cq(d, qid) : dev_sq(d, qid);
    if (!q) {
        if (d->enabled == 1 && d->up_in_trace)
            report(l, R_DB_NOQUEUE, d->index, index, ev,
                   "%s%s %u %s doorbell written (%u) but that queue does not exist", how,
                   is_cq ? "CQ" : "SQ", qid, is_cq ? "head" : "tail", value);
    } else if (q->size_known && value >= q->size) {
        report(l, R_DB_BEYOND, d->index, index, ev,
               "%s%s %u %s doorbell set to %u, but the queue has %u entries", how,
               is_cq ? "CQ" : "SQ", qid, is_cq ? "head" : "tail", value, q->size);
    }
    if (!is_cq)
        check_ready(l, d, ev, index, qid, value);
}

static void check_cq_full(struct lint *l, struct mdev *d, const nvt_event *ev, uint64_t index)
{
    struct mqueue *q = dev_cq(d, ev->u.cpl.qid);
    if (!q || !q->size_known || !q->in_trace || q->shadow || q->size < 2)
        return;
    uint32_t head = q->db_seen ? q->db : 0;
    uint32_t tail = ev->u.cpl.slot != NVT_SLOT_UNKNOWN ? ev->u.cpl.slot : q->cq_tail;
    if (head >= q->size || tail >= q->size)
        return;
    /* Entries the host has not released yet, before this one is written. */
    uint32_t used = (tail + q->size - head) % q->size;
    if (q->cq_posted >= q->size - 1 && used == q->size - 1)
        report(l, R_CQ_OVERRUN, d->index, index, ev,
               "CQ %u is full (head %u, tail %u, %u entries) and the device posted another "
               "entry",
               ev->u.cpl.qid, head, tail, q->size);
}

static void check_sqe(struct lint *l, struct mdev *d, const struct mcmd *c)
{
    char name[48];
    uint64_t v;
    if (cmd_sqe_field(c, 1, 1, &v) && (v & 0x3c))
        report_cmd(l, R_RESERVED, c,
                   "SQ %u CID 0x%04x (%s): CDW0 bits 13:10 are reserved but set (0x%02x)",
                   c->sqid, c->cid, opc_name(c, name, sizeof name), (unsigned)(v >> 2 & 0xf));
    unsigned opc;
    if (!cmd_admin(c) || !cmd_opcode(c, &opc))
        return;
    if (opc == 0x05 || opc == 0x01) {
        uint16_t rsvd = opc == 0x05 ? 0xfffc : 0xfff8;
        if (cmd_sqe_field(c, 44, 2, &v) && (v & rsvd))
            report_cmd(l, R_RESERVED, c,
                       "%s: CDW11 bits 15:%d are reserved but set (CDW11[15:0] = 0x%04x)",
                       opc_name(c, name, sizeof name), opc == 0x05 ? 2 : 3, (unsigned)v);
        uint64_t flags, prp1;
        if (cmd_sqe_field(c, 44, 2, &flags) && (flags & 1) && cmd_sqe_field(c, 24, 8, &prp1) &&
            (prp1 & (dev_page_size(d) - 1)))
            report_cmd(l, R_PRP_OFFSET, c,
                       "%s: PRP1 0x%" PRIx64 " of a physically contiguous queue is not aligned "
                       "to the %u-byte memory page",
                       opc_name(c, name, sizeof name), prp1, dev_page_size(d));
    } else if ((opc == 0x00 || opc == 0x04) && cmd_sqe_field(c, 42, 2, &v) && v) {
        report_cmd(l, R_RESERVED, c, "%s: CDW10 bits 31:16 are reserved but set (0x%04x)",
                   opc_name(c, name, sizeof name), (unsigned)v);
    }
}

void lint_pre(struct lint *l, struct model *m, const nvt_event *ev, uint64_t index)
{
    l->ev = ev;
    l->index = index;
    struct mdev *d = model_dev(m, ev->device);
    l->ready_before = d ? d->ready : -1;
    l->enabled_before = d ? d->enabled : -1;
    if (!d)
        return;
    switch (ev->type) {
    case NVT_EV_CFG_WRITE:
        check_bar_write(l, d, ev, index);
        break;
    case NVT_EV_MMIO_READ:
        check_mmio_addr(l, d, ev, index);
        if (ev->u.mmio.bar == 0 && ev->u.mmio.offset == NVME_REG_CSTS &&
            !(ev->flags & NVT_F_VALUE_UNKNOWN) && !(ev->u.mmio.value & 1) && d->enabled == 1) {
            struct ldev *ld = ldev(l, d->index);
            if (ld)
                ld->rdy0_seen = 1;
        }
        break;
    case NVT_EV_MMIO_WRITE:
        check_mmio_addr(l, d, ev, index);
        check_reg_write(l, d, ev, index);
        break;
    case NVT_EV_DOORBELL:
        check_doorbell(l, d, ev, index, ev->u.doorbell.qid, ev->u.doorbell.is_cq,
                       ev->u.doorbell.value, "");
        break;
    case NVT_EV_COMPLETION:
        check_cq_full(l, d, ev, index);
        break;
    default:
        break;
    }
}

void lint_post(struct lint *l, struct model *m, const nvt_event *ev, uint64_t index,
               const struct mstep *step)
{
    struct mdev *d = model_dev(m, ev->device);
    if (!d)
        return;
    /* Readiness shown: doorbells before it were early. Reset or disable without it: only
     * if a RDY = 0 read proved the controller was not ready. */
    if (l->enabled_before == 1 && l->ready_before == 0 && d->ready == 1)
        resolve_pending(l, d->index, 1);
    else if (l->enabled_before == 1 && d->enabled != 1) {
        struct ldev *ld = ldev(l, d->index);
        resolve_pending(l, d->index, ld && ld->rdy0_seen);
    }
    switch (ev->type) {
    case NVT_EV_CFG_READ:
        if (step->bar_probe && !step->bar_probe_hi && step->bar_index == 0 && !d->bar[0].is_io)
            check_bar0_size(l, d, d->bar[0].size, "size probe read-back", index, ev);
        break;
    case NVT_EV_BAR_MAP:
        if (ev->u.bar.bar == 0 && !(ev->u.bar.flags & NVT_BAR_IO))
            check_bar0_size(l, d, ev->u.bar.size, "emulator's mapping", index, ev);
        if (ev->u.bar.bar < 6) {
            uint64_t base;
            if (dev_bar_addr(d, ev->u.bar.bar, &base) && base != ev->u.bar.addr)
                report(l, R_BAR_ADDR, d->index, index, ev,
                       "the emulator mapped BAR%u at 0x%" PRIx64 " but config space says 0x%" PRIx64,
                       ev->u.bar.bar, ev->u.bar.addr, base);
        }
        break;
    case NVT_EV_SUBMISSION:
        if (step->sub)
            check_sqe(l, d, step->sub);
        break;
    case NVT_EV_COMPLETION:
        if (step->orphan && !step->orphan_expected) {
            uint16_t known = nvt_cqe_known(ev);
            char sq[16] = "?";
            if ((known & 0x0c00) == 0x0c00)
                snprintf(sq, sizeof sq, "%u", (unsigned)le_get(ev->u.cpl.cqe + 10, 2));
            report(l, R_CPL_ORPHAN, d->index, index, ev,
                   "CQ %u entry for SQ %s CID 0x%04x matches no outstanding command",
                   ev->u.cpl.qid, sq, (unsigned)le_get(ev->u.cpl.cqe + 12, 2));
        }
        break;
    case NVT_EV_DMA_READ:
        if (step->shadow_db)
            check_doorbell(l, d, ev, index, step->db_qid, step->db_is_cq, step->db_value,
                           "shadow ");
        break;
    case NVT_EV_INTERRUPT:
        if (ev->u.irq.kind == NVT_IRQ_MSIX && d->msix_table_size &&
            ev->u.irq.vector >= d->msix_table_size)
            report(l, R_MSIX_VECTOR, d->index, index, ev,
                   "MSI-X vector %u raised, but the MSI-X table has %u entries",
                   ev->u.irq.vector, d->msix_table_size);
        break;
    case NVT_EV_CAPTURE_STATS:
        if (ev->u.stats.dropped > l->dropped) {
            l->dropped = ev->u.stats.dropped;
            size_t n;
            nvt_finding *f = &l->drop_finding;
            f->rule = &nvt_lint_rules(&n)[R_DROPPED];
            f->device = ev->device;
            f->event = index;
            f->seq = ev->seq;
            f->ts_ns = ev->ts_ns;
            f->count = 1;
            snprintf(f->message, sizeof f->message,
                     "%" PRIu64 " events dropped by the capture (%" PRIu64 " ring overflows)",
                     ev->u.stats.dropped, ev->u.stats.overflows);
        }
        break;
    default:
        break;
    }
}

/* ---------------------------------------------------------------- commands ---- */

static void check_transfer(struct lint *l, struct model *m, struct mdev *d, const struct mcmd *c)
{
    unsigned opc;
    char name[48];
    int known;
    uint64_t len = cmd_data_len(m, c, &known);
    if (!known)
        len = c->dma_read + c->dma_write; /* what the device moved for it */
    /* MDTS, for I/O commands (admin data transfers are bounded by their own fields) */
    if (is_rw(c, &opc) && len && d->id.mdts_known && d->id.mdts && dev_cap_hi(d)) {
        unsigned mpsmin = (unsigned)(d->cap >> 48) & 0xf;
        uint64_t limit = (1ull << d->id.mdts) << (12 + mpsmin);
        if (len > limit)
            report_cmd(l, R_MDTS, c,
                       "%s on SQ %u CID 0x%04x transfers %" PRIu64 " bytes; MDTS %u with "
                       "CAP.MPSMIN %u allows %" PRIu64,
                       opc_name(c, name, sizeof name), c->sqid, c->cid, len, d->id.mdts, mpsmin,
                       limit);
    }
    /* PRPs: only commands that move data through PRPs (PSDT 00b) */
    uint64_t flags, prp1, prp2;
    if (!len || !cmd_opcode(c, &opc) || !cmd_sqe_field(c, 1, 1, &flags) || (flags & 0xc0) ||
        !cmd_sqe_field(c, 24, 8, &prp1))
        return;
    if (cmd_admin(c) && opc != 0x06 && opc != 0x02)
        return; /* queue creation uses PRP1 as the queue base: checked at submission */
    if (prp1 & 3) {
        report_cmd(l, R_PRP_OFFSET, c,
                   "%s on SQ %u CID 0x%04x: PRP1 0x%" PRIx64 " is not dword aligned",
                   opc_name(c, name, sizeof name), c->sqid, c->cid, prp1);
        return;
    }
    if (!cmd_sqe_field(c, 32, 8, &prp2))
        return;
    uint64_t ps = dev_page_size(d), first = ps - prp1 % ps;
    if (len <= first)
        return; /* PRP2 unused */
    if (len - first <= ps) {
        if (prp2 % ps)
            report_cmd(l, R_PRP_OFFSET, c,
                       "%s on SQ %u CID 0x%04x: PRP2 0x%" PRIx64 " is a second data page "
                       "(%" PRIu64 " bytes from PRP1 offset 0x%" PRIx64 ") but has a non-zero "
                       "offset",
                       opc_name(c, name, sizeof name), c->sqid, c->cid, prp2, len, prp1 % ps);
    } else if (prp2 & 3) {
        report_cmd(l, R_PRP_OFFSET, c,
                   "%s on SQ %u CID 0x%04x: PRP2 0x%" PRIx64 " is a PRP list pointer but not "
                   "dword aligned",
                   opc_name(c, name, sizeof name), c->sqid, c->cid, prp2);
    }
}

void lint_cmd_done(struct lint *l, struct model *m, const struct mcmd *c)
{
    struct mdev *d = model_dev(m, c->device);
    char name[48], st[64];
    if (!d)
        return;
    if (c->end == CMD_REPLACED) {
        report(l, R_CID_REUSE, c->device, l->index, l->ev,
               "SQ %u CID 0x%04x reused while command %" PRIu64 " (%s, event %" PRIu64
               ") with that CID was outstanding",
               c->sqid, c->cid, c->id, opc_name(c, name, sizeof name), c->sub_event);
        return;
    }
    unsigned opc, status = 0;
    int have_status = cmd_status(c, &status);
    int ok = c->end == CMD_COMPLETED && (!have_status || (status & 0x7ff) == 0);
    uint64_t v;
    if (c->cq_missing && cmd_sqe_field(c, 46, 2, &v)) {
        uint64_t qid = 0;
        cmd_sqe_field(c, 40, 2, &qid);
        if (c->end != CMD_COMPLETED)
            report_cmd(l, R_SQ_NO_CQ, c,
                       "Create I/O SQ %" PRIu64 " names CQ %" PRIu64 ", which does not exist",
                       qid, v);
        else if (ok)
            report_cmd(l, R_SQ_NO_CQ, c,
                       "Create I/O SQ %" PRIu64 " on CQ %" PRIu64 ", which does not exist, was "
                       "accepted by the device (it should fail with Completion Queue Invalid)",
                       qid, v);
        else
            report_cmd(l, R_SQ_NO_CQ, c,
                       "Create I/O SQ %" PRIu64 " names CQ %" PRIu64 ", which does not exist "
                       "(the device rejected it: %s)",
                       qid, v, status_text(status, st, sizeof st));
    }
    if (cmd_admin(c) && cmd_opcode(c, &opc) && opc == 0x05 && d->msix_table_size &&
        cmd_sqe_field(c, 44, 4, &v) && (v & 2) && (v >> 16) >= d->msix_table_size) {
        unsigned iv = (unsigned)(v >> 16);
        if (c->end == CMD_COMPLETED && ok)
            report_cmd(l, R_MSIX_VECTOR, c,
                       "Create I/O CQ with interrupt vector %u accepted, but the MSI-X table "
                       "has %u entries (Invalid Interrupt Vector expected)",
                       iv, d->msix_table_size);
        else
            report_cmd(l, R_MSIX_VECTOR, c,
                       "Create I/O CQ names interrupt vector %u, but the MSI-X table has %u "
                       "entries",
                       iv, d->msix_table_size);
    }
    if (c->end == CMD_COMPLETED)
        check_transfer(l, m, d, c);
}

static int by_event(const void *a, const void *b)
{
    const nvt_finding *x = a, *y = b;
    if (x->event != y->event)
        return x->event < y->event ? -1 : 1;
    return strcmp(x->rule->id, y->rule->id);
}

const nvt_finding *lint_finish(struct lint *l, struct model *m, size_t *n)
{
    (void)m;
    if (l->finished) {
        *n = l->nf;
        return l->f;
    }
    l->finished = 1;
    for (size_t i = 0; i < l->ndevs; i++)
        resolve_pending(l, (uint32_t)i, l->devs[i].rdy0_seen);
    if (l->dropped && !l->off[R_DROPPED])
        add(l, R_DROPPED, l->drop_finding.device, &l->drop_finding);
    if (l->nf)
        qsort(l->f, l->nf, sizeof *l->f, by_event);
    *n = l->nf;
    return l->f;
}

nvt_finding *lint_take(struct lint *l, size_t *n)
{
    nvt_finding *f = l->f;
    *n = l->nf;
    l->f = NULL;
    l->nf = l->capf = 0;
    return f;
}

/* Checks the trace the tap shim wrote inside a patched QEMU (samples/qemu/) against the trace
 * the QEMU log importer made of the same boot, and what only the shim can have.
 *
 * usage: check_tap_trace --shim S --imported I [--cpus N] [--serial SN] [--killed]
 *                        [--line MAJOR.MINOR] [--allow-empty-import]
 *
 * --line: the QEMU release line the patched binary is (default 7.2): the trace's emulator name
 * must say it, and the register values checked are that line's (nvmetrace/qemu.h).
 * --allow-empty-import: a log import holding no NVMe command (the importer cannot read the
 * line's log yet) skips the comparisons with it, loudly, instead of failing them.
 *
 * Whole boot (default): every stream both traces hold (SQEs per SQ, CQEs per CQ, doorbells,
 * register writes, register read offsets, config accesses, BAR mappings, controller states,
 * MSI-X control) must have the same length and agree on every byte the importer knows; every
 * DMA transfer the log shows must be in the shim's trace (address, length, command); then the
 * shim's own content: raw SQEs, register read values QEMU 7.2 returns, Identify data, write
 * data, CQE slots, phase tags and SQ heads, MSI-X messages, vCPU thread ids, no drops.
 *
 * --killed: QEMU was SIGKILLed and the shim's trace rebuilt by `nvmetrace recover`. QEMU's log
 * is flushed after every line, so it holds everything QEMU printed before the kill: the
 * recovered trace must agree with it over their common length, stream by stream, and may
 * differ in length only by what happens between a log line and the shim's call at the same
 * place in QEMU (see kill_slack). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmetrace/format.h"
#include "nvmetrace/qemu.h"
#include "test.h"

/* What the QEMU line returns for CAP (nvmetrace/qemu.h: MQES 0x7ff, CQR, TO 0xf, MPSMAX 4, the
 * line's CSS bits; no CMB or PMR), set in main; VS is NVMe 1.4 on every line (NVME_SPEC_VER). */
static uint64_t QEMU_CAP;
#define QEMU_VS 0x00010400u
/* scripts/guest/init.sh's write: 8 blocks at LBA 2048 of "nvmetrace-pattern\n" repeated */
#define WRITE_LBA 2048
#define WRITE_BYTES 4096
static const char pattern_line[] = "nvmetrace-pattern\n";

struct rec {
    nvt_event e;
    uint8_t *data; /* DMA bytes (caplen) */
    char *text;    /* annotation text, NUL-terminated */
};

struct trace {
    const char *path;
    struct rec *r;
    size_t n;
    nvt_device dev;
    size_t ndev;
};

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void load(const char *path, struct trace *t)
{
    nvt_error err;
    nvt_reader *rd = nvt_reader_open(path, &err);
    if (!rd) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    size_t cap = 8192;
    t->path = path;
    t->r = malloc(cap * sizeof *t->r);
    nvt_event ev;
    int rc;
    while ((rc = nvt_reader_next(rd, &ev, &err)) == 1) {
        if (t->n == cap)
            t->r = realloc(t->r, (cap *= 2) * sizeof *t->r);
        struct rec *x = &t->r[t->n++];
        x->e = ev;
        x->data = NULL;
        if ((ev.type == NVT_EV_DMA_READ || ev.type == NVT_EV_DMA_WRITE) && ev.u.dma.caplen) {
            x->data = malloc(ev.u.dma.caplen);
            memcpy(x->data, ev.u.dma.data, ev.u.dma.caplen);
        }
        x->text = NULL;
        x->e.raw = NULL;
        if (ev.type == NVT_EV_ANNOTATION) {
            x->text = strndup(ev.u.ann.text, ev.u.ann.len);
            x->e.u.ann.text = x->text;
        }
    }
    if (rc < 0) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    t->ndev = nvt_reader_device_count(rd);
    if (t->ndev)
        t->dev = *nvt_reader_device(rd, 0);
    nvt_reader_close(rd);
}

/* ---- streams: the events of one kind (and queue) in file order ---- */

enum stream {
    ST_SUB, ST_CPL, ST_DOORBELL, ST_MMIO_W, ST_MMIO_R, ST_CFG_W, ST_CFG_R, ST_BAR, ST_STATE,
    ST_MSIX_CTRL, ST_COUNT
};
static const char *const stream_name[ST_COUNT] = {
    "SQEs", "CQEs", "doorbells", "MMIO writes", "MMIO reads", "config writes", "config reads",
    "BAR mappings", "controller states", "MSI-X control"};

/* The stream an event belongs to, and its queue for SQEs/CQEs; -1 if none compared. */
static int stream_of(const nvt_event *e, unsigned *qid)
{
    *qid = 0;
    switch (e->type) {
    case NVT_EV_SUBMISSION: *qid = e->u.sub.qid; return ST_SUB;
    case NVT_EV_COMPLETION: *qid = e->u.cpl.qid; return ST_CPL;
    case NVT_EV_DOORBELL: return ST_DOORBELL;
    case NVT_EV_MMIO_WRITE: return ST_MMIO_W;
    case NVT_EV_MMIO_READ: return ST_MMIO_R;
    case NVT_EV_CFG_WRITE: return ST_CFG_W;
    case NVT_EV_CFG_READ: return ST_CFG_R;
    case NVT_EV_BAR_MAP: case NVT_EV_BAR_UNMAP: return ST_BAR;
    case NVT_EV_CTRL_STATE: return ST_STATE;
    case NVT_EV_MSIX_CTRL: return ST_MSIX_CTRL;
    default: return -1;
    }
}

/* Indices of the events of stream st (queue qid) in t. */
static size_t collect(const struct trace *t, int st, unsigned qid, size_t **out)
{
    size_t n = 0;
    *out = malloc((t->n + 1) * sizeof **out);
    for (size_t i = 0; i < t->n; i++) {
        unsigned q;
        if (stream_of(&t->r[i].e, &q) == st && q == qid)
            (*out)[n++] = i;
    }
    return n;
}

/* Do an imported event and a shim event agree on everything the import holds? why: what not. */
static int agree(const nvt_event *im, const nvt_event *sh, char *why, size_t cap)
{
    *why = '\0';
    if (im->type != sh->type) {
        snprintf(why, cap, "type %u vs %u", im->type, sh->type);
        return 0;
    }
    switch (im->type) {
    case NVT_EV_SUBMISSION:
        for (unsigned i = 0; i < NVT_SQE_LEN; i++)
            if ((im->u.sub.known >> i & 1) && im->u.sub.sqe[i] != sh->u.sub.sqe[i]) {
                snprintf(why, cap, "SQE byte %u: 0x%02x vs 0x%02x", i, im->u.sub.sqe[i],
                         sh->u.sub.sqe[i]);
                return 0;
            }
        if (im->u.sub.slot != NVT_SLOT_UNKNOWN && im->u.sub.slot != sh->u.sub.slot) {
            snprintf(why, cap, "slot %u vs %u", im->u.sub.slot, sh->u.sub.slot);
            return 0;
        }
        return 1;
    case NVT_EV_COMPLETION:
        for (unsigned i = 0; i < NVT_CQE_LEN; i++)
            if ((im->u.cpl.known >> i & 1) && im->u.cpl.cqe[i] != sh->u.cpl.cqe[i]) {
                snprintf(why, cap, "CQE byte %u: 0x%02x vs 0x%02x", i, im->u.cpl.cqe[i],
                         sh->u.cpl.cqe[i]);
                return 0;
            }
        if (im->u.cpl.slot != NVT_SLOT_UNKNOWN && im->u.cpl.slot != sh->u.cpl.slot) {
            snprintf(why, cap, "slot %u vs %u", im->u.cpl.slot, sh->u.cpl.slot);
            return 0;
        }
        return 1;
    case NVT_EV_DOORBELL:
        /* QEMU's log prints the 16-bit head/tail it takes from the 32-bit write */
        if (im->u.doorbell.qid != sh->u.doorbell.qid || im->u.doorbell.is_cq != sh->u.doorbell.is_cq ||
            im->u.doorbell.value != (sh->u.doorbell.value & 0xffff)) {
            snprintf(why, cap, "%s %u = %u vs %s %u = %u", im->u.doorbell.is_cq ? "CQ" : "SQ",
                     im->u.doorbell.qid, im->u.doorbell.value, sh->u.doorbell.is_cq ? "CQ" : "SQ",
                     sh->u.doorbell.qid, sh->u.doorbell.value);
            return 0;
        }
        return 1;
    case NVT_EV_MMIO_WRITE:
    case NVT_EV_MMIO_READ:
        if (im->u.mmio.bar != sh->u.mmio.bar || im->u.mmio.offset != sh->u.mmio.offset ||
            im->u.mmio.size != sh->u.mmio.size || im->u.mmio.gpa != sh->u.mmio.gpa ||
            (!(im->flags & NVT_F_VALUE_UNKNOWN) && im->u.mmio.value != sh->u.mmio.value)) {
            snprintf(why, cap, "BAR%u+0x%x/%u = 0x%llx @0x%llx vs BAR%u+0x%x/%u = 0x%llx @0x%llx",
                     im->u.mmio.bar, im->u.mmio.offset, im->u.mmio.size,
                     (unsigned long long)im->u.mmio.value, (unsigned long long)im->u.mmio.gpa,
                     sh->u.mmio.bar, sh->u.mmio.offset, sh->u.mmio.size,
                     (unsigned long long)sh->u.mmio.value, (unsigned long long)sh->u.mmio.gpa);
            return 0;
        }
        return 1;
    case NVT_EV_CFG_WRITE:
    case NVT_EV_CFG_READ:
        /* the importer infers the access size (QEMU does not print it): not compared */
        if (im->u.cfg.offset != sh->u.cfg.offset || im->u.cfg.value != sh->u.cfg.value) {
            snprintf(why, cap, "@0x%x = 0x%x vs @0x%x = 0x%x", im->u.cfg.offset, im->u.cfg.value,
                     sh->u.cfg.offset, sh->u.cfg.value);
            return 0;
        }
        return 1;
    case NVT_EV_BAR_MAP:
    case NVT_EV_BAR_UNMAP:
        if (im->u.bar.bar != sh->u.bar.bar || im->u.bar.addr != sh->u.bar.addr ||
            im->u.bar.size != sh->u.bar.size ||
            (!(im->flags & NVT_F_RECONSTRUCTED) && im->u.bar.flags != sh->u.bar.flags)) {
            snprintf(why, cap, "BAR%u 0x%llx+0x%llx flags %u vs BAR%u 0x%llx+0x%llx flags %u",
                     im->u.bar.bar, (unsigned long long)im->u.bar.addr,
                     (unsigned long long)im->u.bar.size, im->u.bar.flags, sh->u.bar.bar,
                     (unsigned long long)sh->u.bar.addr, (unsigned long long)sh->u.bar.size,
                     sh->u.bar.flags);
            return 0;
        }
        return 1;
    case NVT_EV_CTRL_STATE:
        if (im->u.state.state != sh->u.state.state || im->u.state.value != sh->u.state.value) {
            snprintf(why, cap, "state %u value 0x%x vs state %u value 0x%x", im->u.state.state,
                     im->u.state.value, sh->u.state.state, sh->u.state.value);
            return 0;
        }
        return 1;
    case NVT_EV_MSIX_CTRL:
        if (im->u.msix_ctrl.enabled != sh->u.msix_ctrl.enabled ||
            im->u.msix_ctrl.masked != sh->u.msix_ctrl.masked) {
            snprintf(why, cap, "enabled %u masked %u vs enabled %u masked %u",
                     im->u.msix_ctrl.enabled, im->u.msix_ctrl.masked, sh->u.msix_ctrl.enabled,
                     sh->u.msix_ctrl.masked);
            return 0;
        }
        return 1;
    default:
        return 1;
    }
}

/* How far the log may be ahead of the recovered trace (im) or behind it (sh) when QEMU was
 * killed, for events QEMU logs and records at the same place: the log line and the shim call
 * are a few instructions apart, and the kill can fall between them (one per stream, since a
 * single thread produces each). Completions are handled apart (kill_completions). */
static void kill_slack(int st, size_t *im, size_t *sh)
{
    *im = 0;
    *sh = 0;
    switch (st) {
    case ST_SUB:      /* the shim records at fetch, the log line comes at dispatch */
    case ST_DOORBELL: /* the shim records before QEMU checks the doorbell, the log after */
        *sh = 1;
        break;
    case ST_STATE: /* one log line (start_success, shutdown_set) = two states */
        *im = 2;
        break;
    default: /* the log line is printed first */
        *im = 1;
        break;
    }
}

static size_t max_qid(const struct trace *t, int st)
{
    size_t m = 0;
    for (size_t i = 0; i < t->n; i++) {
        unsigned q;
        if (stream_of(&t->r[i].e, &q) == st && q + 1 > m)
            m = q + 1;
    }
    return m;
}

/* Compares one stream; returns the number of pairs compared. */
static size_t compare_stream(const struct trace *im, const struct trace *sh, int st, unsigned qid,
                             int killed)
{
    size_t *a, *b;
    size_t na = collect(im, st, qid, &a), nb = collect(sh, st, qid, &b);
    size_t n = na < nb ? na : nb, bad = 0;
    char why[256];
    for (size_t k = 0; k < n; k++) {
        if (!agree(&im->r[a[k]].e, &sh->r[b[k]].e, why, sizeof why)) {
            if (bad++ < 5)
                fprintf(stderr, "%s (queue %u) #%zu: imported event %zu vs shim event %zu: %s\n",
                        stream_name[st], qid, k, a[k], b[k], why);
        }
    }
    CHECK_EQ_U64(bad, 0);
    if (!killed) {
        if (na != nb)
            fprintf(stderr, "%s (queue %u): %zu imported, %zu in the shim's trace\n",
                    stream_name[st], qid, na, nb);
        CHECK_EQ_U64(na, nb);
    } else if (st != ST_CPL) {
        size_t ahead_im, ahead_sh;
        kill_slack(st, &ahead_im, &ahead_sh);
        if (na > nb + ahead_im || nb > na + ahead_sh)
            fprintf(stderr, "%s (queue %u): %zu in the log, %zu recovered\n", stream_name[st], qid,
                    na, nb);
        CHECK(na <= nb + ahead_im);
        CHECK(nb <= na + ahead_sh);
    }
    free(a);
    free(b);
    return n;
}

static int sub_cid_is(const nvt_event *e, unsigned sqid, unsigned cid)
{
    return e->type == NVT_EV_SUBMISSION && e->u.sub.qid == sqid && le(e->u.sub.sqe + 2, 2) == cid;
}

static int cpl_for(const nvt_event *e, unsigned sqid, unsigned cid)
{
    return e->type == NVT_EV_COMPLETION && le(e->u.cpl.cqe + 10, 2) == sqid &&
           le(e->u.cpl.cqe + 12, 2) == cid;
}


/* After a kill, QEMU has logged completions it had queued but not yet posted (it logs when a
 * command completes and writes the CQE later, in a bottom half): each completion the log has
 * beyond the recovered trace must be for a command the recovered trace has fetched and not
 * completed since (its last SQE with that SQ and CID comes after its last CQE). */
static void kill_completions(const struct trace *im, const struct trace *sh, unsigned cqid)
{
    size_t *a, *b;
    size_t na = collect(im, ST_CPL, cqid, &a), nb = collect(sh, ST_CPL, cqid, &b);
    CHECK(nb <= na); /* the log line comes first */
    for (size_t k = nb; k < na; k++) {
        const nvt_event *c = &im->r[a[k]].e;
        unsigned cid = (unsigned)le(c->u.cpl.cqe + 12, 2);
        unsigned sqid = cqid;
        if ((c->u.cpl.known & 0x0c00) == 0x0c00)
            sqid = (unsigned)le(c->u.cpl.cqe + 10, 2);
        else
            CHECK(cqid == 0); /* only the admin CQ's SQ follows from the CQ id */
        size_t last_sub = sh->n, last_cpl = sh->n;
        for (size_t i = 0; i < sh->n; i++) {
            if (sub_cid_is(&sh->r[i].e, sqid, cid))
                last_sub = i;
            if (cpl_for(&sh->r[i].e, sqid, cid))
                last_cpl = i;
        }
        if (last_sub == sh->n || (last_cpl != sh->n && last_cpl > last_sub))
            fprintf(stderr, "CQ %u: the log completes SQ %u CID %u, which the recovered trace "
                            "does not hold as fetched and outstanding\n", cqid, sqid, cid);
        CHECK(last_sub < sh->n && (last_cpl == sh->n || last_cpl < last_sub));
    }
    if (na > nb)
        printf("  CQ %u: %zu completions logged but not yet posted at the kill\n", cqid, na - nb);
    free(a);
    free(b);
}

/* Every DMA transfer the log shows (QEMU's pci_nvme_map_addr per PRP entry, the shadow
 * doorbells and event indexes) is in the shim's trace: same direction, address, length and
 * command, and the bytes the log printed (shadow doorbell values) are the shim's. The shim has
 * more: PRP lists, the CQ event index and the admin queues' shadow doorbell writes, which QEMU
 * 7.2 does not log. */
static void compare_dma(const struct trace *im, const struct trace *sh)
{
    char *used = calloc(sh->n + 1, 1);
    size_t nim = 0, missing = 0, nsh = 0;
    for (size_t i = 0; i < sh->n; i++)
        nsh += sh->r[i].e.type == NVT_EV_DMA_READ || sh->r[i].e.type == NVT_EV_DMA_WRITE;
    for (size_t i = 0; i < im->n; i++) {
        const nvt_event *a = &im->r[i].e;
        if (a->type != NVT_EV_DMA_READ && a->type != NVT_EV_DMA_WRITE)
            continue;
        nim++;
        size_t j;
        for (j = 0; j < sh->n; j++) {
            const nvt_event *b = &sh->r[j].e;
            if (!used[j] && b->type == a->type && b->u.dma.gpa == a->u.dma.gpa &&
                b->u.dma.len == a->u.dma.len && b->u.dma.sqid == a->u.dma.sqid &&
                b->u.dma.cid == a->u.dma.cid && b->u.dma.caplen >= a->u.dma.caplen &&
                (!a->u.dma.caplen || !memcmp(im->r[i].data, sh->r[j].data, a->u.dma.caplen)))
                break;
        }
        if (j == sh->n) {
            if (missing++ < 5)
                fprintf(stderr, "imported DMA %s event %zu (0x%llx +%u, SQ %u CID %u) is not in "
                                "the shim's trace\n", a->type == NVT_EV_DMA_READ ? "read" : "write",
                        i, (unsigned long long)a->u.dma.gpa, a->u.dma.len, a->u.dma.sqid,
                        a->u.dma.cid);
            continue;
        }
        used[j] = 1;
    }
    printf("  DMA: %zu transfers in the log, all %s the shim's %zu\n", nim,
           missing ? "NOT in" : "in", nsh);
    CHECK(nim > 0);
    CHECK_EQ_U64(missing, 0);
    free(used);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The shim stamps events with the TSC converted to CLOCK_REALTIME, QEMU's log with
 * g_get_real_time() a few instructions away: the same command must get nearly the same time. */
static void compare_times(const struct trace *im, const struct trace *sh)
{
    size_t *a, *b, n = 0;
    size_t na = collect(im, ST_SUB, 0, &a), nb = collect(sh, ST_SUB, 0, &b);
    size_t m = na < nb ? na : nb;
    uint64_t *d = malloc((m + 1) * sizeof *d);
    for (size_t k = 0; k < m; k++) {
        uint64_t x = im->r[a[k]].e.ts_ns, y = sh->r[b[k]].e.ts_ns;
        d[n++] = x > y ? x - y : y - x;
    }
    qsort(d, n, sizeof *d, cmp_u64);
    if (n) {
        printf("  admin SQE timestamps, shim vs log: median |delta| %.1f us, max %.1f us\n",
               d[n / 2] / 1e3, d[n - 1] / 1e3);
        CHECK(d[n / 2] < 2000000); /* 2 ms: a median beyond is a clock error, not scheduling */
    }
    CHECK(n > 0);
    free(d);
    free(a);
    free(b);
}

/* ---- what only the shim has ---- */

/* The data a command moved in one direction (DMA records of its SQ and CID up to its
 * completion, in order), concatenated into buf; returns the bytes, or -1 if a transfer was
 * not captured whole. */
static long gather(const struct trace *t, size_t sub, unsigned type, uint8_t *buf, size_t cap)
{
    const nvt_event *s = &t->r[sub].e;
    unsigned sqid = s->u.sub.qid, cid = (unsigned)le(s->u.sub.sqe + 2, 2);
    size_t got = 0;
    for (size_t i = sub + 1; i < t->n && !cpl_for(&t->r[i].e, sqid, cid); i++) {
        const nvt_event *e = &t->r[i].e;
        if (e->type != type || e->u.dma.sqid != sqid || e->u.dma.cid != cid)
            continue;
        if (e->u.dma.caplen != e->u.dma.len || got + e->u.dma.len > cap)
            return -1;
        memcpy(buf + got, t->r[i].data, e->u.dma.len);
        got += e->u.dma.len;
    }
    return (long)got;
}

/* Raw records: nothing reconstructed or unknown; SQEs whole. */
static void check_raw(const struct trace *t)
{
    size_t subs = 0, rebuilt = 0;
    for (size_t i = 0; i < t->n; i++) {
        const nvt_event *e = &t->r[i].e;
        rebuilt += (e->flags & (NVT_F_RECONSTRUCTED | NVT_F_VALUE_UNKNOWN)) != 0;
        if (e->type == NVT_EV_SUBMISSION) {
            subs++;
            CHECK_EQ_U64(e->u.sub.known, UINT64_MAX);
        }
        if (e->type == NVT_EV_COMPLETION)
            CHECK_EQ_U64(e->u.cpl.known, 0xffff);
    }
    printf("  %zu raw SQEs, %zu records reconstructed or with unknown values\n", subs, rebuilt);
    CHECK(subs > 20);
    CHECK_EQ_U64(rebuilt, 0);
}

/* Register reads carry the values QEMU returned: every CAP and VS read is the line's constant,
 * every CSTS read what the controller's state changes make it. */
static void check_reads(const struct trace *t)
{
    size_t cap = 0, vs = 0, csts = 0;
    uint32_t want_csts = 0;
    for (size_t i = 0; i < t->n; i++) {
        const nvt_event *e = &t->r[i].e;
        if (e->type == NVT_EV_CTRL_STATE) {
            switch (e->u.state.state) {
            case NVT_STATE_RESET:
            case NVT_STATE_DISABLE: want_csts = 0; break;
            case NVT_STATE_ENABLE_FAILED: want_csts = 2; break;
            case NVT_STATE_READY:
            case NVT_STATE_SHUTDOWN_DONE:
            case NVT_STATE_FATAL: want_csts = e->u.state.value; break;
            }
        }
        if (e->type != NVT_EV_MMIO_READ || e->u.mmio.bar != 0)
            continue;
        uint64_t v = e->u.mmio.value, mask = e->u.mmio.size == 8 ? UINT64_MAX
                                                                  : (1ull << 8 * e->u.mmio.size) - 1;
        if (e->u.mmio.offset < 8) {
            CHECK_EQ_U64(v, (QEMU_CAP >> 8 * e->u.mmio.offset) & mask);
            cap++;
        } else if (e->u.mmio.offset == 8) {
            CHECK_EQ_U64(v, QEMU_VS & mask);
            vs++;
        } else if (e->u.mmio.offset == 0x1c) {
            if (v != want_csts)
                fprintf(stderr, "event %zu: CSTS read 0x%llx, the state changes say 0x%x\n", i,
                        (unsigned long long)v, want_csts);
            CHECK_EQ_U64(v, want_csts);
            csts++;
        }
    }
    printf("  register reads with values: %zu of CAP, %zu of VS, %zu of CSTS\n", cap, vs, csts);
    CHECK(cap >= 2);
    CHECK(vs >= 1);
    CHECK(csts >= 2);
}

/* The data of DMA transfers: Identify Controller as QEMU 7.2 fills it, the guest's write of
 * its pattern and the read back of it (the reads of that LBA after the first write). */
static void check_data(const struct trace *t, const char *serial)
{
    size_t id_ctrl = 0, writes = 0, readbacks = 0;
    static uint8_t want[WRITE_BYTES], buf[2 * WRITE_BYTES];
    for (size_t k = 0; k < sizeof want; k++)
        want[k] = (uint8_t)pattern_line[k % (sizeof pattern_line - 1)];
    for (size_t i = 0; i < t->n; i++) {
        const nvt_event *e = &t->r[i].e;
        if (e->type != NVT_EV_SUBMISSION)
            continue;
        unsigned opc = e->u.sub.sqe[0], q = e->u.sub.qid;
        if (q == 0 && opc == 0x06 && e->u.sub.sqe[40] == 1) { /* Identify, CNS 1 */
            long n = gather(t, i, NVT_EV_DMA_WRITE, buf, sizeof buf);
            CHECK_EQ_U64(n, 4096);
            if (n != 4096)
                continue;
            char sn[21], mn[41], want_sn[21];
            memcpy(sn, buf + 4, 20);
            memcpy(mn, buf + 24, 40);
            sn[20] = mn[40] = '\0';
            snprintf(want_sn, sizeof want_sn, "%-20s", serial);
            CHECK_EQ_U64(le(buf, 2), 0x1b36); /* VID */
            CHECK_STR(mn, "QEMU NVMe Ctrl                          ");
            CHECK_STR(sn, want_sn);
            if (!id_ctrl++)
                printf("  Identify Controller data: VID %04llx, SN \"%s\", MN \"%s\"\n",
                       (unsigned long long)le(buf, 2), sn, mn);
        }
        if (q != 0 && (opc == 0x01 || (opc == 0x02 && writes)) &&
            le(e->u.sub.sqe + 40, 8) == WRITE_LBA) {
            /* Write: the device reads the data; Read: the device writes it */
            long n = gather(t, i, opc == 0x01 ? NVT_EV_DMA_READ : NVT_EV_DMA_WRITE, buf, sizeof buf);
            CHECK_EQ_U64(n, WRITE_BYTES);
            CHECK(n == WRITE_BYTES && !memcmp(buf, want, WRITE_BYTES));
            if (opc == 0x01)
                writes++;
            else
                readbacks++;
        }
    }
    printf("  data: %zu Identify Controller, %zu writes and %zu reads of the pattern at LBA %d\n",
           id_ctrl, writes, readbacks, WRITE_LBA);
    CHECK(id_ctrl >= 2); /* SeaBIOS and Linux */
    CHECK(writes >= 1);
    CHECK(readbacks >= 1);
}

/* Queue sizes and positions as the controller sees them. */
struct queue {
    uint32_t size, pos; /* CQ: tail; SQ: head */
    int phase;
};

/* CQEs: each at the CQ's tail with the phase tag of that pass, and with the SQ head the
 * controller had at the time (QEMU fetches in order: the slot after the last SQE fetched). */
static void check_cqes(const struct trace *t)
{
    static struct queue sq[65536], cq[65536];
    uint32_t aqa = 0;
    size_t n = 0, wraps = 0;
    for (size_t i = 0; i < t->n; i++) {
        const nvt_event *e = &t->r[i].e;
        if (e->type == NVT_EV_MMIO_WRITE && e->u.mmio.bar == 0 && e->u.mmio.offset == 0x24)
            aqa = (uint32_t)e->u.mmio.value;
        if (e->type == NVT_EV_CTRL_STATE && e->u.state.state == NVT_STATE_ENABLE) {
            memset(sq, 0, sizeof sq);
            memset(cq, 0, sizeof cq);
            sq[0].size = (aqa & 0xfff) + 1;
            cq[0] = (struct queue){(aqa >> 16 & 0xfff) + 1, 0, 1};
        }
        if (e->type == NVT_EV_SUBMISSION) {
            const uint8_t *s = e->u.sub.sqe;
            struct queue *q = &sq[e->u.sub.qid];
            CHECK(q->size && e->u.sub.slot == q->pos);
            q->pos = q->size ? (e->u.sub.slot + 1u) % q->size : 0;
            uint32_t cdw10 = (uint32_t)le(s + 40, 4);
            if (e->u.sub.qid == 0 && s[0] == 0x01) /* Create I/O SQ */
                sq[cdw10 & 0xffff] = (struct queue){(cdw10 >> 16) + 1, 0, 0};
            if (e->u.sub.qid == 0 && s[0] == 0x05) /* Create I/O CQ */
                cq[cdw10 & 0xffff] = (struct queue){(cdw10 >> 16) + 1, 0, 1};
        }
        if (e->type == NVT_EV_COMPLETION) {
            const uint8_t *c = e->u.cpl.cqe;
            struct queue *q = &cq[e->u.cpl.qid];
            unsigned sqid = (unsigned)le(c + 10, 2);
            CHECK(q->size != 0);
            CHECK_EQ_U64(e->u.cpl.slot, q->pos);
            CHECK_EQ_U64(c[14] & 1, (unsigned)q->phase);
            CHECK_EQ_U64(le(c + 8, 2), sq[sqid].pos);
            if (q->size && ++q->pos == q->size) {
                q->pos = 0;
                q->phase = !q->phase;
                wraps++;
            }
            n++;
        }
    }
    printf("  %zu CQEs at the expected slot with the expected phase tag and SQ head "
           "(%zu CQ wraps)\n", n, wraps);
    CHECK(n > 20);
}

/* Interrupts carry the MSI-X message the guest programmed into that table entry, and the
 * table writes are recorded. */
static void check_msix(const struct trace *t)
{
    static uint32_t lo[2048], hi[2048], data[2048];
    size_t irqs = 0, writes = 0;
    for (size_t i = 0; i < t->n; i++) {
        const nvt_event *e = &t->r[i].e;
        if (e->type == NVT_EV_MSIX_ACCESS && e->u.msix.is_write && e->u.msix.entry < 2048) {
            writes++;
            if (e->u.msix.field == NVT_MSIX_ADDR_LO)
                lo[e->u.msix.entry] = e->u.msix.value;
            if (e->u.msix.field == NVT_MSIX_ADDR_HI)
                hi[e->u.msix.entry] = e->u.msix.value;
            if (e->u.msix.field == NVT_MSIX_DATA)
                data[e->u.msix.entry] = e->u.msix.value;
        }
        if (e->type == NVT_EV_INTERRUPT && e->u.irq.kind == NVT_IRQ_MSIX && e->u.irq.vector < 2048) {
            unsigned v = e->u.irq.vector;
            CHECK_EQ_U64(e->u.irq.addr, (uint64_t)hi[v] << 32 | lo[v]);
            CHECK_EQ_U64(e->u.irq.data, data[v]);
            CHECK_EQ_U64(e->u.irq.addr >> 20, 0xfee); /* x86 MSI address window */
            irqs++;
        }
    }
    printf("  %zu MSI-X interrupts with the message of their table entry, %zu table writes\n",
           irqs, writes);
    CHECK(irqs > 0);
    CHECK(writes >= 3);
}

/* SeaBIOS runs the controller on INTx: the pin's level changes, asserted and deasserted in
 * turn (QEMU's log only says "pulsing IRQ pin", at every CQ update). */
static void check_intx(const struct trace *t)
{
    size_t asserts = 0, deasserts = 0;
    int level = 0;
    for (size_t i = 0; i < t->n; i++) {
        const nvt_event *e = &t->r[i].e;
        if (e->type != NVT_EV_INTERRUPT || e->u.irq.kind == NVT_IRQ_MSIX)
            continue;
        CHECK_EQ_U64(e->u.irq.vector, 0); /* INTA */
        if (e->u.irq.kind == NVT_IRQ_INTX_ASSERT) {
            CHECK(!level);
            level = 1;
            asserts++;
        } else {
            CHECK(level);
            level = 0;
            deasserts++;
        }
    }
    printf("  INTx: %zu asserts, %zu deasserts\n", asserts, deasserts);
    CHECK(asserts > 0);
    CHECK(deasserts + 1 >= asserts);
}

/* Register accesses come from vCPU threads, stamped with the vCPU index; queue work runs in
 * QEMU's main loop, whose events keep the kernel thread id. */
static void check_threads(const struct trace *t, unsigned cpus)
{
    size_t mmio = 0, sub = 0;
    uint32_t seen = 0;
    for (size_t i = 0; i < t->n; i++) {
        const nvt_event *e = &t->r[i].e;
        if (e->type == NVT_EV_MMIO_WRITE || e->type == NVT_EV_MMIO_READ) {
            CHECK(e->thread < cpus);
            if (e->thread < 32)
                seen |= 1u << e->thread;
            mmio++;
        }
        if (e->type == NVT_EV_SUBMISSION) {
            CHECK(e->thread >= cpus);
            sub++;
        }
    }
    printf("  %zu register accesses from vCPU threads (mask 0x%x), %zu SQE fetches from the "
           "main loop\n", mmio, seen, sub);
    /* init.sh puts a command on every CPU's queue: each vCPU rings a doorbell */
    CHECK_EQ_U64(seen, cpus < 32 ? (1u << cpus) - 1 : UINT32_MAX);
}

static void check_stats(const struct trace *t)
{
    const nvt_event *last = t->n ? &t->r[t->n - 1].e : NULL;
    CHECK(last && last->type == NVT_EV_CAPTURE_STATS);
    if (last && last->type == NVT_EV_CAPTURE_STATS) {
        printf("  capture statistics: %llu recorded, %llu dropped\n",
               (unsigned long long)last->u.stats.recorded,
               (unsigned long long)last->u.stats.dropped);
        CHECK_EQ_U64(last->u.stats.dropped, 0);
        CHECK_EQ_U64(last->u.stats.overflows, 0);
    }
}

/* The recovered trace: valid to its end, the recovery said so, and the events taken from the
 * crash ring are flagged. */
static void check_recovered(const struct trace *t)
{
    size_t ann = 0, recovered = 0, first = t->n;
    for (size_t i = 0; i < t->n; i++) {
        const struct rec *x = &t->r[i];
        if (x->e.type == NVT_EV_ANNOTATION && x->text &&
            !strncmp(x->text, "nvmetrace recover: ", 19)) {
            ann++;
            printf("  %s\n", x->text);
        }
        if (x->e.flags & NVT_F_RECOVERED) {
            recovered++;
            if (first == t->n)
                first = i;
        }
    }
    CHECK_EQ_U64(ann, 1);
    printf("  %zu events flagged recovered (from event %zu of %zu)\n", recovered, first, t->n);
    for (size_t i = first; i < t->n; i++) /* the ring's events close the trace */
        CHECK((t->r[i].e.flags & NVT_F_RECOVERED) || t->r[i].e.type == NVT_EV_CAPTURE_STATS ||
              t->r[i].e.type == NVT_EV_ANNOTATION);
}

/* What only the shim's trace of a whole boot can show (no log needed). */
static void check_shim_only(const struct trace *sh, const char *serial, unsigned cpus)
{
    check_raw(sh);
    check_reads(sh);
    check_data(sh, serial);
    check_cqes(sh);
    check_msix(sh);
    check_intx(sh);
    check_threads(sh, cpus);
}

int main(int argc, char **argv)
{
    const char *shim = NULL, *imported = NULL, *serial = "nvt-guest";
    unsigned cpus = 1;
    int killed = 0, allow_empty_import = 0;
    const char *line = "7.2";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--shim") && i + 1 < argc)
            shim = argv[++i];
        else if (!strcmp(argv[i], "--imported") && i + 1 < argc)
            imported = argv[++i];
        else if (!strcmp(argv[i], "--serial") && i + 1 < argc)
            serial = argv[++i];
        else if (!strcmp(argv[i], "--cpus") && i + 1 < argc)
            cpus = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--killed"))
            killed = 1;
        else if (!strcmp(argv[i], "--line") && i + 1 < argc)
            line = argv[++i];
        else if (!strcmp(argv[i], "--allow-empty-import"))
            allow_empty_import = 1;
        else
            shim = NULL, imported = NULL, i = argc;
    }
    if (!shim || !imported || !cpus) {
        fprintf(stderr, "usage: check_tap_trace --shim S --imported I [--cpus N] [--serial SN] "
                        "[--killed] [--line MAJOR.MINOR] [--allow-empty-import]\n");
        return 2;
    }
    unsigned major, minor, micro;
    if (nvt_qemu_parse_version(line, &major, &minor, &micro) != 0) {
        fprintf(stderr, "check_tap_trace: bad --line '%s'\n", line);
        return 2;
    }
    QEMU_CAP = nvt_qemu_line_for(major, minor, NULL)->cap;
    static struct trace sh, im;
    load(shim, &sh);
    FILE *probe = allow_empty_import ? fopen(imported, "rb") : NULL;
    if (allow_empty_import && !probe)
        printf("  no log import %s (capture could not import this QEMU's log)\n", imported);
    else
        load(imported, &im);
    if (probe)
        fclose(probe);
    printf("shim trace %s: %zu events; log import %s: %zu events\n", shim, sh.n, imported, im.n);

    /* ---- the same device ---- */
    size_t im_subs = 0;
    for (size_t i = 0; i < im.n; i++)
        im_subs += im.r[i].e.type == NVT_EV_SUBMISSION;
    int compare_import = !(im_subs == 0 && allow_empty_import && !killed);
    CHECK_EQ_U64(sh.ndev, 1);
    if (compare_import) {
        CHECK_EQ_U64(im.ndev, 1);
        CHECK_STR(sh.dev.bdf, im.dev.bdf);
    }
    CHECK_EQ_U64(sh.dev.vendor_id, 0x1b36);
    CHECK_EQ_U64(sh.dev.device_id, 0x0010);
    CHECK_EQ_U64(sh.dev.class_code, 0x010802);
    CHECK_STR(sh.dev.model, "nvme");
    char want_emu[32];
    snprintf(want_emu, sizeof want_emu, "QEMU %u.%u.", major, minor);
    if (strncmp(sh.dev.emulator, want_emu, strlen(want_emu)) != 0)
        fprintf(stderr, "emulator \"%s\", expected %s...\n", sh.dev.emulator, want_emu);
    CHECK(strncmp(sh.dev.emulator, want_emu, strlen(want_emu)) == 0);
    printf("  emulator: %s; CAP expected 0x%016llx\n", sh.dev.emulator,
           (unsigned long long)QEMU_CAP);

    if (!compare_import) {
        printf("  NOT COMPARED with the log import: it holds no NVMe command (%zu events); the "
               "importer cannot read this QEMU's log yet. Shim-only checks follow.\n", im.n);
        check_shim_only(&sh, serial, cpus);
        check_stats(&sh);
        TEST_DONE();
    }

    /* ---- every stream both hold ---- */
    for (int st = 0; st < ST_COUNT; st++) {
        size_t nq = st == ST_SUB || st == ST_CPL ? max_qid(&im, st) : 1, pairs = 0;
        if (st == ST_SUB || st == ST_CPL) {
            size_t nq_sh = max_qid(&sh, st);
            CHECK(killed || nq_sh == nq);
            if (nq_sh > nq)
                nq = nq_sh;
        }
        for (unsigned q = 0; q < nq; q++) {
            pairs += compare_stream(&im, &sh, st, q, killed);
            if (killed && st == ST_CPL)
                kill_completions(&im, &sh, q);
        }
        printf("  %-18s %6zu compared, all agree%s\n", stream_name[st], pairs,
               nvt_test_fail ? " (or see above)" : "");
        CHECK(pairs > 0);
    }

    if (!killed) {
        compare_dma(&im, &sh);
        compare_times(&im, &sh);
        check_shim_only(&sh, serial, cpus);
    } else {
        check_recovered(&sh);
    }
    check_stats(&sh);
    TEST_DONE();
}

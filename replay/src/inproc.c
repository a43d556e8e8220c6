/*
 * The in-process replay engine: drives a trace into a device model behind the target ABI
 * (<nvmetrace/target.h>) by direct calls, and compares what the model does with the recording.
 *
 * Host actions (config and MMIO accesses; doorbell and MSI-X records that have no MMIO record
 * beside them) are called in trace order, each followed by the model's run(). Read values are
 * compared at once. Everything the model does through its host callbacks is an output, matched
 * against the trace's device events (SQE fetches, CQE posts, DMA, interrupts, controller state
 * changes when the model reports them) in order:
 *   - an output matches the first unmatched device event of the same kind and key (device; SQ
 *     or CQ id; DMA address and length, or failing that the command's SQ id and CID; MSI-X
 *     vector; INTx level; state) recorded no later than the end of the next step; the rest
 *     (slot, bytes, message) is compared. A CQE is matched to the outstanding command it
 *     completes (its SQ id and CID among the unmatched recorded CQEs of its CQ) and checked
 *     separately for landing in its queue's next slot with the right phase tag; MSI-X
 *     messages more or fewer than recorded on a vector fired within a step of its record
 *     are "coalesced differently" (strict_order: slot-by-slot, message by message);
 *   - guest memory reads are answered from the matched record (the SQE, the DMA data), so the
 *     model reads exactly what it read when recorded, whatever the order of its reads;
 *   - an output with no match is "unexpected"; a device event still unmatched once the step
 *     after it has been driven is "missing".
 * So a model may run a command one step later or earlier than recorded without a divergence,
 * and nothing depends on the host's speed: two runs give the same report.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nvmetrace/nvme.h"
#include "nvmetrace/target.h"
#include "inproc.h"

#define IP_SCAN_MAX 4096 /* device events looked at for one output, at most */
#define IP_MAX_CQ 4096   /* CQ ids whose slot and phase are tracked (QEMU allows 64 pairs) */
#define IP_MAX_VEC 2048  /* MSI-X vectors tracked for coalescing (the PCI maximum) */

/* Where the model posted its last CQE on a CQ: the next one goes to slot + 1 (or wraps to 0
 * with the phase inverted). */
struct ip_cqpos {
    uint16_t slot;
    uint8_t phase, valid;
};

struct ip_ctx {
    struct ip *ip;
    uint32_t dev;
};

/* What the model did, to match against the trace. */
struct obs {
    uint8_t type;            /* NVT_EV_* it should match */
    uint32_t dev;
    uint64_t gpa;
    uint32_t len;
    uint16_t qid, cid, slot; /* SQE/CQE: qid + slot; DMA: sqid + cid */
    uint16_t vector;         /* MSI-X vector; INTx: 1 assert 0 deassert; state: the state */
    uint64_t addr;
    uint32_t data;
    const uint8_t *bytes;    /* writes: what the model wrote */
};

struct ip_last_mmio {
    int64_t index;           /* -1: none */
    uint8_t bar, write;
    uint32_t off;
    uint64_t value;
};

struct ip {
    const nvt_trace *t;
    const nvt_replay_opts *o;
    nvt_replay_result *res;
    const nvt_target_ops *ops;
    const struct ip_sink *sink;
    size_t n, ndev;
    void **dev;
    struct ip_ctx *cbctx;
    nvt_target_host *host;
    struct ip_last_mmio *last;
    uint32_t *dstrd;         /* CAP.DSTRD per device, from the trace's CAP reads */
    size_t *out;             /* kept device events, in trace order */
    uint8_t *matched;        /* out[j] has been matched to an output (or reported missing) */
    uint8_t *slot_used;      /* CQE out[j] has given the slot an output was checked against */
    size_t nout, lo, slot_lo;
    struct ip_cqpos *cqpos;  /* per device, per CQ id below IP_MAX_CQ */
    size_t *vec_fired;       /* per device and vector: 1 + the step the model last sent it */
    size_t *vec_matched;     /* per device and vector: 1 + the step of the last record matched */
    size_t *act;             /* kept host actions, in trace order */
    size_t nact, step;
    size_t limit;            /* outputs recorded before this index may match now */
    int cmp_state, stop;
    uint64_t msix_unreplayed, qtest_unreplayed;
};

/* ---------------------------------------------------------------------------------------- */
/* reporting */

static void ip_note(struct ip *ip, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ip_note(struct ip *ip, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ip->sink->note(ip->sink->ctx, buf);
}

static void diverge(struct ip *ip, size_t index, const char *what, const char *expected,
                    const char *got)
{
    if (ip->stop)
        return;
    nvt_divergence d;
    rp_divergence(ip->t, ip->o, ip->res, &ip->stop, index, what, expected, got, &d);
    ip->sink->divergence(ip->sink->ctx, &d);
}


static const char *kind_name(uint8_t type)
{
    switch (type) {
    case NVT_EV_SUBMISSION: return "SQE fetch";
    case NVT_EV_COMPLETION: return "CQE";
    case NVT_EV_DMA_READ: return "DMA read";
    case NVT_EV_DMA_WRITE: return "DMA write";
    case NVT_EV_INTERRUPT: return "interrupt";
    case NVT_EV_CTRL_STATE: return "controller state";
    default: return "output";
    }
}

static void describe_obs(const struct obs *x, char *out, size_t outlen)
{
    switch (x->type) {
    case NVT_EV_SUBMISSION:
        snprintf(out, outlen, "SQE fetch on SQ %u slot %u (%u bytes at 0x%" PRIx64 ")", x->qid,
                 x->slot, x->len, x->gpa);
        break;
    case NVT_EV_COMPLETION: {
        char h[40];
        rp_fmt_bytes(x->bytes, NULL, x->len < 16 ? x->len : 16, 0, h, sizeof h);
        snprintf(out, outlen, "CQE on CQ %u slot %u at 0x%" PRIx64 ": %s", x->qid, x->slot,
                 x->gpa, h);
        break;
    }
    case NVT_EV_DMA_READ:
    case NVT_EV_DMA_WRITE:
        snprintf(out, outlen, "%s 0x%" PRIx64 " +%u (SQ %u CID 0x%x)", kind_name(x->type),
                 x->gpa, x->len, x->qid, x->cid);
        break;
    case NVT_EV_INTERRUPT:
        if (x->slot == NVT_IRQ_MSIX)
            snprintf(out, outlen, "MSI-X vector %u (addr 0x%" PRIx64 " data 0x%x)", x->vector,
                     x->addr, x->data);
        else
            snprintf(out, outlen, "INTx %s", x->vector ? "assert" : "deassert");
        break;
    case NVT_EV_CTRL_STATE:
        snprintf(out, outlen, "controller state %u (0x%08x)", x->vector, x->data);
        break;
    default:
        snprintf(out, outlen, "output");
    }
}

/* ---------------------------------------------------------------------------------------- */
/* matching outputs */

/* 2: same kind and key; 1: same kind, a weaker key (DMA by command); 0: no. */
static int key_match(const nvt_event *ev, const struct obs *x)
{
    if (ev->device != x->dev)
        return 0;
    switch (x->type) {
    case NVT_EV_SUBMISSION:
        return ev->type == NVT_EV_SUBMISSION && ev->u.sub.qid == x->qid ? 2 : 0;
    case NVT_EV_COMPLETION:
        return ev->type == NVT_EV_COMPLETION && ev->u.cpl.qid == x->qid ? 2 : 0;
    case NVT_EV_DMA_READ:
    case NVT_EV_DMA_WRITE:
        if (ev->type != x->type)
            return 0;
        if (ev->u.dma.gpa == x->gpa && ev->u.dma.len == x->len)
            return 2;
        return x->qid != NVT_QID_UNKNOWN && x->cid != 0xffffu && ev->u.dma.sqid == x->qid &&
               ev->u.dma.cid == x->cid;
    case NVT_EV_INTERRUPT:
        if (ev->type != NVT_EV_INTERRUPT)
            return 0;
        if (x->slot == NVT_IRQ_MSIX)
            return ev->u.irq.kind == NVT_IRQ_MSIX && ev->u.irq.vector == x->vector ? 2 : 0;
        return ev->u.irq.kind == (x->vector ? NVT_IRQ_INTX_ASSERT : NVT_IRQ_INTX_DEASSERT) ? 2 : 0;
    case NVT_EV_CTRL_STATE:
        return ev->type == NVT_EV_CTRL_STATE && ev->u.state.state == x->vector ? 2 : 0;
    default:
        return 0;
    }
}

/* Marks out[j] matched; returns its trace index. Only CQE records also serve as the slot a
 * CQE is checked against, so any other record is done with as a slot too. */
static int64_t take(struct ip *ip, size_t j)
{
    ip->matched[j] = 1;
    if (nvt_trace_event(ip->t, ip->out[j])->type != NVT_EV_COMPLETION)
        ip->slot_used[j] = 1;
    while (ip->lo < ip->nout && ip->matched[ip->lo])
        ip->lo++;
    while (ip->slot_lo < ip->nout && ip->slot_used[ip->slot_lo])
        ip->slot_lo++;
    return (int64_t)ip->out[j];
}

/* The step a trace event belongs to: the last host action at or before it. */
static size_t step_of(const struct ip *ip, size_t index)
{
    size_t lo = 0, hi = ip->nact;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ip->act[mid] <= index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? lo - 1 : 0;
}

static int near_step(size_t a, size_t b) { return a + 1 >= b && b + 1 >= a; }

/* The recorded CQE on the same device and CQ that a CQE posted now is checked against for its
 * slot and phase: the first not yet used so. Returns its position in out[], or -1. */
static int64_t slot_record(struct ip *ip, const struct obs *x)
{
    size_t seen = 0;
    for (size_t j = ip->slot_lo; j < ip->nout && ip->out[j] < ip->limit && seen < IP_SCAN_MAX;
         j++) {
        if (ip->slot_used[j])
            continue;
        seen++;
        const nvt_event *ev = nvt_trace_event(ip->t, ip->out[j]);
        if (ev->type == NVT_EV_COMPLETION && ev->device == x->dev && ev->u.cpl.qid == x->qid) {
            ip->slot_used[j] = 1;
            while (ip->slot_lo < ip->nout && ip->slot_used[ip->slot_lo])
                ip->slot_lo++;
            return (int64_t)j;
        }
    }
    return -1;
}

/* The outstanding command a CQE completes: the first unmatched recorded CQE on the same device
 * and CQ with the same SQ id and CID (both known). Returns its position in out[], or -1. */
static int64_t command_record(struct ip *ip, const struct obs *x)
{
    uint16_t sqid = (uint16_t)rp_le(x->bytes + 10, 2), cid = (uint16_t)rp_le(x->bytes + 12, 2);
    size_t seen = 0;
    for (size_t j = ip->lo; j < ip->nout && ip->out[j] < ip->limit && seen < IP_SCAN_MAX; j++) {
        if (ip->matched[j])
            continue;
        seen++;
        const nvt_event *ev = nvt_trace_event(ip->t, ip->out[j]);
        if (ev->type == NVT_EV_COMPLETION && ev->device == x->dev && ev->u.cpl.qid == x->qid &&
            (ev->u.cpl.known & 0x3c00) == 0x3c00 && rp_le(ev->u.cpl.cqe + 10, 2) == sqid &&
            rp_le(ev->u.cpl.cqe + 12, 2) == cid)
            return (int64_t)j;
    }
    return -1;
}

/* The device event x matches, or -1. Marks it matched. */
static int64_t match(struct ip *ip, const struct obs *x)
{
    int64_t weak = -1;
    size_t seen = 0;
    for (size_t j = ip->lo; j < ip->nout && ip->out[j] < ip->limit && seen < IP_SCAN_MAX; j++) {
        if (ip->matched[j])
            continue;
        seen++;
        int k = key_match(nvt_trace_event(ip->t, ip->out[j]), x);
        if (k == 2) {
            weak = (int64_t)j;
            break;
        }
        if (k == 1 && weak < 0)
            weak = (int64_t)j;
    }
    if (weak < 0)
        return -1;
    return take(ip, (size_t)weak);
}

static void unexpected(struct ip *ip, const struct obs *x)
{
    char what[96], got[256];
    snprintf(what, sizeof what, "unexpected %s", kind_name(x->type));
    describe_obs(x, got, sizeof got);
    size_t at = ip->step < ip->nact ? ip->act[ip->step] : (ip->n ? ip->n - 1 : 0);
    diverge(ip, at, what, "nothing (no such output recorded here)", got);
}

/* match(), reporting an output that matches nothing. */
static int64_t match_or_report(struct ip *ip, const struct obs *x)
{
    int64_t i = match(ip, x);
    if (i < 0 && ip->o->compare)
        unexpected(ip, x);
    return i;
}

/* Reports the device events recorded before index end that nothing matched. */
static void missing_before(struct ip *ip, size_t end)
{
    while (ip->lo < ip->nout && ip->out[ip->lo] < end) {
        if (!ip->matched[ip->lo]) {
            const nvt_event *ev = nvt_trace_event(ip->t, ip->out[ip->lo]);
            if (!ip->o->strict_order && ev->type == NVT_EV_INTERRUPT &&
                ev->u.irq.kind == NVT_IRQ_MSIX && ev->u.irq.vector < IP_MAX_VEC) {
                /* Fewer messages than recorded, but the vector did fire around this step:
                 * the model coalesced differently. */
                size_t f = ip->vec_fired[(size_t)ev->device * IP_MAX_VEC + ev->u.irq.vector];
                if (f && near_step(f - 1, step_of(ip, ip->out[ip->lo]))) {
                    ip->res->irq_coalesced++;
                    ip->matched[ip->lo] = ip->slot_used[ip->lo] = 1;
                    ip->lo++;
                    continue;
                }
            }
            char what[96], expected[256];
            snprintf(what, sizeof what, "missing %s", kind_name(ev->type));
            nvt_event_describe(ev, expected, sizeof expected);
            diverge(ip, ip->out[ip->lo], what, expected, "nothing");
            ip->matched[ip->lo] = 1;
        }
        ip->slot_used[ip->lo] = 1;
        ip->lo++;
    }
    while (ip->slot_lo < ip->lo && ip->slot_used[ip->slot_lo])
        ip->slot_lo++;
}

/* Compares n bytes; on a difference reports from the first differing byte. The label (what,
 * printf-style) is formatted only then: this runs for every CQE and DMA write. */
static void compare_bytes(struct ip *ip, size_t index, const uint8_t *want, const uint8_t *known,
                          const uint8_t *got, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
static void compare_bytes(struct ip *ip, size_t index, const uint8_t *want, const uint8_t *known,
                          const uint8_t *got, size_t n, const char *fmt, ...)
{
    if (!ip->o->compare)
        return;
    size_t first = n;
    for (size_t i = 0; i < n; i++)
        if ((!known || known[i]) && want[i] != got[i]) {
            first = i;
            break;
        }
    ip->res->compared++;
    if (first == n)
        return;
    size_t from = first < 4 ? 0 : first - 4;
    size_t len = n - from < 32 ? n - from : 32;
    char what[96], w[160], e[160], g[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(w, sizeof w, "%s (from byte %zu)", what, from);
    rp_fmt_bytes(want + from, known ? known + from : NULL, len, 0, e, sizeof e);
    rp_fmt_bytes(got + from, NULL, len, 0, g, sizeof g);
    diverge(ip, index, w, e, g);
}

/* Reports want != got, labelled (printf-style) only then. */
static void compare_field(struct ip *ip, size_t index, uint64_t want, uint64_t got,
                          const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void compare_field(struct ip *ip, size_t index, uint64_t want, uint64_t got,
                          const char *fmt, ...)
{
    if (!ip->o->compare || want == got)
        return;
    char what[96], e[32], g[32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(e, sizeof e, "%" PRIu64, want);
    snprintf(g, sizeof g, "%" PRIu64, got);
    diverge(ip, index, what, e, g);
}

/* A data transfer matched to record ev: its address and length; returns how many of its bytes
 * the record holds. */
static uint32_t compare_dma_place(struct ip *ip, size_t i, const nvt_event *ev, uint64_t gpa,
                                  uint32_t len)
{
    const char *dir = ev->type == NVT_EV_DMA_WRITE ? "write" : "read";
    compare_field(ip, i, ev->u.dma.gpa, gpa, "DMA %s for SQ %u CID 0x%x: address", dir,
                  ev->u.dma.sqid, ev->u.dma.cid);
    compare_field(ip, i, ev->u.dma.len, len, "DMA %s 0x%" PRIx64 ": length", dir, ev->u.dma.gpa);
    return ev->u.dma.caplen < len ? ev->u.dma.caplen : len;
}

/* ---------------------------------------------------------------------------------------- */
/* host callbacks */

/* A guest memory access as an output: an SQE fetch or CQE post (by queue and slot) or a data
 * transfer (by address, and command). */
static struct obs dma_obs(uint32_t dev, uint64_t gpa, uint32_t len, const nvt_target_dma *tag,
                          int write, const void *bytes)
{
    struct obs x = {.dev = dev, .gpa = gpa, .len = len, .bytes = bytes};
    if (tag && tag->kind == (write ? NVT_TARGET_DMA_CQE : NVT_TARGET_DMA_SQE)) {
        x.type = write ? NVT_EV_COMPLETION : NVT_EV_SUBMISSION;
        x.qid = tag->qid;
        x.slot = tag->slot;
    } else {
        x.type = write ? NVT_EV_DMA_WRITE : NVT_EV_DMA_READ;
        x.qid = tag ? tag->qid : NVT_QID_UNKNOWN;
        x.cid = tag ? tag->cid : 0xffffu;
    }
    return x;
}

static int cb_dma_read(void *ctx, uint64_t gpa, void *buf, uint32_t len, const nvt_target_dma *tag)
{
    struct ip_ctx *c = ctx;
    struct ip *ip = c->ip;
    struct obs x = dma_obs(c->dev, gpa, len, tag, 0, NULL);
    if (len && buf)
        memset(buf, 0, len);
    int64_t i = match_or_report(ip, &x);
    if (i < 0) {
        ip->res->bytes_unknown += len;
        return 0;
    }
    const nvt_event *ev = nvt_trace_event(ip->t, (size_t)i);
    if (x.type == NVT_EV_SUBMISSION) {
        if (ev->u.sub.slot != NVT_SLOT_UNKNOWN)
            compare_field(ip, (size_t)i, ev->u.sub.slot, x.slot, "SQE fetch on SQ %u: slot", x.qid);
        compare_field(ip, (size_t)i, NVT_SQE_LEN, len, "SQE fetch on SQ %u slot %u: length", x.qid,
                      x.slot);
        for (uint32_t b = 0; b < len && b < NVT_SQE_LEN; b++) {
            if (ev->u.sub.known >> b & 1)
                ((uint8_t *)buf)[b] = ev->u.sub.sqe[b];
            else
                ip->res->bytes_unknown++;
        }
        ip->res->compared++;
        return 0;
    }
    uint32_t have = compare_dma_place(ip, (size_t)i, ev, gpa, len);
    if (have && buf)
        memcpy(buf, ev->u.dma.data, have);
    ip->res->bytes_unknown += len - have;
    ip->res->compared++;
    return 0;
}

/* Is a CQE the model posts at slot with phase where its queue's next entry goes: the slot
 * after its previous CQE on that CQ with the same phase, or slot 0 with the phase inverted
 * (the queue wrapped), or where the recording has it? */
static int cqe_in_sequence(const struct ip_cqpos *prev, uint16_t slot, uint8_t phase,
                           const nvt_event *rec)
{
    if (rec && rec->u.cpl.slot == slot && (rec->u.cpl.cqe[14] & 1) == phase)
        return 1;
    if (!prev || !prev->valid)
        return !rec || rec->u.cpl.slot == NVT_SLOT_UNKNOWN;
    return (slot == prev->slot + 1u && phase == prev->phase) || (slot == 0 && phase != prev->phase);
}

/* A CQE the model posts. By default it is matched to the outstanding command it completes
 * (device, CQ, SQ id, CID), whatever the slot the recording has that command in, and checked
 * separately for landing in the next slot of its queue with the right phase; strict_order
 * compares it with the CQE recorded in its slot. */
static void cqe_posted(struct ip *ip, const struct obs *x, const uint8_t *cqe, uint32_t len)
{
    int64_t sj = slot_record(ip, x);
    int64_t cj = -1;
    if (!ip->o->strict_order && cqe && len >= NVT_CQE_LEN)
        cj = command_record(ip, x);
    if (cj < 0 && sj >= 0 && !ip->matched[sj])
        cj = sj; /* no such command outstanding: compared with its slot's record */
    if (cj < 0) {
        if (ip->o->compare)
            unexpected(ip, x);
        return;
    }
    size_t i = (size_t)take(ip, (size_t)cj);
    const nvt_event *ev = nvt_trace_event(ip->t, i);
    const nvt_event *sev = sj >= 0 ? nvt_trace_event(ip->t, ip->out[sj]) : NULL;
    compare_field(ip, i, NVT_CQE_LEN, len, "CQE on CQ %u slot %u: length", x->qid, x->slot);
    if (len < NVT_CQE_LEN || !cqe)
        return;
    uint8_t known[NVT_CQE_LEN];
    for (int b = 0; b < NVT_CQE_LEN; b++)
        known[b] = ev->u.cpl.known >> b & 1;
    if (ip->o->strict_order) {
        if (ev->u.cpl.slot != NVT_SLOT_UNKNOWN)
            compare_field(ip, i, ev->u.cpl.slot, x->slot, "CQE on CQ %u: slot", x->qid);
        compare_bytes(ip, i, ev->u.cpl.cqe, known, cqe, NVT_CQE_LEN, "CQE on CQ %u slot %u",
                      x->qid, x->slot);
        return;
    }
    if (cj != sj)
        ip->res->reordered++;
    uint8_t phase = cqe[14] & 1;
    struct ip_cqpos *pos = x->qid < IP_MAX_CQ ? &ip->cqpos[(size_t)x->dev * IP_MAX_CQ + x->qid]
                                              : NULL;
    if (ip->o->compare && !cqe_in_sequence(pos, x->slot, phase, sev)) {
        char what[96], e[96], g[64];
        snprintf(what, sizeof what, "CQE on CQ %u: slot and phase tag", x->qid);
        if (pos && pos->valid)
            snprintf(e, sizeof e, "slot %u phase %u, or slot 0 phase %u (the queue's next entry)",
                     pos->slot + 1u, pos->phase, !pos->phase);
        else
            snprintf(e, sizeof e, "slot %u phase %u (as recorded)", sev->u.cpl.slot,
                     sev->u.cpl.cqe[14] & 1);
        snprintf(g, sizeof g, "slot %u phase %u", x->slot, phase);
        diverge(ip, i, what, e, g);
    }
    if (pos)
        *pos = (struct ip_cqpos){x->slot, phase, 1};
    /* The phase tag belongs to the slot (checked above), not to the command. */
    uint8_t want[NVT_CQE_LEN], got[NVT_CQE_LEN];
    memcpy(want, ev->u.cpl.cqe, NVT_CQE_LEN);
    memcpy(got, cqe, NVT_CQE_LEN);
    want[14] &= 0xfe;
    got[14] &= 0xfe;
    /* A status that differs where it depends on data the trace lacks (a Compare's): not
     * comparable. */
    if ((want[14] != got[14] || want[15] != got[15]) && known[14] &&
        rp_cqe_status_no_data(ip->t, ip->o->keep, i, 0)) {
        want[14] = got[14];
        want[15] = got[15];
        ip->res->no_data++;
        ip->res->not_comparable++;
    }
    compare_bytes(ip, i, want, known, got, NVT_CQE_LEN, "CQE on CQ %u slot %u", x->qid, x->slot);
}

static int cb_dma_write(void *ctx, uint64_t gpa, const void *buf, uint32_t len,
                        const nvt_target_dma *tag)
{
    struct ip_ctx *c = ctx;
    struct ip *ip = c->ip;
    struct obs x = dma_obs(c->dev, gpa, len, tag, 1, buf);
    if (x.type == NVT_EV_COMPLETION) {
        cqe_posted(ip, &x, buf, len);
        return 0;
    }
    int64_t i = match_or_report(ip, &x);
    if (i < 0)
        return 0;
    const nvt_event *ev = nvt_trace_event(ip->t, (size_t)i);
    uint32_t have = compare_dma_place(ip, (size_t)i, ev, gpa, len);
    if (have < len || ev->u.dma.caplen < ev->u.dma.len)
        ip->res->not_comparable++;
    /* Admin data that depends on time or on the device's history (Timestamp, SMART) */
    struct rp_dep dep[RP_DEP_MAX];
    int ndep = ev->u.dma.sqid == 0 && have ? rp_dma_write_deps(ip->t, ip->o->keep, (size_t)i, 0, dep)
                                            : 0;
    uint8_t *known = NULL;
    if (ndep && (known = malloc(have)) != NULL) {
        memset(known, 1, have);
        int time_dep = 0, data_dep = 0;
        for (int k = 0; k < ndep; k++) {
            if (dep[k].kind == RP_DEP_TIME && ip->o->compare_time)
                continue;
            for (uint32_t b = dep[k].from; b < dep[k].to && b < have; b++)
                known[b] = 0;
            time_dep |= dep[k].kind == RP_DEP_TIME;
            data_dep |= dep[k].kind == RP_DEP_DATA;
        }
        ip->res->time_masked += (uint64_t)time_dep;
        ip->res->no_data += (uint64_t)data_dep;
        ip->res->not_comparable += (uint64_t)data_dep;
    }
    if (have && buf)
        compare_bytes(ip, (size_t)i, ev->u.dma.data, known, buf, have,
                      "DMA write 0x%" PRIx64 " +%u", gpa, len);
    free(known);
    return 0;
}

static void cb_msix(void *ctx, uint16_t vector, uint64_t addr, uint32_t data)
{
    struct ip_ctx *c = ctx;
    struct ip *ip = c->ip;
    struct obs x = {.type = NVT_EV_INTERRUPT, .dev = c->dev, .slot = NVT_IRQ_MSIX,
                    .vector = vector, .addr = addr, .data = data};
    size_t *fired = vector < IP_MAX_VEC ? &ip->vec_fired[(size_t)c->dev * IP_MAX_VEC + vector]
                                        : NULL;
    size_t *rec = vector < IP_MAX_VEC ? &ip->vec_matched[(size_t)c->dev * IP_MAX_VEC + vector]
                                      : NULL;
    if (fired)
        *fired = ip->step + 1;
    int64_t i = match(ip, &x);
    if (i < 0) {
        /* More messages than recorded, on a vector the recording has around this step: the
         * model coalesced differently (strict_order: unexpected). */
        if (!ip->o->strict_order && rec && *rec && near_step(*rec - 1, ip->step))
            ip->res->irq_coalesced++;
        else if (ip->o->compare)
            unexpected(ip, &x);
        return;
    }
    if (rec)
        *rec = step_of(ip, (size_t)i) + 1;
    const nvt_event *ev = nvt_trace_event(ip->t, (size_t)i);
    ip->res->compared++;
    if (!ip->o->compare || (ev->u.irq.data == data && (!ev->u.irq.addr || ev->u.irq.addr == addr)))
        return;
    char what[96], e[96], g[96];
    snprintf(what, sizeof what, "MSI-X vector %u: message", vector);
    snprintf(e, sizeof e, "addr 0x%" PRIx64 " data 0x%x", ev->u.irq.addr, ev->u.irq.data);
    snprintf(g, sizeof g, "addr 0x%" PRIx64 " data 0x%x", addr, data);
    diverge(ip, (size_t)i, what, e, g);
}

static void cb_intx(void *ctx, int level)
{
    struct ip_ctx *c = ctx;
    struct ip *ip = c->ip;
    struct obs x = {.type = NVT_EV_INTERRUPT, .dev = c->dev, .slot = NVT_IRQ_INTX_ASSERT,
                    .vector = level != 0};
    if (match_or_report(ip, &x) >= 0)
        ip->res->compared++;
}

static void cb_state(void *ctx, uint8_t state, uint32_t value)
{
    struct ip_ctx *c = ctx;
    struct ip *ip = c->ip;
    if (!ip->cmp_state)
        return;
    struct obs x = {.type = NVT_EV_CTRL_STATE, .dev = c->dev, .vector = state, .data = value};
    int64_t i = match_or_report(ip, &x);
    if (i < 0)
        return;
    const nvt_event *ev = nvt_trace_event(ip->t, (size_t)i);
    ip->res->compared++;
    compare_field(ip, (size_t)i, ev->u.state.value, value, "controller state %u: register value",
                  state);
}

static void cb_log(void *ctx, const char *msg)
{
    struct ip_ctx *c = ctx;
    ip_note(c->ip, "target (device %u): %s", c->dev, msg ? msg : "");
}

/* ---------------------------------------------------------------------------------------- */
/* host actions */

/* Device events are outputs; controller state changes too when the model reports them. */
static int is_output(const struct ip *ip, const nvt_event *ev)
{
    return rp_is_device_event(ev) || (ip->cmp_state && ev->type == NVT_EV_CTRL_STATE);
}

static int valid_size(unsigned s, unsigned max) { return s == 1 || s == 2 || s == 4 || s == max; }

static void read_value(struct ip *ip, size_t i, const nvt_event *ev, uint64_t got)
{
    if (ev->flags & NVT_F_VALUE_UNKNOWN) {
        ip->res->not_comparable++;
        return;
    }
    uint64_t want = ev->type == NVT_EV_CFG_READ ? ev->u.cfg.value : ev->u.mmio.value;
    ip->res->compared++;
    if (!ip->o->compare || want == got)
        return;
    char what[96], e[32], g[32];
    unsigned size = ev->type == NVT_EV_CFG_READ ? ev->u.cfg.size : ev->u.mmio.size;
    if (ev->type == NVT_EV_CFG_READ) {
        snprintf(what, sizeof what, "config read 0x%03x (%u bytes)", ev->u.cfg.offset, size);
    } else {
        const char *reg = ev->u.mmio.bar == 0 ? nvt_register_name(ev->u.mmio.offset) : NULL;
        snprintf(what, sizeof what, "MMIO read %s%s(BAR%u+0x%x)", reg ? reg : "", reg ? " " : "",
                 ev->u.mmio.bar, ev->u.mmio.offset);
    }
    snprintf(e, sizeof e, "0x%0*" PRIx64, (int)size * 2, want);
    snprintf(g, sizeof g, "0x%0*" PRIx64, (int)size * 2, got);
    diverge(ip, i, what, e, g);
}

/* Drives host action i. Returns 1 if it called the model, 0 if it was a duplicate record. */
static int drive(struct ip *ip, size_t i, const nvt_event *ev)
{
    const nvt_target_ops *ops = ip->ops;
    uint32_t d = ev->device;
    void *dev = ip->dev[d];
    struct ip_last_mmio *last = &ip->last[d];
    switch (ev->type) {
    case NVT_EV_CFG_WRITE:
        ops->cfg_write(dev, ev->u.cfg.offset, ev->u.cfg.size, ev->u.cfg.value);
        return 1;
    case NVT_EV_CFG_READ:
        read_value(ip, i, ev, ops->cfg_read(dev, ev->u.cfg.offset, ev->u.cfg.size));
        return 1;
    case NVT_EV_MMIO_WRITE:
    case NVT_EV_MMIO_READ: {
        int w = ev->type == NVT_EV_MMIO_WRITE;
        *last = (struct ip_last_mmio){(int64_t)i, ev->u.mmio.bar, (uint8_t)w, ev->u.mmio.offset,
                                      ev->u.mmio.value};
        if (w) {
            ops->mmio_write(dev, ev->u.mmio.bar, ev->u.mmio.offset, ev->u.mmio.size,
                            ev->u.mmio.value);
        } else {
            uint64_t v = ops->mmio_read(dev, ev->u.mmio.bar, ev->u.mmio.offset, ev->u.mmio.size);
            read_value(ip, i, ev, v);
            if (ev->u.mmio.bar == 0 && ev->u.mmio.offset == NVME_REG_CAP + 4 * (ev->u.mmio.size == 4))
                ip->dstrd[d] = (uint32_t)((ev->u.mmio.size == 4 ? v : v >> 32) & 0xf);
        }
        return 1;
    }
    case NVT_EV_DOORBELL: {
        /* Normally recorded right after its MMIO write: that write was the action. */
        uint32_t off = NVME_REG_DBS + (2u * ev->u.doorbell.qid + ev->u.doorbell.is_cq) *
                                          (4u << ip->dstrd[d]);
        if (last->index >= 0 && last->write && last->bar == 0 && last->off >= NVME_REG_DBS &&
            (uint32_t)last->value == ev->u.doorbell.value)
            return 0;
        *last = (struct ip_last_mmio){(int64_t)i, 0, 1, off, ev->u.doorbell.value};
        ops->mmio_write(dev, 0, off, 4, ev->u.doorbell.value);
        return 1;
    }
    case NVT_EV_MSIX_ACCESS:
        /* The table access is recorded as MMIO too (where it is replayed); a lone MSI-X
         * record has no BAR offset to replay at. */
        if (!(last->index >= 0 && last->write == ev->u.msix.is_write &&
              (uint32_t)last->value == ev->u.msix.value))
            ip->msix_unreplayed++;
        return 0;
    default: /* a "qtest:" command of an imported script: QEMU only */
        ip->qtest_unreplayed++;
        return 0;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* the walk */

static void cleanup(struct ip *ip)
{
    if (ip->dev)
        for (size_t d = 0; d < ip->ndev; d++)
            if (ip->dev[d])
                ip->ops->destroy(ip->dev[d]);
    free(ip->dev);
    free(ip->cbctx);
    free(ip->host);
    free(ip->last);
    free(ip->dstrd);
    free(ip->out);
    free(ip->matched);
    free(ip->slot_used);
    free(ip->cqpos);
    free(ip->vec_fired);
    free(ip->vec_matched);
    free(ip->act);
}

static int kept(const struct ip *ip, size_t i) { return !ip->o->keep || ip->o->keep[i]; }

static int prepare(struct ip *ip, nvt_error *err)
{
    size_t nd = ip->ndev ? ip->ndev : 1;
    ip->dev = calloc(nd, sizeof *ip->dev);
    ip->cbctx = calloc(nd, sizeof *ip->cbctx);
    ip->host = calloc(nd, sizeof *ip->host);
    ip->last = calloc(nd, sizeof *ip->last);
    ip->dstrd = calloc(nd, sizeof *ip->dstrd);
    size_t nout = 0, nact = 0;
    for (size_t i = 0; i < ip->n; i++) {
        if (!kept(ip, i))
            continue;
        const nvt_event *ev = nvt_trace_event(ip->t, i);
        nout += is_output(ip, ev);
        nact += rp_is_host_action(ev);
    }
    ip->out = malloc((nout ? nout : 1) * sizeof *ip->out);
    ip->matched = calloc(nout ? nout : 1, 1);
    ip->slot_used = calloc(nout ? nout : 1, 1);
    ip->cqpos = calloc(nd * IP_MAX_CQ, sizeof *ip->cqpos);
    ip->vec_fired = calloc(nd * IP_MAX_VEC, sizeof *ip->vec_fired);
    ip->vec_matched = calloc(nd * IP_MAX_VEC, sizeof *ip->vec_matched);
    ip->act = malloc((nact ? nact : 1) * sizeof *ip->act);
    if (!ip->dev || !ip->cbctx || !ip->host || !ip->last || !ip->dstrd || !ip->out ||
        !ip->matched || !ip->slot_used || !ip->cqpos || !ip->vec_fired || !ip->vec_matched ||
        !ip->act) {
        rp_error(err, NVT_E_NOMEM, "out of memory for a trace of %zu events", ip->n);
        return -1;
    }
    for (size_t i = 0; i < ip->n; i++) {
        if (!kept(ip, i))
            continue;
        const nvt_event *ev = nvt_trace_event(ip->t, i);
        if (ev->device >= ip->ndev && (rp_is_host_action(ev) || is_output(ip, ev))) {
            rp_error(err, NVT_E_ARG, "event %zu: device %u is not in the trace", i, ev->device);
            return -1;
        }
        if (is_output(ip, ev))
            ip->out[ip->nout++] = i;
        if (rp_is_host_action(ev))
            ip->act[ip->nact++] = i;
    }
    for (size_t d = 0; d < ip->ndev; d++)
        ip->last[d].index = -1;
    return 0;
}

static int create_devices(struct ip *ip, nvt_error *err)
{
    const char *args = ip->o->target_args ? ip->o->target_args : "";
    for (size_t d = 0; d < ip->ndev; d++) {
        ip->cbctx[d] = (struct ip_ctx){ip, (uint32_t)d};
        ip->host[d] = (nvt_target_host){&ip->cbctx[d], cb_dma_read, cb_dma_write, cb_msix,
                                        cb_intx, cb_state, cb_log};
        char msg[256] = "";
        ip->dev[d] = ip->ops->create(&ip->host[d], args, msg, sizeof msg);
        if (!ip->dev[d]) {
            rp_error(err, NVT_E_IO, "target %s refused to create device %zu (args '%s'): %s",
                     ip->ops->name ? ip->ops->name : "?", d, args, msg[0] ? msg : "no message");
            return -1;
        }
        ip->ops->reset(ip->dev[d]);
    }
    return 0;
}

int rp_inproc_walk(const nvt_trace *t, const nvt_target_ops *ops, const nvt_replay_opts *o,
                   const struct ip_sink *sink, nvt_replay_result *res, nvt_error *err)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct ip ip = {.t = t, .o = o, .res = res, .ops = ops, .sink = sink};
    ip.n = nvt_trace_count(t);
    ip.ndev = nvt_trace_device_count(t);
    ip.cmp_state = (ops->features & NVT_TARGET_F_STATE) != 0;
    snprintf(res->accel, sizeof res->accel, "in-process");
    snprintf(res->qemu_version, sizeof res->qemu_version, "%s", ops->name ? ops->name : "?");
    int rc = -1;
    if (prepare(&ip, err) < 0)
        goto out;
    /* Outputs of create() and reset() may match what the trace holds before its second host
     * action (a model that reports its power-on state, say). */
    ip.limit = ip.nact > 1 ? ip.act[1] : ip.n;
    if (create_devices(&ip, err) < 0)
        goto out;
    for (ip.step = 0; ip.step < ip.nact && !ip.stop; ip.step++) {
        size_t i = ip.act[ip.step];
        const nvt_event *ev = nvt_trace_event(t, i);
        if ((ev->type == NVT_EV_CFG_READ || ev->type == NVT_EV_CFG_WRITE)
                ? !valid_size(ev->u.cfg.size, 4)
                : (ev->type == NVT_EV_MMIO_READ || ev->type == NVT_EV_MMIO_WRITE) &&
                      (!valid_size(ev->u.mmio.size, 8) || ev->u.mmio.bar > 5)) {
            rp_error(err, NVT_E_ARG, "event %zu: access of %u bytes to %s cannot be replayed", i,
                     ev->type <= NVT_EV_CFG_WRITE ? ev->u.cfg.size : ev->u.mmio.size,
                     ev->type <= NVT_EV_CFG_WRITE ? "config space" : "a BAR");
            goto out;
        }
        ip.limit = ip.step + 2 < ip.nact ? ip.act[ip.step + 2] : ip.n;
        if (sink->progress)
            sink->progress(sink->ctx, (int64_t)i, 0);
        if (drive(&ip, i, ev)) {
            res->host_actions++;
            if (ops->run)
                ops->run(ip.dev[ev->device]);
        }
        if (o->compare)
            missing_before(&ip, i);
        if (sink->progress)
            sink->progress(sink->ctx, (int64_t)i, 1);
    }
    ip.limit = ip.n;
    if (o->compare && !ip.stop)
        missing_before(&ip, ip.n);
    if (ip.msix_unreplayed)
        ip_note(&ip, "%" PRIu64 " MSI-X table records have no MMIO record beside them: not "
                     "replayed (the in-process target is driven by BAR offset)",
                ip.msix_unreplayed);
    if (ip.qtest_unreplayed)
        ip_note(&ip, "%" PRIu64 " qtest commands of an imported script not replayed (they "
                     "address QEMU, not the model)",
                ip.qtest_unreplayed);
    if (res->bytes_unknown)
        ip_note(&ip, "%" PRIu64 " bytes the model read are not in the trace: it read zeros",
                res->bytes_unknown);
    rp_final_status(t, o, res);
    rc = 0;
out:
    cleanup(&ip);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    res->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return rc;
}

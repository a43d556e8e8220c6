/*
 * The replay engine: walks a trace in steps and drives it into QEMU over qtest.
 *
 * A step is a run of host actions (config and MMIO accesses, doorbells, verbatim qtest
 * commands) followed by the device events the recording shows before the next host action
 * (SQE fetches, DMA, completions, interrupts). For each step the engine
 *   1. places in guest RAM what the device will read: the SQEs a doorbell makes visible (and
 *      the data and PRP lists of those commands, and shadow doorbells) right before that
 *      doorbell, anything else the step's device reads at the start of the step;
 *   2. sends the host actions, pipelined, comparing read values as the replies come;
 *   3. if the recording shows outputs, polls until they appear (CQE phase tag, MSI-X message
 *      in RAM, INTx line) or settle_ms passes, then compares them in trace order; otherwise,
 *      if the step wrote anything, makes two no-op round trips so QEMU's bottom halves run
 *      before the next step (QEMU 7.2's NVMe does its queue work there).
 * Time is virtual: with the qtest accelerator no vCPU runs and nothing depends on the host's
 * speed; the order of device work relative to host actions is fixed by the round trips.
 *
 * Without a QEMU (export), the same walk emits the commands it would send and skips the
 * comparisons; what it would have learnt from the target it takes from the trace.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "nvmetrace/nvme.h"
#include "replay_internal.h"
#include "engine.h"

/* ---------------------------------------------------------------------------------------- */
/* commands */

static int cmd(struct eng *e, int64_t ev, int internal, qt_reply_fn fn, const void *arg,
               size_t arglen, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static int cmd(struct eng *e, int64_t ev, int internal, qt_reply_fn fn, const void *arg,
               size_t arglen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = 0;
    if (e->q) {
        rc = qt_vcmd(e->q, ev, internal, fn, arg, arglen, fmt, ap);
        if (rc < 0)
            e->dead = 1;
    } else if (!internal && e->o->on_command) {
        char line[256];
        va_list ap2;
        va_copy(ap2, ap);
        int n = vsnprintf(line, sizeof line, fmt, ap);
        if (n >= (int)sizeof line) {
            char *big = malloc((size_t)n + 1);
            if (big) {
                vsnprintf(big, (size_t)n + 1, fmt, ap2);
                e->o->on_command(e->o->ctx, big);
                free(big);
            }
        } else if (n >= 0) {
            e->o->on_command(e->o->ctx, line);
        }
        va_end(ap2);
    }
    va_end(ap);
    return rc;
}

static int sync_target(struct eng *e)
{
    if (!e->q || e->dead)
        return e->dead ? -1 : 0;
    if (qt_sync(e->q) < 0) {
        e->dead = 1;
        return -1;
    }
    return 0;
}

/* A round trip that changes nothing, so QEMU's main loop runs its bottom halves. */
static int noop_round_trip(struct eng *e)
{
    if (!e->q)
        return 0;
    cmd(e, -1, 1, NULL, NULL, 0, "endianness");
    return sync_target(e);
}

void rp_note(struct eng *e, const char *fmt, ...)
{
    if (!e->o->on_note)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    e->o->on_note(e->o->ctx, buf);
}

void rp_diverge(struct eng *e, size_t index, const char *what, const char *expected,
                const char *got)
{
    nvt_divergence d;
    rp_divergence(e->t, e->o, e->res, &e->stop, index, what, expected, got, &d);
    if (e->o->on_divergence)
        e->o->on_divergence(e->o->ctx, &d);
}

/* ---------------------------------------------------------------------------------------- */
/* guest memory */

static void hex_bytes(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = 0;
}

/* Writes guest memory at a trace address (translated into a relocated BAR if it falls in
 * one), in chunks that keep each qtest line short. */
static int mem_write(struct eng *e, int64_t ev, uint64_t gpa, const uint8_t *data, size_t len)
{
    gpa = rp_translate(e, gpa);
    char *hex = malloc(2 * RP_IO_CHUNK + 1);
    if (!hex)
        return -1;
    for (size_t off = 0; off < len; off += RP_IO_CHUNK) {
        size_t n = len - off < RP_IO_CHUNK ? len - off : RP_IO_CHUNK;
        hex_bytes(data + off, n, hex);
        cmd(e, ev, 0, NULL, NULL, 0, "write 0x%" PRIx64 " 0x%zx 0x%s", gpa + off, n, hex);
    }
    free(hex);
    return 0;
}

static void mem_zero(struct eng *e, int64_t ev, uint64_t gpa, uint64_t len)
{
    cmd(e, ev, 0, NULL, NULL, 0, "memset 0x%" PRIx64 " 0x%" PRIx64 " 0x00", rp_translate(e, gpa),
        len);
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}


/* ---------------------------------------------------------------------------------------- */
/* config space */

static uint32_t cf8_addr(const struct rp_dev *d, uint16_t off)
{
    return 0x80000000u | (uint32_t)d->bus << 16 | (uint32_t)d->slot << 11 | (uint32_t)d->fn << 8 |
           (off & 0xfcu);
}

static const char *io_suffix(int size) { return size == 1 ? "b" : size == 2 ? "w" : "l"; }
static const char *mem_suffix(int size)
{
    return size == 1 ? "b" : size == 2 ? "w" : size == 4 ? "l" : "q";
}

/* Sends a config write of the target's own value (already translated). */
static void cfg_write_raw(struct eng *e, int64_t ev, struct rp_dev *d, uint16_t off, int size,
                          uint32_t val, int internal)
{
    if (off >= 0x100) {
        cmd(e, ev, internal, NULL, NULL, 0, "write%s 0x%" PRIx64 " 0x%x", mem_suffix(size),
            rp_ecam_addr(e, d, off), val);
        return;
    }
    cmd(e, ev, internal, NULL, NULL, 0, "outl 0xcf8 0x%x", cf8_addr(d, off));
    cmd(e, ev, internal, NULL, NULL, 0, "out%s 0x%x 0x%x", io_suffix(size), 0xcfc + (off & 3),
        val);
}

/* Queues a config read; fn gets the reply. */
static void cfg_read_raw(struct eng *e, int64_t ev, struct rp_dev *d, uint16_t off, int size,
                         int internal, qt_reply_fn fn, const void *arg, size_t arglen)
{
    if (off >= 0x100) {
        cmd(e, ev, internal, fn, arg, arglen, "read%s 0x%" PRIx64, mem_suffix(size),
            rp_ecam_addr(e, d, off));
        return;
    }
    cmd(e, ev, internal, NULL, NULL, 0, "outl 0xcf8 0x%x", cf8_addr(d, off));
    cmd(e, ev, internal, fn, arg, arglen, "in%s 0x%x", io_suffix(size), 0xcfc + (off & 3));
}

/* Reply parsing: "OK 0x1234" -> value; returns 0 or -1 (FAIL, ERR, garbage). */
int rp_reply_value(const char *line, uint64_t *v)
{
    if (strncmp(line, "OK ", 3) != 0)
        return -1;
    char *end;
    *v = strtoull(line + 3, &end, 0);
    return end == line + 3 ? -1 : 0;
}

/* "OK 0x<hex bytes>" -> bytes; returns the count decoded. */
size_t rp_reply_bytes(const char *line, uint8_t *out, size_t max)
{
    if (strncmp(line, "OK 0x", 5) != 0)
        return 0;
    const char *p = line + 5;
    size_t n = 0;
    while (n < max && p[0] && p[1]) {
        int hi = p[0] >= 'a' ? p[0] - 'a' + 10 : p[0] >= 'A' ? p[0] - 'A' + 10 : p[0] - '0';
        int lo = p[1] >= 'a' ? p[1] - 'a' + 10 : p[1] >= 'A' ? p[1] - 'A' + 10 : p[1] - '0';
        if (hi < 0 || hi > 15 || lo < 0 || lo > 15)
            break;
        out[n++] = (uint8_t)(hi << 4 | lo);
        p += 2;
    }
    return n;
}

/* ---------------------------------------------------------------------------------------- */
/* host reads: compared as their replies come back */

struct read_arg {
    uint32_t index;      /* trace event */
    uint8_t kind;        /* 0 config, 1 MMIO */
    uint8_t size;
    uint8_t bar;
    uint8_t pad;
    uint32_t off;
    uint64_t expected;
    uint64_t mask;       /* bits compared */
};

static void describe_read(const struct read_arg *a, char *what, size_t len)
{
    if (a->kind == 0) {
        snprintf(what, len, "config read 0x%03x (%u bytes)", a->off, a->size);
        return;
    }
    const char *reg = a->bar == 0 ? nvt_register_name(a->off) : NULL;
    if (reg)
        snprintf(what, len, "MMIO read %s (BAR%u+0x%x, %u bytes)", reg, a->bar, a->off, a->size);
    else
        snprintf(what, len, "MMIO read BAR%u+0x%x (%u bytes)", a->bar, a->off, a->size);
}

static void on_read(void *ctx, const char *line, const void *argp)
{
    struct eng *e = ctx;
    struct read_arg a;
    memcpy(&a, argp, sizeof a);
    uint64_t v;
    char what[96], exp[80], got[256];
    e->res->compared++;
    int digits = a.size * 2;
    if (rp_reply_value(line, &v) < 0) {
        describe_read(&a, what, sizeof what);
        snprintf(exp, sizeof exp, "0x%0*" PRIx64, digits, a.expected);
        snprintf(got, sizeof got, "%s", line);
        rp_diverge(e, a.index, what, exp, got);
        return;
    }
    if ((v & a.mask) == (a.expected & a.mask))
        return;
    describe_read(&a, what, sizeof what);
    snprintf(exp, sizeof exp, "0x%0*" PRIx64, digits, a.expected);
    if (a.mask != (a.size == 8 ? UINT64_MAX : (1ull << (8 * a.size)) - 1))
        snprintf(exp + strlen(exp), sizeof exp - strlen(exp), " (mask 0x%" PRIx64 ")", a.mask);
    snprintf(got, sizeof got, "0x%0*" PRIx64, digits, v);
    rp_diverge(e, a.index, what, exp, got);
}

/* ---------------------------------------------------------------------------------------- */
/* BARs */

uint64_t rp_translate(const struct eng *e, uint64_t gpa)
{
    for (size_t i = 0; i < e->ndev; i++) {
        const struct rp_dev *d = &e->dev[i];
        for (int b = 0; b < 6; b++) {
            const struct rp_bar *bar = &d->bar[b];
            if (bar->relocated && gpa >= bar->trace_addr && gpa - bar->trace_addr < bar->size)
                return bar->target_addr + (gpa - bar->trace_addr);
        }
    }
    return gpa;
}

uint64_t rp_ecam_addr(const struct eng *e, const struct rp_dev *d, uint16_t off)
{
    return e->ecam_base + ((uint64_t)d->bus << 20 | (uint64_t)d->slot << 15 |
                           (uint64_t)d->fn << 12 | off);
}

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

/* Can the target hold this BAR at addr? Not over RAM, the ECAM window, the APICs or the BIOS,
 * not over another relocated BAR, and aligned to its size. */
static int bar_usable(const struct eng *e, const struct rp_dev *self, int bi, uint64_t addr,
                      uint64_t size)
{
    if (!size || (addr & (size - 1)))
        return 0;
    if (overlaps(addr, size, 0, e->ram_low_end) ||
        (e->ram_high_end > 0x100000000ull &&
         overlaps(addr, size, 0x100000000ull, e->ram_high_end - 0x100000000ull)) ||
        overlaps(addr, size, 0xfec00000ull, 0x00300000ull) ||
        overlaps(addr, size, 0xffe00000ull, 0x00200000ull) ||
        (e->ecam && overlaps(addr, size, e->ecam_base, 0x10000000ull)) ||
        addr + size > (1ull << 40))
        return 0;
    for (size_t i = 0; i < e->ndev; i++)
        for (int b = 0; b < 6; b++) {
            const struct rp_bar *o = &e->dev[i].bar[b];
            if ((&e->dev[i] == self && b == bi) || !o->target_addr)
                continue;
            if (overlaps(addr, size, o->target_addr, o->size))
                return 0;
        }
    return 1;
}

/* The target address for a BAR the trace puts at trace_addr: the same when possible, else a
 * free window below 4 GiB, the same one for the same trace address every time. */
static uint64_t bar_place(struct eng *e, struct rp_dev *d, int bi, uint64_t trace_addr)
{
    struct rp_bar *bar = &d->bar[bi];
    if (e->from_import)
        return trace_addr; /* a qtest script means its addresses, overlaps included */
    if (bar->relocated && bar->trace_addr == trace_addr)
        return bar->target_addr;
    if (bar_usable(e, d, bi, trace_addr, bar->size)) {
        bar->relocated = 0;
        return trace_addr;
    }
    for (uint64_t a = 0xe0000000ull; a + bar->size <= 0xfec00000ull; a += bar->size) {
        if (bar_usable(e, d, bi, a, bar->size)) {
            bar->relocated = 1;
            rp_note(e, "device %u BAR%d: the trace's address 0x%" PRIx64
                       " cannot be used in the target; relocated to 0x%" PRIx64
                       " (MMIO and DMA into it translated)",
                    d->index, bi, trace_addr, a);
            return a;
        }
    }
    return 0;
}

/* Programs BAR bi at the target address for trace_addr (both halves of a 64-bit BAR) and turns
 * memory decoding and bus mastering on: used when the trace accesses a BAR it never set up. */
static int bar_autoprogram(struct eng *e, int64_t ev, struct rp_dev *d, int bi, uint64_t trace_addr)
{
    struct rp_bar *bar = &d->bar[bi];
    if (!bar->size) {
        rp_error(e->err, NVT_E_ARG,
                 "event %" PRId64 ": access to BAR%d, which the target device does not have", ev,
                 bi);
        return -1;
    }
    uint64_t t = bar_place(e, d, bi, trace_addr ? trace_addr : 0xfe000000ull);
    if (!t) {
        rp_error(e->err, NVT_E_ARG, "event %" PRId64 ": no room for BAR%d (%" PRIu64 " bytes)",
                 ev, bi, bar->size);
        return -1;
    }
    bar->trace_addr = trace_addr ? trace_addr : t;
    bar->target_addr = t;
    bar->programmed = 1;
    cfg_write_raw(e, ev, d, (uint16_t)(0x10 + 4 * bi), 4, (uint32_t)t | bar->flags_lo, 0);
    if (bar->is64)
        cfg_write_raw(e, ev, d, (uint16_t)(0x14 + 4 * bi), 4, (uint32_t)(t >> 32), 0);
    d->command |= 0x6;
    cfg_write_raw(e, ev, d, 0x04, 2, d->command, 0);
    rp_note(e, "device %u BAR%d was never programmed by the trace: the replay put it at 0x%" PRIx64
               " and enabled memory decoding and bus mastering",
            d->index, bi, t);
    return 0;
}

/* Which BAR a config offset belongs to (-1: none), and whether it is the high half. */
static int bar_of_offset(const struct rp_dev *d, uint16_t off, int *high)
{
    if (off < 0x10 || off >= 0x28 || (off & 3))
        return -1;
    int i = (off - 0x10) / 4;
    if (i > 0 && d->bar[i - 1].is64) {
        *high = 1;
        return i - 1;
    }
    *high = 0;
    return i;
}

/* ---------------------------------------------------------------------------------------- */
/* MSI-X */

/* Is this MMIO access to an MSI-X table entry the replay points at guest RAM? (Only when the
 * trace has MSI-X interrupts to compare; otherwise table writes go through as they are.) */
static int in_msix_table(const struct rp_dev *d, int bar, uint32_t off)
{
    return d->msix_cap && d->has_msix_events && bar == d->tbir && off >= d->toff && off < d->toff + 16u * d->msix_n;
}

static int bar_mapped(const struct rp_dev *d, int b)
{
    return d->bar[b].programmed && d->bar[b].target_addr && (d->command & 0x2);
}

/* MSI-X messages are observed in guest RAM: vector v's table entry points at msi_area + 4v (a
 * write to 0xfee00000 would go to the APIC, where qtest cannot see it). Each slot holds the
 * complement of its vector's message data until a message overwrites it, so any data value,
 * zero included, shows. */
static void msi_poison(struct eng *e, int64_t ev, struct rp_dev *d, unsigned first, unsigned n)
{
    uint8_t buf[4 * RP_MAX_VECTORS];
    for (unsigned v = first; v < first + n; v++)
        put_le(buf + 4u * (v - first), ~d->vdata[v], 4);
    mem_write(e, ev, d->msi_area + 4u * first, buf, 4u * n);
}

static int msi_fired(const struct rp_dev *d, unsigned v)
{
    return (uint32_t)rp_le(d->msi_seen + 4u * v, 4) == d->vdata[v];
}

/* For traces that hold interrupts but not the guest's table writes (QEMU logs do not show
 * them): programs every entry itself, unmasked, with a marker as message data. Traces that
 * hold the table writes get only their addresses rewritten (mmio_write). */
static void msix_program(struct eng *e, int64_t ev, struct rp_dev *d)
{
    if (!d->msix_cap || d->msix_programmed || !d->has_msix_events || d->has_msix_writes ||
        !bar_mapped(d, d->tbir))
        return;
    uint64_t base = d->bar[d->tbir].target_addr + d->toff;
    for (unsigned v = 0; v < d->msix_n; v++) {
        uint64_t a = d->msi_area + 4u * v;
        cmd(e, ev, 0, NULL, NULL, 0, "writel 0x%" PRIx64 " 0x%x", base + 16u * v, (uint32_t)a);
        cmd(e, ev, 0, NULL, NULL, 0, "writel 0x%" PRIx64 " 0x%x", base + 16u * v + 4,
            (uint32_t)(a >> 32));
        cmd(e, ev, 0, NULL, NULL, 0, "writel 0x%" PRIx64 " 0x%x", base + 16u * v + 8,
            d->vdata[v]);
        cmd(e, ev, 0, NULL, NULL, 0, "writel 0x%" PRIx64 " 0x0", base + 16u * v + 12);
    }
    msi_poison(e, ev, d, 0, d->msix_n);
    d->msix_programmed = d->msi_armed = 1;
}

/* ---------------------------------------------------------------------------------------- */
/* queues */

static uint32_t db_stride(const struct rp_dev *d) { return 4u << d->dstrd; }

static void queues_reset(struct rp_dev *d)
{
    /* Controller reset deletes every queue and turns shadow doorbells off. */
    memset(d->sq, 0, (RP_MAX_QID + 1) * sizeof *d->sq);
    memset(d->cq, 0, (RP_MAX_QID + 1) * sizeof *d->cq);
    d->dbbuf = 0;
}

static void cq_create(struct eng *e, int64_t ev, struct rp_dev *d, uint16_t qid, uint64_t base,
                      uint32_t entries, uint32_t entry_size, int zero)
{
    struct rp_cq *cq = &d->cq[qid];
    memset(cq, 0, sizeof *cq);
    cq->valid = 1;
    cq->base = base;
    cq->size = entries;
    cq->entry = entry_size;
    cq->phase = 1;
    /* Drivers hand the controller zeroed completion queue memory (the phase tag of a stale
     * entry would look new): do the same when there are completions to compare. */
    if (zero && d->has_cpl_events)
        mem_zero(e, ev, base, (uint64_t)entries * entry_size);
}

static void sq_create(struct rp_dev *d, uint16_t qid, uint64_t base, uint32_t entries,
                      uint32_t entry_size, size_t cursor)
{
    struct rp_sq *sq = &d->sq[qid];
    memset(sq, 0, sizeof *sq);
    sq->valid = 1;
    sq->base = base;
    sq->size = entries;
    sq->entry = entry_size;
    sq->cursor = cursor;
}

/* The fields of a queue creation or deletion the engine needs: all known? */
static int queue_fields_known(const nvt_event *ev)
{
    return (ev->u.sub.known & 0x0000ff00ff000000ull) == 0x0000ff00ff000000ull;
}

/* Memory a queue creation hands the controller, prepared when its SQE is placed (before the
 * doorbell): drivers zero a completion queue before creating it. */
static void admin_memory(struct eng *e, int64_t index, struct rp_dev *d, const nvt_event *ev)
{
    const uint8_t *s = ev->u.sub.sqe;
    if (s[0] != 0x05 || !queue_fields_known(ev) || !d->has_cpl_events)
        return;
    uint32_t entries = (uint32_t)(rp_le(s + 40, 4) >> 16) + 1;
    mem_zero(e, index, rp_le(s + 24, 8), (uint64_t)entries << ((d->cc >> 20) & 0xf));
}

/* The effect of an admin command on the queue layout, taken when the walk reaches its SUB
 * record, in trace order (not when it is placed: a doorbell may place SQEs of later commands
 * early, and a Delete must not take effect before the commands it follows). */
static void admin_effect(struct eng *e, int64_t index, struct rp_dev *d, const nvt_event *ev)
{
    const uint8_t *s = ev->u.sub.sqe;
    uint8_t opc = s[0];
    uint64_t prp1 = rp_le(s + 24, 8), prp2 = rp_le(s + 32, 8);
    uint32_t cdw10 = (uint32_t)rp_le(s + 40, 4);
    uint16_t qid = (uint16_t)cdw10;
    uint32_t entries = (cdw10 >> 16) + 1;
    uint64_t known = ev->u.sub.known;
    int fields_known = queue_fields_known(ev);
    switch (opc) {
    case 0x05: /* Create I/O Completion Queue */
    case 0x01: /* Create I/O Submission Queue */
        if (!fields_known || !qid || qid > RP_MAX_QID) {
            rp_note(e, "event %" PRId64 ": queue creation whose id, address or size the trace does "
                       "not know; that queue cannot be rebuilt",
                    index);
            return;
        }
        if (opc == 0x05)
            cq_create(e, index, d, qid, prp1, entries, 1u << ((d->cc >> 20) & 0xf), 0);
        else
            sq_create(d, qid, prp1, entries, 1u << ((d->cc >> 16) & 0xf), (size_t)index + 1);
        return;
    case 0x00: /* Delete I/O Submission Queue */
        if (fields_known && qid && qid <= RP_MAX_QID)
            d->sq[qid].valid = 0;
        return;
    case 0x04: /* Delete I/O Completion Queue */
        if (fields_known && qid && qid <= RP_MAX_QID)
            d->cq[qid].valid = 0;
        return;
    case 0x7c: /* Doorbell Buffer Config: PRP1 shadow doorbells, PRP2 EventIdx */
        if ((known & 0x0000ffffff000000ull) == 0x0000ffffff000000ull ||
            (known & 0x000000ffff000000ull) == 0x000000ffff000000ull) {
            d->dbbuf = 1;
            d->dbs = prp1;
            d->eis = prp2;
        }
        return;
    default:
        return;
    }
}

/* Fields QEMU's log does not print, where a zero would change the command's meaning: Get Log
 * Page without its NSID is sent with FFFFFFFFh, the controller-scope value drivers use (NSID 0
 * makes QEMU fail SMART / Health Information with Invalid Namespace). */
static void rebuild_defaults(struct eng *e, uint8_t *sqe, uint64_t known, uint16_t qid)
{
    if (qid == 0 && sqe[0] == 0x02 && !(known & 0xf0)) {
        put_le(sqe + 4, 0xffffffffu, 4);
        e->nsid_defaulted++;
    }
}

/* Writes a SUB's SQE into its queue slot (and what the command will read, see place_cmd_data).
 * slot: the queue index to use when the record does not say. */
static int place_sqe(struct eng *e, size_t i)
{
    const nvt_event *ev = nvt_trace_event(e->t, i);
    struct rp_dev *d = &e->dev[ev->device];
    if (e->placed[i])
        return 0;
    e->placed[i] = 1;
    struct rp_sq *sq = &d->sq[ev->u.sub.qid];
    if (!sq->valid) {
        rp_error(e->err, NVT_E_ARG,
                 "event %zu: a command on SQ %u, which the trace never created (missing setup: "
                 "the trace must start before the controller is enabled and its queues created)",
                 i, ev->u.sub.qid);
        return -1;
    }
    uint32_t slot = ev->u.sub.slot != NVT_SLOT_UNKNOWN ? ev->u.sub.slot : sq->place_next;
    if (slot >= sq->size) {
        rp_error(e->err, NVT_E_ARG, "event %zu: SQ %u slot %u is past the queue size %u", i,
                 ev->u.sub.qid, slot, sq->size);
        return -1;
    }
    sq->place_next = (slot + 1) % sq->size;
    if (ev->flags & NVT_F_RECONSTRUCTED || ev->u.sub.known != UINT64_MAX)
        e->res->sqes_rebuilt++;
    uint8_t sqe[NVT_SQE_LEN];
    /* Unknown bytes of a reconstructed SQE are zero in the record: sent as zero, except where
     * zero would ask for something else than any driver does (rebuild_defaults). */
    memcpy(sqe, ev->u.sub.sqe, sizeof sqe);
    if (ev->u.sub.known != UINT64_MAX)
        rebuild_defaults(e, sqe, ev->u.sub.known, ev->u.sub.qid);
    if (ev->u.sub.qid == 0)
        admin_memory(e, (int64_t)i, d, ev);
    mem_write(e, (int64_t)i, sq->base + (uint64_t)slot * sq->entry, sqe, sizeof sqe);
    /* Data and PRP lists the command reads: records of the same queue and CID before the
     * command's completion. */
    uint16_t cid = (uint16_t)rp_le(ev->u.sub.sqe + 2, 2);
    int cid_known = (ev->u.sub.known & 0xc) == 0xc;
    size_t n = nvt_trace_count(e->t);
    for (size_t j = i + 1; cid_known && j < n && j < i + RP_DATA_WINDOW; j++) {
        if (!rp_kept(e, j))
            continue;
        const nvt_event *x = nvt_trace_event(e->t, j);
        if (x->device != ev->device)
            continue;
        if (x->type == NVT_EV_COMPLETION && (x->u.cpl.known & 0x3c00) == 0x3c00 &&
            rp_le(x->u.cpl.cqe + 10, 2) == ev->u.sub.qid && rp_le(x->u.cpl.cqe + 12, 2) == cid)
            break;
        if (x->type == NVT_EV_DMA_READ && !e->placed[j] && x->u.dma.sqid == ev->u.sub.qid &&
            x->u.dma.cid == cid)
            rp_place_dma_read(e, j);
    }
    return 0;
}

void rp_place_dma_read(struct eng *e, size_t j)
{
    const nvt_event *x = nvt_trace_event(e->t, j);
    e->placed[j] = 1;
    if (x->u.dma.caplen)
        mem_write(e, (int64_t)j, x->u.dma.gpa, x->u.dma.data, x->u.dma.caplen);
    if (x->u.dma.len > x->u.dma.caplen)
        e->res->bytes_unknown += x->u.dma.len - x->u.dma.caplen;
}

/* Before an SQ tail doorbell moving the tail from old to new: the SQEs of the slots in between
 * are the next SUB records of that queue. */
static int place_for_doorbell(struct eng *e, struct rp_dev *d, uint16_t qid, uint32_t new_tail)
{
    struct rp_sq *sq = &d->sq[qid];
    if (!sq->valid || new_tail >= sq->size)
        return 0; /* the device will reject it; nothing of ours to place */
    uint32_t count = (new_tail + sq->size - sq->tail) % sq->size;
    sq->tail = new_tail;
    size_t n = nvt_trace_count(e->t);
    for (size_t j = sq->cursor; count && j < n; j++) {
        if (!rp_kept(e, j))
            continue;
        const nvt_event *x = nvt_trace_event(e->t, j);
        if (x->type != NVT_EV_SUBMISSION || x->device != d->index || x->u.sub.qid != qid)
            continue;
        sq->cursor = j + 1;
        if (e->placed[j])
            continue;
        if (place_sqe(e, j) < 0)
            return -1;
        count--;
    }
    return 0;
}

/* Shadow doorbell (Doorbell Buffer Config): the host keeps the value in guest memory too and
 * the device reads it from there. */
static void shadow_write(struct eng *e, int64_t ev, struct rp_dev *d, uint16_t qid, int is_cq,
                         uint32_t value)
{
    if (!d->dbbuf)
        return;
    uint8_t b[4];
    put_le(b, value, 4);
    mem_write(e, ev, d->dbs + (uint64_t)(2u * qid + (is_cq ? 1 : 0)) * db_stride(d), b, 4);
}

/* ---------------------------------------------------------------------------------------- */
/* host actions */

static void cc_write(struct eng *e, int64_t ev, struct rp_dev *d, uint32_t cc)
{
    int was = d->cc & 1, now = cc & 1;
    d->cc = cc;
    if (was && !now)
        queues_reset(d);
    if (!was && now) {
        queues_reset(d);
        sq_create(d, 0, d->asq, (d->aqa & 0xfff) + 1, 64, (size_t)(ev + 1));
        cq_create(e, ev, d, 0, d->acq, ((d->aqa >> 16) & 0xfff) + 1, 16, 1);
    }
}

/* Register write bookkeeping for BAR0 (controller registers). */
static void ctrl_reg_write(struct eng *e, int64_t ev, struct rp_dev *d, uint32_t off, int size,
                           uint64_t v)
{
    if (off == NVME_REG_CC && size >= 4)
        cc_write(e, ev, d, (uint32_t)v);
    else if (off == NVME_REG_AQA && size >= 4)
        d->aqa = (uint32_t)v;
    else if (off == NVME_REG_ASQ)
        d->asq = size == 8 ? v : (d->asq & ~0xffffffffull) | (uint32_t)v;
    else if (off == NVME_REG_ASQ + 4 && size == 4)
        d->asq = (d->asq & 0xffffffffull) | v << 32;
    else if (off == NVME_REG_ACQ)
        d->acq = size == 8 ? v : (d->acq & ~0xffffffffull) | (uint32_t)v;
    else if (off == NVME_REG_ACQ + 4 && size == 4)
        d->acq = (d->acq & 0xffffffffull) | v << 32;
}

/* Doorbell (qid, is_cq) written with value: places what the device will read, then writes. */
static int doorbell_write(struct eng *e, int64_t ev, struct rp_dev *d, uint32_t off, int size,
                          uint64_t value)
{
    uint32_t idx = (off - NVME_REG_DBS) / db_stride(d);
    uint16_t qid = (uint16_t)(idx / 2);
    int is_cq = idx & 1;
    if (qid <= RP_MAX_QID) {
        if (!is_cq && place_for_doorbell(e, d, qid, (uint32_t)value) < 0)
            return -1;
        shadow_write(e, ev, d, qid, is_cq, (uint32_t)value);
    }
    cmd(e, ev, 0, NULL, NULL, 0, "write%s 0x%" PRIx64 " 0x%" PRIx64, mem_suffix(size),
        d->bar[0].target_addr + off, value);
    d->last_db_off = off;
    d->last_db_val = value;
    d->last_db_index = ev;
    return 0;
}

static int ensure_bar(struct eng *e, int64_t ev, struct rp_dev *d, int bar, uint64_t gpa,
                      uint32_t off)
{
    if (bar < 0 || bar > 5) {
        rp_error(e->err, NVT_E_ARG, "event %" PRId64 ": BAR index %d", ev, bar);
        return -1;
    }
    if (bar_mapped(d, bar))
        return 0;
    if (d->bar[bar].programmed && d->bar[bar].target_addr) {
        /* Programmed but decoding off: the original guest had it on when it made the access. */
        d->command |= 0x6;
        cfg_write_raw(e, ev, d, 0x04, 2, d->command, 0);
        rp_note(e, "event %" PRId64 ": device %u BAR%d accessed with memory decoding off; the "
                   "replay turned decoding on",
                ev, d->index, bar);
        return 0;
    }
    uint64_t hint = d->bar[bar].hint ? d->bar[bar].hint : gpa > off ? gpa - off : 0;
    return bar_autoprogram(e, ev, d, bar, hint);
}

static int mmio_write(struct eng *e, int64_t ev, struct rp_dev *d, int bar, uint32_t off,
                      int size, uint64_t value, uint64_t gpa)
{
    if (ensure_bar(e, ev, d, bar, gpa, off) < 0)
        return -1;
    msix_program(e, ev, d);
    if (in_msix_table(d, bar, off)) {
        /* The guest's own table write: data and mask as they are, the address pointed at the
         * vector's slot in RAM (armed with the complement of the data). */
        uint32_t v = (off - d->toff) / 16, field = ((off - d->toff) % 16) / 4;
        if (size == 4 && field == NVT_MSIX_DATA)
            d->vdata[v] = (uint32_t)value;
        uint64_t a = d->msi_area + 4u * v;
        if (field == NVT_MSIX_ADDR_LO)
            value = size == 8 ? a : (uint32_t)a;
        else if (field == NVT_MSIX_ADDR_HI)
            value = (uint32_t)(a >> 32);
        if (field == NVT_MSIX_ADDR_LO || field == NVT_MSIX_DATA) {
            msi_poison(e, ev, d, v, 1);
            d->msi_armed = 1;
        }
    } else if (bar == 0 && off >= NVME_REG_DBS && (!d->msix_cap || d->tbir != 0 || off < d->toff)) {
        return doorbell_write(e, ev, d, off, size, value);
    } else if (bar == 0) {
        /* Zeroing the admin CQ must come before the enable that creates it. */
        ctrl_reg_write(e, ev, d, off, size, value);
    }
    cmd(e, ev, 0, NULL, NULL, 0, "write%s 0x%" PRIx64 " 0x%" PRIx64, mem_suffix(size),
        d->bar[bar].target_addr + off, value);
    return 0;
}

static int mmio_read(struct eng *e, int64_t ev, struct rp_dev *d, int bar, uint32_t off, int size,
                     uint64_t expected, int unknown, uint64_t gpa)
{
    if (ensure_bar(e, ev, d, bar, gpa, off) < 0)
        return -1;
    msix_program(e, ev, d);
    struct read_arg a = {(uint32_t)ev, 1, (uint8_t)size, (uint8_t)bar, 0, off, expected,
                         size == 8 ? UINT64_MAX : (1ull << (8 * size)) - 1};
    if (in_msix_table(d, bar, off)) {
        uint32_t field = ((off - d->toff) % 16) / 4;
        if (field == NVT_MSIX_ADDR_LO || field == NVT_MSIX_ADDR_HI)
            unknown = 1; /* we rewrote the address: the recorded one cannot come back */
    }
    if (bar == 0 && off == NVME_REG_CAP && !unknown)
        d->dstrd = (unsigned)((expected >> 32) & 0xf);
    int compare = e->o->compare && !unknown && e->q;
    if (!compare && !unknown)
        e->res->not_comparable += 0;
    if (unknown)
        e->res->not_comparable++;
    cmd(e, ev, 0, compare ? on_read : NULL, &a, sizeof a, "read%s 0x%" PRIx64, mem_suffix(size),
        d->bar[bar].target_addr + off);
    return 0;
}

/* Keeps a 16-bit config register up to date from a write of any size that covers it. */
static void track_u16(uint16_t *reg, uint16_t reg_off, uint16_t off, int size, uint32_t value)
{
    for (int b = 0; b < size; b++) {
        uint16_t byte = (uint16_t)((value >> (8 * b)) & 0xff);
        if (off + b == reg_off)
            *reg = (uint16_t)((*reg & 0xff00) | byte);
        else if (off + b == reg_off + 1)
            *reg = (uint16_t)((*reg & 0x00ff) | byte << 8);
    }
}

static void cfg_write(struct eng *e, int64_t ev, struct rp_dev *d, uint16_t off, int size,
                      uint32_t value)
{
    int high;
    int bi = bar_of_offset(d, off, &high);
    if (size == 4 && bi >= 0 && d->bar[bi].size && !d->bar[bi].io) {
        struct rp_bar *bar = &d->bar[bi];
        int sizing = value == 0xffffffffu;
        if (!sizing) {
            if (high)
                bar->trace_hi = value;
            else
                bar->trace_lo = value;
            uint64_t ta = ((uint64_t)(bar->is64 ? bar->trace_hi : 0) << 32) | (bar->trace_lo & ~0xfu);
            if (ta) {
                uint64_t t = bar_place(e, d, bi, ta);
                if (!t)
                    t = ta; /* no room anywhere: let QEMU have it as the trace says */
                bar->trace_addr = ta;
                bar->target_addr = t;
                bar->programmed = 1;
                if (bar->relocated) {
                    /* Both halves, so the target never sees half an address. */
                    cfg_write_raw(e, ev, d, (uint16_t)(0x10 + 4 * bi), 4,
                                  (uint32_t)t | (bar->trace_lo & 0xf), 0);
                    if (bar->is64)
                        cfg_write_raw(e, ev, d, (uint16_t)(0x14 + 4 * bi), 4, (uint32_t)(t >> 32), 0);
                    d->msix_programmed = 0;
                    return;
                }
            } else {
                bar->programmed = 0;
                bar->target_addr = 0;
            }
            d->msix_programmed = 0; /* the table moved with the BAR */
        }
    }
    track_u16(&d->command, 0x04, off, size, value);
    if (d->msix_cap) {
        uint16_t ctl = d->msix_ctl;
        track_u16(&ctl, (uint16_t)(d->msix_cap + 2), off, size, value);
        d->msix_ctl = ctl;
    }
    cfg_write_raw(e, ev, d, off, size, value, 0);
    msix_program(e, ev, d);
}

static void cfg_read(struct eng *e, int64_t ev, struct rp_dev *d, uint16_t off, int size,
                     uint32_t expected, int unknown, int reconstructed)
{
    int high;
    int bi = bar_of_offset(d, off, &high);
    if (size == 4 && bi >= 0 && d->bar[bi].relocated && expected != 0xffffffffu) {
        /* A relocated BAR reads back at its target address. */
        struct rp_bar *bar = &d->bar[bi];
        if (!high && (expected & ~0xfu) == (uint32_t)bar->trace_addr)
            expected = (uint32_t)bar->target_addr | (expected & 0xf);
        else if (high && expected == (uint32_t)(bar->trace_addr >> 32))
            expected = (uint32_t)(bar->target_addr >> 32);
    }
    struct read_arg a = {(uint32_t)ev, 0, (uint8_t)size, 0, 0, off, expected,
                         (1ull << (8 * size)) - 1};
    if (reconstructed) {
        /* QEMU's log does not print the access size (the importer guesses it): only the bytes
         * the value itself spans are certain. */
        int need = expected > 0xffff ? 4 : expected > 0xff ? 2 : 1;
        a.mask = (1ull << (8 * need)) - 1;
    }
    int compare = e->o->compare && !unknown && e->q;
    if (unknown)
        e->res->not_comparable++;
    cfg_read_raw(e, ev, d, off, size, 0, compare ? on_read : NULL, &a, sizeof a);
}

/* A "qtest: <command>" annotation: sent as it is (imported scripts). */
static int is_qtest_note(const nvt_event *ev)
{
    return ev->type == NVT_EV_ANNOTATION && ev->u.ann.len > 7 &&
           strncmp(ev->u.ann.text, "qtest: ", 7) == 0;
}

int rp_is_host_action(const nvt_event *ev)
{
    switch (ev->type) {
    case NVT_EV_CFG_READ:
    case NVT_EV_CFG_WRITE:
    case NVT_EV_MMIO_READ:
    case NVT_EV_MMIO_WRITE:
    case NVT_EV_DOORBELL:
    case NVT_EV_MSIX_ACCESS:
        return 1;
    case NVT_EV_ANNOTATION:
        return is_qtest_note(ev);
    default:
        return 0;
    }
}

int rp_is_device_event(const nvt_event *ev)
{
    switch (ev->type) {
    case NVT_EV_SUBMISSION:
    case NVT_EV_COMPLETION:
    case NVT_EV_DMA_READ:
    case NVT_EV_DMA_WRITE:
    case NVT_EV_INTERRUPT:
        return 1;
    default:
        return 0;
    }
}

static int host_action(struct eng *e, size_t i)
{
    const nvt_event *ev = nvt_trace_event(e->t, i);
    int64_t x = (int64_t)i;
    e->res->host_actions++;
    if (is_qtest_note(ev)) {
        cmd(e, x, 0, NULL, NULL, 0, "%s", ev->u.ann.text + 7);
        return 0;
    }
    if (ev->device >= e->ndev) {
        rp_error(e->err, NVT_E_ARG, "event %zu: device %u is not in the trace", i, ev->device);
        return -1;
    }
    struct rp_dev *d = &e->dev[ev->device];
    int unknown = (ev->flags & NVT_F_VALUE_UNKNOWN) != 0;
    switch (ev->type) {
    case NVT_EV_CFG_WRITE:
        cfg_write(e, x, d, ev->u.cfg.offset, ev->u.cfg.size, ev->u.cfg.value);
        return 0;
    case NVT_EV_CFG_READ:
        cfg_read(e, x, d, ev->u.cfg.offset, ev->u.cfg.size, ev->u.cfg.value, unknown,
                 (ev->flags & NVT_F_RECONSTRUCTED) != 0);
        return 0;
    case NVT_EV_MMIO_WRITE:
        return mmio_write(e, x, d, ev->u.mmio.bar, ev->u.mmio.offset, ev->u.mmio.size,
                          ev->u.mmio.value, ev->u.mmio.gpa);
    case NVT_EV_MMIO_READ:
        return mmio_read(e, x, d, ev->u.mmio.bar, ev->u.mmio.offset, ev->u.mmio.size,
                         ev->u.mmio.value, unknown, ev->u.mmio.gpa);
    case NVT_EV_DOORBELL: {
        /* Recorded together with its MMIO write (the normal case): nothing more to do. */
        uint32_t off = NVME_REG_DBS + (2u * ev->u.doorbell.qid + ev->u.doorbell.is_cq) * db_stride(d);
        if (d->last_db_index >= 0 && d->last_db_off == off && d->last_db_val == ev->u.doorbell.value)
            return 0;
        return mmio_write(e, x, d, 0, off, 4, ev->u.doorbell.value, 0);
    }
    case NVT_EV_MSIX_ACCESS: {
        if (!d->msix_cap || ev->u.msix.field > NVT_MSIX_PBA_HI)
            return 0;
        uint32_t off;
        int bar;
        if (ev->u.msix.field >= NVT_MSIX_PBA_LO) {
            bar = d->pbir;
            off = d->poff + 8u * ev->u.msix.entry + 4u * (ev->u.msix.field - NVT_MSIX_PBA_LO);
        } else {
            bar = d->tbir;
            off = d->toff + 16u * ev->u.msix.entry + 4u * ev->u.msix.field;
        }
        if (d->last_mmio_index >= 0 && d->last_mmio_bar == bar && d->last_mmio_off == off)
            return 0; /* the same access, also recorded as MMIO */
        if (ev->u.msix.is_write)
            return mmio_write(e, x, d, bar, off, 4, ev->u.msix.value, 0);
        return mmio_read(e, x, d, bar, off, 4, ev->u.msix.value, unknown, 0);
    }
    default:
        return 0;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* outputs */

void rp_intx_cb(void *ctx, int raise, int line)
{
    struct eng *e = ctx;
    /* q35 routes PCI INTx to IOAPIC inputs 16-23 (PIRQA-H); the lower ones are the PIT, RTC and
     * other chipset devices. */
    if (line < 16 || line > 23)
        return;
    if (raise) {
        e->intx_raised = 1;
        e->intx_level = 1;
    } else {
        e->intx_lowered = 1;
        e->intx_level = 0;
    }
}

static void on_bytes(void *ctx, const char *line, const void *argp)
{
    struct eng *e = ctx;
    uint32_t k;
    uint32_t off;
    memcpy(&k, argp, 4);
    memcpy(&off, (const uint8_t *)argp + 4, 4);
    struct rp_expect *x = &e->ex[k];
    size_t room = x->len - off;
    size_t n = rp_reply_bytes(line, x->got + off, room);
    if (n == room && off + n == x->len)
        x->have = 1;
}

static void on_msi(void *ctx, const char *line, const void *argp)
{
    struct eng *e = ctx;
    uint32_t di;
    memcpy(&di, argp, 4);
    struct rp_dev *d = &e->dev[di];
    rp_reply_bytes(line, d->msi_seen, 4u * d->msix_n);
}


/* ---------------------------------------------------------------------------------------- */
/* completion sets: which outstanding command a CQE completes */

/* Does recorded CQE i complete command (sqid, cid) of device dev on CQ cq? */
static int cpl_is(const struct eng *e, size_t i, uint32_t dev, uint16_t cq, uint16_t sqid,
                  uint16_t cid)
{
    const nvt_event *ev = nvt_trace_event(e->t, i);
    return ev->type == NVT_EV_COMPLETION && ev->device == dev && ev->u.cpl.qid == cq &&
           (ev->u.cpl.known & 0x3c00) == 0x3c00 && rp_le(ev->u.cpl.cqe + 10, 2) == sqid &&
           rp_le(ev->u.cpl.cqe + 12, 2) == cid;
}

/* The SUB record of the command recorded CQE i completes (the last one before it with the
 * same device, SQ and CID); -1 if the trace has none (the command was never given to the
 * target), -2 if the CQE's SQ id or CID is unknown. */
static int64_t submission_of(const struct eng *e, size_t i)
{
    const nvt_event *c = nvt_trace_event(e->t, i);
    if ((c->u.cpl.known & 0x3c00) != 0x3c00)
        return -2;
    uint16_t sqid = (uint16_t)rp_le(c->u.cpl.cqe + 10, 2), cid = (uint16_t)rp_le(c->u.cpl.cqe + 12, 2);
    for (size_t j = i; j-- > 0 && i - j <= RP_DATA_WINDOW;) {
        const nvt_event *ev = nvt_trace_event(e->t, j);
        if (ev->type == NVT_EV_SUBMISSION && ev->device == c->device && ev->u.sub.qid == sqid &&
            (ev->u.sub.known & 0xc) == 0xc && rp_le(ev->u.sub.sqe + 2, 2) == cid)
            return rp_kept(e, j) ? (int64_t)j : -1;
    }
    return -1;
}

/* The recorded CQE a CQE the target posted in x's slot completes: x's own record, another of
 * the step's, one of an earlier step still unmatched (the target was late), or one of the next
 * steps (the target was early). -1: no outstanding command has that SQ id and CID. */
static int64_t cqe_owner(struct eng *e, const struct rp_expect *x, size_t step_end)
{
    uint16_t sqid = (uint16_t)rp_le(x->got + 10, 2), cid = (uint16_t)rp_le(x->got + 12, 2);
    if (!e->cpl_matched[x->index] && cpl_is(e, x->index, x->dev, x->qid, sqid, cid))
        return (int64_t)x->index;
    for (size_t k = 0; k < e->nex; k++) {
        const struct rp_expect *y = &e->ex[k];
        if (y->kind == RP_X_CQE && !e->cpl_matched[y->index] &&
            cpl_is(e, y->index, x->dev, x->qid, sqid, cid))
            return (int64_t)y->index;
    }
    for (size_t k = 0; k < e->npend; k++)
        if (!e->cpl_matched[e->pend[k]] && cpl_is(e, e->pend[k], x->dev, x->qid, sqid, cid))
            return (int64_t)e->pend[k];
    size_t n = nvt_trace_count(e->t);
    for (size_t j = step_end; j < n && j - step_end < RP_DATA_WINDOW; j++) {
        if (!rp_kept(e, j) || e->cpl_matched[j])
            continue;
        const nvt_event *ev = nvt_trace_event(e->t, j);
        if (ev->type == NVT_EV_SUBMISSION && ev->device == x->dev && ev->u.sub.qid == sqid &&
            (ev->u.sub.known & 0xc) == 0xc && rp_le(ev->u.sub.sqe + 2, 2) == cid)
            break; /* the CID is reused: a later completion is of another command */
        if (cpl_is(e, j, x->dev, x->qid, sqid, cid))
            return (int64_t)j;
    }
    return -1;
}

static void pend_push(struct eng *e, size_t index, int64_t sub)
{
    if (e->npend == e->pendcap) {
        size_t cap = e->pendcap ? 2 * e->pendcap : 16;
        size_t *p = realloc(e->pend, cap * sizeof *p);
        if (p)
            e->pend = p;
        int64_t *q = p ? realloc(e->pend_sub, cap * sizeof *q) : NULL;
        if (q)
            e->pend_sub = q;
        if (!p || !q)
            return; /* then it is reported when its slot stays empty, or never */
        e->pendcap = cap;
    }
    e->pend_sub[e->npend] = sub;
    e->pend[e->npend++] = index;
}

/* Drops the matched entries of the pending list. */
static void pend_compact(struct eng *e)
{
    size_t w = 0;
    for (size_t k = 0; k < e->npend; k++)
        if (!e->cpl_matched[e->pend[k]]) {
            e->pend_sub[w] = e->pend_sub[k];
            e->pend[w++] = e->pend[k];
        }
    e->npend = w;
}

/* While polling: could a CQE still come for the step's empty slots? Only if a command the
 * target was given (its SQE placed) and whose completion the recording holds has not shown up
 * in any of the step's slots yet. If none, waiting longer cannot fill them. */
static int cqe_can_come(struct eng *e)
{
    for (size_t pass = 0; pass < 2; pass++) {
        size_t cnt = pass ? e->npend : e->nex;
        for (size_t k = 0; k < cnt; k++) {
            size_t idx;
            int64_t sub;
            if (!pass) {
                if (e->ex[k].kind != RP_X_CQE)
                    continue;
                idx = e->ex[k].index;
                sub = e->ex[k].sub;
            } else {
                idx = e->pend[k];
                sub = e->pend_sub[k];
            }
            if (sub == -2 && !e->cpl_matched[idx])
                return 1; /* which command it is is unknown: it may come */
            if (e->cpl_matched[idx] || sub < 0 || !e->placed[sub])
                continue;
            const nvt_event *c = nvt_trace_event(e->t, idx);
            uint16_t sqid = (uint16_t)rp_le(c->u.cpl.cqe + 10, 2);
            uint16_t cid = (uint16_t)rp_le(c->u.cpl.cqe + 12, 2);
            int seen = 0;
            for (size_t m = 0; m < e->nex && !seen; m++) {
                const struct rp_expect *y = &e->ex[m];
                seen = y->kind == RP_X_CQE && y->dev == c->device && y->qid == c->u.cpl.qid &&
                       y->have && (y->got[14] & 1) == y->phase && rp_le(y->got + 10, 2) == sqid &&
                       rp_le(y->got + 12, 2) == cid;
            }
            if (!seen)
                return 1;
        }
    }
    return 0;
}

/* Builds the expectations of the step [a, b). */
static int collect_expectations(struct eng *e, size_t a, size_t b)
{
    e->nex = 0;
    for (size_t i = a; i < b; i++) {
        if (!rp_kept(e, i))
            continue;
        const nvt_event *ev = nvt_trace_event(e->t, i);
        if (ev->device >= e->ndev)
            continue;
        struct rp_dev *d = &e->dev[ev->device];
        struct rp_expect x;
        memset(&x, 0, sizeof x);
        x.index = i;
        x.dev = ev->device;
        if (ev->type == NVT_EV_COMPLETION) {
            struct rp_cq *cq = ev->u.cpl.qid <= RP_MAX_QID ? &d->cq[ev->u.cpl.qid] : NULL;
            if (!cq || !cq->valid) {
                e->res->not_comparable++;
                rp_note(e, "event %zu: completion on CQ %u, which the replay does not know; not "
                           "compared",
                        i, ev->u.cpl.qid);
                continue;
            }
            uint32_t slot = ev->u.cpl.slot != NVT_SLOT_UNKNOWN ? ev->u.cpl.slot : cq->tail;
            if (slot >= cq->size)
                slot = cq->tail;
            x.kind = RP_X_CQE;
            x.gpa = cq->base + (uint64_t)slot * cq->entry;
            x.len = NVT_CQE_LEN;
            x.phase = cq->phase;
            x.qid = ev->u.cpl.qid;
            x.slot = slot;
            memcpy(x.want, ev->u.cpl.cqe, NVT_CQE_LEN);
            for (int k = 0; k < NVT_CQE_LEN; k++)
                x.known[k] = (ev->u.cpl.known >> k) & 1;
            x.sub = e->o->strict_order ? -1 : submission_of(e, i);
            cq->tail = (slot + 1) % cq->size;
            if (cq->tail == 0)
                cq->phase ^= 1;
        } else if (ev->type == NVT_EV_DMA_WRITE) {
            if (!ev->u.dma.caplen) {
                e->res->not_comparable++;
                continue;
            }
            x.kind = RP_X_DMA;
            x.gpa = ev->u.dma.gpa;
            x.len = ev->u.dma.caplen;
            x.data = ev->u.dma.data;
            x.ndep = rp_dma_write_deps(e->t, e->o->keep, i, e->media_zero, x.dep);
        } else if (ev->type == NVT_EV_INTERRUPT) {
            if (ev->u.irq.kind == NVT_IRQ_MSIX && d->msix_cap && ev->u.irq.vector < d->msix_n) {
                x.kind = RP_X_MSIX;
                x.vector = ev->u.irq.vector;
            } else if (ev->u.irq.kind == NVT_IRQ_INTX_ASSERT) {
                x.kind = RP_X_INTX_ASSERT;
            } else if (ev->u.irq.kind == NVT_IRQ_INTX_DEASSERT) {
                x.kind = RP_X_INTX_DEASSERT;
            } else {
                e->res->not_comparable++;
                continue;
            }
        } else {
            continue;
        }
        if (e->nex == e->excap) {
            size_t cap = e->excap ? e->excap * 2 : 64;
            struct rp_expect *p = realloc(e->ex, cap * sizeof *p);
            if (!p) {
                rp_error(e->err, NVT_E_NOMEM, "out of memory");
                return -1;
            }
            e->ex = p;
            e->excap = cap;
        }
        e->ex[e->nex++] = x;
    }
    for (size_t k = 0; k < e->nex; k++) {
        struct rp_expect *x = &e->ex[k];
        x->got = NULL;
        if (x->kind == RP_X_CQE || x->kind == RP_X_DMA) {
            x->got = calloc(1, x->len);
            if (!x->got) {
                rp_error(e->err, NVT_E_NOMEM, "out of memory");
                return -1;
            }
        }
    }
    return 0;
}

/* Is byte b of DMA expectation x one the replay does not compare (time, no data)? */
static int dma_masked(const struct eng *e, const struct rp_expect *x, uint32_t b)
{
    for (int k = 0; k < x->ndep; k++)
        if (b >= x->dep[k].from && b < x->dep[k].to &&
            (x->dep[k].kind == RP_DEP_DATA || !e->o->compare_time))
            return 1;
    return 0;
}

static int expect_met(struct eng *e, const struct rp_expect *x)
{
    switch (x->kind) {
    case RP_X_CQE:
        return x->have && (x->got[14] & 1) == x->phase;
    case RP_X_DMA:
        if (!x->have)
            return 0;
        for (uint32_t b = 0; b < x->len; b++)
            if (x->got[b] != x->data[b] && !dma_masked(e, x, b))
                return 0;
        return 1;
    case RP_X_MSIX: {
        const struct rp_dev *d = &e->dev[x->dev];
        return msi_fired(d, x->vector);
    }
    case RP_X_INTX_ASSERT:
        return e->intx_raised || e->intx_level;
    case RP_X_INTX_DEASSERT:
        return e->intx_lowered || !e->intx_level;
    default:
        return 1;
    }
}


/* Queues reads for what is still missing; returns how many were queued. */
static int poll_round(struct eng *e)
{
    int queued = 0;
    int want_msi[RP_MAX_DEVICES] = {0};
    for (size_t k = 0; k < e->nex; k++) {
        struct rp_expect *x = &e->ex[k];
        if (x->kind == RP_X_MSIX) {
            if (x->dev < RP_MAX_DEVICES)
                want_msi[x->dev] = 1;
            continue;
        }
        if ((x->kind != RP_X_CQE && x->kind != RP_X_DMA) || expect_met(e, x))
            continue;
        for (uint32_t off = 0; off < x->len; off += RP_IO_CHUNK) {
            uint32_t n = x->len - off < RP_IO_CHUNK ? x->len - off : RP_IO_CHUNK;
            uint32_t arg[2] = {(uint32_t)k, off};
            cmd(e, -1, 1, on_bytes, arg, sizeof arg, "read 0x%" PRIx64 " 0x%x",
                rp_translate(e, x->gpa + off), n);
        }
        queued++;
    }
    for (size_t di = 0; di < e->ndev && di < RP_MAX_DEVICES; di++) {
        struct rp_dev *d = &e->dev[di];
        if ((want_msi[di] || d->msix_check) && d->msi_armed) {
            uint32_t arg = (uint32_t)di;
            cmd(e, -1, 1, on_msi, &arg, sizeof arg, "read 0x%" PRIx64 " 0x%x", d->msi_area,
                4u * d->msix_n);
            queued++;
        }
    }
    return queued;
}

static int all_met(struct eng *e, int *cqes_met)
{
    int all = 1;
    *cqes_met = 1;
    for (size_t k = 0; k < e->nex; k++) {
        if (!expect_met(e, &e->ex[k])) {
            all = 0;
            if (e->ex[k].kind == RP_X_CQE)
                *cqes_met = 0;
        }
    }
    return all;
}

/* A CQE slot the target left empty. The recorded completion it stands for is reported (its
 * own, or, if a CQE in another slot already matched that one, the oldest still pending on the
 * queue), so that each lost completion is one divergence. */
static void cqe_slot_empty(struct eng *e, const struct rp_expect *x, int nothing_due,
                           unsigned settle_ms)
{
    char what[96], exp[256], got[256];
    size_t rec = x->index;
    if (!e->o->strict_order && e->cpl_matched[rec]) {
        for (size_t k = 0; k < e->npend; k++) {
            const nvt_event *p = nvt_trace_event(e->t, e->pend[k]);
            if (!e->cpl_matched[e->pend[k]] && p->device == x->dev && p->u.cpl.qid == x->qid) {
                rec = e->pend[k];
                break;
            }
        }
    }
    const nvt_event *ev = nvt_trace_event(e->t, rec);
    uint8_t known[NVT_CQE_LEN];
    for (int b = 0; b < NVT_CQE_LEN; b++)
        known[b] = (ev->u.cpl.known >> b) & 1;
    snprintf(what, sizeof what, "CQE on CQ %u slot %u (CID 0x%04x)", x->qid, x->slot,
             (unsigned)rp_le(ev->u.cpl.cqe + 12, 2));
    rp_fmt_bytes(ev->u.cpl.cqe, known, NVT_CQE_LEN, 1, exp, sizeof exp);
    if (nothing_due)
        snprintf(got, sizeof got, "nothing posted (phase tag still %u; no command the target "
                                  "was given is left to complete)",
                 x->have ? x->got[14] & 1 : !x->phase);
    else
        snprintf(got, sizeof got, "nothing posted within %u ms (phase tag still %u)",
                 settle_ms, x->have ? x->got[14] & 1 : !x->phase);
    e->cpl_matched[rec] = 1;
    rp_diverge(e, rec, what, exp, got);
}

/* A CQE the target posted in x's slot (the phase tag right): compared with the completion of
 * the outstanding command it names (strict_order: with the one recorded in the slot). */
static void cqe_posted(struct eng *e, const struct rp_expect *x, size_t step_end)
{
    char what[96], exp[256], got[256];
    int64_t owner = e->o->strict_order ? (int64_t)x->index : cqe_owner(e, x, step_end);
    if (owner < 0 && !e->cpl_matched[x->index])
        owner = (int64_t)x->index; /* no such command outstanding: compared with the slot's */
    if (owner < 0) {
        snprintf(what, sizeof what, "CQE on CQ %u slot %u", x->qid, x->slot);
        rp_fmt_bytes(x->got, NULL, NVT_CQE_LEN, 1, got, sizeof got);
        rp_diverge(e, x->index, what, "a completion of an outstanding command", got);
        return;
    }
    e->cpl_matched[owner] = 1;
    const nvt_event *ev = nvt_trace_event(e->t, (size_t)owner);
    if ((size_t)owner != x->index)
        e->res->reordered++;
    uint8_t want[NVT_CQE_LEN], known[NVT_CQE_LEN];
    memcpy(want, ev->u.cpl.cqe, NVT_CQE_LEN);
    for (int b = 0; b < NVT_CQE_LEN; b++)
        known[b] = (ev->u.cpl.known >> b) & 1;
    /* The phase tag belongs to the slot (it is right, or the slot would count as empty). */
    if (!e->o->strict_order)
        want[14] = (uint8_t)((want[14] & 0xfe) | (x->got[14] & 1));
    /* A status that differs where it depends on data the trace lacks (a Compare's) is not
     * comparable: the phase tag alone is checked. */
    if (((want[14] ^ x->got[14]) & 0xfe || want[15] != x->got[15]) && known[14] &&
        rp_cqe_status_no_data(e->t, e->o->keep, (size_t)owner, e->media_zero)) {
        want[14] = (uint8_t)((x->got[14] & 0xfe) | (want[14] & 1));
        want[15] = x->got[15];
        e->res->no_data++;
        e->res->not_comparable++;
    }
    int same = 1;
    for (int b = 0; b < NVT_CQE_LEN; b++)
        if (known[b] && x->got[b] != want[b])
            same = 0;
    if (same)
        return;
    snprintf(what, sizeof what, "CQE on CQ %u slot %u (CID 0x%04x)", x->qid, x->slot,
             (unsigned)rp_le(want + 12, 2));
    rp_fmt_bytes(want, known, NVT_CQE_LEN, 1, exp, sizeof exp);
    rp_fmt_bytes(x->got, NULL, NVT_CQE_LEN, 1, got, sizeof got);
    rp_diverge(e, (size_t)owner, what, exp, got);
}

/* Compares the step's outputs, in trace order. timed_out: the wait ended at settle_ms (the
 * only wait that is the same in every run, so the only one a report may mention);
 * nothing_due: it ended because no command the target was given could still complete. */
static void judge(struct eng *e, size_t step_end, int timed_out, int nothing_due,
                  unsigned settle_ms)
{
    char what[96], exp[256], got[256];
    for (size_t k = 0; k < e->nex; k++) {
        struct rp_expect *x = &e->ex[k];
        struct rp_dev *d = &e->dev[x->dev];
        e->res->compared++;
        switch (x->kind) {
        case RP_X_CQE: {
            if (!x->have || (x->got[14] & 1) != x->phase)
                cqe_slot_empty(e, x, nothing_due, settle_ms);
            else
                cqe_posted(e, x, step_end);
            break;
        }
        case RP_X_DMA: {
            /* Bytes a later DMA write of the same step overwrites cannot be checked, nor
             * those that depend on time or on data the replay lacks. */
            size_t first = SIZE_MAX, diffs = 0, checked = 0;
            int time_dep = 0, data_dep = 0;
            for (int m = 0; m < x->ndep; m++) {
                if (x->dep[m].kind == RP_DEP_DATA)
                    data_dep = 1;
                else if (!e->o->compare_time)
                    time_dep = 1;
            }
            e->res->time_masked += (uint64_t)time_dep;
            e->res->no_data += (uint64_t)data_dep;
            e->res->not_comparable += (uint64_t)data_dep;
            for (uint32_t b = 0; b < x->len; b++) {
                uint64_t a = x->gpa + b;
                if (dma_masked(e, x, b))
                    continue;
                int later = 0;
                for (size_t m = k + 1; m < e->nex && !later; m++)
                    later = e->ex[m].kind == RP_X_DMA && a >= e->ex[m].gpa &&
                            a - e->ex[m].gpa < e->ex[m].len;
                if (later)
                    continue;
                checked++;
                if (!x->have || x->got[b] != x->data[b]) {
                    diffs++;
                    if (first == SIZE_MAX)
                        first = b;
                }
            }
            if (!checked && !x->ndep)
                e->res->not_comparable++;
            if (!diffs)
                break;
            snprintf(what, sizeof what, "DMA write 0x%" PRIx64 " (%u bytes compared, %zu differ)",
                     x->gpa, x->len, diffs);
            size_t n = x->len - first < 16 ? x->len - first : 16;
            int o = snprintf(exp, sizeof exp, "+0x%zx: ", first);
            rp_fmt_bytes(x->data + first, NULL, n, 1, exp + o, sizeof exp - (size_t)o);
            o = snprintf(got, sizeof got, "+0x%zx: ", first);
            if (x->have)
                rp_fmt_bytes(x->got + first, NULL, n, 1, got + o, sizeof got - (size_t)o);
            else
                snprintf(got + o, sizeof got - (size_t)o, "(not read back)");
            rp_diverge(e, x->index, what, exp, got);
            break;
        }
        case RP_X_MSIX:
            if (!expect_met(e, x) && !e->o->strict_order && d->vfired[x->vector] == e->stepno &&
                e->stepno) {
                e->res->irq_coalesced++; /* it came a step early, with an earlier completion */
            } else if (!expect_met(e, x)) {
                snprintf(what, sizeof what, "MSI-X interrupt, vector %u", x->vector);
                snprintf(exp, sizeof exp, "message to vector %u", x->vector);
                if (timed_out)
                    snprintf(got, sizeof got, "no message within %u ms", settle_ms);
                else
                    snprintf(got, sizeof got, "no message by the time the step's completions were in");
                rp_diverge(e, x->index, what, exp, got);
            }
            d->msi_expected[x->vector / 8] |= (uint8_t)(1u << (x->vector % 8));
            d->vexp[x->vector] = e->stepno + 1;
            break;
        case RP_X_INTX_ASSERT:
        case RP_X_INTX_DEASSERT:
            if (!expect_met(e, x)) {
                snprintf(what, sizeof what, "INTx %s",
                         x->kind == RP_X_INTX_ASSERT ? "assert" : "deassert");
                snprintf(exp, sizeof exp, "line %s", x->kind == RP_X_INTX_ASSERT ? "raised" : "lowered");
                snprintf(got, sizeof got, "line %s", e->intx_level ? "high" : "low");
                rp_diverge(e, x->index, what, exp, got);
            }
            break;
        }
    }
    /* The step's completions the target has not posted yet: it may still (it was late). */
    pend_compact(e);
    for (size_t k = 0; k < e->nex; k++)
        if (e->ex[k].kind == RP_X_CQE && !e->cpl_matched[e->ex[k].index])
            pend_push(e, e->ex[k].index, e->ex[k].sub);
}

/* At the end of the walk: recorded completions the target never posted, though their slots
 * were filled by others. */
static void cqes_never_posted(struct eng *e)
{
    pend_compact(e);
    for (size_t k = 0; k < e->npend && !e->stop; k++) {
        const nvt_event *ev = nvt_trace_event(e->t, e->pend[k]);
        char what[96], exp[256];
        uint8_t known[NVT_CQE_LEN];
        for (int b = 0; b < NVT_CQE_LEN; b++)
            known[b] = (ev->u.cpl.known >> b) & 1;
        snprintf(what, sizeof what, "CQE on CQ %u (CID 0x%04x)", ev->u.cpl.qid,
                 (unsigned)rp_le(ev->u.cpl.cqe + 12, 2));
        rp_fmt_bytes(ev->u.cpl.cqe, known, NVT_CQE_LEN, 1, exp, sizeof exp);
        e->cpl_matched[e->pend[k]] = 1;
        rp_diverge(e, e->pend[k], what, exp, "never posted by the end of the trace");
    }
    e->npend = 0;
}

/* Does the step after the one ending at step_end hold an MSI-X interrupt of device dev on
 * vector v? */
static int msix_in_next_step(const struct eng *e, uint32_t dev, unsigned v, size_t step_end)
{
    size_t n = nvt_trace_count(e->t);
    int seen_dev = 0;
    for (size_t j = step_end; j < n && j - step_end < RP_DATA_WINDOW; j++) {
        if (!rp_kept(e, j))
            continue;
        const nvt_event *ev = nvt_trace_event(e->t, j);
        if (rp_is_host_action(ev)) {
            if (seen_dev)
                return 0;
        } else if (rp_is_device_event(ev)) {
            seen_dev = 1;
            if (ev->type == NVT_EV_INTERRUPT && ev->device == dev &&
                ev->u.irq.kind == NVT_IRQ_MSIX && ev->u.irq.vector == v)
                return 1;
        }
    }
    return 0;
}

/* After the comparison: interrupts nobody expected (reported at the step's last event), then
 * clear the MSI-X slots. A vector the recording has in the step before or after is no
 * divergence unless strict_order: the target coalesced its interrupts differently (or did its
 * work a step apart). */
static void interrupts_after(struct eng *e, size_t step_end)
{
    size_t step_index = step_end - 1;
    for (size_t di = 0; di < e->ndev && di < RP_MAX_DEVICES; di++) {
        struct rp_dev *d = &e->dev[di];
        if (!d->msi_armed || !d->msix_check)
            continue;
        int any = 0;
        for (unsigned v = 0; v < d->msix_n; v++) {
            if (!msi_fired(d, v))
                continue;
            any = 1;
            d->vfired[v] = e->stepno + 1;
            if (d->has_irq_events && !(d->msi_expected[v / 8] & (1u << (v % 8))) &&
                !e->o->strict_order &&
                ((e->stepno && d->vexp[v] == e->stepno) ||
                 msix_in_next_step(e, d->index, v, step_end))) {
                e->res->irq_coalesced++;
            } else if (d->has_irq_events && !(d->msi_expected[v / 8] & (1u << (v % 8)))) {
                char what[96], got[96];
                snprintf(what, sizeof what, "MSI-X interrupt, vector %u", v);
                snprintf(got, sizeof got, "message 0x%08x to vector %u",
                         (uint32_t)rp_le(d->msi_seen + 4u * v, 4), v);
                rp_diverge(e, step_index, what, "no interrupt", got);
            }
        }
        if (any)
            msi_poison(e, -1, d, 0, d->msix_n);
        memset(d->msi_seen, 0, 4u * d->msix_n);
        memset(d->msi_expected, 0, sizeof d->msi_expected);
    }
    e->intx_raised = e->intx_lowered = 0;
}

/* After a step that wrote something: round trips so QEMU's bottom halves run. With the qtest
 * accelerator one of them is a fixed "clock_step 1000", so that device timers (QEMU 7.1 and
 * older post completions from a 500 ns timer) fire too, while virtual time still advances by
 * the same amount in every run. With TCG stopped, virtual time does not move at all. */
static int settle_round_trips(struct eng *e, int n)
{
    if (!e->q)
        return 0;
    for (int r = 0; r < n; r++) {
        if (r == n - 1 && e->accel_qtest)
            cmd(e, -1, 1, NULL, NULL, 0, "clock_step 1000");
        else
            cmd(e, -1, 1, NULL, NULL, 0, "endianness");
        if (sync_target(e) < 0)
            return -1;
    }
    return 0;
}

/* Waits for the step's outputs and compares them. */
static int settle(struct eng *e, size_t a, size_t b, int wrote)
{
    if (!e->q)
        return 0;
    if (!e->o->compare || e->stop)
        return wrote ? settle_round_trips(e, 2) : 0;
    if (collect_expectations(e, a, b) < 0)
        return -1;
    if (!e->nex)
        return wrote ? settle_round_trips(e, 2) : 0;
    int rc = 0;
    for (size_t di = 0; di < e->ndev && di < RP_MAX_DEVICES; di++)
        e->dev[di].msix_check = 0;
    for (size_t k = 0; k < e->nex; k++)
        if (e->ex[k].kind == RP_X_MSIX && e->ex[k].dev < RP_MAX_DEVICES)
            e->dev[e->ex[k].dev].msix_check = 1;
    uint64_t start = rp_now_ms();
    unsigned settle_ms = e->o->settle_ms ? e->o->settle_ms : 2000;
    int rounds_after_cqes = 0, round = 0, timed_out = 0, nothing_due = 0;
    for (;;) {
        /* The first round comes right after the step's writes: let the bottom halves run. */
        if (round == 0 && settle_round_trips(e, 2) < 0) {
            rc = -1;
            break;
        }
        poll_round(e);
        if (sync_target(e) < 0) {
            rc = -1;
            break;
        }
        round++;
        int cqes_met;
        if (all_met(e, &cqes_met))
            break;
        /* Once the completions are in, the work before them is done: a few more rounds for
         * anything posted in the same bottom half, then judge. */
        if (cqes_met && ++rounds_after_cqes > 3)
            break;
        /* Slots still empty, but every command the target was given whose completion the
         * recording holds has posted its CQE: nothing more will come. */
        if (!cqes_met && !e->o->strict_order && round >= 2 && !cqe_can_come(e)) {
            nothing_due = 1;
            break;
        }
        if (rp_now_ms() - start >= settle_ms) {
            timed_out = 1;
            break;
        }
        if (round > 8) {
            struct timespec ts = {0, 1000000}; /* real I/O (file-backed disks) takes time */
            nanosleep(&ts, NULL);
        }
    }
    if (rc == 0) {
        judge(e, b, timed_out, nothing_due, settle_ms);
        interrupts_after(e, b);
    }
    e->stepno++;
    for (size_t k = 0; k < e->nex; k++)
        free(e->ex[k].got);
    e->nex = 0;
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* the walk */

int rp_kept(const struct eng *e, size_t i) { return !e->o->keep || e->o->keep[i]; }

static int step_place(struct eng *e, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++) {
        if (!rp_kept(e, i) || e->placed[i])
            continue;
        const nvt_event *ev = nvt_trace_event(e->t, i);
        if (ev->device >= e->ndev)
            continue;
        if (ev->type == NVT_EV_SUBMISSION) {
            if (place_sqe(e, i) < 0)
                return -1;
        } else if (ev->type == NVT_EV_DMA_READ) {
            rp_place_dma_read(e, i);
        }
    }
    return 0;
}

/* Events that are not host actions, in trace order: what they tell about the host's view. */
static void info_event(struct eng *e, size_t i)
{
    const nvt_event *ev = nvt_trace_event(e->t, i);
    if (ev->device >= e->ndev)
        return;
    struct rp_dev *d = &e->dev[ev->device];
    if (ev->type == NVT_EV_BAR_MAP && ev->u.bar.bar < 6)
        d->bar[ev->u.bar.bar].hint = ev->u.bar.addr;
    else if (ev->type == NVT_EV_SUBMISSION && ev->u.sub.qid == 0)
        admin_effect(e, (int64_t)i, d, ev);
}

int rp_walk(struct eng *e)
{
    size_t n = nvt_trace_count(e->t);
    size_t i = 0;
    while (i < n && !e->dead) {
        /* The step: host actions, then the device events up to the next host action. */
        size_t b = i;
        int seen_dev = 0;
        for (; b < n; b++) {
            if (!rp_kept(e, b))
                continue;
            const nvt_event *ev = nvt_trace_event(e->t, b);
            if (rp_is_host_action(ev)) {
                if (seen_dev)
                    break;
            } else if (rp_is_device_event(ev)) {
                seen_dev = 1;
            }
        }
        /* The device read what the step's device events show after the last host action of
         * the step: whatever of it no doorbell placed goes into RAM just before that action
         * (late enough for the controller and queue state the earlier actions set up). */
        size_t last_host = b;
        for (size_t k = i; k < b; k++)
            if (rp_kept(e, k) && rp_is_host_action(nvt_trace_event(e->t, k)))
                last_host = k;
        if (last_host == b && step_place(e, i, b) < 0)
            return -1;
        int wrote = 0;
        for (size_t k = i; k < b && !e->dead; k++) {
            if (!rp_kept(e, k))
                continue;
            const nvt_event *ev = nvt_trace_event(e->t, k);
            if (k == last_host && step_place(e, i, b) < 0)
                return -1;
            if (rp_is_host_action(ev)) {
                if (host_action(e, k) < 0)
                    return -1;
                if (ev->type != NVT_EV_CFG_READ && ev->type != NVT_EV_MMIO_READ)
                    wrote = 1;
                if (ev->device < e->ndev && (ev->type == NVT_EV_MMIO_WRITE || ev->type == NVT_EV_MMIO_READ)) {
                    struct rp_dev *d = &e->dev[ev->device];
                    d->last_mmio_index = (int64_t)k;
                    d->last_mmio_bar = ev->u.mmio.bar;
                    d->last_mmio_off = ev->u.mmio.offset;
                }
            } else {
                info_event(e, k);
            }
        }
        if (e->dead)
            break;
        if (settle(e, i, b, wrote) < 0)
            break;
        i = b;
    }
    /* Let queued device work finish: a crash it causes belongs to this replay. */
    for (int r = 0; r < 3 && !e->dead; r++)
        noop_round_trip(e);
    if (e->q && !e->dead && e->o->compare)
        cqes_never_posted(e);
    return 0;
}

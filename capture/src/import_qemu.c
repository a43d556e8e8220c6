/* QEMU `log` trace backend -> nvmetrace records.
 *
 * Lines come in two forms, detected per line (a log may hold either; QEMU 7.2-10.0 print the
 * first, 10.1 and later the second, commit 012842c075):
 *
 *   "5870@1795403926.406503:pci_nvme_irq_msix raising MSI-X IRQ vector 0"
 *        (thread id @ seconds.microseconds : event arguments)
 *   "2026-12-07T17:37:22.643552Z pci_nvme_irq_msix raising MSI-X IRQ vector 0"
 *        (UTC time, no thread id: records carry thread 0, the schema's "unknown")
 *
 * Each line is parsed against the event table (import_qemu_events.c) and mapped to zero or
 * more records; docs/import.md lists the mapping. Three things need state across lines:
 *
 *  - A command: pci_nvme_admin_cmd/io_cmd opens a SUB record; the detail events QEMU prints
 *    on the same thread while it parses that command (identify, create_sq, map_prp, read, ...)
 *    fill more SQE bytes. The SUB is complete when a non-detail event comes from that thread.
 *    Records of other threads in between wait behind it, so the file keeps log order. Lines
 *    without a thread id all count as one implicit thread. That is enough: QEMU's NVMe device
 *    parses commands in bottom halves of the main loop, which print a command's admin/io_cmd
 *    line and its detail lines in one stretch while holding the big QEMU lock, and every
 *    device access of a vCPU thread (config, MMIO: the lines that would end the command
 *    early) takes that lock too, so nothing comes between them. docs/import.md says so.
 *  - The device: pci_nvme_* events do not name their PCI function. Records wait until the
 *    NVMe function's BDF, ids and class code have been seen in pci_cfg_* lines (SeaBIOS reads
 *    them within the first few hundred lines of a boot), so its IDB carries them.
 *  - Queues: sizes from AQA and Create I/O SQ/CQ let the importer follow SQ head and CQ tail,
 *    which give each SUB/CPL its slot and each CQE its phase tag, and the SQ-to-CQ mapping
 *    names the SQ of a completion. Unknown until the queue's creation has been seen.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmetrace/import.h"
#include "nvmetrace/qemu.h"
#include "import_qemu.h"

#define MAX_LINE (64 * 1024)  /* longer lines are malformed: QEMU's are < 300 bytes */
#define HOLD_LIMIT 4096       /* records held at most while waiting for the device identity */
#define MAX_QID 65535
#define MAX_UNKNOWN_NAMES 64  /* distinct unknown names tracked; more are summed as "others" */
#define MAX_QUEUE_OPS 16      /* queue creations/deletions waiting for their completion */
#define THREAD_UNKNOWN 0      /* the record header's thread when QEMU printed none (schema.h) */

enum { HAVE_VENDOR = 1, HAVE_DEVICE = 2, HAVE_CLASS = 4, HAVE_SSVID = 8, HAVE_SSID = 16 };

struct qdev {
    char name[32];            /* QEMU's device type name as printed ("nvme", "mch", ...) */
    unsigned bus, slot, fn;
    int has_bdf;
    int is_nvme;
    int out;                  /* index the sink gave it; -1 until published */
    uint8_t have;             /* HAVE_* */
    uint16_t vendor, device, ssvid, ssid;
    uint32_t class_code;
    uint8_t rev;
    uint32_t bar_reg[6];      /* BAR registers as last read: their low bits give the type */
    uint8_t bar_reg_seen;     /* bit i: bar_reg[i] valid */
    uint8_t bar_mapped;       /* bit i: BAR i mapped at bar_addr[i] */
    uint64_t bar_addr[7];
};

struct qsq {
    uint8_t exists, size_known;
    uint16_t cqid;
    uint32_t size, head;
    uint64_t *cids;           /* bitmap of CIDs fetched and not yet completed (lazy) */
};

struct qcq {
    uint8_t exists, size_known, phase;
    uint32_t size, tail;
};

/* A record waiting in the output queue. */
struct held {
    nvt_event ev;
    int dev;                  /* internal device index; -1 = the NVMe function */
    char *text;               /* owned: annotation text */
    char *comment;            /* owned: EPB comment */
    uint8_t data[4];          /* DMA data captured */
};

/* The command whose detail events are being merged. */
struct open_cmd {
    int active;
    uint64_t qpos;            /* its SUB record's position in the output queue */
    uint32_t thread;
    uint16_t sqid, cid;
    uint8_t opc;
    int admin;
    char *lines;              /* with opts.comments: the QEMU lines it was rebuilt from */
    size_t lines_len, lines_cap;
};

/* A Create/Delete I/O queue command, applied to the queue tables when it completes OK. */
struct queue_op {
    int valid;
    uint8_t kind;             /* QK_DETAIL_CREATE_SQ ... QK_DETAIL_DELETE_CQ */
    uint16_t cid, qid, cqid;
    uint32_t size;
};

struct unknown_name {
    char *name;
    uint64_t count;
};

struct nvt_qemu_importer {
    nvt_qemu_import_opts opts;
    char name[256];
    char emulator[96];
    nvt_import_sink sink;
    struct qemu_event_index index;
    nvt_qemu_import_stats st;
    int failed, finishing, finished;
    int opts_emulator_given;  /* opts.emulator was set: the log does not override it */
    /* The QEMU line opts.emulator names (nvmetrace/qemu.h), NULL if it names no version, and
     * what of the log disagrees with it: lines of the other prefix form, lines of the other
     * shadow-doorbell names (the first such name kept). */
    const struct nvt_qemu_line *qline;
    uint64_t other_prefix_lines, other_shadow_lines;
    const char *other_shadow_name;

    /* line assembly */
    char *part;
    size_t part_len, part_cap;
    uint64_t part_total;      /* bytes of the partial line so far, kept or not */
    uint64_t line_no, line_offset, next_offset;

    /* the line being handled */
    uint64_t ts, last_ts;
    uint32_t thread;
    const char *text;         /* "name args" part of the line */
    size_t text_len;

    /* devices */
    struct qdev *devs;
    size_t ndevs, devs_cap;
    int nvme;                 /* device pci_nvme_* events belong to; -1 until known */
    int multi_nvme_noted;
    int released;             /* the wait for the device identity is over */

    /* output queue: positions qhead..qtail-1, ring of qcap (a power of two) entries */
    struct held *q;
    uint64_t qhead, qtail;
    size_t qcap;
    struct open_cmd cmd;

    /* NVMe state */
    struct qsq *sqs;
    struct qcq *cqs;
    size_t nsqs, ncqs;
    uint32_t aqa, cc;
    int aqa_known, ready;
    uint64_t dbs, eis;
    int dbbuf;
    struct queue_op ops[MAX_QUEUE_OPS];
    unsigned next_op;

    struct unknown_name *unknown;
    size_t nunknown;
    uint64_t unknown_other;
};

/* ---------------------------------------------------------------- errors ---- */

static int fail(nvt_qemu_importer *imp, nvt_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(nvt_qemu_importer *imp, nvt_error *err, int code, const char *fmt, ...)
{
    imp->failed = 1;
    if (err) {
        err->code = code;
        err->offset = imp->line_offset;
        int n = snprintf(err->msg, sizeof err->msg, "%s:%llu: ", imp->name,
                         (unsigned long long)imp->line_no);
        if (n < 0 || (size_t)n >= sizeof err->msg)
            n = 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* A line the importer cannot read: an error, or counted and skipped with skip_bad. */
static int bad_line(nvt_qemu_importer *imp, nvt_error *err, const char *line, size_t len,
                    const char *why)
{
    /* Quote the start of the line, with anything unprintable shown as '?'. */
    char quote[64];
    size_t n = len < sizeof quote - 1 ? len : sizeof quote - 1;
    for (size_t i = 0; i < n; i++)
        quote[i] = (line[i] >= 0x20 && line[i] < 0x7f) ? line[i] : '?';
    quote[n] = '\0';
    if (imp->opts.skip_bad || imp->finishing) {
        imp->st.bad_lines++;
        if (!imp->st.first_bad_line) {
            imp->st.first_bad_line = imp->line_no;
            snprintf(imp->st.first_bad_why, sizeof imp->st.first_bad_why, "%s: \"%s%s\"", why,
                     quote, len > n ? "..." : "");
        }
        return 0;
    }
    return fail(imp, err, NVT_E_FORMAT, "%s: \"%s%s\"", why, quote, len > n ? "..." : "");
}

/* ----------------------------------------------------------- little endian ---- */

static void put_le(uint8_t *p, uint64_t v, unsigned width)
{
    for (unsigned i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* ------------------------------------------------------------------ devices ---- */

static int find_device(nvt_qemu_importer *imp, const char *name, size_t nlen, unsigned bus,
                       unsigned slot, unsigned fn)
{
    for (size_t i = 0; i < imp->ndevs; i++) {
        struct qdev *d = &imp->devs[i];
        if (d->has_bdf && d->bus == bus && d->slot == slot && d->fn == fn &&
            strlen(d->name) == nlen && memcmp(d->name, name, nlen) == 0)
            return (int)i;
    }
    return -1;
}

static int new_device(nvt_qemu_importer *imp, const char *name, size_t nlen)
{
    if (imp->ndevs == imp->devs_cap) {
        size_t cap = imp->devs_cap ? imp->devs_cap * 2 : 8;
        struct qdev *d = realloc(imp->devs, cap * sizeof *d);
        if (!d)
            return -1;
        imp->devs = d;
        imp->devs_cap = cap;
    }
    struct qdev *d = &imp->devs[imp->ndevs];
    memset(d, 0, sizeof *d);
    if (nlen >= sizeof d->name)
        nlen = sizeof d->name - 1;
    memcpy(d->name, name, nlen);
    d->out = -1;
    d->is_nvme = strcmp(d->name, "nvme") == 0;
    return (int)imp->ndevs++;
}

/* The device a pci_cfg_* / mapping line names, created on first sight. Returns -1 when out of
 * memory, -2 when the line is for a function not traced (non-NVMe without all_devices). */
static int pci_device(nvt_qemu_importer *imp, const struct qemu_arg *a, nvt_error *err)
{
    const char *name = a[0].s;
    size_t nlen = a[0].len;
    unsigned bus = (unsigned)a[1].v, slot = (unsigned)a[2].v, fn = (unsigned)a[3].v;
    /* QEMU 8.0+ (1bdad09bf3) traces config accesses of slots with no device as device
     * "empty" (the guest probing the bus: most of a boot's lines). Not a device, never an
     * interface, even with all_devices. */
    if (nlen == 5 && memcmp(name, "empty", 5) == 0) {
        imp->st.empty_slot_lines++;
        return -2;
    }
    int nvme = nlen == 4 && memcmp(name, "nvme", 4) == 0;
    if (!nvme && !imp->opts.all_devices) {
        imp->st.filtered_lines++;
        return -2;
    }
    int i = find_device(imp, name, nlen, bus, slot, fn);
    if (i >= 0)
        return i;
    i = new_device(imp, name, nlen);
    if (i < 0)
        return fail(imp, err, NVT_E_NOMEM, "out of memory");
    struct qdev *d = &imp->devs[i];
    d->bus = bus;
    d->slot = slot;
    d->fn = fn;
    d->has_bdf = 1;
    if (d->is_nvme) {
        if (imp->nvme < 0)
            imp->nvme = i;
        else if (!imp->multi_nvme_noted)
            imp->multi_nvme_noted = 2; /* annotation pending, written by the caller */
    }
    return i;
}

static int publish(nvt_qemu_importer *imp, struct qdev *d, nvt_error *err)
{
    nvt_device dev;
    memset(&dev, 0, sizeof dev);
    if (d->has_bdf)
        snprintf(dev.bdf, sizeof dev.bdf, "0000:%02x:%02x.%x", d->bus & 0xff, d->slot & 0x1f,
                 d->fn & 7);
    else
        snprintf(dev.bdf, sizeof dev.bdf, "unknown");
    dev.vendor_id = d->vendor;
    dev.device_id = d->device;
    dev.subsys_vendor_id = d->ssvid;
    dev.subsys_id = d->ssid;
    dev.class_code = d->class_code;
    dev.revision = d->rev;
    snprintf(dev.model, sizeof dev.model, "%s", d->name);
    snprintf(dev.emulator, sizeof dev.emulator, "%s", imp->emulator);
    int out = imp->sink.add_device(imp->sink.ctx, &dev, err);
    if (out < 0) {
        imp->failed = 1;
        return -1;
    }
    d->out = out;
    imp->st.devices++;
    return 0;
}

/* The NVMe function for pci_nvme_* events; a placeholder ("unknown" BDF) if the log never
 * showed one. */
static int nvme_device(nvt_qemu_importer *imp, nvt_error *err)
{
    if (imp->nvme >= 0)
        return imp->nvme;
    int i = new_device(imp, "nvme", 4);
    if (i < 0)
        return fail(imp, err, NVT_E_NOMEM, "out of memory");
    imp->nvme = i;
    return i;
}

/* Vendor, device and class code of the NVMe function are known: its IDB can be written. */
static int device_identified(const nvt_qemu_importer *imp)
{
    const unsigned need = HAVE_VENDOR | HAVE_DEVICE | HAVE_CLASS;
    return imp->nvme >= 0 && imp->devs[imp->nvme].has_bdf &&
           (imp->devs[imp->nvme].have & need) == need;
}

/* ------------------------------------------------------------- output queue ---- */

static struct held *queue_at(nvt_qemu_importer *imp, uint64_t pos)
{
    return &imp->q[pos & (imp->qcap - 1)];
}

/* A new record at the tail of the queue, filled by the caller. NULL when out of memory. */
static struct held *push(nvt_qemu_importer *imp, unsigned type, int dev)
{
    if (imp->qtail - imp->qhead == imp->qcap) {
        size_t cap = imp->qcap ? imp->qcap * 2 : 64;
        struct held *q = malloc(cap * sizeof *q);
        if (!q)
            return NULL;
        for (uint64_t p = imp->qhead; p < imp->qtail; p++)
            q[p & (cap - 1)] = *queue_at(imp, p);
        free(imp->q);
        imp->q = q;
        imp->qcap = cap;
    }
    struct held *h = queue_at(imp, imp->qtail++);
    memset(h, 0, sizeof *h);
    h->ev.ts_ns = imp->ts;
    h->ev.thread = imp->thread;
    h->ev.type = (uint8_t)type;
    h->ev.version = NVT_SCHEMA_VERSION;
    h->dev = dev;
    return h;
}

static int write_held(nvt_qemu_importer *imp, struct held *h, nvt_error *err)
{
    int di = h->dev;
    if (di < 0 && (di = nvme_device(imp, err)) < 0)
        return -1;
    struct qdev *d = &imp->devs[di];
    if (d->out < 0 && publish(imp, d, err) < 0)
        return -1;
    h->ev.device = (uint32_t)d->out;
    if (h->ev.type == NVT_EV_ANNOTATION)
        h->ev.u.ann.text = h->text ? h->text : "";
    else if (h->ev.type == NVT_EV_DMA_READ || h->ev.type == NVT_EV_DMA_WRITE)
        h->ev.u.dma.data = h->data;
    int rc = imp->sink.write(imp->sink.ctx, &h->ev, h->comment, err);
    free(h->text);
    free(h->comment);
    h->text = h->comment = NULL;
    if (rc < 0) {
        imp->failed = 1;
        return -1;
    }
    imp->st.records++;
    return 0;
}

/* Hands every record that no longer waits to the sink. */
static int release(nvt_qemu_importer *imp, nvt_error *err)
{
    if (!imp->released) {
        if (device_identified(imp) || imp->finishing || imp->qtail - imp->qhead >= HOLD_LIMIT)
            imp->released = 1;
        else
            return 0;
    }
    while (imp->qhead < imp->qtail) {
        if (imp->cmd.active && imp->qhead == imp->cmd.qpos)
            break;
        struct held *h = queue_at(imp, imp->qhead);
        imp->qhead++;
        if (write_held(imp, h, err) < 0)
            return -1;
    }
    return 0;
}

static char *dup_text(const char *s, size_t len)
{
    char *t = malloc(len + 1);
    if (t) {
        memcpy(t, s, len);
        t[len] = '\0';
    }
    return t;
}

static int annotate(nvt_qemu_importer *imp, int dev, unsigned level, const char *text,
                    size_t len, nvt_error *err)
{
    if (len > 0xffff)
        len = 0xffff;
    struct held *h = push(imp, NVT_EV_ANNOTATION, dev);
    if (!h || !(h->text = dup_text(text, len)))
        return fail(imp, err, NVT_E_NOMEM, "out of memory");
    h->ev.u.ann.level = (uint8_t)level;
    h->ev.u.ann.len = (uint16_t)len;
    return 0;
}

static int annotatef(nvt_qemu_importer *imp, int dev, unsigned level, nvt_error *err,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int annotatef(nvt_qemu_importer *imp, int dev, unsigned level, nvt_error *err,
                     const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    return annotate(imp, dev, level, buf, (size_t)n, err);
}

/* ------------------------------------------------------------------ queues ---- */

/* Makes *arr (of *n elements of elem bytes) hold index qid, zero-filling what it adds.
 * Returns 0, or -1 for a queue id past the NVMe maximum or when out of memory. */
static int grow_table(void **arr, size_t *n, size_t elem, uint64_t qid)
{
    if (qid > MAX_QID)
        return -1;
    if (qid < *n)
        return 0;
    size_t cap = *n ? *n : 8;
    while (cap <= qid)
        cap *= 2;
    uint8_t *a = realloc(*arr, cap * elem);
    if (!a)
        return -1;
    memset(a + *n * elem, 0, (cap - *n) * elem);
    *arr = a;
    *n = cap;
    return 0;
}

static struct qsq *get_sq(nvt_qemu_importer *imp, uint64_t qid)
{
    void *a = imp->sqs;
    int rc = grow_table(&a, &imp->nsqs, sizeof *imp->sqs, qid);
    imp->sqs = a;
    return rc < 0 ? NULL : &imp->sqs[qid];
}

static struct qcq *get_cq(nvt_qemu_importer *imp, uint64_t qid)
{
    void *a = imp->cqs;
    int rc = grow_table(&a, &imp->ncqs, sizeof *imp->cqs, qid);
    imp->cqs = a;
    return rc < 0 ? NULL : &imp->cqs[qid];
}

static void drop_sq(struct qsq *sq)
{
    free(sq->cids);
    memset(sq, 0, sizeof *sq);
}

/* Controller reset or disable: every queue is gone, shadow doorbells are off. */
static void reset_queues(nvt_qemu_importer *imp)
{
    for (size_t i = 0; i < imp->nsqs; i++)
        drop_sq(&imp->sqs[i]);
    if (imp->ncqs)
        memset(imp->cqs, 0, imp->ncqs * sizeof *imp->cqs);
    memset(imp->ops, 0, sizeof imp->ops);
    imp->dbbuf = 0;
}

static void create_sq(nvt_qemu_importer *imp, uint16_t qid, uint32_t size, int size_known,
                      uint16_t cqid)
{
    struct qsq *sq = get_sq(imp, qid);
    if (!sq)
        return;
    drop_sq(sq);
    sq->exists = 1;
    sq->size = size;
    sq->size_known = (uint8_t)(size_known && size > 0);
    sq->cqid = cqid;
}

static void create_cq(nvt_qemu_importer *imp, uint16_t qid, uint32_t size, int size_known)
{
    struct qcq *cq = get_cq(imp, qid);
    if (!cq)
        return;
    cq->exists = 1;
    cq->size = size;
    cq->size_known = (uint8_t)(size_known && size > 0);
    cq->tail = 0;
    cq->phase = 1;
}

static void mark_cid(struct qsq *sq, uint16_t cid, int outstanding)
{
    if (!sq->cids) {
        if (!outstanding)
            return;
        sq->cids = calloc(65536 / 64, sizeof(uint64_t));
        if (!sq->cids)
            return; /* the SQ id of completions stays unknown: nothing wrong is recorded */
    }
    if (outstanding)
        sq->cids[cid / 64] |= 1ull << (cid % 64);
    else
        sq->cids[cid / 64] &= ~(1ull << (cid % 64));
}

static int cid_outstanding(const struct qsq *sq, uint16_t cid)
{
    return sq->cids && (sq->cids[cid / 64] >> (cid % 64) & 1);
}

/* The SQ a completion on cqid with this CID belongs to, or -1 if it cannot be told. The admin
 * CQ only serves the admin SQ; an I/O CQ serving one known SQ names it; otherwise the SQ that
 * has this CID outstanding, if exactly one does. */
static int completion_sqid(nvt_qemu_importer *imp, uint16_t cqid, uint16_t cid)
{
    if (cqid == 0)
        return 0;
    int only = -1, nserving = 0, hit = -1, nhits = 0;
    for (size_t i = 1; i < imp->nsqs; i++) {
        const struct qsq *sq = &imp->sqs[i];
        if (!sq->exists || sq->cqid != cqid)
            continue;
        nserving++;
        only = (int)i;
        if (cid_outstanding(sq, cid)) {
            nhits++;
            hit = (int)i;
        }
    }
    if (nserving == 1)
        return only;
    return nhits == 1 ? hit : -1;
}

/* ---------------------------------------------------------------- commands ---- */

static void cmd_add_line(nvt_qemu_importer *imp)
{
    struct open_cmd *c = &imp->cmd;
    size_t need = c->lines_len + imp->text_len + 2;
    if (need > c->lines_cap) {
        size_t cap = c->lines_cap ? c->lines_cap * 2 : 256;
        while (cap < need)
            cap *= 2;
        char *l = realloc(c->lines, cap);
        if (!l)
            return; /* the comment is a convenience: lose it rather than the import */
        c->lines = l;
        c->lines_cap = cap;
    }
    if (c->lines_len)
        c->lines[c->lines_len++] = '\n';
    memcpy(c->lines + c->lines_len, imp->text, imp->text_len);
    c->lines_len += imp->text_len;
    c->lines[c->lines_len] = '\0';
}

static int close_cmd(nvt_qemu_importer *imp, nvt_error *err)
{
    if (!imp->cmd.active)
        return 0;
    if (imp->opts.comments && imp->cmd.lines_len) {
        struct held *h = queue_at(imp, imp->cmd.qpos);
        h->comment = dup_text(imp->cmd.lines, imp->cmd.lines_len);
    }
    imp->cmd.active = 0;
    imp->cmd.lines_len = 0;
    return release(imp, err);
}

static struct held *cmd_sub(nvt_qemu_importer *imp)
{
    return queue_at(imp, imp->cmd.qpos);
}

static void sqe_set(nvt_event *ev, unsigned off, unsigned width, uint64_t v)
{
    put_le(ev->u.sub.sqe + off, v, width);
    for (unsigned i = 0; i < width; i++)
        ev->u.sub.known |= 1ull << (off + i);
}

static int open_cmd(nvt_qemu_importer *imp, const struct qemu_arg *a, int admin, nvt_error *err)
{
    if (close_cmd(imp, err) < 0)
        return -1;
    /* admin: cid sqid opc opname; io: cid nsid sqid opc opname */
    uint64_t cid = a[0].v, sqid = admin ? a[1].v : a[2].v, opc = admin ? a[2].v : a[3].v;
    if (cid > 0xffff || sqid > MAX_QID || opc > 0xff)
        return bad_line(imp, err, imp->text, imp->text_len, "value out of range");
    struct held *h = push(imp, NVT_EV_SUBMISSION, -1);
    if (!h)
        return fail(imp, err, NVT_E_NOMEM, "out of memory");
    h->ev.flags = NVT_F_RECONSTRUCTED;
    h->ev.u.sub.qid = (uint16_t)sqid;
    h->ev.u.sub.slot = NVT_SLOT_UNKNOWN;
    sqe_set(&h->ev, 0, 1, opc);
    sqe_set(&h->ev, 2, 2, cid);
    if (!admin)
        sqe_set(&h->ev, 4, 4, a[1].v & 0xffffffffu);
    struct qsq *sq = get_sq(imp, sqid);
    if (sq) {
        if (sq->exists && sq->size_known) {
            h->ev.u.sub.slot = (uint16_t)sq->head;
            sq->head = (sq->head + 1) % sq->size;
        }
        mark_cid(sq, (uint16_t)cid, 1);
    }
    imp->cmd.active = 1;
    imp->cmd.qpos = imp->qtail - 1;
    imp->cmd.thread = imp->thread;
    imp->cmd.sqid = (uint16_t)sqid;
    imp->cmd.cid = (uint16_t)cid;
    imp->cmd.opc = (uint8_t)opc;
    imp->cmd.admin = admin;
    imp->cmd.lines_len = 0;
    if (imp->opts.comments)
        cmd_add_line(imp);
    return 0;
}

static void remember_queue_op(nvt_qemu_importer *imp, unsigned kind, const struct qemu_arg *a)
{
    struct queue_op *op = &imp->ops[imp->next_op++ % MAX_QUEUE_OPS];
    memset(op, 0, sizeof *op);
    op->valid = 1;
    op->kind = (uint8_t)kind;
    op->cid = imp->cmd.cid;
    switch (kind) {
    case QK_DETAIL_CREATE_SQ: /* addr sqid cqid qsize qflags */
        op->qid = (uint16_t)a[1].v;
        op->cqid = (uint16_t)a[2].v;
        op->size = (uint32_t)(a[3].v & 0xffff) + 1;
        break;
    case QK_DETAIL_CREATE_CQ: /* addr cqid vector qsize qflags ien */
        op->qid = (uint16_t)a[1].v;
        op->size = (uint32_t)(a[3].v & 0xffff) + 1;
        break;
    default: /* delete: qid */
        op->qid = (uint16_t)a[0].v;
        break;
    }
}

/* An admin command completed: apply its queue creation/deletion if it succeeded. */
static void apply_queue_op(nvt_qemu_importer *imp, uint16_t cid, uint16_t status)
{
    for (unsigned i = 0; i < MAX_QUEUE_OPS; i++) {
        struct queue_op *op = &imp->ops[i];
        if (!op->valid || op->cid != cid)
            continue;
        op->valid = 0;
        if (status & 0x7ff) /* SCT/SC not zero: the queue was not created/deleted */
            return;
        switch (op->kind) {
        case QK_DETAIL_CREATE_SQ:
            create_sq(imp, op->qid, op->size, 1, op->cqid);
            break;
        case QK_DETAIL_CREATE_CQ:
            create_cq(imp, op->qid, op->size, 1);
            break;
        case QK_DETAIL_DELETE_SQ: {
            struct qsq *sq = get_sq(imp, op->qid);
            if (sq)
                drop_sq(sq);
            break;
        }
        default: {
            struct qcq *cq = get_cq(imp, op->qid);
            if (cq)
                memset(cq, 0, sizeof *cq);
            break;
        }
        }
        return;
    }
}

/* Data direction from the opcode's low two bits (NVMe: 01 host to controller, 10 controller
 * to host): the record type of a mapped data segment, or 0 if it cannot be told. */
static unsigned dma_type(uint8_t opc)
{
    switch (opc & 3) {
    case 1:
        return NVT_EV_DMA_READ;
    case 2:
        return NVT_EV_DMA_WRITE;
    default:
        return 0;
    }
}

static int detail(nvt_qemu_importer *imp, const struct qemu_event_def *def,
                  const struct qemu_arg *a, nvt_error *err)
{
    /* Doorbell buffer addresses matter for the shadow doorbell records that follow even if
     * the command itself was not seen. */
    if (def->kind == QK_DETAIL_DBBUF) {
        imp->dbs = a[0].v;
        imp->eis = a[1].v;
        imp->dbbuf = 1;
    }
    struct open_cmd *c = &imp->cmd;
    if (!c->active || c->thread != imp->thread || (def->queue == QD_ADMIN && !c->admin) ||
        (def->queue == QD_IO && c->admin) ||
        (def->cid_arg >= 0 && a[def->cid_arg].v != c->cid)) {
        imp->st.orphan_lines++;
        return 0;
    }
    struct held *h = cmd_sub(imp);
    nvt_event *ev = &h->ev;
    int first_dptr = !(ev->u.sub.known & (0xffffull << 24));
    if (def->kind != QK_DETAIL_MAP || first_dptr) {
        for (int i = 0; i < QEMU_MAX_FIELDS && def->fields[i].width; i++) {
            const struct sqe_field *f = &def->fields[i];
            uint64_t v = a[f->arg].v;
            if (f->xform == SX_MINUS1)
                v -= 1;
            else if (f->xform == SX_LEN_TO_NUMD)
                v = ((v & 0xffffffffu) >> 2) - 1;
            sqe_set(ev, f->off, f->width, v);
        }
    }
    if (imp->opts.comments)
        cmd_add_line(imp);
    switch (def->kind) {
    case QK_DETAIL_CREATE_SQ:
    case QK_DETAIL_CREATE_CQ:
    case QK_DETAIL_DELETE_SQ:
    case QK_DETAIL_DELETE_CQ:
        remember_queue_op(imp, def->kind, a);
        break;
    case QK_DETAIL_ADDR: {
        unsigned type = dma_type(c->opc);
        if (!type) {
            imp->st.orphan_lines++;
            break;
        }
        struct held *d = push(imp, type, -1);
        if (!d)
            return fail(imp, err, NVT_E_NOMEM, "out of memory");
        d->ev.flags = NVT_F_RECONSTRUCTED | NVT_F_TRUNCATED;
        d->ev.u.dma.gpa = a[0].v;
        d->ev.u.dma.len = a[1].v > 0xffffffffu ? 0xffffffffu : (uint32_t)a[1].v;
        d->ev.u.dma.caplen = 0;
        d->ev.u.dma.sqid = c->sqid;
        d->ev.u.dma.cid = c->cid;
        break;
    }
    default:
        break;
    }
    return 0;
}

static int completion(nvt_qemu_importer *imp, const struct qemu_arg *a, nvt_error *err)
{
    /* cid cqid dw0 dw1 status */
    if (a[0].v > 0xffff || a[1].v > MAX_QID || a[4].v > 0xffff)
        return bad_line(imp, err, imp->text, imp->text_len, "value out of range");
    uint16_t cid = (uint16_t)a[0].v, cqid = (uint16_t)a[1].v, status = (uint16_t)a[4].v;
    struct held *h = push(imp, NVT_EV_COMPLETION, -1);
    if (!h)
        return fail(imp, err, NVT_E_NOMEM, "out of memory");
    h->ev.flags = NVT_F_RECONSTRUCTED;
    h->ev.u.cpl.qid = cqid;
    h->ev.u.cpl.slot = NVT_SLOT_UNKNOWN;
    uint8_t *cqe = h->ev.u.cpl.cqe;
    uint16_t known = 0x00ff | 0x3000 | 0x8000; /* dw0, dw1, cid, status high byte */
    put_le(cqe + 0, a[2].v, 4);
    put_le(cqe + 4, a[3].v, 4);
    put_le(cqe + 12, cid, 2);
    int sqid = completion_sqid(imp, cqid, cid);
    if (sqid >= 0) {
        put_le(cqe + 10, (uint64_t)sqid, 2);
        known |= 0x0c00;
        struct qsq *sq = get_sq(imp, (uint64_t)sqid);
        if (sq)
            mark_cid(sq, cid, 0);
        if (sqid == 0)
            apply_queue_op(imp, cid, status);
    }
    /* QEMU posts CQEs in the order it traces them: follow the tail and phase. */
    unsigned phase = 0;
    struct qcq *cq = get_cq(imp, cqid);
    if (cq && cq->exists && cq->size_known) {
        h->ev.u.cpl.slot = (uint16_t)cq->tail;
        phase = cq->phase;
        known |= 0x4000;
        if (++cq->tail == cq->size) {
            cq->tail = 0;
            cq->phase ^= 1;
        }
    }
    /* Byte 14 holds the phase tag beside the status's low bits: known only with the phase, and
     * an unknown byte is zero (the schema), so only byte 15 of the status is kept then. */
    put_le(cqe + 14, (uint64_t)(status << 1 | phase) & (known & 0x4000 ? 0xffff : 0xff00), 2);
    h->ev.u.cpl.known = known;
    return 0;
}

/* --------------------------------------------------------------- PCI lines ---- */

/* Access size of a config access: QEMU's pci_cfg_* events do not print it. The value's width
 * bounds it from below; the standard header's register widths (PCI 3.0, 6.1) and the offset's
 * alignment give the rest. Records carry NVT_F_RECONSTRUCTED for this reason. */
static uint8_t cfg_size(uint32_t off, uint32_t value)
{
    static const uint8_t header_width[16] = {
        /* 0x00 VID,DID  0x04 CMD,STS  0x08 REV,class  0x0c CLS,LAT,HDR,BIST */
        2, 0, 2, 0, 2, 0, 2, 0, 1, 1, 1, 1, 1, 1, 1, 1,
    };
    uint8_t need = value > 0xffff ? 4 : value > 0xff ? 2 : 1;
    uint8_t size;
    if (off < 0x10)
        size = header_width[off];
    else if (off < 0x2c)
        size = 4;                               /* BARs, CardBus CIS */
    else if (off < 0x30)
        size = 2;                               /* subsystem vendor / subsystem id */
    else if (off < 0x34)
        size = 4;                               /* expansion ROM */
    else if (off < 0x40)
        size = 1;                               /* cap pointer, interrupt line/pin, ... */
    else
        size = off % 4 == 0 ? 4 : off % 2 == 0 ? 2 : 1;
    if (size == 0)
        size = 1;
    return size > need ? size : need;
}

static void learn_ids(struct qdev *d, uint32_t off, uint8_t size, uint32_t v)
{
    if (off == 0 && size >= 2) {
        d->vendor = (uint16_t)v;
        d->have |= HAVE_VENDOR;
    }
    if ((off == 0 && size == 4) || (off == 2 && size >= 2)) {
        d->device = (uint16_t)(off == 0 ? v >> 16 : v);
        d->have |= HAVE_DEVICE;
    }
    if (off == 8 && size == 4) {
        d->rev = (uint8_t)v;
        d->class_code = v >> 8;
        d->have |= HAVE_CLASS;
    }
    if (off == 0x2c && size >= 2) {
        d->ssvid = (uint16_t)v;
        d->have |= HAVE_SSVID;
    }
    if ((off == 0x2c && size == 4) || (off == 0x2e && size >= 2)) {
        d->ssid = (uint16_t)(off == 0x2c ? v >> 16 : v);
        d->have |= HAVE_SSID;
    }
    if (off >= 0x10 && off < 0x28 && off % 4 == 0 && size == 4) {
        d->bar_reg[(off - 0x10) / 4] = v;
        d->bar_reg_seen |= (uint8_t)(1u << ((off - 0x10) / 4));
    }
}

static int note_multi_nvme(nvt_qemu_importer *imp, nvt_error *err)
{
    if (imp->multi_nvme_noted != 2)
        return 0;
    imp->multi_nvme_noted = 1;
    const struct qdev *d = &imp->devs[imp->nvme];
    return annotatef(imp, -1, NVT_ANN_WARNING, err,
                     "several NVMe functions in this log; QEMU's pci_nvme_* events do not say "
                     "which one they come from: all are attributed to %02x:%02x.%x",
                     d->bus, d->slot, d->fn);
}

static int cfg_line(nvt_qemu_importer *imp, const struct qemu_arg *a, int write, nvt_error *err)
{
    /* dev bus slot fn offset value */
    if (a[1].v > 0xff || a[2].v > 0x1f || a[3].v > 7 || a[4].v > 0xfff || a[5].v > 0xffffffffu)
        return bad_line(imp, err, imp->text, imp->text_len, "value out of range");
    int di = pci_device(imp, a, err);
    if (di == -2)
        return 0;
    if (di < 0)
        return -1;
    uint32_t off = (uint32_t)a[4].v, v = (uint32_t)a[5].v;
    uint8_t size = cfg_size(off, v);
    if (off + size > NVT_CFG_SPACE_LEN) /* the reader would reject the record */
        return bad_line(imp, err, imp->text, imp->text_len, "value out of range");
    if (!write)
        learn_ids(&imp->devs[di], off, size, v);
    struct held *h = push(imp, write ? NVT_EV_CFG_WRITE : NVT_EV_CFG_READ, di);
    if (!h)
        return fail(imp, err, NVT_E_NOMEM, "out of memory");
    h->ev.flags = NVT_F_RECONSTRUCTED;
    h->ev.u.cfg.offset = (uint16_t)off;
    h->ev.u.cfg.size = size;
    h->ev.u.cfg.value = v;
    return note_multi_nvme(imp, err);
}

static int mapping_line(nvt_qemu_importer *imp, const struct qemu_arg *a, int add, nvt_error *err)
{
    /* dev bus slot fn bar addr size; bar 6 is the expansion ROM */
    if (a[1].v > 0xff || a[2].v > 0x1f || a[3].v > 7 || a[4].v > 6)
        return bad_line(imp, err, imp->text, imp->text_len, "value out of range");
    int di = pci_device(imp, a, err);
    if (di == -2)
        return 0;
    if (di < 0)
        return -1;
    struct qdev *d = &imp->devs[di];
    unsigned bar = (unsigned)a[4].v;
    struct held *h = push(imp, add ? NVT_EV_BAR_MAP : NVT_EV_BAR_UNMAP, di);
    if (!h)
        return fail(imp, err, NVT_E_NOMEM, "out of memory");
    h->ev.u.bar.bar = (uint8_t)bar;
    h->ev.u.bar.addr = a[5].v;
    h->ev.u.bar.size = a[6].v;
    /* The type bits of the BAR register, as the last config read returned them. */
    if (bar < 6 && (d->bar_reg_seen >> bar & 1)) {
        uint32_t r = d->bar_reg[bar];
        h->ev.u.bar.flags = (r & 1) ? NVT_BAR_IO
                                    : (uint8_t)(((r >> 1 & 3) == 2 ? NVT_BAR_64BIT : 0) |
                                                ((r & 8) ? NVT_BAR_PREFETCH : 0));
    } else {
        h->ev.flags = NVT_F_RECONSTRUCTED; /* flags not known: left 0 */
    }
    if (add) {
        d->bar_addr[bar] = a[5].v;
        d->bar_mapped |= (uint8_t)(1u << bar);
    } else {
        d->bar_mapped &= (uint8_t)~(1u << bar);
    }
    return note_multi_nvme(imp, err);
}

static int msix_line(nvt_qemu_importer *imp, const struct qemu_arg *a, nvt_error *err)
{
    /* dev enabled masked; the device is named by type only: take the first of that type */
    int di = -1;
    int nvme = a[0].len == 4 && memcmp(a[0].s, "nvme", 4) == 0;
    if (!nvme) {
        if (!imp->opts.all_devices) {
            imp->st.filtered_lines++;
            return 0;
        }
        for (size_t i = 0; i < imp->ndevs && di < 0; i++)
            if (strlen(imp->devs[i].name) == a[0].len &&
                memcmp(imp->devs[i].name, a[0].s, a[0].len) == 0)
                di = (int)i;
        if (di < 0) {
            imp->st.filtered_lines++; /* a device never seen in config space */
            return 0;
        }
    }
    struct held *h = push(imp, NVT_EV_MSIX_CTRL, di);
    if (!h)
        return fail(imp, err, NVT_E_NOMEM, "out of memory");
    h->ev.flags = NVT_F_VALUE_UNKNOWN; /* table size and the register value are not printed */
    h->ev.u.msix_ctrl.enabled = a[1].v != 0;
    h->ev.u.msix_ctrl.masked = a[2].v != 0;
    return 0;
}

/* ------------------------------------------------------------ NVMe records ---- */

static uint64_t bar0_gpa(nvt_qemu_importer *imp, uint64_t off)
{
    if (imp->nvme < 0)
        return 0;
    const struct qdev *d = &imp->devs[imp->nvme];
    return (d->bar_mapped & 1) ? d->bar_addr[0] + off : 0;
}

static int state(nvt_qemu_importer *imp, unsigned st, uint32_t value, uint16_t flags,
                 nvt_error *err)
{
    struct held *h = push(imp, NVT_EV_CTRL_STATE, -1);
    if (!h)
        return fail(imp, err, NVT_E_NOMEM, "out of memory");
    h->ev.flags = flags;
    h->ev.u.state.state = (uint8_t)st;
    h->ev.u.state.value = value;
    return 0;
}

/* Shadow doorbell read or EventIdx write: 4 bytes at the buffer slot of (qid, is_cq), laid out
 * like the doorbell registers with a 4-byte stride (QEMU 7.2's CAP.DSTRD is 0). QEMU prints
 * the value through a 16-bit argument, so only 2 of the 4 bytes are captured. */
static int dbbuf_access(nvt_qemu_importer *imp, unsigned type, uint64_t base,
                        const struct qemu_arg *a, int is_cq, nvt_error *err)
{
    if (a[0].v > MAX_QID || a[1].v > 0xffff)
        return bad_line(imp, err, imp->text, imp->text_len, "value out of range");
    struct held *h = push(imp, type, -1);
    if (!h)
        return fail(imp, err, NVT_E_NOMEM, "out of memory");
    h->ev.flags = NVT_F_RECONSTRUCTED | NVT_F_TRUNCATED;
    h->ev.u.dma.gpa = imp->dbbuf ? base + (a[0].v << 3) + (is_cq ? 4 : 0) : 0;
    h->ev.u.dma.len = 4;
    h->ev.u.dma.caplen = 2;
    h->ev.u.dma.sqid = NVT_QID_UNKNOWN;
    h->ev.u.dma.cid = 0xffff;
    put_le(h->data, a[1].v, 2);
    return 0;
}

static int nvme_line(nvt_qemu_importer *imp, const struct qemu_event_def *def,
                     const struct qemu_arg *a, nvt_error *err)
{
    struct held *h;
    switch (def->kind) {
    case QK_MMIO_READ:
    case QK_MMIO_WRITE: {
        uint64_t size = def->kind == QK_MMIO_READ ? a[1].v : a[2].v;
        if (a[0].v > 0xffffffffu || (size != 1 && size != 2 && size != 4 && size != 8) ||
            (def->kind == QK_MMIO_WRITE && size < 8 && a[1].v >> (8 * size)))
            return bad_line(imp, err, imp->text, imp->text_len, "value out of range");
        h = push(imp, def->kind == QK_MMIO_READ ? NVT_EV_MMIO_READ : NVT_EV_MMIO_WRITE, -1);
        if (!h)
            break;
        h->ev.u.mmio.bar = 0;
        h->ev.u.mmio.size = (uint8_t)size;
        h->ev.u.mmio.offset = (uint32_t)a[0].v;
        h->ev.u.mmio.gpa = bar0_gpa(imp, a[0].v);
        if (def->kind == QK_MMIO_READ)
            h->ev.flags = NVT_F_VALUE_UNKNOWN; /* QEMU 7.2 does not print the value read */
        else
            h->ev.u.mmio.value = a[1].v;
        return 0;
    }
    case QK_DOORBELL_SQ:
    case QK_DOORBELL_CQ:
        if (a[0].v > MAX_QID || a[1].v > 0xffff)
            return bad_line(imp, err, imp->text, imp->text_len, "value out of range");
        h = push(imp, NVT_EV_DOORBELL, -1);
        if (!h)
            break;
        h->ev.u.doorbell.qid = (uint16_t)a[0].v;
        h->ev.u.doorbell.is_cq = def->kind == QK_DOORBELL_CQ;
        h->ev.u.doorbell.value = (uint32_t)a[1].v;
        return 0;
    case QK_IRQ_MSIX:
        if (a[0].v > 2047)
            return bad_line(imp, err, imp->text, imp->text_len, "value out of range");
        h = push(imp, NVT_EV_INTERRUPT, -1);
        if (!h)
            break;
        h->ev.flags = NVT_F_VALUE_UNKNOWN; /* message address/data are not printed */
        h->ev.u.irq.kind = NVT_IRQ_MSIX;
        h->ev.u.irq.vector = (uint16_t)a[0].v;
        return 0;
    case QK_IRQ_PIN:
        /* QEMU asserts INTA (its nvme's Interrupt Pin is 1); the deassert is not traced. */
        h = push(imp, NVT_EV_INTERRUPT, -1);
        if (!h)
            break;
        h->ev.u.irq.kind = NVT_IRQ_INTX_ASSERT;
        h->ev.u.irq.vector = 0;
        return 0;
    case QK_REG_CC:
        imp->cc = (uint32_t)a[0].v;
        return 0;
    case QK_REG_AQA:
        imp->aqa = (uint32_t)a[0].v;
        imp->aqa_known = 1;
        return 0;
    case QK_START_OK:
        /* QEMU 7.2 sets CSTS.RDY in the same CC write that enables: admin queues exist now,
         * sized by AQA (ASQS bits 11:0, ACQS bits 27:16, both 0-based). */
        reset_queues(imp);
        create_sq(imp, 0, (imp->aqa & 0xfff) + 1, imp->aqa_known, 0);
        create_cq(imp, 0, ((imp->aqa >> 16) & 0xfff) + 1, imp->aqa_known);
        imp->ready = 1;
        if (state(imp, NVT_STATE_ENABLE, imp->cc, 0, err) < 0)
            return -1;
        return state(imp, NVT_STATE_READY, 1, NVT_F_RECONSTRUCTED, err);
    case QK_START_FAIL:
        if (state(imp, NVT_STATE_ENABLE_FAILED, imp->cc, 0, err) < 0)
            return -1;
        return annotate(imp, -1, NVT_ANN_ERROR, imp->text, imp->text_len, err);
    case QK_STOPPED:
        reset_queues(imp);
        imp->ready = 0;
        return state(imp, NVT_STATE_DISABLE, imp->cc, 0, err);
    case QK_PCI_RESET:
        reset_queues(imp);
        imp->ready = 0;
        return state(imp, NVT_STATE_RESET, 0, 0, err);
    case QK_SHUTDOWN_SET:
        /* QEMU 7.2 completes the shutdown inside the CC write: CSTS.SHST = 2 at once. */
        if (state(imp, NVT_STATE_SHUTDOWN_START, imp->cc, 0, err) < 0)
            return -1;
        return state(imp, NVT_STATE_SHUTDOWN_DONE, (imp->ready ? 1u : 0u) | 0x8u,
                     NVT_F_RECONSTRUCTED, err);
    case QK_SHUTDOWN_CLEARED:
        /* Schema v1 has no state for "CSTS.SHST back to normal". */
        return annotatef(imp, -1, NVT_ANN_NOTE, err, "CC.SHN cleared: CSTS.SHST normal (CC=0x%x)",
                         imp->cc);
    case QK_CFS:
        if (state(imp, NVT_STATE_FATAL, 0x2, 0, err) < 0)
            return -1;
        return annotate(imp, -1, NVT_ANN_ERROR, imp->text, imp->text_len, err);
    case QK_SHADOW_SQ:
    case QK_SHADOW_CQ:
        return dbbuf_access(imp, NVT_EV_DMA_READ, imp->dbs, a, def->kind == QK_SHADOW_CQ, err);
    case QK_EVENTIDX_SQ:
    case QK_EVENTIDX_CQ:
        return dbbuf_access(imp, NVT_EV_DMA_WRITE, imp->eis, a, def->kind == QK_EVENTIDX_CQ,
                            err);
    case QK_DSM_RANGE:
        if (imp->cmd.active && !imp->cmd.admin)
            return annotatef(imp, -1, NVT_ANN_NOTE, err,
                             "DSM range: SLBA %llu NLB %llu (SQ=%u CID=%04x)",
                             (unsigned long long)a[0].v, (unsigned long long)a[1].v,
                             imp->cmd.sqid, imp->cmd.cid);
        return annotatef(imp, -1, NVT_ANN_NOTE, err, "DSM range: SLBA %llu NLB %llu",
                         (unsigned long long)a[0].v, (unsigned long long)a[1].v);
    case QK_ERROR:
        return annotate(imp, -1, NVT_ANN_ERROR, imp->text, imp->text_len, err);
    case QK_UB:
        return annotate(imp, -1, NVT_ANN_WARNING, imp->text, imp->text_len, err);
    default:
        return 0;
    }
    return fail(imp, err, NVT_E_NOMEM, "out of memory");
}

/* ------------------------------------------------------------------- lines ---- */

static void count_unknown(nvt_qemu_importer *imp, const char *name, size_t len)
{
    imp->st.unknown_lines++;
    for (size_t i = 0; i < imp->nunknown; i++)
        if (strncmp(imp->unknown[i].name, name, len) == 0 && imp->unknown[i].name[len] == '\0') {
            imp->unknown[i].count++;
            return;
        }
    if (imp->nunknown == MAX_UNKNOWN_NAMES) {
        imp->unknown_other++;
        return;
    }
    if (!imp->unknown) {
        imp->unknown = calloc(MAX_UNKNOWN_NAMES, sizeof *imp->unknown);
        if (!imp->unknown) {
            imp->unknown_other++;
            return;
        }
    }
    char *n = dup_text(name, len);
    if (!n) {
        imp->unknown_other++;
        return;
    }
    imp->unknown[imp->nunknown].name = n;
    imp->unknown[imp->nunknown++].count = 1;
}

/* Events that end the merging of an open command's details when they come from its thread. */
static int ends_command(unsigned kind)
{
    return kind != QK_IGNORE && kind != QK_ERROR && kind != QK_UB && kind != QK_DSM_RANGE &&
           kind < QK_DETAIL;
}

static int parse_decimal(const char **pp, const char *end, uint64_t *v, int maxdigits)
{
    const char *p = *pp;
    uint64_t x = 0;
    int n = 0;
    while (p < end && *p >= '0' && *p <= '9' && n < maxdigits) {
        x = x * 10 + (uint64_t)(*p - '0');
        p++;
        n++;
    }
    if (!n || (p < end && *p >= '0' && *p <= '9'))
        return -1;
    *pp = p;
    *v = x;
    return n;
}

/* Leap years in [1, y): the Gregorian rule (every 4th, not every 100th, every 400th). */
static int64_t leaps_before(int64_t y)
{
    y -= 1;
    return y / 4 - y / 100 + y / 400;
}

/* Days from 1970-01-01 to y-m-d (y >= 1970, m 1-12, d 1-31), UTC: no time zone involved. */
static int64_t days_since_epoch(int64_t y, unsigned m, unsigned d)
{
    static const uint16_t before_month[12] = {0,   31,  59,  90,  120, 151,
                                              181, 212, 243, 273, 304, 334};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return 365 * (y - 1970) + leaps_before(y) - leaps_before(1970) + before_month[m - 1] +
           (leap && m > 2) + (int64_t)d - 1;
}

/* Exactly n decimal digits at p (p + n <= end checked by the caller); -1 if not. */
static int64_t fixed_digits(const char *p, int n)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* "YYYY-MM-DDTHH:MM:SS.ffffffZ " (QEMU 10.1+ qemu_log: g_date_time_format_iso8601 of the UTC
 * time, which prints the microseconds only when they are not zero: "...:SSZ " then; 1 to 9
 * fraction digits accepted). Sets *ns and *pp past the space; 0, or -1 if p does not start
 * with such a time. */
static int parse_iso8601(const char **pp, const char *end, uint64_t *ns)
{
    const char *p = *pp;
    if (end - p < 21 || p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' ||
        p[16] != ':' || (p[19] != '.' && p[19] != 'Z'))
        return -1;
    int64_t y = fixed_digits(p, 4), mo = fixed_digits(p + 5, 2), d = fixed_digits(p + 8, 2);
    int64_t h = fixed_digits(p + 11, 2), mi = fixed_digits(p + 14, 2);
    int64_t sec = fixed_digits(p + 17, 2);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || sec < 0 || sec > 60)
        return -1;
    p += 19;
    uint64_t frac = 0;
    int n = 0;
    if (*p == '.') {
        for (p++; p < end && *p >= '0' && *p <= '9' && n < 9; p++, n++)
            frac = frac * 10 + (uint64_t)(*p - '0');
        if (n == 0)
            return -1;
    }
    if (p + 1 >= end || p[0] != 'Z' || p[1] != ' ')
        return -1;
    for (int i = n; i < 9; i++)
        frac *= 10;
    int64_t days = days_since_epoch(y, (unsigned)mo, (unsigned)d);
    *ns = (uint64_t)(((days * 24 + h) * 60 + mi) * 60 + sec) * 1000000000u + frac;
    *pp = p + 2;
    return 0;
}

static int handle_line(nvt_qemu_importer *imp, const char *line, size_t len, nvt_error *err)
{
    if (len && line[len - 1] == '\r')
        len--;
    if (len == 0)
        return 0;
    const char *p = line, *end = line + len;
    uint64_t tid, sec, frac, iso_before = imp->st.iso8601_lines;
    int fdigits;
    if (p < end && *p >= '0' && *p <= '9' && parse_iso8601(&p, end, &imp->ts) == 0) {
        /* "YYYY-MM-DDTHH:MM:SS.ffffffZ " (10.1+): no thread id */
        imp->thread = THREAD_UNKNOWN;
        imp->st.iso8601_lines++;
    } else if (p = line, parse_decimal(&p, end, &tid, 10) >= 0 && tid <= 0xffffffffu &&
               p < end && *p++ == '@' && parse_decimal(&p, end, &sec, 12) >= 0 && p < end &&
               *p++ == '.' && (fdigits = parse_decimal(&p, end, &frac, 9)) >= 0 && p < end &&
               *p++ == ':') {
        /* "TID@SEC.USEC:" (7.2-10.0) */
        for (int i = fdigits; i < 9; i++)
            frac *= 10;
        imp->ts = sec * 1000000000u + frac;
        imp->thread = (uint32_t)tid;
    } else {
        return bad_line(imp, err, line, len,
                        "not a QEMU trace line: no \"tid@seconds.microseconds:\" (QEMU 7.2-10.0) "
                        "or \"YYYY-MM-DDTHH:MM:SS.ffffffZ \" (10.1+) prefix (QEMU must run "
                        "with -msg timestamp=on)");
    }
    int iso = imp->st.iso8601_lines != iso_before;
    if (imp->qline && iso != (imp->qline->log_prefix == NVT_QLOG_ISO8601))
        imp->other_prefix_lines++;
    if (!imp->opts_emulator_given && imp->st.iso8601_lines == 1)
        snprintf(imp->emulator, sizeof imp->emulator, "QEMU 10.1 or later (ISO-8601 log)");

    const char *name = p;
    while (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
                       (*p >= 'A' && *p <= 'Z')))
        p++;
    size_t nlen = (size_t)(p - name);
    if (!nlen || (p < end && *p != ' '))
        return bad_line(imp, err, line, len, "no trace event name after the prefix");
    imp->text = name;
    imp->text_len = (size_t)(end - name);
    const char *args = p < end ? p + 1 : p;
    size_t alen = (size_t)(end - args);

    if (nlen > 9 && memcmp(name, "pci_nvme_", 9) == 0)
        imp->st.nvme_lines++;
    const struct qemu_event_def *def = qemu_event_find(&imp->index, name, nlen);
    if (!def && p == end && qemu_event_prefix_of_known(name, nlen))
        return bad_line(imp, err, line, len, "line cut short inside the event name");
    if (!def) {
        count_unknown(imp, name, nlen);
        imp->last_ts = imp->ts;
        return 0;
    }
    if (imp->qline && def->kind >= QK_SHADOW_SQ && def->kind <= QK_EVENTIDX_CQ &&
        (def->since != 0) != (imp->qline->shadow_v8_names != 0)) {
        if (!imp->other_shadow_lines++)
            imp->other_shadow_name = def->name;
    }
    struct qemu_arg a[QEMU_MAX_ARGS];
    memset(a, 0, sizeof a);
    if (def->fmt && qemu_parse_args(def->fmt, args, alen, a) < 0) {
        char why[200];
        snprintf(why, sizeof why, "arguments of %s do not have QEMU's format \"%s\"",
                 def->name, def->fmt);
        return bad_line(imp, err, line, len, why);
    }
    if (imp->cmd.active && imp->cmd.thread == imp->thread && ends_command(def->kind) &&
        close_cmd(imp, err) < 0)
        return -1;

    int rc;
    switch (def->kind) {
    case QK_IGNORE:
        rc = 0;
        break;
    case QK_CFG_READ:
    case QK_CFG_WRITE:
        rc = cfg_line(imp, a, def->kind == QK_CFG_WRITE, err);
        break;
    case QK_MAP_ADD:
    case QK_MAP_DEL:
        rc = mapping_line(imp, a, def->kind == QK_MAP_ADD, err);
        break;
    case QK_MSIX_CONFIG:
        rc = msix_line(imp, a, err);
        break;
    case QK_ADMIN_CMD:
    case QK_IO_CMD:
        rc = open_cmd(imp, a, def->kind == QK_ADMIN_CMD, err);
        break;
    case QK_COMPLETION:
        rc = completion(imp, a, err);
        break;
    default:
        rc = def->kind >= QK_DETAIL ? detail(imp, def, a, err) : nvme_line(imp, def, a, err);
        break;
    }
    if (rc < 0)
        return -1;
    imp->last_ts = imp->ts;
    return release(imp, err);
}

/* ------------------------------------------------------------------ public ---- */

int nvt_qemu_import_check(const nvt_qemu_import_stats *st, char *why, size_t whylen)
{
    unsigned long long lines = st->lines, bad = st->bad_lines, unknown = st->unknown_lines;
    if (lines == 0) {
        snprintf(why, whylen, "the log is empty: QEMU wrote no trace line");
        return -1;
    }
    if ((bad + unknown) * 100 > lines * NVT_IMPORT_MAX_UNREAD_PERCENT) {
        snprintf(why, whylen,
                 "%llu of %llu lines could not be read (%llu malformed, %llu of unknown "
                 "events): more than %d%%; not a QEMU trace log this importer understands",
                 bad + unknown, lines, bad, unknown, NVT_IMPORT_MAX_UNREAD_PERCENT);
        return -1;
    }
    if (bad > 1 + lines * NVT_IMPORT_MAX_BAD_PER_MILLE / 1000) {
        snprintf(why, whylen,
                 "%llu of %llu lines are malformed: more than %d per mille (lines cut short, or "
                 "an event whose format changed); the first, line %llu: %s",
                 bad, lines, NVT_IMPORT_MAX_BAD_PER_MILLE, (unsigned long long)st->first_bad_line,
                 st->first_bad_why);
        return -1;
    }
    if (st->nvme_lines == 0) {
        snprintf(why, whylen,
                 "no pci_nvme_* event in %llu lines: no NVMe controller was traced (QEMU needs "
                 "-device nvme and -trace 'pci_nvme_*')",
                 lines);
        return -1;
    }
    return 0;
}

static int sink_writer_add_device(void *ctx, const nvt_device *dev, nvt_error *err)
{
    return nvt_writer_add_device(ctx, dev, err);
}

static int sink_writer_write(void *ctx, const nvt_event *ev, const char *comment, nvt_error *err)
{
    return nvt_writer_write(ctx, ev, comment, err);
}

void nvt_import_sink_writer(nvt_import_sink *sink, nvt_writer *w)
{
    sink->add_device = sink_writer_add_device;
    sink->write = sink_writer_write;
    sink->ctx = w;
}

nvt_qemu_importer *nvt_qemu_import_new(const nvt_qemu_import_opts *opts,
                                       const nvt_import_sink *sink, nvt_error *err)
{
    nvt_qemu_importer *imp = calloc(1, sizeof *imp);
    if (!imp) {
        if (err) {
            err->code = NVT_E_NOMEM;
            err->offset = UINT64_MAX;
            snprintf(err->msg, sizeof err->msg, "out of memory");
        }
        return NULL;
    }
    if (opts)
        imp->opts = *opts;
    snprintf(imp->name, sizeof imp->name, "%s", imp->opts.name ? imp->opts.name : "<input>");
    snprintf(imp->emulator, sizeof imp->emulator, "%s",
             imp->opts.emulator ? imp->opts.emulator : "QEMU");
    imp->opts_emulator_given = imp->opts.emulator != NULL;
    unsigned major, minor, micro;
    if (imp->opts.emulator &&
        nvt_qemu_parse_version(imp->opts.emulator, &major, &minor, &micro) == 0)
        imp->qline = nvt_qemu_line_for(major, minor, NULL);
    imp->opts.name = imp->name;
    imp->opts.emulator = imp->emulator;
    imp->sink = *sink;
    imp->nvme = -1;
    qemu_event_index_init(&imp->index);
    return imp;
}

/* One whole line of total bytes, of which text holds the first len (all of them unless the
 * line is longer than MAX_LINE). */
static int feed_line(nvt_qemu_importer *imp, const char *text, size_t len, uint64_t total,
                     nvt_error *err)
{
    imp->line_no++;
    imp->st.lines++;
    imp->line_offset = imp->next_offset;
    imp->next_offset += total + 1;
    if (total > MAX_LINE)
        return bad_line(imp, err, text, len, "line longer than 64 KiB");
    /* QEMU prints no NUL; one would also end up inside a note's text, which the schema forbids */
    if (memchr(text, 0, len))
        return bad_line(imp, err, text, len, "a NUL byte in the line");
    int rc = handle_line(imp, text, len, err);
    /* A command whose thread never logs again must not hold records back without bound. */
    if (rc == 0 && imp->cmd.active && imp->qtail - imp->cmd.qpos > HOLD_LIMIT)
        rc = close_cmd(imp, err);
    return rc;
}

/* Keeps the start of a line that continues in the next feed; past MAX_LINE bytes only its
 * length is counted. */
static int keep_part(nvt_qemu_importer *imp, const char *p, size_t n, nvt_error *err)
{
    size_t room = imp->part_len < MAX_LINE ? MAX_LINE - imp->part_len : 0;
    size_t take = n < room ? n : room;
    if (imp->part_len + take > imp->part_cap) {
        size_t cap = imp->part_cap ? imp->part_cap : 512;
        while (cap < imp->part_len + take)
            cap *= 2;
        char *b = realloc(imp->part, cap);
        if (!b)
            return fail(imp, err, NVT_E_NOMEM, "out of memory");
        imp->part = b;
        imp->part_cap = cap;
    }
    memcpy(imp->part + imp->part_len, p, take);
    imp->part_len += take;
    imp->part_total += n;
    return 0;
}

int nvt_qemu_import_feed(nvt_qemu_importer *imp, const void *data, size_t len, nvt_error *err)
{
    if (imp->failed || imp->finished)
        return fail(imp, err, NVT_E_ARG, "importer used after an error or after finish");
    const char *p = data, *end = p + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t chunk = (size_t)((nl ? nl : end) - p);
        int rc;
        if (!nl)
            return keep_part(imp, p, chunk, err);
        if (imp->part_total) {
            if (keep_part(imp, p, chunk, err) < 0)
                return -1;
            rc = feed_line(imp, imp->part, imp->part_len, imp->part_total, err);
            imp->part_len = 0;
            imp->part_total = 0;
        } else {
            rc = feed_line(imp, p, chunk, chunk, err);
        }
        if (rc < 0)
            return -1;
        p = nl + 1;
    }
    return 0;
}

int nvt_qemu_import_idle(nvt_qemu_importer *imp, nvt_error *err)
{
    if (imp->failed)
        return -1;
    return close_cmd(imp, err);
}

static int write_summary(nvt_qemu_importer *imp, nvt_error *err)
{
    char buf[2048];
    size_t n = 0;
#define ADD(...)                                                                                \
    do {                                                                                        \
        int k_ = snprintf(buf + n, sizeof buf - n, __VA_ARGS__);                                \
        if (k_ > 0)                                                                             \
            n = n + (size_t)k_ < sizeof buf ? n + (size_t)k_ : sizeof buf - 1;                  \
    } while (0)
    ADD("QEMU log import of %s: %llu lines", imp->name, (unsigned long long)imp->st.lines);
    if (imp->st.unknown_lines) {
        ADD("; %llu lines of unknown events:", (unsigned long long)imp->st.unknown_lines);
        for (size_t i = 0; i < imp->nunknown; i++)
            ADD(" %s (%llu)", imp->unknown[i].name, (unsigned long long)imp->unknown[i].count);
        if (imp->unknown_other)
            ADD(" others (%llu)", (unsigned long long)imp->unknown_other);
    }
    if (imp->st.bad_lines)
        ADD("; %llu malformed lines skipped, the first at line %llu",
            (unsigned long long)imp->st.bad_lines, (unsigned long long)imp->st.first_bad_line);
#undef ADD
    return annotate(imp, -1, NVT_ANN_WARNING, buf, n, err);
}

/* The log is not what the QEMU line of opts.emulator prints (nvmetrace/qemu.h): the version
 * string is wrong for this log (a wrapper, another binary) or the table is. A warning, not an
 * error: every form is read whatever the version. */
static int note_version_mismatch(nvt_qemu_importer *imp, nvt_error *err)
{
    const struct nvt_qemu_line *l = imp->qline;
    char prefix[128] = "", shadow[160] = "";
    if (imp->other_prefix_lines)
        snprintf(prefix, sizeof prefix, " %llu lines with the %s prefix",
                 (unsigned long long)imp->other_prefix_lines,
                 l->log_prefix == NVT_QLOG_ISO8601 ? "tid@seconds.microseconds (7.2-10.0)"
                                                   : "ISO-8601 (10.1+)");
    if (imp->other_shadow_lines)
        snprintf(shadow, sizeof shadow, "%s %llu lines of shadow-doorbell event names it does "
                 "not print (the first: %s)",
                 prefix[0] ? ";" : "", (unsigned long long)imp->other_shadow_lines,
                 imp->other_shadow_name);
    return annotatef(imp, -1, NVT_ANN_WARNING, err,
                     "the log does not match %s (QEMU %u.%u's row in nvmetrace/qemu.h):%s%s",
                     imp->emulator, l->major, l->minor, prefix, shadow);
}

int nvt_qemu_import_finish(nvt_qemu_importer *imp, nvt_error *err)
{
    if (imp->finished)
        return fail(imp, err, NVT_E_ARG, "nvt_qemu_import_finish called twice");
    int was_failed = imp->failed;
    imp->failed = 0; /* release what can be released, even after an error */
    imp->finishing = 1;
    int rc = 0;
    if (!was_failed && imp->part_total) {
        /* A last line without a newline: whole if it parses, else cut short by a dying QEMU
         * and counted as a bad line (finishing makes bad_line count instead of fail). */
        rc = feed_line(imp, imp->part, imp->part_len, imp->part_total, err);
        imp->part_len = 0;
        imp->part_total = 0;
    }
    imp->ts = imp->last_ts;
    imp->thread = 0;
    if (rc == 0)
        rc = close_cmd(imp, err);
    if (rc == 0 && !was_failed && (imp->other_prefix_lines || imp->other_shadow_lines))
        rc = note_version_mismatch(imp, err);
    if (rc == 0 && !was_failed && (imp->st.unknown_lines || imp->st.bad_lines))
        rc = write_summary(imp, err);
    if (rc == 0 && !was_failed) {
        struct held *h = push(imp, NVT_EV_CAPTURE_STATS, -1);
        if (!h) {
            rc = fail(imp, err, NVT_E_NOMEM, "out of memory");
        } else {
            /* everything handed to the sink, this record excluded */
            h->ev.u.stats.recorded = imp->st.records + (imp->qtail - imp->qhead) - 1;
            h->ev.u.stats.warnings = imp->st.unknown_lines + imp->st.bad_lines;
        }
    }
    if (rc == 0)
        rc = release(imp, err);
    imp->finished = 1;
    if (was_failed)
        imp->failed = 1;
    return rc < 0 || was_failed ? -1 : 0;
}

const nvt_qemu_import_stats *nvt_qemu_import_get_stats(const nvt_qemu_importer *imp)
{
    return &imp->st;
}

const char *nvt_qemu_import_unknown(const nvt_qemu_importer *imp, size_t i, uint64_t *count)
{
    if (i >= imp->nunknown)
        return NULL;
    if (count)
        *count = imp->unknown[i].count;
    return imp->unknown[i].name;
}

void nvt_qemu_import_free(nvt_qemu_importer *imp)
{
    if (!imp)
        return;
    for (uint64_t p = imp->qhead; p < imp->qtail; p++) {
        struct held *h = queue_at(imp, p);
        free(h->text);
        free(h->comment);
    }
    free(imp->q);
    for (size_t i = 0; i < imp->nsqs; i++)
        free(imp->sqs[i].cids);
    free(imp->sqs);
    free(imp->cqs);
    free(imp->devs);
    free(imp->part);
    free(imp->cmd.lines);
    for (size_t i = 0; i < imp->nunknown; i++)
        free(imp->unknown[i].name);
    free(imp->unknown);
    free(imp);
}

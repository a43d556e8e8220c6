/*
 * nvt_recover: rebuilds a valid trace from a crashed capture's trace prefix and its crash
 * ring (layout in tap_ring.h).
 *
 * Why this is complete: the shim's writer writes each record's seq into the ring before it
 * encodes the record into the trace, in seq order, and lets a producer overwrite ring space
 * only after nvt_writer_flush returned for the records in it. So every record published in a
 * ring is either below the released index (then it is in the kernel, so in the trace) or in
 * [released, head) with its seq either unassigned or assigned; in the latter case the trace
 * holds it exactly when its seq is at most the last seq of the trace's valid prefix.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nvmetrace/recover.h"
#include "tap_ring.h"

static void fail(nvt_error *err, int code, const char *path, uint64_t offset, const char *fmt,
                 ...) __attribute__((format(printf, 5, 6)));
static void fail(nvt_error *err, int code, const char *path, uint64_t offset, const char *fmt,
                 ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err->code = code;
    err->offset = offset;
    if (offset == UINT64_MAX)
        snprintf(err->msg, sizeof err->msg, "%s: %s", path, msg);
    else
        snprintf(err->msg, sizeof err->msg, "%s: offset %llu: %s", path,
                 (unsigned long long)offset, msg);
}

static uint64_t get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A ring record the trace may lack. */
struct pending {
    const uint8_t *rec;
    uint32_t len;
    uint16_t device;
    uint32_t ring;
    uint64_t tsc;
    uint64_t seq; /* NVT_RING_SEQ_UNASSIGNED if the writer never reached it */
};

struct pending_list {
    struct pending *v;
    size_t n, cap;
};

static int pending_push(struct pending_list *l, const struct pending *p)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        struct pending *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *p;
    return 0;
}

/* The mapped ring file. */
struct ring_file {
    const char *path;
    int fd;
    const uint8_t *map;
    size_t size;
    const struct nvt_ring_header *h;
    struct nvt_ring_clock clock;
    uint32_t ndev;
    nvt_device devices[NVT_RING_MAX_DEVICES];
    uint64_t dropped, overflows;
    uint64_t bad_entries;    /* entries whose check failed */
    uint64_t bad_offsets[8]; /* file offsets of the first ones */
};

static int ring_open(struct ring_file *rf, nvt_error *err)
{
    rf->fd = open(rf->path, O_RDONLY | O_CLOEXEC);
    if (rf->fd < 0) {
        if (errno == ENOENT)
            fail(err, NVT_E_IO, rf->path, UINT64_MAX,
                 "no crash ring: the capture was closed cleanly or was already recovered "
                 "(a trace cut short without a ring, e.g. from a killed `nvmetrace capture`: "
                 "use `nvmetrace convert --salvage`)");
        else
            fail(err, NVT_E_IO, rf->path, UINT64_MAX, "%s", strerror(errno));
        return -1;
    }
    /* The shim holds this lock for the life of the capture; the kernel drops it at death. */
    if (flock(rf->fd, LOCK_EX | LOCK_NB) < 0) {
        fail(err, NVT_E_IO, rf->path, UINT64_MAX,
             errno == EWOULDBLOCK ? "the capture is still running (its process holds the ring); "
                                    "recover only after it has exited"
                                  : "cannot lock: %s",
             strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(rf->fd, &st) < 0) {
        fail(err, NVT_E_IO, rf->path, UINT64_MAX, "%s", strerror(errno));
        return -1;
    }
    rf->size = (size_t)st.st_size;
    if (rf->size < sizeof(struct nvt_ring_header)) {
        fail(err, NVT_E_TRUNCATED, rf->path, rf->size,
             "file ends inside the ring header (%zu bytes needed): truncated ring file",
             sizeof(struct nvt_ring_header));
        return -1;
    }
    void *m = mmap(NULL, rf->size, PROT_READ, MAP_PRIVATE, rf->fd, 0);
    if (m == MAP_FAILED) {
        fail(err, NVT_E_IO, rf->path, UINT64_MAX, "mmap: %s", strerror(errno));
        return -1;
    }
    rf->map = m;
    rf->h = m;
    return 0;
}

static int ring_check_header(struct ring_file *rf, nvt_error *err)
{
    const struct nvt_ring_header *h = rf->h;
    const char *p = rf->path;
    if (memcmp(h->magic, NVT_RING_MAGIC, sizeof h->magic) != 0) {
        fail(err, NVT_E_FORMAT, p, 0, "not an nvmetrace crash ring (bad magic)");
        return -1;
    }
    if (h->version != NVT_RING_VERSION) {
        fail(err, NVT_E_VERSION, p, offsetof(struct nvt_ring_header, version),
             "ring file version %u, this nvmetrace reads version %u", h->version,
             NVT_RING_VERSION);
        return -1;
    }
    if (h->header_size != NVT_RING_HEADER_SIZE) {
        fail(err, NVT_E_FORMAT, p, offsetof(struct nvt_ring_header, header_size),
             "header size %u, expected %u", h->header_size, NVT_RING_HEADER_SIZE);
        return -1;
    }
    if (h->ring_count == 0 || h->ring_count > NVT_RING_MAX_RINGS) {
        fail(err, NVT_E_FORMAT, p, offsetof(struct nvt_ring_header, ring_count),
             "ring count %u out of range [1, %u]", h->ring_count, NVT_RING_MAX_RINGS);
        return -1;
    }
    if (h->ring_size < NVT_RING_MIN_SIZE || h->ring_size > NVT_RING_MAX_SIZE ||
        (h->ring_size & (h->ring_size - 1))) {
        fail(err, NVT_E_FORMAT, p, offsetof(struct nvt_ring_header, ring_size),
             "ring size %u is not a power of two in [%u, %u]", h->ring_size, NVT_RING_MIN_SIZE,
             NVT_RING_MAX_SIZE);
        return -1;
    }
    uint64_t want = nvt_ring_file_size(h->ring_count, h->ring_size);
    if (h->file_size != want) {
        fail(err, NVT_E_FORMAT, p, offsetof(struct nvt_ring_header, file_size),
             "file size field %llu disagrees with %u rings of %u bytes (%llu)",
             (unsigned long long)h->file_size, h->ring_count, h->ring_size,
             (unsigned long long)want);
        return -1;
    }
    if (rf->size < want) {
        fail(err, NVT_E_TRUNCATED, p, rf->size,
             "file ends here but its header describes %llu bytes: truncated ring file",
             (unsigned long long)want);
        return -1;
    }
    if (h->compression != NVT_COMPRESS_NONE && h->compression != NVT_COMPRESS_ZSTD) {
        fail(err, NVT_E_FORMAT, p, offsetof(struct nvt_ring_header, compression),
             "unknown compression %u", h->compression);
        return -1;
    }
    rf->ndev = atomic_load(&((struct nvt_ring_header *)h)->device_count);
    if (rf->ndev > NVT_RING_MAX_DEVICES) {
        fail(err, NVT_E_FORMAT, p, offsetof(struct nvt_ring_header, device_count),
             "device count %u exceeds %d", rf->ndev, NVT_RING_MAX_DEVICES);
        return -1;
    }
    for (uint32_t i = 0; i < rf->ndev; i++)
        nvt_ring_device_get(&h->devices[i], &rf->devices[i]);
    /* The process cannot be rewriting the clock any more; an odd seqlock means it died in the
     * middle of an update, and the segment may mix two updates: still the best we have. */
    rf->clock = h->clock;
    if (rf->clock.mult == 0) {
        fail(err, NVT_E_FORMAT, p, offsetof(struct nvt_ring_header, clock),
             "no clock calibration (the capture died while opening?)");
        return -1;
    }
    rf->dropped = atomic_load(&((struct nvt_ring_header *)h)->noring_dropped);
    return 0;
}

/* Reads ring i's records in [released, head), checking every entry. */
static int ring_scan(struct ring_file *rf, uint32_t i, struct pending_list *out, nvt_error *err)
{
    const struct nvt_ring_header *h = rf->h;
    uint64_t ctl_off = NVT_RING_HEADER_SIZE + (uint64_t)i * NVT_RING_CTL_SIZE;
    const struct nvt_ring_ctl *c = (const struct nvt_ring_ctl *)(rf->map + ctl_off);
    uint64_t head = atomic_load((_Atomic uint64_t *)&c->head);
    uint64_t released = atomic_load((_Atomic uint64_t *)&c->released);
    rf->dropped += atomic_load((_Atomic uint64_t *)&c->dropped);
    rf->overflows += atomic_load((_Atomic uint64_t *)&c->overflows);
    uint64_t size = h->ring_size;
    if (released > head || head - released > size || (released | head) & 7) {
        fail(err, NVT_E_FORMAT, rf->path, ctl_off,
             "ring %u: released position %llu and head %llu are inconsistent (ring of %llu "
             "bytes, entries 8-byte aligned): corrupt ring file", i, (unsigned long long)released,
             (unsigned long long)head, (unsigned long long)size);
        return -1;
    }
    uint64_t data_off = nvt_ring_data_offset(h->ring_count) + (uint64_t)i * size;
    const uint8_t *data = rf->map + data_off;
    uint64_t pos = released;
    while (pos < head) {
        uint64_t off = pos & (size - 1);
        uint64_t file_off = data_off + off;
        if (size - off < NVT_RING_ENTRY_HDR) {
            pos += size - off;
            continue;
        }
        const struct nvt_ring_entry *e = (const struct nvt_ring_entry *)(data + off);
        if (e->kind == NVT_RING_ENTRY_PAD) {
            if (e->rec_len != size - off - NVT_RING_ENTRY_HDR) {
                fail(err, NVT_E_FORMAT, rf->path, file_off,
                     "ring %u: padding entry of %u bytes does not reach the ring's end", i,
                     e->rec_len);
                return -1;
            }
            pos += size - off;
            continue;
        }
        if (e->kind != NVT_RING_ENTRY_RECORD) {
            fail(err, NVT_E_FORMAT, rf->path, file_off, "ring %u: unknown entry kind %u", i,
                 e->kind);
            return -1;
        }
        uint64_t esize = nvt_ring_entry_size(e->rec_len);
        if (e->rec_len < NVT_HDR_LEN || e->rec_len > NVT_MAX_RECORD_LEN ||
            esize > size - off || esize > head - pos) {
            fail(err, NVT_E_FORMAT, rf->path, file_off,
                 "ring %u: entry of %u record bytes does not fit the ring's published data", i,
                 e->rec_len);
            return -1;
        }
        if (e->device >= rf->ndev) {
            fail(err, NVT_E_FORMAT, rf->path, file_off,
                 "ring %u: entry for device %u, the ring registers %u", i, e->device, rf->ndev);
            return -1;
        }
        const uint8_t *rec = (const uint8_t *)(e + 1);
        if (e->check != nvt_ring_entry_check(e, rec, e->rec_len)) {
            /* Damaged or torn: its bytes cannot be trusted, so it is left out and reported.
             * Its length passed the bounds above, so the next entry is found the same way. */
            if (rf->bad_entries < sizeof rf->bad_offsets / sizeof rf->bad_offsets[0])
                rf->bad_offsets[rf->bad_entries] = file_off;
            rf->bad_entries++;
            pos += esize;
            continue;
        }
        nvt_event ev;
        char msg[256];
        if (nvt_record_decode(rec, e->rec_len, &ev, msg, sizeof msg) != NVT_OK) {
            fail(err, NVT_E_FORMAT, rf->path, file_off + NVT_RING_ENTRY_HDR, "ring %u: %s", i,
                 msg);
            return -1;
        }
        struct pending p = {rec, e->rec_len, e->device, i, e->tsc, get_le64(rec + 8)};
        if (pending_push(out, &p) < 0) {
            fail(err, NVT_E_NOMEM, rf->path, file_off, "out of memory");
            return -1;
        }
        pos += esize;
    }
    return 0;
}

static int by_seq(const void *a, const void *b)
{
    uint64_t x = ((const struct pending *)a)->seq, y = ((const struct pending *)b)->seq;
    return x < y ? -1 : x > y;
}

/* Puts the records the trace lacks in file order: those the writer had numbered, by seq;
 * then the others, merged across rings by timestamp keeping each ring's order. */
static int order_missing(struct pending_list *all, int have_last, uint64_t last_seq,
                         uint32_t ring_count, struct pending_list *out)
{
    size_t nassigned = 0;
    for (size_t k = 0; k < all->n; k++) {
        struct pending *p = &all->v[k];
        if (p->seq != NVT_RING_SEQ_UNASSIGNED && (!have_last || p->seq > last_seq)) {
            if (pending_push(out, p) < 0)
                return -1;
            nassigned++;
        }
    }
    if (nassigned > 1)
        qsort(out->v, nassigned, sizeof *out->v, by_seq);
    /* all->v is ring by ring, each in ring order: one cursor per ring over [cur, end). */
    size_t *cur = calloc(2 * (size_t)ring_count, sizeof *cur);
    if (!cur)
        return -1;
    size_t *end = cur + ring_count;
    for (size_t k = all->n; k-- > 0;)
        cur[all->v[k].ring] = k;
    for (size_t k = 0; k < all->n; k++)
        end[all->v[k].ring] = k + 1;
    int rc = 0;
    for (;;) {
        const struct pending *best = NULL;
        uint32_t best_ring = 0;
        for (uint32_t r = 0; r < ring_count; r++) {
            while (cur[r] < end[r] && all->v[cur[r]].seq != NVT_RING_SEQ_UNASSIGNED)
                cur[r]++;
            if (cur[r] >= end[r])
                continue;
            const struct pending *p = &all->v[cur[r]];
            if (!best || (int64_t)(p->tsc - best->tsc) < 0) {
                best = p;
                best_ring = r;
            }
        }
        if (!best)
            break;
        if (pending_push(out, best) < 0) {
            rc = -1;
            break;
        }
        cur[best_ring]++;
    }
    free(cur);
    return rc;
}

/* Compression of an existing trace from its first bytes; -1 if it is empty. */
static int trace_compression(const char *path, nvt_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail(err, NVT_E_IO, path, UINT64_MAX, "%s", strerror(errno));
        return -2;
    }
    uint8_t magic[4];
    size_t n = fread(magic, 1, sizeof magic, f);
    fclose(f);
    if (n == 0)
        return -1;
    static const uint8_t zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    return n == 4 && memcmp(magic, zstd_magic, 4) == 0 ? NVT_COMPRESS_ZSTD : NVT_COMPRESS_NONE;
}

static int same_device(const nvt_device *a, const nvt_device *b)
{
    return strcmp(a->bdf, b->bdf) == 0 && a->vendor_id == b->vendor_id &&
           a->device_id == b->device_id;
}

struct recovery {
    const char *trace;
    struct ring_file rf;
    nvt_reader *r;
    nvt_writer *w;
    const char *out;
    char *tmp;
    uint64_t next_seq, events, last_ts;
    int have_last;
    uint64_t last_seq;
    uint8_t *buf;
};

/* Copies the trace's valid prefix to the output. */
static int copy_prefix(struct recovery *rc, nvt_recover_result *res, nvt_error *err)
{
    nvt_event ev;
    nvt_error rerr;
    int n;
    while ((n = nvt_reader_next(rc->r, &ev, &rerr)) == 1) {
        if (ev.flags & NVT_F_RECOVERED) {
            fail(err, NVT_E_ARG, rc->trace, nvt_reader_offset(rc->r),
                 "already holds recovered events (seq %llu): this crash ring was applied "
                 "before", (unsigned long long)ev.seq);
            return -1;
        }
        if (ev.device >= rc->rf.ndev) {
            fail(err, NVT_E_FORMAT, rc->trace, nvt_reader_offset(rc->r),
                 "event on interface %u, but the crash ring %s registers %u devices: they do "
                 "not belong together", ev.device, rc->rf.path, rc->rf.ndev);
            return -1;
        }
        if (ev.raw_len > NVT_MAX_RECORD_LEN) {
            fail(err, NVT_E_FORMAT, rc->trace, nvt_reader_offset(rc->r), "record too long");
            return -1;
        }
        memcpy(rc->buf, ev.raw, ev.raw_len);
        if (nvt_writer_write_raw(rc->w, ev.device, ev.ts_ns, rc->buf, ev.raw_len, err) < 0)
            return -1;
        if (ev.type != NVT_EV_CAPTURE_STATS)
            rc->events++;
        rc->have_last = 1;
        rc->last_seq = ev.seq;
        rc->last_ts = ev.ts_ns;
        rc->next_seq = ev.seq + 1;
        res->kept++;
    }
    res->valid_bytes = nvt_reader_offset(rc->r);
    if (n < 0) {
        /* A crash leaves a cut, not garbage; still, salvage what precedes damage. */
        res->trace_cut = 1;
        snprintf(res->cut_reason, sizeof res->cut_reason, "%s", rerr.msg);
    } else if (nvt_reader_truncated(rc->r)) {
        res->trace_cut = 1;
        snprintf(res->cut_reason, sizeof res->cut_reason,
                 "%s: ends inside a block after the block at offset %llu", rc->trace,
                 (unsigned long long)res->valid_bytes);
    }
    for (size_t i = 0; i < nvt_reader_device_count(rc->r); i++) {
        if (i >= rc->rf.ndev || !same_device(nvt_reader_device(rc->r, i), &rc->rf.devices[i])) {
            fail(err, NVT_E_FORMAT, rc->trace, UINT64_MAX,
                 "interface %zu (%s) is not device %zu of the crash ring %s: they do not "
                 "belong together", i, nvt_reader_device(rc->r, i)->bdf, i, rc->rf.path);
            return -1;
        }
    }
    return 0;
}

static int write_event(struct recovery *rc, nvt_event *ev, nvt_error *err)
{
    ev->seq = rc->next_seq++;
    return nvt_writer_write(rc->w, ev, NULL, err);
}

/* Appends the missing ring records, the annotation that says so and final statistics. */
static int append_missing(struct recovery *rc, struct pending_list *missing,
                          nvt_recover_result *res, nvt_error *err)
{
    if (rc->rf.ndev == 0)
        return 0; /* no device, so nothing can have been recorded */
    uint64_t first_ts = missing->n ? nvt_ring_clock_ns(&rc->rf.clock, missing->v[0].tsc)
                                   : rc->last_ts;
    char text[700], bad[96] = "";
    if (rc->rf.bad_entries)
        snprintf(bad, sizeof bad, "; %llu ring entries failed their check and were left out",
                 (unsigned long long)rc->rf.bad_entries);
    int tn = snprintf(text, sizeof text,
                      "nvmetrace recover: %zu events recovered from the crash ring %s "
                      "(capture process %u died; the trace held %llu records%s%s%s)",
                      missing->n, rc->rf.path, rc->rf.h->pid, (unsigned long long)res->kept,
                      bad, res->trace_cut ? "; cut: " : "", res->trace_cut ? res->cut_reason : "");
    nvt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = NVT_EV_ANNOTATION;
    ev.ts_ns = first_ts;
    ev.u.ann.level = NVT_ANN_WARNING;
    ev.u.ann.len = (uint16_t)(tn < 0 ? 0 : tn >= (int)sizeof text ? (int)sizeof text - 1 : tn);
    ev.u.ann.text = text;
    if (write_event(rc, &ev, err) < 0)
        return -1;
    for (size_t k = 0; k < missing->n; k++) {
        const struct pending *p = &missing->v[k];
        memcpy(rc->buf, p->rec, p->len);
        uint16_t flags = (uint16_t)(rc->buf[2] | rc->buf[3] << 8) | NVT_F_RECOVERED;
        rc->buf[2] = (uint8_t)flags;
        rc->buf[3] = (uint8_t)(flags >> 8);
        put_le64(rc->buf + 8, rc->next_seq++);
        rc->last_ts = nvt_ring_clock_ns(&rc->rf.clock, p->tsc);
        if (nvt_writer_write_raw(rc->w, p->device, rc->last_ts, rc->buf, p->len, err) < 0)
            return -1;
    }
    res->recovered = missing->n;
    res->dropped = rc->rf.dropped;
    memset(&ev, 0, sizeof ev);
    ev.type = NVT_EV_CAPTURE_STATS;
    ev.ts_ns = rc->last_ts > first_ts ? rc->last_ts : first_ts;
    ev.u.stats.recorded = rc->events + 1 + missing->n; /* + the annotation above */
    ev.u.stats.dropped = rc->rf.dropped;
    ev.u.stats.overflows = rc->rf.overflows;
    return write_event(rc, &ev, err);
}

static int open_output(struct recovery *rc, int compression, nvt_error *err)
{
    nvt_writer_opts wo;
    memset(&wo, 0, sizeof wo);
    wo.compression = compression;
    wo.keep_seq = 1;
    wo.appl = rc->r && nvt_reader_appl(rc->r)[0] ? nvt_reader_appl(rc->r) : NULL;
    wo.comment = rc->r && nvt_reader_comment(rc->r)[0] ? nvt_reader_comment(rc->r) : NULL;
    const char *dest = rc->out;
    if (!dest) {
        size_t n = strlen(rc->trace) + sizeof ".recover-tmp";
        rc->tmp = malloc(n);
        if (!rc->tmp) {
            fail(err, NVT_E_NOMEM, rc->trace, UINT64_MAX, "out of memory");
            return -1;
        }
        snprintf(rc->tmp, n, "%s.recover-tmp", rc->trace);
        dest = rc->tmp;
    }
    rc->w = nvt_writer_open(dest, &wo, err);
    if (!rc->w)
        return -1;
    for (uint32_t i = 0; i < rc->rf.ndev; i++)
        if (nvt_writer_add_device(rc->w, &rc->rf.devices[i], err) < 0)
            return -1;
    return 0;
}

static void recovery_free(struct recovery *rc)
{
    nvt_error ignored;
    if (rc->w)
        nvt_writer_close(rc->w, &ignored);
    if (rc->tmp)
        unlink(rc->tmp);
    if (rc->r)
        nvt_reader_close(rc->r);
    if (rc->rf.map)
        munmap((void *)rc->rf.map, rc->rf.size);
    if (rc->rf.fd >= 0)
        close(rc->rf.fd);
    free(rc->tmp);
    free(rc->buf);
}

int nvt_recover(const char *trace, const nvt_recover_opts *opts, nvt_recover_result *res,
                nvt_error *err)
{
    static const nvt_recover_opts no_opts;
    nvt_recover_result local_res;
    if (!opts)
        opts = &no_opts;
    if (!res)
        res = &local_res;
    memset(res, 0, sizeof *res);
    struct recovery rc;
    memset(&rc, 0, sizeof rc);
    rc.trace = trace;
    rc.rf.fd = -1;
    rc.out = opts->out_path && strcmp(opts->out_path, trace) != 0 ? opts->out_path : NULL;
    char *ring_path = NULL;
    if (opts->ring_path) {
        rc.rf.path = opts->ring_path;
    } else {
        size_t n = strlen(trace) + sizeof ".ring";
        ring_path = malloc(n);
        if (!ring_path) {
            fail(err, NVT_E_NOMEM, trace, UINT64_MAX, "out of memory");
            return -1;
        }
        snprintf(ring_path, n, "%s.ring", trace);
        rc.rf.path = ring_path;
    }
    struct pending_list all = {0}, missing = {0};
    int ok = -1;
    rc.buf = malloc(NVT_MAX_RECORD_LEN);
    if (!rc.buf) {
        fail(err, NVT_E_NOMEM, trace, UINT64_MAX, "out of memory");
        goto out;
    }
    if (ring_open(&rc.rf, err) < 0 || ring_check_header(&rc.rf, err) < 0)
        goto out;
    for (uint32_t i = 0; i < rc.rf.h->ring_count; i++)
        if (ring_scan(&rc.rf, i, &all, err) < 0)
            goto out;
    res->bad_entries = rc.rf.bad_entries;
    memcpy(res->bad_offsets, rc.rf.bad_offsets, sizeof res->bad_offsets);

    int compression = trace_compression(trace, err);
    if (compression == -2)
        goto out;
    if (compression >= 0) {
        nvt_reader_opts ro = {.allow_truncated = 1};
        nvt_error rerr;
        rc.r = nvt_reader_open_opts(trace, &ro, &rerr);
        if (!rc.r && rerr.code != NVT_E_TRUNCATED) {
            *err = rerr;
            goto out;
        }
        if (!rc.r) {
            res->trace_cut = 1;
            snprintf(res->cut_reason, sizeof res->cut_reason, "%s", rerr.msg);
        }
    } else {
        compression = (int)rc.rf.h->compression;
        res->trace_cut = 1;
        snprintf(res->cut_reason, sizeof res->cut_reason, "%s: empty", trace);
    }
    if (open_output(&rc, compression, err) < 0)
        goto out;
    if (rc.r && copy_prefix(&rc, res, err) < 0)
        goto out;
    if (order_missing(&all, rc.have_last, rc.last_seq, rc.rf.h->ring_count, &missing) < 0) {
        fail(err, NVT_E_NOMEM, trace, UINT64_MAX, "out of memory");
        goto out;
    }
    if (append_missing(&rc, &missing, res, err) < 0)
        goto out;
    nvt_writer *w = rc.w;
    rc.w = NULL;
    if (nvt_writer_close(w, err) < 0)
        goto out;
    if (rc.tmp) {
        if (rename(rc.tmp, trace) < 0) {
            fail(err, NVT_E_IO, trace, UINT64_MAX, "cannot replace with %s: %s", rc.tmp,
                 strerror(errno));
            goto out;
        }
        free(rc.tmp);
        rc.tmp = NULL;
    }
    if (!opts->keep_ring && unlink(rc.rf.path) < 0) {
        fail(err, NVT_E_IO, rc.rf.path, UINT64_MAX, "recovered, but cannot delete: %s",
             strerror(errno));
        goto out;
    }
    ok = 0;
out:
    recovery_free(&rc);
    free(all.v);
    free(missing.v);
    free(ring_path);
    return ok;
}

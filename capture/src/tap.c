/* libnvmetap: opening and closing a capture, the crash ring file, device registration. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap_internal.h"

/* The public constants must stay the schema's values. */
_Static_assert(NVT_TAP_BAR_IO == NVT_BAR_IO && NVT_TAP_BAR_64BIT == NVT_BAR_64BIT &&
               NVT_TAP_BAR_PREFETCH == NVT_BAR_PREFETCH, "BAR flags");
_Static_assert(NVT_TAP_MSIX_ADDR_LO == NVT_MSIX_ADDR_LO && NVT_TAP_MSIX_PBA_HI == NVT_MSIX_PBA_HI &&
               NVT_TAP_MSIX_VECTOR_CTRL == NVT_MSIX_VECTOR_CTRL, "MSI-X fields");
_Static_assert(NVT_TAP_IRQ_MSIX == NVT_IRQ_MSIX && NVT_TAP_IRQ_MSI == NVT_IRQ_MSI &&
               NVT_TAP_IRQ_INTX_ASSERT == NVT_IRQ_INTX_ASSERT &&
               NVT_TAP_IRQ_INTX_DEASSERT == NVT_IRQ_INTX_DEASSERT, "interrupt kinds");
_Static_assert(NVT_TAP_STATE_RESET == NVT_STATE_RESET &&
               NVT_TAP_STATE_ENABLE_FAILED == NVT_STATE_ENABLE_FAILED, "controller states");
_Static_assert(NVT_TAP_ANN_NOTE == NVT_ANN_NOTE && NVT_TAP_ANN_MARKER == NVT_ANN_MARKER,
               "annotation levels");
_Static_assert(NVT_TAP_SLOT_UNKNOWN == NVT_SLOT_UNKNOWN && NVT_TAP_QID_UNKNOWN == NVT_QID_UNKNOWN,
               "unknown markers");
_Static_assert(NVT_TAP_COMPRESS_NONE == NVT_COMPRESS_NONE &&
               NVT_TAP_COMPRESS_ZSTD == NVT_COMPRESS_ZSTD &&
               NVT_TAP_COMPRESS_AUTO == NVT_COMPRESS_AUTO, "compression");
_Static_assert(NVT_TAP_ANNOTATION_MAX <= 0xffff, "annotation length is a u16");

/* Tap ids are never reused, so a thread's cached (tap id, ring) can never match a new tap
 * that happens to get the address of a closed one. */
static _Atomic uint64_t tap_next_id = 1;

static void set_err(char *errbuf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(char *errbuf, const char *fmt, ...)
{
    if (!errbuf)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, NVT_TAP_ERRBUF_SIZE, fmt, ap);
    va_end(ap);
}

void tap_fail(struct nvt_tap *t, const char *fmt, ...)
{
    if (t->errmsg[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->errmsg, sizeof t->errmsg, fmt, ap);
    va_end(ap);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* Validated options with defaults filled in. */
struct tap_config {
    int compression, zstd_level, full_policy;
    uint32_t snaplen, ring_size, max_threads, flush_ms;
};

static int configure(const nvt_tap_opts *o, const char *path, struct tap_config *c, char *errbuf)
{
    static const nvt_tap_opts none;
    if (!o)
        o = &none;
    c->compression = o->compression;
    if (c->compression == NVT_TAP_COMPRESS_AUTO)
        c->compression = ends_with(path, ".zst") ? NVT_TAP_COMPRESS_ZSTD : NVT_TAP_COMPRESS_NONE;
    if (c->compression != NVT_TAP_COMPRESS_NONE && c->compression != NVT_TAP_COMPRESS_ZSTD) {
        set_err(errbuf, "nvt_tap_open: unknown compression %d", o->compression);
        return -1;
    }
    c->zstd_level = o->zstd_level ? o->zstd_level : TAP_DEFAULT_ZSTD_LEVEL;
    c->ring_size = o->ring_size ? o->ring_size : TAP_DEFAULT_RING_SIZE;
    if (c->ring_size < NVT_RING_MIN_SIZE || c->ring_size > NVT_RING_MAX_SIZE ||
        (c->ring_size & (c->ring_size - 1))) {
        set_err(errbuf, "nvt_tap_open: ring_size %u is not a power of two in [%u, %u]",
                o->ring_size, NVT_RING_MIN_SIZE, NVT_RING_MAX_SIZE);
        return -1;
    }
    c->max_threads = o->max_threads ? o->max_threads : TAP_DEFAULT_MAX_THREADS;
    if (c->max_threads > NVT_RING_MAX_RINGS) {
        set_err(errbuf, "nvt_tap_open: max_threads %u exceeds %u", o->max_threads,
                NVT_RING_MAX_RINGS);
        return -1;
    }
    /* The largest record must fit a quarter of a ring, or it could never be placed while the
     * writer holds up to a quarter unreleased. */
    uint32_t snap_max = c->ring_size / 4 - NVT_RING_ENTRY_HDR - NVT_HDR_LEN - NVT_BODY_DMA_LEN;
    if (snap_max > (1u << 20))
        snap_max = 1u << 20;
    c->snaplen = o->snaplen ? o->snaplen : TAP_DEFAULT_SNAPLEN;
    if (c->snaplen > snap_max)
        c->snaplen = snap_max;
    c->flush_ms = o->flush_ms ? o->flush_ms : TAP_DEFAULT_FLUSH_MS;
    c->full_policy = o->full_policy;
    if (c->full_policy != NVT_TAP_FULL_DROP && c->full_policy != NVT_TAP_FULL_WAIT) {
        set_err(errbuf, "nvt_tap_open: unknown full_policy %d", o->full_policy);
        return -1;
    }
    return 0;
}

/* Creates and maps the ring file. A ring left by a crashed capture is never overwritten: it
 * may hold the last events of that crash until `nvmetrace recover` has run. */
static int ring_file_create(struct nvt_tap *t, const struct tap_config *c, char *errbuf)
{
    int fd = open(t->ring_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == EEXIST)
            set_err(errbuf, "%s: a crash ring from an earlier capture exists; run 'nvmetrace "
                    "recover %s' (or delete it) first", t->ring_path, t->path);
        else
            set_err(errbuf, "%s: cannot create the crash ring: %s", t->ring_path,
                    strerror(errno));
        return -1;
    }
    /* Held until close (or death): recovery refuses a ring whose capture is still alive. */
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        set_err(errbuf, "%s: cannot lock: %s", t->ring_path, strerror(errno));
        close(fd);
        unlink(t->ring_path);
        return -1;
    }
    uint64_t size = nvt_ring_file_size(c->max_threads, c->ring_size);
    if (ftruncate(fd, (off_t)size) < 0) {
        set_err(errbuf, "%s: cannot size to %llu bytes: %s", t->ring_path,
                (unsigned long long)size, strerror(errno));
        close(fd);
        unlink(t->ring_path);
        return -1;
    }
    void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        set_err(errbuf, "%s: mmap of %llu bytes: %s", t->ring_path, (unsigned long long)size,
                strerror(errno));
        close(fd);
        unlink(t->ring_path);
        return -1;
    }
    t->ring_fd = fd;
    t->map = map;
    t->map_size = size;
    t->hdr = map;
    t->ring_count = c->max_threads;
    t->ring_size = c->ring_size;

    struct nvt_ring_header *h = t->hdr;
    h->version = NVT_RING_VERSION;
    h->header_size = NVT_RING_HEADER_SIZE;
    h->ring_count = c->max_threads;
    h->ring_size = c->ring_size;
    h->file_size = size;
    h->compression = (uint32_t)c->compression;
    h->snaplen = c->snaplen;
    h->pid = (uint32_t)getpid();
    atomic_store(&h->state, NVT_RING_STATE_OPEN);
    uint8_t *ctl_base = (uint8_t *)map + NVT_RING_HEADER_SIZE;
    uint8_t *data_base = (uint8_t *)map + nvt_ring_data_offset(c->max_threads);
    for (uint32_t i = 0; i < c->max_threads; i++) {
        t->rings[i].ctl = (struct nvt_ring_ctl *)(ctl_base + (size_t)i * NVT_RING_CTL_SIZE);
        t->rings[i].data = data_base + (size_t)i * c->ring_size;
    }
    /* The magic goes last: a ring file with it is complete enough to recover from. */
    atomic_thread_fence(memory_order_release);
    memcpy(h->magic, NVT_RING_MAGIC, sizeof h->magic);
    return 0;
}

static void tap_free(struct nvt_tap *t)
{
    if (t->map)
        munmap(t->map, t->map_size);
    if (t->ring_fd >= 0)
        close(t->ring_fd);
    free(t->rings);
    free(t->drain);
    free(t->path);
    free(t->ring_path);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

nvt_tap *nvt_tap_open(const char *path, const nvt_tap_opts *opts, char *errbuf)
{
    struct tap_config c;
    if (!path || !*path) {
        set_err(errbuf, "nvt_tap_open: no trace path");
        return NULL;
    }
    if (configure(opts, path, &c, errbuf) < 0)
        return NULL;
    struct nvt_tap *t = aligned_alloc(64, (sizeof *t + 63) & ~(size_t)63);
    if (!t) {
        set_err(errbuf, "nvt_tap_open: out of memory");
        return NULL;
    }
    memset(t, 0, sizeof *t);
    t->ring_fd = -1;
    pthread_mutex_init(&t->lock, NULL);
    t->id = atomic_fetch_add(&tap_next_id, 1);
    t->full_policy = c.full_policy;
    t->snaplen = c.snaplen;
    t->flush_ns = (uint64_t)c.flush_ms * 1000000u;
    copy_str(t->emulator, sizeof t->emulator, opts ? opts->emulator : NULL);
    t->path = strdup(path);
    if (opts && opts->ring_path) {
        t->ring_path = strdup(opts->ring_path);
    } else if (t->path && (t->ring_path = malloc(strlen(path) + 6)) != NULL) {
        sprintf(t->ring_path, "%s.ring", path);
    }
    t->rings = aligned_alloc(64, sizeof *t->rings * c.max_threads);
    t->drain = calloc(c.max_threads, sizeof *t->drain);
    if (!t->path || !t->ring_path || !t->rings || !t->drain) {
        set_err(errbuf, "nvt_tap_open: out of memory");
        tap_free(t);
        return NULL;
    }
    memset(t->rings, 0, sizeof *t->rings * c.max_threads);
    if (ring_file_create(t, &c, errbuf) < 0) {
        tap_free(t);
        return NULL;
    }
    tap_clock_calibrate(t);

    nvt_writer_opts wo;
    memset(&wo, 0, sizeof wo);
    wo.compression = c.compression;
    wo.zstd_level = c.zstd_level;
    wo.keep_seq = 1; /* seqs are assigned by the drain, in the ring first */
    wo.appl = "nvmetrace libnvmetap " NVT_VERSION_STRING;
    wo.comment = opts ? opts->comment : NULL;
    nvt_error err;
    t->w = nvt_writer_open(path, &wo, &err);
    /* The section header reaches the file now: a crash before the first event still leaves a
     * trace recovery can append to. */
    if (!t->w || nvt_writer_flush(t->w, &err) < 0) {
        set_err(errbuf, "%s", err.msg);
        if (t->w)
            nvt_writer_close(t->w, &err);
        unlink(t->ring_path);
        tap_free(t);
        return NULL;
    }
    int rc = pthread_key_create(&t->key, tap_thread_exit);
    if (rc == 0) {
        rc = pthread_create(&t->writer_thread, NULL, tap_writer_main, t);
        if (rc != 0)
            pthread_key_delete(t->key);
    }
    if (rc != 0) {
        set_err(errbuf, "nvt_tap_open: cannot start the writer thread: %s", strerror(rc));
        nvt_writer_close(t->w, &err);
        unlink(t->ring_path);
        tap_free(t);
        return NULL;
    }
    return t;
}

nvt_tap_dev *nvt_tap_add_device(nvt_tap *tap, const nvt_tap_device_info *info, char *errbuf)
{
    if (!tap || !info) {
        set_err(errbuf, "nvt_tap_add_device: no tap or no device info");
        return NULL;
    }
    pthread_mutex_lock(&tap->lock);
    struct nvt_ring_header *h = tap->hdr;
    uint32_t i = atomic_load_explicit(&h->device_count, memory_order_relaxed);
    if (i >= NVT_RING_MAX_DEVICES) {
        pthread_mutex_unlock(&tap->lock);
        set_err(errbuf, "nvt_tap_add_device: %s: at most %d devices per capture",
                info->bdf ? info->bdf : "?", NVT_RING_MAX_DEVICES);
        return NULL;
    }
    struct nvt_ring_device *d = &h->devices[i];
    memset(d, 0, sizeof *d);
    copy_str(d->bdf, sizeof d->bdf, info->bdf);
    d->vendor_id = info->vendor_id;
    d->device_id = info->device_id;
    d->subsys_vendor_id = info->subsys_vendor_id;
    d->subsys_id = info->subsys_id;
    d->class_code = info->class_code & 0xffffffu;
    d->revision = info->revision;
    copy_str(d->model, sizeof d->model, info->model ? info->model : "nvme");
    copy_str(d->emulator, sizeof d->emulator, info->emulator ? info->emulator : tap->emulator);
    tap->devs[i].tap = tap;
    tap->devs[i].index = (uint16_t)i;
    /* Publish the entry before the count: the writer reads the table up to the count. */
    atomic_store_explicit(&h->device_count, i + 1, memory_order_release);
    pthread_mutex_unlock(&tap->lock);
    return &tap->devs[i];
}

void nvt_tap_get_counters(nvt_tap *tap, nvt_tap_counters *out)
{
    memset(out, 0, sizeof *out);
    out->dropped = atomic_load_explicit(&tap->hdr->noring_dropped, memory_order_relaxed);
    uint32_t used = atomic_load_explicit(&tap->rings_used, memory_order_acquire);
    for (uint32_t i = 0; i < used; i++) {
        struct nvt_ring_ctl *c = tap->rings[i].ctl;
        out->recorded += atomic_load_explicit(&c->events, memory_order_relaxed);
        out->dropped += atomic_load_explicit(&c->dropped, memory_order_relaxed);
        out->overflows += atomic_load_explicit(&c->overflows, memory_order_relaxed);
    }
}

int nvt_tap_close(nvt_tap *tap, char *errbuf)
{
    if (!tap) {
        set_err(errbuf, "nvt_tap_close: no tap");
        return -1;
    }
    /* No destructor may run on ring memory once it is unmapped. */
    pthread_key_delete(tap->key);
    atomic_store_explicit(&tap->stop, 1, memory_order_release);
    pthread_join(tap->writer_thread, NULL);
    int failed = atomic_load(&tap->writer_failed);
    nvt_error err;
    if (nvt_writer_close(tap->w, &err) < 0) {
        tap_fail(tap, "%s", err.msg);
        failed = 1;
    }
    if (failed) {
        /* The ring still holds what the trace may lack. */
        set_err(errbuf, "%s (crash ring kept: run 'nvmetrace recover %s')", tap->errmsg,
                tap->path);
        tap_free(tap);
        return -1;
    }
    atomic_store(&tap->hdr->state, NVT_RING_STATE_CLOSED);
    int rc = 0;
    if (unlink(tap->ring_path) < 0) {
        set_err(errbuf, "%s: cannot delete: %s", tap->ring_path, strerror(errno));
        rc = -1;
    }
    tap_free(tap);
    return rc;
}

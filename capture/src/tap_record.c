/*
 * The hot path: one function per event type. Each reads the tick counter, reserves an entry in
 * the calling thread's ring, writes the record bytes (schema.h layout) straight into it and
 * publishes it with a store-release of the ring head. No lock, no allocation, no system call.
 *
 * Records are encoded here rather than through nvt_record_encode: filling an nvt_event and
 * going through the generic encoder costs more than the whole per-event budget (~25 ns) leaves.
 * The test suite decodes every type with the format library to keep the two in agreement.
 */
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tap_internal.h"

/* The thread's ring for the tap it used last. initial-exec keeps the access a plain
 * %fs-relative load even inside libnvmetap.so (the global-dynamic model would call
 * __tls_get_addr on every event). */
struct tap_tls {
    uint64_t tap_id;
    struct tap_ring *ring;
    uint64_t noring_tap_id; /* this thread found no free ring in this tap ... */
    uint64_t noring_gen;    /* ... while tap->free_gen had this value */
    uint32_t thread_id;     /* nvt_tap_set_thread_id's id for this thread, if has_thread_id: */
    int has_thread_id;      /* stamped on every ring the thread takes, now or later */
};
static __thread struct tap_tls tap_tls __attribute__((tls_model("initial-exec")));

static inline void put16(uint8_t *p, uint16_t v)
{
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap16(v);
#endif
    memcpy(p, &v, 2);
}
static inline void put64(uint8_t *p, uint64_t v)
{
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    memcpy(p, &v, 8);
}

/* Touches every page of a ring once, on the slow path, so the hot path does not take the
 * first-write page faults of the file mapping. */
static void ring_prefault(struct nvt_tap *t, struct tap_ring *r)
{
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        page = 4096;
    for (uint32_t off = 0; off < t->ring_size; off += (uint32_t)page)
        r->data[off] = 0;
    r->prefaulted = 1;
}

void tap_thread_exit(void *p)
{
    struct tap_ring *r = p;
    atomic_store_explicit(&r->ctl->state, NVT_RING_EXITED, memory_order_release);
    /* A later destructor of another library may still record: make it look again. */
    tap_tls.tap_id = 0;
    tap_tls.ring = NULL;
}

/* Takes a free ring for the calling thread; NULL if there is none. */
static struct tap_ring *ring_claim(struct nvt_tap *t)
{
    struct tap_ring *r = NULL;
    pthread_mutex_lock(&t->lock);
    for (uint32_t i = 0; i < t->ring_count; i++) {
        struct tap_ring *c = &t->rings[i];
        if (atomic_load_explicit(&c->ctl->state, memory_order_acquire) != NVT_RING_FREE)
            continue;
        /* A reused ring keeps its positions: its last owner's events are all released. */
        c->head = atomic_load_explicit(&c->ctl->head, memory_order_relaxed);
        c->cached_released = atomic_load_explicit(&c->ctl->released, memory_order_acquire);
        c->events = atomic_load_explicit(&c->ctl->events, memory_order_relaxed);
        c->dropped = atomic_load_explicit(&c->ctl->dropped, memory_order_relaxed);
        c->was_full = 0;
        /* ring_claim runs on the claiming thread: tap_tls is its own. */
        c->thread_id = tap_tls.has_thread_id ? tap_tls.thread_id : (uint32_t)syscall(SYS_gettid);
        atomic_store_explicit(&c->ctl->thread_id, c->thread_id, memory_order_relaxed);
        if (!c->prefaulted)
            ring_prefault(t, c);
        atomic_store_explicit(&c->ctl->state, NVT_RING_ACTIVE, memory_order_release);
        if (i >= atomic_load_explicit(&t->rings_used, memory_order_relaxed))
            atomic_store_explicit(&t->rings_used, i + 1, memory_order_release);
        r = c;
        break;
    }
    pthread_mutex_unlock(&t->lock);
    return r;
}

/* First call of a thread on this tap (or after it used another tap): find or assign its ring. */
static __attribute__((noinline)) struct tap_ring *ring_attach(struct nvt_tap *t)
{
    struct tap_ring *r = pthread_getspecific(t->key);
    for (;;) {
        if (r)
            break;
        uint64_t gen = atomic_load_explicit(&t->free_gen, memory_order_acquire);
        if (tap_tls.noring_tap_id == t->id && tap_tls.noring_gen == gen)
            return NULL; /* still no free ring: do not take the lock on every event */
        r = ring_claim(t);
        if (r) {
            pthread_setspecific(t->key, r);
            break;
        }
        if (t->full_policy != NVT_TAP_FULL_WAIT ||
            atomic_load_explicit(&t->writer_failed, memory_order_relaxed)) {
            tap_tls.noring_tap_id = t->id;
            tap_tls.noring_gen = gen;
            return NULL;
        }
        /* Lossless mode: wait for an exited thread's ring to be drained and freed. */
        while (atomic_load_explicit(&t->free_gen, memory_order_acquire) == gen &&
               !atomic_load_explicit(&t->writer_failed, memory_order_relaxed))
            sched_yield();
    }
    tap_tls.tap_id = t->id;
    tap_tls.ring = r;
    return r;
}

static inline struct tap_ring *thread_ring(struct nvt_tap *t)
{
    if (__builtin_expect(tap_tls.tap_id == t->id && tap_tls.ring != NULL, 1))
        return tap_tls.ring;
    return ring_attach(t);
}

void nvt_tap_set_thread_id(nvt_tap *tap, uint32_t id)
{
    /* Remembered for the thread: with no ring free now, the ring it takes later carries it. */
    tap_tls.thread_id = id;
    tap_tls.has_thread_id = 1;
    struct tap_ring *r = thread_ring(tap);
    if (r) {
        r->thread_id = id;
        atomic_store_explicit(&r->ctl->thread_id, id, memory_order_relaxed);
    }
}

/* An entry being written: its record body, and the head that publishes it. */
struct tap_slot {
    struct tap_ring *ring;
    struct nvt_ring_entry *entry;
    uint8_t *body;
    uint32_t rec_len;
    uint64_t new_head;
};

static __attribute__((noinline)) void count_drop(struct nvt_tap *t, struct tap_ring *r)
{
    if (!r) {
        atomic_fetch_add_explicit(&t->hdr->noring_dropped, 1, memory_order_relaxed);
        return;
    }
    /* Only this thread writes its ring's counters: a plain store, no locked instruction. */
    r->dropped++;
    atomic_store_explicit(&r->ctl->dropped, r->dropped, memory_order_relaxed);
    if (!r->was_full) {
        r->was_full = 1;
        uint64_t o = atomic_load_explicit(&r->ctl->overflows, memory_order_relaxed);
        atomic_store_explicit(&r->ctl->overflows, o + 1, memory_order_relaxed);
    }
}

/* NVT_TAP_FULL_WAIT: wait for the writer to release space. Returns 0 when end fits, -1 if the
 * writer has failed (it will never release anything again). */
static __attribute__((noinline)) int wait_for_space(struct nvt_tap *t, struct tap_ring *r,
                                                    uint64_t end)
{
    for (unsigned spins = 0;; spins++) {
        if (atomic_load_explicit(&t->writer_failed, memory_order_relaxed))
            return -1;
        r->cached_released = atomic_load_explicit(&r->ctl->released, memory_order_acquire);
        if (end - r->cached_released <= t->ring_size)
            return 0;
        if (spins < 256) {
#ifdef NVT_TAP_HAVE_TSC
            _mm_pause();
#endif
        } else if (spins < 512) {
            sched_yield();
        } else {
            /* Sleep rather than spin: on a small machine the writer may need this CPU to
             * free the space we wait for. It releases a quarter ring at a time, so a short
             * nap costs little throughput. */
            struct timespec nap = {0, 20000};
            nanosleep(&nap, NULL);
        }
    }
}

/* Every field is stored as whole little-endian 64-bit words (record offsets 0, 8, 16, ...): the
 * entry check in slot_commit reads the record back in such words, and a load that spans
 * several smaller stores cannot be forwarded from the store buffer (it stalls until they reach
 * the cache: measured +5 ns/event). */
/* Reserves an entry for a record of rec_len bytes (common header + body) and writes the
 * entry and common headers. Returns 0, or -1 if the event was dropped (and counted). */
/* Inlined into every recording call: a call and a spilled struct tap_slot cost more than
 * the copy itself. */
static inline __attribute__((always_inline)) int slot_begin(nvt_tap_dev *dev, uint8_t type,
                                                            uint16_t flags, uint32_t rec_len,
                                                            struct tap_slot *s)
{
    struct nvt_tap *t = dev->tap;
    uint64_t ticks = tap_ticks(t);
    struct tap_ring *r = thread_ring(t);
    if (__builtin_expect(r == NULL, 0)) {
        count_drop(t, NULL);
        return -1;
    }
    uint64_t size = t->ring_size;
    uint64_t need = nvt_ring_entry_size(rec_len);
    uint64_t head = r->head;
    uint64_t off = head & (size - 1);
    uint64_t skip = off + need > size ? size - off : 0;
    uint64_t end = head + skip + need;
    if (__builtin_expect(end - r->cached_released > size, 0)) {
        r->cached_released = atomic_load_explicit(&r->ctl->released, memory_order_acquire);
        if (end - r->cached_released > size &&
            (t->full_policy != NVT_TAP_FULL_WAIT || wait_for_space(t, r, end) < 0)) {
            count_drop(t, r);
            return -1;
        }
    }
    r->was_full = 0;
    if (skip >= NVT_RING_ENTRY_HDR) {
        struct nvt_ring_entry *pad = (struct nvt_ring_entry *)(r->data + off);
        pad->rec_len = (uint32_t)(skip - NVT_RING_ENTRY_HDR);
        pad->device = 0;
        pad->kind = NVT_RING_ENTRY_PAD;
        pad->tsc = ticks;
    }
    struct nvt_ring_entry *e = (struct nvt_ring_entry *)(r->data + ((head + skip) & (size - 1)));
    e->rec_len = rec_len;
    e->device = dev->index;
    e->kind = NVT_RING_ENTRY_RECORD;
    e->tsc = ticks;
    uint8_t *rec = (uint8_t *)(e + 1);
    put64(rec, NVT_SCHEMA_VERSION | (uint64_t)type << 8 | (uint64_t)flags << 16 |
                   (uint64_t)r->thread_id << 32);
    put64(rec + 8, NVT_RING_SEQ_UNASSIGNED);
    s->ring = r;
    s->entry = e;
    s->body = rec + NVT_HDR_LEN;
    s->rec_len = rec_len;
    s->new_head = end;
    return 0;
}

/* Publishes the entry: the writer (and a recovery after a crash) sees it from now on. */
static inline __attribute__((always_inline)) int slot_commit(struct tap_slot *s)
{
    struct tap_ring *r = s->ring;
    /* The check goes in before the head is published: an entry recovery sees has its check. */
    s->entry->check = nvt_ring_entry_check(s->entry, (const uint8_t *)(s->entry + 1), s->rec_len);
    r->head = s->new_head;
    atomic_store_explicit(&r->ctl->head, s->new_head, memory_order_release);
    r->events++;
    atomic_store_explicit(&r->ctl->events, r->events, memory_order_relaxed);
    return 0;
}

static int record_cfg(nvt_tap_dev *dev, uint8_t type, uint16_t offset, uint8_t size,
                      uint32_t value)
{
    struct tap_slot s;
    if (slot_begin(dev, type, 0, NVT_HDR_LEN + NVT_BODY_CFG_LEN, &s) < 0)
        return -1;
    put64(s.body, offset | (uint64_t)size << 16 | (uint64_t)value << 32);
    return slot_commit(&s);
}

int nvt_tap_cfg_read(nvt_tap_dev *dev, uint16_t offset, uint8_t size, uint32_t value)
{
    return record_cfg(dev, NVT_EV_CFG_READ, offset, size, value);
}

int nvt_tap_cfg_write(nvt_tap_dev *dev, uint16_t offset, uint8_t size, uint32_t value)
{
    return record_cfg(dev, NVT_EV_CFG_WRITE, offset, size, value);
}

static int record_mmio(nvt_tap_dev *dev, uint8_t type, uint8_t bar, uint32_t offset,
                       uint8_t size, uint64_t value, uint64_t gpa)
{
    struct tap_slot s;
    if (slot_begin(dev, type, 0, NVT_HDR_LEN + NVT_BODY_MMIO_LEN, &s) < 0)
        return -1;
    put64(s.body, bar | (uint64_t)size << 8 | (uint64_t)offset << 32);
    put64(s.body + 8, value);
    put64(s.body + 16, gpa);
    return slot_commit(&s);
}

int nvt_tap_mmio_read(nvt_tap_dev *dev, uint8_t bar, uint32_t offset, uint8_t size,
                      uint64_t value, uint64_t gpa)
{
    return record_mmio(dev, NVT_EV_MMIO_READ, bar, offset, size, value, gpa);
}

int nvt_tap_mmio_write(nvt_tap_dev *dev, uint8_t bar, uint32_t offset, uint8_t size,
                       uint64_t value, uint64_t gpa)
{
    return record_mmio(dev, NVT_EV_MMIO_WRITE, bar, offset, size, value, gpa);
}

static int record_bar(nvt_tap_dev *dev, uint8_t type, uint8_t bar, uint8_t flags,
                      uint64_t addr, uint64_t size)
{
    struct tap_slot s;
    if (slot_begin(dev, type, 0, NVT_HDR_LEN + NVT_BODY_BAR_LEN, &s) < 0)
        return -1;
    put64(s.body, bar | (uint64_t)flags << 8);
    put64(s.body + 8, addr);
    put64(s.body + 16, size);
    return slot_commit(&s);
}

int nvt_tap_bar_map(nvt_tap_dev *dev, uint8_t bar, uint8_t flags, uint64_t addr, uint64_t size)
{
    return record_bar(dev, NVT_EV_BAR_MAP, bar, flags, addr, size);
}

int nvt_tap_bar_unmap(nvt_tap_dev *dev, uint8_t bar, uint8_t flags, uint64_t addr, uint64_t size)
{
    return record_bar(dev, NVT_EV_BAR_UNMAP, bar, flags, addr, size);
}

int nvt_tap_doorbell(nvt_tap_dev *dev, uint16_t qid, int is_cq, uint32_t value)
{
    struct tap_slot s;
    if (slot_begin(dev, NVT_EV_DOORBELL, 0, NVT_HDR_LEN + NVT_BODY_DOORBELL_LEN, &s) < 0)
        return -1;
    put64(s.body, qid | (uint64_t)(is_cq ? 1 : 0) << 16 | (uint64_t)value << 32);
    return slot_commit(&s);
}

int nvt_tap_msix_access(nvt_tap_dev *dev, uint16_t entry, uint8_t field, int is_write,
                        uint32_t value)
{
    struct tap_slot s;
    if (slot_begin(dev, NVT_EV_MSIX_ACCESS, 0, NVT_HDR_LEN + NVT_BODY_MSIX_ACCESS_LEN, &s) < 0)
        return -1;
    put64(s.body, entry | (uint64_t)field << 16 | (uint64_t)(is_write ? 1 : 0) << 24 |
                      (uint64_t)value << 32);
    return slot_commit(&s);
}

int nvt_tap_msix_ctrl(nvt_tap_dev *dev, int enabled, int masked, uint16_t table_size,
                      uint32_t msgctl)
{
    struct tap_slot s;
    if (slot_begin(dev, NVT_EV_MSIX_CTRL, 0, NVT_HDR_LEN + NVT_BODY_MSIX_CTRL_LEN, &s) < 0)
        return -1;
    put64(s.body, (uint64_t)(enabled ? 1 : 0) | (uint64_t)(masked ? 1 : 0) << 8 |
                      (uint64_t)table_size << 16 | (uint64_t)msgctl << 32);
    return slot_commit(&s);
}

int nvt_tap_interrupt(nvt_tap_dev *dev, uint8_t kind, uint16_t vector, uint32_t data,
                      uint64_t addr)
{
    struct tap_slot s;
    if (slot_begin(dev, NVT_EV_INTERRUPT, 0, NVT_HDR_LEN + NVT_BODY_INTERRUPT_LEN, &s) < 0)
        return -1;
    put64(s.body, kind | (uint64_t)vector << 16 | (uint64_t)data << 32);
    put64(s.body + 8, addr);
    return slot_commit(&s);
}

int nvt_tap_submission(nvt_tap_dev *dev, uint16_t sqid, uint16_t slot, const void *sqe)
{
    struct tap_slot s;
    if (slot_begin(dev, NVT_EV_SUBMISSION, 0, NVT_HDR_LEN + NVT_BODY_SUBMISSION_LEN, &s) < 0)
        return -1;
    put64(s.body, sqid | (uint64_t)slot << 16);
    put64(s.body + 8, UINT64_MAX); /* every byte of a raw SQE is known */
    memcpy(s.body + 16, sqe, NVT_SQE_LEN);
    return slot_commit(&s);
}

int nvt_tap_completion(nvt_tap_dev *dev, uint16_t cqid, uint16_t slot, const void *cqe)
{
    struct tap_slot s;
    if (slot_begin(dev, NVT_EV_COMPLETION, 0, NVT_HDR_LEN + NVT_BODY_COMPLETION_LEN, &s) < 0)
        return -1;
    put64(s.body, cqid | (uint64_t)slot << 16 | (uint64_t)0xffff << 32); /* every CQE byte known */
    memcpy(s.body + 8, cqe, NVT_CQE_LEN);
    return slot_commit(&s);
}

static int record_dma(nvt_tap_dev *dev, uint8_t type, uint64_t gpa, const void *data,
                      uint32_t len, uint16_t sqid, uint16_t cid)
{
    uint32_t caplen = len < dev->tap->snaplen ? len : dev->tap->snaplen;
    uint16_t flags = caplen < len ? NVT_F_TRUNCATED : 0;
    struct tap_slot s;
    if (slot_begin(dev, type, flags, NVT_HDR_LEN + NVT_BODY_DMA_LEN + caplen, &s) < 0)
        return -1;
    put64(s.body, gpa);
    put64(s.body + 8, len | (uint64_t)caplen << 32);
    put64(s.body + 16, sqid | (uint64_t)cid << 16);
    if (caplen)
        memcpy(s.body + NVT_BODY_DMA_LEN, data, caplen);
    return slot_commit(&s);
}

int nvt_tap_dma_read(nvt_tap_dev *dev, uint64_t gpa, const void *data, uint32_t len,
                     uint16_t sqid, uint16_t cid)
{
    return record_dma(dev, NVT_EV_DMA_READ, gpa, data, len, sqid, cid);
}

int nvt_tap_dma_write(nvt_tap_dev *dev, uint64_t gpa, const void *data, uint32_t len,
                      uint16_t sqid, uint16_t cid)
{
    return record_dma(dev, NVT_EV_DMA_WRITE, gpa, data, len, sqid, cid);
}

int nvt_tap_ctrl_state(nvt_tap_dev *dev, uint8_t state, uint32_t value)
{
    struct tap_slot s;
    if (slot_begin(dev, NVT_EV_CTRL_STATE, 0, NVT_HDR_LEN + NVT_BODY_CTRL_STATE_LEN, &s) < 0)
        return -1;
    put64(s.body, state | (uint64_t)value << 32);
    return slot_commit(&s);
}

/* Cuts a UTF-8 text at max bytes without splitting a character. */
static size_t utf8_cut(const char *text, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
        n--;
    return n;
}

int nvt_tap_annotate(nvt_tap_dev *dev, uint8_t level, const char *text)
{
    size_t len = utf8_cut(text, strlen(text), NVT_TAP_ANNOTATION_MAX);
    struct tap_slot s;
    if (slot_begin(dev, NVT_EV_ANNOTATION, 0,
                   (uint32_t)(NVT_HDR_LEN + NVT_BODY_ANNOTATION_LEN + len), &s) < 0)
        return -1;
    s.body[0] = level;
    s.body[1] = 0;
    put16(s.body + 2, (uint16_t)len);
    memcpy(s.body + NVT_BODY_ANNOTATION_LEN, text, len);
    return slot_commit(&s);
}

int nvt_tap_annotatef(nvt_tap_dev *dev, uint8_t level, const char *fmt, ...)
{
    char text[NVT_TAP_ANNOTATION_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n < 0)
        text[0] = '\0';
    return nvt_tap_annotate(dev, level, text);
}

/*
 * The writer thread: drains the per-thread rings into the trace.
 *
 * Each round snapshots every ring's head, then merges the entries up to the snapshots by
 * timestamp (each ring is in its thread's order already; across threads the order is by TSC,
 * within one round). Every record gets its seq here, written into the ring first and then
 * into the trace, so that after a crash recovery can tell which ring records the trace holds.
 * A ring's released index moves only after nvt_writer_flush returned for everything before
 * it: until then the ring is the only copy the kernel is sure to have.
 *
 * Flushes happen every flush_ms, and earlier when a ring has a quarter of its size consumed
 * but not released (producers see a ring as full when head - released reaches its size).
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <stdio.h>
#include <string.h>

#include "tap_internal.h"

/* Longest round: the flush and drop checks between rounds must not wait for a huge backlog. */
#define ROUND_MAX_RECORDS 65536
/* Idle naps: short right after work (a producer that waited for space refills the ring in
 * about a millisecond), doubling up to 1 ms while nothing comes, so an idle capture costs
 * about a thousand wake-ups a second. */
#define NAP_MIN_NS 20000
#define NAP_MAX_NS 1000000

/* The entry at the ring's tail, skipping padding; NULL if the ring is drained up to its
 * snapshot. */
static struct nvt_ring_entry *ring_front(struct nvt_tap *t, uint32_t i)
{
    struct tap_drain *d = &t->drain[i];
    uint64_t size = t->ring_size;
    while (d->tail < d->limit) {
        uint64_t off = d->tail & (size - 1);
        if (size - off < NVT_RING_ENTRY_HDR) {
            d->tail += size - off;
            continue;
        }
        struct nvt_ring_entry *e = (struct nvt_ring_entry *)(t->rings[i].data + off);
        if (e->kind == NVT_RING_ENTRY_PAD) {
            d->tail += size - off;
            continue;
        }
        return e;
    }
    return NULL;
}

static int write_devices(struct nvt_tap *t)
{
    uint32_t n = atomic_load_explicit(&t->hdr->device_count, memory_order_acquire);
    nvt_error err;
    while (t->devices_written < n) {
        nvt_device dev;
        nvt_ring_device_get(&t->hdr->devices[t->devices_written], &dev);
        if (nvt_writer_add_device(t->w, &dev, &err) < 0) {
            tap_fail(t, "%s", err.msg);
            return -1;
        }
        t->devices_written++;
    }
    return 0;
}

static int write_entry(struct nvt_tap *t, struct nvt_ring_entry *e)
{
    uint8_t *rec = (uint8_t *)(e + 1);
    if (e->device >= t->devices_written) {
        tap_fail(t, "%s: ring entry for device %u, only %u registered (corrupt ring?)",
                 t->ring_path, e->device, t->devices_written);
        return -1;
    }
    uint64_t seq = t->next_seq++;
    uint64_t le = seq;
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    le = __builtin_bswap64(le);
#endif
    /* The ring copy carries the seq before the trace does: recovery relies on that order. */
    __atomic_store_n((uint64_t *)(rec + 8), le, __ATOMIC_RELAXED);
    nvt_error err;
    if (nvt_writer_write_raw(t->w, e->device, nvt_ring_clock_ns(&t->clock, e->tsc), rec,
                             e->rec_len, &err) < 0) {
        tap_fail(t, "%s", err.msg);
        return -1;
    }
    t->written++;
    return 0;
}

/* One round: merges the rings' published entries by timestamp. Returns records written, or
 * -1 on a write failure. */
static long drain_round(struct nvt_tap *t)
{
    uint32_t used = atomic_load_explicit(&t->rings_used, memory_order_acquire);
    uint32_t active[NVT_RING_MAX_RINGS];
    uint32_t nactive = 0;
    for (uint32_t i = 0; i < used; i++) {
        t->drain[i].limit = atomic_load_explicit(&t->rings[i].ctl->head, memory_order_acquire);
        if (t->drain[i].tail < t->drain[i].limit)
            active[nactive++] = i;
    }
    /* After the heads: every device an entry up to them names is in the table by now. */
    if (write_devices(t) < 0)
        return -1;
    long n = 0;
    while (nactive > 0 && n < ROUND_MAX_RECORDS) {
        uint32_t best = 0;
        struct nvt_ring_entry *best_e = NULL;
        for (uint32_t k = 0; k < nactive;) {
            struct nvt_ring_entry *e = ring_front(t, active[k]);
            if (!e) {
                active[k] = active[--nactive];
                continue;
            }
            if (!best_e || (int64_t)(e->tsc - best_e->tsc) < 0) {
                best_e = e;
                best = active[k];
            }
            k++;
        }
        if (!best_e)
            break;
        if (write_entry(t, best_e) < 0)
            return -1;
        t->drain[best].tail += nvt_ring_entry_size(best_e->rec_len);
        n++;
    }
    return n;
}

static void sum_drops(struct nvt_tap *t, uint64_t *dropped, uint64_t *overflows)
{
    uint64_t d = atomic_load_explicit(&t->hdr->noring_dropped, memory_order_relaxed);
    uint64_t o = 0;
    uint32_t used = atomic_load_explicit(&t->rings_used, memory_order_acquire);
    for (uint32_t i = 0; i < used; i++) {
        d += atomic_load_explicit(&t->rings[i].ctl->dropped, memory_order_relaxed);
        o += atomic_load_explicit(&t->rings[i].ctl->overflows, memory_order_relaxed);
    }
    *dropped = d;
    *overflows = o;
}

static int drops_changed(struct nvt_tap *t)
{
    uint64_t dropped, overflows;
    sum_drops(t, &dropped, &overflows);
    return dropped != t->stats_dropped || overflows != t->stats_overflows;
}

/* Writes a capture-statistics record if the drop counts changed (or always, at close).
 * Needs a device to attach it to; with none registered nothing can have been recorded. */
static int write_stats(struct nvt_tap *t, int always)
{
    uint64_t dropped, overflows;
    sum_drops(t, &dropped, &overflows);
    if (!always && dropped == t->stats_dropped && overflows == t->stats_overflows)
        return 0;
    if (t->devices_written == 0)
        return 0;
    nvt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = NVT_EV_CAPTURE_STATS;
    ev.device = 0;
    ev.seq = t->next_seq++;
    ev.ts_ns = nvt_ring_clock_ns(&t->clock, tap_ticks(t));
    ev.u.stats.recorded = t->written;
    ev.u.stats.dropped = dropped;
    ev.u.stats.overflows = overflows;
    nvt_error err;
    if (nvt_writer_write(t->w, &ev, NULL, &err) < 0) {
        tap_fail(t, "%s", err.msg);
        return -1;
    }
    t->stats_dropped = dropped;
    t->stats_overflows = overflows;
    t->stats_written = 1;
    return 0;
}

/* Pushes everything written to the kernel, then lets producers reuse what it covered. */
static int flush_and_release(struct nvt_tap *t)
{
    nvt_error err;
    if (nvt_writer_flush(t->w, &err) < 0) {
        tap_fail(t, "%s", err.msg);
        return -1;
    }
    uint32_t used = atomic_load_explicit(&t->rings_used, memory_order_acquire);
    for (uint32_t i = 0; i < used; i++)
        atomic_store_explicit(&t->rings[i].ctl->released, t->drain[i].tail,
                              memory_order_release);
    return 0;
}

/* 1 if some ring has a quarter of its size consumed but not yet released. */
static int release_pressing(struct nvt_tap *t)
{
    uint32_t used = atomic_load_explicit(&t->rings_used, memory_order_acquire);
    for (uint32_t i = 0; i < used; i++) {
        uint64_t released = atomic_load_explicit(&t->rings[i].ctl->released,
                                                 memory_order_relaxed);
        if (t->drain[i].tail - released >= t->ring_size / 4)
            return 1;
    }
    return 0;
}

/* Frees the rings of exited threads once everything in them is in the kernel. */
static void reclaim_rings(struct nvt_tap *t)
{
    uint32_t used = atomic_load_explicit(&t->rings_used, memory_order_acquire);
    for (uint32_t i = 0; i < used; i++) {
        struct nvt_ring_ctl *c = t->rings[i].ctl;
        if (atomic_load_explicit(&c->state, memory_order_acquire) != NVT_RING_EXITED)
            continue;
        uint64_t head = atomic_load_explicit(&c->head, memory_order_acquire);
        if (t->drain[i].tail == head &&
            atomic_load_explicit(&c->released, memory_order_relaxed) == head) {
            atomic_store_explicit(&c->state, NVT_RING_FREE, memory_order_release);
            atomic_fetch_add_explicit(&t->free_gen, 1, memory_order_release);
        }
    }
}

void *tap_writer_main(void *arg)
{
    struct nvt_tap *t = arg;
    pthread_setname_np(pthread_self(), "nvt-tap-writer"); /* for top -H, perf */
    uint64_t last_flush = tap_monotonic_ns();
    long nap = NAP_MIN_NS;
    int dirty = 0; /* written since the last flush */
    int failed = 0;
    for (;;) {
        int stopping = atomic_load_explicit(&t->stop, memory_order_acquire);
        long n = failed ? 0 : drain_round(t);
        if (n < 0) {
            failed = 1;
            n = 0;
        }
        dirty |= n > 0;
        uint64_t now = tap_monotonic_ns();
        if (!failed && (dirty || drops_changed(t)) &&
            (now - last_flush >= t->flush_ns || release_pressing(t))) {
            /* Drop counts go out at most once per flush: a ring that stays full does not
             * flood the trace with statistics. */
            if (write_stats(t, 0) < 0 || flush_and_release(t) < 0)
                failed = 1;
            dirty = 0;
            last_flush = now;
        }
        if (failed) {
            /* Stop releasing: what the trace lacks stays in the ring for recovery. */
            atomic_store_explicit(&t->writer_failed, 1, memory_order_release);
        } else {
            reclaim_rings(t);
            tap_clock_servo(t);
        }
        /* The producers are done once close set stop: a round that finds nothing after that
         * has drained everything. */
        if (stopping && n == 0)
            break;
        if (n == 0) {
            struct timespec idle = {0, nap};
            nanosleep(&idle, NULL);
            nap = nap * 2 > NAP_MAX_NS ? NAP_MAX_NS : nap * 2;
        } else {
            nap = NAP_MIN_NS;
        }
    }
    if (!failed && (write_stats(t, 1) < 0 || flush_and_release(t) < 0))
        failed = 1;
    if (failed)
        atomic_store_explicit(&t->writer_failed, 1, memory_order_release);
    return NULL;
}

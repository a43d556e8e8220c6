/* libnvmetap internals shared by tap.c (open/close, devices), tap_record.c (the hot path),
 * tap_writer.c (the writer thread) and tap_clock.c (TSC calibration). */
#ifndef NVT_TAP_INTERNAL_H
#define NVT_TAP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define NVT_TAP_HAVE_TSC 1
#endif

#include "nvmetap.h"
#include "nvmetrace/format.h"
#include "tap_ring.h"

#define TAP_DEFAULT_RING_SIZE (4u << 20)
#define TAP_DEFAULT_MAX_THREADS 32u
#define TAP_DEFAULT_SNAPLEN 4096u
#define TAP_DEFAULT_FLUSH_MS 20u
#define TAP_DEFAULT_ZSTD_LEVEL 1

/* Per-ring state kept in process memory. The producer half is touched only by the thread
 * that owns the ring; the writer keeps its own cursor in struct tap_drain. */
struct tap_ring {
    struct nvt_ring_ctl *ctl;
    uint8_t *data;
    uint64_t head;            /* producer's copy of ctl->head */
    uint64_t cached_released; /* last ctl->released seen: refreshed only when the ring
                               * looks full, so the hot path rarely reads the writer's line */
    uint64_t events;          /* producer's copy of ctl->events */
    uint64_t dropped;         /* producer's copy of ctl->dropped */
    uint32_t thread_id;
    int was_full;             /* the previous call found the ring full (overflow episode) */
    int prefaulted;
} __attribute__((aligned(64)));

/* Writer-side cursor of a ring. */
struct tap_drain {
    uint64_t tail;  /* next byte to read; everything before it was handed to nvt_writer */
    uint64_t limit; /* head snapshot for the current batch */
};

struct nvt_tap_dev {
    struct nvt_tap *tap;
    uint16_t index;
};

struct nvt_tap {
    /* read by the hot path; written only at open */
    uint64_t id;              /* unique per tap in the process, never reused */
    int use_tsc;
    int full_policy;
    uint32_t ring_size;
    uint32_t snaplen;
    struct nvt_ring_header *hdr;
    struct tap_ring *rings;
    uint32_t ring_count;
    pthread_key_t key;        /* thread -> its struct tap_ring; destructor marks it EXITED */
    _Atomic int writer_failed;
    _Atomic uint64_t free_gen; /* bumped when a ring becomes free again */

    /* slow path: thread registration, devices */
    pthread_mutex_t lock;
    _Atomic uint32_t rings_used; /* rings [0, rings_used) have been handed out at least once */
    struct nvt_tap_dev devs[NVT_RING_MAX_DEVICES];
    char emulator[96];

    /* the mapping */
    int ring_fd;
    void *map;
    size_t map_size;
    char *path;
    char *ring_path;

    /* writer thread */
    pthread_t writer_thread;
    _Atomic int stop;
    nvt_writer *w;
    struct tap_drain *drain;
    uint64_t flush_ns;
    uint64_t next_seq;
    uint32_t devices_written;
    uint64_t written;             /* ring records handed to nvt_writer */
    uint64_t stats_dropped, stats_overflows; /* counts in the last capture-stats record */
    int stats_written;
    char errmsg[NVT_TAP_ERRBUF_SIZE];

    /* clock (writer-owned after open; see tap_clock.c) */
    struct nvt_ring_clock clock;
    uint64_t base_tsc, base_ns;   /* first calibration point: the long baseline */
    uint64_t last_servo_ns;
};

/* Ticks for event timestamps: the TSC where it is invariant, CLOCK_MONOTONIC otherwise. */
static inline uint64_t tap_ticks(const struct nvt_tap *t)
{
#ifdef NVT_TAP_HAVE_TSC
    if (__builtin_expect(t->use_tsc, 1))
        return __rdtsc();
#endif
    (void)t;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t tap_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* tap_clock.c */
/* Chooses the tick source and measures ticks against CLOCK_REALTIME (~10 ms); fills
 * t->clock and publishes it in the ring header. */
void tap_clock_calibrate(struct nvt_tap *t);
/* Called by the writer about once a second: refines the rate over the whole capture and
 * steers the conversion back to CLOCK_REALTIME without a jump. */
void tap_clock_servo(struct nvt_tap *t);

/* tap_writer.c */
void *tap_writer_main(void *arg);

/* tap_record.c */
/* pthread key destructor: the thread's ring becomes EXITED (freed by the writer once drained). */
void tap_thread_exit(void *ring);

/* tap.c: formats a message into t->errmsg (first failure wins) */
void tap_fail(struct nvt_tap *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

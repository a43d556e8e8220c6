/*
 * Event timestamps: the hot path stores raw ticks (rdtsc, ~10 ns, against ~26 ns for
 * clock_gettime on kvm-clock); the writer converts them to CLOCK_REALTIME nanoseconds with a
 * linear segment {tsc, ns, mult} that is also published in the ring file so that recovery
 * converts the same way.
 *
 * Open measures the rate over ~10 ms. About once a second the writer measures it again over
 * the whole capture so far (a longer baseline, so a smaller error) and starts a new segment
 * at the current converted time - continuous, so timestamps never jump back - whose slope also
 * pulls any accumulated offset from CLOCK_REALTIME back within the next second, by at most
 * 500 ppm. Only a large step of the system clock (> 100 ms, e.g. settimeofday) is followed
 * by a jump.
 */
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "tap_internal.h"

static uint64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One (ticks, realtime) pair: the realtime read bracketed by two tick reads, best of a few
 * tries (the narrowest bracket was least disturbed by an interrupt or a preemption). */
static void clock_sample(const struct nvt_tap *t, uint64_t *ticks, uint64_t *ns)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 7; i++) {
        uint64_t a = tap_ticks(t);
        uint64_t n = realtime_ns();
        uint64_t b = tap_ticks(t);
        if (b - a < best) {
            best = b - a;
            *ticks = a + (b - a) / 2;
            *ns = n;
        }
    }
}

/* 32.32 fixed-point nanoseconds per tick from two points. */
static uint64_t rate(uint64_t dticks, uint64_t dns)
{
    if (dticks == 0)
        return (uint64_t)1 << 32;
    return (uint64_t)(((unsigned __int128)dns << 32) / dticks);
}

/* Copies the writer's segment to the ring header for recovery (seqlock: odd = being
 * rewritten; a recovery that finds it odd knows the process died mid-update). */
static void clock_publish(struct nvt_tap *t)
{
    struct nvt_ring_header *h = t->hdr;
    uint32_t s = atomic_load_explicit(&h->clock_seq, memory_order_relaxed);
    atomic_store_explicit(&h->clock_seq, s + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    h->clock = t->clock;
    atomic_store_explicit(&h->clock_seq, s + 2, memory_order_release);
}

static int tsc_is_invariant(void)
{
#if defined(__x86_64__) || defined(__i386__)
    const char *force = getenv("NVT_TAP_CLOCK");
    if (force && strcmp(force, "monotonic") == 0)
        return 0;
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(0x80000000u, &eax, &ebx, &ecx, &edx) || eax < 0x80000007u)
        return 0;
    __get_cpuid(0x80000007u, &eax, &ebx, &ecx, &edx);
    return (edx >> 8) & 1; /* Invariant TSC: constant rate, runs in every C/P-state */
#else
    return 0;
#endif
}

void tap_clock_calibrate(struct nvt_tap *t)
{
    t->use_tsc = tsc_is_invariant();
    uint64_t t0, n0, t1, n1;
    clock_sample(t, &t0, &n0);
    if (t->use_tsc) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    clock_sample(t, &t1, &n1);
    t->base_tsc = t0;
    t->base_ns = n0;
    /* CLOCK_MONOTONIC ticks are nanoseconds already. */
    t->clock.mult = t->use_tsc ? rate(t1 - t0, n1 - n0) : (uint64_t)1 << 32;
    t->clock.tsc = t1;
    t->clock.ns = n1;
    t->last_servo_ns = n1;
    clock_publish(t);
}

void tap_clock_servo(struct nvt_tap *t)
{
    if (realtime_ns() - t->last_servo_ns < 1000000000u)
        return;
    uint64_t ticks, now;
    clock_sample(t, &ticks, &now);
    uint64_t converted = nvt_ring_clock_ns(&t->clock, ticks);
    int64_t err = (int64_t)(now - converted); /* > 0: our clock runs behind */
    if (err > 100000000 || err < -100000000) {
        /* The system clock was stepped: follow it, and start a new baseline. */
        t->base_tsc = ticks;
        t->base_ns = now;
        t->clock.tsc = ticks;
        t->clock.ns = now;
    } else {
        uint64_t mult = t->use_tsc ? rate(ticks - t->base_tsc, now - t->base_ns)
                                   : (uint64_t)1 << 32;
        /* Absorb err over the next second: scale the rate by (1 s + err) / 1 s. */
        int64_t ppm_limit = 500000; /* 500 ppm of 1 s, in ns */
        int64_t steer = err > ppm_limit ? ppm_limit : err < -ppm_limit ? -ppm_limit : err;
        __int128 adj = (__int128)mult * steer / 1000000000;
        t->clock.mult = (uint64_t)((__int128)mult + adj);
        t->clock.tsc = ticks;
        t->clock.ns = converted;
    }
    t->last_servo_ns = now;
    clock_publish(t);
}

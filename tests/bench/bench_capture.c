/*
 * nvt-bench-capture: the capture path's numbers in one run (docs/performance.md).
 *
 *   1. shim hot path, ns/event (median, p99), 1 and 2 recording threads
 *   2. the baseline: the same events as text lines the way QEMU's "log" trace backend
 *      writes them (gettid + gettimeofday + fprintf + fflush under the FILE lock), ns/event
 *   3. sustained events/s through the shim into a plain and a zstd file, lossless
 *   4. reader events/s over those files
 *
 * A benchmark, not a test: it prints figures and checks targets in words, and fails only if
 * something it runs fails (a write, a read, a lost event). --quick runs small counts so the
 * suite can keep it from rotting.
 *
 * usage: nvt-bench-capture [--quick] [--events N] [--dir DIR] [--keep] [--only hot|text|sustained]
 * (--only runs one part, e.g. under perf; "sustained" includes the reader)
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
#endif

#include "nvmetap.h"
#include "nvmetrace/format.h"

/* One NVMe I/O as a device model sees it: the doorbell register write, the doorbell, the
 * SQE fetch, the CQE post, the MSI-X message, the CQ head doorbell. */
#define MIX 6

static const char *dir = "/tmp";
static int quick, keep;
static const char *only = "";
static uint64_t hot_events = 1000000;      /* per thread */
static uint64_t sustained_events = 20000000;
static uint64_t text_events = 300000;
static int failures;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- per-call timing: ticks around one mix of 6 calls ---- */

static inline uint64_t stamp(void)
{
#ifdef HAVE_TSC
    _mm_lfence();
    uint64_t t = __rdtsc();
    _mm_lfence();
    return t;
#else
    return now_ns();
#endif
}

static double ns_per_tick = 1.0;

static void calibrate_ticks(void)
{
#ifdef HAVE_TSC
    uint64_t n0 = now_ns(), t0 = stamp();
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
    uint64_t n1 = now_ns(), t1 = stamp();
    ns_per_tick = (double)(n1 - n0) / (double)(t1 - t0);
#endif
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct dist {
    double median, p99;
};

/* Sorts samples in place. */
static struct dist distribution(double *v, size_t n)
{
    struct dist d = {0, 0};
    if (n == 0)
        return d;
    qsort(v, n, sizeof *v, cmp_double);
    d.median = v[n / 2];
    d.p99 = v[(size_t)((double)n * 0.99)];
    return d;
}

/* Cost of the two stamps themselves, subtracted from every sample. */
static double stamp_overhead_ticks(void)
{
    enum { N = 100001 };
    static double v[N];
    for (int i = 0; i < N; i++) {
        uint64_t a = stamp();
        uint64_t b = stamp();
        v[i] = (double)(b - a);
    }
    return distribution(v, N).median;
}

/* ---- the recorded events ---- */

static uint8_t sqe[64], cqe[16];

static inline int record_mix(nvt_tap_dev *dev, uint32_t i)
{
    int dropped = 0;
    uint16_t qid = (uint16_t)(1 + (i & 3));
    uint16_t tail = (uint16_t)(i & 1023);
    sqe[0] = 0x02;
    memcpy(sqe + 2, &tail, 2); /* the CID changes with every command */
    memcpy(cqe + 12, &tail, 2);
    dropped += nvt_tap_mmio_write(dev, 0, 0x1000u + 8u * qid, 4, tail, 0xfebf1000u + 8u * qid) < 0;
    dropped += nvt_tap_doorbell(dev, qid, 0, tail) < 0;
    dropped += nvt_tap_submission(dev, qid, tail, sqe) < 0;
    dropped += nvt_tap_completion(dev, qid, tail, cqe) < 0;
    dropped += nvt_tap_interrupt(dev, NVT_TAP_IRQ_MSIX, qid, 0x4020u + qid, 0xfee00000u) < 0;
    dropped += nvt_tap_doorbell(dev, qid, 1, tail) < 0;
    return dropped;
}

/* The same six events as QEMU's log backend prints them (trace-events of hw/nvme and
 * hw/pci, QEMU 7.2): each line gets gettid(), gettimeofday() and a vfprintf under the
 * FILE lock, then an fflush, which is what qemu_log() does (qemu_log_unlock() flushes, so
 * every line is a write() system call). */
static void text_line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_line(FILE *f, const char *fmt, ...)
{
    struct timeval now;
    gettimeofday(&now, NULL);
    flockfile(f);
    fprintf(f, "%d@%zu.%06zu:", (int)syscall(SYS_gettid), (size_t)now.tv_sec,
            (size_t)now.tv_usec);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fflush(f);
    funlockfile(f);
}

static inline void text_mix(FILE *f, uint32_t i)
{
    unsigned qid = 1 + (i & 3), tail = i & 1023;
    text_line(f, "pci_nvme_mmio_write addr 0x%x data 0x%x size %d\n", 0x1000 + 8 * qid, tail, 4);
    text_line(f, "pci_nvme_mmio_doorbell_sq sqid %u new_tail %u\n", qid, tail);
    text_line(f, "pci_nvme_io_cmd cid %u nsid 0x%x sqid %u opc 0x%x opname '%s'\n", tail, 1, qid,
              2, "NVME_NVM_CMD_READ");
    text_line(f, "pci_nvme_enqueue_req_completion cid %u cqid %u dw0 0x%x dw1 0x%x status 0x%x\n",
              tail, qid, 0, 0, 0);
    text_line(f, "pci_nvme_irq_msix raising MSI-X IRQ vector %u\n", qid);
    text_line(f, "pci_nvme_mmio_doorbell_cq cqid %u new_head %u\n", qid, tail);
}

/* ---- 1. hot path ---- */

struct hot_thread {
    nvt_tap *tap;
    nvt_tap_dev *dev;
    uint32_t vcpu;
    size_t nsamples;
    double *samples; /* ns per event, one per mix */
    uint64_t dropped;
    pthread_barrier_t *start;
};

static double overhead_ticks;

static void *hot_main(void *arg)
{
    struct hot_thread *h = arg;
    nvt_tap_set_thread_id(h->tap, h->vcpu); /* the slow path: ring assigned, pages touched */
    record_mix(h->dev, 0);
    pthread_barrier_wait(h->start);
    for (size_t s = 0; s < h->nsamples; s++) {
        uint64_t a = stamp();
        h->dropped += (uint64_t)record_mix(h->dev, (uint32_t)s);
        uint64_t b = stamp();
        double ticks = (double)(b - a) - overhead_ticks;
        h->samples[s] = (ticks < 0 ? 0 : ticks) * ns_per_tick / MIX;
    }
    return NULL;
}

static const nvt_tap_device_info bench_dev = {
    .bdf = "0000:00:04.0", .vendor_id = 0x1b36, .device_id = 0x0010, .class_code = 0x010802,
};

static const char *bench_path(const char *name)
{
    static char bufs[4][1024];
    static int k;
    char *b = bufs[k++ & 3];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

static void finish_file(const char *path)
{
    if (!keep)
        unlink(path);
}

static struct dist bench_hot(int nthreads, uint64_t *dropped)
{
    const char *path = bench_path(nthreads == 1 ? "bench-hot1.pcapng" : "bench-hot2.pcapng");
    char errbuf[NVT_TAP_ERRBUF_SIZE];
    /* Rings big enough for the whole burst: the figure is the call's cost, not the writer's
     * pace (that is the sustained figure). */
    uint32_t ring = 1u << 20;
    while (ring < hot_events * 64 && ring < (1u << 30))
        ring <<= 1;
    nvt_tap_opts o = {.ring_size = ring, .max_threads = (uint32_t)nthreads};
    nvt_tap *tap = nvt_tap_open(path, &o, errbuf);
    struct dist d = {0, 0};
    if (!tap) {
        fprintf(stderr, "nvt-bench-capture: %s\n", errbuf);
        failures++;
        return d;
    }
    nvt_tap_dev *dev = nvt_tap_add_device(tap, &bench_dev, errbuf);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)nthreads);
    struct hot_thread h[2];
    pthread_t th[2];
    size_t per = hot_events / MIX;
    double *all = malloc(sizeof *all * per * (size_t)nthreads);
    for (int k = 0; k < nthreads; k++) {
        h[k] = (struct hot_thread){tap, dev, (uint32_t)k, per, all + per * (size_t)k, 0, &start};
        pthread_create(&th[k], NULL, hot_main, &h[k]);
    }
    *dropped = 0;
    for (int k = 0; k < nthreads; k++) {
        pthread_join(th[k], NULL);
        *dropped += h[k].dropped;
    }
    pthread_barrier_destroy(&start);
    if (nvt_tap_close(tap, errbuf) < 0) {
        fprintf(stderr, "nvt-bench-capture: %s\n", errbuf);
        failures++;
    }
    d = distribution(all, per * (size_t)nthreads);
    free(all);
    finish_file(path);
    return d;
}

/* ---- 2. text baseline ---- */

static struct dist bench_text(void)
{
    const char *path = bench_path("bench-text.log");
    FILE *f = fopen(path, "w");
    struct dist d = {0, 0};
    if (!f) {
        fprintf(stderr, "nvt-bench-capture: %s: %s\n", path, strerror(errno));
        failures++;
        return d;
    }
    size_t per = text_events / MIX;
    double *v = malloc(sizeof *v * per);
    for (size_t s = 0; s < per; s++) {
        uint64_t a = stamp();
        text_mix(f, (uint32_t)s);
        uint64_t b = stamp();
        double ticks = (double)(b - a) - overhead_ticks;
        v[s] = (ticks < 0 ? 0 : ticks) * ns_per_tick / MIX;
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "nvt-bench-capture: %s: %s\n", path, strerror(errno));
        failures++;
    }
    d = distribution(v, per);
    free(v);
    finish_file(path);
    return d;
}

/* ---- 3. sustained ---- */

struct sustained {
    double events_per_s;
    double seconds;
    double writer_ns;   /* CPU time of the writer thread per event (user + system) */
    uint64_t bytes;
    uint64_t dropped;
};

static uint64_t process_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct sustained bench_sustained(const char *name)
{
    const char *path = bench_path(name);
    struct sustained r = {0, 0, 0, 0, 0};
    char errbuf[NVT_TAP_ERRBUF_SIZE];
    /* Lossless: the producer waits when its ring is full, so the rate is what the whole
     * pipeline (encode, compress, write) sustains with zero drops. */
    nvt_tap_opts o = {.full_policy = NVT_TAP_FULL_WAIT};
    uint64_t t0 = now_ns();
    nvt_tap *tap = nvt_tap_open(path, &o, errbuf);
    if (!tap) {
        fprintf(stderr, "nvt-bench-capture: %s\n", errbuf);
        failures++;
        return r;
    }
    nvt_tap_dev *dev = nvt_tap_add_device(tap, &bench_dev, errbuf);
    record_mix(dev, 0); /* ring assignment outside the timed part */
    uint64_t t1 = now_ns();
    /* The process is this thread and the tap's writer: the difference is the writer's CPU. */
    uint64_t cpu0 = process_cpu_ns(), self0 = thread_cpu_ns();
    uint64_t mixes = sustained_events / MIX;
    for (uint64_t i = 1; i < mixes; i++)
        r.dropped += (uint64_t)record_mix(dev, (uint32_t)i);
    nvt_tap_counters c;
    nvt_tap_get_counters(tap, &c);
    r.dropped += c.dropped;
    if (nvt_tap_close(tap, errbuf) < 0) {
        fprintf(stderr, "nvt-bench-capture: %s\n", errbuf);
        failures++;
    }
    uint64_t t2 = now_ns();
    uint64_t cpu1 = process_cpu_ns(), self1 = thread_cpu_ns();
    r.writer_ns = (double)((cpu1 - cpu0) - (self1 - self0)) / (double)((mixes - 1) * MIX);
    (void)t0;
    r.seconds = (double)(t2 - t1) / 1e9;
    r.events_per_s = (double)((mixes - 1) * MIX) / r.seconds;
    struct stat st;
    if (stat(path, &st) == 0)
        r.bytes = (uint64_t)st.st_size;
    if (r.dropped) {
        fprintf(stderr, "nvt-bench-capture: %s: %" PRIu64 " events dropped in lossless mode\n",
                path, r.dropped);
        failures++;
    }
    return r;
}

static int cmp_sustained(const void *a, const void *b)
{
    double x = ((const struct sustained *)a)->events_per_s;
    double y = ((const struct sustained *)b)->events_per_s;
    return x < y ? -1 : x > y;
}

static struct sustained sustained_median(const char *name, int runs, double *lo, double *hi)
{
    struct sustained r[5];
    if (runs > 5)
        runs = 5;
    for (int k = 0; k < runs; k++) {
        /* Start each run on a quiet disk: the previous run's file is deleted (its dirty pages
         * dropped, not written back) and whatever else is dirty is written out now, not by
         * kernel threads competing for the 2 CPUs during the measurement. */
        unlink(bench_path(name));
        sync();
        r[k] = bench_sustained(name);
    }
    qsort(r, (size_t)runs, sizeof r[0], cmp_sustained);
    *lo = r[0].events_per_s;
    *hi = r[runs - 1].events_per_s;
    return r[runs / 2];
}

/* ---- 4. reader ---- */

static double bench_reader(const char *name, uint64_t expect_events)
{
    const char *path = bench_path(name);
    nvt_error err;
    uint64_t t0 = now_ns();
    nvt_reader *r = nvt_reader_open(path, &err);
    if (!r) {
        fprintf(stderr, "nvt-bench-capture: %s\n", err.msg);
        failures++;
        return 0;
    }
    nvt_event ev;
    uint64_t n = 0, sum = 0;
    int rc;
    while ((rc = nvt_reader_next(r, &ev, &err)) == 1) {
        n++;
        sum += ev.seq; /* touch the decoded event */
    }
    uint64_t t1 = now_ns();
    nvt_reader_close(r);
    if (rc < 0) {
        fprintf(stderr, "nvt-bench-capture: %s\n", err.msg);
        failures++;
    }
    /* every recorded event, the ring-assignment mix and the final statistics */
    if (n != expect_events) {
        fprintf(stderr, "nvt-bench-capture: %s: %" PRIu64 " events, expected %" PRIu64 "\n",
                path, n, expect_events);
        failures++;
    }
    (void)sum;
    finish_file(path);
    return (double)n / ((double)(t1 - t0) / 1e9);
}

static void machine(void)
{
    char model[256] = "?";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "model name", 10)) {
                char *p = strchr(line, ':');
                if (p) {
                    snprintf(model, sizeof model, "%s", p + 2);
                    model[strcspn(model, "\n")] = '\0';
                }
                break;
            }
        fclose(f);
    }
    char clk[64] = "?";
    f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
    if (f) {
        if (fgets(clk, sizeof clk, f))
            clk[strcspn(clk, "\n")] = '\0';
        fclose(f);
    }
    struct utsname u;
    uname(&u);
    printf("machine: %s, %ld CPUs online, Linux %s, clocksource %s\n", model,
           sysconf(_SC_NPROCESSORS_ONLN), u.release, clk);
    printf("files in %s; tick = %.4f ns; stamp overhead %.1f ticks subtracted\n\n", dir,
           ns_per_tick, overhead_ticks);
}

static void target(const char *what, int met)
{
    printf("  %-52s %s\n", what, met ? "met" : "NOT met");
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            quick = 1;
            hot_events = 60000;
            sustained_events = 300000;
            text_events = 30000;
        } else if (!strcmp(argv[i], "--events") && i + 1 < argc) {
            sustained_events = strtoull(argv[++i], NULL, 0);
        } else if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
            dir = argv[++i];
        } else if (!strcmp(argv[i], "--keep")) {
            keep = 1;
        } else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
            only = argv[++i];
        } else {
            fprintf(stderr, "usage: nvt-bench-capture [--quick] [--events N] [--dir DIR] "
                            "[--keep] [--only hot|text|sustained]\n");
            return 2;
        }
    }
    if (sustained_events < 2 * MIX)
        sustained_events = 2 * MIX;
    calibrate_ticks();
    overhead_ticks = stamp_overhead_ticks();
    machine();

    int all = !*only;
    int run_hot = all || !strcmp(only, "hot"), run_text = all || !strcmp(only, "text");
    int run_sustained = all || !strcmp(only, "sustained");
    uint64_t drop1 = 0, drop2 = 0;
    struct dist hot1 = {0, 0}, hot2 = {0, 0}, text = {0, 0};
    if (run_hot) {
        hot1 = bench_hot(1, &drop1);
        hot2 = bench_hot(2, &drop2);
        printf("hot path (mix: mmio write, SQ doorbell, SQE, CQE, MSI-X, CQ doorbell)\n");
        printf("  1 thread   median %6.1f ns/event   p99 %6.1f ns   (%" PRIu64 " dropped)\n",
               hot1.median, hot1.p99, drop1);
        printf("  2 threads  median %6.1f ns/event   p99 %6.1f ns   (%" PRIu64 " dropped)\n",
               hot2.median, hot2.p99, drop2);
    }
    double ratio = 0;
    if (run_text) {
        text = bench_text();
        printf("text baseline (QEMU log backend: gettid + gettimeofday + fprintf + fflush)\n");
        printf("  1 thread   median %6.1f ns/event   p99 %6.1f ns\n", text.median, text.p99);
        ratio = hot1.median > 0 ? text.median / hot1.median : 0;
        if (run_hot)
            printf("  shim is %.1fx faster (median)\n", ratio);
    }
    printf("\n");

    struct sustained plain = {0, 0, 0, 0, 0}, zstd = {0, 0, 0, 0, 0};
    double rd_plain = 0, rd_zstd = 0;
    if (run_sustained) {
        uint64_t mixes = sustained_events / MIX;
        uint64_t in_file = mixes * MIX + 1; /* + the final capture statistics */
        /* A shared 2-CPU machine is noisy: the median of three runs (the files of the last
         * run are kept for the reader). */
        int runs = quick ? 1 : 3;
        double lo_plain = 0, hi_plain = 0, lo_zstd = 0, hi_zstd = 0;
        plain = sustained_median("bench-sustained.pcapng", runs, &lo_plain, &hi_plain);
        rd_plain = bench_reader("bench-sustained.pcapng", in_file);
        zstd = sustained_median("bench-sustained.pcapng.zst", runs, &lo_zstd, &hi_zstd);
        rd_zstd = bench_reader("bench-sustained.pcapng.zst", in_file);
        printf("sustained, 1 recording thread, lossless (%" PRIu64 " events; median of %d runs, "
               "range plain %.2f-%.2f, zstd %.2f-%.2f M events/s)\n", mixes * MIX, runs,
               lo_plain / 1e6, hi_plain / 1e6, lo_zstd / 1e6, hi_zstd / 1e6);
        printf("  plain  %6.2f M events/s  %6.2f s  %7.1f MB  %5.1f bytes/event  writer CPU "
               "%5.1f ns/event  %" PRIu64 " dropped\n", plain.events_per_s / 1e6, plain.seconds,
               (double)plain.bytes / 1e6, (double)plain.bytes / (double)in_file,
               plain.writer_ns, plain.dropped);
        printf("  zstd   %6.2f M events/s  %6.2f s  %7.1f MB  %5.1f bytes/event  writer CPU "
               "%5.1f ns/event  %" PRIu64 " dropped\n", zstd.events_per_s / 1e6, zstd.seconds,
               (double)zstd.bytes / 1e6, (double)zstd.bytes / (double)in_file, zstd.writer_ns,
               zstd.dropped);
        printf("reader\n  plain  %6.2f M events/s\n  zstd   %6.2f M events/s\n\n",
               rd_plain / 1e6, rd_zstd / 1e6);
    }

    if (all) {
        printf("targets%s\n", quick ? " (--quick: counts too small to mean much)" : "");
        target("hot path median <= 25 ns/event (1 thread)", hot1.median <= 25);
        target("hot path median <= 25 ns/event (2 threads)", hot2.median <= 25);
        target(">= 20x the text baseline", ratio >= 20);
        target(">= 10 M events/s sustained, plain", plain.events_per_s >= 10e6);
        target(">= 4 M events/s sustained, zstd", zstd.events_per_s >= 4e6);
        target("reader >= 10 M events/s (plain)", rd_plain >= 10e6);
    }
    if (failures)
        fprintf(stderr, "nvt-bench-capture: %d failures\n", failures);
    return failures ? 1 : 0;
}

/* libnvmetap: every event type through the shim and back, many threads, drops, snap length,
 * ring reuse, option errors. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture_util.h"
#include "nvmetap.h"
#include "nvmetrace/format.h"
#include "test.h"

static char *dir;

static uint64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static const nvt_tap_device_info qemu_nvme = {
    .bdf = "0000:00:04.0", .vendor_id = 0x1b36, .device_id = 0x0010,
    .subsys_vendor_id = 0x1af4, .subsys_id = 0x1100, .class_code = 0x010802, .revision = 2,
};

/* The events the round trip records, as the reader must give them back. */
#define NEXPECT 32
static nvt_event expect[NEXPECT];
static size_t nexpect;
static uint8_t sqe[64], cqe[16], dma[300];

static nvt_event *want(uint8_t type, uint32_t device)
{
    nvt_event *e = &expect[nexpect++];
    memset(e, 0, sizeof *e);
    e->type = type;
    e->device = device;
    e->thread = 7;
    return e;
}

/* Records one event of every type (two devices) and notes what the reader must return. */
static void record_every_type(nvt_tap_dev *d0, nvt_tap_dev *d1)
{
    for (int i = 0; i < 64; i++)
        sqe[i] = (uint8_t)(0xa0 + i);
    for (int i = 0; i < 16; i++)
        cqe[i] = (uint8_t)(0x30 + i);
    for (size_t i = 0; i < sizeof dma; i++)
        dma[i] = (uint8_t)(i * 7);
    nexpect = 0;
    nvt_event *e;
    CHECK(nvt_tap_cfg_read(d0, 0x10, 4, 0xfebf0004) == 0);
    e = want(NVT_EV_CFG_READ, 0), e->u.cfg.offset = 0x10, e->u.cfg.size = 4, e->u.cfg.value = 0xfebf0004;
    CHECK(nvt_tap_cfg_write(d0, 0x04, 2, 0x0406) == 0);
    e = want(NVT_EV_CFG_WRITE, 0), e->u.cfg.offset = 0x04, e->u.cfg.size = 2, e->u.cfg.value = 0x0406;
    CHECK(nvt_tap_mmio_read(d0, 0, 0x1c, 4, 0x1, 0xfebf001c) == 0);
    e = want(NVT_EV_MMIO_READ, 0);
    e->u.mmio.bar = 0, e->u.mmio.offset = 0x1c, e->u.mmio.size = 4, e->u.mmio.value = 1, e->u.mmio.gpa = 0xfebf001c;
    CHECK(nvt_tap_mmio_write(d1, 0, 0x14, 4, 0x00460001, 0) == 0);
    e = want(NVT_EV_MMIO_WRITE, 1);
    e->u.mmio.offset = 0x14, e->u.mmio.size = 4, e->u.mmio.value = 0x00460001;
    CHECK(nvt_tap_bar_map(d0, 0, NVT_TAP_BAR_64BIT, 0xfebf0000, 0x4000) == 0);
    e = want(NVT_EV_BAR_MAP, 0);
    e->u.bar.bar = 0, e->u.bar.flags = NVT_BAR_64BIT, e->u.bar.addr = 0xfebf0000, e->u.bar.size = 0x4000;
    CHECK(nvt_tap_bar_unmap(d0, 4, NVT_TAP_BAR_IO, 0xc000, 0x100) == 0);
    e = want(NVT_EV_BAR_UNMAP, 0);
    e->u.bar.bar = 4, e->u.bar.flags = NVT_BAR_IO, e->u.bar.addr = 0xc000, e->u.bar.size = 0x100;
    CHECK(nvt_tap_doorbell(d0, 1, 0, 5) == 0);
    e = want(NVT_EV_DOORBELL, 0), e->u.doorbell.qid = 1, e->u.doorbell.is_cq = 0, e->u.doorbell.value = 5;
    CHECK(nvt_tap_doorbell(d0, 1, 1, 4) == 0);
    e = want(NVT_EV_DOORBELL, 0), e->u.doorbell.qid = 1, e->u.doorbell.is_cq = 1, e->u.doorbell.value = 4;
    CHECK(nvt_tap_msix_access(d0, 3, NVT_TAP_MSIX_DATA, 1, 0x4023) == 0);
    e = want(NVT_EV_MSIX_ACCESS, 0);
    e->u.msix.entry = 3, e->u.msix.field = NVT_MSIX_DATA, e->u.msix.is_write = 1, e->u.msix.value = 0x4023;
    CHECK(nvt_tap_msix_ctrl(d0, 1, 0, 65, 0x8040) == 0);
    e = want(NVT_EV_MSIX_CTRL, 0);
    e->u.msix_ctrl.enabled = 1, e->u.msix_ctrl.table_size = 65, e->u.msix_ctrl.msgctl = 0x8040;
    CHECK(nvt_tap_interrupt(d0, NVT_TAP_IRQ_MSIX, 2, 0x4022, 0xfee00000) == 0);
    e = want(NVT_EV_INTERRUPT, 0);
    e->u.irq.kind = NVT_IRQ_MSIX, e->u.irq.vector = 2, e->u.irq.data = 0x4022, e->u.irq.addr = 0xfee00000;
    CHECK(nvt_tap_interrupt(d1, NVT_TAP_IRQ_INTX_ASSERT, 0, 0, 0) == 0);
    e = want(NVT_EV_INTERRUPT, 1), e->u.irq.kind = NVT_IRQ_INTX_ASSERT;
    CHECK(nvt_tap_submission(d0, 1, 17, sqe) == 0);
    e = want(NVT_EV_SUBMISSION, 0), e->u.sub.qid = 1, e->u.sub.slot = 17, e->u.sub.known = UINT64_MAX;
    memcpy(e->u.sub.sqe, sqe, 64);
    CHECK(nvt_tap_completion(d0, 1, NVT_TAP_SLOT_UNKNOWN, cqe) == 0);
    e = want(NVT_EV_COMPLETION, 0), e->u.cpl.qid = 1, e->u.cpl.slot = NVT_SLOT_UNKNOWN, e->u.cpl.known = 0xffff;
    memcpy(e->u.cpl.cqe, cqe, 16);
    CHECK(nvt_tap_dma_read(d0, 0x7f000, dma, sizeof dma, 1, 0x1234) == 0);
    e = want(NVT_EV_DMA_READ, 0);
    e->u.dma.gpa = 0x7f000, e->u.dma.len = sizeof dma, e->u.dma.caplen = sizeof dma;
    e->u.dma.sqid = 1, e->u.dma.cid = 0x1234, e->u.dma.data = dma;
    CHECK(nvt_tap_dma_write(d0, 0x80000, dma, 0, NVT_TAP_QID_UNKNOWN, NVT_TAP_CID_UNKNOWN) == 0);
    e = want(NVT_EV_DMA_WRITE, 0), e->u.dma.gpa = 0x80000, e->u.dma.sqid = 0xffff, e->u.dma.cid = 0xffff;
    e->u.dma.data = dma;
    CHECK(nvt_tap_ctrl_state(d0, NVT_TAP_STATE_READY, 0x1) == 0);
    e = want(NVT_EV_CTRL_STATE, 0), e->u.state.state = NVT_STATE_READY, e->u.state.value = 1;
    CHECK(nvt_tap_annotate(d0, NVT_TAP_ANN_MARKER, "guest bugcheck 0x7B") == 0);
    e = want(NVT_EV_ANNOTATION, 0), e->u.ann.level = NVT_ANN_MARKER, e->u.ann.text = "guest bugcheck 0x7B";
    e->u.ann.len = 19;
    CHECK(nvt_tap_annotatef(d1, NVT_TAP_ANN_WARNING, "queue %d: %s", 3, "stalled") == 0);
    e = want(NVT_EV_ANNOTATION, 1), e->u.ann.level = NVT_ANN_WARNING, e->u.ann.text = "queue 3: stalled";
    e->u.ann.len = 16;
}

/* Every event type through the shim: the records read back are byte for byte what the
 * format library encodes for the same event. */
static void test_roundtrip(const char *name)
{
    const char *path = scratch_path(dir, name, 0);
    char ring[1100];
    snprintf(ring, sizeof ring, "%s.ring", path);
    char errbuf[NVT_TAP_ERRBUF_SIZE];
    nvt_tap_opts o = {.emulator = "QEMU 7.2.22", .comment = "round trip"};
    uint64_t t_open = realtime_ns();
    nvt_tap *tap = nvt_tap_open(path, &o, errbuf);
    CHECK(tap != NULL);
    if (!tap) {
        fprintf(stderr, "%s\n", errbuf);
        return;
    }
    CHECK(file_exists(ring));
    nvt_tap_dev *d0 = nvt_tap_add_device(tap, &qemu_nvme, errbuf);
    nvt_tap_device_info second = {.bdf = "0000:00:05.0", .vendor_id = 0x8086,
                                  .device_id = 0x5845, .model = "nvme-ns2",
                                  .emulator = "bhyve 14.0"};
    nvt_tap_dev *d1 = nvt_tap_add_device(tap, &second, errbuf);
    CHECK(d0 && d1);
    nvt_tap_set_thread_id(tap, 7);
    record_every_type(d0, d1);
    nvt_tap_counters c;
    nvt_tap_get_counters(tap, &c);
    CHECK_EQ_U64(c.recorded, nexpect);
    CHECK_EQ_U64(c.dropped, 0);
    CHECK(nvt_tap_close(tap, errbuf) == 0);
    uint64_t t_close = realtime_ns();
    CHECK(!file_exists(ring)); /* a clean close deletes the crash ring */

    struct trace t;
    CHECK(trace_load(path, &t) == 0);
    CHECK_EQ_U64(t.n, nexpect + 1); /* + the final capture statistics */
    CHECK_EQ_U64(t.ndev, 2);
    CHECK_STR(t.dev[0].bdf, "0000:00:04.0");
    CHECK_EQ_U64(t.dev[0].vendor_id, 0x1b36);
    CHECK_EQ_U64(t.dev[0].device_id, 0x0010);
    CHECK_EQ_U64(t.dev[0].subsys_vendor_id, 0x1af4);
    CHECK_EQ_U64(t.dev[0].class_code, 0x010802);
    CHECK_STR(t.dev[0].model, "nvme");
    CHECK_STR(t.dev[0].emulator, "QEMU 7.2.22");
    CHECK_STR(t.dev[1].bdf, "0000:00:05.0");
    CHECK_STR(t.dev[1].model, "nvme-ns2");
    CHECK_STR(t.dev[1].emulator, "bhyve 14.0");
    uint64_t prev_ts = 0;
    for (size_t i = 0; i < nexpect && i < t.n; i++) {
        nvt_event *e = &expect[i];
        const nvt_event *got = &t.v[i].ev;
        e->seq = i;
        uint8_t enc[1024];
        size_t n = nvt_record_encode(e, enc, sizeof enc);
        CHECK(n > 0);
        CHECK_EQ_U64(got->raw_len, n);
        if (got->raw_len == n && memcmp(got->raw, enc, n) != 0) {
            CHECK(!"record bytes differ");
            fprintf(stderr, "  event %zu (type %u) differs from the encoder\n", i, e->type);
        }
        CHECK_EQ_U64(got->device, e->device);
        CHECK(got->ts_ns >= prev_ts);
        /* TSC -> realtime conversion: inside the open..close window (calibration error and
         * clock granularity are far below 5 ms). */
        CHECK(got->ts_ns + 5000000 >= t_open && got->ts_ns <= t_close + 5000000);
        prev_ts = got->ts_ns;
    }
    const nvt_event *st = &t.v[t.n - 1].ev;
    CHECK_EQ_U64(st->type, NVT_EV_CAPTURE_STATS);
    CHECK_EQ_U64(st->seq, nexpect);
    CHECK_EQ_U64(st->u.stats.recorded, nexpect);
    CHECK_EQ_U64(st->u.stats.dropped, 0);

    uint64_t *ts = NULL;
    long np = pcap_read_all(path, &ts);
    CHECK_EQ_U64(np, t.n);
    for (long i = 0; ts && i < np && (size_t)i < t.n; i++)
        CHECK_EQ_U64(ts[i], t.v[i].ev.ts_ns);
    free(ts);
    trace_free(&t);
}

/* Four threads at once (plus a second wave reusing the rings of the first): every event
 * present exactly once, each thread's order kept, seq = file position. */
#define NTHREADS 4
#define PER_THREAD 100000
struct worker {
    nvt_tap *tap;
    nvt_tap_dev *dev;
    int index;
    int failures;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    nvt_tap_set_thread_id(w->tap, 100 + (uint32_t)w->index);
    for (uint32_t i = 0; i < PER_THREAD; i++)
        if (nvt_tap_doorbell(w->dev, (uint16_t)w->index, 0, i) < 0)
            w->failures++;
    return NULL;
}

static void test_threads(void)
{
    const char *path = scratch_path(dir, "threads.pcapng", 0);
    char errbuf[NVT_TAP_ERRBUF_SIZE];
    /* Lossless mode and as many rings as one wave: the second wave must get the rings the
     * first wave's threads left, once the writer has drained them. */
    nvt_tap_opts o = {.full_policy = NVT_TAP_FULL_WAIT, .max_threads = NTHREADS,
                      .ring_size = 256 * 1024};
    nvt_tap *tap = nvt_tap_open(path, &o, errbuf);
    CHECK(tap != NULL);
    if (!tap) {
        fprintf(stderr, "%s\n", errbuf);
        return;
    }
    nvt_tap_dev *dev = nvt_tap_add_device(tap, &qemu_nvme, errbuf);
    struct worker w[2 * NTHREADS];
    pthread_t th[2 * NTHREADS];
    for (int wave = 0; wave < 2; wave++) {
        for (int k = wave * NTHREADS; k < (wave + 1) * NTHREADS; k++) {
            w[k] = (struct worker){tap, dev, k, 0};
            pthread_create(&th[k], NULL, worker_main, &w[k]);
        }
        for (int k = wave * NTHREADS; k < (wave + 1) * NTHREADS; k++) {
            pthread_join(th[k], NULL);
            CHECK_EQ_U64(w[k].failures, 0);
        }
    }
    CHECK(nvt_tap_close(tap, errbuf) == 0);

    struct trace t;
    CHECK(trace_load(path, &t) == 0);
    uint32_t next[2 * NTHREADS] = {0};
    size_t bad_order = 0, bad_thread = 0, bad_seq = 0, doorbells = 0;
    for (size_t i = 0; i < t.n; i++) {
        const nvt_event *e = &t.v[i].ev;
        if (e->seq != i)
            bad_seq++;
        if (e->type != NVT_EV_DOORBELL)
            continue;
        doorbells++;
        uint16_t q = e->u.doorbell.qid;
        if (q >= 2 * NTHREADS || e->u.doorbell.value != next[q]) {
            bad_order++;
            continue;
        }
        if (e->thread != 100u + q)
            bad_thread++;
        next[q]++;
    }
    CHECK_EQ_U64(doorbells, 2 * NTHREADS * PER_THREAD);
    CHECK_EQ_U64(bad_order, 0);
    CHECK_EQ_U64(bad_thread, 0);
    CHECK_EQ_U64(bad_seq, 0);
    for (int k = 0; k < 2 * NTHREADS; k++)
        CHECK_EQ_U64(next[k], PER_THREAD);
    const nvt_event *st = &t.v[t.n - 1].ev;
    CHECK_EQ_U64(st->type, NVT_EV_CAPTURE_STATS);
    CHECK_EQ_U64(st->u.stats.recorded, 2 * NTHREADS * PER_THREAD);
    CHECK_EQ_U64(st->u.stats.dropped, 0);
    CHECK_EQ_U64(pcap_read_all(path, NULL), t.n);
    trace_free(&t);
}

/* A small ring and a producer far faster than the writer: drops happen, each call says
 * whether it recorded, and the trace's statistics add up to the calls exactly. */
static void test_drops(void)
{
    const char *path = scratch_path(dir, "drops.pcapng.zst", 0);
    char errbuf[NVT_TAP_ERRBUF_SIZE];
    nvt_tap_opts o = {.ring_size = 64 * 1024};
    nvt_tap *tap = nvt_tap_open(path, &o, errbuf);
    CHECK(tap != NULL);
    if (!tap)
        return;
    nvt_tap_dev *dev = nvt_tap_add_device(tap, &qemu_nvme, errbuf);
    uint64_t calls = 0, ok = 0, dropped = 0;
    /* Stop after enough drops; bounded in case the writer keeps up on some machine. */
    while (dropped < 10000 && calls < 50000000) {
        if (nvt_tap_doorbell(dev, 1, 0, (uint32_t)calls) == 0)
            ok++;
        else
            dropped++;
        calls++;
    }
    CHECK(dropped > 0);
    nvt_tap_counters c;
    nvt_tap_get_counters(tap, &c);
    CHECK_EQ_U64(c.recorded, ok);
    CHECK_EQ_U64(c.dropped, dropped);
    CHECK(c.overflows >= 1 && c.overflows <= dropped);
    CHECK(nvt_tap_close(tap, errbuf) == 0);

    struct trace t;
    CHECK(trace_load(path, &t) == 0);
    uint64_t doorbells = 0, stats = 0, last_value = 0, order_ok = 1;
    const nvt_event *last_stats = NULL;
    for (size_t i = 0; i < t.n; i++) {
        const nvt_event *e = &t.v[i].ev;
        if (e->type == NVT_EV_DOORBELL) {
            if (doorbells && e->u.doorbell.value <= last_value)
                order_ok = 0;
            last_value = e->u.doorbell.value;
            doorbells++;
        } else if (e->type == NVT_EV_CAPTURE_STATS) {
            stats++;
            last_stats = e;
        }
    }
    CHECK(order_ok);
    CHECK_EQ_U64(doorbells, ok);
    CHECK(stats >= 1);
    CHECK(last_stats == &t.v[t.n - 1].ev);
    if (last_stats) {
        CHECK_EQ_U64(last_stats->u.stats.recorded, ok);
        CHECK_EQ_U64(last_stats->u.stats.dropped, dropped);
        CHECK_EQ_U64(last_stats->u.stats.recorded + last_stats->u.stats.dropped, calls);
        CHECK_EQ_U64(last_stats->u.stats.overflows, c.overflows);
    }
    CHECK_EQ_U64(pcap_read_all(path, NULL), t.n);
    trace_free(&t);
}

/* DMA data beyond the snap length is cut and flagged; shorter transfers are whole. */
static void test_snaplen(void)
{
    const char *path = scratch_path(dir, "snap.pcapng", 0);
    char errbuf[NVT_TAP_ERRBUF_SIZE];
    nvt_tap_opts o = {.snaplen = 100};
    nvt_tap *tap = nvt_tap_open(path, &o, errbuf);
    CHECK(tap != NULL);
    if (!tap)
        return;
    nvt_tap_dev *dev = nvt_tap_add_device(tap, &qemu_nvme, errbuf);
    static uint8_t big[10000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i ^ (i >> 8));
    CHECK(nvt_tap_dma_write(dev, 0x100000, big, sizeof big, 1, 9) == 0);
    CHECK(nvt_tap_dma_read(dev, 0x200000, big, 100, 1, 9) == 0);
    CHECK(nvt_tap_dma_read(dev, 0x300000, big, 50, 1, 9) == 0);
    /* An annotation longer than the limit is cut at a character boundary. */
    static char text[NVT_TAP_ANNOTATION_MAX + 100];
    memset(text, 'x', sizeof text - 1);
    memcpy(text + NVT_TAP_ANNOTATION_MAX - 1, "\xc3\xa9", 2); /* 'é' across the limit */
    CHECK(nvt_tap_annotate(dev, NVT_TAP_ANN_NOTE, text) == 0);
    CHECK(nvt_tap_close(tap, errbuf) == 0);

    struct trace t;
    CHECK(trace_load(path, &t) == 0);
    CHECK_EQ_U64(t.n, 5);
    if (t.n == 5) {
        const nvt_event *a = &t.v[0].ev, *b = &t.v[1].ev, *c = &t.v[2].ev, *d = &t.v[3].ev;
        CHECK_EQ_U64(a->type, NVT_EV_DMA_WRITE);
        CHECK_EQ_U64(a->u.dma.len, sizeof big);
        CHECK_EQ_U64(a->u.dma.caplen, 100);
        CHECK(a->flags & NVT_F_TRUNCATED);
        CHECK(memcmp(a->u.dma.data, big, 100) == 0);
        CHECK_EQ_U64(b->u.dma.caplen, 100);
        CHECK(!(b->flags & NVT_F_TRUNCATED));
        CHECK_EQ_U64(c->u.dma.len, 50);
        CHECK_EQ_U64(c->u.dma.caplen, 50);
        CHECK(!(c->flags & NVT_F_TRUNCATED));
        CHECK(memcmp(c->u.dma.data, big, 50) == 0);
        CHECK_EQ_U64(d->u.ann.len, NVT_TAP_ANNOTATION_MAX - 1);
    }
    trace_free(&t);
}

/* More threads than rings: the extra thread's events are dropped and counted, not lost
 * silently; bad options and a leftover crash ring are refused with a message. */
static void *one_doorbell(void *arg)
{
    return (void *)(intptr_t)nvt_tap_doorbell(arg, 9, 0, 1);
}

static void test_limits(void)
{
    const char *path = scratch_path(dir, "limits.pcapng", 0);
    char ring[1100];
    snprintf(ring, sizeof ring, "%s.ring", path);
    char errbuf[NVT_TAP_ERRBUF_SIZE];
    nvt_tap_opts bad = {.ring_size = 100000};
    CHECK(nvt_tap_open(path, &bad, errbuf) == NULL);
    CHECK(strstr(errbuf, "ring_size") != NULL);
    nvt_tap_opts bad2 = {.compression = 9};
    CHECK(nvt_tap_open(path, &bad2, errbuf) == NULL);
    CHECK(strstr(errbuf, "compression") != NULL);

    nvt_tap_opts o = {.max_threads = 1};
    nvt_tap *tap = nvt_tap_open(path, &o, errbuf);
    CHECK(tap != NULL);
    if (!tap)
        return;
    /* A second capture of the same trace would destroy the first's crash ring: refused. */
    CHECK(nvt_tap_open(path, NULL, errbuf) == NULL);
    CHECK(strstr(errbuf, "nvmetrace recover") != NULL);
    nvt_tap_dev *dev = nvt_tap_add_device(tap, &qemu_nvme, errbuf);
    CHECK(nvt_tap_doorbell(dev, 1, 0, 1) == 0); /* this thread takes the only ring */
    pthread_t th;
    void *rc;
    pthread_create(&th, NULL, one_doorbell, dev);
    pthread_join(th, &rc);
    CHECK((intptr_t)rc == -1);
    nvt_tap_counters c;
    nvt_tap_get_counters(tap, &c);
    CHECK_EQ_U64(c.recorded, 1);
    CHECK_EQ_U64(c.dropped, 1);
    int ndev = 1;
    while (nvt_tap_add_device(tap, &qemu_nvme, errbuf) != NULL)
        ndev++;
    CHECK_EQ_U64(ndev, 64);
    CHECK(strstr(errbuf, "64 devices") != NULL);
    CHECK(nvt_tap_close(tap, errbuf) == 0);
    struct trace t;
    CHECK(trace_load(path, &t) == 0);
    /* The doorbell, then the statistics: the writer also records them on its own when the
     * drop count changes, so a loaded machine may show them twice before the final record. */
    CHECK(t.n == 2 || t.n == 3);
    if (t.n >= 2) {
        CHECK_EQ_U64(t.v[0].ev.type, NVT_EV_DOORBELL);
        for (size_t i = 1; i < t.n; i++) {
            CHECK_EQ_U64(t.v[i].ev.type, NVT_EV_CAPTURE_STATS);
            CHECK_EQ_U64(t.v[i].ev.u.stats.dropped, 1);
        }
        CHECK_EQ_U64(t.v[t.n - 1].ev.u.stats.recorded, 1);
    }
    trace_free(&t);
}

/* nvt_tap_set_thread_id while every ring is taken: the thread's events, once it gets a ring,
 * carry that id, not its kernel tid. */
struct holder {
    nvt_tap_dev *dev;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int recorded, release;
};

static void *hold_ring(void *arg)
{
    struct holder *h = arg;
    int rc = nvt_tap_doorbell(h->dev, 1, 0, 1); /* takes the only ring */
    pthread_mutex_lock(&h->mu);
    h->recorded = rc == 0 ? 1 : -1;
    pthread_cond_broadcast(&h->cv);
    while (!h->release)
        pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
    return NULL; /* exiting frees the ring once the writer drained it */
}

static void test_thread_id_later(void)
{
    const char *path = scratch_path(dir, "later-id.pcapng", 0);
    char errbuf[NVT_TAP_ERRBUF_SIZE];
    nvt_tap_opts o = {.max_threads = 1};
    nvt_tap *tap = nvt_tap_open(path, &o, errbuf);
    CHECK(tap != NULL);
    if (!tap)
        return;
    struct holder h = {.dev = nvt_tap_add_device(tap, &qemu_nvme, errbuf)};
    CHECK(h.dev != NULL);
    pthread_mutex_init(&h.mu, NULL);
    pthread_cond_init(&h.cv, NULL);
    pthread_t th;
    pthread_create(&th, NULL, hold_ring, &h);
    pthread_mutex_lock(&h.mu);
    while (!h.recorded)
        pthread_cond_wait(&h.cv, &h.mu);
    pthread_mutex_unlock(&h.mu);
    CHECK(h.recorded == 1);
    nvt_tap_set_thread_id(tap, 4242);              /* no ring free now */
    CHECK(nvt_tap_doorbell(h.dev, 2, 0, 2) == -1); /* dropped, counted */
    pthread_mutex_lock(&h.mu);
    h.release = 1;
    pthread_cond_broadcast(&h.cv);
    pthread_mutex_unlock(&h.mu);
    pthread_join(th, NULL);
    /* The writer frees the exited thread's ring after draining it: then this thread gets it. */
    int got = 0;
    for (int i = 0; i < 2000 && !got; i++) {
        got = nvt_tap_doorbell(h.dev, 3, 0, 3) == 0;
        if (!got) {
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
        }
    }
    CHECK(got);
    CHECK(nvt_tap_close(tap, errbuf) == 0);
    struct trace t;
    CHECK(trace_load(path, &t) == 0);
    size_t doorbells = 0;
    for (size_t i = 0; i < t.n; i++) {
        if (t.v[i].ev.type != NVT_EV_DOORBELL)
            continue;
        doorbells++;
        if (t.v[i].ev.u.doorbell.qid == 3)
            CHECK_EQ_U64(t.v[i].ev.thread, 4242);
        else
            CHECK(t.v[i].ev.u.doorbell.qid == 1 && t.v[i].ev.thread != 4242);
    }
    CHECK_EQ_U64(doorbells, 2);
    trace_free(&t);
    pthread_mutex_destroy(&h.mu);
    pthread_cond_destroy(&h.cv);
}

/* Timestamps follow CLOCK_REALTIME over a capture long enough for the writer to re-steer the
 * TSC conversion twice; with NVT_TAP_CLOCK=monotonic, the clock_gettime fallback too. */
static void test_clock(const char *name, int monotonic)
{
    const char *path = scratch_path(dir, name, 0);
    char errbuf[NVT_TAP_ERRBUF_SIZE];
    if (monotonic)
        setenv("NVT_TAP_CLOCK", "monotonic", 1);
    nvt_tap *tap = nvt_tap_open(path, NULL, errbuf);
    unsetenv("NVT_TAP_CLOCK");
    CHECK(tap != NULL);
    if (!tap)
        return;
    nvt_tap_dev *dev = nvt_tap_add_device(tap, &qemu_nvme, errbuf);
    enum { N = 11 };
    uint64_t before[N], after[N];
    for (int i = 0; i < N; i++) {
        before[i] = realtime_ns();
        CHECK(nvt_tap_doorbell(dev, 0, 0, (uint32_t)i) == 0);
        after[i] = realtime_ns();
        struct timespec pause = {0, 250 * 1000 * 1000};
        if (i + 1 < N)
            nanosleep(&pause, NULL);
    }
    CHECK(nvt_tap_close(tap, errbuf) == 0);
    struct trace t;
    CHECK(trace_load(path, &t) == 0);
    CHECK_EQ_U64(t.n, N + 1);
    uint64_t worst = 0;
    for (int i = 0; i < N && (size_t)i < t.n; i++) {
        uint64_t ts = t.v[i].ev.ts_ns;
        uint64_t off = ts < before[i] ? before[i] - ts : ts > after[i] ? ts - after[i] : 0;
        if (off > worst)
            worst = off;
        if (i > 0)
            CHECK(ts > t.v[i - 1].ev.ts_ns);
    }
    /* 200 us: a 10 ms calibration is good to a few ppm, i.e. microseconds over 2.5 s. */
    CHECK(worst < 200000);
    printf("  %s: timestamps within %llu ns of CLOCK_REALTIME over 2.5 s\n", name,
           (unsigned long long)worst);
    trace_free(&t);
}

int main(void)
{
    dir = scratch_dir("tap");
    test_roundtrip("every.pcapng");
    test_roundtrip("every.pcapng.zst");
    test_threads();
    test_drops();
    test_snaplen();
    test_limits();
    test_thread_id_later();
    test_clock("clock-tsc.pcapng", 0);
    test_clock("clock-monotonic.pcapng", 1);
    scratch_remove(dir);
    free(dir);
    TEST_DONE();
}

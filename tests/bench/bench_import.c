/*
 * nvt-bench-import: QEMU log importer throughput (docs/performance.md, "QEMU log importer").
 *
 * Input: the real QEMU 7.2 boot log of tests/import/data, repeated until it has --lines lines
 * (default 2,000,000), in memory. Three measurements, each the best of --runs runs:
 *   1. parse + map only: records go to a sink that counts them
 *   2. the same into a plain pcapng written to /dev/null
 *   3. the same into a zstd pcapng (level 3) written to /dev/null
 * and the log fed in 64 KiB pieces, as a file or a FIFO would deliver it.
 *
 * A benchmark, not a test: it prints figures and says whether the 1 M lines/s target holds;
 * it fails only if the import fails. --quick runs a small input so the suite keeps it alive.
 *
 * usage: nvt-bench-import [--quick] [--lines N] [--runs N] [--log FILE.zst]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nvmetrace/format.h"
#include "import_util.h" /* load_zst */
#include "nvmetrace/import.h"

#ifndef NVT_BENCH_LOG
#define NVT_BENCH_LOG "tests/import/data/boot-qemu-7.2.log.zst"
#endif

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t counted;

static int count_device(void *ctx, const nvt_device *dev, nvt_error *err)
{
    (void)dev;
    (void)err;
    return (*(int *)ctx)++;
}

static int count_event(void *ctx, const nvt_event *ev, const char *comment, nvt_error *err)
{
    (void)ctx;
    (void)ev;
    (void)comment;
    (void)err;
    counted++;
    return 0;
}

/* One import of text; returns seconds, or exits on failure. */
static double run(const char *text, size_t len, int mode, uint64_t *records)
{
    nvt_error err;
    nvt_writer *w = NULL;
    int ndev = 0;
    nvt_import_sink sink = {count_device, count_event, &ndev};
    if (mode) {
        nvt_writer_opts wo = {0};
        wo.compression = mode == 1 ? NVT_COMPRESS_NONE : NVT_COMPRESS_ZSTD;
        w = nvt_writer_open("/dev/null", &wo, &err);
        if (!w) {
            fprintf(stderr, "%s\n", err.msg);
            exit(1);
        }
        nvt_import_sink_writer(&sink, w);
    }
    counted = 0;
    double t0 = now();
    nvt_qemu_import_opts o = {.name = "bench"};
    nvt_qemu_importer *imp = nvt_qemu_import_new(&o, &sink, &err);
    for (size_t off = 0; imp && off < len; off += 65536) {
        size_t n = len - off < 65536 ? len - off : 65536;
        if (nvt_qemu_import_feed(imp, text + off, n, &err) < 0) {
            fprintf(stderr, "%s\n", err.msg);
            exit(1);
        }
    }
    if (!imp || nvt_qemu_import_finish(imp, &err) < 0 || (w && nvt_writer_close(w, &err) < 0)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    double t = now() - t0;
    *records = nvt_qemu_import_get_stats(imp)->records;
    nvt_qemu_import_free(imp);
    return t;
}

int main(int argc, char **argv)
{
    const char *logpath = NVT_BENCH_LOG;
    uint64_t want_lines = 2000000;
    int runs = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            want_lines = 50000;
            runs = 1;
        } else if (!strcmp(argv[i], "--lines") && i + 1 < argc) {
            want_lines = strtoull(argv[++i], NULL, 0);
        } else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--log") && i + 1 < argc) {
            logpath = argv[++i];
        } else {
            fprintf(stderr, "usage: nvt-bench-import [--quick] [--lines N] [--runs N] [--log F]\n");
            return 2;
        }
    }
    size_t one_len;
    char *one = load_zst(logpath, &one_len);
    uint64_t one_lines = 0;
    for (size_t i = 0; i < one_len; i++)
        one_lines += one[i] == '\n';
    size_t copies = (size_t)((want_lines + one_lines - 1) / one_lines);
    size_t len = one_len * copies;
    char *text = malloc(len);
    for (size_t i = 0; i < copies; i++)
        memcpy(text + i * one_len, one, one_len);
    uint64_t lines = one_lines * copies;
    printf("input: %s x %zu = %llu lines, %.1f MB\n", logpath, copies, (unsigned long long)lines,
           (double)len / 1e6);

    static const char *const names[] = {"parse + map (counting sink)", "into plain pcapng",
                                        "into zstd pcapng (level 3)"};
    double best_mapped = 0;
    for (int mode = 0; mode < 3; mode++) {
        double best = 1e30;
        uint64_t records = 0;
        for (int r = 0; r < runs; r++) {
            double t = run(text, len, mode, &records);
            if (t < best)
                best = t;
        }
        double lps = (double)lines / best;
        if (mode == 0)
            best_mapped = lps;
        printf("%-30s %8.3f s  %6.2f M lines/s  %6.1f MB/s  %5.2f M records/s (%llu records)\n",
               names[mode], best, lps / 1e6, (double)len / best / 1e6, (double)records / best / 1e6,
               (unsigned long long)records);
    }
    printf("target >= 1 M lines/s (parse + map): %s\n", best_mapped >= 1e6 ? "met" : "NOT met");
    free(text);
    free(one);
    return 0;
}

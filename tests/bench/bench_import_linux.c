/*
 * nvt-bench-import-linux: `import linux-trace` throughput (docs/guest-capture.md), beside the
 * QEMU log importer's on the same number of lines as the anchor.
 *
 * Inputs: the real guest records of tests/import/data (linux_events_6.1.txt: nvme events;
 * linux_mmio_6.1.txt: mmiotrace), their identity lines once and their trace lines repeated
 * until the file has --lines lines (default 2,000,000), written to a temporary file; the QEMU
 * 7.2 boot log repeated to the same count, in memory. Each imported into a plain pcapng written
 * to /dev/null, best of --runs runs; wall-clock and process CPU time both printed (the target is
 * judged on CPU time, which a loaded shared machine does not inflate).
 *
 * A benchmark, not a test: it prints lines/s and whether the 2 M lines/s target holds; it fails
 * only if an import fails. --quick runs a small input so the suite keeps it alive.
 *
 * usage: nvt-bench-import-linux [--quick] [--lines N] [--runs N]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "import_util.h" /* load_zst */
#include "nvmetrace/format.h"
#include "nvmetrace/import.h"
#include "nvmetrace/import_linux.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process: on a shared, loaded machine the wall clock mostly measures the
 * other tenants; both are printed. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(b);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Writes the '#' lines of text once, then its other lines repeated to want lines. */
static uint64_t make_input(const char *text, size_t len, uint64_t want, const char *out)
{
    FILE *f = fopen(out, "wb");
    uint64_t lines = 0;
    if (!f)
        return 0;
    for (int pass = 0; lines < want; pass++) {
        uint64_t before = lines;
        for (const char *p = text, *e = text + len; p < e && lines < want;) {
            const char *nl = memchr(p, '\n', (size_t)(e - p));
            size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(e - p);
            if ((p[0] == '#') == (pass == 0) && n > 1) {
                fwrite(p, 1, n, f);
                lines++;
            }
            p += n;
        }
        if (pass > 0 && lines == before)
            break;
    }
    return fclose(f) == 0 ? lines : 0;
}

static double run_linux(const char *path, int runs, uint64_t *records, double *cpu)
{
    double best = 1e30;
    *cpu = 1e30;
    for (int r = 0; r < runs; r++) {
        nvt_error err;
        nvt_writer *w = nvt_writer_open("/dev/null", NULL, &err);
        nvt_linux_import_stats st;
        double t0 = now();
        const char *in[] = {path};
        double c0 = cpu_now();
        if (!w || nvt_linux_import_files(in, 1, NULL, w, &st, &err) < 0 ||
            nvt_writer_close(w, &err) < 0) {
            fprintf(stderr, "nvt-bench-import-linux: %s\n", err.msg);
            exit(1);
        }
        double t = now() - t0, c = cpu_now() - c0;
        best = t < best ? t : best;
        *cpu = c < *cpu ? c : *cpu;
        *records = st.records;
    }
    return best;
}

static double run_qemu(const char *text, size_t len, int runs, uint64_t *records, double *cpu)
{
    double best = 1e30;
    *cpu = 1e30;
    for (int r = 0; r < runs; r++) {
        nvt_error err;
        nvt_writer *w = nvt_writer_open("/dev/null", NULL, &err);
        nvt_import_sink sink;
        nvt_import_sink_writer(&sink, w);
        nvt_qemu_import_opts o = {.name = "bench"};
        double t0 = now(), c0 = cpu_now();
        nvt_qemu_importer *imp = w ? nvt_qemu_import_new(&o, &sink, &err) : NULL;
        int rc = imp ? 0 : -1;
        for (size_t off = 0; rc == 0 && off < len; off += 65536)
            rc = nvt_qemu_import_feed(imp, text + off, len - off < 65536 ? len - off : 65536, &err);
        if (rc < 0 || nvt_qemu_import_finish(imp, &err) < 0 || nvt_writer_close(w, &err) < 0) {
            fprintf(stderr, "nvt-bench-import-linux: qemu: %s\n", err.msg);
            exit(1);
        }
        double t = now() - t0, c = cpu_now() - c0;
        best = t < best ? t : best;
        *cpu = c < *cpu ? c : *cpu;
        *records = nvt_qemu_import_get_stats(imp)->records;
        nvt_qemu_import_free(imp);
    }
    return best;
}

int main(int argc, char **argv)
{
    uint64_t want = 2000000;
    int runs = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            want = 50000;
            runs = 1;
        } else if (!strcmp(argv[i], "--lines") && i + 1 < argc) {
            want = strtoull(argv[++i], NULL, 0);
        } else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: nvt-bench-import-linux [--quick] [--lines N] [--runs N]\n");
            return 2;
        }
    }
    const char *names[] = {NVT_BENCH_DATA "/linux_events_6.1.txt", NVT_BENCH_DATA "/linux_mmio_6.1.txt"};
    char tmp[] = "/tmp/nvt-bench-linux.XXXXXX";
    int fd = mkstemp(tmp);
    if (fd < 0)
        return 1;
    close(fd);
    double worst = 1e30;
    for (int k = 0; k < 2; k++) {
        size_t len;
        char *text = load(names[k], &len);
        uint64_t lines = text ? make_input(text, len, want, tmp) : 0;
        free(text);
        if (!lines) {
            fprintf(stderr, "nvt-bench-import-linux: cannot build the input from %s\n", names[k]);
            unlink(tmp);
            return 1;
        }
        uint64_t records = 0;
        double cpu, t = run_linux(tmp, runs, &records, &cpu);
        double lps = (double)lines / cpu;
        worst = lps < worst ? lps : worst;
        printf("linux-trace %-6s %9llu lines  wall %7.3f s %6.2f M lines/s  cpu %7.3f s %6.2f M lines/s"
               "  (%llu records)\n",
               k ? "mmio" : "events", (unsigned long long)lines, t, (double)lines / t / 1e6, cpu,
               lps / 1e6, (unsigned long long)records);
    }
    unlink(tmp);
    size_t qlen;
    char *one = load_zst(NVT_BENCH_LOG, &qlen);
    if (one) {
        uint64_t ql = 0;
        for (size_t i = 0; i < qlen; i++)
            ql += one[i] == '\n';
        size_t copies = (size_t)((want + ql - 1) / ql);
        char *all = malloc(qlen * copies);
        if (all) {
            for (size_t c = 0; c < copies; c++)
                memcpy(all + c * qlen, one, qlen);
            uint64_t records = 0;
            double cpu, t = run_qemu(all, qlen * copies, runs, &records, &cpu);
            printf("qemu-log (anchor)  %9llu lines  wall %7.3f s %6.2f M lines/s  cpu %7.3f s %6.2f M lines/s"
                   "  (%llu records)\n",
                   (unsigned long long)(ql * copies), t, (double)(ql * copies) / t / 1e6, cpu,
                   (double)(ql * copies) / cpu / 1e6, (unsigned long long)records);
            free(all);
        }
        free(one);
    }
    printf("target >= 2 M lines/s (linux-trace, into pcapng, CPU time): %s\n",
           worst >= 2e6 ? "met" : "NOT met");
    return 0;
}

/*
 * nvt-bench-index: the analyze path's numbers in one run (docs/performance.md, "Analyze").
 *
 *   1. a synthetic session of N I/O commands (tests/analyze/scenario.c: doorbells, SQE
 *      fetches, DMA, completions, MSI-X, in groups of four), written plain and zstd
 *   2. reader alone over it (the floor every analysis stands on)
 *   3. nvt_index_build to a file: with the lint rules, without, and from the .zst
 *   4. nvt_lint_file alone, nvt_stats_compute on the index, nvt_report_write from the index
 *
 * Each figure is given as wall time and process CPU time, in events per second: on a shared
 * machine the CPU figure is the one that does not depend on the neighbours. A benchmark, not a
 * test: it fails only if something it runs fails; --quick runs small counts so the suite keeps
 * it from rotting.
 *
 * usage: nvt-bench-index [--quick] [--io N] [--dir DIR] [--keep]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "../analyze/scenario.h"
#include "nvmetrace/analyze.h"

static int failures;

struct clock2 {
    struct timespec wall, cpu;
};

static void start(struct clock2 *c)
{
    clock_gettime(CLOCK_MONOTONIC, &c->wall);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c->cpu);
}

static double secs(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Prints "what: wall s (M events/s), cpu s (M events/s)". */
static void report(const char *what, const struct clock2 *c, uint64_t events)
{
    struct clock2 now;
    start(&now);
    double w = secs(&c->wall, &now.wall), p = secs(&c->cpu, &now.cpu);
    printf("  %-34s wall %7.3f s (%5.2f M events/s)   cpu %7.3f s (%5.2f M events/s)\n", what,
           w, w > 0 ? (double)events / w / 1e6 : 0, p, p > 0 ? (double)events / p / 1e6 : 0);
    fflush(stdout);
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static void fail(const char *what, const nvt_error *err)
{
    fprintf(stderr, "nvt-bench-index: %s: %s\n", what, err->msg);
    failures++;
}

int main(int argc, char **argv)
{
    const char *dir = "/tmp";
    int quick = 0, keep = 0;
    long io = 640000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--keep"))
            keep = 1;
        else if (!strcmp(argv[i], "--io") && i + 1 < argc)
            io = atol(argv[++i]);
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            dir = argv[++i];
        else {
            fprintf(stderr, "usage: nvt-bench-index [--quick] [--io N] [--dir DIR] [--keep]\n");
            return 2;
        }
    }
    if (quick)
        io = 4000;
    char plain[512], zst[512], db[512], html[512];
    snprintf(plain, sizeof plain, "%s/bench-index.pcapng", dir);
    snprintf(zst, sizeof zst, "%s/bench-index.pcapng.zst", dir);
    snprintf(db, sizeof db, "%s/bench-index.db", dir);
    snprintf(html, sizeof html, "%s/bench-index.html", dir);
    struct utsname u;
    uname(&u);
    printf("nvt-bench-index: %ld I/O commands, %s %s, %ld CPUs\n", io, u.sysname, u.machine,
           sysconf(_SC_NPROCESSORS_ONLN));

    struct scen s;
    memset(&s, 0, sizeof s);
    s.n_io = (int)io;
    nvt_error err;
    struct clock2 c;
    start(&c);
    if (scen_write(plain, &s, &err) < 0 || scen_write(zst, &s, &err) < 0) {
        fail("writing the session", &err);
        return 1;
    }
    /* count the events with the reader: also the reader's own speed */
    start(&c);
    nvt_reader *r = nvt_reader_open(plain, &err);
    uint64_t events = 0;
    nvt_event ev;
    while (r && nvt_reader_next(r, &ev, &err) == 1)
        events++;
    nvt_reader_close(r);
    printf("  session: %" PRIu64 " events, %lld bytes (%lld as .zst)\n", events,
           file_size(plain), file_size(zst));
    report("reader alone", &c, events);

    nvt_index_result res;
    start(&c);
    if (nvt_index_build(plain, db, NULL, NULL, &res, &err) < 0)
        fail("index", &err);
    else
        report("index, lint on (default)", &c, events);
    long long dbsize = file_size(db);
    nvt_index_opts nolint = {.no_lint = 1};
    start(&c);
    if (nvt_index_build(plain, db, &nolint, NULL, NULL, &err) < 0)
        fail("index --no-lint", &err);
    else
        report("index, --no-lint", &c, events);
    nvt_index_opts evidx = {.events_index = 1};
    start(&c);
    if (nvt_index_build(plain, db, &evidx, NULL, NULL, &err) < 0)
        fail("index --events-index", &err);
    else
        report("index, --events-index", &c, events);
    start(&c);
    if (nvt_index_build(zst, db, NULL, NULL, NULL, &err) < 0)
        fail("index from .zst", &err);
    else
        report("index from .zst", &c, events);
    printf("  index: %" PRIu64 " commands, %lld bytes (%.1f bytes/event)\n", res.commands,
           dbsize, events ? (double)dbsize / (double)events : 0);

    nvt_finding *f;
    size_t nf;
    start(&c);
    if (nvt_lint_file(plain, NULL, &f, &nf, NULL, &err) < 0)
        fail("lint", &err);
    else
        report("lint alone", &c, events);
    free(f);

    struct sqlite3 *h = nvt_db_open(db, &err);
    nvt_stats *st = NULL;
    start(&c);
    if (!h || nvt_stats_compute(h, &st, &err) < 0)
        fail("stats", &err);
    else
        report("stats from the index", &c, events);
    nvt_stats_free(st);
    nvt_db_close(h);
    start(&c);
    if (nvt_report_write(db, html, NULL, &err) < 0)
        fail("report", &err);
    else
        report("report from the index", &c, events);
    printf("  report: %lld bytes\n", file_size(html));
    if (!keep) {
        remove(plain);
        remove(zst);
        remove(db);
        remove(html);
    }
    return failures ? 1 : 0;
}

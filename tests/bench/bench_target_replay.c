/*
 * nvt-bench-target-replay: in-process replay throughput (docs/performance.md, "Replay").
 *
 * Replays TRACE into the device model LIB (a library behind <nvmetrace/target.h>, e.g. the
 * test model of tests/target recorded by nvt-target-record) RUNS times in this process, every
 * output compared, and prints events per second (wall and CPU) for each run and their median;
 * then once through nvt_replay_run with the model in a child process (what `nvmetrace replay
 * --target lib:` does), to show what the isolation costs. Loading the trace is timed apart.
 * A benchmark, not a test: it fails only if a replay is not clean.
 *
 * usage: nvt-bench-target-replay LIB TRACE [--runs N] [--args ARGS]
 */
#include <dlfcn.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nvmetrace/replay.h"
#include "nvmetrace/target.h"

static double now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void on_div(void *ctx, const nvt_divergence *d)
{
    (void)ctx;
    fprintf(stderr, "divergence at %" PRIu64 ": %s: expected %s, got %s\n", d->index, d->what,
            d->expected, d->got);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: nvt-bench-target-replay LIB TRACE [--runs N] [--args ARGS]\n");
        return 2;
    }
    const char *lib = argv[1], *path = argv[2], *args = NULL;
    int runs = 5;
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--args") && i + 1 < argc)
            args = argv[++i];
    }
    if (runs < 1 || runs > 1000)
        runs = 5;

    nvt_error err;
    double w0 = now(CLOCK_MONOTONIC);
    nvt_trace *t = nvt_trace_load(path, &err);
    if (!t) {
        fprintf(stderr, "nvt-bench-target-replay: %s\n", err.msg);
        return 1;
    }
    double load = now(CLOCK_MONOTONIC) - w0;
    size_t n = nvt_trace_count(t);
    printf("trace %s: %zu events, loaded in %.3f s (%.2f M events/s)\n", path, n, load,
           load > 0 ? (double)n / load / 1e6 : 0);

    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    void *sym = h ? dlsym(h, NVT_TARGET_ENTRY_SYMBOL) : NULL;
    if (!sym) {
        fprintf(stderr, "nvt-bench-target-replay: %s: %s\n", lib, dlerror());
        nvt_trace_free(t);
        return 1;
    }
    nvt_target_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry);
    const nvt_target_ops *ops = entry();
    printf("target %s\n", ops->name);

    nvt_replay_opts o;
    nvt_replay_opts_init(&o);
    o.target_args = args;
    o.on_divergence = on_div;
    int failures = 0;
    double *rate = calloc((size_t)runs, sizeof *rate);
    for (int r = 0; r < runs; r++) {
        nvt_replay_result res;
        double w = now(CLOCK_MONOTONIC), c = now(CLOCK_PROCESS_CPUTIME_ID);
        int rc = nvt_replay_run_target(t, ops, &o, &res, &err);
        w = now(CLOCK_MONOTONIC) - w;
        c = now(CLOCK_PROCESS_CPUTIME_ID) - c;
        if (rc < 0 || res.status != NVT_REPLAY_CLEAN) {
            fprintf(stderr, "run %d: %s\n", r, rc < 0 ? err.msg : "not clean");
            failures++;
        }
        rate[r] = w > 0 ? (double)res.events / w : 0;
        printf("  in process, run %d: wall %.3f s (%.2f M events/s)   cpu %.3f s (%.2f M "
               "events/s)   host actions %" PRIu64 ", outputs compared %" PRIu64 "\n",
               r + 1, w, rate[r] / 1e6, c, c > 0 ? (double)res.events / c / 1e6 : 0,
               res.host_actions, res.compared);
    }
    qsort(rate, (size_t)runs, sizeof *rate, cmp_double);
    printf("in process: median %.2f M events/s (min %.2f, max %.2f) over %d runs\n",
           rate[runs / 2] / 1e6, rate[0] / 1e6, rate[runs - 1] / 1e6, runs);
    free(rate);

    o.target_lib = lib;
    nvt_replay_result res;
    double w = now(CLOCK_MONOTONIC);
    int rc = nvt_replay_run(t, &o, &res, &err);
    w = now(CLOCK_MONOTONIC) - w;
    if (rc < 0 || res.status != NVT_REPLAY_CLEAN) {
        fprintf(stderr, "child process run: %s\n", rc < 0 ? err.msg : "not clean");
        failures++;
    }
    printf("in a child process (nvmetrace replay --target lib:): wall %.3f s (%.2f M events/s)\n",
           w, w > 0 ? (double)res.events / w / 1e6 : 0);
    dlclose(h);
    nvt_trace_free(t);
    return failures ? 1 : 0;
}

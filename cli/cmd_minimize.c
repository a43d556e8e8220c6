/* nvmetrace minimize: shrink a crashing trace while the same crash still happens. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_replay.h"
#include "nvmetrace/replay.h"

#define EXIT_NO_CRASH 1
#define EXIT_TARGET 4

static void progress(void *ctx, uint64_t runs, uint64_t kept, int reproduced)
{
    (void)ctx;
    fprintf(stderr, "\rnvmetrace minimize: run %" PRIu64 ": %" PRIu64 " events, %s   ", runs, kept,
            reproduced ? "crashes" : "no crash");
}

static int run(int argc, char **argv)
{
    const char *path = NULL, *out = NULL;
    int quiet = 0;
    uint64_t retries = 0;
    struct cli_target tg = {0};
    nvt_minimize_opts o;
    memset(&o, 0, sizeof o);
    for (int i = 1; i < argc; i++) {
        int r = cli_target_option("minimize", argc, argv, &i, &tg);
        if (r < 0)
            return EXIT_USAGE;
        if (r)
            continue;
        const char *a = argv[i];
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc)
                return cli_usage_error("minimize", "%s needs a file name", a);
            out = argv[++i];
        } else if (!strcmp(a, "--signature")) {
            if (i + 1 >= argc)
                return cli_usage_error("minimize", "--signature needs the crash signature text");
            o.signature = argv[++i];
        } else if (!strcmp(a, "--shrink-setup")) {
            o.shrink_setup = 1;
        } else if (!strcmp(a, "--retries")) {
            if (i + 1 >= argc || cli_parse_u64(argv[i + 1], &retries) < 0 || retries > 100)
                return cli_usage_error("minimize", "--retries takes 0..100");
            i++;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("minimize", "unknown option '%s'", a);
        } else if (path) {
            return cli_usage_error("minimize", "one trace at a time");
        } else {
            path = a;
        }
    }
    if (!path || !out)
        return cli_usage_error("minimize", "need a TRACE and -o OUTPUT");
    if (tg.no_fork)
        return cli_usage_error("minimize", "--no-fork: minimize needs the model in a child "
                                           "process, to survive its crashes");
    nvt_replay_opts_init(&o.replay);
    if (cli_target_apply("minimize", &tg, &o.replay) < 0)
        return EXIT_USAGE;
    o.retries = (unsigned)retries;
    if (!quiet)
        o.on_progress = progress;
    nvt_error err;
    nvt_trace *t = nvt_trace_load(path, &err);
    if (!t) {
        fprintf(stderr, "nvmetrace minimize: %s\n", err.msg);
        cli_target_free(&tg);
        return EXIT_USAGE;
    }
    uint8_t *keep = malloc(nvt_trace_count(t) ? nvt_trace_count(t) : 1);
    nvt_minimize_result res;
    int rc = keep ? nvt_minimize(t, &o, keep, &res, &err) : -1;
    if (!keep)
        snprintf(err.msg, sizeof err.msg, "out of memory");
    if (!quiet)
        fprintf(stderr, "\n");
    cli_target_free(&tg);
    if (rc < 0) {
        fprintf(stderr, "nvmetrace minimize: %s\n", err.msg);
        free(keep);
        nvt_trace_free(t);
        return err.code == NVT_E_IO ? EXIT_TARGET : err.code == NVT_E_ARG ? EXIT_NO_CRASH : EXIT_USAGE;
    }
    char comment[512];
    snprintf(comment, sizeof comment, "nvmetrace minimize of %s: crash %s", path, res.signature);
    const char *orig = nvt_trace_comment(t);
    /* Keep the QEMU command line the replay configures its target from. */
    const char *dd = strstr(orig, " -- ");
    char *full = malloc(strlen(comment) + (dd ? strlen(dd) : 0) + 1);
    if (full) {
        strcpy(full, comment);
        if (dd)
            strcat(full, dd);
    }
    if (nvt_trace_write(t, keep, out, full ? full : comment, &err) < 0) {
        fprintf(stderr, "nvmetrace minimize: %s\n", err.msg);
        free(full);
        free(keep);
        nvt_trace_free(t);
        return EXIT_USAGE;
    }
    free(full);
    printf("crash: %s\n", res.signature);
    printf("full trace: crashed in %d of 3 runs%s\n", 3 - (int)res.flaky_runs,
           res.flaky_runs ? " (flaky: candidates were retried)" : "");
    printf("events: %" PRIu64 " -> %" PRIu64 " (%.1f%%), host actions: %" PRIu64 " -> %" PRIu64 "\n",
           res.events_before, res.events_after,
           res.events_before ? 100.0 * (double)res.events_after / (double)res.events_before : 0.0,
           res.host_actions_before, res.host_actions_after);
    printf("crash at event %" PRId64 " of the minimized trace\n", res.crash_index);
    printf("runs: %" PRIu64 " in %.1f s\n", res.runs, res.seconds);
    printf("written: %s\n", out);
    free(keep);
    nvt_trace_free(t);
    return EXIT_OK;
}

const struct nvt_command cmd_minimize = {
    "minimize", "shrink a trace that crashes its target to what the crash needs", run,
    "NAME\n"
    "    nvmetrace minimize - shrink a trace that crashes its target to what the crash needs\n\n"
    "SYNOPSIS\n"
    "    nvmetrace minimize [--signature SIG] [--shrink-setup] [--retries N] [--quiet]\n"
    "                       [--target qemu[:PATH]] [--qemu-args ARGS] [--add-args ARGS]\n"
    "                       [--accel auto|qtest|tcg] [--module-dir DIR] [--timeout MS]\n"
    "                       [--target lib:PATH [--target-args ARGS]] TRACE -o OUTPUT\n\n"
    "DESCRIPTION\n"
    "    Replays TRACE (as `nvmetrace replay` does, without comparing outputs) three times to\n"
    "    learn its crash signature (signal plus the assertion or sanitizer summary line), then\n"
    "    removes what the crash does not need by delta debugging: first everything after the\n"
    "    crash, then whole steps (host actions and the device events after them), then single\n"
    "    events, keeping a candidate only when the target (QEMU, or a device model library\n"
    "    with --target lib:) still crashes with the same signature.\n"
    "    Controller setup (config writes, BAR mapping, controller register setup and enable,\n"
    "    queue creation, Doorbell Buffer Config) is kept so the result stays a meaningful\n"
    "    NVMe sequence; --shrink-setup tries without it too. If the full trace does not crash\n"
    "    in all three runs, candidates that do not crash are retried. Prints the reduction;\n"
    "    writes the smallest trace found to OUTPUT (`nvmetrace export qtest` turns it into a\n"
    "    script for a QEMU bug report).\n\n"
    "OPTIONS\n"
    "    -o, --output FILE     the minimized trace\n"
    "    --signature SIG       keep this crash (as `replay` prints it) instead of the trace's\n"
    "    --shrink-setup        also try removing controller setup\n"
    "    --retries N           runs of a non-crashing candidate when the trace is flaky\n"
    "                          (default 2)\n"
    "    --quiet               no progress on standard error\n"
    "    --target, --target-args, --qemu-args, --add-args, --accel, --module-dir, --timeout\n"
    "                          as for `nvmetrace replay`\n\n"
    "EXIT STATUS\n"
    "    0 minimized; 1 the trace does not crash the target (with SIG); 2 usage error or\n"
    "    unreadable trace; 4 QEMU or the target library is missing or refused its options.\n",
};

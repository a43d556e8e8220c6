/* nvmetrace index: a trace into an sqlite3 database (docs/sql.md). Also home of what the
 * analyze commands share: the progress line on a terminal, JSON strings. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "nvmetrace/analyze.h"

struct progress {
    const char *label;
    int tty;
    int shown;
    struct timespec start;
};

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* One progress state per process is enough: the commands run one long pass at a time. */
void *analyze_progress_ctx(const char *label)
{
    static struct progress p;
    p.label = label;
    p.tty = isatty(STDERR_FILENO);
    p.shown = 0;
    clock_gettime(CLOCK_MONOTONIC, &p.start);
    return &p;
}

/* Rewrites one stderr line, only on a terminal: "indexing: 12.6 M events, 41%, 2.3 M/s". */
int analyze_progress(void *ctx, uint64_t events, uint64_t offset, uint64_t file_size)
{
    struct progress *p = ctx;
    if (!p || !p->tty)
        return 0;
    if (offset == UINT64_MAX) {
        if (p->shown)
            fprintf(stderr, "\r\033[K");
        p->shown = 0;
        return 0;
    }
    double s = since(&p->start);
    fprintf(stderr, "\r\033[K%s: %.1f M events", p->label, (double)events / 1e6);
    if (file_size && offset <= file_size)
        fprintf(stderr, ", %d%%", (int)(100.0 * (double)offset / (double)file_size));
    if (s > 0)
        fprintf(stderr, ", %.2f M events/s", (double)events / 1e6 / s);
    fflush(stderr);
    p->shown = 1;
    return 0;
}

static int run(int argc, char **argv)
{
    const char *path = NULL, *out = NULL;
    int quiet = 0;
    nvt_index_opts o;
    memset(&o, 0, sizeof o);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
            if (++i == argc)
                return cli_usage_error("index", "%s needs a file name", argv[i - 1]);
            out = argv[i];
        } else if (!strcmp(argv[i], "--no-lint"))
            o.no_lint = 1;
        else if (!strcmp(argv[i], "--events-index"))
            o.events_index = 1;
        else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
            quiet = 1;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("index", "unknown option '%s'", argv[i]);
        else if (path)
            return cli_usage_error("index", "one trace at a time");
        else
            path = argv[i];
    }
    if (!path)
        return cli_usage_error("index", "no trace given");
    if (!out)
        return cli_usage_error("index", "no output given (-o trace.db)");
    o.progress = analyze_progress;
    o.progress_ctx = analyze_progress_ctx("indexing");
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    nvt_index_result res;
    nvt_error err;
    if (nvt_index_build(path, out, &o, NULL, &res, &err) < 0) {
        fprintf(stderr, "nvmetrace index: %s\n", err.msg);
        return EXIT_FAIL;
    }
    double s = since(&t0);
    if (!quiet)
        printf("%s: %" PRIu64 " events, %" PRIu64 " commands (%" PRIu64 " without completion), "
               "%" PRIu64 " orphan completions, %" PRIu64 " lint findings in %.2f s (%.2f M "
               "events/s)\n",
               out, res.events, res.commands, res.incomplete_commands, res.orphan_completions,
               res.findings, s, s > 0 ? (double)res.events / 1e6 / s : 0.0);
    return EXIT_OK;
}

const struct nvt_command cmd_index = {
    "index", "index a trace into an sqlite3 database for SQL queries", run,
    "NAME\n"
    "    nvmetrace index - index a trace into an sqlite3 database\n\n"
    "SYNOPSIS\n"
    "    nvmetrace index [--no-lint] [--events-index] [-q] TRACE -o DB\n\n"
    "DESCRIPTION\n"
    "    Reads TRACE and writes DB, an sqlite3 database with one row per event and the tables\n"
    "    an analysis needs: devices, commands (each submission joined to its completion by\n"
    "    device, SQ id and CID, with opcode, queue, CID, NSID, SLBA/NLB, status and latency),\n"
    "    queues (created, deleted, size, CQ, vector, flags), register history, BAR history,\n"
    "    interrupts, Identify data, namespaces, annotations and the lint findings. The schema\n"
    "    is documented in docs/sql.md with ten example queries; open DB with the sqlite3\n"
    "    shell or any SQLite library. DB is replaced if it exists; it is written under a\n"
    "    temporary name and renamed when complete, so a failed run leaves nothing behind.\n"
    "    Fields the trace does not know (QEMU log imports) are NULL. On a terminal, progress\n"
    "    is shown on standard error. 'nvmetrace stats' and 'nvmetrace report' accept DB in\n"
    "    place of the trace.\n\n"
    "OPTIONS\n"
    "    -o, --output DB   the database to write (required)\n"
    "    --no-lint         skip the lint rules (the findings table stays empty)\n"
    "    --events-index    also index events by (type, device): faster typed views on big\n"
    "                      traces, slower import\n"
    "    -q, --quiet       no summary line\n\n"
    "EXIT STATUS\n"
    "    0 the index was written; 1 the trace could not be read (the message names the file\n"
    "    and byte offset) or DB could not be written; 2 usage error.\n",
};

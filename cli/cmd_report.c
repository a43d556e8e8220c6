/* nvmetrace report: one self-contained HTML page with plots. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nvmetrace/analyze.h"

/* Terminal progress line for the analyze commands; defined in cmd_index.c. */
int analyze_progress(void *ctx, uint64_t events, uint64_t offset, uint64_t file_size);
void *analyze_progress_ctx(const char *label);

static int run(int argc, char **argv)
{
    const char *path = NULL, *out = NULL;
    nvt_report_opts o;
    memset(&o, 0, sizeof o);
    for (int i = 1; i < argc; i++) {
        uint64_t v;
        if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output") || !strcmp(argv[i], "--title")) {
            if (++i == argc)
                return cli_usage_error("report", "%s needs a value", argv[i - 1]);
            if (!strcmp(argv[i - 1], "--title"))
                o.title = argv[i];
            else
                out = argv[i];
        } else if (!strcmp(argv[i], "--timeline")) {
            if (++i == argc || cli_parse_u64(argv[i], &v) < 0 || v == 0 || v > 10000000)
                return cli_usage_error("report", "--timeline needs a number from 1 to 10000000");
            o.max_timeline = (size_t)v;
        } else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("report", "unknown option '%s'", argv[i]);
        else if (path)
            return cli_usage_error("report", "one trace at a time");
        else
            path = argv[i];
    }
    if (!path)
        return cli_usage_error("report", "no trace given");
    if (!out)
        return cli_usage_error("report", "no output given (-o report.html)");
    o.progress = analyze_progress;
    o.progress_ctx = analyze_progress_ctx("reading");
    nvt_error err;
    nvt_coverage cov;
    o.coverage = &cov;
    if (nvt_report_write(path, out, &o, &err) < 0) {
        fprintf(stderr, "nvmetrace report: %s\n", err.msg);
        return EXIT_FAIL;
    }
    char why[160];
    if (nvt_coverage_check(&cov, why, sizeof why) != NVT_COVERAGE_OK)
        fprintf(stderr, "nvmetrace report: %s: nothing to judge: %s (the report says so)\n",
                path, why);
    return EXIT_OK;
}

const struct nvt_command cmd_report = {
    "report", "write a self-contained HTML report with plots", run,
    "NAME\n"
    "    nvmetrace report - write a self-contained HTML report with plots\n\n"
    "SYNOPSIS\n"
    "    nvmetrace report [--title TEXT] [--timeline N] TRACE|DB -o REPORT.html\n\n"
    "DESCRIPTION\n"
    "    Writes one HTML file that needs no network and no other file (its stylesheet and\n"
    "    script are inside it; the charts are SVG the page draws itself): the trace's summary,\n"
    "    the device's identity (PCI ids, emulator, Identify Controller and Namespace fields,\n"
    "    BAR sizes, MSI-X vectors), the lint findings with their citations, a latency\n"
    "    histogram per opcode with p50 and p99 marks, the depth of each submission queue over\n"
    "    time, a timeline of the commands (one row per queue; zoom with the mouse wheel, pan by\n"
    "    dragging, hover for details) and the per-opcode statistics of 'nvmetrace stats'.\n"
    "    TRACE is indexed in memory (with the lint rules); an index from 'nvmetrace index' is\n"
    "    used as it is. REPORT.html is written under a temporary name and renamed when\n"
    "    complete. On a terminal, progress is shown on standard error. docs/analyze.md shows\n"
    "    a screenshot.\n\n"
    "OPTIONS\n"
    "    -o, --output FILE  the HTML file to write (required)\n"
    "    --title TEXT       page title (default: the trace's file name)\n"
    "    --timeline N       commands drawn on the timeline, in submission order (default\n"
    "                       5000)\n\n"
    "EXIT STATUS\n"
    "    0 the report was written; 1 the trace or index could not be read or the file could\n"
    "    not be written; 2 usage error. A trace with no device, no commands, or more importer\n"
    "    warnings than records is still reported (exit 0), under a \"Nothing to judge:\n"
    "    <why>\" banner at the top of the page, and the reason is printed on stderr.\n",
};

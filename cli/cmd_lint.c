/* nvmetrace lint: spec-conformance rules over a trace (docs/lint.md). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nvmetrace/analyze.h"

/* Terminal progress line for the analyze commands; defined in cmd_index.c. */
int analyze_progress(void *ctx, uint64_t events, uint64_t offset, uint64_t file_size);
void *analyze_progress_ctx(const char *label);
/* A JSON string literal of s on stdout; defined in cmd_index.c. */

#define EXIT_UNREADABLE 3
#define EXIT_NOTHING 4 /* the trace holds nothing to judge (nvt_coverage_check) */
#define MAX_DISABLE 64


static void list_rules(int json)
{
    size_t n;
    const nvt_lint_rule *r = nvt_lint_rules(&n);
    if (json)
        printf("[");
    for (size_t i = 0; i < n; i++) {
        if (json) {
            printf("%s{\"id\":", i ? "," : "");
            cli_json_str(stdout, r[i].id);
            printf(",\"severity\":\"%s\",\"title\":", nvt_severity_name(r[i].severity));
            cli_json_str(stdout, r[i].title);
            printf(",\"spec\":");
            cli_json_str(stdout, r[i].spec);
            printf("}");
        } else {
            printf("%-28s %-7s %s\n%28s         %s\n", r[i].id, nvt_severity_name(r[i].severity),
                   r[i].title, "", r[i].spec);
        }
    }
    if (json)
        printf("]\n");
}

static void print_text(const char *path, const nvt_finding *f, size_t n,
                       const nvt_lint_summary *sum, int verbose)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t rel = f[i].ts_ns >= sum->first_ns ? f[i].ts_ns - sum->first_ns : 0;
        printf("%s: event %" PRIu64 " (%s, +%" PRIu64 ".%09" PRIu64 " s): %s: %s: %s", path,
               f[i].event, f[i].bdf[0] ? f[i].bdf : "device ?", rel / 1000000000u,
               rel % 1000000000u, nvt_severity_name(f[i].rule->severity), f[i].rule->id,
               f[i].message);
        if (f[i].count > 1)
            printf(" [%" PRIu64 " times]", f[i].count);
        printf("\n");
        if (verbose)
            printf("    spec: %s\n", f[i].rule->spec);
    }
    printf("%" PRIu64 " error%s, %" PRIu64 " warning%s, %" PRIu64 " info in %" PRIu64
           " events over %" PRIu64 " command%s, %" PRIu64 " register access%s\n",
           sum->by_severity[NVT_SEV_ERROR], sum->by_severity[NVT_SEV_ERROR] == 1 ? "" : "s",
           sum->by_severity[NVT_SEV_WARNING], sum->by_severity[NVT_SEV_WARNING] == 1 ? "" : "s",
           sum->by_severity[NVT_SEV_INFO], sum->events, sum->cov.commands,
           sum->cov.commands == 1 ? "" : "s", sum->cov.register_accesses,
           sum->cov.register_accesses == 1 ? "" : "es");
}

static void print_json(const char *path, const nvt_finding *f, size_t n,
                       const nvt_lint_summary *sum)
{
    printf("{\"file\":");
    cli_json_str(stdout, path);
    char why[160];
    int verdict = nvt_coverage_check(&sum->cov, why, sizeof why);
    printf(",\"events\":%" PRIu64 ",\"devices\":%" PRIu64 ",\"commands\":%" PRIu64
           ",\"register_accesses\":%" PRIu64 ",\"checked\":%s,\"not_checked_why\":",
           sum->events, sum->cov.devices, sum->cov.commands, sum->cov.register_accesses,
           verdict == NVT_COVERAGE_OK ? "true" : "false");
    if (verdict == NVT_COVERAGE_OK)
        printf("null");
    else
        cli_json_str(stdout, why);
    printf(",\"errors\":%" PRIu64 ",\"warnings\":%" PRIu64 ",\"info\":%" PRIu64
           ",\"findings\":[",
           sum->by_severity[NVT_SEV_ERROR], sum->by_severity[NVT_SEV_WARNING],
           sum->by_severity[NVT_SEV_INFO]);
    for (size_t i = 0; i < n; i++) {
        printf("%s{\"rule\":", i ? "," : "");
        cli_json_str(stdout, f[i].rule->id);
        printf(",\"severity\":\"%s\",\"device\":%u,\"bdf\":", nvt_severity_name(f[i].rule->severity),
               f[i].device);
        cli_json_str(stdout, f[i].bdf);
        printf(",\"event\":%" PRIu64 ",\"seq\":%" PRIu64 ",\"ts_ns\":%" PRIu64
               ",\"count\":%" PRIu64 ",\"message\":",
               f[i].event, f[i].seq, f[i].ts_ns, f[i].count);
        cli_json_str(stdout, f[i].message);
        printf(",\"spec\":");
        cli_json_str(stdout, f[i].rule->spec);
        printf("}");
    }
    printf("]}\n");
}

static int run(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0, strict = 0, rules = 0, verbose = 0;
    char *disable_buf[MAX_DISABLE + 1];
    size_t ndisable = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "--strict"))
            strict = 1;
        else if (!strcmp(argv[i], "--rules"))
            rules = 1;
        else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
            verbose = 1;
        else if (!strcmp(argv[i], "--disable")) {
            if (++i == argc)
                return cli_usage_error("lint", "--disable needs a rule id");
            for (char *tok = strtok(argv[i], ","); tok; tok = strtok(NULL, ",")) {
                if (!nvt_lint_rule_find(tok))
                    return cli_usage_error("lint", "unknown rule '%s' (see --rules)", tok);
                if (ndisable == MAX_DISABLE)
                    return cli_usage_error("lint", "too many --disable rules");
                disable_buf[ndisable++] = tok;
            }
        } else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("lint", "unknown option '%s'", argv[i]);
        else if (path)
            return cli_usage_error("lint", "one trace at a time");
        else
            path = argv[i];
    }
    if (rules) {
        list_rules(json);
        return EXIT_OK;
    }
    if (!path)
        return cli_usage_error("lint", "no trace given");
    disable_buf[ndisable] = NULL;
    nvt_lint_opts o = {(const char *const *)disable_buf, analyze_progress,
                       analyze_progress_ctx("linting")};
    nvt_finding *f;
    size_t n;
    nvt_lint_summary sum;
    nvt_error err;
    int rc = nvt_lint_file(path, &o, &f, &n, &sum, &err);
    if (rc < 0) {
        fprintf(stderr, "nvmetrace lint: %s\n", err.msg);
        free(f);
        return EXIT_UNREADABLE;
    }
    if (json)
        print_json(path, f, n, &sum);
    else
        print_text(path, f, n, &sum, verbose);
    free(f);
    if (sum.by_severity[NVT_SEV_ERROR] || (strict && sum.by_severity[NVT_SEV_WARNING]))
        return EXIT_FAIL;
    /* never an empty success: no findings in a trace that holds nothing is not "clean" */
    char why[160];
    if (nvt_coverage_check(&sum.cov, why, sizeof why) != NVT_COVERAGE_OK) {
        if (!json)
            printf("NOT CHECKED: %s\n", why);
        fprintf(stderr, "nvmetrace lint: %s: nothing to check: %s\n", path, why);
        return EXIT_NOTHING;
    }
    return EXIT_OK;
}

const struct nvt_command cmd_lint = {
    "lint", "check a trace against the NVMe and PCI specifications", run,
    "NAME\n"
    "    nvmetrace lint - check a trace against the NVMe and PCI specifications\n\n"
    "SYNOPSIS\n"
    "    nvmetrace lint [--json] [-v] [--strict] [--disable RULE[,RULE...]] TRACE\n"
    "    nvmetrace lint --rules [--json]\n\n"
    "DESCRIPTION\n"
    "    Follows the traced devices through TRACE (config space, BARs, controller registers,\n"
    "    queues, commands) and reports where the guest or the device broke a rule of the NVMe\n"
    "    Base Specification or the PCI Local Bus Specification: BAR0 smaller than 16 KiB, a BAR\n"
    "    rewritten while memory decoding is on, accesses at another address than the BAR holds,\n"
    "    CIDs reused while outstanding, completions without a submission, doorbells beyond the\n"
    "    queue size or for missing queues, SQs created on missing CQs, commands before CSTS.RDY,\n"
    "    CC changed while enabled, MSI-X vectors beyond the table, transfers beyond MDTS, bad\n"
    "    PRP offsets, reserved bits set, completion queue overruns and capture drops.\n"
    "    Each finding names the event (its 0-based index, as in 'nvmetrace dump'), the device,\n"
    "    the time since the first event, the severity, the rule id and what was seen; rules\n"
    "    that would repeat on every event report the first occurrence per device and a count.\n"
    "    Only fields the trace knows are checked: a QEMU log import, which lacks MMIO read\n"
    "    values and Identify data, is checked on what it has. docs/lint.md lists every rule\n"
    "    with its citation.\n\n"
    "OPTIONS\n"
    "    --json       one JSON object: counts and the findings with their citations\n"
    "    -v, --verbose  print each finding's spec citation under it\n"
    "    --strict     exit 1 on warnings too\n"
    "    --disable RULE[,RULE...]\n"
    "                 skip these rules (repeatable)\n"
    "    --rules      list the rules (id, severity, title, citation) and exit\n\n"
    "EXIT STATUS\n"
    "    0 no error findings over a trace that holds commands; 1 at least one error (or\n"
    "    warning, with --strict); 2 usage error; 3 the trace could not be read (the message\n"
    "    names the file and byte offset); 4 nothing to check: the trace has no device, no\n"
    "    commands, or more importer warnings (lines skipped as malformed or unknown, from its\n"
    "    capture statistics) than records. The summary line says what was checked (\"0\n"
    "    errors, 0 warnings, 0 info in E events over N commands, M register accesses\"); with\n"
    "    4 it is followed by \"NOT CHECKED: <why>\" (the reason is on stderr too).\n",
};

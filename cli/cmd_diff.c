/* nvmetrace diff: where two devices behave differently for the same guest workload. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nvmetrace/analyze.h"

/* A JSON string literal of s on stdout; defined in cmd_index.c. */

#define EXIT_DIVERGE 1
#define EXIT_UNREADABLE 3
#define EXIT_NOTHING 4 /* a trace holds nothing to compare (nvt_coverage_check) */


static void event_text(uint64_t ev, char *buf, size_t len)
{
    if (ev == UINT64_MAX)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%" PRIu64, ev);
}

static uint64_t total(const nvt_diff_result *r)
{
    uint64_t n = 0;
    for (int k = 0; k < NVT_DIFF_NKINDS; k++)
        n += r->total[k];
    return n;
}

/* Why a side cannot be judged, or NULL. */
static const char *nothing(const nvt_coverage *c, char *buf, size_t len)
{
    return nvt_coverage_check(c, buf, len) == NVT_COVERAGE_OK ? NULL : buf;
}

static void print_notes(const nvt_diff_result *r)
{
    if (!r->nnotes)
        return;
    printf("\nnot compared, one side lacks the data (%zu)\n", r->nnotes);
    for (size_t i = 0; i < r->nnotes; i++)
        printf("  %s: A %s, B %s\n", r->notes[i].what, r->notes[i].a, r->notes[i].b);
}

static void print_text(const char *a, const char *b, const nvt_diff_result *r)
{
    printf("A: %s (%" PRIu64 " commands)\nB: %s (%" PRIu64 " commands)\n%" PRIu64
           " commands aligned by order and kind\n",
           a, r->commands_a, b, r->commands_b, r->aligned);
    char wa[160], wb[160];
    const char *na = nothing(&r->cov_a, wa, sizeof wa), *nb = nothing(&r->cov_b, wb, sizeof wb);
    if (na || nb) {
        /* never an empty success: no divergence between traces that hold nothing is not
         * "same" */
        printf("\nNOT COMPARED:");
        if (na)
            printf(" A: %s%s", na, nb ? ";" : "");
        if (nb)
            printf(" B: %s", nb);
        printf("\n");
    }
    print_notes(r);
    if (!r->nitems) {
        if (!na && !nb)
            printf("\nno behavioural divergence\n");
        return;
    }
    /* the earliest divergence of the device (not of the workload) */
    const nvt_divergence *first = NULL;
    for (size_t i = 0; i < r->nitems; i++)
        if (r->items[i].kind != NVT_DIFF_WORKLOAD &&
            (!first || r->items[i].order < first->order))
            first = &r->items[i];
    if (first)
        printf("\nfirst divergence: %s: %s: A %s, B %s\n", nvt_diff_kind_name(first->kind),
               first->what, first->a, first->b);
    else
        printf("\nno behavioural divergence of the devices; the guest's commands differ\n");
    int kind = -1;
    for (size_t i = 0; i < r->nitems; i++) {
        const nvt_divergence *d = &r->items[i];
        if (d->kind != kind) {
            kind = d->kind;
            printf("\n%s (%" PRIu64 ")%s\n", nvt_diff_kind_name(kind), r->total[kind],
                   kind == NVT_DIFF_WORKLOAD ? ": the guest's commands differ" : "");
        }
        char ea[24], eb[24];
        event_text(d->event_a, ea, sizeof ea);
        event_text(d->event_b, eb, sizeof eb);
        printf("  %s: A %s, B %s (events %s / %s)\n", d->what, d->a, d->b, ea, eb);
        size_t shown = 0;
        for (size_t j = 0; j <= i; j++)
            shown += r->items[j].kind == kind;
        if ((i + 1 == r->nitems || r->items[i + 1].kind != kind) && r->total[kind] > shown)
            printf("  ... %" PRIu64 " more\n", r->total[kind] - shown);
    }
    printf("\n%" PRIu64 " divergences:", total(r));
    for (int k = 0; k < NVT_DIFF_NKINDS; k++)
        if (r->total[k])
            printf(" %s %" PRIu64, nvt_diff_kind_name(k), r->total[k]);
    printf("\n");
}

static void print_json(const char *a, const char *b, const nvt_diff_result *r)
{
    printf("{\"a\":");
    cli_json_str(stdout, a);
    printf(",\"b\":");
    cli_json_str(stdout, b);
    printf(",\"commands_a\":%" PRIu64 ",\"commands_b\":%" PRIu64 ",\"aligned\":%" PRIu64
           ",\"totals\":{",
           r->commands_a, r->commands_b, r->aligned);
    for (int k = 0; k < NVT_DIFF_NKINDS; k++)
        printf("%s\"%s\":%" PRIu64, k ? "," : "", nvt_diff_kind_name(k), r->total[k]);
    char wa[160], wb[160];
    const char *na = nothing(&r->cov_a, wa, sizeof wa), *nb = nothing(&r->cov_b, wb, sizeof wb);
    printf("},\"compared\":%s,\"not_compared_a\":", na || nb ? "false" : "true");
    if (na)
        cli_json_str(stdout, na);
    else
        printf("null");
    printf(",\"not_compared_b\":");
    if (nb)
        cli_json_str(stdout, nb);
    else
        printf("null");
    printf(",\"lacking\":[");
    for (size_t i = 0; i < r->nnotes; i++) {
        printf("%s{\"what\":", i ? "," : "");
        cli_json_str(stdout, r->notes[i].what);
        printf(",\"a\":");
        cli_json_str(stdout, r->notes[i].a);
        printf(",\"b\":");
        cli_json_str(stdout, r->notes[i].b);
        printf("}");
    }
    printf("],\"divergences\":[");
    for (size_t i = 0; i < r->nitems; i++) {
        const nvt_divergence *d = &r->items[i];
        printf("%s{\"kind\":\"%s\",\"what\":", i ? "," : "", nvt_diff_kind_name(d->kind));
        cli_json_str(stdout, d->what);
        printf(",\"a\":");
        cli_json_str(stdout, d->a);
        printf(",\"b\":");
        cli_json_str(stdout, d->b);
        printf(",\"event_a\":");
        if (d->event_a == UINT64_MAX)
            printf("null");
        else
            printf("%" PRIu64, d->event_a);
        printf(",\"event_b\":");
        if (d->event_b == UINT64_MAX)
            printf("null");
        else
            printf("%" PRIu64, d->event_b);
        printf("}");
    }
    printf("]}\n");
}

/* The vantage point of device index dev in path (NVT_VANTAGE_*), or -1 (unreadable, no such
 * device: nvt_diff_files then says so). */
static int vantage_of(const char *path, uint32_t dev)
{
    nvt_error err;
    nvt_reader *rd = nvt_reader_open(path, &err);
    nvt_event ev;
    int v = -1;
    while (rd && nvt_reader_device_count(rd) <= dev && nvt_reader_next(rd, &ev, &err) == 1)
        ;
    if (rd && nvt_reader_device_count(rd) > dev)
        v = nvt_reader_device(rd, dev)->vantage;
    if (rd)
        nvt_reader_close(rd);
    return v;
}

static int run(int argc, char **argv)
{
    const char *paths[2] = {NULL, NULL};
    int npaths = 0, json = 0;
    nvt_diff_opts o;
    memset(&o, 0, sizeof o);
    for (int i = 1; i < argc; i++) {
        uint64_t v;
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "--max") || !strcmp(argv[i], "--device-a") ||
                 !strcmp(argv[i], "--device-b")) {
            if (i + 1 == argc || cli_parse_u64(argv[i + 1], &v) < 0 || v > 0xffffffffu)
                return cli_usage_error("diff", "%s needs a number", argv[i]);
            if (!strcmp(argv[i], "--max"))
                o.max_per_kind = v ? (size_t)v : SIZE_MAX;
            else if (!strcmp(argv[i], "--device-a"))
                o.device_a = (uint32_t)v;
            else
                o.device_b = (uint32_t)v;
            i++;
        } else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("diff", "unknown option '%s'", argv[i]);
        else if (npaths == 2)
            return cli_usage_error("diff", "two traces, A and B");
        else
            paths[npaths++] = argv[i];
    }
    if (npaths != 2)
        return cli_usage_error("diff", "two traces, A and B");
    /* A guest-side trace holds what the driver saw: compared with a device-side one as if it
     * were another device, every fact the guest cannot see would read as a divergence. */
    int va = vantage_of(paths[0], o.device_a), vb = vantage_of(paths[1], o.device_b);
    if (va >= 0 && vb >= 0 && va != vb) {
        fprintf(stderr, "nvmetrace diff: %s is seen from the %s, %s from the %s: diff compares two "
                        "devices seen from the same side (docs/guest-capture.md)\n",
                paths[0], va == NVT_VANTAGE_GUEST ? "guest" : "device", paths[1],
                vb == NVT_VANTAGE_GUEST ? "guest" : "device");
        return EXIT_NOTHING;
    }
    nvt_diff_result *r;
    nvt_error err;
    if (nvt_diff_files(paths[0], paths[1], &o, &r, &err) < 0) {
        fprintf(stderr, "nvmetrace diff: %s\n", err.msg);
        return EXIT_UNREADABLE;
    }
    if (json)
        print_json(paths[0], paths[1], r);
    else
        print_text(paths[0], paths[1], r);
    /* the guest's own differences are reported but are not the devices' */
    int rc = EXIT_OK;
    for (int k = 0; k < NVT_DIFF_NKINDS; k++)
        if (k != NVT_DIFF_WORKLOAD && r->total[k])
            rc = EXIT_DIVERGE;
    char why[160];
    for (int side = 0; side < 2; side++)
        if (nothing(side ? &r->cov_b : &r->cov_a, why, sizeof why)) {
            fprintf(stderr, "nvmetrace diff: %s: nothing to compare: %s\n", paths[side], why);
            rc = EXIT_NOTHING; /* what was found between them means nothing */
        }
    nvt_diff_free(r);
    return rc;
}

const struct nvt_command cmd_diff = {
    "diff", "where two devices behave differently for the same guest workload", run,
    "NAME\n"
    "    nvmetrace diff - where two devices behave differently for the same workload\n\n"
    "SYNOPSIS\n"
    "    nvmetrace diff [--json] [--max N] [--device-a N] [--device-b N] A B\n\n"
    "DESCRIPTION\n"
    "    Compares two traces of the same guest workload, for example one guest booted on two\n"
    "    emulators or on one emulator with different device properties, and reports where the\n"
    "    devices behaved differently, earliest first within each kind:\n"
    "      device      PCI ids, class and revision of the traced function;\n"
    "      config      values the device returned for config space reads (BAR registers\n"
    "                  excepted: they hold addresses the guest chose);\n"
    "      bar         BAR sizes and types from the sizing probe or the emulator's mapping;\n"
    "      register    controller register read values (CAP, VS, CSTS, ...);\n"
    "      identify    Identify Controller and Namespace fields (MDTS, SQES, NN, LBA\n"
    "                  formats, ...) when the trace holds the Identify data;\n"
    "      completion  status, DW0 and DW1 of commands aligned by order and kind;\n"
    "      interrupt   MSI-X table size, interrupt kinds, and per vector the aligned\n"
    "                  completions that had an interrupt of their own (not coalesced with\n"
    "                  the next): reported when the counts differ by more than a tenth, as\n"
    "                  coalescing in an emulator depends on timing;\n"
    "      workload    the guest's commands themselves differ (a command only in one trace,\n"
    "                  different CDW10/CDW11, a completion routed to another vector):\n"
    "                  usually the consequence of a device divergence above.\n"
    "    Reads repeated by polling loops are compared as sequences of distinct values, so a\n"
    "    loop that ran longer is not a divergence. Admin commands are aligned by the longest\n"
    "    common subsequence of their kinds (opcode and CNS, FID, LID or queue id), I/O\n"
    "    commands by (opcode, NSID, SLBA, NLB); a field one trace does not know (a QEMU log\n"
    "    import lacks some, see its SQE known-byte masks) matches any value, so the same\n"
    "    command aligns and its completion is compared. Registers and fields the specs\n"
    "    describe are named: \"CAP.MQES (Maximum Queue Entries Supported)\", \"CAP.CSS: No\n"
    "    I/O Command Set Support\", \"Device Capabilities (0x84) Extended Tag Field\n"
    "    Supported\", \"MSI-X Message Control (0x42) Table Size\", \"Identify Namespace 1\n"
    "    NSFEAT\"; bits no field describes are shown raw. A value one trace does not hold (PCI\n"
    "    ids, register reads, Identify data) is never compared: it is listed under \"not\n"
    "    compared, one side lacks the data\" as \"unknown\". A trace with no commands, or\n"
    "    whose importer skipped more lines than it wrote records, is not compared: the\n"
    "    output says \"NOT COMPARED: A: <why>\" and the exit status is 4. docs/analyze.md\n"
    "    shows an example.\n\n"
    "OPTIONS\n"
    "    --json          one JSON object with every divergence kept\n"
    "    --max N         divergences kept per kind (default 10, 0 = all)\n"
    "    --device-a N, --device-b N\n"
    "                    which traced function of A and of B (default 0)\n\n"
    "EXIT STATUS\n"
    "    0 the devices did not diverge (workload differences alone are listed but do not\n"
    "    count); 1 the devices diverged; 2 usage error; 3 a trace could not be read (the\n"
    "    message names the file and byte offset) or has no such device; 4 a trace holds\n"
    "    nothing to compare (no commands, or more importer warnings than records), whatever\n"
    "    else was found, or A and B were seen from different sides (one from the guest,\n"
    "    `nvmetrace import linux-trace`, one from the device).\n",
};

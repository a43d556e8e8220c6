/* nvmetrace stats: latency, queue depth, interrupts, errors and I/O volume of a trace. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "nvmetrace/analyze.h"

/* Terminal progress line for the analyze commands; defined in cmd_index.c. */
int analyze_progress(void *ctx, uint64_t events, uint64_t offset, uint64_t file_size);
void *analyze_progress_ctx(const char *label);

static const char *dur(uint64_t ns, char *buf, size_t len)
{
    if (ns < 10000)
        snprintf(buf, len, "%" PRIu64 " ns", ns);
    else if (ns < 10000000)
        snprintf(buf, len, "%.1f us", (double)ns / 1e3);
    else if (ns < 10000000000ull)
        snprintf(buf, len, "%.1f ms", (double)ns / 1e6);
    else
        snprintf(buf, len, "%.2f s", (double)ns / 1e9);
    return buf;
}

static void print_latency(const nvt_latency *l)
{
    char a[24], b[24], c[24], d[24];
    if (!l->count) {
        printf(" %10s %10s %10s %10s", "-", "-", "-", "-");
        return;
    }
    printf(" %10s %10s %10s %10s", dur(l->p50_ns, a, sizeof a), dur(l->p90_ns, b, sizeof b),
           dur(l->p99_ns, c, sizeof c), dur(l->max_ns, d, sizeof d));
}

static void print_text(const nvt_stats *st)
{
    uint64_t span = st->last_ns > st->first_ns ? st->last_ns - st->first_ns : 0;
    char t[24];
    printf("%" PRIu64 " events over %s: %" PRIu64 " commands, %" PRIu64 " completions, %" PRIu64
           " interrupts (%.2f per completion)\n",
           st->events, dur(span, t, sizeof t), st->commands, st->completions, st->interrupts,
           st->interrupts_per_completion);
    char why[160];
    if (nvt_coverage_check(&st->cov, why, sizeof why) != NVT_COVERAGE_OK)
        printf("WARNING: nothing to measure: %s\n", why);

    printf("\ncommands by opcode (latency = completion - submission; nearest-rank percentiles)\n");
    printf("%-4s %-5s %-32s %9s %7s %7s %10s %10s %10s %10s\n", "dev", "set", "opcode", "count",
           "incompl", "errors", "p50", "p90", "p99", "max");
    for (size_t i = 0; i < st->nopcodes; i++) {
        const nvt_opcode_stats *o = &st->opcodes[i];
        printf("%-4u %-5s %-32s %9" PRIu64 " %7" PRIu64 " %7" PRIu64, o->device,
               o->admin ? "admin" : "I/O", o->name, o->count, o->incomplete, o->errors);
        print_latency(&o->latency);
        printf("\n");
    }

    printf("\nsubmission queues (depth = commands fetched and not yet completed)\n");
    printf("%-4s %-5s %9s %9s %10s %10s %10s %10s %10s\n", "dev", "sqid", "commands",
           "max depth", "mean depth", "p50", "p90", "p99", "max");
    for (size_t i = 0; i < st->nqueues; i++) {
        const nvt_queue_stats *q = &st->queues[i];
        printf("%-4u %-5u %9" PRIu64 " %9u %10.2f", q->device, q->sqid, q->commands,
               q->max_depth, q->mean_depth);
        print_latency(&q->latency);
        printf("\n");
    }

    printf("\ninterrupts\n");
    printf("%-4s %-8s %11s %12s %15s\n", "dev", "vector", "interrupts", "completions",
           "per completion");
    for (size_t i = 0; i < st->nvectors; i++) {
        const nvt_vector_stats *v = &st->vectors[i];
        char vec[16];
        if (v->vector == 0xffff)
            snprintf(vec, sizeof vec, "INTx");
        else
            snprintf(vec, sizeof vec, "%u", v->vector);
        printf("%-4u %-8s %11" PRIu64 " %12" PRIu64, v->device, vec, v->interrupts,
               v->completions);
        if (v->completions)
            printf(" %15.2f\n", (double)v->interrupts / (double)v->completions);
        else
            printf(" %15s\n", "-");
    }

    printf("\nerror completions\n");
    if (!st->nstatuses)
        printf("none\n");
    for (size_t i = 0; i < st->nstatuses; i++) {
        const nvt_status_stats *e = &st->statuses[i];
        printf("%-4u SCT %d SC 0x%02x  %-44s %9" PRIu64 "\n", e->device, e->sct, e->sc, e->name,
               e->count);
    }

    printf("\nI/O data (successful Read; Write and Compare)\n");
    if (!st->nio)
        printf("none\n");
    for (size_t i = 0; i < st->nio; i++) {
        const nvt_io_bytes *io = &st->io[i];
        if (io->bytes_known)
            printf("%-4u from device: %" PRIu64 " commands, %" PRIu64 " blocks, %" PRIu64
                   " bytes; to device: %" PRIu64 " commands, %" PRIu64 " blocks, %" PRIu64
                   " bytes\n",
                   io->device, io->read_cmds, io->read_blocks, io->read_bytes, io->write_cmds,
                   io->write_blocks, io->write_bytes);
        else
            printf("%-4u from device: %" PRIu64 " commands, %" PRIu64 " blocks; to device: %" PRIu64
                   " commands, %" PRIu64 " blocks (LBA size not in the trace: no Identify "
                   "Namespace data, so blocks, not bytes)\n",
                   io->device, io->read_cmds, io->read_blocks, io->write_cmds, io->write_blocks);
    }
}

static void json_latency(const nvt_latency *l)
{
    printf("{\"count\":%" PRIu64, l->count);
    if (l->count)
        printf(",\"min_ns\":%" PRIu64 ",\"p50_ns\":%" PRIu64 ",\"p90_ns\":%" PRIu64
               ",\"p99_ns\":%" PRIu64 ",\"max_ns\":%" PRIu64 ",\"mean_ns\":%.1f",
               l->min_ns, l->p50_ns, l->p90_ns, l->p99_ns, l->max_ns, l->mean_ns);
    printf("}");
}

static void print_json(const nvt_stats *st)
{
    printf("{\"events\":%" PRIu64 ",\"first_ns\":%" PRIu64 ",\"last_ns\":%" PRIu64
           ",\"commands\":%" PRIu64 ",\"completions\":%" PRIu64 ",\"interrupts\":%" PRIu64
           ",\"interrupts_per_completion\":%.4f,\"devices\":%" PRIu64
           ",\"register_accesses\":%" PRIu64 ",\"importer_warnings\":",
           st->events, st->first_ns, st->last_ns, st->commands, st->completions, st->interrupts,
           st->interrupts_per_completion, st->cov.devices, st->cov.register_accesses);
    if (st->cov.have_capture_stats)
        printf("%" PRIu64, st->cov.importer_warnings);
    else
        printf("null");
    char why[160];
    int verdict = nvt_coverage_check(&st->cov, why, sizeof why);
    printf(",\"measured\":%s,\"not_measured_why\":", verdict ? "false" : "true");
    if (verdict)
        cli_json_str(stdout, why);
    else
        printf("null");
    printf(",\"opcodes\":[");
    for (size_t i = 0; i < st->nopcodes; i++) {
        const nvt_opcode_stats *o = &st->opcodes[i];
        printf("%s{\"device\":%u,\"admin\":%s,\"opcode\":", i ? "," : "", o->device,
               o->admin ? "true" : "false");
        if (o->opcode < 0)
            printf("null");
        else
            printf("%d", o->opcode);
        printf(",\"name\":\"%s\",\"count\":%" PRIu64 ",\"incomplete\":%" PRIu64
               ",\"errors\":%" PRIu64 ",\"latency\":",
               o->name, o->count, o->incomplete, o->errors);
        json_latency(&o->latency);
        printf("}");
    }
    printf("],\"queues\":[");
    for (size_t i = 0; i < st->nqueues; i++) {
        const nvt_queue_stats *q = &st->queues[i];
        printf("%s{\"device\":%u,\"sqid\":%u,\"commands\":%" PRIu64
               ",\"max_depth\":%u,\"mean_depth\":%.4f,\"latency\":",
               i ? "," : "", q->device, q->sqid, q->commands, q->max_depth, q->mean_depth);
        json_latency(&q->latency);
        printf("}");
    }
    printf("],\"vectors\":[");
    for (size_t i = 0; i < st->nvectors; i++) {
        const nvt_vector_stats *v = &st->vectors[i];
        printf("%s{\"device\":%u,\"vector\":", i ? "," : "", v->device);
        if (v->vector == 0xffff)
            printf("\"INTx\"");
        else
            printf("%u", v->vector);
        printf(",\"interrupts\":%" PRIu64 ",\"completions\":%" PRIu64 "}", v->interrupts,
               v->completions);
    }
    printf("],\"errors\":[");
    for (size_t i = 0; i < st->nstatuses; i++) {
        const nvt_status_stats *e = &st->statuses[i];
        printf("%s{\"device\":%u,\"sct\":%d,\"sc\":%d,\"name\":\"%s\",\"count\":%" PRIu64 "}",
               i ? "," : "", e->device, e->sct, e->sc, e->name, e->count);
    }
    printf("],\"io\":[");
    for (size_t i = 0; i < st->nio; i++) {
        const nvt_io_bytes *io = &st->io[i];
        printf("%s{\"device\":%u,\"read_commands\":%" PRIu64 ",\"read_blocks\":%" PRIu64
               ",\"write_commands\":%" PRIu64 ",\"write_blocks\":%" PRIu64,
               i ? "," : "", io->device, io->read_cmds, io->read_blocks, io->write_cmds,
               io->write_blocks);
        if (io->bytes_known)
            printf(",\"read_bytes\":%" PRIu64 ",\"write_bytes\":%" PRIu64, io->read_bytes,
                   io->write_bytes);
        else
            printf(",\"read_bytes\":null,\"write_bytes\":null");
        printf("}");
    }
    printf("]}\n");
}

static int run(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("stats", "unknown option '%s'", argv[i]);
        else if (path)
            return cli_usage_error("stats", "one trace at a time");
        else
            path = argv[i];
    }
    if (!path)
        return cli_usage_error("stats", "no trace given");
    nvt_index_opts o;
    memset(&o, 0, sizeof o);
    o.no_lint = 1;
    o.progress = analyze_progress;
    o.progress_ctx = analyze_progress_ctx("reading");
    nvt_error err;
    struct sqlite3 *db = nvt_db_open_any(path, &o, &err);
    if (!db) {
        fprintf(stderr, "nvmetrace stats: %s\n", err.msg);
        return EXIT_FAIL;
    }
    nvt_stats *st;
    if (nvt_stats_compute(db, &st, &err) < 0) {
        fprintf(stderr, "nvmetrace stats: %s: %s\n", path, err.msg);
        nvt_db_close(db);
        return EXIT_FAIL;
    }
    if (json)
        print_json(st);
    else
        print_text(st);
    char why[160];
    if (nvt_coverage_check(&st->cov, why, sizeof why) != NVT_COVERAGE_OK)
        fprintf(stderr, "nvmetrace stats: %s: nothing to measure: %s\n", path, why);
    nvt_stats_free(st);
    nvt_db_close(db);
    return EXIT_OK;
}

const struct nvt_command cmd_stats = {
    "stats", "latency percentiles, queue depth, interrupts, errors, I/O volume", run,
    "NAME\n"
    "    nvmetrace stats - latency, queue depth, interrupts, errors and I/O volume\n\n"
    "SYNOPSIS\n"
    "    nvmetrace stats [--json] TRACE|DB\n\n"
    "DESCRIPTION\n"
    "    Reads a trace (indexing it in memory) or an index written by 'nvmetrace index' and\n"
    "    prints, per device:\n"
    "      - per opcode: submissions, commands without completion, error completions and the\n"
    "        latency (completion time - submission time) p50/p90/p99/max, nearest-rank;\n"
    "      - per submission queue: commands, the maximum and the time-weighted mean number of\n"
    "        commands outstanding (fetched, not completed), and their latency;\n"
    "      - per interrupt vector: interrupts, completions posted to the CQs using it, and\n"
    "        interrupts per completion (INTx asserts count as vector INTx);\n"
    "      - error completions by status code, with the NVMe status names;\n"
    "      - I/O data moved by successful Read (from device), Write and Compare (to device):\n"
    "        commands, blocks, and bytes when the trace holds the namespace's Identify data\n"
    "        (LBA size); otherwise blocks only, and it says so.\n"
    "    Commands are matched by device, SQ id and CID; fields a QEMU log import does not know\n"
    "    are left out rather than guessed. docs/analyze.md explains each figure.\n\n"
    "OPTIONS\n"
    "    --json    one JSON object (field names as in docs/analyze.md)\n\n"
    "EXIT STATUS\n"
    "    0 statistics printed; 1 the trace or index could not be read; 2 usage error.\n"
    "    A trace with no device, no commands, or more importer warnings (lines skipped as\n"
    "    malformed or unknown) than records still exits 0 with its figures, but says so: a\n"
    "    \"WARNING: nothing to measure: <why>\" line after the summary and on stderr, and\n"
    "    \"measured\": false with \"not_measured_why\" in the JSON. Check that (or run\n"
    "    'nvmetrace lint', which exits 4) in CI.\n",
};

/* nvmetrace dump: one line per event. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "filter.h"
#include "nvmetrace/format.h"
#include "nvmetrace/nvme.h"

/* "0000:00:04.0" -> "00:04.0": the domain is almost always 0 and costs columns. */
static const char *short_bdf(const nvt_device *d)
{
    if (!d || !d->bdf[0])
        return "??:??.?";
    if (strncmp(d->bdf, "0000:", 5) == 0)
        return d->bdf + 5;
    return d->bdf;
}

static void print_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 16) {
        printf("        %04zx ", i);
        for (size_t j = i; j < i + 16 && j < n; j++)
            printf(" %02x", p[j]);
        printf("\n");
    }
}

static int run(int argc, char **argv)
{
    const char *path = NULL;
    struct ev_filter f;
    filter_init(&f);
    uint64_t limit = UINT64_MAX;
    int hex = 0;
    for (int i = 1; i < argc; i++) {
        int k = filter_parse_arg(&f, "dump", argc, argv, &i);
        if (k < 0)
            return EXIT_USAGE;
        if (k)
            continue;
        if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--count")) {
            if (i + 1 >= argc || cli_parse_u64(argv[i + 1], &limit) < 0)
                return cli_usage_error("dump", "%s needs a number", argv[i]);
            i++;
        } else if (!strcmp(argv[i], "-x") || !strcmp(argv[i], "--hex")) {
            hex = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("dump", "unknown option '%s'", argv[i]);
        } else if (path) {
            return cli_usage_error("dump", "one trace at a time");
        } else {
            path = argv[i];
        }
    }
    if (!path)
        return cli_usage_error("dump", "no trace given");
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    nvt_error err;
    nvt_reader *r = nvt_reader_open(path, &err);
    if (!r) {
        fprintf(stderr, "nvmetrace dump: %s\n", err.msg);
        return EXIT_FAIL;
    }
    nvt_event ev;
    int rc;
    uint64_t printed = 0;
    size_t line_cap = 1024;
    char *line = malloc(line_cap);
    if (!line) {
        nvt_reader_close(r);
        return EXIT_FAIL;
    }
    while (printed < limit && (rc = nvt_reader_next(r, &ev, &err)) == 1) {
        if (!filter_match(&f, &ev))
            continue;
        size_t need = nvt_event_describe(&ev, line, line_cap);
        if (need >= line_cap) { /* a long annotation: grow rather than cut it */
            char *bigger = realloc(line, need + 1);
            if (!bigger) {
                rc = -1;
                snprintf(err.msg, sizeof err.msg, "out of memory");
                break;
            }
            line = bigger;
            line_cap = need + 1;
            nvt_event_describe(&ev, line, line_cap);
        }
        printf("[%5" PRIu64 "] %" PRIu64 ".%09" PRIu64 " %s %s\n", ev.seq, ev.ts_ns / 1000000000u,
               ev.ts_ns % 1000000000u, short_bdf(nvt_reader_device(r, ev.device)), line);
        if (hex)
            print_hex(ev.raw, ev.raw_len);
        printed++;
    }
    if (printed >= limit)
        rc = 0;
    fflush(stdout);
    free(line);
    nvt_reader_close(r);
    if (rc < 0) {
        fprintf(stderr, "nvmetrace dump: %s\n", err.msg);
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

const struct nvt_command cmd_dump = {
    "dump", "print one line per event (commands, completions, registers, interrupts, ...)", run,
    "NAME\n"
    "    nvmetrace dump - print one line per event\n\n"
    "SYNOPSIS\n"
    "    nvmetrace dump [-t TYPES] [-q QID] [-d DEV] [--from T] [--to T] [-n N] [-x] TRACE\n\n"
    "DESCRIPTION\n"
    "    Prints each event of TRACE as one line: its sequence number, its timestamp\n"
    "    (seconds.nanoseconds since the epoch), the device's PCI address and the decoded\n"
    "    event, e.g.\n\n"
    "      [  589] 1556804537.200926382 00:04.0 ADM SQ=0 CID=0000 OPC=Identify NSID=0 ...\n"
    "      [  590] 1556804537.200931020 00:04.0 CPL SQ=0 CID=0000 P=1 STS=0x0000 CDW0=...\n"
    "      [  591] 1556804537.200933112 00:04.0 REG 0014 <- 00460001 (CC)\n\n"
    "    docs/dump.md gives the format of every event type. Fields a QEMU log import could\n"
    "    not know are printed as '?'.\n\n"
    "OPTIONS\n" FILTER_HELP
    "  -n, --count N      stop after N printed events\n"
    "  -x, --hex          also print the raw record bytes of each event\n\n"
    "EXIT STATUS\n"
    "    0 success; 1 the trace is unreadable or corrupt (the message names the file and byte\n"
    "    offset; the lines before it were printed); 2 usage error.\n",
};

/* nvmetrace info: what a trace holds. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "nvmetrace/format.h"

#define MAX_NOTES 20

struct info {
    uint64_t events, by_type[NVT_EV_TYPE_MAX + 1];
    uint64_t first_ns, last_ns;
    uint64_t reconstructed, unknown, truncated, recovered;
    int have_stats;
    uint64_t recorded, dropped, overflows, warnings;
    unsigned nnotes;
    uint64_t notes_total;
    char notes[MAX_NOTES][160];
};

static void fmt_time(uint64_t ns, char *buf, size_t len)
{
    time_t s = (time_t)(ns / 1000000000u);
    struct tm tm;
    gmtime_r(&s, &tm);
    char d[32];
    strftime(d, sizeof d, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf, len, "%s.%09" PRIu64 " UTC", d, ns % 1000000000u);
}

static void print_text(const char *path, nvt_reader *r, const struct info *in)
{
    struct stat st;
    int zst = strlen(path) > 4 && strcmp(path + strlen(path) - 4, ".zst") == 0;
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0)
        printf("file:          %s (%s, %lld bytes)\n", path, zst ? "zstd" : "pcapng",
               (long long)st.st_size);
    if (*nvt_reader_appl(r))
        printf("written by:    %s\n", nvt_reader_appl(r));
    if (*nvt_reader_comment(r))
        printf("comment:       %s\n", nvt_reader_comment(r));
    printf("schema:        v%d\n", NVT_SCHEMA_VERSION);
    printf("devices:       %zu\n", nvt_reader_device_count(r));
    for (size_t i = 0; i < nvt_reader_device_count(r); i++) {
        const nvt_device *d = nvt_reader_device(r, i);
        printf("  [%zu] %s %s %04x:%04x", i, d->bdf[0] ? d->bdf : "?",
               d->model[0] ? d->model : "device", d->vendor_id, d->device_id);
        if (d->subsys_vendor_id || d->subsys_id)
            printf(" subsys %04x:%04x", d->subsys_vendor_id, d->subsys_id);
        if (d->class_code)
            printf(" class %06x", d->class_code);
        if (d->emulator[0])
            printf(" (%s)", d->emulator);
        printf("%s\n", d->vantage == NVT_VANTAGE_GUEST ? " [seen from the guest]" : "");
    }
    printf("events:        %" PRIu64 "\n", in->events);
    if (in->events) {
        char t[64];
        fmt_time(in->first_ns, t, sizeof t);
        printf("first:         %s\n", t);
        fmt_time(in->last_ns, t, sizeof t);
        printf("last:          %s\n", t);
        uint64_t d = in->last_ns - in->first_ns;
        printf("duration:      %" PRIu64 ".%09" PRIu64 " s\n", d / 1000000000u, d % 1000000000u);
        printf("by type:\n");
        for (unsigned ty = 1; ty <= NVT_EV_TYPE_MAX; ty++)
            if (in->by_type[ty])
                printf("  %-9s %" PRIu64 "\n", nvt_event_type_name(ty), in->by_type[ty]);
    }
    printf("flags:         reconstructed %" PRIu64 ", value unknown %" PRIu64
           ", truncated %" PRIu64 ", recovered %" PRIu64 "\n",
           in->reconstructed, in->unknown, in->truncated, in->recovered);
    if (in->have_stats)
        printf("capture stats: recorded %" PRIu64 ", dropped %" PRIu64 ", ring overflows %" PRIu64
               ", importer warnings %" PRIu64 "\n",
               in->recorded, in->dropped, in->overflows, in->warnings);
    else
        printf("capture stats: none in the trace\n");
    if (nvt_reader_foreign_packets(r))
        printf("other packets: %" PRIu64 " (not nvmetrace records, skipped)\n",
               nvt_reader_foreign_packets(r));
    if (in->notes_total) {
        printf("warnings:      %" PRIu64 " warning/error annotations\n", in->notes_total);
        for (unsigned i = 0; i < in->nnotes; i++)
            printf("  %s\n", in->notes[i]);
        if (in->notes_total > in->nnotes)
            printf("  ... %" PRIu64 " more (nvmetrace dump -t NOTE)\n", in->notes_total - in->nnotes);
    }
}

static void print_json(const char *path, nvt_reader *r, const struct info *in)
{
    printf("{\"file\":");
    cli_json_str(stdout, path);
    printf(",\"schema\":%d,\"devices\":[", NVT_SCHEMA_VERSION);
    for (size_t i = 0; i < nvt_reader_device_count(r); i++) {
        const nvt_device *d = nvt_reader_device(r, i);
        printf("%s{\"index\":%zu,\"bdf\":", i ? "," : "", i);
        cli_json_str(stdout, d->bdf);
        printf(",\"vendor_id\":%u,\"device_id\":%u,\"class\":%u,\"model\":", d->vendor_id,
               d->device_id, d->class_code);
        cli_json_str(stdout, d->model);
        printf(",\"emulator\":");
        cli_json_str(stdout, d->emulator);
        printf(",\"vantage\":\"%s\"}", d->vantage == NVT_VANTAGE_GUEST ? "guest" : "device");
    }
    printf("],\"events\":%" PRIu64 ",\"first_ns\":%" PRIu64 ",\"last_ns\":%" PRIu64
           ",\"by_type\":{",
           in->events, in->first_ns, in->last_ns);
    int first = 1;
    for (unsigned ty = 1; ty <= NVT_EV_TYPE_MAX; ty++)
        if (in->by_type[ty]) {
            printf("%s\"%s\":%" PRIu64, first ? "" : ",", nvt_event_type_name(ty), in->by_type[ty]);
            first = 0;
        }
    printf("},\"reconstructed\":%" PRIu64 ",\"value_unknown\":%" PRIu64 ",\"truncated\":%" PRIu64
           ",\"recovered\":%" PRIu64,
           in->reconstructed, in->unknown, in->truncated, in->recovered);
    if (in->have_stats)
        printf(",\"capture_stats\":{\"recorded\":%" PRIu64 ",\"dropped\":%" PRIu64
               ",\"overflows\":%" PRIu64 ",\"warnings\":%" PRIu64 "}",
               in->recorded, in->dropped, in->overflows, in->warnings);
    printf(",\"foreign_packets\":%" PRIu64 ",\"warning_annotations\":%" PRIu64 "}\n",
           nvt_reader_foreign_packets(r), in->notes_total);
}

static int run(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("info", "unknown option '%s'", argv[i]);
        else if (path)
            return cli_usage_error("info", "one trace at a time");
        else
            path = argv[i];
    }
    if (!path)
        return cli_usage_error("info", "no trace given");
    nvt_error err;
    nvt_reader *r = nvt_reader_open(path, &err);
    if (!r) {
        fprintf(stderr, "nvmetrace info: %s\n", err.msg);
        return EXIT_FAIL;
    }
    static struct info in;
    memset(&in, 0, sizeof in);
    nvt_event ev;
    int rc;
    while ((rc = nvt_reader_next(r, &ev, &err)) == 1) {
        if (!in.events)
            in.first_ns = ev.ts_ns;
        in.last_ns = ev.ts_ns > in.last_ns ? ev.ts_ns : in.last_ns;
        in.events++;
        in.by_type[ev.type]++;
        in.reconstructed += !!(ev.flags & NVT_F_RECONSTRUCTED);
        in.unknown += !!(ev.flags & NVT_F_VALUE_UNKNOWN);
        in.truncated += !!(ev.flags & NVT_F_TRUNCATED);
        in.recovered += !!(ev.flags & NVT_F_RECOVERED);
        if (ev.type == NVT_EV_CAPTURE_STATS) { /* totals: the last record wins */
            in.have_stats = 1;
            in.recorded = ev.u.stats.recorded;
            in.dropped = ev.u.stats.dropped;
            in.overflows = ev.u.stats.overflows;
            in.warnings = ev.u.stats.warnings;
        }
        if (ev.type == NVT_EV_ANNOTATION &&
            (ev.u.ann.level == NVT_ANN_WARNING || ev.u.ann.level == NVT_ANN_ERROR)) {
            if (in.nnotes < MAX_NOTES) {
                char *n = in.notes[in.nnotes++];
                int k = snprintf(n, sizeof in.notes[0], "[%" PRIu64 "] %s: ", ev.seq,
                                 ev.u.ann.level == NVT_ANN_ERROR ? "error" : "warning");
                size_t room = sizeof in.notes[0] - (size_t)k - 1;
                size_t len = ev.u.ann.len < room ? ev.u.ann.len : room;
                for (size_t j = 0; j < len; j++) {
                    char c = ev.u.ann.text[j];
                    n[k + j] = (c < 0x20 || c == 0x7f) ? '?' : c;
                }
                n[k + len] = 0;
            }
            in.notes_total++;
        }
    }
    if (rc < 0) {
        fprintf(stderr, "nvmetrace info: %s\n", err.msg);
        nvt_reader_close(r);
        return EXIT_FAIL;
    }
    if (json)
        print_json(path, r, &in);
    else
        print_text(path, r, &in);
    nvt_reader_close(r);
    return EXIT_OK;
}

const struct nvt_command cmd_info = {
    "info", "summarize a trace: devices, duration, counts per event type, drops", run,
    "NAME\n"
    "    nvmetrace info - summarize a trace\n\n"
    "SYNOPSIS\n"
    "    nvmetrace info [--json] TRACE\n\n"
    "DESCRIPTION\n"
    "    Reads TRACE (.pcapng or .pcapng.zst; - for standard input) to the end and prints the\n"
    "    traced devices (PCI address, ids, emulator, and whether the events were seen from\n"
    "    the device or from the guest), the time of the first and last event,\n"
    "    the duration, the number of events of each type, how many fields were reconstructed\n"
    "    or unknown (QEMU log imports), DMA data truncated at the snap length, events\n"
    "    recovered after a crash, the capture statistics (events dropped, ring overflows,\n"
    "    importer warnings) and the warning and error annotations.\n\n"
    "OPTIONS\n"
    "    --json    one JSON object instead of text\n\n"
    "EXIT STATUS\n"
    "    0 the whole trace was read; 1 the trace is unreadable or corrupt (the message names\n"
    "    the file and byte offset); 2 usage error.\n",
};

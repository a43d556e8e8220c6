/* nvmetrace convert: compress, decompress, filter into a new file. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "filter.h"
#include "nvmetrace/format.h"

/* Capture statistics held back one record: the last one is the end marker. */
struct held_stats {
    int held, wanted;
    nvt_event ev; /* no pointers in a statistics record: a copy outlives the reader's buffer */
};

/* Writes the held statistics as they were, or as the end marker counting what OUT holds. */
static int write_held(nvt_writer *w, struct held_stats *h, int as_end, nvt_error *err)
{
    h->held = 0;
    return as_end ? nvt_writer_write_end(w, &h->ev, err) : nvt_writer_write(w, &h->ev, NULL, err);
}

static int run(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    struct ev_filter f;
    filter_init(&f);
    nvt_writer_opts wo = {0};
    int salvage = 0;
    wo.keep_seq = 1; /* sequence numbers stay those of the source: gaps show what was filtered */
    for (int i = 1; i < argc; i++) {
        int k = filter_parse_arg(&f, "convert", argc, argv, &i);
        if (k < 0)
            return EXIT_USAGE;
        if (k)
            continue;
        uint64_t v;
        if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
            if (i + 1 >= argc)
                return cli_usage_error("convert", "%s needs a file name", argv[i]);
            out = argv[++i];
        } else if (!strcmp(argv[i], "--zstd")) {
            wo.compression = NVT_COMPRESS_ZSTD;
        } else if (!strcmp(argv[i], "--no-zstd")) {
            wo.compression = NVT_COMPRESS_NONE;
        } else if (!strcmp(argv[i], "--level")) {
            if (i + 1 >= argc || cli_parse_u64(argv[i + 1], &v) < 0 || v < 1 || v > 19)
                return cli_usage_error("convert", "--level needs a number from 1 to 19");
            wo.zstd_level = (int)v;
            i++;
        } else if (!strcmp(argv[i], "--salvage")) {
            salvage = 1;
        } else if (!strcmp(argv[i], "--renumber")) {
            wo.keep_seq = 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("convert", "unknown option '%s'", argv[i]);
        } else if (in) {
            return cli_usage_error("convert", "one input trace at a time");
        } else {
            in = argv[i];
        }
    }
    if (!in || !out)
        return cli_usage_error("convert", "need an input trace and -o OUTPUT");
    if (strcmp(in, out) == 0 && strcmp(in, "-") != 0)
        return cli_usage_error("convert", "input and output are the same file");
    nvt_error err;
    nvt_reader_opts ro = {.allow_truncated = salvage};
    nvt_reader *r = nvt_reader_open_opts(in, &ro, &err);
    if (!r) {
        fprintf(stderr, "nvmetrace convert: %s\n", err.msg);
        return EXIT_FAIL;
    }
    wo.appl = nvt_reader_appl(r)[0] ? nvt_reader_appl(r) : NULL;
    wo.comment = nvt_reader_comment(r)[0] ? nvt_reader_comment(r) : NULL;
    nvt_writer *w = nvt_writer_open(out, &wo, &err);
    if (!w) {
        fprintf(stderr, "nvmetrace convert: %s\n", err.msg);
        nvt_reader_close(r);
        return EXIT_FAIL;
    }
    static uint8_t rec[NVT_MAX_RECORD_LEN];
    size_t devices_written = 0;
    nvt_event ev;
    memset(&ev, 0, sizeof ev);
    int rc;
    /* Capture statistics are held back one record: the last one is the end marker and must
     * count the events the output holds, so it is kept whatever the filters say. */
    struct held_stats stats = {0};
    while ((rc = nvt_reader_next(r, &ev, &err)) == 1) {
        /* IDBs come before their packets; copy every device seen so far, in order, so
         * device indexes stay the same in the output. */
        for (; devices_written < nvt_reader_device_count(r); devices_written++)
            if (nvt_writer_add_device(w, nvt_reader_device(r, devices_written), &err) < 0)
                goto fail;
        if (stats.held && stats.wanted && write_held(w, &stats, 0, &err) < 0)
            goto fail;
        stats.held = 0;
        if (ev.type == NVT_EV_CAPTURE_STATS) {
            stats = (struct held_stats){1, filter_match(&f, &ev), ev};
            continue;
        }
        if (!filter_match(&f, &ev))
            continue;
        /* The writer may renumber the record in place: give it a copy, not the reader's buffer. */
        memcpy(rec, ev.raw, ev.raw_len);
        if (nvt_writer_write_raw(w, ev.device, ev.ts_ns, rec, ev.raw_len, &err) < 0)
            goto fail;
    }
    if (rc < 0 && !salvage)
        goto fail;
    if (stats.held) {
        /* Cut after it: not the end marker any more, so only if the filters want it. */
        int final = rc == 0 && !nvt_reader_truncated(r);
        if ((final || stats.wanted) && write_held(w, &stats, final, &err) < 0)
            goto fail;
    }
    if (salvage && (rc < 0 || nvt_reader_truncated(r))) {
        /* Keep what came before the damage, and say in the file itself where it was cut. */
        char text[700];
        int n = snprintf(text, sizeof text, "nvmetrace convert --salvage: input cut after offset %llu: %s",
                         (unsigned long long)nvt_reader_offset(r),
                         rc < 0 ? err.msg : "it ends inside a block or a zstd frame");
        fprintf(stderr, "nvmetrace convert: %s\n", text);
        if (nvt_reader_device_count(r) > 0) {
            for (; devices_written < nvt_reader_device_count(r); devices_written++)
                if (nvt_writer_add_device(w, nvt_reader_device(r, devices_written), &err) < 0)
                    goto fail;
            nvt_event note;
            memset(&note, 0, sizeof note);
            note.type = NVT_EV_ANNOTATION;
            note.ts_ns = ev.ts_ns;
            note.seq = ev.seq + 1;
            note.u.ann.level = NVT_ANN_WARNING;
            note.u.ann.len = (uint16_t)(n < (int)sizeof text ? n : (int)sizeof text - 1);
            note.u.ann.text = text;
            if (nvt_writer_write(w, &note, NULL, &err) < 0)
                goto fail;
        }
    }
    for (; devices_written < nvt_reader_device_count(r); devices_written++)
        if (nvt_writer_add_device(w, nvt_reader_device(r, devices_written), &err) < 0)
            goto fail;
    nvt_reader_close(r);
    if (nvt_writer_close(w, &err) < 0) {
        fprintf(stderr, "nvmetrace convert: %s\n", err.msg);
        return EXIT_FAIL;
    }
    return EXIT_OK;
fail:
    fprintf(stderr, "nvmetrace convert: %s\n", err.msg);
    nvt_reader_close(r);
    nvt_writer_close(w, NULL);
    return EXIT_FAIL;
}

const struct nvt_command cmd_convert = {
    "convert", "compress, decompress or filter a trace into a new file", run,
    "NAME\n"
    "    nvmetrace convert - compress, decompress or filter a trace into a new file\n\n"
    "SYNOPSIS\n"
    "    nvmetrace convert [--zstd|--no-zstd] [--level N] [FILTERS] IN -o OUT\n\n"
    "DESCRIPTION\n"
    "    Copies the events of IN that pass the filters to OUT, with the same devices,\n"
    "    timestamps and record bytes. OUT is zstd-compressed when its name ends in .zst,\n"
    "    unless --zstd or --no-zstd says otherwise; tshark and Wireshark open both forms.\n"
    "    Sequence numbers are kept, so gaps show where events were filtered out. The final\n"
    "    capture statistics (the end marker) are kept whatever the filters, counting the\n"
    "    events OUT holds, with the source's drop counts.\n\n"
    "OPTIONS\n"
    "  -o, --output OUT   the file to write (- for standard output)\n"
    "      --zstd         compress whatever OUT is called\n"
    "      --no-zstd      do not compress whatever OUT is called\n"
    "      --level N      zstd level, 1-19 (default 3)\n"
    "      --renumber     number the output's events 0, 1, 2, ... instead\n"
    "      --salvage      copy what precedes damage instead of failing: for a trace cut\n"
    "                     short without a crash ring (e.g. `nvmetrace capture` killed with\n"
    "                     SIGKILL ends inside a zstd frame). The output ends with a warning\n"
    "                     annotation saying where and why the input was cut.\n" FILTER_HELP
    "\nEXIT STATUS\n"
    "    0 success (with --salvage, also when IN was cut; the reason is printed); 1 IN is\n"
    "    unreadable or corrupt, or OUT cannot be written; 2 usage error.\n",
};

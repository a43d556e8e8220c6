/* nvmetrace recover: rebuild a crashed libnvmetap capture from its crash ring. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "nvmetrace/recover.h"

static int run(int argc, char **argv)
{
    const char *trace = NULL;
    nvt_recover_opts opts = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
            if (i + 1 >= argc)
                return cli_usage_error("recover", "%s needs a file name", argv[i]);
            opts.out_path = argv[++i];
        } else if (!strcmp(argv[i], "--ring")) {
            if (i + 1 >= argc)
                return cli_usage_error("recover", "--ring needs a file name");
            opts.ring_path = argv[++i];
        } else if (!strcmp(argv[i], "--keep-ring")) {
            opts.keep_ring = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("recover", "unknown option '%s'", argv[i]);
        } else if (trace) {
            return cli_usage_error("recover", "one trace at a time");
        } else {
            trace = argv[i];
        }
    }
    if (!trace)
        return cli_usage_error("recover", "need the trace of the crashed capture");
    if (!strcmp(trace, "-") || (opts.out_path && !strcmp(opts.out_path, "-")))
        return cli_usage_error("recover", "the trace and its output must be files");
    nvt_recover_result res;
    nvt_error err;
    if (nvt_recover(trace, &opts, &res, &err) < 0) {
        fprintf(stderr, "nvmetrace recover: %s\n", err.msg);
        return EXIT_FAIL;
    }
    if (res.trace_cut)
        fprintf(stderr, "nvmetrace recover: trace cut: %s\n", res.cut_reason);
    if (res.bad_entries) {
        char ring_name[4200];
        snprintf(ring_name, sizeof ring_name, "%s%s", opts.ring_path ? opts.ring_path : trace,
                 opts.ring_path ? "" : ".ring");
        size_t shown = res.bad_entries < 8 ? (size_t)res.bad_entries : 8;
        fprintf(stderr, "nvmetrace recover: %llu crash-ring entries failed their check and were "
                        "left out (%s offset%s", (unsigned long long)res.bad_entries,
                ring_name, shown > 1 ? "s" : "");
        for (size_t i = 0; i < shown; i++)
            fprintf(stderr, "%s%llu", i ? ", " : " ", (unsigned long long)res.bad_offsets[i]);
        fprintf(stderr, "%s)\n", res.bad_entries > shown ? ", ..." : "");
    }
    printf("%s: kept %llu records from the trace, recovered %llu events from the crash ring"
           ", %llu events dropped during the capture\n",
           opts.out_path ? opts.out_path : trace, (unsigned long long)res.kept,
           (unsigned long long)res.recovered, (unsigned long long)res.dropped);
    return EXIT_OK;
}

const struct nvt_command cmd_recover = {
    "recover", "rebuild the trace of a crashed capture from its crash ring", run,
    "NAME\n"
    "    nvmetrace recover - rebuild the trace of a crashed capture from its crash ring\n\n"
    "SYNOPSIS\n"
    "    nvmetrace recover [-o OUT] [--ring RING] [--keep-ring] TRACE\n\n"
    "DESCRIPTION\n"
    "    An emulator recording with libnvmetap keeps its last events in a crash ring,\n"
    "    TRACE.ring, until they are safely in TRACE. If the emulator dies (a crash, an\n"
    "    abort, SIGKILL), TRACE may end in the middle of a block or a zstd frame and miss\n"
    "    its last events, which are exactly the ones that matter. recover keeps the valid\n"
    "    part of TRACE, appends every event of the ring that TRACE lacks, in order, with\n"
    "    the RECOVERED flag and sequence numbers continuing the trace's, adds an annotation\n"
    "    saying how many events were recovered and a capture-statistics record with the\n"
    "    drops the ring counted, and writes a valid pcapng with TRACE's compression.\n"
    "    Every event whose recording call had returned before the process died is there.\n"
    "    TRACE is replaced atomically (through TRACE.recover-tmp) unless -o is given; the\n"
    "    ring is then deleted unless --keep-ring is given.\n\n"
    "    recover refuses a ring whose capture is still running (the capture holds a lock\n"
    "    on it), a trace that already holds recovered events, and a ring file that is\n"
    "    truncated or corrupt; it then changes nothing. A new capture refuses to start\n"
    "    while an unrecovered ring of the same name exists. Every ring entry carries a\n"
    "    check: an entry that fails it is left out, counted in the annotation, and\n"
    "    reported on standard error with its offset in the ring file.\n\n"
    "OPTIONS\n"
    "  -o, --output OUT   write the recovered trace to OUT and leave TRACE as it is\n"
    "      --ring RING    the crash ring (default TRACE.ring; see nvt_tap_opts.ring_path)\n"
    "      --keep-ring    do not delete the ring afterwards\n\n"
    "EXIT STATUS\n"
    "    0  recovered (a line on standard output says how many events)\n"
    "    1  no ring, ring still in use, ring or trace corrupt, or I/O error: a message on\n"
    "       standard error names the file and the byte offset\n"
    "    2  usage error\n",
};

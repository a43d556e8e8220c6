/* The guest's side: `nvmetrace import linux-trace` and `nvmetrace guest-record`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "nvmetrace/format.h"
#include "nvmetrace/import_linux.h"

/* scripts/guest/nvmetrace-guest-record.sh, embedded at build time (guest_record_sh.c). */
extern const unsigned char nvt_guest_record_sh[];
extern const unsigned long nvt_guest_record_sh_len;

int cli_import_linux(int argc, char **argv)
{
    const char *in[2] = {NULL, NULL}, *out = NULL;
    size_t nin = 0;
    nvt_linux_import_opts o = {0};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc)
                return cli_usage_error("import", "%s needs a file name", a);
            out = argv[++i];
        } else if (!strcmp(a, "--skip-bad")) {
            o.skip_bad = 1;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("import", "unknown option '%s' for linux-trace", a);
        } else if (nin < 2) {
            in[nin++] = a;
        } else {
            return cli_usage_error("import", "linux-trace takes one or two files of the same boot");
        }
    }
    if (!nin || !out)
        return cli_usage_error("import", "need a FILE (and maybe FILE2) and -o OUTPUT");
    for (size_t i = 0; i < nin; i++)
        if (!strcmp(in[i], out) && strcmp(out, "-"))
            return cli_usage_error("import", "input and output are the same file");
    char comment[512];
    snprintf(comment, sizeof comment, "imported from Linux ftrace text %s%s%s (guest side)", in[0],
             nin > 1 ? " + " : "", nin > 1 ? in[1] : "");
    nvt_writer_opts wo = {.comment = comment};
    nvt_error err;
    nvt_writer *w = nvt_writer_open(out, &wo, &err);
    if (!w) {
        fprintf(stderr, "nvmetrace import: %s\n", err.msg);
        return EXIT_FAIL;
    }
    nvt_linux_import_stats st;
    int rc = nvt_linux_import_files(in, nin, &o, w, &st, &err);
    nvt_error cerr;
    if (nvt_writer_close(w, &cerr) < 0 && rc == 0) {
        err = cerr;
        rc = -1;
    }
    if (rc < 0) {
        fprintf(stderr, "nvmetrace import: %s\n", err.msg);
        if (err.code == NVT_E_FORMAT && st.lines && !o.skip_bad && st.records)
            fprintf(stderr, "nvmetrace import: --skip-bad counts and skips malformed lines\n");
        return EXIT_FAIL;
    }
    if (strcmp(out, "-") != 0) {
        printf("imported %llu lines into %llu records for %llu device%s (seen from the guest): %s\n",
               (unsigned long long)st.lines, (unsigned long long)st.records,
               (unsigned long long)st.devices, st.devices == 1 ? "" : "s", out);
        printf("  %llu nvme events, %llu mmiotrace lines\n", (unsigned long long)st.nvme_events,
               (unsigned long long)st.mmio_lines);
    }
    if (st.other_lines)
        fprintf(stderr, "nvmetrace import: %llu lines of other events or tracers not imported "
                        "(named in the trace's summary annotation; 'nvmetrace info')\n",
                (unsigned long long)st.other_lines);
    if (st.mmio_outside)
        fprintf(stderr, "nvmetrace import: %llu MMIO accesses outside the NVMe BARs left out\n",
                (unsigned long long)st.mmio_outside);
    if (st.lost_events)
        fprintf(stderr, "nvmetrace import: the kernel lost %llu events (ftrace buffer full)\n",
                (unsigned long long)st.lost_events);
    if (st.bad_lines)
        fprintf(stderr, "nvmetrace import: %llu malformed lines skipped, the first at line %llu\n",
                (unsigned long long)st.bad_lines, (unsigned long long)st.first_bad_line);
    return EXIT_OK;
}

static int run_guest_record(int argc, char **argv)
{
    if (argc > 1)
        return cli_usage_error("guest-record", "no arguments expected, got '%s' (the script's "
                                               "own options: sh nvmetrace-guest-record.sh -h)", argv[1]);
    if (fwrite(nvt_guest_record_sh, 1, nvt_guest_record_sh_len, stdout) != nvt_guest_record_sh_len)
        return EXIT_FAIL;
    return fflush(stdout) ? EXIT_FAIL : EXIT_OK;
}

const struct nvt_command cmd_guest_record = {
    "guest-record", "print the guest-side recorder script (run it inside the guest)",
    run_guest_record,
    "NAME\n"
    "    nvmetrace guest-record - print the guest-side recorder script\n\n"
    "SYNOPSIS\n"
    "    nvmetrace guest-record > nvmetrace-guest-record.sh\n\n"
    "DESCRIPTION\n"
    "    Prints scripts/guest/nvmetrace-guest-record.sh, a POSIX sh script for the guest (a bare\n"
    "    busybox or a full distribution; root): it enables Linux's nvme events (after\n"
    "    nvme-core loads) and/or mmiotrace, loads or rebinds the driver if asked, runs a\n"
    "    command or waits for SIGINT/SIGTERM, and writes one file with the trace and the NVMe\n"
    "    functions' ids, BAR resources and config space from sysfs. Import that file with\n"
    "    'nvmetrace import linux-trace'. Its own -h lists its options; docs/guest-capture.md\n"
    "    says what the guest side sees and what it cannot.\n\n"
    "EXIT STATUS\n"
    "    0 printed; 1 standard output could not be written; 2 usage error.\n",
};

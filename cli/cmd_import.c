/* nvmetrace import: turn another tool's output into a trace. Today: QEMU's log trace backend. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "nvmetrace/format.h"
#include "nvmetrace/import.h"

/* Prints what the import did: to stdout the summary, to stderr what the user should look at. */
static void report(const char *out, const nvt_qemu_import_stats *st)
{
    printf("imported %llu lines into %llu records for %llu device%s: %s\n",
           (unsigned long long)st->lines, (unsigned long long)st->records,
           (unsigned long long)st->devices, st->devices == 1 ? "" : "s", out);
    if (st->filtered_lines)
        printf("  %llu lines of other PCI functions left out (--all-devices keeps them)\n",
               (unsigned long long)st->filtered_lines);
    if (st->empty_slot_lines)
        printf("  %llu config reads of empty slots left out (QEMU 8.0+ traces them)\n",
               (unsigned long long)st->empty_slot_lines);
    if (st->unknown_lines)
        fprintf(stderr,
                "nvmetrace import: %llu lines of trace events the importer does not know "
                "(listed in the trace's summary annotation; see 'nvmetrace info')\n",
                (unsigned long long)st->unknown_lines);
    if (st->bad_lines)
        fprintf(stderr, "nvmetrace import: %llu malformed lines skipped, the first at line %llu\n",
                (unsigned long long)st->bad_lines, (unsigned long long)st->first_bad_line);
}

static int run(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "qtest")) /* qtest scripts: the replay library's importer */
        return cli_import_qtest(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "linux-trace")) /* the guest's side: cli/cmd_linux.c */
        return cli_import_linux(argc, argv);
    const char *kind = NULL, *in = NULL, *out = NULL;
    nvt_qemu_import_opts o = {0};
    nvt_writer_opts wo = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc)
                return cli_usage_error("import", "%s needs a file name", a);
            out = argv[++i];
        } else if (!strcmp(a, "--emulator")) {
            if (i + 1 >= argc)
                return cli_usage_error("import", "--emulator needs a name, e.g. \"QEMU 7.2.22\"");
            o.emulator = argv[++i];
        } else if (!strcmp(a, "--all-devices")) {
            o.all_devices = 1;
        } else if (!strcmp(a, "--skip-bad")) {
            o.skip_bad = 1;
        } else if (!strcmp(a, "--comments")) {
            o.comments = 1;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("import", "unknown option '%s'", a);
        } else if (!kind) {
            kind = a;
        } else if (!in) {
            in = a;
        } else {
            return cli_usage_error("import", "one input log at a time");
        }
    }
    if (!kind)
        return cli_usage_error("import", "need the input kind (qemu-log), a LOG and -o OUTPUT");
    if (strcmp(kind, "qemu-log") != 0)
        return cli_usage_error("import", "unknown input kind '%s' (known: qemu-log, qtest, linux-trace)", kind);
    if (!in || !out)
        return cli_usage_error("import", "need a LOG and -o OUTPUT");
    if (strcmp(in, out) == 0 && strcmp(in, "-") != 0)
        return cli_usage_error("import", "input and output are the same file");

    char comment[512];
    snprintf(comment, sizeof comment, "imported from QEMU trace log %s", in);
    wo.comment = comment;
    nvt_error err;
    nvt_writer *w = nvt_writer_open(out, &wo, &err);
    if (!w) {
        fprintf(stderr, "nvmetrace import: %s\n", err.msg);
        return EXIT_FAIL;
    }
    nvt_qemu_import_stats st;
    int rc = nvt_qemu_import_file(in, &o, w, &st, &err);
    nvt_error cerr;
    if (nvt_writer_close(w, &cerr) < 0 && rc == 0) {
        err = cerr;
        rc = -1;
    }
    if (rc < 0) {
        fprintf(stderr, "nvmetrace import: %s\n", err.msg);
        if (err.code == NVT_E_FORMAT)
            fprintf(stderr, "nvmetrace import: --skip-bad counts and skips malformed lines\n");
        if (st.records)
            fprintf(stderr, "nvmetrace import: %s holds the %llu records before the error\n",
                    out, (unsigned long long)st.records);
        return EXIT_FAIL;
    }
    if (strcmp(out, "-") != 0)
        report(out, &st);
    char why[512];
    if (nvt_qemu_import_check(&st, why, sizeof why) < 0) {
        /* never an empty success: the trace stays for inspection, the exit says it failed */
        fprintf(stderr, "nvmetrace import: %s: %s\n", in, why);
        fprintf(stderr, "nvmetrace import: %s is not a usable trace of an NVMe controller\n",
                out);
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

const struct nvt_command cmd_import = {
    "import", "turn a QEMU trace log into a trace", run,
    "NAME\n"
    "    nvmetrace import - turn a QEMU trace log into a trace\n\n"
    "SYNOPSIS\n"
    "    nvmetrace import qemu-log LOG -o OUT [--all-devices] [--skip-bad] [--comments]\n"
    "                     [--emulator NAME]\n"
    "    nvmetrace import qtest SCRIPT -o OUT\n"
    "    nvmetrace import linux-trace FILE [FILE2] -o OUT [--skip-bad]\n\n"
    "DESCRIPTION\n"
    "    import qtest reads a qtest script: a bare command list (outl, inl, writel, readl,\n"
    "    write, read, clock_step, ...) or a reproducer as pasted in QEMU bug reports\n"
    "    (cat << EOF | qemu-system-x86_64 ARGS -qtest stdio ... EOF), keeping ARGS for\n"
    "    `nvmetrace replay`. docs/replay.md describes the mapping.\n\n"
    "    import linux-trace reads the guest's side: Linux's ftrace text (tracing/trace,\n"
    "    trace_pipe, trace-cmd report) with the nvme events and/or mmiotrace lines, as\n"
    "    'nvmetrace guest-record' writes it, one file or two of the same boot. Commands\n"
    "    become SUB/CPL records with the bytes the events show (the rest marked unknown),\n"
    "    MMIO accesses in an NVMe BAR MMIOR/MMIOW, doorbell writes DB; every device says\n"
    "    it was seen from the guest. Lines of other events are counted, not fatal; input\n"
    "    with no usable line fails. docs/guest-capture.md has the details.\n\n"
    "    import qemu-log:\n"
    "    Reads LOG, written by an unpatched QEMU (7.2 to 11.x) run with\n"
    "        -trace 'pci_nvme_*' -trace 'pci_cfg_*' -trace 'msix_*'\n"
    "        -trace 'pci_update_mappings*' -msg timestamp=on -D LOG\n"
    "    and writes the events of its NVMe controller to OUT (pcapng; zstd-compressed when\n"
    "    OUT ends in .zst; - for standard output). Config accesses, BAR mappings, register\n"
    "    writes, doorbells, commands, completions, interrupts, MSI-X enable, controller state\n"
    "    and QEMU's error events become records. QEMU does not print raw SQEs, CQEs, register\n"
    "    read values or data: commands and completions are rebuilt from the fields QEMU prints\n"
    "    and flagged reconstructed, with a mask of the bytes really known; read values are\n"
    "    flagged unknown. docs/import.md has the whole mapping. Both line prefixes are read,\n"
    "    line by line: \"TID@SECONDS.USEC:\" (QEMU 7.2-10.0) and the ISO-8601 UTC time of\n"
    "    QEMU 10.1+, which prints no thread id (records then carry thread 0, unknown).\n"
    "    Config reads of empty slots (QEMU 8.0+, device \"empty\") are counted, never kept.\n\n"
    "    Event names the importer does not know are counted; the counts are in a summary\n"
    "    annotation and the capture statistics record at the end of OUT ('nvmetrace info').\n"
    "    A line that is not a QEMU trace line, or a known event with arguments of another\n"
    "    format, stops the import with its line number, unless --skip-bad is given.\n\n"
    "    Never an empty success: the import fails (exit 1, OUT kept for inspection) when LOG\n"
    "    has no line, when more than 50% of its lines are malformed or of unknown events,\n"
    "    when more than 0.1% of its lines (plus one, a last line cut short) are malformed,\n"
    "    or when it holds no pci_nvme_* event (no NVMe controller traced).\n\n"
    "OPTIONS\n"
    "  -o, --output OUT   the trace to write\n"
    "      --all-devices  keep config/mapping events of every PCI function, not only NVMe\n"
    "      --skip-bad     count and skip malformed lines instead of stopping\n"
    "      --comments     give each rebuilt command the QEMU lines it came from as its\n"
    "                     packet comment (shown by Wireshark)\n"
    "      --emulator NAME\n"
    "                     emulator name and version for the device description\n"
    "                     (default \"QEMU\"; 'nvmetrace capture' fills in the version)\n\n"
    "EXIT STATUS\n"
    "    0 success; 1 LOG unreadable or malformed (OUT then holds the records before the\n"
    "    bad line), LOG refused by the rules above, or OUT cannot be written; 2 usage error.\n",
};

/* nvmetrace capture: run QEMU and record its NVMe traffic live from its trace log. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "nvmetrace/format.h"
#include "nvmetrace/import.h"

static volatile int pending_signal;

static void on_signal(int sig)
{
    pending_signal = sig;
}

struct rate {
    uint64_t records;
    double seconds;
};

static void progress(void *ctx, const nvt_qemu_import_stats *st, double seconds)
{
    struct rate *last = ctx;
    double dt = seconds - last->seconds;
    double now = dt > 0 ? (double)(st->records - last->records) / dt : 0.0;
    last->records = st->records;
    last->seconds = seconds;
    /* One line rewritten in place; QEMU's console may share the terminal, hence \r and the
     * trailing clear-to-end-of-line. */
    fprintf(stderr, "\rnvmetrace capture: %llu events, %.0f events/s, %.0f s\033[K",
            (unsigned long long)st->records, now, seconds);
}

static int run(int argc, char **argv)
{
    nvt_qemu_capture_opts o = {0};
    o.import.skip_bad = 1; /* a stray line must not end a live capture; it is counted */
    int quiet = 0, i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc)
                return cli_usage_error("capture", "%s needs a file name", a);
            o.output = argv[++i];
        } else if (!strcmp(a, "--log")) {
            if (i + 1 >= argc)
                return cli_usage_error("capture", "--log needs a file name");
            o.log_copy = argv[++i];
        } else if (!strcmp(a, "--all-devices")) {
            o.import.all_devices = 1;
        } else if (!strcmp(a, "--comments")) {
            o.import.comments = 1;
        } else if (!strcmp(a, "--strict")) {
            o.import.skip_bad = 0;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("capture", "unknown option '%s'", a);
        } else {
            break; /* the QEMU command, without a "--" before it */
        }
    }
    if (!o.output)
        return cli_usage_error("capture", "need -o OUTPUT");
    if (i >= argc)
        return cli_usage_error("capture", "need a QEMU command after --");
    struct rate last = {0, 0.0};
    if (!quiet && isatty(STDERR_FILENO)) {
        o.progress = progress;
        o.progress_ctx = &last;
    }
    o.pending_signal = &pending_signal;

    /* No SA_RESTART: the capture loop's poll() must wake up to forward the signal. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    nvt_qemu_capture_result res;
    nvt_error err;
    int rc = nvt_qemu_capture(&o, argv + i, &res, &err);
    if (o.progress)
        fputc('\n', stderr);
    if (rc < 0) {
        fprintf(stderr, "nvmetrace capture: %s\n", err.msg);
        if (!res.started)
            return err.code == NVT_E_ARG ? EXIT_USAGE : res.exit_status;
        fprintf(stderr, "nvmetrace capture: %s may be incomplete\n", o.output);
        return res.exit_status ? res.exit_status : EXIT_FAIL;
    }
    /* Never an empty success: a log the importer could not read, or one with no NVMe
     * controller in it, fails the capture whatever QEMU's exit status. Said even with -q. */
    char why[512];
    int refused = nvt_qemu_import_check(&res.stats, why, sizeof why) < 0;
    if (refused)
        fprintf(stderr, "nvmetrace capture: QEMU's trace log: %s\n", why);
    if (quiet && (res.signaled || res.exit_status)) {
        if (res.signaled)
            fprintf(stderr, "nvmetrace capture: QEMU was ended by signal %d (%s)\n",
                    res.signaled, strsignal(res.signaled));
        else
            fprintf(stderr, "nvmetrace capture: QEMU exited with status %d\n", res.exit_status);
    }
    if (!quiet) {
        if (res.signaled)
            fprintf(stderr, "nvmetrace capture: QEMU was ended by signal %d (%s)\n", res.signaled,
                    strsignal(res.signaled));
        else
            fprintf(stderr, "nvmetrace capture: QEMU exited with status %d\n", res.exit_status);
        fprintf(stderr, "nvmetrace capture: %llu log lines, %llu records in %s (%s)\n",
                (unsigned long long)res.stats.lines, (unsigned long long)res.stats.records,
                o.output, res.emulator);
        if (res.stats.unknown_lines || res.stats.bad_lines)
            fprintf(stderr,
                    "nvmetrace capture: %llu lines of unknown events, %llu malformed lines "
                    "(see 'nvmetrace info %s')\n",
                    (unsigned long long)res.stats.unknown_lines,
                    (unsigned long long)res.stats.bad_lines, o.output);
    }
    if (refused)
        return res.exit_status ? res.exit_status : EXIT_FAIL;
    return res.exit_status;
}

const struct nvt_command cmd_capture = {
    "capture", "run QEMU and record its NVMe traffic live", run,
    "NAME\n"
    "    nvmetrace capture - run QEMU and record its NVMe traffic live\n\n"
    "SYNOPSIS\n"
    "    nvmetrace capture -o OUT [--log FILE] [--all-devices] [--comments] [--strict]\n"
    "                      [-q] -- QEMU [QEMU ARGS...]\n\n"
    "DESCRIPTION\n"
    "    Runs QEMU (an unpatched qemu-system-*, 7.2 to 11.x) with\n"
    "        -trace 'pci_nvme_*' -trace 'pci_cfg_*' -trace 'msix_*'\n"
    "        -trace 'pci_update_mappings*' -msg timestamp=on -D FIFO\n"
    "    added to its arguments, imports the trace log from the FIFO while QEMU runs, as\n"
    "    'nvmetrace import qemu-log' would, and writes the trace to OUT (zstd-compressed\n"
    "    when OUT ends in .zst). QEMU keeps the terminal: its console output is untouched.\n"
    "    The trace is flushed whenever the log goes quiet.\n\n"
    "    SIGINT, SIGTERM and SIGHUP are passed on to QEMU; capture keeps importing until\n"
    "    QEMU has exited, so Ctrl-C, a QEMU crash or a guest poweroff all leave a complete,\n"
    "    valid trace holding everything QEMU logged. Malformed log lines are counted and\n"
    "    skipped (--strict stops at the first). While running, progress (events so far and\n"
    "    rate) is shown on standard error if it is a terminal. The device description\n"
    "    names QEMU's version, from running QEMU --version.\n\n"
    "    Never an empty success: capture fails when QEMU's log had no line, when more than\n"
    "    50% of its lines were malformed or of unknown events, when more than 0.1% (plus one,\n"
    "    the last line of a dying QEMU) were malformed, or when it held no pci_nvme_* event\n"
    "    (no NVMe controller traced); the message names the problem and the trace is kept.\n\n"
    "OPTIONS\n"
    "  -o, --output OUT   the trace to write\n"
    "      --log FILE     also keep QEMU's raw trace log in FILE\n"
    "      --all-devices  keep config/mapping events of every PCI function, not only NVMe\n"
    "      --comments     give each rebuilt command the QEMU lines it came from as comment\n"
    "      --strict       stop importing at the first malformed log line\n"
    "  -q, --quiet        no progress and no summary on standard error\n\n"
    "EXAMPLE\n"
    "    nvmetrace capture -o boot.pcapng.zst -- qemu-system-x86_64 -machine q35 -m 512 \\\n"
    "        -nographic -kernel vmlinuz -initrd initrd.img -append console=ttyS0 \\\n"
    "        -drive file=disk.img,if=none,id=d0,format=raw -device nvme,drive=d0,serial=d0\n\n"
    "EXIT STATUS\n"
    "    QEMU's exit status (128 + N if signal N ended it). 127 if QEMU could not be\n"
    "    started, 2 on a usage error (including QEMU's -D, which capture sets itself),\n"
    "    1 if QEMU exited with 0 but the trace could not be written completely or the log\n"
    "    was refused by the rules above (QEMU's own non-zero status wins).\n",
};

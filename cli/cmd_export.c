/* nvmetrace export qtest: a trace as a qtest script; and `import qtest`, the way back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_replay.h"
#include "nvmetrace/replay.h"

static int write_file(void *ctx, const char *text, size_t len)
{
    return fwrite(text, 1, len, ctx) == len ? 0 : -1;
}

static int run(int argc, char **argv)
{
    const char *kind = NULL, *path = NULL, *out = NULL;
    int shell = 0;
    struct cli_target tg = {0};
    for (int i = 1; i < argc; i++) {
        int r = cli_target_option("export", argc, argv, &i, &tg);
        if (r < 0)
            return EXIT_USAGE;
        if (r)
            continue;
        if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
            if (i + 1 >= argc)
                return cli_usage_error("export", "%s needs a file name", argv[i]);
            out = argv[++i];
        } else if (!strcmp(argv[i], "--shell")) {
            shell = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("export", "unknown option '%s'", argv[i]);
        } else if (!kind) {
            kind = argv[i];
        } else if (!path) {
            path = argv[i];
        } else {
            return cli_usage_error("export", "one trace at a time");
        }
    }
    if (!kind || !path)
        return cli_usage_error("export", "need the output kind (qtest) and a TRACE");
    if (strcmp(kind, "qtest") != 0)
        return cli_usage_error("export", "unknown output kind '%s' (known: qtest)", kind);
    nvt_qtest_export_opts o;
    memset(&o, 0, sizeof o);
    nvt_replay_opts_init(&o.replay);
    if (tg.lib)
        return cli_usage_error("export", "a qtest script is for QEMU: --target lib: does not apply");
    if (cli_target_apply("export", &tg, &o.replay) < 0)
        return EXIT_USAGE;
    nvt_error err;
    nvt_trace *t = nvt_trace_load(path, &err);
    if (!t) {
        fprintf(stderr, "nvmetrace export: %s\n", err.msg);
        cli_target_free(&tg);
        return EXIT_FAIL;
    }
    FILE *f = stdout;
    if (out && strcmp(out, "-") != 0 && !(f = fopen(out, "w"))) {
        fprintf(stderr, "nvmetrace export: cannot create %s: %s\n", out, strerror(errno));
        nvt_trace_free(t);
        cli_target_free(&tg);
        return EXIT_FAIL;
    }
    o.shell_form = shell;
    o.write = write_file;
    o.ctx = f;
    char args[4096];
    int rc = nvt_qtest_export(t, &o, args, sizeof args, &err);
    nvt_trace_free(t);
    cli_target_free(&tg);
    if (f != stdout && fclose(f) != 0 && rc == 0) {
        snprintf(err.msg, sizeof err.msg, "cannot write %s: %s", out, strerror(errno));
        rc = -1;
    }
    if (rc < 0) {
        fprintf(stderr, "nvmetrace export: %s\n", err.msg);
        return EXIT_FAIL;
    }
    if (!shell)
        fprintf(stderr, "nvmetrace export: run it with: %s %s -qtest stdio < %s\n",
                tg.qemu ? tg.qemu : "qemu-system-x86_64", args, out ? out : "SCRIPT");
    return EXIT_OK;
}

int cli_import_qtest(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
            if (i + 1 >= argc)
                return cli_usage_error("import", "%s needs a file name", argv[i]);
            out = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("import", "unknown option '%s' for qtest", argv[i]);
        } else if (!in) {
            in = argv[i];
        } else {
            return cli_usage_error("import", "one script at a time");
        }
    }
    if (!in || !out)
        return cli_usage_error("import", "need a qtest SCRIPT and -o OUTPUT");
    FILE *f = strcmp(in, "-") ? fopen(in, "rb") : stdin;
    if (!f) {
        fprintf(stderr, "nvmetrace import: cannot open %s: %s\n", in, strerror(errno));
        return EXIT_FAIL;
    }
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    size_t n;
    while (text && (n = fread(text + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            if (cap >= (size_t)1 << 30) {
                fprintf(stderr, "nvmetrace import: %s is larger than 1 GiB\n", in);
                free(text);
                text = NULL;
                break;
            }
            char *p = realloc(text, cap *= 2);
            if (!p) {
                free(text);
                text = NULL;
            }
            text = p;
        }
    }
    int ioerr = ferror(f);
    if (f != stdin)
        fclose(f);
    if (!text || ioerr) {
        if (ioerr)
            fprintf(stderr, "nvmetrace import: cannot read %s\n", in);
        free(text);
        return EXIT_FAIL;
    }
    nvt_error err;
    nvt_qtest_import_stats st;
    nvt_trace *t = nvt_qtest_import(text, len, in, &st, &err);
    free(text);
    if (!t || nvt_trace_write(t, NULL, out, NULL, &err) < 0) {
        fprintf(stderr, "nvmetrace import: %s\n", err.msg);
        nvt_trace_free(t);
        return EXIT_FAIL;
    }
    nvt_trace_free(t);
    printf("imported %llu qtest commands into %llu events (%llu kept as qtest notes): %s\n",
           (unsigned long long)st.commands, (unsigned long long)st.events,
           (unsigned long long)st.passthrough, out);
    if (st.qemu_args[0])
        printf("  QEMU arguments kept for the replay: %s\n", st.qemu_args);
    return EXIT_OK;
}

const struct nvt_command cmd_export = {
    "export", "write a trace as a qtest script (for QEMU bug reports)", run,
    "NAME\n"
    "    nvmetrace export - write a trace as a qtest script\n\n"
    "SYNOPSIS\n"
    "    nvmetrace export qtest [--shell] [-o FILE] [--target qemu[:PATH]]\n"
    "                           [--qemu-args ARGS] [--add-args ARGS] TRACE\n\n"
    "DESCRIPTION\n"
    "    Writes the qtest commands `nvmetrace replay` sends for TRACE (config and register\n"
    "    accesses, doorbells, the guest memory it places: SQEs, PRP lists, data, shadow\n"
    "    doorbells), without its polling and comparisons, so that\n"
    "        qemu-system-x86_64 ARGS -qtest stdio < FILE\n"
    "    reproduces the trace. ARGS (machine, RAM, the NVMe device and its null-co disk, as\n"
    "    the replay would derive them) are printed on standard error. With --shell the\n"
    "    output is the `cat << EOF | qemu-system-x86_64 ARGS -qtest stdio` form QEMU bug\n"
    "    reports use, with ARGS inside; `nvmetrace import qtest` reads both forms back.\n"
    "    QEMU keeps running after the last command unless it crashed: stop it with Ctrl-C.\n\n"
    "OPTIONS\n"
    "    -o, --output FILE   write the script here (default standard output)\n"
    "    --shell             the shell form of bug reports, ARGS included\n"
    "    --target, --qemu-args, --add-args, --accel\n"
    "                        as for `nvmetrace replay`: they shape ARGS\n\n"
    "EXIT STATUS\n"
    "    0 written; 1 the trace is unreadable or cannot be rebuilt, or FILE cannot be\n"
    "    written; 2 usage error.\n",
};

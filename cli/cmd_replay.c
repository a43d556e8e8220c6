/* nvmetrace replay: drive a trace into QEMU's NVMe controller and compare. */
#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_replay.h"
#include "nvmetrace/replay.h"

#define EXIT_DIVERGED 1
#define EXIT_INPUT 2
#define EXIT_CRASH 3
#define EXIT_TARGET 4
#define EXIT_NOTHING 5

struct collected {
    nvt_divergence *div;
    size_t ndiv, cap;
    char **notes;
    size_t nnotes;
};

static void on_div(void *ctx, const nvt_divergence *d)
{
    struct collected *c = ctx;
    if (c->ndiv == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        nvt_divergence *p = realloc(c->div, cap * sizeof *p);
        if (!p)
            return;
        c->div = p;
        c->cap = cap;
    }
    c->div[c->ndiv++] = *d;
}

static void on_note(void *ctx, const char *msg)
{
    struct collected *c = ctx;
    char **p = realloc(c->notes, (c->nnotes + 1) * sizeof *p);
    if (!p)
        return;
    c->notes = p;
    c->notes[c->nnotes] = strdup(msg);
    if (c->notes[c->nnotes])
        c->nnotes++;
}

static void collected_free(struct collected *c)
{
    free(c->div);
    for (size_t i = 0; i < c->nnotes; i++)
        free(c->notes[i]);
    free(c->notes);
}

/* The first line of `QEMU --version` ("QEMU emulator version 7.2.22 (Debian 1:7.2+...)") in
 * out; 0 if the binary could not be run or printed nothing. */
static int qemu_banner(const char *qemu, char *out, size_t n)
{
    int fd[2];
    if (n == 0 || pipe(fd) != 0)
        return 0;
    pid_t pid = fork();
    if (pid == 0) {
        int dn = open("/dev/null", O_RDWR);
        if (dn >= 0) {
            dup2(dn, 0);
            dup2(dn, 2);
        }
        dup2(fd[1], 1);
        close(fd[0]);
        execlp(qemu, qemu, "--version", (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    size_t len = 0;
    if (pid > 0) {
        ssize_t r;
        while (len + 1 < n && (r = read(fd[0], out + len, n - 1 - len)) > 0)
            len += (size_t)r;
    }
    close(fd[0]);
    int st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    out[len] = 0;
    out[strcspn(out, "\n")] = 0;
    return pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && out[0];
}

/* Whether the module in dir was built for the QEMU whose version banner is banner. A module's
 * stamp is computed from its QEMU's version string, and build-qemu.sh writes that string,
 * quoted, in BUILDINFO ("qemu SRCVER 'Debian 1:7.2+dfsg-7+deb12u18+b3' built ..."): the banner
 * must end with it in parentheses. -1: dir has no readable BUILDINFO (not from build-qemu.sh). */
static int module_fits(const char *dir, const char *banner)
{
    char path[1100], info[512];
    snprintf(path, sizeof path, "%s/BUILDINFO", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int got = fgets(info, sizeof info, f) != NULL;
    fclose(f);
    char *a = got ? strchr(info, '\'') : NULL;
    char *b = a ? strchr(a + 1, '\'') : NULL;
    if (!b)
        return -1;
    *b = 0;
    char want[520];
    snprintf(want, sizeof want, "(%s)", a + 1);
    size_t bl = strlen(banner), wl = strlen(want);
    return bl >= wl && !strcmp(banner + bl - wl, want);
}

const char *cli_module_dir(const char *given, const char *qemu, int *mismatch)
{
    char banner[512];
    *mismatch = 0;
    if (!qemu)
        qemu = "qemu-system-x86_64";
    int have_banner = qemu_banner(qemu, banner, sizeof banner);
    const char *env = getenv("NVT_QEMU_MODULE_DIR");
    const char *chosen = given ? given : env && *env ? env : NULL;
    if (chosen) {
        /* Named by the user: refused if it says it belongs to another QEMU. */
        if (have_banner && module_fits(chosen, banner) == 0) {
            fprintf(stderr,
                    "nvmetrace: the qtest module in %s was built for another QEMU than %s (%s): "
                    "a module only loads into the QEMU version it was built for\n",
                    chosen, qemu, banner);
            *mismatch = 1;
            return NULL;
        }
        return chosen;
    }
    /* The module scripts/qemu/build-qemu.sh left in the cache for this very QEMU, if any (the
     * newest of those): one built for another version is never handed to it. */
    if (!have_banner)
        return NULL;
    static char found[1024];
    const char *cache = getenv("NVT_QEMU_CACHE");
    char pattern[1024];
    if (cache && *cache)
        snprintf(pattern, sizeof pattern, "%s/qtest-module-*/accel-qtest-x86_64.so", cache);
    else if (getenv("XDG_CACHE_HOME") && *getenv("XDG_CACHE_HOME"))
        snprintf(pattern, sizeof pattern, "%s/nvmetrace/qemu/qtest-module-*/accel-qtest-x86_64.so",
                 getenv("XDG_CACHE_HOME"));
    else if (getenv("HOME"))
        snprintf(pattern, sizeof pattern,
                 "%s/.cache/nvmetrace/qemu/qtest-module-*/accel-qtest-x86_64.so", getenv("HOME"));
    else
        return NULL;
    glob_t g;
    if (glob(pattern, 0, NULL, &g) != 0)
        return NULL;
    time_t best = 0;
    found[0] = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        struct stat st;
        char dir[1024];
        snprintf(dir, sizeof dir, "%s", g.gl_pathv[i]);
        char *slash = strrchr(dir, '/');
        if (!slash)
            continue;
        *slash = 0;
        if (module_fits(dir, banner) == 1 && stat(g.gl_pathv[i], &st) == 0 &&
            st.st_mtime >= best) {
            best = st.st_mtime;
            snprintf(found, sizeof found, "%s", dir);
        }
    }
    globfree(&g);
    return found[0] ? found : NULL;
}

/* Options shared by replay, minimize and export. Returns 1 if argv[*i] was one of them (and
 * consumed its value), 0 if not, -1 on a usage error (printed). */
int cli_target_option(const char *cmdname, int argc, char **argv, int *i, struct cli_target *t)
{
    const char *a = argv[*i];
    const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    if (!strcmp(a, "--target")) {
        if (v && !strncmp(v, "lib:", 4) && v[4]) {
            t->lib = v + 4;
            t->qemu = NULL;
            (*i)++;
            return 1;
        }
        if (!v || strncmp(v, "qemu", 4) || (v[4] && v[4] != ':') || (v[4] == ':' && !v[5])) {
            cli_usage_error(cmdname, "--target takes qemu, qemu:PATH or lib:PATH");
            return -1;
        }
        t->qemu = v[4] == ':' ? v + 5 : NULL;
        t->lib = NULL;
        (*i)++;
        return 1;
    }
    if (!strcmp(a, "--target-args")) {
        if (!v) {
            cli_usage_error(cmdname, "--target-args needs a string for the target's create()");
            return -1;
        }
        t->lib_args = v;
        (*i)++;
        return 1;
    }
    if (!strcmp(a, "--no-fork")) {
        t->no_fork = 1;
        return 1;
    }
    if (!strcmp(a, "--qemu-args") || !strcmp(a, "--add-args") || !strcmp(a, "--module-dir") ||
        !strcmp(a, "--accel") || !strcmp(a, "--settle") || !strcmp(a, "--copy-disks")) {
        t->qemu_only = 1;
        t->qemu_opt = a;
    }
    if (!strcmp(a, "--qemu-args") || !strcmp(a, "--add-args")) {
        if (!v) {
            cli_usage_error(cmdname, "%s needs a string of QEMU arguments", a);
            return -1;
        }
        if (!strcmp(a, "--qemu-args")) {
            t->args = v;
            t->replace = 1;
        } else {
            t->add = v;
        }
        (*i)++;
        return 1;
    }
    if (!strcmp(a, "--module-dir")) {
        if (!v) {
            cli_usage_error(cmdname, "--module-dir needs a folder");
            return -1;
        }
        t->module_dir = v;
        (*i)++;
        return 1;
    }
    if (!strcmp(a, "--accel")) {
        if (!v || (strcmp(v, "auto") && strcmp(v, "qtest") && strcmp(v, "tcg"))) {
            cli_usage_error(cmdname, "--accel takes auto, qtest or tcg");
            return -1;
        }
        t->accel = !strcmp(v, "qtest") ? NVT_ACCEL_QTEST : !strcmp(v, "tcg") ? NVT_ACCEL_TCG_STOPPED
                                                                             : NVT_ACCEL_AUTO;
        (*i)++;
        return 1;
    }
    if (!strcmp(a, "--timeout") || !strcmp(a, "--settle")) {
        uint64_t ms;
        if (!v || cli_parse_u64(v, &ms) < 0 || ms == 0 || ms > 3600000) {
            cli_usage_error(cmdname, "%s takes milliseconds (1..3600000)", a);
            return -1;
        }
        if (!strcmp(a, "--timeout"))
            t->timeout_ms = (unsigned)ms;
        else
            t->settle_ms = (unsigned)ms;
        (*i)++;
        return 1;
    }
    if (!strcmp(a, "--copy-disks")) {
        t->copy_disks = 1;
        return 1;
    }
    return 0;
}

/* Fills o from t; words receives the split argument strings (free with cli_target_free). */
int cli_target_apply(const char *cmdname, struct cli_target *t, nvt_replay_opts *o)
{
    if (t->lib && t->qemu_only) {
        cli_usage_error(cmdname, "%s applies to QEMU targets, not to --target lib:", t->qemu_opt);
        return -1;
    }
    if (!t->lib && (t->lib_args || t->no_fork)) {
        cli_usage_error(cmdname, "%s applies to --target lib:PATH only",
                        t->lib_args ? "--target-args" : "--no-fork");
        return -1;
    }
    o->target_lib = t->lib;
    o->target_args = t->lib_args;
    o->no_fork = t->no_fork;
    o->qemu = t->qemu;
    o->accel = t->accel;
    o->timeout_ms = t->timeout_ms;
    o->settle_ms = t->settle_ms;
    o->copy_disks = t->copy_disks;
    if (t->accel != NVT_ACCEL_TCG_STOPPED) {
        int mismatch;
        o->module_dir = cli_module_dir(t->module_dir, t->qemu, &mismatch);
        if (mismatch)
            return -1;
    }
    const char *s = t->replace ? t->args : t->add;
    if (s) {
        if (cli_split_args(s, &t->words) < 0) {
            cli_usage_error(cmdname, "cannot parse the QEMU arguments '%s'", s);
            return -1;
        }
        o->qemu_args = (const char *const *)t->words;
        o->replace_args = t->replace;
    }
    return 0;
}

void cli_target_free(struct cli_target *t)
{
    for (size_t i = 0; t->words && t->words[i]; i++)
        free(t->words[i]);
    free(t->words);
    t->words = NULL;
}

/* Splits on blanks, honouring single and double quotes. */
int cli_split_args(const char *s, char ***out)
{
    size_t cap = 8, n = 0;
    char **v = calloc(cap, sizeof *v);
    char *w = malloc(strlen(s) + 1);
    if (!v || !w)
        goto fail;
    for (const char *p = s;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        size_t k = 0;
        char quote = 0;
        for (; *p && (quote || (*p != ' ' && *p != '\t' && *p != '\n')); p++) {
            if (!quote && (*p == '\'' || *p == '"'))
                quote = *p;
            else if (quote && *p == quote)
                quote = 0;
            else
                w[k++] = *p;
        }
        if (quote)
            goto fail;
        w[k] = 0;
        if (n + 2 > cap) {
            cap *= 2;
            char **nv = realloc(v, cap * sizeof *nv);
            if (!nv)
                goto fail;
            v = nv;
        }
        if (!(v[n++] = strdup(w)))
            goto fail;
        v[n] = NULL;
    }
    free(w);
    *out = v;
    return 0;
fail:
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
    free(w);
    return -1;
}

static const char *status_name(int s)
{
    return s == NVT_REPLAY_CLEAN      ? "clean"
           : s == NVT_REPLAY_DIVERGED ? "diverged"
           : s == NVT_REPLAY_NOTHING  ? "nothing compared"
                                      : "crashed";
}

void cli_print_crash_text(FILE *f, const nvt_replay_result *r)
{
    int model = !strcmp(r->accel, "in-process");
    fprintf(f, "crash: %s %s at event %" PRId64 " (last event it %s: %" PRId64 ")\n",
            model ? "the target" : "QEMU", r->hung ? "stopped answering" : "died",
            r->crash_index, model ? "completed" : "answered", r->last_acked_index);
    if (r->hung)
        fprintf(f, "  killed after the timeout\n");
    else if (r->term_signal)
        fprintf(f, "  signal: %d (%s)\n", r->term_signal, strsignal(r->term_signal));
    else
        fprintf(f, "  exit status: %d\n", r->exit_status);
    fprintf(f, "  signature: %s\n", r->signature);
    if (r->stderr_tail[0]) {
        fprintf(f, "  stderr (tail):\n");
        const char *p = r->stderr_tail;
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t l = nl ? (size_t)(nl - p) : strlen(p);
            fprintf(f, "    | %.*s\n", (int)l, p);
            p += l + (nl ? 1 : 0);
        }
    }
}

void cli_print_crash_json(FILE *f, const nvt_replay_result *r)
{
    fprintf(f, "{\"index\":%" PRId64 ",\"last_answered\":%" PRId64 ",\"hung\":%s,\"signal\":%d,"
               "\"exit_status\":%d,\"signature\":",
            r->crash_index, r->last_acked_index, r->hung ? "true" : "false", r->term_signal,
            r->exit_status);
    cli_json_str(f, r->signature);
    fprintf(f, ",\"stderr_tail\":");
    cli_json_str(f, r->stderr_tail);
    fprintf(f, "}");
}

static void print_text(const char *path, const nvt_replay_result *r, const struct collected *c,
                       uint64_t max_div)
{
    printf("replay: %s\n", path);
    if (r->qemu_version[0]) /* none when there was nothing to replay into */
        printf("target: %s, accelerator %s\n", r->qemu_version, r->accel);
    if (r->cmdline[0])
        printf("command: %s\n", r->cmdline);
    for (size_t i = 0; i < c->nnotes; i++)
        printf("note: %s\n", c->notes[i]);
    for (size_t i = 0; i < c->ndiv; i++) {
        const nvt_divergence *d = &c->div[i];
        printf("divergence at event %" PRIu64 ": %s\n", d->index, d->what);
        printf("  expected: %s\n", d->expected);
        printf("  got:      %s\n", d->got);
    }
    if (max_div && r->divergences >= max_div)
        printf("comparison stopped after %" PRIu64 " divergences (--max-divergences)\n",
               r->divergences);
    if (r->status == NVT_REPLAY_CRASHED)
        cli_print_crash_text(stdout, r);
    printf("events %" PRIu64 ", host actions %" PRIu64 ", outputs compared %" PRIu64
           ", not comparable %" PRIu64 " (no data %" PRIu64 "), divergences %" PRIu64 "\n",
           r->events, r->host_actions, r->compared, r->not_comparable, r->no_data,
           r->divergences);
    printf("reordered completions %" PRIu64 ", interrupts coalesced differently %" PRIu64
           ", time-dependent values masked %" PRIu64 "\n",
           r->reordered, r->irq_coalesced, r->time_masked);
    if (r->status == NVT_REPLAY_NOTHING)
        printf("result: nothing compared (%s)\n", r->nothing_reason);
    else
        printf("result: %s\n", status_name(r->status));
}

static void print_json(const char *path, const nvt_replay_result *r, const struct collected *c,
                       int timing)
{
    printf("{\"trace\":");
    cli_json_str(stdout, path);
    printf(",\"target\":{\"version\":");
    cli_json_str(stdout, r->qemu_version);
    printf(",\"accel\":");
    cli_json_str(stdout, r->accel);
    printf(",\"command\":");
    cli_json_str(stdout, r->cmdline);
    printf("},\"result\":\"%s\",\"events\":%" PRIu64 ",\"host_actions\":%" PRIu64
           ",\"compared\":%" PRIu64 ",\"not_comparable\":%" PRIu64 ",\"sqes_rebuilt\":%" PRIu64
           ",\"bytes_unknown\":%" PRIu64 ",\"no_data\":%" PRIu64 ",\"reordered\":%" PRIu64
           ",\"irq_coalesced\":%" PRIu64 ",\"time_masked\":%" PRIu64,
           status_name(r->status), r->events, r->host_actions, r->compared, r->not_comparable,
           r->sqes_rebuilt, r->bytes_unknown, r->no_data, r->reordered, r->irq_coalesced,
           r->time_masked);
    if (r->status == NVT_REPLAY_NOTHING) {
        printf(",\"nothing_reason\":");
        cli_json_str(stdout, r->nothing_reason);
    }
    if (timing)
        printf(",\"seconds\":%.6f,\"qtest_commands\":%" PRIu64, r->seconds, r->qtest_commands);
    printf(",\"notes\":[");
    for (size_t i = 0; i < c->nnotes; i++) {
        printf("%s", i ? "," : "");
        cli_json_str(stdout, c->notes[i]);
    }
    printf("],\"divergences\":[");
    for (size_t i = 0; i < c->ndiv; i++) {
        const nvt_divergence *d = &c->div[i];
        printf("%s{\"index\":%" PRIu64 ",\"seq\":%" PRIu64 ",\"device\":%u,\"what\":",
               i ? "," : "", d->index, d->seq, d->device);
        cli_json_str(stdout, d->what);
        printf(",\"expected\":");
        cli_json_str(stdout, d->expected);
        printf(",\"got\":");
        cli_json_str(stdout, d->got);
        printf("}");
    }
    printf("],\"divergence_count\":%" PRIu64 ",\"crash\":", r->divergences);
    if (r->status == NVT_REPLAY_CRASHED)
        cli_print_crash_json(stdout, r);
    else
        printf("null");
    printf("}\n");
}

static int run(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0, timing = 0, strict_order = 0, compare_time = 0;
    uint64_t max_div = 1000;
    struct cli_target tg = {0};
    for (int i = 1; i < argc; i++) {
        int r = cli_target_option("replay", argc, argv, &i, &tg);
        if (r < 0)
            return EXIT_INPUT;
        if (r)
            continue;
        if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--timing")) {
            timing = 1;
        } else if (!strcmp(argv[i], "--strict-order")) {
            strict_order = 1;
        } else if (!strcmp(argv[i], "--compare-time")) {
            compare_time = 1;
        } else if (!strcmp(argv[i], "--max-divergences")) {
            if (i + 1 >= argc || cli_parse_u64(argv[i + 1], &max_div) < 0)
                return cli_usage_error("replay", "--max-divergences takes a number (0: no limit)");
            i++;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("replay", "unknown option '%s'", argv[i]);
        } else if (path) {
            return cli_usage_error("replay", "one trace at a time");
        } else {
            path = argv[i];
        }
    }
    if (!path)
        return cli_usage_error("replay", "no trace given");
    nvt_replay_opts o;
    nvt_replay_opts_init(&o);
    if (cli_target_apply("replay", &tg, &o) < 0)
        return EXIT_INPUT;
    struct collected c = {0};
    o.on_divergence = on_div;
    o.on_note = on_note;
    o.ctx = &c;
    o.max_divergences = max_div;
    o.strict_order = strict_order;
    o.compare_time = compare_time;

    nvt_error err;
    nvt_trace *t = nvt_trace_load(path, &err);
    if (!t) {
        fprintf(stderr, "nvmetrace replay: %s\n", err.msg);
        cli_target_free(&tg);
        return EXIT_INPUT;
    }
    nvt_replay_result res;
    int rc = nvt_replay_run(t, &o, &res, &err);
    nvt_trace_free(t);
    cli_target_free(&tg);
    if (rc < 0) {
        fprintf(stderr, "nvmetrace replay: %s\n", err.msg);
        if (res.cmdline[0])
            fprintf(stderr, "nvmetrace replay: %s: %s\n", o.target_lib ? "target" : "QEMU command",
                    res.cmdline);
        collected_free(&c);
        return err.code == NVT_E_IO ? EXIT_TARGET : EXIT_INPUT;
    }
    if (json)
        print_json(path, &res, &c, timing);
    else
        print_text(path, &res, &c, max_div);
    if (timing && !json && o.target_lib)
        printf("time: %.3f s, %" PRIu64 " events (%.0f/s)\n", res.seconds, res.events,
               res.seconds > 0 ? (double)res.events / res.seconds : 0.0);
    else if (timing && !json)
        printf("time: %.3f s, %" PRIu64 " qtest commands (%.0f/s)\n", res.seconds,
               res.qtest_commands, res.seconds > 0 ? (double)res.qtest_commands / res.seconds : 0.0);
    collected_free(&c);
    return res.status == NVT_REPLAY_CLEAN      ? EXIT_OK
           : res.status == NVT_REPLAY_DIVERGED ? EXIT_DIVERGED
           : res.status == NVT_REPLAY_NOTHING  ? EXIT_NOTHING
                                               : EXIT_CRASH;
}

const struct nvt_command cmd_replay = {
    "replay", "drive a trace into an NVMe controller model and compare every output", run,
    "NAME\n"
    "    nvmetrace replay - drive a trace into an NVMe controller model and compare\n\n"
    "SYNOPSIS\n"
    "    nvmetrace replay [--target qemu[:PATH]] [--qemu-args ARGS] [--add-args ARGS]\n"
    "                     [--accel auto|qtest|tcg] [--module-dir DIR] [--json] [--timing]\n"
    "                     [--settle MS] [--timeout MS] [--max-divergences N]\n"
    "                     [--copy-disks] [--strict-order] [--compare-time] TRACE\n"
    "    nvmetrace replay --target lib:PATH [--target-args ARGS] [--no-fork] [--json]\n"
    "                     [--timing] [--timeout MS] [--max-divergences N]\n"
    "                     [--strict-order] [--compare-time] TRACE\n\n"
    "DESCRIPTION\n"
    "    Starts QEMU with its qtest protocol (no guest runs) and an NVMe controller configured\n"
    "    from the trace (the QEMU command line in the trace's comment, as `nvmetrace capture`\n"
    "    and `import qtest` record it; else a default controller at the trace's PCI address),\n"
    "    then rebuilds the host side of the trace: config and register writes, BAR\n"
    "    programming (the trace's addresses, relocated consistently when the target cannot\n"
    "    use them), doorbells, and the guest memory the device reads (SQEs, PRP lists, write\n"
    "    data, shadow doorbells), each placed before the doorbell that makes the device read\n"
    "    it. Every output the trace holds is compared: config and MMIO read values, CQEs read\n"
    "    back from the completion queues, DMA write data, MSI-X interrupts (the table is\n"
    "    pointed at guest RAM, where the messages are read back) and INTx. Fields the trace\n"
    "    marks unknown or reconstructed are compared only where known. Each divergence is\n"
    "    reported with the event index (as `nvmetrace dump` numbers events), what was expected\n"
    "    and what came back. A QEMU that dies or stops answering is reported with the event it\n"
    "    was working on, its signal or exit status, the tail of its stderr and a crash\n"
    "    signature. The same trace gives the same report every run.\n\n"
    "    Commands outstanding together may complete in any order (the device chooses): a CQE\n"
    "    is matched to the recording by device, SQ and CID among the outstanding commands,\n"
    "    and must land in the next slot of its CQ with the right phase tag; CQEs that came\n"
    "    in another order are counted as 'reordered completions', not divergences. Interrupts\n"
    "    are compared by vector per step, not by count ('coalesced differently').\n"
    "    --strict-order compares every CQE with the one recorded in its slot and every\n"
    "    interrupt where it was recorded. Outcomes that depend on data the trace lacks (a\n"
    "    Compare's status, read data of a null-co disk, SMART / Health counters) count as\n"
    "    'not comparable (no data)'; values that depend on time (Get Features Timestamp and\n"
    "    its data) are masked unless --compare-time (docs/replay.md lists them).\n\n"
    "    The qtest accelerator (virtual time) is used when QEMU accepts it; Debian's QEMU\n"
    "    needs the module scripts/qemu/build-qemu.sh builds, found in its cache (only one\n"
    "    built for this binary's version string, as --version prints it) or given with\n"
    "    --module-dir or NVT_QEMU_MODULE_DIR (refused if its BUILDINFO names another\n"
    "    version). Otherwise QEMU runs with TCG stopped (-S). The\n"
    "    report says which. Disks are replaced by null-co disks of the same size (reads\n"
    "    return zeros, writes are dropped).\n\n"
    "    With --target lib:PATH the target is a device model library implementing\n"
    "    <nvmetrace/target.h> (docs/integrate.md): config and BAR accesses are direct calls\n"
    "    in trace order, each followed by the model's run(); every guest memory read it makes\n"
    "    is answered from the matching record (SQE, PRP list, data), and every output (SQE\n"
    "    fetch, CQE, DMA write, MSI-X, INTx, controller state) is matched to the recording by\n"
    "    kind and key, then compared. An output nothing recorded is 'unexpected'; a recorded\n"
    "    one the model has not produced a step later is 'missing'. The model runs in a child\n"
    "    process, so that its crash or hang is reported like QEMU's.\n\n"
    "OPTIONS\n"
    "    --target qemu[:PATH]  the QEMU binary (default qemu-system-x86_64 from PATH)\n"
    "    --target lib:PATH     a device model library (a path; exports nvt_target_v1)\n"
    "    --target-args ARGS    text passed to the model's create() (its own syntax)\n"
    "    --no-fork             run the model in this process (for a debugger; a crash of\n"
    "                          the model then ends nvmetrace)\n"
    "    --qemu-args ARGS      QEMU arguments configuring the target instead of the trace's\n"
    "                          (quoted as one string; -machine TYPE and -m are honoured)\n"
    "    --add-args ARGS       QEMU arguments added to those derived from the trace\n"
    "    --accel MODE          auto (default), qtest or tcg (TCG with vCPUs stopped)\n"
    "    --module-dir DIR      folder holding accel-qtest-x86_64.so (QEMU_MODULE_DIR)\n"
    "    --json                one JSON object instead of text\n"
    "    --timing              add wall time and command or event rate (not deterministic)\n"
    "    --settle MS           how long to wait for an expected output (default 2000)\n"
    "    --timeout MS          silence after which the target counts as hung (default 10000)\n"
    "    --max-divergences N   stop comparing after N divergences (default 1000; 0 no limit)\n"
    "    --copy-disks          back the disks by private copies of their images (when the\n"
    "                          files exist) instead of null-co disks, to compare read data\n"
    "    --strict-order        completions and interrupts must come in the recorded order\n"
    "    --compare-time        also compare values that depend on time\n\n"
    "EXIT STATUS\n"
    "    0 every output matched; 1 divergences; 2 usage error or a trace that cannot be\n"
    "    replayed (unreadable, missing setup, impossible addresses); 3 the target crashed or\n"
    "    hung; 4 QEMU or the target library is missing, refused its options or could not\n"
    "    be started; 5 nothing was compared (the trace holds no device or no NVMe command,\n"
    "    or the target produced no output to compare): never reported as clean.\n",
};

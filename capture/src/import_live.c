/* Live capture from an unpatched QEMU: start it with the trace options and "-D FIFO", import
 * what it writes there while it runs, stop when it exits.
 *
 * The FIFO is opened for reading before QEMU starts, and a write end is kept open here too:
 * otherwise a read before QEMU has opened its log (or between QEMU closing and reopening it)
 * would see end-of-file. The end of the capture is therefore QEMU's exit (waitpid), after
 * which the FIFO is drained. QEMU blocks when the FIFO is full, so a slow importer slows the
 * guest instead of losing events. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nvmetrace/import.h"
#include "nvmetrace/proc.h"

const char *const nvt_qemu_trace_args[] = {
    "-trace", "pci_nvme_*", "-trace", "pci_cfg_*", "-trace", "msix_*",
    "-trace", "pci_update_mappings*", "-msg", "timestamp=on", "-D", NULL,
};
#define NTRACE_ARGS (sizeof nvt_qemu_trace_args / sizeof nvt_qemu_trace_args[0] - 1)

/* The log copy (--log) stops when its file system would have less than this free: a full disk
 * must not take the trace's space (the trace is what the capture is for). */
#define LOG_COPY_RESERVE (1ull << 20)
#define FLUSH_INTERVAL_NS 1000000000ull /* while events keep coming, flush at least this often */
#define POLL_MS 100

static int set_err(nvt_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int set_err(nvt_error *err, int code, const char *fmt, ...)
{
    err->code = code;
    err->offset = UINT64_MAX;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)" -> "QEMU 7.2.22 (Debian
 * 1:7.2+dfsg-7+deb12u18+b3)", from running `QEMU --version`; "QEMU" if that fails. */
static void emulator_version(const char *qemu, char *out, size_t outlen)
{
    snprintf(out, outlen, "QEMU");
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return;
    char *const argv[] = {(char *)qemu, "--version", NULL};
    nvt_child_opts co = {NVT_CHILD_NULL, p[1], NVT_CHILD_NULL, 1, NULL, NULL};
    pid_t pid = nvt_child_spawn(argv, &co);
    close(p[1]);
    char buf[512];
    size_t n = 0;
    if (pid > 0) {
        ssize_t k;
        while (n < sizeof buf - 1 && ((k = read(p[0], buf + n, sizeof buf - 1 - n)) > 0 ||
                                      (k < 0 && errno == EINTR)))
            if (k > 0)
                n += (size_t)k;
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
    close(p[0]);
    buf[n] = '\0';
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = '\0';
    static const char prefix[] = "QEMU emulator version ";
    if (strncmp(buf, prefix, sizeof prefix - 1) == 0)
        snprintf(out, outlen, "QEMU %.80s", buf + sizeof prefix - 1);
}

/* The SHB comment: the command line the trace came from. */
static char *command_comment(char *const argv[])
{
    size_t cap = 8192, n = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    n = (size_t)snprintf(s, cap, "nvmetrace capture --");
    for (size_t i = 0; argv[i] && n < cap - 1; i++) {
        int k = snprintf(s + n, cap - n, " %s", argv[i]);
        if (k < 0)
            break;
        n += (size_t)k;
    }
    if (n >= cap)
        strcpy(s + cap - 4, "...");
    return s;
}

struct live {
    int rfd, keep_wfd;
    char dir[256], fifo[300];
    FILE *copy;
    const char *copy_path;
    uint64_t copied;
    char *copy_stopped; /* res->log_copy_stopped */
    nvt_writer *w;
    nvt_qemu_importer *imp;
    int import_failed;
    nvt_error import_err;
};

static void cleanup(struct live *L)
{
    if (L->rfd >= 0)
        close(L->rfd);
    if (L->keep_wfd >= 0)
        close(L->keep_wfd);
    if (L->fifo[0])
        unlink(L->fifo);
    if (L->dir[0])
        nvt_run_rmdir(L->dir);
    if (L->copy)
        fclose(L->copy);
    nvt_qemu_import_free(L->imp);
}

/* Appends to the log copy, or stops it (closed, the reason kept) when its file system is
 * nearly full or a write fails: what it holds stays, and the trace keeps the space. */
static void copy_log(struct live *L, const char *buf, size_t n)
{
    if (!L->copy)
        return;
    struct statvfs vs;
    int e = 0;
    if (fstatvfs(fileno(L->copy), &vs) == 0 &&
        (uint64_t)vs.f_bavail * vs.f_frsize < LOG_COPY_RESERVE + n)
        e = ENOSPC;
    else if (fwrite(buf, 1, n, L->copy) != n || fflush(L->copy) != 0)
        e = errno ? errno : EIO;
    else
        L->copied += n;
    if (!e)
        return;
    fclose(L->copy);
    L->copy = NULL;
    snprintf(L->copy_stopped, 512,
             "%s: %s after %llu bytes (less than %llu KiB were left): the log copy stops "
             "there, the trace keeps the rest",
             L->copy_path, strerror(e), (unsigned long long)L->copied,
             (unsigned long long)(LOG_COPY_RESERVE >> 10));
}

/* Reads what the FIFO holds (at most a few MiB per call, so signals and QEMU's exit are
 * noticed). Returns the number of bytes read. */
static size_t drain(struct live *L, char *buf, size_t bufsize)
{
    size_t total = 0;
    while (total < (4u << 20)) {
        ssize_t n = read(L->rfd, buf, bufsize);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        total += (size_t)n;
        copy_log(L, buf, (size_t)n);
        if (!L->import_failed && nvt_qemu_import_feed(L->imp, buf, (size_t)n, &L->import_err) < 0)
            L->import_failed = 1; /* keep draining so QEMU never blocks on a full FIFO */
    }
    return total;
}

int nvt_qemu_capture(const nvt_qemu_capture_opts *opts, char *const qemu_argv[],
                     nvt_qemu_capture_result *res, nvt_error *err)
{
    memset(res, 0, sizeof *res);
    res->exit_status = 127;
    if (!qemu_argv || !qemu_argv[0])
        return set_err(err, NVT_E_ARG, "no QEMU command given");
    size_t nargs = 0;
    for (; qemu_argv[nargs]; nargs++) {
        const char *a = qemu_argv[nargs];
        if (nargs && (!strcmp(a, "-D") || !strcmp(a, "-daemonize") || !strcmp(a, "--daemonize")))
            return set_err(err, NVT_E_ARG,
                           "QEMU option %s cannot be used under capture (capture sets -D itself; "
                           "--log FILE keeps a copy of the log)", a);
    }

    struct live L;
    memset(&L, 0, sizeof L);
    L.rfd = L.keep_wfd = -1;
    nvt_qemu_import_opts io = opts->import;
    if (!io.emulator) {
        emulator_version(qemu_argv[0], res->emulator, sizeof res->emulator);
        io.emulator = res->emulator;
    } else {
        snprintf(res->emulator, sizeof res->emulator, "%s", io.emulator);
    }
    if (!io.name)
        io.name = "<QEMU log>";

    /* In the per-user run folder: a capture killed by SIGKILL leaves it to the next run. */
    if (nvt_run_mkdtemp("capture", L.dir, sizeof L.dir) < 0) {
        int e = errno;
        L.dir[0] = '\0';
        return set_err(err, NVT_E_IO, "cannot create a directory for the FIFO: %s", strerror(e));
    }
    snprintf(L.fifo, sizeof L.fifo, "%s/qemu-trace.fifo", L.dir);
    if (mkfifo(L.fifo, 0600) < 0) {
        set_err(err, NVT_E_IO, "mkfifo %s: %s", L.fifo, strerror(errno));
        L.fifo[0] = '\0';
        cleanup(&L);
        return -1;
    }
    L.rfd = open(L.fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (L.rfd >= 0)
        L.keep_wfd = open(L.fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (L.rfd < 0 || L.keep_wfd < 0) {
        set_err(err, NVT_E_IO, "open %s: %s", L.fifo, strerror(errno));
        cleanup(&L);
        return -1;
    }
    L.copy_path = opts->log_copy;
    L.copy_stopped = res->log_copy_stopped;
    if (opts->log_copy && !(L.copy = fopen(opts->log_copy, "w"))) {
        set_err(err, NVT_E_IO, "%s: %s", opts->log_copy, strerror(errno));
        cleanup(&L);
        return -1;
    }

    char *comment = command_comment(qemu_argv);
    nvt_writer_opts wo = {0};
    wo.comment = comment;
    L.w = nvt_writer_open(opts->output, &wo, err);
    free(comment);
    if (!L.w) {
        cleanup(&L);
        return -1;
    }
    nvt_import_sink sink;
    nvt_import_sink_writer(&sink, L.w);
    L.imp = nvt_qemu_import_new(&io, &sink, err);
    if (!L.imp) {
        nvt_writer_close(L.w, NULL);
        cleanup(&L);
        return -1;
    }

    char **argv = calloc(nargs + NTRACE_ARGS + 2, sizeof *argv);
    if (!argv) {
        set_err(err, NVT_E_NOMEM, "cannot prepare QEMU's command line: %s", strerror(errno));
        nvt_writer_close(L.w, NULL);
        cleanup(&L);
        return -1;
    }
    memcpy(argv, qemu_argv, nargs * sizeof *argv);
    for (size_t i = 0; i < NTRACE_ARGS; i++)
        argv[nargs + i] = (char *)nvt_qemu_trace_args[i];
    argv[nargs + NTRACE_ARGS] = L.fifo;

    /* QEMU dies with this process (a QEMU whose capture died would run on untraced). It
     * stays in the caller's process group: it may own the terminal for the guest's serial
     * console, and the terminal's signals reach it through the forwarding loop below. */
    nvt_child_opts co = {NVT_CHILD_INHERIT, NVT_CHILD_INHERIT, NVT_CHILD_INHERIT, 0, NULL, NULL};
    pid_t child = nvt_child_spawn(argv, &co);
    int spawn_errno = errno;
    free(argv);
    if (child < 0) {
        set_err(err, NVT_E_IO, "cannot run %s: %s", qemu_argv[0], strerror(spawn_errno));
        nvt_writer_close(L.w, NULL);
        unlink(opts->output); /* nothing was captured */
        cleanup(&L);
        return -1;
    }
    res->started = 1;

    static char buf[1 << 16];
    uint64_t start = now_ns(), last_flush = start, last_progress = start;
    int exited = 0, status = 0, dirty = 0;
    for (;;) {
        if (opts->pending_signal && *opts->pending_signal) {
            int sig = *opts->pending_signal;
            *opts->pending_signal = 0;
            if (!exited)
                kill(child, sig);
        }
        if (!exited) {
            pid_t r = waitpid(child, &status, WNOHANG);
            if (r == child)
                exited = 1;
        }
        struct pollfd pfd = {L.rfd, POLLIN, 0};
        int pr = poll(&pfd, 1, exited ? 0 : POLL_MS);
        size_t got = pr > 0 ? drain(&L, buf, sizeof buf) : 0;
        if (got)
            dirty = 1;
        if (exited && got == 0)
            break; /* QEMU is gone and the FIFO is empty */
        uint64_t t = now_ns();
        if (dirty && (got == 0 || t - last_flush >= FLUSH_INTERVAL_NS)) {
            /* The log went quiet (or a second passed): push everything to the file so a
             * reader, or a kill of this process, sees all of it. */
            if (!L.import_failed && (nvt_qemu_import_idle(L.imp, &L.import_err) < 0 ||
                                     nvt_writer_flush(L.w, &L.import_err) < 0))
                L.import_failed = 1;
            dirty = 0;
            last_flush = t;
        }
        if (opts->progress && t - last_progress >= 1000000000u) {
            opts->progress(opts->progress_ctx, nvt_qemu_import_get_stats(L.imp),
                           (double)(t - start) / 1e9);
            last_progress = t;
        }
    }

    if (WIFEXITED(status)) {
        res->exit_status = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        res->signaled = WTERMSIG(status);
        res->exit_status = 128 + res->signaled;
    }
    int rc = 0;
    if (L.import_failed) {
        *err = L.import_err;
        rc = -1;
    }
    nvt_error ferr;
    if (nvt_qemu_import_finish(L.imp, rc ? &ferr : err) < 0 && rc == 0)
        rc = -1;
    res->stats = *nvt_qemu_import_get_stats(L.imp);
    if (nvt_writer_close(L.w, rc ? &ferr : err) < 0 && rc == 0)
        rc = -1;
    if (L.copy && fclose(L.copy) != 0 && rc == 0)
        rc = set_err(err, NVT_E_IO, "%s: %s", opts->log_copy, strerror(errno));
    L.copy = NULL;
    cleanup(&L);
    return rc;
}

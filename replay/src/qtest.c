/*
 * The qtest client: starts QEMU with its qtest socket connected to us, sends commands
 * (pipelined: many in flight, replies matched in order), and watches QEMU for death or silence.
 *
 * Every wait is bounded: a QEMU that stops answering for timeout_ms is declared hung and
 * killed. Replies and QEMU's stderr are drained while we write, so neither side can block the
 * other on a full socket or pipe. Asynchronous "IRQ raise/lower N" lines (irq_intercept_in)
 * are handed to on_irq as they arrive.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nvmetrace/proc.h"
#include "replay_internal.h"

#define ERR_TAIL 8192
#define LINE_MAX_IN (1u << 20) /* longest reply accepted: read of 256 KiB in hex */

struct pending {
    qt_reply_fn fn;
    int64_t event;
    uint8_t arg[QT_ARG_MAX];
};

struct qt {
    pid_t pid;
    int sock, errfd;
    unsigned timeout_ms;
    void *ctx;
    void (*on_irq)(void *ctx, int raise, int line);
    void (*on_command)(void *ctx, const char *line);

    char *out;
    size_t out_len, out_off, out_cap;
    char *in;
    size_t in_len, in_cap;

    struct pending *pend;
    size_t pend_head, pend_count, pend_cap;

    char err_tail[ERR_TAIL];
    size_t err_len;   /* bytes in err_tail (kept as the last ERR_TAIL bytes) */

    int dead, hung, reaped, status;
    int64_t last_sent, last_acked;
    uint64_t commands;
};

void rp_error(nvt_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return;
    err->code = code;
    err->offset = UINT64_MAX;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

uint64_t rp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t rp_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Appends n bytes (n <= ERR_TAIL: reads are smaller), dropping the oldest. */
static void err_append(qt *q, const char *buf, size_t n)
{
    if (q->err_len + n > ERR_TAIL) {
        size_t drop = q->err_len + n - ERR_TAIL;
        memmove(q->err_tail, q->err_tail + drop, q->err_len - drop);
        q->err_len -= drop;
    }
    memcpy(q->err_tail + q->err_len, buf, n);
    q->err_len += n;
}

/* Reads what QEMU wrote to stderr; returns 1 at end of file. */
static int drain_stderr(qt *q)
{
    if (q->errfd < 0)
        return 1;
    char buf[4096];
    for (;;) {
        ssize_t n = read(q->errfd, buf, sizeof buf);
        if (n > 0) {
            err_append(q, buf, (size_t)n);
            continue;
        }
        if (n < 0 && (errno == EINTR))
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        close(q->errfd);
        q->errfd = -1;
        return 1;
    }
}

/* Collects QEMU's exit status, waiting up to wait_ms (then SIGKILL). */
static void reap(qt *q, unsigned wait_ms)
{
    if (q->reaped || q->pid <= 0)
        return;
    uint64_t end = rp_now_ms() + wait_ms;
    for (;;) {
        int st;
        pid_t r = waitpid(q->pid, &st, WNOHANG);
        if (r == q->pid) {
            q->status = st;
            q->reaped = 1;
            break;
        }
        if (r < 0 && errno != EINTR) {
            q->reaped = 1;
            q->status = 0;
            break;
        }
        if (rp_now_ms() >= end) {
            nvt_child_kill(q->pid, 1, SIGKILL);
            if (waitpid(q->pid, &st, 0) == q->pid)
                q->status = st;
            q->reaped = 1;
            break;
        }
        struct pollfd p = {q->errfd, POLLIN, 0};
        if (q->errfd >= 0 && poll(&p, 1, 10) > 0)
            drain_stderr(q);
        else if (q->errfd < 0)
            usleep(5000);
    }
    /* QEMU has exited: its stderr ends now (children inherit nothing from it). */
    for (int i = 0; i < 50 && q->errfd >= 0; i++) {
        struct pollfd p = {q->errfd, POLLIN, 0};
        if (poll(&p, 1, 20) > 0) {
            if (drain_stderr(q))
                break;
        } else {
            break;
        }
    }
}

static void mark_dead(qt *q)
{
    if (q->dead)
        return;
    q->dead = 1;
    if (q->sock >= 0) {
        close(q->sock);
        q->sock = -1;
    }
    /* The socket closing means QEMU is exiting or has exited: give it a moment to finish
     * (an ASan report is written before the process ends). */
    reap(q, 5000);
}

static void handle_line(qt *q, char *line)
{
    if (strncmp(line, "IRQ ", 4) == 0) {
        /* "IRQ raise 16" / "IRQ lower 16": asynchronous, not a reply. */
        int raise = strncmp(line + 4, "raise", 5) == 0;
        const char *num = strrchr(line, ' ');
        if (q->on_irq)
            q->on_irq(q->ctx, raise, num ? atoi(num + 1) : -1);
        return;
    }
    if (!q->pend_count)
        return; /* a reply nobody asked for: ignore */
    struct pending *p = &q->pend[q->pend_head];
    q->pend_head = (q->pend_head + 1) % q->pend_cap;
    q->pend_count--;
    /* An event is answered once the reply to its last command is in. */
    if (p->event >= 0 && (!q->pend_count || q->pend[q->pend_head].event != p->event))
        q->last_acked = p->event;
    if (p->fn)
        p->fn(q->ctx, line, p->arg);
}

static void parse_input(qt *q)
{
    size_t start = 0;
    for (size_t i = 0; i < q->in_len; i++) {
        if (q->in[i] != '\n')
            continue;
        q->in[i] = 0;
        handle_line(q, q->in + start);
        start = i + 1;
    }
    if (start) {
        memmove(q->in, q->in + start, q->in_len - start);
        q->in_len -= start;
    }
}

/* One round of waiting: writes what it can, reads what there is. Returns 1 on progress,
 * 0 on a timeout slice without progress, -1 if QEMU died. */
static int pump(qt *q, int ms)
{
    if (q->dead)
        return -1;
    struct pollfd p[2];
    p[0].fd = q->sock;
    p[0].events = POLLIN | (q->out_off < q->out_len ? POLLOUT : 0);
    p[1].fd = q->errfd;
    p[1].events = POLLIN;
    int n = poll(p, q->errfd >= 0 ? 2 : 1, ms);
    if (n < 0)
        return errno == EINTR ? 1 : -1;
    if (n == 0)
        return 0;
    int progress = 0;
    if (q->errfd >= 0 && (p[1].revents & (POLLIN | POLLHUP))) {
        drain_stderr(q);
        progress = 1;
    }
    if (p[0].revents & POLLOUT) {
        ssize_t w = send(q->sock, q->out + q->out_off, q->out_len - q->out_off, MSG_NOSIGNAL);
        if (w > 0) {
            q->out_off += (size_t)w;
            if (q->out_off == q->out_len)
                q->out_off = q->out_len = 0;
            progress = 1;
        } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
            mark_dead(q);
            return -1;
        }
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        if (q->in_cap - q->in_len < 65536) {
            if (q->in_cap >= LINE_MAX_IN * 2) {
                mark_dead(q); /* a reply line longer than we accept: treat as broken */
                return -1;
            }
            size_t cap = q->in_cap * 2;
            char *b = realloc(q->in, cap);
            if (!b) {
                mark_dead(q);
                return -1;
            }
            q->in = b;
            q->in_cap = cap;
        }
        ssize_t r = recv(q->sock, q->in + q->in_len, q->in_cap - q->in_len - 1, 0);
        if (r > 0) {
            q->in_len += (size_t)r;
            parse_input(q);
            progress = 1;
        } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
            mark_dead(q);
            return -1;
        }
    }
    return progress;
}

/* Waits until cond(q) holds, QEMU dies, or it is silent for timeout_ms. */
static int wait_for(qt *q, int (*cond)(const qt *))
{
    uint64_t last = rp_now_ms();
    while (!cond(q)) {
        int r = pump(q, 50);
        if (r < 0)
            return -1;
        if (r > 0) {
            last = rp_now_ms();
            continue;
        }
        /* Silence: is QEMU still there? */
        int st;
        if (waitpid(q->pid, &st, WNOHANG) == q->pid) {
            q->status = st;
            q->reaped = 1;
            mark_dead(q);
            return -1;
        }
        if (rp_now_ms() - last >= q->timeout_ms) {
            q->hung = 1;
            nvt_child_kill(q->pid, 1, SIGKILL);
            mark_dead(q);
            return -1;
        }
    }
    return 0;
}

static int all_sent(const qt *q) { return q->out_len == 0; }
static int all_answered(const qt *q) { return q->out_len == 0 && q->pend_count == 0; }

int qt_flush(qt *q) { return wait_for(q, all_sent); }
int qt_sync(qt *q) { return wait_for(q, all_answered); }
int qt_dead(const qt *q) { return q->dead; }
uint64_t qt_commands(const qt *q) { return q->commands; }

int qt_cmd(qt *q, int64_t event, int internal, qt_reply_fn fn, const void *arg, size_t arglen,
           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = qt_vcmd(q, event, internal, fn, arg, arglen, fmt, ap);
    va_end(ap);
    return rc;
}

int qt_vcmd(qt *q, int64_t event, int internal, qt_reply_fn fn, const void *arg, size_t arglen,
            const char *fmt, va_list ap)
{
    if (q->dead)
        return -1;
    char line[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    char *big = NULL;
    const char *text = line;
    if (n < 0) {
        va_end(ap2);
        return -1;
    }
    if ((size_t)n >= sizeof line) { /* a RAM write with data: format again at full size */
        big = malloc((size_t)n + 1);
        if (!big) {
            va_end(ap2);
            return -1;
        }
        vsnprintf(big, (size_t)n + 1, fmt, ap2);
        text = big;
    }
    va_end(ap2);
    if (q->out_len + (size_t)n + 1 > q->out_cap) {
        size_t cap = q->out_cap ? q->out_cap : 65536;
        while (cap < q->out_len + (size_t)n + 1)
            cap *= 2;
        char *b = realloc(q->out, cap);
        if (!b) {
            free(big);
            return -1;
        }
        q->out = b;
        q->out_cap = cap;
    }
    memcpy(q->out + q->out_len, text, (size_t)n);
    q->out[q->out_len + (size_t)n] = '\n';
    q->out_len += (size_t)n + 1;
    if (!internal && q->on_command)
        q->on_command(q->ctx, text);
    free(big);
    if (q->pend_count == q->pend_cap) {
        size_t cap = q->pend_cap ? q->pend_cap * 2 : 256;
        struct pending *p = malloc(cap * sizeof *p);
        if (!p)
            return -1;
        for (size_t i = 0; i < q->pend_count; i++)
            p[i] = q->pend[(q->pend_head + i) % q->pend_cap];
        free(q->pend);
        q->pend = p;
        q->pend_cap = cap;
        q->pend_head = 0;
    }
    struct pending *p = &q->pend[(q->pend_head + q->pend_count) % q->pend_cap];
    p->fn = fn;
    p->event = event;
    if (arglen > QT_ARG_MAX)
        arglen = QT_ARG_MAX;
    if (arg && arglen)
        memcpy(p->arg, arg, arglen);
    q->pend_count++;
    q->commands++;
    if (event >= 0)
        q->last_sent = event;
    /* Keep the output buffer from growing without bound: push it out once it is large. */
    if (q->out_len - q->out_off > (1u << 20))
        return qt_flush(q);
    return 0;
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Copies the stderr tail as a C string with ASan's "==PID==" and QEMU's "pid N" noise kept:
 * the caller normalizes. */
static void tail_string(const qt *q, char *out, size_t outlen)
{
    size_t n = q->err_len < outlen - 1 ? q->err_len : outlen - 1;
    const char *src = q->err_tail + q->err_len - n;
    /* Start at a line boundary when the tail was cut. */
    if (n < q->err_len) {
        const char *nl = memchr(src, '\n', n);
        if (nl && (size_t)(nl - src) < n - 1) {
            n -= (size_t)(nl + 1 - src);
            src = nl + 1;
        }
    }
    memcpy(out, src, n);
    out[n] = 0;
}

qt *qt_start(const qt_start_opts *o, int *early_exit, nvt_error *err)
{
    if (early_exit)
        *early_exit = 0;
    qt *q = calloc(1, sizeof *q);
    if (!q) {
        rp_error(err, NVT_E_NOMEM, "out of memory");
        return NULL;
    }
    q->pid = -1;
    q->sock = q->errfd = -1;
    q->last_sent = q->last_acked = -1;
    q->timeout_ms = o->timeout_ms ? o->timeout_ms : 10000;
    q->ctx = o->ctx;
    q->on_irq = o->on_irq;
    q->on_command = o->on_command;
    q->in_cap = 65536;
    q->in = malloc(q->in_cap);
    if (!q->in) {
        free(q);
        rp_error(err, NVT_E_NOMEM, "out of memory");
        return NULL;
    }

    /* In the per-user run folder: a replay killed before it removed the folder leaves it to
     * the next run (nvmetrace/proc.h). */
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char dir[sizeof sa.sun_path - sizeof "/qtest.sock" + 1];
    if (nvt_run_mkdtemp("replay", dir, sizeof dir) < 0) {
        rp_error(err, NVT_E_IO, "cannot create a folder for the qtest socket: %s",
                 errno == ENAMETOOLONG ? "the run folder's path is too long for a UNIX socket"
                                       : strerror(errno));
        free(q->in);
        free(q);
        return NULL;
    }
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s/qtest.sock", dir);
    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int ep[2] = {-1, -1};
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 1) < 0 ||
        pipe2(ep, O_CLOEXEC) < 0) {
        rp_error(err, NVT_E_IO, "cannot set up the qtest socket %s: %s", sa.sun_path,
                 strerror(errno));
        goto fail;
    }

    size_t argc = 0;
    while (o->argv[argc])
        argc++;
    char qtarg[sizeof sa.sun_path + 8];
    snprintf(qtarg, sizeof qtarg, "unix:%s", sa.sun_path);
    char **argv = calloc(argc + 3, sizeof *argv);
    if (!argv) {
        rp_error(err, NVT_E_NOMEM, "out of memory");
        goto fail;
    }
    memcpy(argv, o->argv, argc * sizeof *argv);
    argv[argc] = "-qtest";
    argv[argc + 1] = qtarg;

    /* QEMU dies with this process (PR_SET_PDEATHSIG), in its own process group. */
    nvt_child_opts co = {NVT_CHILD_NULL, NVT_CHILD_NULL, ep[1], 1, NULL, NULL};
    if (o->module_dir) {
        co.env_name = "QEMU_MODULE_DIR";
        co.env_value = o->module_dir;
    }
    pid_t pid = nvt_child_spawn(argv, &co);
    int spawn_errno = errno;
    free(argv);
    if (pid < 0) {
        if (spawn_errno == EAGAIN || spawn_errno == ENOMEM) {
            rp_error(err, NVT_E_IO, "fork: %s", strerror(spawn_errno));
        } else {
            rp_error(err, NVT_E_IO, "QEMU is missing: cannot run %s: %s", o->argv[0],
                     strerror(spawn_errno));
            if (early_exit)
                *early_exit = 1;
        }
        goto fail;
    }
    q->pid = pid;
    close(ep[1]);
    ep[1] = -1;
    q->errfd = ep[0];
    ep[0] = -1;
    set_nonblock(q->errfd);

    /* Wait for QEMU to connect, watching its stderr and whether it is still alive. */
    uint64_t deadline = rp_now_ms() + q->timeout_ms;
    for (;;) {
        struct pollfd p[2] = {{ls, POLLIN, 0}, {q->errfd, POLLIN, 0}};
        int n = poll(p, q->errfd >= 0 ? 2 : 1, 50);
        if (n > 0 && (p[0].revents & POLLIN)) {
            q->sock = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
            if (q->sock >= 0)
                break;
        }
        if (n > 0 && q->errfd >= 0 && (p[1].revents & (POLLIN | POLLHUP)))
            drain_stderr(q);
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            q->status = st;
            q->reaped = 1;
            reap(q, 0);
            char tail[1024];
            tail_string(q, tail, sizeof tail);
            size_t tl = strlen(tail);
            while (tl && tail[tl - 1] == '\n')
                tail[--tl] = 0;
            if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && strstr(tail, "cannot run"))
                rp_error(err, NVT_E_IO, "QEMU is missing: %s", tail);
            else
                rp_error(err, NVT_E_IO, "QEMU exited before it connected (%s %d): %s",
                         WIFEXITED(st) ? "exit status" : "signal",
                         WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
                         tail[0] ? tail : "(no message)");
            if (early_exit)
                *early_exit = 1;
            goto fail;
        }
        if (rp_now_ms() >= deadline) {
            rp_error(err, NVT_E_IO, "QEMU did not connect to its qtest socket within %u ms",
                     q->timeout_ms);
            nvt_child_kill(pid, 1, SIGKILL);
            reap(q, 1000);
            goto fail;
        }
    }
    close(ls);
    unlink(sa.sun_path);
    rmdir(dir);
    set_nonblock(q->sock);
    return q;

fail:
    if (ls >= 0)
        close(ls);
    unlink(sa.sun_path);
    rmdir(dir);
    if (ep[0] >= 0)
        close(ep[0]);
    if (ep[1] >= 0)
        close(ep[1]);
    if (q->pid > 0 && !q->reaped) {
        nvt_child_kill(q->pid, 1, SIGKILL);
        reap(q, 1000);
    }
    if (q->errfd >= 0)
        close(q->errfd);
    free(q->in);
    free(q);
    return NULL;
}

void qt_finish(qt *q, nvt_replay_result *res)
{
    int died = q->dead;
    if (!q->dead) {
        /* Orderly end: QEMU is alive and idle. */
        if (q->sock >= 0) {
            close(q->sock);
            q->sock = -1;
        }
        nvt_child_kill(q->pid, 1, SIGTERM);
        reap(q, 5000);
    }
    if (res) {
        res->qtest_commands = q->commands;
        res->last_acked_index = q->last_acked;
        if (died) {
            res->status = NVT_REPLAY_CRASHED;
            res->hung = q->hung;
            res->exit_status = q->reaped && WIFEXITED(q->status) ? WEXITSTATUS(q->status) : -1;
            res->term_signal = q->reaped && WIFSIGNALED(q->status) ? WTERMSIG(q->status) : 0;
            if (q->hung)
                res->term_signal = 0; /* we killed it */
            /* The event QEMU was working on: the first command it did not answer, or, when
             * that is one of our internal round trips, the last event it answered (the crash
             * came from device work that event started, e.g. a doorbell's bottom half). */
            res->crash_index = q->pend_count && q->pend[q->pend_head].event >= 0
                                   ? q->pend[q->pend_head].event
                                   : q->last_acked;
            char raw[sizeof res->stderr_tail];
            tail_string(q, raw, sizeof raw);
            nvt_crash_signature(res->exit_status, res->term_signal, q->hung, raw,
                                res->signature, sizeof res->signature);
            rp_strip_pids(raw, res->stderr_tail, sizeof res->stderr_tail);
        }
    }
    if (q->sock >= 0)
        close(q->sock);
    if (q->errfd >= 0)
        close(q->errfd);
    free(q->out);
    free(q->in);
    free(q->pend);
    free(q);
}

int qt_qemu_version(const char *qemu, char *out, size_t outlen)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    char *const argv[] = {(char *)qemu, "--version", NULL};
    nvt_child_opts co = {NVT_CHILD_NULL, p[1], NVT_CHILD_NULL, 1, NULL, NULL};
    pid_t pid = nvt_child_spawn(argv, &co);
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return -1;
    }
    char buf[512];
    size_t n = 0;
    uint64_t end = rp_now_ms() + 10000;
    while (n < sizeof buf - 1) {
        struct pollfd pf = {p[0], POLLIN, 0};
        if (poll(&pf, 1, 100) <= 0) {
            if (rp_now_ms() >= end)
                break;
            continue;
        }
        ssize_t r = read(p[0], buf + n, sizeof buf - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(p[0]);
    buf[n] = 0;
    int st = 0;
    if (rp_now_ms() >= end)
        nvt_child_kill(pid, 1, SIGKILL);
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !n)
        return -1;
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = 0;
    snprintf(out, outlen, "%s", buf);
    return 0;
}

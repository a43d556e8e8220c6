/*
 * Running the in-process engine: loading a target library, and isolating it in a child
 * process so that a model that crashes or hangs is reported like a QEMU that does.
 *
 * The child writes the result, the error and its progress (the host action it is in) into a
 * shared anonymous mapping, and divergences and notes into a pipe; its stderr goes into a
 * second pipe, whose tail gives the crash signature (an ASan report, an assertion). The parent
 * delivers divergences in trace order once the child is gone.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nvmetrace/target.h"
#include "inproc.h"
#include "nvmetrace/proc.h"

/* ---------------------------------------------------------------------------------------- */
/* divergences, delivered in trace order */

struct div_item {
    nvt_divergence d;
    size_t order; /* arrival: qsort is not stable, equal indices keep the order found */
};

struct divs {
    struct div_item *v;
    size_t n, cap;
    int nomem;
};

static void divs_add(struct divs *d, const nvt_divergence *x)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 64;
        struct div_item *v = realloc(d->v, cap * sizeof *v);
        if (!v) {
            d->nomem = 1;
            return;
        }
        d->v = v;
        d->cap = cap;
    }
    d->v[d->n] = (struct div_item){*x, d->n};
    d->n++;
}

static int by_index(const void *a, const void *b)
{
    const struct div_item *x = a, *y = b;
    if (x->d.index != y->d.index)
        return x->d.index < y->d.index ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void divs_deliver(struct divs *d, const nvt_replay_opts *o)
{
    if (d->n)
        qsort(d->v, d->n, sizeof *d->v, by_index);
    for (size_t i = 0; i < d->n; i++)
        if (o->on_divergence)
            o->on_divergence(o->ctx, &d->v[i].d);
    free(d->v);
    memset(d, 0, sizeof *d);
}

/* ---------------------------------------------------------------------------------------- */
/* in the calling process */

struct direct {
    const nvt_replay_opts *o;
    struct divs divs;
};

static void direct_div(void *ctx, const nvt_divergence *d)
{
    divs_add(&((struct direct *)ctx)->divs, d);
}

static void direct_note(void *ctx, const char *msg)
{
    const nvt_replay_opts *o = ((struct direct *)ctx)->o;
    if (o->on_note)
        o->on_note(o->ctx, msg);
}

static void result_init(const nvt_trace *t, const nvt_replay_opts *o, nvt_replay_result *res)
{
    memset(res, 0, sizeof *res);
    res->crash_index = res->last_acked_index = -1;
    res->exit_status = -1;
    size_t n = nvt_trace_count(t);
    for (size_t i = 0; i < n; i++)
        res->events += !o->keep || o->keep[i];
}

int nvt_replay_run_target(const nvt_trace *t, const nvt_target_ops *ops, const nvt_replay_opts *o,
                          nvt_replay_result *res, nvt_error *err)
{
    nvt_replay_opts defaults;
    if (!o) {
        nvt_replay_opts_init(&defaults);
        o = &defaults;
    }
    if (!t || !ops || !res) {
        rp_error(err, NVT_E_ARG, "no trace, target or result");
        return -1;
    }
    result_init(t, o, res);
    struct direct dc = {.o = o};
    struct ip_sink sink = {&dc, direct_div, direct_note, NULL};
    int rc = rp_inproc_walk(t, ops, o, &sink, res, err);
    if (dc.divs.nomem && rc == 0) {
        rp_error(err, NVT_E_NOMEM, "out of memory holding divergences");
        rc = -1;
    }
    divs_deliver(&dc.divs, o);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* loading */

static const nvt_target_ops *load(const char *path, void **handle, nvt_error *err)
{
    char buf[4096];
    /* A bare name would make dlopen search the system's library folders. */
    if (!strchr(path, '/')) {
        snprintf(buf, sizeof buf, "./%s", path);
        path = buf;
    }
    dlerror();
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        rp_error(err, NVT_E_IO, "cannot load target library %s: %s", path, e ? e : "dlopen failed");
        return NULL;
    }
    nvt_target_entry_fn entry;
    void *sym = dlsym(h, NVT_TARGET_ENTRY_SYMBOL);
    memcpy(&entry, &sym, sizeof entry);
    if (!sym) {
        rp_error(err, NVT_E_IO, "%s defines no %s(): not a target library (see "
                 "<nvmetrace/target.h>)", path, NVT_TARGET_ENTRY_SYMBOL);
        dlclose(h);
        return NULL;
    }
    const nvt_target_ops *ops = entry();
    const char *bad = NULL;
    if (!ops)
        bad = "returned no table";
    else if (ops->abi_version != NVT_TARGET_ABI_VERSION)
        bad = "has another ABI version";
    else if (ops->size < sizeof *ops)
        bad = "has a table smaller than ABI version 1's";
    else if (!ops->create || !ops->destroy || !ops->reset || !ops->cfg_read || !ops->cfg_write ||
             !ops->mmio_read || !ops->mmio_write)
        bad = "leaves a required entry point NULL";
    if (bad) {
        rp_error(err, NVT_E_IO, "%s: %s() %s (this replay speaks ABI version %d)", path,
                 NVT_TARGET_ENTRY_SYMBOL, bad, NVT_TARGET_ABI_VERSION);
        dlclose(h);
        return NULL;
    }
    *handle = h;
    return ops;
}

static int run_loaded(const nvt_trace *t, const nvt_replay_opts *o, nvt_replay_result *res,
                      nvt_error *err)
{
    void *h = NULL;
    const nvt_target_ops *ops = load(o->target_lib, &h, err);
    if (!ops)
        return -1;
    int rc = nvt_replay_run_target(t, ops, o, res, err);
    dlclose(h);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* in a child process */

enum { MSG_DIV = 1, MSG_NOTE = 2 };

struct shared {
    nvt_replay_result res;
    nvt_error err;
    int rc, finished;
    int64_t index, done_index;
    uint64_t ticks;
};

struct child {
    int fd;
    struct shared *sh;
};

static void put(int fd, uint32_t type, const void *p, uint32_t len)
{
    uint32_t h[2] = {type, len};
    struct iovec_like { const void *p; size_t n; } parts[2] = {{h, sizeof h}, {p, len}};
    for (int k = 0; k < 2; k++) {
        const char *b = parts[k].p;
        size_t left = parts[k].n;
        while (left) {
            ssize_t w = write(fd, b, left);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                _exit(125); /* the parent is gone */
            b += w;
            left -= (size_t)w;
        }
    }
}

static void child_div(void *ctx, const nvt_divergence *d)
{
    put(((struct child *)ctx)->fd, MSG_DIV, d, sizeof *d);
}

static void child_note(void *ctx, const char *msg)
{
    put(((struct child *)ctx)->fd, MSG_NOTE, msg, (uint32_t)strlen(msg));
}

static void child_progress(void *ctx, int64_t index, int done)
{
    struct shared *sh = ((struct child *)ctx)->sh;
    if (done)
        __atomic_store_n(&sh->done_index, index, __ATOMIC_RELAXED);
    else
        __atomic_store_n(&sh->index, index, __ATOMIC_RELAXED);
    __atomic_add_fetch(&sh->ticks, 1, __ATOMIC_RELEASE);
}

static void child_main(const nvt_trace *t, const nvt_replay_opts *o, struct shared *sh, int fd)
{
    struct child c = {fd, sh};
    void *h = NULL;
    const nvt_target_ops *ops = load(o->target_lib, &h, &sh->err);
    if (!ops) {
        sh->rc = -1;
        sh->finished = 1;
        _exit(0);
    }
    nvt_replay_result *res = &sh->res;
    struct ip_sink sink = {&c, child_div, child_note, child_progress};
    sh->rc = rp_inproc_walk(t, ops, o, &sink, res, &sh->err);
    __atomic_store_n(&sh->finished, 1, __ATOMIC_RELEASE);
    _exit(0); /* no atexit handlers, no stdio flush of the parent's buffers */
}

/* The parent's view of the child's output. */
struct reader {
    char *buf;
    size_t len, cap, want;
    uint32_t type, mlen;
};

static int reader_more(struct reader *r, int fd)
{
    if (r->cap - r->len < 65536) {
        size_t cap = r->cap ? 2 * r->cap : 131072;
        char *b = realloc(r->buf, cap);
        if (!b)
            return -1;
        r->buf = b;
        r->cap = cap;
    }
    ssize_t got = read(fd, r->buf + r->len, r->cap - r->len);
    if (got < 0)
        return errno == EINTR || errno == EAGAIN ? 1 : -1;
    r->len += (size_t)got;
    return got > 0;
}

static void handle_messages(struct reader *r, struct divs *divs, const nvt_replay_opts *o)
{
    size_t at = 0;
    for (;;) {
        uint32_t h[2];
        if (r->len - at < sizeof h)
            break;
        memcpy(h, r->buf + at, sizeof h);
        if (r->len - at - sizeof h < h[1])
            break;
        const char *p = r->buf + at + sizeof h;
        if (h[0] == MSG_DIV && h[1] == sizeof(nvt_divergence)) {
            nvt_divergence d;
            memcpy(&d, p, sizeof d);
            divs_add(divs, &d);
        } else if (h[0] == MSG_NOTE && o->on_note) {
            char note[600];
            size_t n = h[1] < sizeof note - 1 ? h[1] : sizeof note - 1;
            memcpy(note, p, n);
            note[n] = 0;
            o->on_note(o->ctx, note);
        }
        at += sizeof h + h[1];
    }
    memmove(r->buf, r->buf + at, r->len - at);
    r->len -= at;
}

/* Keeps the last 64 KiB the child wrote on stderr. */
static void keep_tail(struct reader *e)
{
    const size_t max = 65536;
    if (e->len > max) {
        memmove(e->buf, e->buf + e->len - max, max);
        e->len = max;
    }
}

static int run_forked(const nvt_trace *t, const nvt_replay_opts *o, nvt_replay_result *res,
                      nvt_error *err)
{
    struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                             -1, 0);
    if (sh == MAP_FAILED) {
        rp_error(err, NVT_E_IO, "mmap: %s", strerror(errno));
        return -1;
    }
    memset(sh, 0, sizeof *sh);
    sh->res = *res;
    sh->index = sh->done_index = -1;
    int mp[2], ep[2];
    if (pipe2(mp, O_CLOEXEC) < 0) {
        rp_error(err, NVT_E_IO, "pipe: %s", strerror(errno));
        munmap(sh, sizeof *sh);
        return -1;
    }
    if (pipe2(ep, O_CLOEXEC) < 0) {
        rp_error(err, NVT_E_IO, "pipe: %s", strerror(errno));
        close(mp[0]);
        close(mp[1]);
        munmap(sh, sizeof *sh);
        return -1;
    }
    fflush(NULL);
    pid_t pid = nvt_child_fork(1); /* dies with this process */
    if (pid < 0) {
        rp_error(err, NVT_E_IO, "fork: %s", strerror(errno));
        close(mp[0]);
        close(mp[1]);
        close(ep[0]);
        close(ep[1]);
        munmap(sh, sizeof *sh);
        return -1;
    }
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        close(mp[0]);
        close(ep[0]);
        dup2(ep[1], STDERR_FILENO);
        close(ep[1]);
        child_main(t, o, sh, mp[1]);
    }
    close(mp[1]);
    close(ep[1]);
    struct reader m = {0}, e = {0};
    struct divs divs = {0};
    int open_m = 1, open_e = 1, hung = 0;
    unsigned timeout = o->timeout_ms ? o->timeout_ms : 10000;
    uint64_t last_ticks = 0, quiet_since = rp_now_ms();
    while (open_m || open_e) {
        struct pollfd pf[2] = {{open_m ? mp[0] : -1, POLLIN, 0}, {open_e ? ep[0] : -1, POLLIN, 0}};
        int r = poll(pf, 2, 100);
        if (r < 0 && errno != EINTR)
            break;
        if (open_m && (pf[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (reader_more(&m, mp[0]) <= 0)
                open_m = 0;
            handle_messages(&m, &divs, o);
        }
        if (open_e && (pf[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (reader_more(&e, ep[0]) <= 0)
                open_e = 0;
            keep_tail(&e);
        }
        uint64_t ticks = __atomic_load_n(&sh->ticks, __ATOMIC_ACQUIRE);
        uint64_t now = rp_now_ms();
        if (ticks != last_ticks || __atomic_load_n(&sh->finished, __ATOMIC_ACQUIRE)) {
            last_ticks = ticks;
            quiet_since = now;
        } else if (!hung && now - quiet_since > timeout) {
            hung = 1;
            nvt_child_kill(pid, 1, SIGKILL);
        }
    }
    close(mp[0]);
    close(ep[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    int rc;
    int finished = __atomic_load_n(&sh->finished, __ATOMIC_ACQUIRE);
    char *text = e.buf ? e.buf : (char *)"";
    if (e.buf) {
        if (e.len == e.cap)
            e.len--;
        e.buf[e.len] = 0;
    }
    if (finished && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        *res = sh->res;
        rc = sh->rc;
        if (rc < 0)
            *err = sh->err;
        if (text[0] && o->on_note) {
            char note[600];
            snprintf(note, sizeof note, "the target wrote on stderr: %.500s", text);
            o->on_note(o->ctx, note);
        }
    } else {
        *res = sh->res;
        res->status = NVT_REPLAY_CRASHED;
        res->crash_index = __atomic_load_n(&sh->index, __ATOMIC_RELAXED);
        res->last_acked_index = __atomic_load_n(&sh->done_index, __ATOMIC_RELAXED);
        if (res->crash_index == res->last_acked_index)
            res->crash_index = -1; /* between actions: in a run() or at the end */
        res->hung = hung;
        res->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        res->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        nvt_crash_signature(res->exit_status, res->term_signal, hung, text, res->signature,
                            sizeof res->signature);
        rp_strip_pids(text, res->stderr_tail, sizeof res->stderr_tail);
        rc = 0;
    }
    free(m.buf);
    free(e.buf);
    if (divs.nomem && rc == 0) {
        rp_error(err, NVT_E_NOMEM, "out of memory holding divergences");
        rc = -1;
    }
    divs_deliver(&divs, o);
    munmap(sh, sizeof *sh);
    return rc;
}

int rp_inproc_run(const nvt_trace *t, const nvt_replay_opts *o, nvt_replay_result *res,
                  nvt_error *err)
{
    snprintf(res->cmdline, sizeof res->cmdline, "lib:%s%s%s", o->target_lib,
             o->target_args && o->target_args[0] ? " " : "",
             o->target_args ? o->target_args : "");
    char cmdline[sizeof res->cmdline];
    memcpy(cmdline, res->cmdline, sizeof cmdline);
    int rc = o->no_fork ? run_loaded(t, o, res, err) : run_forked(t, o, res, err);
    memcpy(res->cmdline, cmdline, sizeof cmdline);
    return rc;
}

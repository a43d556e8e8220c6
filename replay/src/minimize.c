/*
 * Minimize: the smallest part of a crashing trace that still crashes QEMU the same way.
 *
 * Delta debugging (Zeller's ddmin) over the trace's steps (a run of host actions and the device
 * events that follow them), then over the single events of the steps that are left. A
 * candidate "reproduces" when the replay ends in a crash with the same signature. Controller
 * setup (config writes, BAR mapping, controller register setup and enable, queue creation,
 * Doorbell Buffer Config) is kept unless shrink_setup asks to try without it: a reproducer
 * without its setup shows a different bug or none. The full trace is run three times first;
 * if it does not crash every time, each failing candidate is retried.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "nvmetrace/nvme.h"

struct unit {
    size_t first, last; /* event range [first, last] */
};

struct mz {
    const nvt_trace *t;
    const nvt_minimize_opts *o;
    nvt_minimize_result *res;
    nvt_error *err;
    size_t n;
    uint8_t *pinned;      /* events never removed (setup, unless shrink_setup) */
    uint8_t *keep;        /* the current best */
    uint8_t *cand;        /* scratch */
    char signature[256];
    unsigned retries;
    int failed;           /* the target could not be run */
};

/* One replay of keep. 1: crashed with the signature; 0: not; -1: could not run. */
static int run_once(struct mz *m, const uint8_t *keep, nvt_replay_result *r)
{
    nvt_replay_opts ro = m->o->replay;
    ro.compare = 0;
    ro.keep = keep;
    ro.on_divergence = NULL;
    ro.on_note = NULL;
    ro.on_command = NULL;
    nvt_error e;
    m->res->runs++;
    if (nvt_replay_run(m->t, &ro, r, &e) < 0) {
        if (e.code == NVT_E_IO) {
            *m->err = e;
            m->failed = 1;
            return -1;
        }
        return 0; /* a candidate the engine cannot rebuild (e.g. a queue's creation removed) */
    }
    return r->status == NVT_REPLAY_CRASHED && !strcmp(r->signature, m->signature);
}

static int reproduces(struct mz *m, const uint8_t *keep)
{
    nvt_replay_result r;
    for (unsigned attempt = 0; attempt <= m->retries; attempt++) {
        int rc = run_once(m, keep, &r);
        if (m->o->on_progress) {
            uint64_t kept = 0;
            for (size_t i = 0; i < m->n; i++)
                kept += keep[i] != 0;
            m->o->on_progress(m->o->ctx, m->res->runs, kept, rc == 1);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int is_setup_event(const nvt_event *ev)
{
    switch (ev->type) {
    case NVT_EV_CFG_WRITE:
    case NVT_EV_BAR_MAP:
    case NVT_EV_MSIX_CTRL:
        return 1;
    case NVT_EV_MMIO_WRITE:
        /* CC, AQA, ASQ, ACQ (both halves), CMB memory space control */
        return ev->u.mmio.bar == 0 &&
               (ev->u.mmio.offset == NVME_REG_CC || ev->u.mmio.offset == NVME_REG_AQA ||
                (ev->u.mmio.offset >= NVME_REG_ASQ && ev->u.mmio.offset < NVME_REG_ASQ + 16) ||
                ev->u.mmio.offset == 0x50 || ev->u.mmio.offset == 0x54);
    case NVT_EV_SUBMISSION:
        return ev->u.sub.qid == 0 &&
               (ev->u.sub.sqe[0] == 0x01 || ev->u.sub.sqe[0] == 0x05 || ev->u.sub.sqe[0] == 0x7c);
    default:
        return 0;
    }
}

/* Steps as the engine walks them: host actions, then device events until the next host
 * action. */
static size_t split_steps(const nvt_trace *t, struct unit *u)
{
    size_t n = nvt_trace_count(t), k = 0, i = 0;
    while (i < n) {
        size_t b = i;
        int seen_dev = 0;
        for (; b < n; b++) {
            const nvt_event *ev = nvt_trace_event(t, b);
            if (rp_is_host_action(ev)) {
                if (seen_dev)
                    break;
            } else if (rp_is_device_event(ev)) {
                seen_dev = 1;
            }
        }
        u[k].first = i;
        u[k].last = b - 1;
        k++;
        i = b;
    }
    return k;
}

static void set_units(struct mz *m, uint8_t *keep, const struct unit *u, size_t nu, uint8_t v)
{
    for (size_t k = 0; k < nu; k++)
        for (size_t i = u[k].first; i <= u[k].last; i++)
            if (!m->pinned[i])
                keep[i] = v;
}

/* ddmin over units u[0..nu): removes what is not needed from m->keep. Units must be kept in
 * m->keep on entry. Returns the number of units left, compacted at the front of u, or -1. */
static long ddmin(struct mz *m, struct unit *u, size_t nu)
{
    size_t parts = 2;
    while (nu >= 2) {
        size_t chunk = (nu + parts - 1) / parts;
        int reduced = 0;
        for (size_t start = 0; start < nu; start += chunk) {
            size_t end = start + chunk < nu ? start + chunk : nu;
            /* The complement: remove units [start, end). */
            memcpy(m->cand, m->keep, m->n);
            set_units(m, m->cand, u + start, end - start, 0);
            int rc = reproduces(m, m->cand);
            if (rc < 0)
                return -1;
            if (rc == 1) {
                memcpy(m->keep, m->cand, m->n);
                memmove(u + start, u + end, (nu - end) * sizeof *u);
                nu -= end - start;
                parts = parts > 2 ? parts - 1 : 2;
                reduced = 1;
                break;
            }
        }
        if (reduced)
            continue;
        if (parts >= nu)
            break;
        parts = parts * 2 < nu ? parts * 2 : nu;
    }
    if (nu == 1) {
        /* ddmin never tries the empty set: one unit left may still be removable. */
        memcpy(m->cand, m->keep, m->n);
        set_units(m, m->cand, u, 1, 0);
        int rc = reproduces(m, m->cand);
        if (rc < 0)
            return -1;
        if (rc == 1) {
            memcpy(m->keep, m->cand, m->n);
            nu = 0;
        }
    }
    return (long)nu;
}

static uint64_t count_kept(const struct mz *m, const uint8_t *keep, int host_only)
{
    uint64_t c = 0;
    for (size_t i = 0; i < m->n; i++)
        if (keep[i] && (!host_only || rp_is_host_action(nvt_trace_event(m->t, i))))
            c++;
    return c;
}

int nvt_minimize(const nvt_trace *t, const nvt_minimize_opts *o, uint8_t *keep,
                 nvt_minimize_result *res, nvt_error *err)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(res, 0, sizeof *res);
    res->crash_index = -1;
    struct mz m;
    memset(&m, 0, sizeof m);
    m.t = t;
    m.o = o;
    m.res = res;
    m.err = err;
    m.n = nvt_trace_count(t);
    if (!m.n) {
        rp_error(err, NVT_E_ARG, "the trace is empty");
        return -1;
    }
    m.pinned = calloc(m.n, 1);
    m.keep = keep;
    m.cand = malloc(m.n);
    struct unit *u = malloc(m.n * sizeof *u);
    int rc = -1;
    if (!m.pinned || !m.cand || !u) {
        rp_error(err, NVT_E_NOMEM, "out of memory");
        goto out;
    }
    memset(keep, 1, m.n);
    res->events_before = m.n;
    res->host_actions_before = count_kept(&m, keep, 1);

    /* The crash to keep: three runs of the whole trace. */
    nvt_replay_result r;
    int crashes = 0;
    for (int k = 0; k < 3; k++) {
        m.signature[0] = 0;
        nvt_replay_opts ro = o->replay;
        ro.compare = 0;
        ro.keep = NULL;
        ro.on_divergence = NULL;
        ro.on_note = NULL;
        ro.on_command = NULL;
        res->runs++;
        if (nvt_replay_run(t, &ro, &r, err) < 0)
            goto out;
        if (r.status != NVT_REPLAY_CRASHED)
            continue;
        if (o->signature && strcmp(o->signature, r.signature)) {
            res->flaky_runs++;
            continue;
        }
        if (!res->signature[0])
            snprintf(res->signature, sizeof res->signature, "%s", r.signature);
        else if (strcmp(res->signature, r.signature))
            res->flaky_runs++;
        crashes++;
    }
    if (!crashes) {
        rp_error(err, NVT_E_ARG, o->signature ? "the trace never crashed with \"%s\" (3 runs)"
                                              : "the trace does not crash the target (3 runs)%s",
                 o->signature ? o->signature : "");
        goto out;
    }
    res->flaky_runs = (uint64_t)(3 - crashes);
    snprintf(m.signature, sizeof m.signature, "%s", res->signature);
    m.retries = res->flaky_runs ? (o->retries ? o->retries : 2) : 0;

    for (size_t i = 0; i < m.n; i++)
        m.pinned[i] = !o->shrink_setup && is_setup_event(nvt_trace_event(t, i));
    size_t nu = split_steps(t, u);
    /* A queue creation needs the admin doorbell that made the device fetch it: the SQ 0 tail
     * doorbells of its step, before it. */
    for (size_t k = 0; k < nu; k++)
        for (size_t i = u[k].first; i <= u[k].last; i++) {
            const nvt_event *ev = nvt_trace_event(t, i);
            if (!m.pinned[i] || ev->type != NVT_EV_SUBMISSION)
                continue;
            for (size_t j = u[k].first; j < i; j++) {
                const nvt_event *h = nvt_trace_event(t, j);
                if (h->device != ev->device)
                    continue;
                if ((h->type == NVT_EV_DOORBELL && h->u.doorbell.qid == 0 && !h->u.doorbell.is_cq) ||
                    (h->type == NVT_EV_MMIO_WRITE && h->u.mmio.bar == 0 &&
                     h->u.mmio.offset == NVME_REG_DBS))
                    m.pinned[j] = 1;
            }
        }

    /* First: nothing after the crash matters. */
    if (r.crash_index >= 0 && (size_t)r.crash_index + 1 < m.n) {
        size_t cut = nu;
        for (size_t k = 0; k < nu; k++)
            if (u[k].first > (size_t)r.crash_index) {
                cut = k;
                break;
            }
        memcpy(m.cand, keep, m.n);
        for (size_t i = cut < nu ? u[cut].first : m.n; i < m.n; i++)
            m.cand[i] = 0; /* setup after the crash goes too */
        int x = reproduces(&m, m.cand);
        if (x < 0)
            goto out;
        if (x == 1) {
            memcpy(keep, m.cand, m.n);
            nu = cut;
        }
    }
    /* Steps made only of pinned events take no part. */
    size_t w = 0;
    for (size_t k = 0; k < nu; k++) {
        int removable = 0;
        for (size_t i = u[k].first; i <= u[k].last; i++)
            removable |= !m.pinned[i] && keep[i];
        if (removable)
            u[w++] = u[k];
    }
    nu = w;
    long left = ddmin(&m, u, nu);
    if (left < 0)
        goto out;
    /* Then single events of the steps left. */
    size_t ne = 0;
    for (long k = 0; k < left; k++)
        for (size_t i = u[k].first; i <= u[k].last; i++)
            if (!m.pinned[i] && keep[i])
                ne++;
    struct unit *ev = malloc((ne ? ne : 1) * sizeof *ev);
    if (!ev) {
        rp_error(err, NVT_E_NOMEM, "out of memory");
        goto out;
    }
    ne = 0;
    for (long k = 0; k < left; k++)
        for (size_t i = u[k].first; i <= u[k].last; i++)
            if (!m.pinned[i] && keep[i])
                ev[ne].first = ev[ne].last = i, ne++;
    long eleft = ddmin(&m, ev, ne);
    free(ev);
    if (eleft < 0)
        goto out;

    /* Where the crash is in the result. */
    if (run_once(&m, keep, &r) < 0)
        goto out;
    if (r.crash_index >= 0) {
        int64_t pos = 0;
        for (int64_t i = 0; i < r.crash_index; i++)
            pos += keep[i] != 0;
        res->crash_index = pos;
    }
    res->events_after = count_kept(&m, keep, 0);
    res->host_actions_after = count_kept(&m, keep, 1);
    rc = 0;
out:
    if (m.failed && rc < 0 && !err->msg[0])
        rp_error(err, NVT_E_IO, "the target could not be run");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    res->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    free(m.pinned);
    free(m.cand);
    free(u);
    return rc;
}

/* A trace held in memory: replay and minimize go over it many times and keep subsets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmetrace/nvme.h"
#include "replay_internal.h"

struct nvt_trace {
    nvt_event *ev;
    size_t n, cap;
    nvt_device *dev;
    size_t ndev;
    char *comment;
};

nvt_trace *nvt_trace_new(const char *comment)
{
    nvt_trace *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (nvt_trace_set_comment(t, comment ? comment : "") < 0) {
        free(t);
        return NULL;
    }
    return t;
}

int nvt_trace_set_comment(nvt_trace *t, const char *comment)
{
    char *c = strdup(comment ? comment : "");
    if (!c)
        return -1;
    free(t->comment);
    t->comment = c;
    return 0;
}

void nvt_trace_free(nvt_trace *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        /* Each event owns one heap copy of its data or text (see nvt_trace_append). */
        if (t->ev[i].type == NVT_EV_DMA_READ || t->ev[i].type == NVT_EV_DMA_WRITE)
            free((void *)t->ev[i].u.dma.data);
        else if (t->ev[i].type == NVT_EV_ANNOTATION)
            free((void *)t->ev[i].u.ann.text);
    }
    free(t->ev);
    free(t->dev);
    free(t->comment);
    free(t);
}

int nvt_trace_add_device(nvt_trace *t, const nvt_device *dev)
{
    nvt_device *d = realloc(t->dev, (t->ndev + 1) * sizeof *d);
    if (!d)
        return -1;
    t->dev = d;
    t->dev[t->ndev] = *dev;
    return (int)t->ndev++;
}

int nvt_trace_append(nvt_trace *t, const nvt_event *ev)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        nvt_event *e = realloc(t->ev, cap * sizeof *e);
        if (!e)
            return -1;
        t->ev = e;
        t->cap = cap;
    }
    nvt_event c = *ev;
    c.raw = NULL;
    c.raw_len = 0;
    if (c.type == NVT_EV_DMA_READ || c.type == NVT_EV_DMA_WRITE) {
        uint8_t *d = malloc(c.u.dma.caplen ? c.u.dma.caplen : 1);
        if (!d)
            return -1;
        if (c.u.dma.caplen)
            memcpy(d, ev->u.dma.data, c.u.dma.caplen);
        c.u.dma.data = d;
    } else if (c.type == NVT_EV_ANNOTATION) {
        char *s = malloc((size_t)c.u.ann.len + 1);
        if (!s)
            return -1;
        memcpy(s, ev->u.ann.text, c.u.ann.len);
        s[c.u.ann.len] = 0; /* the engine reads annotations as C strings */
        c.u.ann.text = s;
    }
    t->ev[t->n++] = c;
    return 0;
}

nvt_trace *nvt_trace_load(const char *path, nvt_error *err)
{
    nvt_reader *r = nvt_reader_open(path, err);
    if (!r)
        return NULL;
    nvt_trace *t = nvt_trace_new(nvt_reader_comment(r));
    if (!t) {
        nvt_reader_close(r);
        rp_error(err, NVT_E_NOMEM, "out of memory");
        return NULL;
    }
    nvt_event ev;
    int rc;
    size_t devs_seen = 0;
    while ((rc = nvt_reader_next(r, &ev, err)) == 1) {
        /* IDBs precede the packets that use them: copy devices as they appear. */
        for (; devs_seen < nvt_reader_device_count(r); devs_seen++)
            if (nvt_trace_add_device(t, nvt_reader_device(r, devs_seen)) < 0)
                goto nomem;
        if (nvt_trace_append(t, &ev) < 0)
            goto nomem;
    }
    for (; rc == 0 && devs_seen < nvt_reader_device_count(r); devs_seen++)
        if (nvt_trace_add_device(t, nvt_reader_device(r, devs_seen)) < 0)
            goto nomem;
    nvt_reader_close(r);
    if (rc < 0) {
        nvt_trace_free(t);
        return NULL;
    }
    return t;
nomem:
    nvt_reader_close(r);
    nvt_trace_free(t);
    rp_error(err, NVT_E_NOMEM, "out of memory loading %s", path);
    return NULL;
}

size_t nvt_trace_count(const nvt_trace *t) { return t->n; }
const nvt_event *nvt_trace_event(const nvt_trace *t, size_t i) { return i < t->n ? &t->ev[i] : NULL; }
size_t nvt_trace_device_count(const nvt_trace *t) { return t->ndev; }
const nvt_device *nvt_trace_device(const nvt_trace *t, size_t i) { return i < t->ndev ? &t->dev[i] : NULL; }
const char *nvt_trace_comment(const nvt_trace *t) { return t->comment ? t->comment : ""; }

int nvt_trace_write(const nvt_trace *t, const uint8_t *keep, const char *path,
                    const char *comment, nvt_error *err)
{
    nvt_writer_opts wo = {0};
    wo.comment = comment ? comment : (t->comment && *t->comment ? t->comment : NULL);
    nvt_writer *w = nvt_writer_open(path, &wo, err);
    if (!w)
        return -1;
    for (size_t d = 0; d < t->ndev; d++)
        if (nvt_writer_add_device(w, &t->dev[d], err) < 0)
            goto fail;
    for (size_t i = 0; i < t->n; i++) {
        if (keep && !keep[i])
            continue;
        if (nvt_writer_write(w, &t->ev[i], NULL, err) < 0)
            goto fail;
    }
    return nvt_writer_close(w, err);
fail:;
    nvt_error ignored;
    nvt_writer_close(w, &ignored);
    return -1;
}

void rp_divergence(const nvt_trace *t, const nvt_replay_opts *o, nvt_replay_result *res, int *stop,
                   size_t index, const char *what, const char *expected, const char *got,
                   nvt_divergence *d)
{
    res->divergences++;
    if (o->max_divergences && res->divergences >= o->max_divergences)
        *stop = 1;
    memset(d, 0, sizeof *d);
    const nvt_event *ev = nvt_trace_event(t, index);
    d->index = index;
    d->seq = ev ? ev->seq : 0;
    d->device = ev ? ev->device : 0;
    snprintf(d->what, sizeof d->what, "%s", what);
    snprintf(d->expected, sizeof d->expected, "%s", expected);
    snprintf(d->got, sizeof d->got, "%s", got);
}

void rp_fmt_bytes(const uint8_t *b, const uint8_t *known, size_t n, int group, char *out,
                  size_t outlen)
{
    size_t o = 0, room = group ? 4 : 3; /* a space, two digits, the NUL */
    for (size_t i = 0; i < n && o + room < outlen; i++) {
        if (group && i && i % 4 == 0)
            out[o++] = ' ';
        if (known && !known[i]) {
            out[o++] = '?';
            out[o++] = '?';
        } else {
            snprintf(out + o, outlen - o, "%02x", b[i]);
            o += 2;
        }
    }
    out[o < outlen ? o : outlen - 1] = 0;
}

void rp_final_status(const nvt_trace *t, const nvt_replay_opts *o, nvt_replay_result *res)
{
    res->nothing_reason[0] = 0;
    if (res->divergences) {
        res->status = NVT_REPLAY_DIVERGED;
        return;
    }
    res->status = NVT_REPLAY_CLEAN;
    if (!o->compare)
        return; /* only driven (minimize): nothing was meant to be compared */
    size_t commands = 0, n = nvt_trace_count(t);
    for (size_t i = 0; i < n && !commands; i++)
        commands = (!o->keep || o->keep[i]) && nvt_trace_event(t, i)->type == NVT_EV_SUBMISSION;
    /* A trace of register accesses only (a qtest script, a device that is not NVMe) may
     * still compare read values: that is something. */
    const char *why = !nvt_trace_device_count(t) ? "the trace holds no device"
                      : res->compared            ? NULL
                      : !commands ? "the trace holds no NVMe command and no read value to compare"
                                  : "no output of the target was compared";
    if (why) {
        res->status = NVT_REPLAY_NOTHING;
        snprintf(res->nothing_reason, sizeof res->nothing_reason, "%s", why);
    }
}

/* ---- outputs that depend on time or on data the trace lacks ---- */

#define DEP_SCAN 100000 /* how far back a data transfer's command is looked for */

int64_t rp_command_of(const nvt_trace *t, const uint8_t *keep, size_t i, uint32_t dev,
                      uint16_t sqid, uint16_t cid)
{
    for (size_t j = i; j-- > 0 && i - j <= DEP_SCAN;) {
        const nvt_event *ev = nvt_trace_event(t, j);
        if (ev->type == NVT_EV_SUBMISSION && ev->device == dev && ev->u.sub.qid == sqid &&
            (ev->u.sub.known & 0xc) == 0xc && rp_le(ev->u.sub.sqe + 2, 2) == cid)
            return !keep || keep[j] ? (int64_t)j : -1;
    }
    return -1;
}

static int dep_add(struct rp_dep *out, int n, int kind, uint32_t from, uint32_t to)
{
    if (n < RP_DEP_MAX)
        out[n++] = (struct rp_dep){kind, from, to};
    return n;
}

int rp_dma_write_deps(const nvt_trace *t, const uint8_t *keep, size_t i, int media_zero,
                      struct rp_dep out[RP_DEP_MAX])
{
    const nvt_event *ev = nvt_trace_event(t, i);
    if (!ev || ev->type != NVT_EV_DMA_WRITE || ev->u.dma.sqid == 0xffff)
        return 0;
    int64_t s = rp_command_of(t, keep, i, ev->device, ev->u.dma.sqid, ev->u.dma.cid);
    if (s < 0)
        return 0;
    const nvt_event *sub = nvt_trace_event(t, (size_t)s);
    const uint8_t *sqe = sub->u.sub.sqe;
    uint32_t all = ev->u.dma.len;
    if (sub->u.sub.qid != 0)
        return media_zero && sqe[0] == NVME_IO_READ ? dep_add(out, 0, RP_DEP_DATA, 0, all) : 0;
    uint8_t id = (uint8_t)rp_le(sqe + 40, 4); /* CDW10: FID, or LID */
    if (sqe[0] == NVME_ADMIN_GET_FEATURES && id == NVME_FID_TIMESTAMP)
        return dep_add(out, 0, RP_DEP_TIME, 0, all);
    if (sqe[0] != NVME_ADMIN_GET_LOG_PAGE)
        return 0;
    if (id == NVME_LID_PERSISTENT_EVENT)
        return dep_add(out, 0, RP_DEP_TIME, 0, all);
    if (id != NVME_LID_SMART)
        return 0;
    /* Where this transfer sits in the log page: the page offset (CDW12/13) plus its place
     * in the command's first data page; elsewhere (a later PRP page) unknown: all masked. */
    uint64_t lpo = rp_le(sqe + 48, 8), prp1 = rp_le(sqe + 24, 8);
    uint64_t first_page = 4096 - (prp1 & 0xfff);
    if (ev->u.dma.gpa < prp1 || ev->u.dma.gpa - prp1 >= first_page)
        return dep_add(out, 0, RP_DEP_DATA, 0, all);
    uint64_t base = lpo + (ev->u.dma.gpa - prp1); /* log offset of the transfer's byte 0 */
    static const struct {
        int kind;
        uint32_t from, to;
    } smart[] = {
        {RP_DEP_DATA, NVME_SMART_DATA_UNITS_READ, NVME_SMART_HOST_WRITE_CMDS + 16},
        {RP_DEP_TIME, NVME_SMART_CTRL_BUSY_TIME, NVME_SMART_CTRL_BUSY_TIME + 16},
        {RP_DEP_DATA, NVME_SMART_POWER_CYCLES, NVME_SMART_POWER_CYCLES + 16},
        {RP_DEP_TIME, NVME_SMART_POWER_ON_HOURS, NVME_SMART_POWER_ON_HOURS + 16},
        {RP_DEP_DATA, NVME_SMART_UNSAFE_SHUTDOWNS, NVME_SMART_UNSAFE_SHUTDOWNS + 16},
    };
    int n = 0;
    for (size_t k = 0; k < sizeof smart / sizeof smart[0]; k++) {
        uint64_t from = smart[k].from > base ? smart[k].from - base : 0;
        uint64_t to = smart[k].to > base ? smart[k].to - base : 0;
        if (to > all)
            to = all;
        if (from < to)
            n = dep_add(out, n, smart[k].kind, (uint32_t)from, (uint32_t)to);
    }
    return n;
}

int rp_cqe_status_no_data(const nvt_trace *t, const uint8_t *keep, size_t i, int media_zero)
{
    const nvt_event *ev = nvt_trace_event(t, i);
    if (!ev || ev->type != NVT_EV_COMPLETION || (ev->u.cpl.known & 0x3c00) != 0x3c00)
        return 0;
    uint16_t sqid = (uint16_t)rp_le(ev->u.cpl.cqe + 10, 2);
    uint16_t cid = (uint16_t)rp_le(ev->u.cpl.cqe + 12, 2);
    if (sqid == 0)
        return 0;
    int64_t s = rp_command_of(t, keep, i, ev->device, sqid, cid);
    if (s < 0)
        return 0;
    const nvt_event *sub = nvt_trace_event(t, (size_t)s);
    if (!(sub->u.sub.known & 1) || sub->u.sub.sqe[0] != NVME_IO_COMPARE)
        return 0;
    if (media_zero)
        return 1;
    /* The data the controller compares with the media: the command's DMA reads, in full. */
    uint64_t have = 0;
    for (size_t j = (size_t)s + 1; j < i; j++) {
        const nvt_event *x = nvt_trace_event(t, j);
        if (x->type == NVT_EV_DMA_READ && x->device == ev->device && x->u.dma.sqid == sqid &&
            x->u.dma.cid == cid && (!keep || keep[j])) {
            if (x->u.dma.caplen < x->u.dma.len)
                return 1;
            have += x->u.dma.len;
        }
    }
    return have == 0; /* a log import, or a capture without data */
}

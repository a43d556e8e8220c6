/* A trace held in memory: replay and minimize go over it many times and keep subsets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    /* The end marker: the last capture statistics (or none, for a trace that never had
     * them, e.g. a qtest import), counting the events written, whatever keep says. */
    nvt_event end = {.type = NVT_EV_CAPTURE_STATS};
    for (size_t i = 0; i < t->n; i++) {
        const nvt_event *ev = &t->ev[i];
        if (ev->type == NVT_EV_CAPTURE_STATS)
            end = *ev;
        else
            end.ts_ns = ev->ts_ns > end.ts_ns ? ev->ts_ns : end.ts_ns;
        if ((keep && !keep[i]) || ev->type == NVT_EV_CAPTURE_STATS)
            continue;
        if (nvt_writer_write(w, ev, NULL, err) < 0)
            goto fail;
    }
    if (t->ndev && nvt_writer_write_end(w, &end, err) < 0)
        goto fail;
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

#include "import_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

static int mem_add_device(void *ctx, const nvt_device *dev, nvt_error *err)
{
    struct mem_sink *m = ctx;
    if (m->ndevs == sizeof m->devs / sizeof m->devs[0]) {
        err->code = NVT_E_ARG;
        snprintf(err->msg, sizeof err->msg, "test sink: too many devices");
        return -1;
    }
    m->devs[m->ndevs] = *dev;
    return (int)m->ndevs++;
}

static int mem_write(void *ctx, const nvt_event *ev, const char *comment, nvt_error *err)
{
    struct mem_sink *m = ctx;
    if (m->fail_after > 0 && m->nevs == (size_t)m->fail_after) {
        err->code = NVT_E_IO;
        err->offset = UINT64_MAX;
        snprintf(err->msg, sizeof err->msg, "test sink: disk full");
        return -1;
    }
    if (ev->device >= m->ndevs) {
        err->code = NVT_E_ARG;
        snprintf(err->msg, sizeof err->msg, "test sink: event for device %u never added",
                 ev->device);
        return -1;
    }
    if (m->nevs == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 1024;
        m->evs = realloc(m->evs, m->cap * sizeof *m->evs);
        if (!m->evs)
            abort();
    }
    struct mem_event *e = &m->evs[m->nevs++];
    memset(e, 0, sizeof *e);
    e->ev = *ev;
    if (ev->type == NVT_EV_ANNOTATION) {
        e->text = malloc((size_t)ev->u.ann.len + 1);
        memcpy(e->text, ev->u.ann.text, ev->u.ann.len);
        e->text[ev->u.ann.len] = '\0';
        e->ev.u.ann.text = e->text;
    }
    if ((ev->type == NVT_EV_DMA_READ || ev->type == NVT_EV_DMA_WRITE) && ev->u.dma.caplen) {
        if (ev->u.dma.caplen > sizeof e->data)
            abort();
        memcpy(e->data, ev->u.dma.data, ev->u.dma.caplen);
        e->ev.u.dma.data = e->data;
    }
    if (comment)
        e->comment = strdup(comment);
    return 0;
}

void mem_sink_init(struct mem_sink *m, nvt_import_sink *sink)
{
    sink->add_device = mem_add_device;
    sink->write = mem_write;
    sink->ctx = m;
}

void mem_sink_free(struct mem_sink *m)
{
    for (size_t i = 0; i < m->nevs; i++) {
        free(m->evs[i].text);
        free(m->evs[i].comment);
    }
    free(m->evs);
    memset(m, 0, sizeof *m);
}

size_t mem_count(const struct mem_sink *m, unsigned type)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nevs; i++)
        n += m->evs[i].ev.type == type;
    return n;
}

char *load_zst(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *z = malloc((size_t)n);
    if (fread(z, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(2);
    }
    fclose(f);
    unsigned long long size = ZSTD_getFrameContentSize(z, (size_t)n);
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
        fprintf(stderr, "%s: not a zstd frame with a known size\n", path);
        exit(2);
    }
    char *out = malloc(size + 1);
    size_t got = ZSTD_decompress(out, size, z, (size_t)n);
    if (ZSTD_isError(got) || got != size) {
        fprintf(stderr, "%s: zstd: %s\n", path, ZSTD_getErrorName(got));
        exit(2);
    }
    free(z);
    out[size] = '\0';
    *len = (size_t)size;
    return out;
}

int import_text(const char *text, size_t len, const nvt_qemu_import_opts *opts,
                struct mem_sink *m, nvt_qemu_import_stats *st, nvt_error *err)
{
    nvt_import_sink sink;
    mem_sink_init(m, &sink);
    nvt_qemu_importer *imp = nvt_qemu_import_new(opts, &sink, err);
    if (!imp)
        return -1;
    int rc = nvt_qemu_import_feed(imp, text, len, err);
    nvt_error ferr;
    if (nvt_qemu_import_finish(imp, rc < 0 ? &ferr : err) < 0)
        rc = -1;
    if (st)
        *st = *nvt_qemu_import_get_stats(imp);
    nvt_qemu_import_free(imp);
    return rc;
}

size_t count_lines(const char *text, const char *name, const char *arg_prefix)
{
    size_t n = 0, nlen = strlen(name), alen = arg_prefix ? strlen(arg_prefix) : 0;
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        /* "tid@sec.usec:name" (QEMU 7.2-10.0) or "YYYY-MM-DDTHH:MM:SS.ffffffZ name" (10.1+) */
        const char *z = (eol - p > 21 && p[10] == 'T') ? memchr(p, 'Z', (size_t)(eol - p)) : NULL;
        const char *colon = z && z + 1 < eol && z[1] == ' ' ? z + 1 : memchr(p, ':', (size_t)(eol - p));
        if (colon) {
            const char *ev = colon + 1;
            if ((size_t)(eol - ev) >= nlen && memcmp(ev, name, nlen) == 0 &&
                (ev + nlen == eol || ev[nlen] == ' ')) {
                const char *args = ev + nlen + (ev + nlen < eol);
                if (!arg_prefix ||
                    ((size_t)(eol - args) >= alen && memcmp(args, arg_prefix, alen) == 0))
                    n++;
            }
        }
        p = *eol ? eol + 1 : eol;
    }
    return n;
}

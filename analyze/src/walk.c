/* One pass over a trace: reader -> model -> lint -> consumer, with progress reports. */
#include "walk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void set_err(nvt_error *err, int code, const char *fmt, ...)
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

struct hub {
    const struct walk_hooks *h;
    struct lint *l;
};

static void hub_cmd_done(void *ctx, struct model *m, struct mcmd *c)
{
    struct hub *hub = ctx;
    if (hub->l)
        lint_cmd_done(hub->l, m, c);
    if (hub->h && hub->h->cmd_done)
        hub->h->cmd_done(hub->h->ctx, m, c);
}

static void hub_queue(void *ctx, struct model *m, uint32_t dev, uint16_t qid, int is_cq,
                      struct mqueue *q, int created, uint64_t event, uint64_t ts,
                      const struct mcmd *by, const char *reason)
{
    struct hub *hub = ctx;
    if (hub->h && hub->h->queue)
        hub->h->queue(hub->h->ctx, m, dev, qid, is_cq, q, created, event, ts, by, reason);
}

static void hub_identify(void *ctx, struct model *m, struct mdev *d, const struct mcmd *c,
                         unsigned cns)
{
    struct hub *hub = ctx;
    if (hub->h && hub->h->identify)
        hub->h->identify(hub->h->ctx, m, d, c, cns);
}

static void count_event(nvt_coverage *c, const nvt_event *ev)
{
    switch (ev->type) {
    case NVT_EV_SUBMISSION:
        c->commands++;
        break;
    case NVT_EV_COMPLETION:
        c->completions++;
        break;
    case NVT_EV_CFG_READ:
    case NVT_EV_CFG_WRITE:
    case NVT_EV_MMIO_READ:
    case NVT_EV_MMIO_WRITE:
        c->register_accesses++;
        break;
    case NVT_EV_CAPTURE_STATS: /* totals since the start: the last one counts */
        c->have_capture_stats = 1;
        c->recorded = ev->u.stats.recorded;
        c->dropped = ev->u.stats.dropped;
        c->importer_warnings = ev->u.stats.warnings;
        break;
    default:
        break;
    }
}

int nvt_coverage_check(const nvt_coverage *c, char *buf, size_t len)
{
    if (!c->devices) {
        snprintf(buf, len, "no traced device in the trace");
        return NVT_COVERAGE_NO_DEVICE;
    }
    if (c->have_capture_stats && c->importer_warnings > c->recorded) {
        snprintf(buf, len,
                 "the importer skipped %llu lines (malformed or unknown) and wrote %llu records",
                 (unsigned long long)c->importer_warnings, (unsigned long long)c->recorded);
        return NVT_COVERAGE_IMPORT_WARNINGS;
    }
    if (!c->commands) {
        snprintf(buf, len, "no NVMe commands in the trace");
        return NVT_COVERAGE_NO_COMMANDS;
    }
    if (len)
        buf[0] = 0;
    return NVT_COVERAGE_OK;
}

static int is_compressed(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcmp(path + n - 4, ".zst") == 0;
}

int walk_file(const char *path, const struct walk_hooks *h, struct lint *l,
              nvt_progress_fn progress, void *progress_ctx, struct walk_info *info,
              struct model **model_out, nvt_error *err)
{
    struct walk_info dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    struct stat st;
    if (strcmp(path, "-") != 0 && !is_compressed(path) && stat(path, &st) == 0)
        info->file_size = (uint64_t)st.st_size;
    nvt_reader *r = nvt_reader_open(path, err);
    if (!r)
        return -1;
    snprintf(info->appl, sizeof info->appl, "%s", nvt_reader_appl(r));
    const char *comment = nvt_reader_comment(r);
    info->comment = strdup(comment ? comment : "");
    if (!info->comment) {
        nvt_reader_close(r);
        set_err(err, NVT_E_NOMEM, "out of memory");
        return -1;
    }
    struct hub hub = {h, l};
    struct model_hooks mh = {hub_cmd_done, hub_queue, hub_identify, &hub};
    struct model *m = model_new(&mh);
    if (!m) {
        nvt_reader_close(r);
        set_err(err, NVT_E_NOMEM, "out of memory");
        return -1;
    }
    size_t ndev = 0;
    nvt_event ev;
    struct mstep step;
    int rc;
    uint64_t index = 0;
    while ((rc = nvt_reader_next(r, &ev, err)) == 1) {
        while (ndev < nvt_reader_device_count(r)) {
            if (h && h->device && h->device(h->ctx, (uint32_t)ndev, nvt_reader_device(r, ndev), err) < 0) {
                rc = -1;
                break;
            }
            ndev++;
        }
        if (rc < 0)
            break;
        if (!index)
            info->first_ns = ev.ts_ns;
        if (ev.ts_ns > info->last_ns)
            info->last_ns = ev.ts_ns;
        if (l)
            lint_pre(l, m, &ev, index);
        if (model_event(m, &ev, index, &step) < 0) {
            set_err(err, NVT_E_NOMEM, "out of memory at event %llu", (unsigned long long)index);
            rc = -1;
            break;
        }
        if (l)
            lint_post(l, m, &ev, index, &step);
        count_event(&info->cov, &ev);
        if (h && h->event && h->event(h->ctx, m, &ev, index, &step, err) < 0) {
            rc = -1;
            break;
        }
        index++;
        if (progress && (index & 0xffff) == 0 &&
            progress(progress_ctx, index, nvt_reader_offset(r), info->file_size) != 0) {
            set_err(err, NVT_E_ARG, "%s: interrupted at event %llu", path,
                    (unsigned long long)index);
            rc = -1;
            break;
        }
    }
    /* IDBs after the last packet still describe devices. */
    while (rc == 0 && ndev < nvt_reader_device_count(r)) {
        if (h && h->device && h->device(h->ctx, (uint32_t)ndev, nvt_reader_device(r, ndev), err) < 0)
            rc = -1;
        ndev++;
    }
    info->events = index;
    info->cov.events = index;
    info->cov.devices = nvt_reader_device_count(r);
    info->foreign_packets = nvt_reader_foreign_packets(r);
    nvt_reader_close(r);
    if (rc == 0) {
        model_finish(m);
        if (l) {
            size_t n;
            lint_finish(l, m, &n);
        }
        if (progress)
            progress(progress_ctx, index, UINT64_MAX, info->file_size);
    }
    if (model_out && rc == 0)
        *model_out = m;
    else
        model_free(m);
    if (info == &dummy)
        walk_info_free(info);
    return rc < 0 ? -1 : 0;
}

void walk_info_free(struct walk_info *info)
{
    free(info->comment);
    info->comment = NULL;
}

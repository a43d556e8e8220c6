/* nvt_lint_file: the lint rules over one trace. */
#include <stdlib.h>
#include <string.h>

#include "walk.h"

struct bdfs {
    char (*bdf)[16];
    size_t n;
};

static int keep_bdf(void *ctx, uint32_t index, const nvt_device *dev, nvt_error *err)
{
    struct bdfs *b = ctx;
    if (index >= b->n) {
        char (*p)[16] = realloc(b->bdf, (index + 1) * sizeof *p);
        if (!p) {
            set_err(err, NVT_E_NOMEM, "out of memory");
            return -1;
        }
        memset(p + b->n, 0, (index + 1 - b->n) * sizeof *p);
        b->bdf = p;
        b->n = index + 1;
    }
    memcpy(b->bdf[index], dev->bdf, sizeof b->bdf[index]);
    b->bdf[index][15] = 0;
    return 0;
}

int nvt_lint_file(const char *path, const nvt_lint_opts *opts, nvt_finding **findings,
                  size_t *nfindings, nvt_lint_summary *sum, nvt_error *err)
{
    nvt_lint_opts none;
    if (!opts) {
        memset(&none, 0, sizeof none);
        opts = &none;
    }
    *findings = NULL;
    *nfindings = 0;
    if (sum)
        memset(sum, 0, sizeof *sum);
    struct lint *l = lint_new(opts->disable);
    if (!l) {
        set_err(err, NVT_E_NOMEM, "out of memory");
        return -1;
    }
    struct walk_info info;
    struct bdfs bdfs = {NULL, 0};
    struct walk_hooks h = {.device = keep_bdf, .ctx = &bdfs};
    int rc = walk_file(path, &h, l, opts->progress, opts->progress_ctx, &info, NULL, err);
    size_t n;
    lint_finish(l, NULL, &n);
    if (rc == 0 && lint_failed(l)) {
        set_err(err, NVT_E_NOMEM, "out of memory while linting %s", path);
        rc = -1;
    }
    *findings = lint_take(l, nfindings);
    lint_free(l);
    for (size_t i = 0; i < *nfindings; i++) {
        nvt_finding *f = &(*findings)[i];
        memset(f->bdf, 0, sizeof f->bdf);
        if (f->device < bdfs.n)
            memcpy(f->bdf, bdfs.bdf[f->device], sizeof f->bdf);
    }
    free(bdfs.bdf);
    walk_info_free(&info);
    if (sum) {
        sum->events = info.events;
        sum->first_ns = info.first_ns;
        sum->cov = info.cov;
        for (size_t i = 0; i < *nfindings; i++)
            sum->by_severity[(*findings)[i].rule->severity] += (*findings)[i].count;
    }
    return rc;
}

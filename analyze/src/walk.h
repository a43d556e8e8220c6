/* Reading a trace once through the model, the lint engine and a consumer (walk.c). */
#ifndef NVT_ANALYZE_WALK_H
#define NVT_ANALYZE_WALK_H

#include "lint.h"
#include "model.h"
#include "nvmetrace/analyze.h"

struct walk_hooks {
    /* A traced function seen for the first time (before its first event). */
    int (*device)(void *ctx, uint32_t index, const nvt_device *dev, nvt_error *err);
    /* Every event, after the model and the lint rules have taken it. Return -1 with err
     * filled to stop. */
    int (*event)(void *ctx, struct model *m, const nvt_event *ev, uint64_t index,
                 const struct mstep *step, nvt_error *err);
    void (*cmd_done)(void *ctx, struct model *m, struct mcmd *c);
    void (*queue)(void *ctx, struct model *m, uint32_t dev, uint16_t qid, int is_cq,
                  struct mqueue *q, int created, uint64_t event, uint64_t ts,
                  const struct mcmd *by, const char *reason);
    void (*identify)(void *ctx, struct model *m, struct mdev *d, const struct mcmd *c,
                     unsigned cns);
    void *ctx;
};

struct walk_info {
    uint64_t events, first_ns, last_ns, foreign_packets;
    char appl[128];
    char *comment;         /* the whole SHB comment ("" if none); walk_info_free frees it */
    uint64_t file_size;    /* 0 for compressed or unknown */
    nvt_coverage cov;      /* what the trace holds (events, devices, commands, ...) */
};

/* Reads path to the end. l (may be NULL) gets every event and command; m is created and
 * handed back in *model_out when not NULL (the caller frees it), else freed. The model is
 * finished (outstanding commands leave with CMD_END) before returning, and the lint engine
 * too (lint_finish), so its findings are final. Returns 0 or -1 with err filled. */
int walk_file(const char *path, const struct walk_hooks *h, struct lint *l,
              nvt_progress_fn progress, void *progress_ctx, struct walk_info *info,
              struct model **model_out, nvt_error *err);

/* Frees what walk_file allocated in info (safe on a zeroed info). */
void walk_info_free(struct walk_info *info);

/* err helpers */
void set_err(nvt_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif

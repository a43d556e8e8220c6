/* The in-process replay engine (inproc.c) and how it reports (inproc_run.c). */
#ifndef NVT_REPLAY_INPROC_H
#define NVT_REPLAY_INPROC_H

#include <stdint.h>

#include "replay_internal.h"

struct nvt_target_ops;

/* Where the walk sends what it finds: straight to the caller's callbacks, or through a pipe
 * to the parent process. */
struct ip_sink {
    void *ctx;
    void (*divergence)(void *ctx, const nvt_divergence *d);
    void (*note)(void *ctx, const char *msg);
    /* Called before (done 0) and after (done 1) host action index; may be NULL. */
    void (*progress)(void *ctx, int64_t index, int done);
};

/* Replays t into ops (one model instance per trace device). res must be initialised by the
 * caller (events counted); fills the rest. Returns 0, or -1 with err filled. */
int rp_inproc_walk(const nvt_trace *t, const struct nvt_target_ops *ops, const nvt_replay_opts *o,
                   const struct ip_sink *sink, nvt_replay_result *res, nvt_error *err);

/* nvt_replay_run with o->target_lib set: loads the library and replays, in a child process
 * unless o->no_fork. */
int rp_inproc_run(const nvt_trace *t, const nvt_replay_opts *o, nvt_replay_result *res,
                  nvt_error *err);

#endif

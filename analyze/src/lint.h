/* The lint engine: rules evaluated on the shared model as a trace is read (lint.c).
 * Used by nvt_lint_file and by the index (table findings), which feeds one model to both. */
#ifndef NVT_ANALYZE_LINT_H
#define NVT_ANALYZE_LINT_H

#include "model.h"
#include "nvmetrace/analyze.h"

struct lint;

struct lint *lint_new(const char *const *disable);
/* Before the model sees ev (rules that compare with the state before it). */
void lint_pre(struct lint *l, struct model *m, const nvt_event *ev, uint64_t index);
/* After the model has seen ev. */
void lint_post(struct lint *l, struct model *m, const nvt_event *ev, uint64_t index,
               const struct mstep *step);
/* From the model's cmd_done hook. */
void lint_cmd_done(struct lint *l, struct model *m, const struct mcmd *c);
/* The reader's warning that the trace ends without its end marker (nvt_reader_warning), after
 * the last event (index, last; NULL if there was none). Before lint_finish. */
void lint_trace_cut(struct lint *l, uint64_t index, const nvt_event *last, const char *warning);
/* End of trace (after model_finish): resolves pending findings and sorts them by event.
 * Returns the findings (owned by l) and their number. */
const nvt_finding *lint_finish(struct lint *l, struct model *m, size_t *n);
/* Hands the findings array over to the caller (free()); l keeps none. */
nvt_finding *lint_take(struct lint *l, size_t *n);
int lint_failed(const struct lint *l); /* 1 if memory ran out (findings may be missing) */
void lint_free(struct lint *l);

#endif

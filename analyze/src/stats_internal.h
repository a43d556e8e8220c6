/* Helpers shared by stats.c and report.c. */
#ifndef NVT_ANALYZE_STATS_INTERNAL_H
#define NVT_ANALYZE_STATS_INTERNAL_H

#include <sqlite3.h>
#include <stdio.h>

#include "nvmetrace/analyze.h"

/* Prepares sql; -1 with err ("index query failed: ...") on failure. */
int sql_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **s, nvt_error *err);
/* Finalizes s; rc is the last sqlite3_step result: -1 with err unless SQLITE_DONE. */
int sql_done(sqlite3 *db, sqlite3_stmt *s, int rc, nvt_error *err);
/* The first column of the first row of sql (0 if no row). */
int sql_u64(sqlite3 *db, const char *sql, uint64_t *out, nvt_error *err);
/* Appends one zeroed element to a growing array; NULL when out of memory. */
void *grow(void *arr_p, size_t *n, size_t sz);
/* Fills l from n sorted latencies. */
void latency_fill(nvt_latency *l, const uint64_t *sorted, size_t n);
/* "Read", "Identify", "I/O opcode 0x85", ... */
void opcode_label(int admin, int opcode, char *buf, size_t len);
/* Max and time-weighted mean depth of one queue (starts sorted; ends sorted in place). */
void depth_sweep(uint64_t *starts, uint64_t *ends, size_t n, uint32_t *max_depth,
                 double *mean_depth);

/* Called once per submission queue (in device, SQ id order) with its commands' submission
 * times (sorted), end times (completion, or the trace's end; unsorted) and the known
 * latencies (unsorted; nlat <= n). The arrays may be reordered. Return -1 (err filled) to stop. */
typedef int (*queue_fn)(void *ctx, uint32_t dev, uint32_t sqid, uint64_t *starts,
                        uint64_t *ends, size_t n, uint64_t *lat, size_t nlat);
int queue_walk(sqlite3 *db, queue_fn fn, void *ctx, nvt_error *err);

#endif

/*
 * Crash recovery of a libnvmetap capture.
 *
 * A capture whose process died (crash, abort, SIGKILL) leaves a trace whose end may be cut
 * inside a block or a zstd frame, and the crash ring <trace>.ring holding every event the
 * writer had not yet pushed to the kernel. nvt_recover keeps the valid prefix of the trace,
 * appends the ring's events that the trace lacks (flagged NVT_F_RECOVERED, seq numbering
 * continued, an annotation saying how many), and writes a valid pcapng with the trace's
 * compression.
 */
#ifndef NVMETRACE_RECOVER_H
#define NVMETRACE_RECOVER_H

#include <stdint.h>

#include "nvmetrace/format.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nvt_recover_opts {
    const char *ring_path; /* NULL: "<trace>.ring" */
    const char *out_path;  /* NULL: replace the trace (atomically, through a temporary file) */
    int keep_ring;         /* 1: leave the ring file in place afterwards */
} nvt_recover_opts;

typedef struct nvt_recover_result {
    uint64_t kept;          /* events kept from the trace's valid prefix */
    uint64_t recovered;     /* events appended from the ring */
    uint64_t dropped;       /* events the shim had dropped (full ring), from the ring counters */
    uint64_t valid_bytes;   /* stream offset where the valid prefix ends (decompressed for zstd) */
    int trace_cut;          /* 1: the trace ended inside a block or frame, or was corrupt there */
    char cut_reason[512];   /* why the trace was cut ("" if it was not) */
    uint64_t bad_entries;   /* ring entries that failed their check: left out, not recovered */
    uint64_t bad_offsets[8]; /* ring-file offsets of the first of them (up to 8) */
} nvt_recover_result;

/* Recovers trace using its crash ring. opts and res may be NULL. Returns 0, or -1 with err
 * filled (the message names the file and the byte offset). Refuses, with an error, a ring
 * whose capture is still running (the ring is locked), a trace that already holds recovered
 * events, and ring files that are truncated or corrupt; the inputs are left untouched on
 * any error. */
int nvt_recover(const char *trace, const nvt_recover_opts *opts, nvt_recover_result *res,
                nvt_error *err);

#ifdef __cplusplus
}
#endif

#endif

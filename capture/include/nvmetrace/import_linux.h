/*
 * The guest's side of the wire: Linux's ftrace text -> nvmetrace records.
 *
 * Reads what /sys/kernel/tracing/trace or trace_pipe print (also `trace-cmd report`'s lines,
 * which have the same "task-pid [cpu] flags timestamp: event: args" shape) for the nvme
 * events (nvme_setup_cmd, nvme_sq, nvme_complete_rq, nvme_async_event) and mmiotrace's
 * MAP/R/W/UNMAP/MARK lines, plus the "# nvt-..." identity lines that
 * scripts/guest/nvmetrace-guest-record.sh writes (PCI ids, BAR resources, config space, which
 * controller instance is which function). One file, or two of the same boot (events and
 * mmiotrace), merged by timestamp. Every device written says vantage=guest. docs/import.md and
 * docs/guest-capture.md give the mapping and what the guest side cannot see.
 *
 *   const char *in[] = { "events.txt", "mmio.txt" };
 *   nvt_linux_import_stats st;
 *   if (nvt_linux_import_files(in, 2, NULL, w, &st, &err) < 0) ... // err names file:line
 *
 * Nothing here prints. No global state.
 */
#ifndef NVMETRACE_IMPORT_LINUX_H
#define NVMETRACE_IMPORT_LINUX_H

#include <stddef.h>
#include <stdint.h>

#include "nvmetrace/format.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nvt_linux_import_opts {
    int skip_bad;           /* 1: a malformed line is counted and skipped instead of an error */
} nvt_linux_import_opts;

typedef struct nvt_linux_import_stats {
    uint64_t lines;          /* lines read, all inputs */
    uint64_t records;        /* records written */
    uint64_t comment_lines;  /* '#' header lines (not counting "# nvt-" identity lines) */
    uint64_t nvme_events;    /* nvme_* event lines imported */
    uint64_t mmio_lines;     /* mmiotrace lines (MAP, R, W, UNMAP, MARK, VERSION, PCIDEV) */
    uint64_t mmio_outside;   /* R/W lines at addresses in no NVMe function's BAR (dropped) */
    uint64_t other_lines;    /* lines of other events or tracers (counted, not imported) */
    uint64_t lost_events;    /* events ftrace reports lost ("CPU:N [LOST M EVENTS]") */
    uint64_t bad_lines;      /* malformed lines skipped (skip_bad) */
    uint64_t first_bad_line; /* line number of the first of them, 0 if none */
    uint64_t devices;        /* devices written */
} nvt_linux_import_stats;

/* Imports n (1 or 2) ftrace text files ("-" = stdin, at most once) into w: records of both
 * merged in timestamp order (ftrace's clock, seconds since boot), then a summary annotation if
 * lines were skipped or not understood, then a CAPTURE_STATS record. opts and stats may be
 * NULL. Returns 0, or -1 with err filled: an unreadable file, a malformed line without skip_bad
 * (err->msg names the file and line, err->offset is the line's byte offset), a write failure,
 * or inputs with no nvme event and no MMIO access of an NVMe function (never an empty
 * success). */
int nvt_linux_import_files(const char *const *paths, size_t n, const nvt_linux_import_opts *opts,
                           nvt_writer *w, nvt_linux_import_stats *stats, nvt_error *err);

#ifdef __cplusplus
}
#endif

#endif

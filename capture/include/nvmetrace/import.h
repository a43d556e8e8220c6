/*
 * Importers for unpatched emulators: turn what an emulator already prints into nvmetrace
 * records. Today: QEMU's `log` trace backend (QEMU 7.2, as Debian ships it), run with
 *
 *   -trace 'pci_nvme_*' -trace 'pci_cfg_*' -trace 'msix_*' -trace 'pci_update_mappings*'
 *   -msg timestamp=on -D LOG
 *
 * The importer is streaming: feed it bytes as they arrive (a FIFO during live capture, a file
 * afterwards) and it hands records to a sink as soon as they are complete. What a QEMU event
 * maps to, and which fields are reconstructed or unknown, is documented in docs/import.md.
 *
 *   nvt_qemu_import_opts o = { .name = "boot.log" };
 *   nvt_import_sink sink;
 *   nvt_import_sink_writer(&sink, w);            // or your own callbacks
 *   nvt_qemu_importer *imp = nvt_qemu_import_new(&o, &sink, &err);
 *   while ((n = read(fd, buf, sizeof buf)) > 0)
 *       if (nvt_qemu_import_feed(imp, buf, n, &err) < 0) break;   // err names file:line
 *   nvt_qemu_import_finish(imp, &err);           // last partial line, summary, stats record
 *   nvt_qemu_import_free(imp);
 *
 * Nothing here prints. No global state: importers are independent of each other.
 */
#ifndef NVMETRACE_IMPORT_H
#define NVMETRACE_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "nvmetrace/format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where records go. Both callbacks return 0 / a device index on success, -1 with err filled
 * on failure (the importer then stops and returns -1 with that error). */
typedef struct nvt_import_sink {
    /* A new traced PCI function; returns the index events for it will carry (>= 0). Called
     * before the first event of that device. */
    int (*add_device)(void *ctx, const nvt_device *dev, nvt_error *err);
    /* One record; ev->device is an index add_device returned, ev->seq is 0 (the writer
     * numbers records). comment, when not NULL, is text for the EPB comment. Pointers inside
     * ev are valid only during the call. */
    int (*write)(void *ctx, const nvt_event *ev, const char *comment, nvt_error *err);
    void *ctx;
} nvt_import_sink;

/* Fills sink with callbacks that write into w (nvt_writer_add_device / nvt_writer_write).
 * The caller keeps ownership of w. */
void nvt_import_sink_writer(nvt_import_sink *sink, nvt_writer *w);

typedef struct nvt_qemu_import_opts {
    const char *name;      /* input name used in error messages ("boot.log"); NULL = "<input>" */
    const char *emulator;  /* nvt_device.emulator, e.g. "QEMU 7.2.22"; NULL = "QEMU" */
    int all_devices;       /* 1: also keep pci_cfg_* / mapping events of non-NVMe functions */
    int skip_bad;          /* 1: a malformed line is counted and skipped instead of an error */
    int comments;          /* 1: each SUB record's EPB comment holds the QEMU lines it was
                              rebuilt from */
} nvt_qemu_import_opts;

typedef struct nvt_qemu_import_stats {
    uint64_t lines;          /* lines seen (including skipped and unknown ones) */
    uint64_t records;        /* records handed to the sink */
    uint64_t unknown_lines;  /* lines whose event name the importer does not know */
    uint64_t bad_lines;      /* malformed lines skipped (skip_bad) */
    uint64_t first_bad_line; /* line number of the first of them, 0 if none */
    char first_bad_why[200]; /* why that line was refused, with its start quoted; "" if none */
    uint64_t filtered_lines; /* events of other PCI functions dropped (no all_devices) */
    uint64_t orphan_lines;   /* command detail events with no command to merge into */
    uint64_t devices;        /* devices handed to the sink */
    uint64_t nvme_lines;     /* lines of pci_nvme_* events (known or not) */
    uint64_t empty_slot_lines; /* pci_cfg_* lines of empty slots (QEMU 8.0+), left out */
    uint64_t iso8601_lines;  /* lines with the 10.1+ prefix (no thread id) */
} nvt_qemu_import_stats;

typedef struct nvt_qemu_importer nvt_qemu_importer;

/* Never an empty success: a log is refused (capture and import exit non-zero) when
 *  - it has no line at all, or
 *  - more than NVT_IMPORT_MAX_UNREAD_PERCENT of its lines are malformed or of unknown events
 *    (not a QEMU trace log, or one of a QEMU whose line form the importer does not know), or
 *  - more than NVT_IMPORT_MAX_BAD_PER_MILLE per mille of its lines, plus one (the last line a
 *    dying QEMU cut short), are malformed (lines cut short, an event whose format changed), or
 *  - no pci_nvme_* event is in it (no NVMe controller traced).
 * Unknown events below the threshold are not an error: they are counted in the trace's
 * summary annotation and capture-statistics record (warnings), which lint checks. */
#define NVT_IMPORT_MAX_UNREAD_PERCENT 50
#define NVT_IMPORT_MAX_BAD_PER_MILLE 1

/* Applies the rules above to the counters of a finished import. Returns 0 when the trace is
 * worth keeping, -1 with why (a sentence naming the problem and the counts) filled when not. */
int nvt_qemu_import_check(const nvt_qemu_import_stats *st, char *why, size_t whylen);

/* Creates an importer writing into sink (copied). opts may be NULL. Returns NULL with err
 * filled on failure (out of memory). */
nvt_qemu_importer *nvt_qemu_import_new(const nvt_qemu_import_opts *opts,
                                       const nvt_import_sink *sink, nvt_error *err);

/* Feeds len bytes of log text, cut anywhere (lines may span calls). Returns 0, or -1 with err
 * filled: a malformed line without skip_bad (err->msg names the input and the line number,
 * err->offset is the byte offset of the line), or a sink failure. After -1 the importer only
 * accepts nvt_qemu_import_free (and nvt_qemu_import_finish, which then flushes what it can). */
int nvt_qemu_import_feed(nvt_qemu_importer *imp, const void *data, size_t len, nvt_error *err);

/* Tells the importer no more bytes are coming for a while (live capture, input idle): a
 * command whose detail events are still being merged is completed and released, so every
 * record of the lines seen so far reaches the sink. Returns 0 or -1 (sink failure). */
int nvt_qemu_import_idle(nvt_qemu_importer *imp, nvt_error *err);

/* End of input: imports a last line that has no newline (one cut short by a dying QEMU is
 * counted as a bad line, never an error), releases everything held, writes a summary
 * annotation if events were unknown or lines skipped, then a CAPTURE_STATS record.
 * Returns 0 or -1. Call once. */
int nvt_qemu_import_finish(nvt_qemu_importer *imp, nvt_error *err);

/* Counters so far (valid until nvt_qemu_import_free). */
const nvt_qemu_import_stats *nvt_qemu_import_get_stats(const nvt_qemu_importer *imp);

/* The i-th distinct unknown event name (0-based, in order of first appearance) and how many
 * lines had it; returns NULL when i is past the end. The string belongs to the importer. */
const char *nvt_qemu_import_unknown(const nvt_qemu_importer *imp, size_t i, uint64_t *count);

void nvt_qemu_import_free(nvt_qemu_importer *imp);

/* Whole-file convenience: imports the log at path ("-" = stdin) into w, then finishes.
 * stats may be NULL. Returns 0 or -1 with err filled (names path and line). */
int nvt_qemu_import_file(const char *path, const nvt_qemu_import_opts *opts, nvt_writer *w,
                         nvt_qemu_import_stats *stats, nvt_error *err);

/* ---- live capture: run QEMU with the trace options and import its log as it is written ---- */

typedef struct nvt_qemu_capture_opts {
    const char *output;            /* trace to write (.zst suffix: zstd) */
    const char *log_copy;          /* NULL, or a file that receives every raw log byte too */
    nvt_qemu_import_opts import;   /* name and emulator are filled in when NULL */
    /* Called about once a second while QEMU runs (NULL: no progress). */
    void (*progress)(void *ctx, const nvt_qemu_import_stats *st, double seconds);
    void *progress_ctx;
    /* The caller's signal handler stores a signal number here (SIGINT, SIGTERM, ...); the
     * capture loop forwards it to QEMU and keeps importing until QEMU exits. The handler must
     * be installed without SA_RESTART so the loop wakes at once. NULL: nothing forwarded. */
    volatile int *pending_signal;
} nvt_qemu_capture_opts;

typedef struct nvt_qemu_capture_result {
    int started;                   /* 1 if QEMU was started */
    int exit_status;               /* QEMU's exit code, or 128 + signal if a signal ended it;
                                      127 if it could not be started */
    int signaled;                  /* signal that ended QEMU, 0 if it exited */
    nvt_qemu_import_stats stats;
    char emulator[96];             /* the emulator string put into the device description */
} nvt_qemu_capture_result;

/* Runs qemu_argv (argv[0] is the QEMU binary, looked up in PATH) with the trace options
 * appended and its -D log going to a FIFO, imports the log while QEMU runs, and writes the
 * trace to opts->output. Returns when QEMU has exited and the trace is closed: 0 if the trace
 * is complete (whatever QEMU's exit status, which is in res), -1 with err filled if the
 * capture could not be set up or the trace could not be written (res says whether QEMU ran).
 * The trace is flushed whenever the log goes quiet, so even if this process is killed the file
 * holds what came before (nvmetrace recover / readers with allow_truncated read it). */
int nvt_qemu_capture(const nvt_qemu_capture_opts *opts, char *const qemu_argv[],
                     nvt_qemu_capture_result *res, nvt_error *err);

/* The options nvt_qemu_capture appends, ending with "-D" (the FIFO path follows), as a NULL-
 * terminated list (for documentation and tests). */
extern const char *const nvt_qemu_trace_args[];

#ifdef __cplusplus
}
#endif

#endif

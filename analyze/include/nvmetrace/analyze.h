/*
 * libnvtanalyze: what a trace says once it is read as a whole.
 *
 *   index   a trace into an sqlite3 database (schema in docs/sql.md) that users query with
 *           their own SQL; every other analysis can start from it
 *   stats   latency percentiles per opcode, queue depth, interrupts per completion, errors, bytes
 *   lint    spec-conformance rules with ids and citations (docs/lint.md)
 *   diff    the first behavioural divergences of two devices running the same guest workload
 *   report  one self-contained HTML page with plots
 *
 *   nvt_error err;
 *   sqlite3 *db;
 *   if (nvt_index_build("boot.pcapng.zst", "boot.db", NULL, &db, NULL, &err) < 0) ...
 *   nvt_stats *st;
 *   if (nvt_stats_compute(db, &st, &err) < 0) ...
 *   nvt_stats_free(st);
 *   nvt_db_close(db);
 *
 * Nothing here prints: results come back in structures, problems in an nvt_error (the format
 * library's error type, so trace errors keep naming the file and the byte offset). No global
 * state. Only bytes of a record that the trace marks as known are used: reconstructed fields
 * outside the known-byte masks and MMIO reads flagged VALUE_UNKNOWN never reach a result.
 */
#ifndef NVMETRACE_ANALYZE_H
#define NVMETRACE_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "nvmetrace/format.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sqlite3;

/* Version of the database schema nvt_index_build writes (table schema_version, docs/sql.md). */
#define NVT_DB_SCHEMA_VERSION 1

/* Called during long runs, about every 64 Ki events: events read so far, bytes of the trace
 * stream consumed (decompressed bytes for .zst) and the trace file's size (0 if unknown or
 * compressed); once more with offset UINT64_MAX when the whole trace has been read. Return 0
 * to continue; non-zero stops the run with NVT_E_ARG "interrupted". */
typedef int (*nvt_progress_fn)(void *ctx, uint64_t events, uint64_t offset, uint64_t file_size);

/* ---- coverage: what a trace holds, so that "clean" means something was examined ---- */

typedef struct nvt_coverage {
    uint64_t events;
    uint64_t devices;            /* traced functions (pcapng interfaces) */
    uint64_t commands;           /* submissions */
    uint64_t completions;
    uint64_t register_accesses;  /* config space and BAR reads and writes */
    int have_capture_stats;      /* 1: a CAPTURE_STATS record was seen (the last one counts) */
    uint64_t recorded, dropped, importer_warnings;
} nvt_coverage;

enum nvt_coverage_verdict {
    NVT_COVERAGE_OK = 0,
    NVT_COVERAGE_NO_DEVICE,      /* no traced function at all */
    NVT_COVERAGE_NO_COMMANDS,    /* no submission: nothing a device did can be judged */
    NVT_COVERAGE_IMPORT_WARNINGS /* the importer skipped more lines than it made records */
};

/* Whether a trace holds enough to judge: NVT_COVERAGE_OK, or the first thing it lacks with
 * a sentence saying so in buf (e.g. "no NVMe commands in the trace"). The importer-warning
 * threshold: more warnings (lines skipped as malformed or unknown, from the CAPTURE_STATS
 * record) than records written. */
int nvt_coverage_check(const nvt_coverage *c, char *buf, size_t len);

/* ---- index ---- */

typedef struct nvt_index_opts {
    int no_lint;          /* 1: do not run the lint rules (table findings stays empty) */
    int events_index;     /* 1: also index events by (type, device); costs import time */
    nvt_progress_fn progress;
    void *progress_ctx;
} nvt_index_opts;

typedef struct nvt_index_result {
    uint64_t events, commands, findings;
    uint64_t incomplete_commands; /* submissions without a completion in the trace */
    uint64_t orphan_completions;  /* completions matching no submission */
} nvt_index_result;

/* Reads the trace at trace_path and writes its index to db_path (replaced if it exists;
 * ":memory:" keeps it in memory). On success returns 0 and, if db is not NULL, hands over the
 * open database (close it with nvt_db_close); res may be NULL. On failure returns -1 with err
 * filled (a trace error names the file and byte offset) and leaves no partial file behind.
 * While it runs, a second thread of its own writes to the database; it has ended when the
 * call returns. */
int nvt_index_build(const char *trace_path, const char *db_path, const nvt_index_opts *opts,
                    struct sqlite3 **db, nvt_index_result *res, nvt_error *err);

/* 1 if the file at path starts with the SQLite header, 0 if not, -1 if it cannot be read. */
int nvt_db_is_index(const char *path);

/* Opens an index read-only and checks its schema version. NULL with err filled on failure. */
struct sqlite3 *nvt_db_open(const char *path, nvt_error *err);

/* Opens path as an index if it is one, otherwise indexes the trace into memory (opts may be
 * NULL). The common entry of commands that take "TRACE|DB". */
struct sqlite3 *nvt_db_open_any(const char *path, const nvt_index_opts *opts, nvt_error *err);

void nvt_db_close(struct sqlite3 *db);

/* ---- statistics (computed from an index) ---- */

typedef struct nvt_latency {
    uint64_t count;       /* completed commands with a known latency */
    uint64_t p50_ns, p90_ns, p99_ns, max_ns, min_ns;
    double mean_ns;
} nvt_latency;

typedef struct nvt_opcode_stats {
    uint32_t device;
    int admin;            /* 1: admin command set, 0: I/O */
    int opcode;           /* -1 if the opcode byte is unknown */
    char name[48];        /* from <nvmetrace/nvme.h>, or "opcode 0xNN" */
    uint64_t count;       /* submissions */
    uint64_t incomplete;  /* no completion in the trace */
    uint64_t errors;      /* completions with a non-zero status */
    nvt_latency latency;
} nvt_opcode_stats;

typedef struct nvt_queue_stats {
    uint32_t device;
    uint32_t sqid;
    uint64_t commands;
    uint32_t max_depth;   /* most commands outstanding at once (submitted, not completed) */
    double mean_depth;    /* time-weighted mean over [first submission, last completion] */
    nvt_latency latency;
} nvt_queue_stats;

typedef struct nvt_vector_stats {
    uint32_t device;
    uint32_t vector;      /* MSI-X entry; INTx is reported as vector 0xffff */
    uint64_t interrupts;
    uint64_t completions; /* completions that signal through it: their CQ's vector while
                             MSI-X is enabled, the pin (0xffff) while it is not */
} nvt_vector_stats;

typedef struct nvt_status_stats {
    uint32_t device;
    int sct, sc;
    char name[64];        /* from <nvmetrace/nvme.h>, or "SCT x SC 0xNN" */
    uint64_t count;
} nvt_status_stats;

typedef struct nvt_io_bytes {
    uint32_t device;
    uint64_t read_cmds, write_cmds;     /* successful Read / Write (and Compare) commands */
    uint64_t read_blocks, write_blocks; /* sum of NLB (1-based) */
    uint64_t read_bytes, write_bytes;   /* blocks x LBA size; valid when bytes_known */
    int bytes_known;     /* 1: every counted command's namespace had its LBA size in the trace */
} nvt_io_bytes;

typedef struct nvt_stats {
    uint64_t events, commands, completions, interrupts;
    uint64_t first_ns, last_ns;
    nvt_opcode_stats *opcodes; size_t nopcodes;
    nvt_queue_stats *queues; size_t nqueues;
    nvt_vector_stats *vectors; size_t nvectors;
    nvt_status_stats *statuses; size_t nstatuses;   /* error completions only */
    nvt_io_bytes *io; size_t nio;                    /* one per device with I/O */
    double interrupts_per_completion;                /* all devices; 0 if no completions */
    nvt_coverage cov;                                /* what the trace holds */
} nvt_stats;

/* What the trace behind an index holds (devices, commands, register accesses, its last
 * capture statistics). Returns 0, or -1 with err. */
int nvt_db_coverage(struct sqlite3 *db, nvt_coverage *c, nvt_error *err);

/* Computes the statistics of an index. Returns 0 and *out (free with nvt_stats_free), or -1. */
int nvt_stats_compute(struct sqlite3 *db, nvt_stats **out, nvt_error *err);
void nvt_stats_free(nvt_stats *st);

/* ---- lint ---- */

enum nvt_severity { NVT_SEV_INFO = 0, NVT_SEV_WARNING = 1, NVT_SEV_ERROR = 2 };

typedef struct nvt_lint_rule {
    const char *id;       /* "bar0-too-small", ... stable: scripts match on it */
    int severity;         /* enum nvt_severity */
    const char *title;    /* one line */
    const char *spec;     /* the citation: specification, section, field */
} nvt_lint_rule;

/* The rules, in documentation order; *n receives their number. Static storage. */
const nvt_lint_rule *nvt_lint_rules(size_t *n);
/* The rule with this id, or NULL. */
const nvt_lint_rule *nvt_lint_rule_find(const char *id);
/* "error", "warning", "info". */
const char *nvt_severity_name(int severity);

typedef struct nvt_finding {
    const nvt_lint_rule *rule;
    uint32_t device;
    char bdf[16];         /* the device's PCI address ("" if the trace does not say) */
    uint64_t event;       /* 0-based index of the event in the trace (events.id) */
    uint64_t seq;         /* that event's seq field */
    uint64_t ts_ns;
    uint64_t count;       /* occurrences this finding stands for, itself included: rules
                             that would repeat on every event (docs/lint.md says which) report
                             the first occurrence per device and count the rest here */
    char message[320];
} nvt_finding;

typedef struct nvt_lint_opts {
    const char *const *disable; /* NULL-terminated list of rule ids to skip, or NULL */
    nvt_progress_fn progress;
    void *progress_ctx;
} nvt_lint_opts;

typedef struct nvt_lint_summary {
    uint64_t events;
    uint64_t first_ns;        /* timestamp of the first event */
    uint64_t by_severity[3];  /* findings per enum nvt_severity */
    nvt_coverage cov;         /* what was examined (nvt_coverage_check says if enough) */
} nvt_lint_summary;

/* Lints the trace at path. Every finding is stored and handed back in *findings (an array
 * of *nfindings, in event order; free with free()); sum may be NULL. Returns 0, or -1 with err
 * filled if the trace cannot be read (findings up to that point are still returned). */
int nvt_lint_file(const char *path, const nvt_lint_opts *opts, nvt_finding **findings,
                  size_t *nfindings, nvt_lint_summary *sum, nvt_error *err);

/* ---- diff ---- */

enum nvt_diff_kind {
    NVT_DIFF_DEVICE = 0,     /* PCI identity of the traced function */
    NVT_DIFF_CONFIG,         /* PCI config space read values */
    NVT_DIFF_BAR,            /* BAR sizes and flags */
    NVT_DIFF_REGISTER,       /* controller register read values */
    NVT_DIFF_IDENTIFY,       /* Identify data fields */
    NVT_DIFF_COMPLETION,     /* status / DW0 / DW1 of aligned commands */
    NVT_DIFF_INTERRUPT,      /* MSI-X table size, kinds used, per-vector coalescing */
    NVT_DIFF_WORKLOAD,       /* the command sequences themselves differ (host behaviour) */
    NVT_DIFF_NKINDS
};

typedef struct nvt_divergence {
    int kind;                /* enum nvt_diff_kind */
    char what[96];           /* "CSTS read #2", "Identify Controller MDTS", ... */
    char a[96], b[96];       /* the values in A and B ("-" when absent) */
    uint64_t event_a, event_b; /* events.id where each was seen (UINT64_MAX if none) */
    uint64_t order;          /* position used to sort the divergences (earliest first) */
} nvt_divergence;

typedef struct nvt_diff_opts {
    uint32_t device_a, device_b; /* which traced function of each trace (default 0) */
    size_t max_per_kind;         /* divergences kept per kind; 0 = 10 */
} nvt_diff_opts;

typedef struct nvt_diff_result {
    nvt_divergence *items; size_t nitems;  /* grouped by kind, earliest first within a kind */
    uint64_t total[NVT_DIFF_NKINDS];        /* all divergences found per kind (>= kept) */
    uint64_t commands_a, commands_b, aligned;
    /* What one side holds and the other lacks (so it was not compared): kind -1, what, and
     * a/b saying what each side has ("unknown" for a value the trace does not hold). */
    nvt_divergence *notes; size_t nnotes;
    nvt_coverage cov_a, cov_b;              /* what each trace holds (nvt_coverage_check) */
} nvt_diff_result;

/* Compares two traces. Returns 0 and *out (free with nvt_diff_free), or -1 with err. */
int nvt_diff_files(const char *path_a, const char *path_b, const nvt_diff_opts *opts,
                   nvt_diff_result **out, nvt_error *err);
void nvt_diff_free(nvt_diff_result *res);
/* "config", "register", ... */
const char *nvt_diff_kind_name(int kind);

/* ---- report ---- */

typedef struct nvt_report_opts {
    const char *title;           /* page title; NULL: the trace's file name */
    size_t max_timeline;         /* commands drawn on the timeline; 0 = 5000 */
    nvt_progress_fn progress;
    void *progress_ctx;
    nvt_coverage *coverage;      /* if not NULL, receives what the trace holds */
} nvt_report_opts;

/* Writes a self-contained HTML report (inline CSS, SVG drawn by inline script, no network)
 * of the trace at trace_path (or an index: nvt_db_is_index decides) to out_path. A trace
 * that fails nvt_coverage_check gets a "Nothing to judge: <why>" banner at the top.
 * Returns 0, or -1 with err filled. */
int nvt_report_write(const char *trace_path, const char *out_path, const nvt_report_opts *opts,
                     nvt_error *err);

#ifdef __cplusplus
}
#endif

#endif

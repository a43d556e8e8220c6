/*
 * libnvtreplay: drive a recorded trace into a real NVMe controller model and compare what it
 * does with the recording. The first target is QEMU through its qtest protocol.
 *
 *   nvt_error err;
 *   nvt_trace *t = nvt_trace_load("boot.pcapng.zst", &err);
 *   nvt_replay_opts o;
 *   nvt_replay_opts_init(&o);
 *   o.on_divergence = print_it;                 // called in trace order
 *   nvt_replay_result res;
 *   if (nvt_replay_run(t, &o, &res, &err) < 0) ...  // input or target error: err.msg
 *   else switch (res.status) { case NVT_REPLAY_CLEAN: ... }
 *   nvt_trace_free(t);
 *
 * The engine rebuilds the host side of the trace (config and register writes, the guest memory
 * the device reads: SQEs, PRP lists, write data, shadow doorbells) and compares every device
 * output the trace holds (read values, CQEs, DMA writes, interrupts). How, and what it cannot
 * know, is in docs/replay.md. Nothing here prints; no global state.
 */
#ifndef NVMETRACE_REPLAY_H
#define NVMETRACE_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "nvmetrace/format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- a trace held in memory ---- */

typedef struct nvt_trace nvt_trace;

/* Reads a whole trace (plain or .zst pcapng). Returns NULL with err filled. */
nvt_trace *nvt_trace_load(const char *path, nvt_error *err);
/* An empty trace to fill with nvt_trace_add_device / nvt_trace_append (importers, tests). */
nvt_trace *nvt_trace_new(const char *comment);
void nvt_trace_free(nvt_trace *t);

/* Adds a device; returns its index or -1 (out of memory). */
int nvt_trace_add_device(nvt_trace *t, const nvt_device *dev);
/* Appends a copy of ev (pointed-to data and text are copied). Returns 0 or -1. */
int nvt_trace_append(nvt_trace *t, const nvt_event *ev);
/* Replaces the SHB comment (copied). Returns 0 or -1. */
int nvt_trace_set_comment(nvt_trace *t, const char *comment);

size_t nvt_trace_count(const nvt_trace *t);
/* Event i (0-based position in the file); the pointer stays valid until the trace is freed. */
const nvt_event *nvt_trace_event(const nvt_trace *t, size_t i);
size_t nvt_trace_device_count(const nvt_trace *t);
const nvt_device *nvt_trace_device(const nvt_trace *t, size_t i);
const char *nvt_trace_comment(const nvt_trace *t); /* "" if none */

/* Writes the events whose keep[i] is nonzero (keep NULL: all) to path, numbering them 0,1,..
 * comment NULL keeps the trace's own. Returns 0 or -1 with err filled. */
int nvt_trace_write(const nvt_trace *t, const uint8_t *keep, const char *path,
                    const char *comment, nvt_error *err);

/* ---- replay ---- */

enum nvt_accel {
    NVT_ACCEL_AUTO = 0,    /* qtest if the binary accepts it, else TCG stopped (-S) */
    NVT_ACCEL_QTEST = 1,   /* -machine accel=qtest: virtual time, the deterministic setup */
    NVT_ACCEL_TCG_STOPPED = 2 /* -machine accel=tcg -S: vCPUs never run; no clock_step */
};

/* One output that differs from the recording. Strings are NUL-terminated. */
typedef struct nvt_divergence {
    uint64_t index;        /* position of the event in the trace */
    uint64_t seq;          /* its sequence number */
    uint32_t device;       /* device index */
    char what[96];         /* e.g. "MMIO read CSTS (BAR0+0x1c)", "CQE on CQ 1 slot 3" */
    char expected[256];    /* the recording ('?' for bytes it does not know) */
    char got[256];         /* what the target did */
} nvt_divergence;

typedef struct nvt_replay_opts {
    const char *qemu;          /* QEMU binary (path or name in PATH); NULL: qemu-system-x86_64 */
    const char *module_dir;    /* QEMU_MODULE_DIR holding accel-qtest-*.so, or NULL */
    int accel;                 /* enum nvt_accel */
    /* Extra QEMU arguments, NULL-terminated, or NULL. With replace_args they replace the
     * machine/device arguments the engine derives from the trace (it still adds -qtest,
     * -machine accel, -nodefaults, -display none, -m). */
    const char *const *qemu_args;
    int replace_args;
    int copy_disks;            /* 1: back drives by private raw copies of their original images
                                  (when they exist) instead of null-co disks, so read data can
                                  be compared; the copies are removed at the end */
    unsigned timeout_ms;       /* longest silence from QEMU before it is declared hung; 0: 10000 */
    unsigned settle_ms;        /* how long to wait for an expected output; 0: 2000 */
    int compare;               /* 1 (default): compare outputs; 0: only drive (minimize) */
    uint64_t max_divergences;  /* stop the comparison after this many; 0: no limit */
    const uint8_t *keep;       /* replay only events with keep[i] != 0; NULL: all */
    /* Called for each divergence, in trace order. */
    void (*on_divergence)(void *ctx, const nvt_divergence *d);
    /* Called with notes on what the engine rebuilt or assumed (e.g. "SQEs rebuilt from known
     * fields: 288, unknown bytes zero"). */
    void (*on_note)(void *ctx, const char *msg);
    /* Called with every qtest command line sent (no newline), for export and debugging. */
    void (*on_command)(void *ctx, const char *line);
    void *ctx;
    /* In-process target (<nvmetrace/target.h>): a device model library to replay into instead
     * of QEMU (the QEMU fields above are then unused). target_args is passed to its create()
     * (NULL: ""). The replay runs in a child process so that a crash or a hang of the model is
     * reported like a QEMU crash; no_fork = 1 runs it in the caller (a debugger sees the model
     * directly; a crash then takes the caller down). */
    const char *target_lib;
    const char *target_args;
    int no_fork;
    /* 1: a CQE must carry the command the recording has in that CQ slot, and interrupts must
     * come exactly where recorded (the behaviour before completion sets). 0 (default): the
     * device may complete the commands outstanding together in any order (completions are
     * matched by device, SQ and CID; each CQE must still land in the next slot with the right
     * phase tag) and coalesce interrupts differently (vectors per step compared, not counts). */
    int strict_order;
    /* 1: also compare values that depend on time (Get Features Timestamp and its data);
     * 0 (default): they are masked and counted in time_masked. */
    int compare_time;
} nvt_replay_opts;

/* Sets the defaults: everything 0/NULL except compare = 1. */
void nvt_replay_opts_init(nvt_replay_opts *o);

enum nvt_replay_status {
    NVT_REPLAY_CLEAN = 0,      /* every compared output matched */
    NVT_REPLAY_DIVERGED = 1,   /* at least one divergence */
    NVT_REPLAY_CRASHED = 2,    /* the target died or hung; see crash fields */
    NVT_REPLAY_NOTHING = 3     /* no divergence, but nothing to vouch for either: the trace
                                  holds no device or no NVMe command, or no output was
                                  compared (nothing_reason says which) */
};

typedef struct nvt_replay_result {
    int status;                /* enum nvt_replay_status */
    char accel[32];            /* what ran: "qtest", "tcg -S" or "in-process" */
    char qemu_version[128];    /* first line of `QEMU --version`, or the target's name */
    char cmdline[4096];        /* the QEMU command line (the socket path shown as SOCK), or
                                  "lib:PATH ARGS" */
    uint64_t events;           /* events in the trace (or kept) */
    uint64_t host_actions;     /* config/MMIO/doorbell/qtest events driven */
    uint64_t compared;         /* outputs compared */
    uint64_t divergences;
    uint64_t not_comparable;   /* outputs the trace does not know (value unknown, no data) */
    uint64_t no_data;          /* of those: outcomes that depend on data the trace lacks (a
                                  Compare's status, reads of a disk the replay has no copy of,
                                  SMART / Health counters); docs/replay.md lists them */
    uint64_t reordered;        /* CQEs that carried another outstanding command than the
                                  recording has in their slot (matched by SQ and CID) */
    uint64_t irq_coalesced;    /* interrupts more or fewer than recorded on a vector the step
                                  did interrupt (not divergences unless strict_order) */
    uint64_t time_masked;      /* outputs that depend on time, not compared (compare_time 0) */
    char nothing_reason[128];  /* status NVT_REPLAY_NOTHING: what was missing */
    uint64_t sqes_rebuilt;     /* SQEs rebuilt from reconstructed records (unknown bytes 0) */
    uint64_t bytes_unknown;    /* device-read bytes the trace does not hold (left as RAM had) */
    uint64_t qtest_commands;   /* commands sent, internal ones included */
    double seconds;            /* wall time from QEMU start to the end */
    /* crash (status NVT_REPLAY_CRASHED) */
    int64_t crash_index;       /* event being processed when the target died (-1: none) */
    int64_t last_acked_index;  /* last event whose commands QEMU answered (-1: none) */
    int exit_status;           /* QEMU's exit code, -1 if it did not exit */
    int term_signal;           /* signal that ended QEMU, 0 if none */
    int hung;                  /* 1: QEMU stopped answering (killed after timeout_ms) */
    char signature[256];       /* "SIGSEGV", "SIGABRT: <assertion>", "ASan: <summary>", ... */
    char stderr_tail[4096];    /* last lines QEMU wrote to stderr (process ids removed) */
} nvt_replay_result;

/* Replays t into a fresh QEMU. Returns 0 with res filled (res->status says clean, diverged or
 * crashed), or -1 with err filled when the replay could not be done: NVT_E_ARG for a trace the
 * engine cannot rebuild (missing setup, impossible addresses; the message names the event),
 * NVT_E_IO when QEMU is missing, refuses the options or cannot be started (the message holds
 * its stderr). res is filled as far as the replay got in both cases. */
int nvt_replay_run(const nvt_trace *t, const nvt_replay_opts *o, nvt_replay_result *res,
                   nvt_error *err);

/* Replays t into a device model linked into the caller (ops from its nvt_target_v1(), or a
 * table built by hand), in the calling thread, without a child process: for harnesses that
 * compile the model in, and for benchmarks. o may be NULL (defaults); its QEMU fields and
 * target_lib are ignored. Returns as nvt_replay_run (res->status is never CRASHED). */
struct nvt_target_ops;
int nvt_replay_run_target(const nvt_trace *t, const struct nvt_target_ops *ops,
                          const nvt_replay_opts *o, nvt_replay_result *res, nvt_error *err);

/* Crash signature from QEMU's exit and stderr: "SIGSEGV", "SIGABRT: <assertion line>",
 * "ASan: <SUMMARY line>", "exit 1: <last error line>" (addresses, process ids and line
 * numbers of stack frames removed, so that two runs of the same crash compare equal). */
void nvt_crash_signature(int exit_status, int term_signal, int hung, const char *stderr_text,
                         char *out, size_t outlen);

/* ---- minimize ---- */

typedef struct nvt_minimize_opts {
    nvt_replay_opts replay;    /* target options (compare is forced off) */
    const char *signature;     /* crash to keep; NULL: the one the full trace gives */
    int shrink_setup;          /* 1: also try removing controller setup (config, BARs, enable,
                                  queue creation), kept by default */
    unsigned retries;          /* extra runs of a candidate that did not crash, when the full
                                  trace proved flaky; 0: 2 */
    /* Progress: called after each candidate run. */
    void (*on_progress)(void *ctx, uint64_t runs, uint64_t kept_events, int reproduced);
    void *ctx;
} nvt_minimize_opts;

typedef struct nvt_minimize_result {
    uint64_t events_before, events_after;
    uint64_t host_actions_before, host_actions_after;
    uint64_t runs;             /* QEMU runs in total */
    uint64_t flaky_runs;       /* runs of the full trace that did not reproduce (of 3) */
    char signature[256];       /* the crash kept */
    int64_t crash_index;       /* in the minimized trace */
    double seconds;
} nvt_minimize_result;

/* Shrinks t by delta debugging while the same crash signature reproduces; keep (t's count
 * entries, caller-allocated) receives the events to keep. Returns 0, or -1 with err filled
 * (the full trace does not crash, or the target failed). */
int nvt_minimize(const nvt_trace *t, const nvt_minimize_opts *o, uint8_t *keep,
                 nvt_minimize_result *res, nvt_error *err);

/* ---- qtest scripts ---- */

typedef struct nvt_qtest_import_stats {
    uint64_t lines, commands, events, passthrough; /* passthrough: kept as "qtest:" notes */
    char qemu_args[2048];      /* ARGS of a `cat << EOF | qemu-system-x86_64 ARGS ...` form */
} nvt_qtest_import_stats;

/* Turns a qtest script into a trace: config accesses through 0xcf8/0xcfc and accesses inside
 * a BAR of the device become config and MMIO events (doorbells also as DOORBELL events); any
 * other command (guest RAM writes, clock_step, other ports) becomes an annotation
 * "qtest: <command>" that the replay sends verbatim. Accepts a bare command list or the
 * `cat << EOF | qemu-system-x86_64 ARGS -qtest stdio ... EOF` form of QEMU bug reports; ARGS
 * are kept in the SHB comment for the replay. text need not be NUL-terminated. name is used
 * in messages. Returns the trace or NULL with err filled (names the line). */
nvt_trace *nvt_qtest_import(const char *text, size_t len, const char *name,
                            nvt_qtest_import_stats *stats, nvt_error *err);

/* Writes a qtest script that reproduces t: the commands the replay would send, without its
 * polling. form 0: bare command list; 1: the `cat << EOF | qemu-system-x86_64 ARGS -qtest stdio`
 * shell form of QEMU bug reports. out receives text via the write callback. Returns 0 or -1. */
typedef struct nvt_qtest_export_opts {
    nvt_replay_opts replay;    /* qemu_args / replace_args shape the ARGS line */
    int shell_form;
    int (*write)(void *ctx, const char *text, size_t len);
    void *ctx;
} nvt_qtest_export_opts;
int nvt_qtest_export(const nvt_trace *t, const nvt_qtest_export_opts *o, char *args_out,
                     size_t args_len, nvt_error *err);

#ifdef __cplusplus
}
#endif

#endif

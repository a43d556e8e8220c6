/* Internal interfaces of libnvtreplay. */
#ifndef NVT_REPLAY_INTERNAL_H
#define NVT_REPLAY_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nvmetrace/replay.h"

/* Fills err (code, no offset, formatted message). */
void rp_error(nvt_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Counts a divergence at event index of t in res (setting *stop once o->max_divergences is
 * reached) and fills d with it. */
void rp_divergence(const nvt_trace *t, const nvt_replay_opts *o, nvt_replay_result *res, int *stop,
                   size_t index, const char *what, const char *expected, const char *got,
                   nvt_divergence *d);

/* The final status of a replay that did not crash: diverged, clean, or NVT_REPLAY_NOTHING
 * (with res->nothing_reason) when the trace holds no device or no command, or nothing was
 * compared: "clean" must mean that something was. */
void rp_final_status(const nvt_trace *t, const nvt_replay_opts *o, nvt_replay_result *res);

/* Parts of a recorded output the replay cannot expect to reproduce: values that depend on
 * time (masked unless compare_time), and values that depend on data the trace lacks or the
 * target does not have ("not comparable (no data)"). */
enum { RP_DEP_TIME = 1, RP_DEP_DATA = 2 };
struct rp_dep {
    int kind;              /* RP_DEP_* */
    uint32_t from, to;     /* byte range [from, to) of the transfer */
};
#define RP_DEP_MAX 6

/* The SUB record of command (sqid, cid) of device dev last submitted before index i (keep:
 * the replay's mask, or NULL), or -1. */
int64_t rp_command_of(const nvt_trace *t, const uint8_t *keep, size_t i, uint32_t dev,
                      uint16_t sqid, uint16_t cid);
/* The ranges of DMA write i (device to host) that depend on time or on data: Get Features
 * Timestamp data, the counters and times of SMART / Health Information, Persistent Event Log
 * data, and (media_zero: the target's disks read as zeros) Read data. Returns their count. */
int rp_dma_write_deps(const nvt_trace *t, const uint8_t *keep, size_t i, int media_zero,
                      struct rp_dep out[RP_DEP_MAX]);
/* 1 if the status of completion i depends on data the trace lacks: a Compare whose data the
 * trace does not hold (or media_zero: whose media the target does not have). */
int rp_cqe_status_no_data(const nvt_trace *t, const uint8_t *keep, size_t i, int media_zero);

/* Host actions: config and MMIO accesses, doorbells, MSI-X table accesses, "qtest:" commands
 * (engine.c). Device events: SQE fetches, CQEs, DMA, interrupts. */
int rp_is_host_action(const nvt_event *ev);
int rp_is_device_event(const nvt_event *ev);

/* n bytes as hex digits, "??" where known[i] is 0 (known NULL: all known), in groups of four
 * separated by a space if group; stops where out (outlen bytes) is full. */
void rp_fmt_bytes(const uint8_t *b, const uint8_t *known, size_t n, int group, char *out,
                  size_t outlen);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t rp_now_ms(void);
/* n bytes at p as a little-endian number. */
uint64_t rp_le(const uint8_t *p, int n);

/* ---- qtest client (qtest.c) ---- */

typedef struct qt qt;

/* Called with each reply line (without "OK"/newline handling: the whole line). arg points to
 * the bytes given to qt_cmd. */
typedef void (*qt_reply_fn)(void *ctx, const char *line, const void *arg);

#define QT_ARG_MAX 48

typedef struct qt_start_opts {
    char *const *argv;       /* QEMU command line; the "-qtest unix:PATH" pair is appended */
    const char *module_dir;  /* QEMU_MODULE_DIR, or NULL */
    unsigned timeout_ms;
    void *ctx;               /* passed to the callbacks */
    void (*on_irq)(void *ctx, int raise, int line);
    void (*on_command)(void *ctx, const char *line);
} qt_start_opts;

/* Starts QEMU and waits until its qtest socket connects. Returns NULL with err filled
 * (NVT_E_IO) if QEMU is missing or exits first: the message carries its stderr. *early_exit
 * (if not NULL) is set to 1 in that last case. */
qt *qt_start(const qt_start_opts *o, int *early_exit, nvt_error *err);

/* Queues one command (printf format, no newline). fn (or NULL) gets the reply when it comes;
 * event is the trace index it belongs to (-1: internal), for crash reports. internal commands
 * are not passed to on_command. Never blocks; returns 0, or -1 once QEMU is dead. */
int qt_cmd(qt *q, int64_t event, int internal, qt_reply_fn fn, const void *arg, size_t arglen,
           const char *fmt, ...) __attribute__((format(printf, 7, 8)));
int qt_vcmd(qt *q, int64_t event, int internal, qt_reply_fn fn, const void *arg, size_t arglen,
            const char *fmt, va_list ap);
/* Sends everything queued and waits for every reply. Returns 0, or -1 if QEMU died or hung. */
int qt_sync(qt *q);
/* Sends what is queued without waiting for replies. Returns 0 or -1. */
int qt_flush(qt *q);

int qt_dead(const qt *q);
/* Stops QEMU (SIGTERM, then SIGKILL) unless it already died, and frees q. Fills the crash
 * fields of res if it died on its own or hung. */
void qt_finish(qt *q, nvt_replay_result *res);
uint64_t qt_commands(const qt *q);

/* Runs `qemu --version`; first line into out. Returns 0, or -1 if it cannot run. */
int qt_qemu_version(const char *qemu, char *out, size_t outlen);

/* ---- crashes (crash.c) ---- */

/* Copies text removing ASan's "==PID==" prefixes and "pid N" mentions, so that two runs of the
 * same crash print the same report. */
void rp_strip_pids(const char *text, char *out, size_t outlen);

/* ---- QEMU command line (qemu_args.c) ---- */

typedef struct rp_args {
    char **v;
    size_t n, cap;
} rp_args;

int rp_args_add(rp_args *a, const char *s);
int rp_args_addf(rp_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rp_args_free(rp_args *a);
/* Splits a command line into words (single/double quotes, backslash escapes). */
int rp_split_words(const char *s, rp_args *out);
/* The QEMU command line held in a trace's SHB comment ("... -- qemu-system-x86_64 ARGS"),
 * split into words without the binary; *from_import = 1 when the trace came from a qtest
 * script (its ARGS are used as they are). Returns 0 if found, -1 if not. */
int rp_comment_qemu_args(const char *comment, rp_args *out, int *from_import);
/* Shell-quotes word into out (for display and export). */
void rp_quote_word(const char *word, char *out, size_t outlen);

#endif

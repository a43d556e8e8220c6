/*
 * libnvtformat: nvmetrace records and the pcapng (+ zstd) files that hold them.
 *
 *   nvt_error err;
 *   nvt_reader *r = nvt_reader_open("boot.pcapng.zst", &err);
 *   nvt_event ev;
 *   int rc;
 *   while ((rc = nvt_reader_next(r, &ev, &err)) == 1) { ... }
 *   if (rc < 0) fprintf(stderr, "%s\n", err.msg);   // names file and byte offset
 *   nvt_reader_close(r);
 *
 * Nothing here prints; every failure fills an nvt_error. No global state but the warning
 * handler an application may set (nvt_set_warning_handler).
 * The byte layout of records is in <nvmetrace/schema.h> and docs/format.md.
 */
#ifndef NVMETRACE_FORMAT_H
#define NVMETRACE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "nvmetrace/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NVT_VERSION_STRING "0.1.0"

/* Error codes (nvt_error.code). */
enum nvt_errcode {
    NVT_OK = 0,
    NVT_E_IO = 1,        /* open/read/write failed (errno text in msg) */
    NVT_E_FORMAT = 2,    /* malformed pcapng block or record */
    NVT_E_TRUNCATED = 3, /* file ends inside a block or a zstd frame */
    NVT_E_VERSION = 4,   /* record schema version this reader does not know */
    NVT_E_NOMEM = 5,
    NVT_E_ZSTD = 6,      /* corrupt compressed data */
    NVT_E_ARG = 7        /* invalid argument from the caller */
};

/* A failure: a code, the byte offset it was detected at (in the decompressed stream for a
 * .zst file; UINT64_MAX when no offset applies) and a message that names the file and the
 * offset, ready to print. */
typedef struct nvt_error {
    int code;
    uint64_t offset;
    char msg[512];
} nvt_error;

/* One traced PCI function: one pcapng Interface Description Block. */
typedef struct nvt_device {
    char bdf[16];            /* "0000:00:04.0" (if_name) */
    uint16_t vendor_id;      /* PCI ids, 0 if unknown */
    uint16_t device_id;
    uint16_t subsys_vendor_id;
    uint16_t subsys_id;
    uint32_t class_code;     /* 24-bit class code, e.g. 0x010802 */
    uint8_t revision;
    char model[32];          /* short device kind, e.g. "nvme" */
    char emulator[96];       /* emulator name and version (if_hardware), e.g. "QEMU 7.2.22" */
    uint8_t vantage;         /* NVT_VANTAGE_*: which end of the wire the events were seen from */
} nvt_device;

/* nvt_device.vantage ("vantage=" in the IDB description; absent = device). */
#define NVT_VANTAGE_DEVICE 0 /* the emulated device's side: what it received and produced */
#define NVT_VANTAGE_GUEST 1  /* the guest driver's side (Linux tracepoints, mmiotrace) */

/* A decoded record. Pointers (dma.data, ann.text, raw) point into the reader's buffer and
 * stay valid until the next nvt_reader_next call; when encoding they point to caller memory. */
typedef struct nvt_event {
    uint64_t ts_ns;          /* nanoseconds since the Unix epoch */
    uint32_t device;         /* device index (pcapng interface id) */
    uint8_t version;         /* schema version of the record */
    uint8_t type;            /* enum nvt_event_type */
    uint16_t flags;          /* NVT_F_* */
    uint32_t thread;         /* emulator thread / vCPU id */
    uint64_t seq;            /* stream position */
    union {
        struct { uint16_t offset; uint8_t size; uint32_t value; } cfg;
        struct { uint8_t bar; uint8_t size; uint32_t offset; uint64_t value; uint64_t gpa; } mmio;
        struct { uint8_t bar; uint8_t flags; uint64_t addr; uint64_t size; } bar;
        struct { uint16_t qid; uint8_t is_cq; uint32_t value; } doorbell;
        struct { uint16_t entry; uint8_t field; uint8_t is_write; uint32_t value; } msix;
        struct { uint8_t enabled; uint8_t masked; uint16_t table_size; uint32_t msgctl; } msix_ctrl;
        struct { uint8_t kind; uint16_t vector; uint32_t data; uint64_t addr; } irq;
        struct { uint16_t qid; uint16_t slot; uint64_t known; uint8_t sqe[NVT_SQE_LEN]; } sub;
        struct { uint16_t qid; uint16_t slot; uint16_t known; uint8_t cqe[NVT_CQE_LEN]; } cpl;
        struct {
            uint64_t gpa; uint32_t len; uint32_t caplen; uint16_t sqid; uint16_t cid;
            const uint8_t *data;
        } dma;
        struct { uint8_t state; uint32_t value; } state;
        struct { uint8_t level; uint16_t len; const char *text; } ann;
        struct { uint64_t recorded; uint64_t dropped; uint64_t overflows; uint64_t warnings; } stats;
    } u;
    const uint8_t *raw;      /* reader only: the encoded record (header + body) */
    uint32_t raw_len;
} nvt_event;

/* ---- records ---- */

/* Bytes nvt_record_encode needs for ev (0 if ev->type is unknown). */
size_t nvt_record_size(const nvt_event *ev);

/* Encodes ev (header + body, schema v1, little-endian) into buf. Returns the record length, or
 * 0 if ev->type is unknown or cap is too small. ev->version is ignored (always v1). */
size_t nvt_record_encode(const nvt_event *ev, uint8_t *buf, size_t cap);

/* Decodes one record of len bytes. ts_ns and device are left untouched. Returns NVT_OK or an
 * error code with a message in msg (no file or offset: the caller adds them). */
int nvt_record_decode(const uint8_t *buf, size_t len, nvt_event *ev, char *msg, size_t msglen);

/* Name of an event type ("SUB", "CPL", "CFGR", ...) as used by `nvmetrace dump`, or NULL. */
const char *nvt_event_type_name(unsigned type);
/* Parses a name given by nvt_event_type_name (case-insensitive); returns 0 if unknown. */
unsigned nvt_event_type_from_name(const char *name);

/* ---- writer ---- */

enum nvt_compression { NVT_COMPRESS_AUTO = 0, NVT_COMPRESS_NONE = 1, NVT_COMPRESS_ZSTD = 2 };

typedef struct nvt_writer_opts {
    int compression;         /* NVT_COMPRESS_AUTO: zstd when the path ends in ".zst" */
    int zstd_level;          /* 0 = 3; 1..19, or negative for zstd's fast levels */
    int keep_seq;            /* 0: the writer numbers records 0,1,2,...; 1: keep ev->seq */
    const char *appl;        /* SHB shb_userappl; NULL = "nvmetrace 0.1.0" */
    const char *comment;     /* SHB comment, or NULL */
    /* 0: every record is checked with nvt_record_decode and one the reader would reject is
     * refused (NVT_E_ARG); 1: written as given. Only for test generators that make bad input
     * on purpose. */
    int allow_invalid;
} nvt_writer_opts;

typedef struct nvt_writer nvt_writer;

/* Creates (truncates) path; "-" writes to stdout. opts may be NULL. Writes the SHB. */
nvt_writer *nvt_writer_open(const char *path, const nvt_writer_opts *opts, nvt_error *err);

/* Adds a device (an IDB); returns its index (0, 1, ...) or -1. */
int nvt_writer_add_device(nvt_writer *w, const nvt_device *dev, nvt_error *err);

/* Writes one event as an EPB; comment (or NULL) becomes the EPB's opt_comment.
 * Returns 0 or -1. */
int nvt_writer_write(nvt_writer *w, const nvt_event *ev, const char *comment, nvt_error *err);

/* Writes an already-encoded record (header + body). If the writer numbers records, the seq
 * field of rec is overwritten in place. Returns 0 or -1. */
int nvt_writer_write_raw(nvt_writer *w, uint32_t device, uint64_t ts_ns, uint8_t *rec,
                         size_t len, nvt_error *err);

/* Writes the end marker: capture statistics with stats' device, timestamp, seq (if kept),
 * dropped, overflows and warnings, and "events recorded" = the records this writer wrote
 * that are not capture statistics, which is what a reader checks it against. For producers
 * that copy or filter another trace (convert, minimize, export). Returns 0 or -1. */
int nvt_writer_write_end(nvt_writer *w, const nvt_event *stats, nvt_error *err);

/* Seq the next record written will get. */
uint64_t nvt_writer_next_seq(const nvt_writer *w);

/* Pushes everything written so far to the kernel (for zstd: ends the current block so a reader
 * can decode up to here). After it returns, a SIGKILL of the process loses nothing written. */
int nvt_writer_flush(nvt_writer *w, nvt_error *err);

/* Flushes, ends the zstd frame, closes. Returns 0 or -1; w is freed either way. */
int nvt_writer_close(nvt_writer *w, nvt_error *err);

/* ---- reader ---- */

typedef struct nvt_reader nvt_reader;

typedef struct nvt_reader_opts {
    /* 1: stop at a truncated final block or zstd frame as at a clean end (nvt_reader_next
     * returns 0 and nvt_reader_truncated() tells); used by `nvmetrace recover`. */
    int allow_truncated;
} nvt_reader_opts;

/* Opens a plain or zstd-compressed pcapng (detected from its first bytes); "-" reads stdin.
 * Reads the SHB. Memory use is bounded whatever the file size. */
nvt_reader *nvt_reader_open(const char *path, nvt_error *err);
nvt_reader *nvt_reader_open_opts(const char *path, const nvt_reader_opts *opts, nvt_error *err);

/* Same, over a memory buffer (fuzzing, tests); name is used in error messages. */
nvt_reader *nvt_reader_open_mem(const void *data, size_t len, const char *name,
                                const nvt_reader_opts *opts, nvt_error *err);

/* Next event: 1 = ev filled, 0 = end of file, -1 = error (err filled; the reader is then
 * unusable). Blocks other than EPB/IDB/SHB are skipped; packets of another link type are
 * skipped and counted (nvt_reader_foreign_packets). Every record returned satisfies the
 * schema's value rules (nvt_record_decode). At the end of each section, final capture
 * statistics whose event count differs from the records read are an error; a stream whose
 * last record is not capture statistics (the end marker) ends with a warning
 * (nvt_reader_warning, and the handler of nvt_set_warning_handler). */
int nvt_reader_next(nvt_reader *r, nvt_event *ev, nvt_error *err);

/* Devices seen so far (IDBs precede the packets that use them). */
size_t nvt_reader_device_count(const nvt_reader *r);
const nvt_device *nvt_reader_device(const nvt_reader *r, size_t index);

/* SHB comment and application strings ("" if absent). */
const char *nvt_reader_comment(const nvt_reader *r);
const char *nvt_reader_appl(const nvt_reader *r);

/* Stream offset of the block that held the last event (decompressed offset for .zst). */
uint64_t nvt_reader_offset(const nvt_reader *r);
/* Packets skipped because their interface has another link type. */
uint64_t nvt_reader_foreign_packets(const nvt_reader *r);
/* With allow_truncated: 1 if the stream ended inside a block or frame. */
int nvt_reader_truncated(const nvt_reader *r);
/* After the end was reached: "FILE: the trace ends without its final statistics: cut short?
 * (...)" if the last record was not capture statistics, else NULL. Owned by r. */
const char *nvt_reader_warning(const nvt_reader *r);

/* Called with each reader's warning (nvt_reader_warning) when it arises, so an application
 * reports it once whichever library opened the reader. The one process-wide setting of
 * libnvtformat: set it once at start-up (NULL: none, the default). Not thread-safe to change
 * while readers run. */
typedef void (*nvt_warning_fn)(void *ctx, const char *msg);
void nvt_set_warning_handler(nvt_warning_fn fn, void *ctx);

void nvt_reader_close(nvt_reader *r);

#ifdef __cplusplus
}
#endif

#endif

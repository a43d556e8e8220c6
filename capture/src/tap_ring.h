/*
 * The crash ring file (<trace>.ring): its layout, shared by the shim (tap*.c), which lives in
 * it while capturing, and by recovery (recover.c), which reads it after a crash. Internal to
 * capture/; docs/capi.md describes the layout for people.
 *
 * The file is mapped MAP_SHARED by the recording process, so whatever a thread stored in it
 * sits in the page cache and survives the death of the process (not of the machine).
 *
 *   offset 0                    struct nvt_ring_header (NVT_RING_HEADER_SIZE bytes)
 *   NVT_RING_HEADER_SIZE        ring_count x struct nvt_ring_ctl (NVT_RING_CTL_SIZE each)
 *   nvt_ring_data_offset()      ring_count x ring_size bytes of entries
 *
 * A ring is a byte ring of entries, each an entry header followed by an encoded record
 * (schema.h bytes: common header + body), padded to 8 bytes. Positions are byte counts since
 * the ring was created and never wrap; position & (ring_size - 1) is the offset in the ring.
 * An entry never straddles the end of the ring: when it would, the producer skips to the
 * start, writing a pad entry if 16 bytes or more remain (fewer remaining bytes are skipped
 * implicitly, the reader does the same).
 *
 *   [released, head)  entries not yet known to be in the kernel (recovery reads these)
 *   head              written only by the producer thread (store-release after the entry)
 *   released          written only by the writer thread, after nvt_writer_flush returned for
 *                     every record before it; the producer never overwrites past it.
 *
 * Each record's seq field (record offset 8) holds NVT_RING_SEQ_UNASSIGNED until the writer
 * numbers it, just before encoding it into the trace. Recovery appends the records whose seq
 * is unassigned or greater than the last seq found in the trace.
 */
#ifndef NVT_TAP_RING_H
#define NVT_TAP_RING_H

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "nvmetrace/format.h"

#define NVT_RING_MAGIC "NVTRING\x01"
#define NVT_RING_VERSION 2 /* 2: entries carry a check (struct nvt_ring_entry) */
#define NVT_RING_MAX_DEVICES 64
#define NVT_RING_HEADER_SIZE 16384u
#define NVT_RING_CTL_SIZE 256u
#define NVT_RING_MIN_SIZE (64u * 1024)
#define NVT_RING_MAX_SIZE (1u << 30)
#define NVT_RING_MAX_RINGS 1024u
#define NVT_RING_SEQ_UNASSIGNED UINT64_MAX

/* nvt_ring_header.state */
#define NVT_RING_STATE_OPEN 1   /* capture running, or the process died */
#define NVT_RING_STATE_CLOSED 2 /* nvt_tap_close finished the trace */

/* nvt_ring_ctl.state */
#define NVT_RING_FREE 0    /* never used, or drained after its thread exited */
#define NVT_RING_ACTIVE 1  /* owned by a live thread */
#define NVT_RING_EXITED 2  /* its thread exited; the writer frees it once drained */

/* TSC to CLOCK_REALTIME: ns = ns + ((int64)(ticks - tsc) * mult) >> 32. Rewritten by the
 * writer now and then (see tap_clock.c) under the header's clock_seq seqlock. */
struct nvt_ring_clock {
    uint64_t tsc;
    uint64_t ns;
    uint64_t mult; /* nanoseconds per tick, 32.32 fixed point */
};

/* One traced PCI function, as the shim registered it (the trace's interface of that index). */
struct nvt_ring_device {
    char bdf[16];
    uint16_t vendor_id, device_id, subsys_vendor_id, subsys_id;
    uint32_t class_code;
    uint8_t revision, reserved[3];
    char model[32];
    char emulator[96];
};

struct nvt_ring_header {
    char magic[8];          /* NVT_RING_MAGIC */
    uint32_t version;       /* NVT_RING_VERSION */
    uint32_t header_size;   /* NVT_RING_HEADER_SIZE */
    uint32_t ring_count;
    uint32_t ring_size;     /* power of two */
    uint64_t file_size;     /* bytes the whole file must have */
    uint32_t compression;   /* NVT_COMPRESS_NONE / NVT_COMPRESS_ZSTD of the trace */
    uint32_t snaplen;
    _Atomic uint32_t state; /* NVT_RING_STATE_* */
    uint32_t pid;           /* recording process, for messages */
    _Atomic uint32_t clock_seq; /* odd while the writer rewrites clock */
    uint32_t reserved0;
    struct nvt_ring_clock clock;
    _Atomic uint32_t device_count;
    uint32_t reserved1;
    _Atomic uint64_t noring_dropped; /* events dropped because every ring was taken */
    struct nvt_ring_device devices[NVT_RING_MAX_DEVICES];
};

/* Control block of one ring: producer fields, writer fields and ownership on separate cache
 * lines so the two sides do not bounce a line on every event. */
struct nvt_ring_ctl {
    _Atomic uint64_t head;      /* producer: bytes published */
    _Atomic uint64_t dropped;   /* producer: events dropped because the ring was full */
    _Atomic uint64_t overflows; /* producer: times the ring was found full */
    _Atomic uint64_t events;    /* producer: events published */
    uint8_t pad0[32];
    _Atomic uint64_t released;  /* writer: bytes the producer may overwrite */
    uint8_t pad1[56];
    _Atomic uint32_t state;     /* NVT_RING_FREE / ACTIVE / EXITED */
    _Atomic uint32_t thread_id; /* thread id stamped on its records (for messages) */
    uint8_t pad2[120];
};

/* Entry header in a ring (24 bytes), followed by rec_len record bytes. */
struct nvt_ring_entry {
    uint32_t rec_len;  /* record bytes (PAD: bytes skipped to the end of the ring) */
    uint16_t device;   /* device index */
    uint16_t kind;     /* NVT_RING_ENTRY_* */
    uint64_t tsc;      /* timestamp in ticks (see struct nvt_ring_clock) */
    uint32_t check;    /* RECORD: nvt_ring_entry_check() of the entry, stored before publishing */
    uint32_t reserved;
};
#define NVT_RING_ENTRY_RECORD 1
#define NVT_RING_ENTRY_PAD 2
#define NVT_RING_ENTRY_HDR 24u

_Static_assert(sizeof(struct nvt_ring_header) <= NVT_RING_HEADER_SIZE, "ring header size");
_Static_assert(sizeof(struct nvt_ring_ctl) == NVT_RING_CTL_SIZE, "ring control block size");
_Static_assert(sizeof(struct nvt_ring_entry) == NVT_RING_ENTRY_HDR, "ring entry size");

/* Bytes an entry holding a record of rec_len bytes takes (8-byte aligned so the seq field of
 * every record can be stored atomically). */
static inline uint64_t nvt_ring_entry_size(uint32_t rec_len)
{
    return ((uint64_t)NVT_RING_ENTRY_HDR + rec_len + 7u) & ~(uint64_t)7u;
}

/* The check of a record entry: a Fletcher-style pair of 64-bit sums (a: of the words, b: of
 * the running a, so a changed, swapped or moved word changes it) over the entry header
 * (rec_len, device, kind, tsc) and the record's bytes, except its seq field (record bytes
 * 8-15, which the writer fills in later), folded to 32 bits. Recovery recomputes it; a torn or
 * damaged entry fails it with odds of about 2^-32. Cheap enough for the hot path: rec_len is a
 * constant there, so the loop unrolls into a few adds for the fixed-size records. */
static inline uint32_t nvt_ring_entry_check(const struct nvt_ring_entry *e, const uint8_t *rec,
                                            uint32_t rec_len)
{
    uint64_t a = (uint64_t)rec_len | (uint64_t)e->device << 32 | (uint64_t)e->kind << 48;
    uint64_t b = a, w;
    a += e->tsc;
    b += a;
    memcpy(&w, rec, 8); /* version, type, flags, thread */
    a += w;
    b += a;
    uint32_t i = 16; /* NVT_HDR_LEN: the body follows the seq field */
    for (; i + 8 <= rec_len; i += 8) {
        memcpy(&w, rec + i, 8);
        a += w;
        b += a;
    }
    if (i < rec_len) {
        w = 0;
        memcpy(&w, rec + i, rec_len - i);
        a += w;
        b += a;
    }
    uint64_t h = a ^ (b * 0x9e3779b97f4a7c15ull);
    return (uint32_t)(h ^ (h >> 32));
}

static inline uint64_t nvt_ring_data_offset(uint32_t ring_count)
{
    return (uint64_t)NVT_RING_HEADER_SIZE + (uint64_t)ring_count * NVT_RING_CTL_SIZE;
}

static inline uint64_t nvt_ring_file_size(uint32_t ring_count, uint32_t ring_size)
{
    return nvt_ring_data_offset(ring_count) + (uint64_t)ring_count * ring_size;
}

/* The trace's view of a registered device. Bounded copies: in a ring file read back after a
 * crash the strings need not be terminated. */
static inline void nvt_ring_device_get(const struct nvt_ring_device *rd, nvt_device *dev)
{
    memset(dev, 0, sizeof *dev);
    memcpy(dev->bdf, rd->bdf, sizeof dev->bdf - 1);
    dev->vendor_id = rd->vendor_id;
    dev->device_id = rd->device_id;
    dev->subsys_vendor_id = rd->subsys_vendor_id;
    dev->subsys_id = rd->subsys_id;
    dev->class_code = rd->class_code;
    dev->revision = rd->revision;
    memcpy(dev->model, rd->model, sizeof dev->model - 1);
    memcpy(dev->emulator, rd->emulator, sizeof dev->emulator - 1);
}

/* Converts ticks to ns since the epoch with a clock segment. */
static inline uint64_t nvt_ring_clock_ns(const struct nvt_ring_clock *c, uint64_t ticks)
{
    int64_t dt = (int64_t)(ticks - c->tsc);
    __int128 scaled = (__int128)dt * (__int128)c->mult;
    return c->ns + (uint64_t)(int64_t)(scaled >> 32);
}

#endif

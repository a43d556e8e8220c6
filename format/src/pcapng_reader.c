/* Streaming pcapng reader for nvmetrace traces (plain or zstd), both byte orders.
 * Every length is checked before use; every failure names the file and the block offset. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "le.h"
#include "pcapng.h"
#include "stream.h"

#define MAX_DEVICES 4096 /* interfaces across all sections */

struct iface {
    uint32_t device;   /* index into devs, or UINT32_MAX for a foreign link type */
    uint16_t linktype;
    int pow2;          /* tsresol is 2^-res */
    uint8_t res;       /* resolution exponent */
    int64_t tsoffset;  /* seconds */
};

struct nvt_reader {
    nvt_istream *is;
    int swap;                  /* section byte order differs from ours */
    int seen_shb;
    struct iface *ifs;         /* interfaces of the current section */
    size_t nifs;
    nvt_device *devs;          /* all nvmetrace devices seen */
    size_t ndevs;
    char comment[8192];        /* e.g. the whole capture command line */
    char appl[128];
    uint64_t block_off;        /* offset of the block being / last parsed */
    uint64_t foreign;
    int allow_truncated;
    int truncated;
    int failed;
    int opening;               /* nvt_reader_open: stop after the first section header */
    /* The end marker: a writer's last record is its final capture statistics. */
    uint64_t section_events;   /* records of the current section other than statistics */
    int last_was_stats;        /* the last record read was CAPTURE_STATS ... */
    uint64_t stats_recorded;   /* ... saying this many events were recorded */
    uint64_t stats_off;        /* ... in the block at this offset */
    int ended;                 /* the end of the stream was reached cleanly */
    char warning[512];         /* "" or what nvt_reader_warning() returns */
};

static uint32_t rd32(const nvt_reader *r, const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return r->swap ? bswap32_(v) : v;
}

static uint16_t rd16(const nvt_reader *r, const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return r->swap ? bswap16_(v) : v;
}

#define FAIL(r, err, code, off, ...)                                                               \
    do {                                                                                           \
        nvt_is_error((r)->is, err, code, off, __VA_ARGS__);                                        \
        (r)->failed = 1;                                                                           \
        return -1;                                                                                 \
    } while (0)

static nvt_warning_fn warning_fn;
static void *warning_ctx;

void nvt_set_warning_handler(nvt_warning_fn fn, void *ctx)
{
    warning_fn = fn;
    warning_ctx = ctx;
}

/* A section ends (a new section header, or the end of the stream): its final statistics must
 * count the events it holds. Returns 0 or -1 (err filled). */
static int end_section(nvt_reader *r, nvt_error *err)
{
    if (r->last_was_stats && r->stats_recorded != r->section_events)
        FAIL(r, err, NVT_E_FORMAT, r->stats_off,
             "the final capture statistics say %llu events were recorded, but the trace holds "
             "%llu: events are missing or were added",
             (unsigned long long)r->stats_recorded, (unsigned long long)r->section_events);
    r->section_events = 0;
    r->last_was_stats = 0;
    return 0;
}

/* The clean end of the stream: checks the last section and remembers (and reports once) a
 * trace that ends without its end marker. */
static int end_stream(nvt_reader *r, nvt_error *err)
{
    if (r->ended)
        return 0;
    r->ended = 1;
    int had_marker = r->last_was_stats;
    if (end_section(r, err) < 0)
        return -1;
    if (!had_marker && !r->truncated) {
        snprintf(r->warning, sizeof r->warning,
                 "%s: the trace ends without its final statistics: cut short? (it ends at "
                 "offset %llu%s)", nvt_is_name(r->is), (unsigned long long)r->block_off,
                 nvt_is_compressed(r->is) ? " in the decompressed stream" : "");
        if (warning_fn)
            warning_fn(warning_ctx, r->warning);
    }
    return 0;
}

/* Calls fn(code, value, len) for each option in [p, p+len). Returns 0 or -1 (malformed). */
typedef void (*opt_fn)(nvt_reader *r, void *ctx, uint16_t code, const uint8_t *val, uint16_t len);
static int walk_options(nvt_reader *r, const uint8_t *p, size_t len, opt_fn fn, void *ctx,
                        nvt_error *err, uint64_t off)
{
    size_t i = 0;
    while (i + 4 <= len) {
        uint16_t code = rd16(r, p + i), olen = rd16(r, p + i + 2);
        if (code == PCAPNG_OPT_ENDOFOPT)
            return 0;
        size_t padded = ((size_t)olen + 3) & ~(size_t)3;
        if (padded > len - i - 4)
            FAIL(r, err, NVT_E_FORMAT, off, "option %u of length %u runs past the end of its block",
                 code, olen);
        fn(r, ctx, code, p + i + 4, olen);
        i += 4 + padded;
    }
    return 0; /* options may end without opt_endofopt */
}

static void copy_str(char *dst, size_t cap, const uint8_t *val, uint16_t len)
{
    size_t n = len < cap - 1 ? len : cap - 1;
    memcpy(dst, val, n);
    dst[n] = 0;
    for (size_t i = 0; i < n; i++) /* keep it printable: these strings reach terminals */
        if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
            dst[i] = dst[i] == 0 ? 0 : '?';
}

static void shb_opt(nvt_reader *r, void *ctx, uint16_t code, const uint8_t *val, uint16_t len)
{
    (void)ctx;
    if (code == PCAPNG_OPT_COMMENT)
        copy_str(r->comment, sizeof r->comment, val, len);
    else if (code == PCAPNG_SHB_USERAPPL)
        copy_str(r->appl, sizeof r->appl, val, len);
}

struct idb_ctx {
    struct iface *ifc;
    nvt_device *dev;
    int bad_res;
};

static void idb_opt(nvt_reader *r, void *ctx, uint16_t code, const uint8_t *val, uint16_t len)
{
    struct idb_ctx *c = ctx;
    char desc[256];
    switch (code) {
    case PCAPNG_IF_NAME:
        copy_str(c->dev->bdf, sizeof c->dev->bdf, val, len);
        break;
    case PCAPNG_IF_DESCRIPTION:
        copy_str(desc, sizeof desc, val, len);
        nvt_device_parse_description(c->dev, desc);
        break;
    case PCAPNG_IF_HARDWARE:
        copy_str(c->dev->emulator, sizeof c->dev->emulator, val, len);
        break;
    case PCAPNG_IF_TSRESOL:
        if (len >= 1) {
            c->ifc->pow2 = (val[0] & 0x80) != 0;
            c->ifc->res = val[0] & 0x7f;
            if ((!c->ifc->pow2 && c->ifc->res > 19) || (c->ifc->pow2 && c->ifc->res > 63))
                c->bad_res = 1;
        }
        break;
    case PCAPNG_IF_TSOFFSET:
        if (len >= 8) {
            uint64_t v;
            memcpy(&v, val, 8);
            c->ifc->tsoffset = (int64_t)(r->swap ? __builtin_bswap64(v) : v);
        }
        break;
    }
}

/* Converts a raw pcapng timestamp to ns since the epoch; returns 0 or -1 on overflow. */
static int ts_to_ns(const struct iface *ifc, uint64_t ts, uint64_t *ns)
{
    unsigned __int128 v;
    if (ifc->pow2) {
        v = ((unsigned __int128)ts * 1000000000u) >> ifc->res;
    } else if (ifc->res <= 9) {
        uint64_t mul = 1;
        for (int i = ifc->res; i < 9; i++)
            mul *= 10;
        v = (unsigned __int128)ts * mul;
    } else {
        uint64_t div = 1;
        for (int i = 9; i < ifc->res; i++)
            div *= 10;
        v = ts / div;
    }
    __int128 s = (__int128)v + (__int128)ifc->tsoffset * 1000000000;
    if (s < 0 || s > (__int128)UINT64_MAX)
        return -1;
    *ns = (uint64_t)s;
    return 0;
}

static const char *block_name(uint32_t type)
{
    switch (type) {
    case PCAPNG_BT_SHB: return "section header";
    case PCAPNG_BT_IDB: return "interface description";
    case PCAPNG_BT_EPB: return "enhanced packet";
    case PCAPNG_BT_SPB: return "simple packet";
    default: return "pcapng";
    }
}

/* Handles a block that ends the stream early: clean end with allow_truncated, else error. */
static int truncated_at(nvt_reader *r, nvt_error *err, const char *what)
{
    if (!r->seen_shb)
        FAIL(r, err, NVT_E_TRUNCATED, 0, "file too short to be a pcapng trace: it ends inside %s",
             what);
    if (r->allow_truncated) {
        r->truncated = 1;
        return 0;
    }
    FAIL(r, err, NVT_E_TRUNCATED, r->block_off, "file is truncated: it ends inside %s", what);
}

static int parse_shb(nvt_reader *r, const uint8_t *b, uint32_t len, nvt_error *err)
{
    if (len < 28)
        FAIL(r, err, NVT_E_FORMAT, r->block_off, "section header block length %u is below 28", len);
    uint16_t major = rd16(r, b + 12);
    if (major != 1)
        FAIL(r, err, NVT_E_FORMAT, r->block_off, "pcapng major version %u is not supported", major);
    r->comment[0] = r->appl[0] = 0;
    r->nifs = 0; /* interface ids restart in each section */
    return walk_options(r, b + 24, len - 28, shb_opt, NULL, err, r->block_off);
}

static int parse_idb(nvt_reader *r, const uint8_t *b, uint32_t len, nvt_error *err)
{
    if (len < 20)
        FAIL(r, err, NVT_E_FORMAT, r->block_off, "interface description block length %u is below 20",
             len);
    if (r->nifs >= MAX_DEVICES || r->ndevs >= MAX_DEVICES)
        FAIL(r, err, NVT_E_FORMAT, r->block_off, "more than %d interfaces", MAX_DEVICES);
    struct iface *nifs = realloc(r->ifs, (r->nifs + 1) * sizeof *nifs);
    if (!nifs)
        FAIL(r, err, NVT_E_NOMEM, r->block_off, "out of memory");
    r->ifs = nifs;
    struct iface *ifc = &r->ifs[r->nifs];
    memset(ifc, 0, sizeof *ifc);
    ifc->linktype = rd16(r, b + 8);
    ifc->res = 6; /* pcapng default: microseconds */
    nvt_device dev;
    memset(&dev, 0, sizeof dev);
    struct idb_ctx c = {ifc, &dev, 0};
    if (walk_options(r, b + 16, len - 20, idb_opt, &c, err, r->block_off) < 0)
        return -1;
    if (c.bad_res)
        FAIL(r, err, NVT_E_FORMAT, r->block_off, "unsupported if_tsresol 0x%02x",
             (ifc->pow2 ? 0x80 : 0) | ifc->res);
    if (ifc->linktype == NVT_LINKTYPE) {
        nvt_device *ndevs = realloc(r->devs, (r->ndevs + 1) * sizeof *ndevs);
        if (!ndevs)
            FAIL(r, err, NVT_E_NOMEM, r->block_off, "out of memory");
        r->devs = ndevs;
        r->devs[r->ndevs] = dev;
        ifc->device = (uint32_t)r->ndevs++;
    } else {
        ifc->device = UINT32_MAX;
    }
    r->nifs++;
    return 0;
}

/* Parses an EPB; returns 1 with ev filled, 0 if the packet is not ours (skipped), -1 error. */
static int parse_epb(nvt_reader *r, const uint8_t *b, uint32_t len, nvt_event *ev, nvt_error *err)
{
    if (len < 32)
        FAIL(r, err, NVT_E_FORMAT, r->block_off, "enhanced packet block length %u is below 32", len);
    uint32_t ifid = rd32(r, b + 8);
    if (ifid >= r->nifs)
        FAIL(r, err, NVT_E_FORMAT, r->block_off,
             "packet refers to interface %u but the section has %zu", ifid, r->nifs);
    const struct iface *ifc = &r->ifs[ifid];
    uint64_t ts = (uint64_t)rd32(r, b + 12) << 32 | rd32(r, b + 16);
    uint32_t caplen = rd32(r, b + 20), origlen = rd32(r, b + 24);
    if (caplen > len - 32)
        FAIL(r, err, NVT_E_FORMAT, r->block_off,
             "captured length %u exceeds the %u bytes the block holds", caplen, len - 32);
    if (ifc->device == UINT32_MAX) {
        r->foreign++;
        return 0;
    }
    const uint8_t *d = b + 28;
    size_t i = 0;
    char proto[64] = "";
    /* Our writer always emits the same 20-byte tag prefix: recognise it in one compare, and
     * walk the TLVs only for packets written by something else. */
    if (caplen >= NVT_EXP_PDU_PREFIX_LEN && memcmp(d, NVT_EXP_PDU_PREFIX, NVT_EXP_PDU_PREFIX_LEN) == 0) {
        i = NVT_EXP_PDU_PREFIX_LEN;
        memcpy(proto, NVT_DISSECTOR_NAME, sizeof NVT_DISSECTOR_NAME);
    } else {
        /* Exported-PDU TLVs: find the dissector name and the end of the tags. */
        for (;;) {
            if (i + 4 > caplen)
                FAIL(r, err, NVT_E_FORMAT, r->block_off, "exported-PDU tags run past the packet");
            uint16_t tag = get_be16(d + i), tlen = get_be16(d + i + 2);
            i += 4;
            if (tag == 0)
                break;
            if (tlen > caplen - i)
                FAIL(r, err, NVT_E_FORMAT, r->block_off,
                     "exported-PDU tag %u of length %u runs past the packet", tag, tlen);
            if (tag == 12)
                copy_str(proto, sizeof proto, d + i, tlen);
            i += tlen;
        }
    }
    if (strcmp(proto, NVT_DISSECTOR_NAME) != 0) {
        r->foreign++;
        return 0;
    }
    if (caplen < origlen)
        FAIL(r, err, NVT_E_FORMAT, r->block_off,
             "record was cut by a snap length (%u of %u bytes captured)", caplen, origlen);
    char msg[300];
    int rc = nvt_record_decode(d + i, caplen - i, ev, msg, sizeof msg);
    if (rc != NVT_OK)
        FAIL(r, err, rc, r->block_off, "%s", msg);
    if (ts_to_ns(ifc, ts, &ev->ts_ns) < 0)
        FAIL(r, err, NVT_E_FORMAT, r->block_off, "timestamp out of range");
    ev->device = ifc->device;
    r->last_was_stats = ev->type == NVT_EV_CAPTURE_STATS;
    if (r->last_was_stats) {
        r->stats_recorded = ev->u.stats.recorded;
        r->stats_off = r->block_off;
    } else {
        r->section_events++;
    }
    return 1;
}

int nvt_reader_next(nvt_reader *r, nvt_event *ev, nvt_error *err)
{
    if (r->failed) {
        nvt_set_error(err, NVT_E_ARG, nvt_is_name(r->is), UINT64_MAX, "reader already failed");
        return -1;
    }
    for (;;) {
        size_t got;
        r->block_off = nvt_is_offset(r->is);
        const uint8_t *h = nvt_is_peek(r->is, 12, &got, err);
        if (!h) {
            if (got == SIZE_MAX) {
                r->failed = 1;
                return -1;
            }
            if (!r->seen_shb && got == 0 && !nvt_is_frame_incomplete(r->is))
                FAIL(r, err, NVT_E_FORMAT, 0, "empty file, not a pcapng trace");
            if (got == 0 && !nvt_is_frame_incomplete(r->is))
                return end_stream(r, err) < 0 ? -1 : 0; /* clean end between blocks */
            if (truncated_at(r, err, got ? "a block header" : "a zstd frame") < 0)
                return -1;
            return end_stream(r, err) < 0 ? -1 : 0;
        }
        uint32_t type;
        memcpy(&type, h, 4);
        if (type == PCAPNG_BT_SHB) {
            uint32_t magic;
            memcpy(&magic, h + 8, 4);
            if (magic == PCAPNG_BYTE_ORDER_MAGIC)
                r->swap = 0;
            else if (bswap32_(magic) == PCAPNG_BYTE_ORDER_MAGIC)
                r->swap = 1;
            else
                FAIL(r, err, NVT_E_FORMAT, r->block_off, "bad byte-order magic 0x%08x", magic);
        } else if (!r->seen_shb) {
            uint32_t m = get_le32(h);
            if (m == 0xa1b2c3d4 || m == 0xd4c3b2a1 || m == 0xa1b23c4d || m == 0x4d3cb2a1)
                FAIL(r, err, NVT_E_FORMAT, 0, "classic pcap file, not pcapng");
            if (h[0] == 0x1f && h[1] == 0x8b)
                FAIL(r, err, NVT_E_FORMAT, 0, "gzip-compressed file: decompress it or use zstd");
            FAIL(r, err, NVT_E_FORMAT, 0, "not a pcapng file (first block type 0x%08x)", m);
        } else if (r->swap) {
            type = bswap32_(type);
        }
        uint32_t len = rd32(r, h + 4);
        if (len < 12 || len % 4 || len > NVT_MAX_BLOCK)
            FAIL(r, err, NVT_E_FORMAT, r->block_off, "bad %s block length %u", block_name(type), len);
        const uint8_t *b = nvt_is_peek(r->is, len, &got, err);
        if (!b) {
            if (got == SIZE_MAX) {
                r->failed = 1;
                return -1;
            }
            char what[96];
            snprintf(what, sizeof what, "a %s block of %u bytes (%zu present)", block_name(type),
                     len, got);
            if (truncated_at(r, err, what) < 0)
                return -1;
            return end_stream(r, err) < 0 ? -1 : 0;
        }
        if (rd32(r, b + len - 4) != len)
            FAIL(r, err, NVT_E_FORMAT, r->block_off,
                 "%s block: trailing length %u differs from leading length %u", block_name(type),
                 rd32(r, b + len - 4), len);
        int rc = 0;
        switch (type) {
        case PCAPNG_BT_SHB:
            rc = r->seen_shb ? end_section(r, err) : 0;
            if (rc == 0)
                rc = parse_shb(r, b, len, err);
            r->seen_shb = 1;
            if (rc == 0 && r->opening) {
                nvt_is_consume(r->is, len);
                return 0;
            }
            break;
        case PCAPNG_BT_IDB:
            rc = parse_idb(r, b, len, err);
            break;
        case PCAPNG_BT_EPB:
            rc = parse_epb(r, b, len, ev, err);
            break;
        case PCAPNG_BT_SPB:
        case PCAPNG_BT_PB:
            r->foreign++;
            break;
        default: /* name resolution, interface statistics, secrets, custom: not ours */
            break;
        }
        if (rc < 0)
            return -1;
        nvt_is_consume(r->is, len);
        if (rc == 1)
            return 1;
    }
}

static nvt_reader *reader_new(nvt_istream *is, const nvt_reader_opts *opts, nvt_error *err)
{
    if (!is)
        return NULL;
    nvt_reader *r = calloc(1, sizeof *r);
    if (!r) {
        nvt_set_error(err, NVT_E_NOMEM, nvt_is_name(is), UINT64_MAX, "out of memory");
        nvt_is_close(is);
        return NULL;
    }
    r->is = is;
    r->allow_truncated = opts ? opts->allow_truncated : 0;
    /* Read the section header now, so the SHB strings are there before the first event and a
     * file that is not pcapng fails at open, as with libpcap. */
    r->opening = 1;
    int rc = nvt_reader_next(r, NULL, err);
    r->opening = 0;
    if (rc < 0 || !r->seen_shb) {
        if (rc == 0) /* lenient mode ended inside the first block */
            nvt_set_error(err, NVT_E_TRUNCATED, nvt_is_name(is), 0,
                          "file too short to be a pcapng trace");
        nvt_reader_close(r);
        return NULL;
    }
    return r;
}

nvt_reader *nvt_reader_open_opts(const char *path, const nvt_reader_opts *opts, nvt_error *err)
{
    return reader_new(nvt_is_open(path, NULL, 0, NULL, err), opts, err);
}

nvt_reader *nvt_reader_open(const char *path, nvt_error *err)
{
    return nvt_reader_open_opts(path, NULL, err);
}

nvt_reader *nvt_reader_open_mem(const void *data, size_t len, const char *name,
                                const nvt_reader_opts *opts, nvt_error *err)
{
    return reader_new(nvt_is_open(NULL, data, len, name ? name : "<memory>", err), opts, err);
}

size_t nvt_reader_device_count(const nvt_reader *r) { return r->ndevs; }

const nvt_device *nvt_reader_device(const nvt_reader *r, size_t index)
{
    return index < r->ndevs ? &r->devs[index] : NULL;
}

const char *nvt_reader_comment(const nvt_reader *r) { return r->comment; }
const char *nvt_reader_appl(const nvt_reader *r) { return r->appl; }
uint64_t nvt_reader_offset(const nvt_reader *r) { return r->block_off; }
uint64_t nvt_reader_foreign_packets(const nvt_reader *r) { return r->foreign; }
int nvt_reader_truncated(const nvt_reader *r) { return r->truncated; }
const char *nvt_reader_warning(const nvt_reader *r) { return r->warning[0] ? r->warning : NULL; }

void nvt_reader_close(nvt_reader *r)
{
    if (!r)
        return;
    nvt_is_close(r->is);
    free(r->ifs);
    free(r->devs);
    free(r);
}

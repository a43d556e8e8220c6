/* pcapng writer: SHB, one IDB per device, one EPB per record (libpcap cannot write pcapng).
 * Blocks are written in host byte order, as pcapng allows; the byte-order magic tells readers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "le.h"
#include "pcapng.h"
#include "stream.h"

struct nvt_writer {
    nvt_ostream *os;
    uint32_t ndevices;
    uint64_t seq;
    uint64_t events;      /* records written other than capture statistics */
    int keep_seq;
    int allow_invalid;
    char name[256];
};

static size_t opt_len(size_t vlen) { return 4 + ((vlen + 3) & ~(size_t)3); }

/* Appends one option (code, value) at p; returns bytes written. */
static size_t put_opt(uint8_t *p, uint16_t code, const void *val, size_t vlen)
{
    uint16_t c = code, l = (uint16_t)vlen;
    memcpy(p, &c, 2);
    memcpy(p + 2, &l, 2);
    memcpy(p + 4, val, vlen);
    size_t n = opt_len(vlen);
    memset(p + 4 + vlen, 0, n - 4 - vlen);
    return n;
}

/* String option values are capped below the 16-bit option length. */
static size_t opt_strlen(const char *s)
{
    size_t n = 0;
    while (n < 0xfff0 && s[n])
        n++;
    return n;
}

static size_t str_opt_len(const char *s) { return s && *s ? opt_len(opt_strlen(s)) : 0; }

static size_t put_str_opt(uint8_t *p, uint16_t code, const char *s)
{
    return s && *s ? put_opt(p, code, s, opt_strlen(s)) : 0;
}

/* Writes a block whose body is body_len bytes built by the caller in the returned buffer. */
static int write_block(nvt_writer *w, uint32_t type, const uint8_t *body, size_t body_len,
                       nvt_error *err)
{
    uint32_t total = (uint32_t)(body_len + 12);
    uint8_t hdr[8];
    memcpy(hdr, &type, 4);
    memcpy(hdr + 4, &total, 4);
    if (nvt_os_write(w->os, hdr, 8, err) < 0 || nvt_os_write(w->os, body, body_len, err) < 0 ||
        nvt_os_write(w->os, &total, 4, err) < 0)
        return -1;
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

nvt_writer *nvt_writer_open(const char *path, const nvt_writer_opts *opts, nvt_error *err)
{
    nvt_writer_opts o = {0};
    if (opts)
        o = *opts;
    int zstd = o.compression == NVT_COMPRESS_ZSTD ||
               (o.compression == NVT_COMPRESS_AUTO && ends_with(path, ".zst"));
    nvt_writer *w = calloc(1, sizeof *w);
    if (!w) {
        nvt_set_error(err, NVT_E_NOMEM, path, UINT64_MAX, "out of memory");
        return NULL;
    }
    w->keep_seq = o.keep_seq;
    w->allow_invalid = o.allow_invalid;
    snprintf(w->name, sizeof w->name, "%s", strcmp(path, "-") ? path : "<stdout>");
    w->os = nvt_os_open(path, zstd, o.zstd_level ? o.zstd_level : 3, err);
    if (!w->os) {
        free(w);
        return NULL;
    }
    const char *appl = o.appl ? o.appl : "nvmetrace " NVT_VERSION_STRING;
    size_t blen = 16 + str_opt_len(appl) + str_opt_len(o.comment) + 4;
    uint8_t *body = calloc(1, blen);
    if (!body) {
        nvt_set_error(err, NVT_E_NOMEM, path, UINT64_MAX, "out of memory");
        nvt_os_close(w->os, NULL);
        free(w);
        return NULL;
    }
    uint32_t magic = PCAPNG_BYTE_ORDER_MAGIC;
    uint16_t major = 1, minor = 0;
    int64_t section_len = -1;
    memcpy(body, &magic, 4);
    memcpy(body + 4, &major, 2);
    memcpy(body + 6, &minor, 2);
    memcpy(body + 8, &section_len, 8);
    size_t p = 16;
    p += put_str_opt(body + p, PCAPNG_OPT_COMMENT, o.comment);
    p += put_str_opt(body + p, PCAPNG_SHB_USERAPPL, appl);
    memset(body + p, 0, 4); /* opt_endofopt */
    int rc = write_block(w, PCAPNG_BT_SHB, body, blen, err);
    free(body);
    if (rc < 0) {
        nvt_os_close(w->os, NULL);
        free(w);
        return NULL;
    }
    return w;
}

int nvt_writer_add_device(nvt_writer *w, const nvt_device *dev, nvt_error *err)
{
    /* Copies guarantee termination even if the caller filled a field to the brim. */
    char desc[256], bdf[sizeof dev->bdf + 1], emulator[sizeof dev->emulator + 1];
    nvt_device_format_description(dev, desc, sizeof desc);
    snprintf(bdf, sizeof bdf, "%.*s", (int)sizeof dev->bdf, dev->bdf);
    snprintf(emulator, sizeof emulator, "%.*s", (int)sizeof dev->emulator, dev->emulator);
    uint8_t body[1024];
    size_t need = 8 + str_opt_len(bdf) + str_opt_len(desc) + opt_len(1) + str_opt_len(emulator) + 4;
    if (need > sizeof body) {
        nvt_set_error(err, NVT_E_ARG, "nvt_writer_add_device", UINT64_MAX, "device strings too long");
        return -1;
    }
    uint16_t linktype = NVT_LINKTYPE, reserved = 0;
    uint32_t snaplen = 0; /* no limit */
    memcpy(body, &linktype, 2);
    memcpy(body + 2, &reserved, 2);
    memcpy(body + 4, &snaplen, 4);
    size_t p = 8;
    p += put_str_opt(body + p, PCAPNG_IF_NAME, bdf);
    p += put_str_opt(body + p, PCAPNG_IF_DESCRIPTION, desc);
    uint8_t tsresol = 9; /* nanoseconds */
    p += put_opt(body + p, PCAPNG_IF_TSRESOL, &tsresol, 1);
    p += put_str_opt(body + p, PCAPNG_IF_HARDWARE, emulator);
    memset(body + p, 0, 4);
    p += 4;
    if (write_block(w, PCAPNG_BT_IDB, body, p, err) < 0)
        return -1;
    return (int)w->ndevices++;
}

/* Writes one EPB holding the exported-PDU prefix and the encoded record. */
static int write_epb(nvt_writer *w, uint32_t device, uint64_t ts_ns, const uint8_t *rec,
                     size_t rec_len, const char *comment, nvt_error *err)
{
    if (device >= w->ndevices) {
        nvt_set_error(err, NVT_E_ARG, w->name, UINT64_MAX,
                      "event for device %u but only %u devices were added", device, w->ndevices);
        return -1;
    }
    if (!w->allow_invalid) {
        /* What the reader would reject is refused here, with the reader's own words. */
        nvt_event check;
        char msg[300];
        if (nvt_record_decode(rec, rec_len, &check, msg, sizeof msg) != NVT_OK) {
            nvt_set_error(err, NVT_E_ARG, w->name, nvt_os_offset(w->os),
                          "refusing to write an invalid record: %s", msg);
            return -1;
        }
    }
    size_t cap = NVT_EXP_PDU_PREFIX_LEN + rec_len;
    size_t padded = (cap + 3) & ~(size_t)3;
    size_t copt = str_opt_len(comment);
    size_t total = 8 + 20 + padded + (copt ? copt + 4 : 0) + 4;
    if (total > NVT_MAX_BLOCK) {
        nvt_set_error(err, NVT_E_ARG, w->name, UINT64_MAX, "record of %zu bytes is too large", rec_len);
        return -1;
    }
    uint8_t *b = nvt_os_reserve(w->os, total, err);
    if (!b)
        return -1;
    uint32_t type = PCAPNG_BT_EPB, tot = (uint32_t)total;
    uint32_t hi = (uint32_t)(ts_ns >> 32), lo = (uint32_t)ts_ns, c = (uint32_t)cap;
    memcpy(b, &type, 4);
    memcpy(b + 4, &tot, 4);
    memcpy(b + 8, &device, 4);
    memcpy(b + 12, &hi, 4);
    memcpy(b + 16, &lo, 4);
    memcpy(b + 20, &c, 4);
    memcpy(b + 24, &c, 4);
    memcpy(b + 28, NVT_EXP_PDU_PREFIX, NVT_EXP_PDU_PREFIX_LEN);
    memcpy(b + 28 + NVT_EXP_PDU_PREFIX_LEN, rec, rec_len);
    memset(b + 28 + cap, 0, padded - cap);
    size_t p = 28 + padded;
    if (copt) {
        p += put_str_opt(b + p, PCAPNG_OPT_COMMENT, comment);
        memset(b + p, 0, 4);
        p += 4;
    }
    memcpy(b + p, &tot, 4);
    return 0;
}

int nvt_writer_write(nvt_writer *w, const nvt_event *ev, const char *comment, nvt_error *err)
{
    uint8_t small[256];
    size_t n = nvt_record_size(ev);
    if (!n) {
        nvt_set_error(err, NVT_E_ARG, w->name, UINT64_MAX, "unknown event type %u", ev->type);
        return -1;
    }
    uint8_t *rec = n <= sizeof small ? small : malloc(n);
    if (!rec) {
        nvt_set_error(err, NVT_E_NOMEM, w->name, UINT64_MAX, "out of memory");
        return -1;
    }
    nvt_record_encode(ev, rec, n);
    if (!w->keep_seq)
        put_le64(rec + 8, w->seq);
    int rc = write_epb(w, ev->device, ev->ts_ns, rec, n, comment, err);
    if (rc == 0) {
        w->seq++;
        w->events += ev->type != NVT_EV_CAPTURE_STATS;
    }
    if (rec != small)
        free(rec);
    return rc;
}

int nvt_writer_write_raw(nvt_writer *w, uint32_t device, uint64_t ts_ns, uint8_t *rec, size_t len,
                         nvt_error *err)
{
    if (len < NVT_HDR_LEN) {
        nvt_set_error(err, NVT_E_ARG, w->name, UINT64_MAX, "record of %zu bytes has no header", len);
        return -1;
    }
    if (!w->keep_seq)
        put_le64(rec + 8, w->seq);
    if (write_epb(w, device, ts_ns, rec, len, NULL, err) < 0)
        return -1;
    w->seq++;
    w->events += rec[1] != NVT_EV_CAPTURE_STATS;
    return 0;
}

int nvt_writer_write_end(nvt_writer *w, const nvt_event *stats, nvt_error *err)
{
    nvt_event end = *stats;
    end.type = NVT_EV_CAPTURE_STATS;
    end.u.stats.recorded = w->events;
    return nvt_writer_write(w, &end, NULL, err);
}

uint64_t nvt_writer_next_seq(const nvt_writer *w) { return w->seq; }

int nvt_writer_flush(nvt_writer *w, nvt_error *err) { return nvt_os_flush(w->os, err); }

int nvt_writer_close(nvt_writer *w, nvt_error *err)
{
    if (!w)
        return 0;
    int rc = nvt_os_close(w->os, err);
    free(w);
    return rc;
}

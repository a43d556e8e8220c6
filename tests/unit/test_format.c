/* libnvtformat: records, pcapng writer/reader, zstd, both byte orders, libpcap as an independent
 * reader, and bad input (every truncation, corrupt lengths, versions, zstd frames). */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "examples.h"
#include "test.h"

static char tmpdir[256];

static const char *tmp(const char *name)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
    return p[k];
}

static nvt_device test_device(void)
{
    nvt_device d;
    memset(&d, 0, sizeof d);
    snprintf(d.bdf, sizeof d.bdf, "0000:00:04.0");
    d.vendor_id = 0x1b36;
    d.device_id = 0x0010;
    d.subsys_vendor_id = 0x1af4;
    d.subsys_id = 0x1100;
    d.class_code = 0x010802;
    d.revision = 2;
    snprintf(d.model, sizeof d.model, "nvme");
    snprintf(d.emulator, sizeof d.emulator, "QEMU 7.2.22");
    return d;
}

/* Writes every example event, with ts = base + i, to path. */
static void write_examples_level(const char *path, int compression, int level)
{
    nvt_error err;
    nvt_writer_opts o = {.compression = compression, .zstd_level = level, .comment = "unit test"};
    nvt_writer *w = nvt_writer_open(path, &o, &err);
    CHECK(w != NULL);
    nvt_device d = test_device();
    CHECK(nvt_writer_add_device(w, &d, &err) == 0);
    for (size_t i = 0; i < NEXAMPLES; i++) {
        nvt_event ev = example_event(i);
        ev.ts_ns = 1795403926406503000ull + i;
        CHECK(nvt_writer_write(w, &ev, i == 0 ? "first" : NULL, &err) == 0);
    }
    CHECK(nvt_writer_close(w, &err) == 0);
}

static void write_examples(const char *path, int compression)
{
    write_examples_level(path, compression, 0);
}

static void check_examples(const char *path)
{
    nvt_error err;
    nvt_reader *r = nvt_reader_open(path, &err);
    CHECK(r != NULL);
    if (!r) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    nvt_event ev;
    size_t i = 0;
    int rc;
    while ((rc = nvt_reader_next(r, &ev, &err)) == 1) {
        CHECK(i < NEXAMPLES);
        if (i >= NEXAMPLES)
            break;
        nvt_event want = example_event(i);
        want.seq = i; /* the writer numbers records */
        uint8_t a[256], b[256];
        size_t na = nvt_record_encode(&want, a, sizeof a);
        CHECK_EQ_U64(ev.raw_len, na);
        CHECK(ev.raw_len == na && memcmp(ev.raw, a, na) == 0);
        size_t nb = nvt_record_encode(&ev, b, sizeof b); /* decoded fields re-encode equal */
        CHECK(nb == na && memcmp(a, b, na) == 0);
        CHECK_EQ_U64(ev.ts_ns, 1795403926406503000ull + i);
        CHECK_EQ_U64(ev.device, 0);
        CHECK_EQ_U64(ev.seq, i);
        i++;
    }
    CHECK(rc == 0);
    CHECK_EQ_U64(i, NEXAMPLES);
    CHECK_EQ_U64(nvt_reader_device_count(r), 1);
    const nvt_device *d = nvt_reader_device(r, 0);
    nvt_device want = test_device();
    CHECK_STR(d->bdf, want.bdf);
    CHECK_EQ_U64(d->vendor_id, 0x1b36);
    CHECK_EQ_U64(d->device_id, 0x0010);
    CHECK_EQ_U64(d->subsys_vendor_id, 0x1af4);
    CHECK_EQ_U64(d->subsys_id, 0x1100);
    CHECK_EQ_U64(d->class_code, 0x010802);
    CHECK_EQ_U64(d->revision, 2);
    CHECK_STR(d->model, "nvme");
    CHECK_STR(d->emulator, "QEMU 7.2.22");
    CHECK_STR(nvt_reader_comment(r), "unit test");
    CHECK_STR(nvt_reader_appl(r), "nvmetrace " NVT_VERSION_STRING);
    nvt_reader_close(r);
}

/* libpcap, an independent reader, must accept the file: link type, count, ns timestamps,
 * and packet bytes = exported-PDU prefix + our record. */
static void check_with_libpcap(const char *path)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    CHECK(p != NULL);
    if (!p) {
        fprintf(stderr, "libpcap: %s\n", errbuf);
        return;
    }
    CHECK_EQ_U64(pcap_datalink(p), NVT_LINKTYPE);
    struct pcap_pkthdr *h;
    const u_char *data;
    size_t n = 0;
    while (pcap_next_ex(p, &h, &data) == 1) {
        nvt_event want = example_event(n);
        want.seq = n;
        uint8_t rec[256];
        size_t rl = nvt_record_encode(&want, rec, sizeof rec);
        CHECK_EQ_U64(h->caplen, NVT_EXP_PDU_PREFIX_LEN + rl);
        CHECK(memcmp(data, NVT_EXP_PDU_PREFIX, NVT_EXP_PDU_PREFIX_LEN) == 0);
        CHECK(memcmp(data + NVT_EXP_PDU_PREFIX_LEN, rec, rl) == 0);
        uint64_t ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
        CHECK_EQ_U64(ns, 1795403926406503000ull + n);
        n++;
    }
    CHECK_EQ_U64(n, NEXAMPLES);
    pcap_close(p);
}

static size_t slurp(const char *path, uint8_t **out)
{
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *out = malloc((size_t)n);
    size_t got = fread(*out, 1, (size_t)n, f);
    fclose(f);
    return got;
}

/* Reads a memory image to the end; returns 0 (clean), or the error code. */
static int read_all_mem(const uint8_t *data, size_t len, int allow_trunc, size_t *events,
                        nvt_error *err)
{
    nvt_reader_opts o = {.allow_truncated = allow_trunc};
    nvt_reader *r = nvt_reader_open_mem(data, len, "mem.pcapng", &o, err);
    if (!r)
        return err->code;
    nvt_event ev;
    int rc;
    *events = 0;
    while ((rc = nvt_reader_next(r, &ev, err)) == 1)
        (*events)++;
    nvt_reader_close(r);
    return rc < 0 ? err->code : 0;
}

/* Every prefix of a valid file is an error naming an offset (or, with allow_truncated, a clean
 * stop after the events whose blocks are complete); never a crash. */
static void check_truncations(const char *path, int compressed)
{
    uint8_t *data;
    size_t len = slurp(path, &data);
    nvt_error err;
    size_t events, full;
    CHECK(read_all_mem(data, len, 0, &full, &err) == 0);
    size_t bad = 0, short_ok = 0;
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan catches overreads */
        memcpy(copy, data, cut);
        int rc = read_all_mem(copy, cut, 0, &events, &err);
        if (rc == 0 && events < full) {
            /* A cut exactly between blocks is a shorter valid file. */
            short_ok++;
        } else if (rc == 0) {
            bad++;
        } else if (!strstr(err.msg, "mem.pcapng")) {
            bad++;
        }
        size_t ev2;
        int rc2 = read_all_mem(copy, cut, 1, &ev2, &err);
        /* Lenient mode fails only while the section header itself is incomplete. */
        if (rc2 != 0 && !strstr(err.msg, "too short") && !strstr(err.msg, "empty file") &&
            !strstr(err.msg, "section header")) {
            fprintf(stderr, "lenient read of %zu bytes failed: %s\n", cut, err.msg);
            bad++;
        }
        free(copy);
    }
    CHECK_EQ_U64(bad, 0);
    if (!compressed) /* a zstd stream cut anywhere leaves its frame incomplete */
        CHECK(short_ok > 0);
    free(data);
}

static void check_error(const uint8_t *data, size_t len, const char *expect_substr, int code)
{
    nvt_error err;
    size_t events;
    int rc = read_all_mem(data, len, 0, &events, &err);
    CHECK_EQ_U64(rc, code);
    if (rc && !strstr(err.msg, expect_substr)) {
        fprintf(stderr, "error '%s' lacks '%s'\n", err.msg, expect_substr);
        CHECK(0);
    }
}

static void check_corruptions(const char *path)
{
    uint8_t *data;
    size_t len = slurp(path, &data);
    uint8_t *c = malloc(len);
    /* Offsets: SHB at 0; its length at 4. Find the first EPB. */
    size_t off = 0, epb = 0, idb = 0;
    while (off + 8 <= len) {
        uint32_t t, l;
        memcpy(&t, data + off, 4);
        memcpy(&l, data + off + 4, 4);
        if (t == 1 && !idb)
            idb = off;
        if (t == 6 && !epb)
            epb = off;
        off += l;
    }
    CHECK(epb > 0 && idb > 0);
    char want[64];

    memcpy(c, data, len); /* EPB block length not a multiple of 4 */
    c[epb + 4] += 1;
    snprintf(want, sizeof want, "offset %zu: bad enhanced packet block length", epb);
    check_error(c, len, want, NVT_E_FORMAT);

    memcpy(c, data, len); /* block length that would run far past the file */
    c[epb + 4] = 0; c[epb + 5] = 0; c[epb + 6] = 0; c[epb + 7] = 0x7f;
    check_error(c, len, "bad enhanced packet block length", NVT_E_FORMAT);

    memcpy(c, data, len); /* block length within limits but beyond the end of the file */
    c[epb + 4] = 0; c[epb + 5] = 0; c[epb + 6] = 0x10; c[epb + 7] = 0;
    check_error(c, len, "file is truncated", NVT_E_TRUNCATED);

    memcpy(c, data, len); /* trailing length differs */
    uint32_t l;
    memcpy(&l, data + epb + 4, 4);
    c[epb + l - 4] ^= 0x04;
    check_error(c, len, "trailing length", NVT_E_FORMAT);

    memcpy(c, data, len); /* captured length beyond the block */
    c[epb + 23] = 0x7f;
    check_error(c, len, "captured length", NVT_E_FORMAT);

    memcpy(c, data, len); /* unknown schema version in the record */
    c[epb + 28 + NVT_EXP_PDU_PREFIX_LEN] = 2;
    snprintf(want, sizeof want, "offset %zu: record schema version 2", epb);
    check_error(c, len, want, NVT_E_VERSION);

    memcpy(c, data, len); /* unknown event type */
    c[epb + 28 + NVT_EXP_PDU_PREFIX_LEN + 1] = 99;
    check_error(c, len, "unknown event type 99", NVT_E_FORMAT);

    memcpy(c, data, len); /* exported-PDU tag length running past the packet */
    c[epb + 28 + 2] = 0xff;
    check_error(c, len, "exported-PDU tag 12", NVT_E_FORMAT);

    memcpy(c, data, len); /* packet for an interface that does not exist */
    c[epb + 8] = 7;
    check_error(c, len, "interface 7", NVT_E_FORMAT);

    memcpy(c, data, len); /* byte-order magic */
    c[8] = 0;
    check_error(c, len, "bad byte-order magic", NVT_E_FORMAT);

    memcpy(c, data, len); /* classic pcap */
    c[0] = 0xd4; c[1] = 0xc3; c[2] = 0xb2; c[3] = 0xa1;
    check_error(c, len, "classic pcap", NVT_E_FORMAT);

    check_error(data, 0, "empty file", NVT_E_FORMAT);
    free(c);
    free(data);
}

/* Re-encodes a native-order file in the other byte order (headers, options, EPB fields; the
 * records themselves stay little-endian), and checks it reads the same. */
static void check_swapped(const char *path)
{
    uint8_t *data;
    size_t len = slurp(path, &data);
    size_t off = 0;
#define SW32(p) do { uint32_t v_; memcpy(&v_, (p), 4); v_ = __builtin_bswap32(v_); memcpy((p), &v_, 4); } while (0)
#define SW16(p) do { uint16_t v_; memcpy(&v_, (p), 2); v_ = __builtin_bswap16(v_); memcpy((p), &v_, 2); } while (0)
    while (off + 12 <= len) {
        uint32_t t, l;
        memcpy(&t, data + off, 4);
        memcpy(&l, data + off + 4, 4);
        uint8_t *b = data + off;
        size_t opts = 0;
        if (t == 0x0A0D0D0A) {
            SW32(b + 8); SW16(b + 12); SW16(b + 14);
            uint64_t s; memcpy(&s, b + 16, 8); s = __builtin_bswap64(s); memcpy(b + 16, &s, 8);
            opts = 24;
        } else if (t == 1) {
            SW16(b + 8); SW16(b + 10); SW32(b + 12);
            opts = 16;
        } else if (t == 6) {
            uint32_t cap; memcpy(&cap, b + 20, 4);
            SW32(b + 8); SW32(b + 12); SW32(b + 16); SW32(b + 20); SW32(b + 24);
            opts = 28 + ((cap + 3) & ~3u);
        }
        while (opts + 4 <= l - 4) { /* swap option headers */
            uint16_t code, olen;
            memcpy(&code, b + opts, 2);
            memcpy(&olen, b + opts + 2, 2);
            SW16(b + opts); SW16(b + opts + 2);
            if (code == 0)
                break;
            opts += 4 + ((olen + 3u) & ~3u);
        }
        SW32(b); SW32(b + 4); SW32(b + l - 4);
        off += l;
    }
    const char *sw = tmp("swapped.pcapng");
    FILE *f = fopen(sw, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
    free(data);
    check_examples(sw);
}

static void check_zstd_corruption(const char *zpath)
{
    uint8_t *data;
    size_t len = slurp(zpath, &data);
    CHECK(len > 40 && data[0] == 0x28 && data[1] == 0xb5);
    nvt_error err;
    size_t events;
    /* The writer sets the frame's content checksum flag (frame header descriptor, byte 4,
     * bit 2), so damage that still decompresses cannot read as a clean trace. */
    CHECK(data[4] & 0x04);
    /* Flip a byte anywhere after the frame header: always an error naming the file and an
     * offset in the decompressed stream: zstd's own (corrupt data, checksum mismatch) or the
     * pcapng checks on the damaged content. Never a clean read. */
    size_t flips = 0, clean = 0, sums = 0;
    for (size_t pos = 12; pos < len; pos += 7) {
        uint8_t *c = malloc(len);
        memcpy(c, data, len);
        c[pos] ^= 0x5a;
        int rc = read_all_mem(c, len, 0, &events, &err);
        flips++;
        if (rc == 0) {
            clean++;
            fprintf(stderr, "flip at %zu read clean (%zu events)\n", pos, events);
        } else {
            CHECK(strstr(err.msg, "mem.pcapng") != NULL);
            CHECK(strstr(err.msg, "in the decompressed stream") != NULL);
            sums += strstr(err.msg, "content checksum mismatch") != NULL;
        }
        free(c);
    }
    CHECK(flips > 10);
    CHECK_EQ_U64(clean, 0);
    /* The last 4 bytes are the checksum itself: a flip there is a checksum mismatch. */
    uint8_t *c = malloc(len);
    memcpy(c, data, len);
    c[len - 2] ^= 0x01;
    CHECK(read_all_mem(c, len, 0, &events, &err) == NVT_E_ZSTD);
    CHECK(strstr(err.msg, "mem.pcapng: compressed offset") != NULL);
    CHECK(strstr(err.msg, "content checksum mismatch") != NULL);
    free(c);
    CHECK(sums > 0);
    /* Cut inside the only frame before any block completes: no section header. */
    int rc = read_all_mem(data, len - 5, 1, &events, &err);
    CHECK_EQ_U64(rc, NVT_E_TRUNCATED);
    CHECK(strstr(err.msg, "too short") != NULL);
    free(data);
}

/* A writer that flushed but never closed (the process died): strict reading reports the open
 * zstd frame, lenient reading returns every event written before the last flush. */
static void check_unclosed_zstd(void)
{
    const char *path = tmp("open.pcapng.zst");
    nvt_error err;
    nvt_writer *w = nvt_writer_open(path, NULL, &err);
    nvt_device d = test_device();
    nvt_writer_add_device(w, &d, &err);
    for (size_t i = 0; i < 3000; i++) {
        nvt_event ev = example_event(i % NEXAMPLES);
        ev.ts_ns = 1795403926000000000ull + i;
        nvt_writer_write(w, &ev, NULL, &err);
        if (i == 1999)
            CHECK(nvt_writer_flush(w, &err) == 0);
    }
    CHECK(nvt_writer_flush(w, &err) == 0);
    uint8_t *data;
    size_t len = slurp(path, &data);
    size_t events;
    CHECK_EQ_U64(read_all_mem(data, len, 0, &events, &err), NVT_E_TRUNCATED);
    CHECK(strstr(err.msg, "zstd frame") != NULL);
    CHECK_EQ_U64(read_all_mem(data, len, 1, &events, &err), 0);
    CHECK_EQ_U64(events, 3000);
    /* Cut in the middle of the second flush's data: the first 2000 events survive. */
    size_t cut = len - 20;
    CHECK_EQ_U64(read_all_mem(data, cut, 1, &events, &err), 0);
    CHECK(events >= 2000 && events < 3000);
    nvt_reader_opts o = {.allow_truncated = 1};
    nvt_reader *r = nvt_reader_open_mem(data, cut, "cut", &o, &err);
    nvt_event ev;
    while (nvt_reader_next(r, &ev, &err) == 1)
        ;
    CHECK(nvt_reader_truncated(r));
    nvt_reader_close(r);
    free(data);
    nvt_writer_close(w, &err);
    unlink(path);
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Reading memory stays constant whatever the file size: 2 M events zstd-compressed. */
static void check_constant_memory(void)
{
    const char *path = tmp("big.pcapng.zst");
    nvt_error err;
    nvt_writer *w = nvt_writer_open(path, NULL, &err);
    nvt_device d = test_device();
    nvt_writer_add_device(w, &d, &err);
    nvt_event ev = example_event(11); /* submission: 80-byte body */
    const size_t N = 2000000;
    for (size_t i = 0; i < N; i++) {
        ev.ts_ns = 1795403926000000000ull + i * 100;
        ev.u.sub.sqe[2] = (uint8_t)i;
        if (nvt_writer_write(w, &ev, NULL, &err) < 0)
            break;
    }
    CHECK(nvt_writer_close(w, &err) == 0);
    long before = maxrss_kb();
    nvt_reader *r = nvt_reader_open(path, &err);
    size_t n = 0;
    while (nvt_reader_next(r, &ev, &err) == 1)
        n++;
    nvt_reader_close(r);
    long grew = maxrss_kb() - before;
    CHECK_EQ_U64(n, N);
    printf("reading %zu events (%zu MB uncompressed) grew max RSS by %ld KiB\n", N,
           N * (28 + 20 + 96 + 4) >> 20, grew);
    CHECK(grew < 16 * 1024);
    unlink(path);
}

/* Packets written by other tools: tags in another order or with other tags before the
 * dissector name must decode (the reader's slow path); a packet for another dissector is
 * skipped and counted. */
static void check_foreign_tags(const char *path)
{
    uint8_t *data;
    size_t len = slurp(path, &data);
    size_t off = 0, epb = 0;
    while (off + 8 <= len) {
        uint32_t t, l;
        memcpy(&t, data + off, 4);
        memcpy(&l, data + off + 4, 4);
        if (t == 6) {
            epb = off;
            break;
        }
        off += l;
    }
    uint8_t out[4096];
    memcpy(out, data, epb); /* SHB + IDB */
    size_t n = epb;
    nvt_event ev = example_event(0);
    uint8_t rec[64];
    size_t rl = nvt_record_encode(&ev, rec, sizeof rec);
    static const uint8_t tags_a[] = {
        0x00, 0x0e, 0x00, 0x04, 0, 0, 0, 7,                      /* orig frame number tag */
        0x00, 0x0c, 0x00, 0x09, 'n', 'v', 'm', 'e', 't', 'r', 'a', 'c', 'e', /* unpadded name */
        0x00, 0x00, 0x00, 0x00};
    static const uint8_t tags_b[] = {0x00, 0x0c, 0x00, 0x04, 'u', 'd', 'p', 0, 0, 0, 0, 0};
    const uint8_t *tags[2] = {tags_a, tags_b};
    size_t tlen[2] = {sizeof tags_a, sizeof tags_b};
    for (int k = 0; k < 2; k++) {
        uint32_t cap = (uint32_t)(tlen[k] + rl), padded = (cap + 3) & ~3u;
        uint32_t total = 28 + padded + 4, type = 6, ifid = 0, hi = 0, lo = 1000;
        uint8_t *b = out + n;
        memcpy(b, &type, 4);
        memcpy(b + 4, &total, 4);
        memcpy(b + 8, &ifid, 4);
        memcpy(b + 12, &hi, 4);
        memcpy(b + 16, &lo, 4);
        memcpy(b + 20, &cap, 4);
        memcpy(b + 24, &cap, 4);
        memcpy(b + 28, tags[k], tlen[k]);
        memcpy(b + 28 + tlen[k], rec, rl);
        memset(b + 28 + cap, 0, padded - cap);
        memcpy(b + 28 + padded, &total, 4);
        n += total;
    }
    nvt_error err;
    nvt_reader *r = nvt_reader_open_mem(out, n, "tags", NULL, &err);
    CHECK(r != NULL);
    if (!r) {
        fprintf(stderr, "%s\n", err.msg);
        free(data);
        return;
    }
    nvt_event got;
    CHECK(nvt_reader_next(r, &got, &err) == 1);
    CHECK_EQ_U64(got.type, NVT_EV_CFG_READ);
    CHECK_EQ_U64(got.u.cfg.value, 0x00101b36);
    CHECK(nvt_reader_next(r, &got, &err) == 0);
    CHECK_EQ_U64(nvt_reader_foreign_packets(r), 1);
    nvt_reader_close(r);
    free(data);
}

static void check_device_mismatch(void)
{
    nvt_error err;
    nvt_writer *w = nvt_writer_open(tmp("nodev.pcapng"), NULL, &err);
    nvt_event ev = example_event(0);
    CHECK(nvt_writer_write(w, &ev, NULL, &err) == -1);
    CHECK(strstr(err.msg, "only 0 devices") != NULL);
    nvt_writer_close(w, &err);
    CHECK(nvt_writer_open("/nonexistent-dir/x.pcapng", NULL, &err) == NULL);
    CHECK(strstr(err.msg, "/nonexistent-dir/x.pcapng: cannot create") != NULL);
    CHECK(nvt_reader_open("/nonexistent-dir/x.pcapng", &err) == NULL);
    CHECK(strstr(err.msg, "/nonexistent-dir/x.pcapng: cannot open") != NULL);
}

/* Offset of the k-th (0-based) block of type in a little-endian pcapng image, or 0. */
static size_t block_offset(const uint8_t *data, size_t len, uint32_t type, size_t k)
{
    for (size_t off = 0; off + 8 <= len;) {
        uint32_t t, l;
        memcpy(&t, data + off, 4);
        memcpy(&l, data + off + 4, 4);
        if (t == type && k-- == 0)
            return off;
        if (l < 12)
            return 0;
        off += l;
    }
    return 0;
}

/* One schema value rule: example record `example` with bytes patched (record offsets), and
 * the reader's message; NULL = the patched record is valid (an edge of the rule). */
struct value_case {
    size_t example;
    struct { uint8_t off, val; } patch[3];
    const char *msg;
};

static const struct value_case value_cases[] = {
    /* CFGR/CFGW: sizes 1, 2, 4 within the 4 KiB configuration space, values that fit */
    {0, {{18, 8}}, "CFGR record: access size 8 is not 1, 2 or 4"},
    {0, {{18, 64}}, "CFGR record: access size 64 is not 1, 2 or 4"},
    {0, {{18, 127}}, "CFGR record: access size 127 is not 1, 2 or 4"},
    {0, {{18, 128}}, "CFGR record: access size 128 is not 1, 2 or 4"},
    {1, {{18, 3}}, "CFGW record: access size 3 is not 1, 2 or 4"},
    {0, {{16, 0xfe}, {17, 0x0f}}, "a 4-byte access at offset 0xffe runs past the 4096-byte"},
    {0, {{16, 0xfc}, {17, 0x0f}}, NULL},
    {0, {{18, 1}}, "CFGR record: value 0x101b36 does not fit a 1-byte access"},
    {0, {{18, 2}}, "CFGR record: value 0x101b36 does not fit a 2-byte access"},
    /* MMIOR/MMIOW: BAR 0-5, sizes 1, 2, 4, 8, values that fit */
    {2, {{17, 255}}, "MMIOR record: access size 255 is not 1, 2, 4 or 8"},
    {2, {{17, 16}}, "MMIOR record: access size 16 is not 1, 2, 4 or 8"},
    {2, {{17, 0}}, "MMIOR record: access size 0 is not 1, 2, 4 or 8"},
    {2, {{17, 8}}, NULL},
    {2, {{16, 6}}, "MMIOR record: BAR index 6 is not 0-5"},
    {2, {{16, 5}}, NULL},
    {4, {{28, 1}}, "MMIOW record: value 0x100460001 does not fit a 4-byte access"},
    {4, {{28, 1}, {17, 8}}, NULL},
    /* BARMAP/BARUNMAP: BAR 0-5 or 6 (expansion ROM), known flags */
    {5, {{16, 6}}, NULL},
    {5, {{16, 7}}, "BARMAP record: BAR index 7 is not 0-6"},
    {6, {{17, 0x0a}}, "BARUNMAP record: unknown BAR flags 0x0a"},
    /* DB */
    {7, {{18, 2}}, "DB record: SQ/CQ selector 2 is not 0 or 1"},
    /* MSIX: fields 0-5, read or write, entries within an MSI-X table (2048) / PBA (32) */
    {8, {{18, 6}}, "MSIX record: field 6 is not 0-5"},
    {8, {{19, 2}}, "MSIX record: read/write selector 2 is not 0 or 1"},
    {8, {{16, 0x00}, {17, 0x08}}, "MSIX record: table entry 2048 is beyond the 2048"},
    {8, {{16, 0xff}, {17, 0x07}}, NULL},
    {8, {{18, 4}, {16, 32}}, "MSIX record: PBA qword 32 is beyond the 32"},
    {8, {{18, 5}, {16, 31}}, NULL},
    /* MSIXCTL */
    {9, {{16, 2}}, "MSIXCTL record: enable 2 / function mask 0 are not 0 or 1"},
    {9, {{17, 3}}, "MSIXCTL record: enable 1 / function mask 3 are not 0 or 1"},
    {9, {{18, 0x01}, {19, 0x08}}, "MSIXCTL record: table size 2049 is beyond the 2048"},
    {9, {{18, 0x00}, {19, 0x08}}, NULL},
    /* IRQ: kinds 0-3, vectors an MSI-X table (2048), MSI (32) or INTx pin (4) can have */
    {10, {{16, 4}}, "IRQ record: interrupt kind 4 is not 0-3"},
    {10, {{18, 0x00}, {19, 0x08}}, "IRQ record: vector 2048 is beyond the 2048 an MSI-X"},
    {10, {{16, 1}, {18, 32}}, "IRQ record: vector 32 is beyond the 32 an MSI"},
    {10, {{16, 1}, {18, 31}}, NULL},
    {10, {{16, 2}, {18, 4}}, "IRQ record: vector 4 is beyond the 4 an INTx"},
    {10, {{16, 3}, {18, 3}}, NULL},
    /* SUB/CPL: full masks unless reconstructed, zero bytes outside the mask */
    {11, {{24, 0xfe}}, "SUB record: known-byte mask 0xfffffffffffffffe without the RECONSTRUCTED"},
    {12, {{36, 1}}, "SUB record: SQE bytes outside the known-byte mask are not zero"},
    {12, {{36, 1}, {24, 0x1f}}, NULL}, /* byte 4 now known */
    {13, {{20, 0xfe}}, "CPL record: known-byte mask 0xfffe without the RECONSTRUCTED"},
    {13, {{20, 0xfe}, {2, NVT_F_RECONSTRUCTED}, {24, 1}},
     "CPL record: CQE bytes outside the known-byte mask are not zero"},
    /* STATE 1-8, NOTE levels 0-3 and text without NUL, TRUNCATED on DMA records only */
    {16, {{16, 0}}, "STATE record: controller state 0 is not 1-8"},
    {16, {{16, 9}}, "STATE record: controller state 9 is not 1-8"},
    {16, {{16, 8}}, NULL},
    {17, {{16, 4}}, "NOTE record: level 4 is not 0-3"},
    {17, {{24, 0}}, "NOTE record: text holds a NUL byte at 4"},
    {0, {{2, NVT_F_TRUNCATED}}, "CFGR record has the TRUNCATED flag, which only DMA records"},
};

/* Every value rule, three ways: nvt_record_decode's verdict; the reader's error naming the
 * file and the offset of the block (record written at the raw level by a writer that allows
 * invalid records, after a valid one); and the default writer's refusal, in the same words,
 * leaving the file without the record. */
static void check_value_rules(void)
{
    const char *path = tmp("values.pcapng");
    for (size_t k = 0; k < sizeof value_cases / sizeof value_cases[0]; k++) {
        const struct value_case *vc = &value_cases[k];
        nvt_event ev = example_event(vc->example);
        uint8_t rec[256];
        size_t n = nvt_record_encode(&ev, rec, sizeof rec);
        for (size_t p = 0; p < 3 && vc->patch[p].off; p++)
            rec[vc->patch[p].off] = vc->patch[p].val;
        nvt_event back;
        char msg[300];
        int rc = nvt_record_decode(rec, n, &back, msg, sizeof msg);
        CHECK_EQ_U64(rc, vc->msg ? NVT_E_FORMAT : NVT_OK);
        if (!vc->msg && rc)
            fprintf(stderr, "case %zu: valid record rejected: %s\n", k, msg);
        if (vc->msg && rc && !strstr(msg, vc->msg)) {
            fprintf(stderr, "case %zu: '%s' lacks '%s'\n", k, msg, vc->msg);
            CHECK(0);
        }
        if (!vc->msg)
            continue;
        for (int strict = 0; strict < 2; strict++) {
            nvt_error err;
            nvt_writer_opts o = {.allow_invalid = !strict};
            nvt_writer *w = nvt_writer_open(path, &o, &err);
            nvt_device d = test_device();
            CHECK(nvt_writer_add_device(w, &d, &err) == 0);
            nvt_event first = example_event(7);
            CHECK(nvt_writer_write(w, &first, NULL, &err) == 0);
            int wrc = nvt_writer_write_raw(w, 0, 1, rec, n, &err);
            CHECK_EQ_U64(wrc, strict ? -1 : 0);
            if (strict) {
                CHECK_EQ_U64(err.code, NVT_E_ARG);
                CHECK(strstr(err.msg, "refusing to write an invalid record") != NULL);
                CHECK(strstr(err.msg, vc->msg) != NULL);
                /* the decoded event is refused by nvt_writer_write too */
                nvt_event bad;
                memset(&bad, 0, sizeof bad);
                int drc = nvt_record_decode(rec, n, &bad, msg, sizeof msg);
                CHECK(drc == NVT_E_FORMAT);
            }
            CHECK(nvt_writer_close(w, &err) == 0);
            uint8_t *data;
            size_t len = slurp(path, &data);
            size_t events;
            int rrc = read_all_mem(data, len, 0, &events, &err);
            if (strict) {
                CHECK_EQ_U64(rrc, 0); /* the valid record alone, no end marker: a warning */
                CHECK_EQ_U64(events, 1);
            } else {
                char want[400];
                snprintf(want, sizeof want, "mem.pcapng: offset %zu: ",
                         block_offset(data, len, 6, 1));
                CHECK_EQ_U64(rrc, NVT_E_FORMAT);
                CHECK_EQ_U64(events, 1);
                CHECK(strncmp(err.msg, want, strlen(want)) == 0);
                if (!strstr(err.msg, vc->msg)) {
                    fprintf(stderr, "case %zu: '%s' lacks '%s'\n", k, err.msg, vc->msg);
                    CHECK(0);
                }
            }
            free(data);
        }
    }
    unlink(path);
}

static int warnings_seen;
static char warning_text[512];

static void count_warning(void *ctx, const char *msg)
{
    CHECK(ctx == &warnings_seen);
    warnings_seen++;
    snprintf(warning_text, sizeof warning_text, "%s", msg);
}

/* Writes the examples but the last (the capture statistics), then the statistics saying
 * recorded (none if recorded is UINT64_MAX). */
static void write_with_stats(const char *path, uint64_t recorded)
{
    nvt_error err;
    nvt_writer *w = nvt_writer_open(path, NULL, &err);
    nvt_device d = test_device();
    CHECK(nvt_writer_add_device(w, &d, &err) == 0);
    for (size_t i = 0; i + 1 < NEXAMPLES; i++) {
        nvt_event ev = example_event(i);
        CHECK(nvt_writer_write(w, &ev, NULL, &err) == 0);
    }
    if (recorded != UINT64_MAX) {
        nvt_event st = example_event(NEXAMPLES - 1);
        st.u.stats.recorded = recorded;
        CHECK(nvt_writer_write(w, &st, NULL, &err) == 0);
    }
    CHECK(nvt_writer_close(w, &err) == 0);
}

/* Reads path to the end: the reader's return code, events, and its warning. */
static int read_to_end(const char *path, size_t *events, nvt_error *err, char *warning,
                       size_t wlen)
{
    nvt_reader *r = nvt_reader_open(path, err);
    if (!r)
        return -1;
    nvt_event ev;
    int rc;
    *events = 0;
    while ((rc = nvt_reader_next(r, &ev, err)) == 1)
        (*events)++;
    snprintf(warning, wlen, "%s", nvt_reader_warning(r) ? nvt_reader_warning(r) : "");
    nvt_reader_close(r);
    return rc;
}

/* The end marker: the final capture statistics. Present and right: no warning. Missing (a
 * trace cut exactly on a block boundary, or written without it): a warning, once, through
 * the handler too. Counting other than the records read: an error at the statistics block. */
static void check_end_marker(void)
{
    const char *path = tmp("end.pcapng");
    const char *zpath = tmp("end.pcapng.zst");
    nvt_error err;
    size_t events;
    char warning[512];
    nvt_set_warning_handler(count_warning, &warnings_seen);
    for (int z = 0; z < 2; z++) {
        const char *p = z ? zpath : path;
        warnings_seen = 0;
        write_with_stats(p, NEXAMPLES - 1);
        CHECK_EQ_U64(read_to_end(p, &events, &err, warning, sizeof warning), 0);
        CHECK_EQ_U64(events, NEXAMPLES);
        CHECK_STR(warning, "");
        CHECK_EQ_U64(warnings_seen, 0);

        write_with_stats(p, UINT64_MAX);
        CHECK_EQ_U64(read_to_end(p, &events, &err, warning, sizeof warning), 0);
        CHECK_EQ_U64(events, NEXAMPLES - 1);
        CHECK(strstr(warning, "the trace ends without its final statistics: cut short?") != NULL);
        CHECK(strncmp(warning, p, strlen(p)) == 0);
        CHECK_EQ_U64(warnings_seen, 1);
        CHECK_STR(warning_text, warning);
        CHECK((strstr(warning, "in the decompressed stream") != NULL) == z);

        write_with_stats(p, NEXAMPLES - 2);
        CHECK_EQ_U64(read_to_end(p, &events, &err, warning, sizeof warning), -1);
        CHECK_EQ_U64(err.code, NVT_E_FORMAT);
        CHECK(strstr(err.msg, "the final capture statistics say 17 events were recorded, but "
                              "the trace holds 18") != NULL);
        if (!z) {
            uint8_t *data;
            size_t len = slurp(p, &data);
            char want[600];
            snprintf(want, sizeof want, "%s: offset %zu: ", p, block_offset(data, len, 6, 18));
            CHECK(strncmp(err.msg, want, strlen(want)) == 0);
            /* Cut exactly before the statistics block: a shorter trace that reads clean,
             * but for the warning. */
            write_with_stats(p, NEXAMPLES - 1);
            free(data);
            len = slurp(p, &data);
            size_t cut = block_offset(data, len, 6, 18);
            CHECK(cut > 0);
            warnings_seen = 0;
            CHECK_EQ_U64(read_all_mem(data, cut, 0, &events, &err), 0);
            CHECK_EQ_U64(events, NEXAMPLES - 1);
            CHECK_EQ_U64(warnings_seen, 1);
            CHECK(strstr(warning_text, "mem.pcapng: the trace ends without its final "
                                       "statistics: cut short?") != NULL);
            free(data);
        }
    }
    nvt_set_warning_handler(NULL, NULL);
    unlink(path);
    unlink(zpath);
}

static void check_record_rules(void)
{
    uint8_t buf[256];
    char msg[256];
    nvt_event ev;
    /* DMA capture longer than the transfer, and a short capture without the truncated flag. */
    nvt_event d = example_event(15);
    size_t n = nvt_record_encode(&d, buf, sizeof buf);
    CHECK(nvt_record_decode(buf, n, &ev, msg, sizeof msg) == NVT_OK);
    buf[NVT_HDR_LEN + 8] = 4; /* len 4 < caplen 8 */
    CHECK(nvt_record_decode(buf, n, &ev, msg, sizeof msg) == NVT_E_FORMAT);
    n = nvt_record_encode(&d, buf, sizeof buf);
    buf[NVT_HDR_LEN + 8] = 100; /* len 100 > caplen 8, not flagged */
    CHECK(nvt_record_decode(buf, n, &ev, msg, sizeof msg) == NVT_E_FORMAT);
    CHECK(strstr(msg, "not flagged truncated") != NULL);
    /* Annotation length must match. */
    nvt_event a = example_event(17);
    n = nvt_record_encode(&a, buf, sizeof buf);
    CHECK(nvt_record_decode(buf, n - 1, &ev, msg, sizeof msg) == NVT_E_FORMAT);
    /* Unknown flags. */
    n = nvt_record_encode(&a, buf, sizeof buf);
    buf[3] = 0x80;
    CHECK(nvt_record_decode(buf, n, &ev, msg, sizeof msg) == NVT_E_FORMAT);
    /* Fixed-size body with an extra byte. */
    nvt_event c = example_event(0);
    n = nvt_record_encode(&c, buf, sizeof buf);
    CHECK(nvt_record_decode(buf, n + 1, &ev, msg, sizeof msg) == NVT_E_FORMAT);
    CHECK(nvt_record_encode(&c, buf, 10) == 0); /* too small a buffer */
    /* Type names round-trip. */
    for (unsigned t = 1; t <= NVT_EV_TYPE_MAX; t++)
        CHECK_EQ_U64(nvt_event_type_from_name(nvt_event_type_name(t)), t);
    CHECK(nvt_event_type_name(0) == NULL);
    CHECK(nvt_event_type_name(NVT_EV_TYPE_MAX + 1) == NULL);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/nvt-test-format-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    check_record_rules();
    check_value_rules();
    check_end_marker();
    /* tmp() reuses its buffers: keep our own copies of the paths used throughout. */
    char plain[512], zst[512];
    snprintf(plain, sizeof plain, "%s", tmp("ex.pcapng"));
    snprintf(zst, sizeof zst, "%s", tmp("ex.pcapng.zst"));
    write_examples(plain, NVT_COMPRESS_AUTO);
    write_examples(zst, NVT_COMPRESS_AUTO);
    check_examples(plain);
    check_examples(zst);
    const char *fast = tmp("fast.pcapng.zst"); /* zstd's negative (fast) levels */
    write_examples_level(fast, NVT_COMPRESS_AUTO, -5);
    check_examples(fast);
    unlink(fast);
    check_with_libpcap(plain);
    check_swapped(plain);
    check_truncations(plain, 0);
    check_truncations(zst, 1);
    check_corruptions(plain);
    check_zstd_corruption(zst);
    check_device_mismatch();
    check_foreign_tags(plain);
    check_unclosed_zstd();
    check_constant_memory();
    if (getenv("KEEP")) return 0;
    unlink(plain);
    unlink(zst);
    unlink(tmp("swapped.pcapng"));
    unlink(tmp("nodev.pcapng"));
    rmdir(tmpdir);
    TEST_DONE();
}

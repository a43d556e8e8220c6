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
    /* Flip bytes in the middle of the compressed data: an error naming the compressed offset,
     * or (if the flip lands somewhere harmless to zstd) the pcapng checks catch it. */
    size_t errors = 0;
    for (size_t pos = 12; pos < len; pos += 7) {
        uint8_t *c = malloc(len);
        memcpy(c, data, len);
        c[pos] ^= 0x5a;
        int rc = read_all_mem(c, len, 0, &events, &err);
        if (rc != 0) {
            errors++;
            CHECK(strstr(err.msg, "mem.pcapng") != NULL);
        }
        free(c);
    }
    CHECK(errors > 0);
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

#include "capture_util.h"

#include <dirent.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

char *scratch_dir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char buf[512];
    snprintf(buf, sizeof buf, "%s/nvt-%s-XXXXXX", base && *base ? base : "/tmp", tag);
    if (!mkdtemp(buf)) {
        fprintf(stderr, "mkdtemp %s: %s\n", buf, strerror(errno));
        exit(2);
    }
    return strdup(buf);
}

void scratch_remove(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[1024];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

const char *scratch_path(const char *dir, const char *name, int slot)
{
    static char bufs[8][1024];
    snprintf(bufs[slot & 7], sizeof bufs[0], "%s/%s", dir, name);
    return bufs[slot & 7];
}

int trace_load(const char *path, struct trace *t)
{
    memset(t, 0, sizeof *t);
    nvt_error err;
    nvt_reader *r = nvt_reader_open(path, &err);
    if (!r) {
        fprintf(stderr, "trace_load: %s\n", err.msg);
        return -1;
    }
    size_t cap = 0;
    nvt_event ev;
    int rc;
    while ((rc = nvt_reader_next(r, &ev, &err)) == 1) {
        if (t->n == cap) {
            cap = cap ? cap * 2 : 4096;
            t->v = realloc(t->v, cap * sizeof *t->v);
            if (!t->v)
                abort();
        }
        struct tev *c = &t->v[t->n++];
        c->raw = malloc(ev.raw_len);
        if (!c->raw)
            abort();
        memcpy(c->raw, ev.raw, ev.raw_len);
        c->ev = ev;
        char msg[256];
        nvt_record_decode(c->raw, ev.raw_len, &c->ev, msg, sizeof msg);
        c->ev.raw = c->raw;
    }
    for (size_t i = 0; i < nvt_reader_device_count(r) && i < 8; i++)
        t->dev[t->ndev++] = *nvt_reader_device(r, i);
    nvt_reader_close(r);
    if (rc < 0) {
        fprintf(stderr, "trace_load: %s\n", err.msg);
        return -1;
    }
    return 0;
}

void trace_free(struct trace *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].raw);
    free(t->v);
    memset(t, 0, sizeof *t);
}

/* Decompresses a .zst file next to itself (path + ".pcapng") for libpcap. */
static int zstd_decompress_file(const char *in, const char *out)
{
    FILE *fi = fopen(in, "rb"), *fo = fopen(out, "wb");
    if (!fi || !fo) {
        if (fi)
            fclose(fi);
        if (fo)
            fclose(fo);
        return -1;
    }
    ZSTD_DStream *ds = ZSTD_createDStream();
    size_t inCap = ZSTD_DStreamInSize(), outCap = ZSTD_DStreamOutSize();
    void *ib = malloc(inCap), *ob = malloc(outCap);
    int rc = 0;
    size_t n, last = 0;
    while ((n = fread(ib, 1, inCap, fi)) > 0) {
        ZSTD_inBuffer zin = {ib, n, 0};
        while (zin.pos < zin.size) {
            ZSTD_outBuffer zout = {ob, outCap, 0};
            last = ZSTD_decompressStream(ds, &zout, &zin);
            if (ZSTD_isError(last)) {
                fprintf(stderr, "%s: zstd: %s\n", in, ZSTD_getErrorName(last));
                rc = -1;
                goto done;
            }
            fwrite(ob, 1, zout.pos, fo);
        }
    }
    if (last != 0) {
        fprintf(stderr, "%s: zstd stream does not end with a complete frame\n", in);
        rc = -1;
    }
done:
    ZSTD_freeDStream(ds);
    free(ib);
    free(ob);
    fclose(fi);
    if (fclose(fo) != 0)
        rc = -1;
    return rc;
}

long pcap_read_all(const char *path, uint64_t **ts)
{
    char plain[1100];
    const char *p = path;
    size_t len = strlen(path);
    if (len > 4 && !strcmp(path + len - 4, ".zst")) {
        snprintf(plain, sizeof plain, "%s.pcapng", path);
        if (zstd_decompress_file(path, plain) < 0)
            return -1;
        p = plain;
    }
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline_with_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!pc) {
        fprintf(stderr, "libpcap: %s\n", errbuf);
        return -1;
    }
    long n = -1;
    if (pcap_datalink(pc) != NVT_LINKTYPE) {
        fprintf(stderr, "libpcap: %s: link type %d, expected %d\n", p, pcap_datalink(pc),
                NVT_LINKTYPE);
        goto out;
    }
    size_t cap = 0;
    uint64_t *v = NULL;
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    n = 0;
    while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
        if (ts) {
            if ((size_t)n == cap) {
                cap = cap ? cap * 2 : 4096;
                v = realloc(v, cap * sizeof *v);
                if (!v)
                    abort();
            }
            v[n] = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
        }
        n++;
    }
    if (rc == -1) {
        fprintf(stderr, "libpcap: %s: %s\n", p, pcap_geterr(pc));
        free(v);
        n = -1;
        goto out;
    }
    if (ts)
        *ts = v;
    else
        free(v);
out:
    pcap_close(pc);
    if (p != path)
        unlink(p);
    return n;
}

static long file_read(const char *path, char **out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 16, n = 0, k;
    char *b = malloc(cap);
    while ((k = fread(b + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap)
            b = realloc(b, cap *= 2);
    }
    fclose(f);
    *out = b;
    return (long)n;
}

int files_equal(const char *a, const char *b)
{
    char *x = NULL, *y = NULL;
    long n = file_read(a, &x), m = file_read(b, &y);
    int eq = n >= 0 && n == m && memcmp(x, y, (size_t)n) == 0;
    free(x);
    free(y);
    return eq;
}

int file_copy(const char *from, const char *to)
{
    char *x = NULL;
    long n = file_read(from, &x);
    if (n < 0)
        return -1;
    FILE *f = fopen(to, "wb");
    int rc = f && fwrite(x, 1, (size_t)n, f) == (size_t)n ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    free(x);
    return rc;
}

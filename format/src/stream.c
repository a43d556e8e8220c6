/* Buffered plain/zstd byte streams for the pcapng reader and writer. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>
#include <zstd_errors.h>

#include "stream.h"

static void set_errorv(nvt_error *err, int code, const char *name, uint64_t off,
                       const char *where, const char *fmt, va_list ap)
{
    char what[400];
    vsnprintf(what, sizeof what, fmt, ap);
    err->code = code;
    err->offset = off;
    if (off == UINT64_MAX)
        snprintf(err->msg, sizeof err->msg, "%s: %s", name, what);
    else
        snprintf(err->msg, sizeof err->msg, "%s: offset %llu%s: %s", name,
                 (unsigned long long)off, where, what);
}

void nvt_set_error(nvt_error *err, int code, const char *name, uint64_t off, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    set_errorv(err, code, name, off, "", fmt, ap);
    va_end(ap);
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* ---------------------------------------------------------------- output */

#define OS_BUF (256u << 10)

struct nvt_ostream {
    int fd;
    int own_fd;
    ZSTD_CCtx *cctx;      /* NULL: plain */
    uint8_t *buf;         /* pending uncompressed bytes */
    size_t len;
    uint8_t *zout;        /* compressed output staging */
    size_t zcap;
    uint64_t offset;      /* uncompressed bytes accepted */
    char name[256];
};

nvt_ostream *nvt_os_open(const char *path, int zstd, int zstd_level, nvt_error *err)
{
    nvt_ostream *os = calloc(1, sizeof *os);
    if (!os) {
        nvt_set_error(err, NVT_E_NOMEM, path, UINT64_MAX, "out of memory");
        return NULL;
    }
    int to_stdout = strcmp(path, "-") == 0;
    snprintf(os->name, sizeof os->name, "%s", to_stdout ? "<stdout>" : path);
    if (to_stdout) {
        os->fd = STDOUT_FILENO;
    } else {
        os->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        os->own_fd = 1;
    }
    if (os->fd < 0) {
        nvt_set_error(err, NVT_E_IO, os->name, UINT64_MAX, "cannot create: %s", strerror(errno));
        free(os);
        return NULL;
    }
    os->buf = malloc(OS_BUF);
    if (zstd) {
        os->cctx = ZSTD_createCCtx();
        os->zcap = ZSTD_CStreamOutSize();
        os->zout = malloc(os->zcap);
        if (os->cctx) {
            ZSTD_CCtx_setParameter(os->cctx, ZSTD_c_compressionLevel, zstd_level);
            /* The content checksum lets every reader (ours, zstd, tshark) detect corrupt data
             * that still decompresses: without it, damage reads as wrong events. */
            ZSTD_CCtx_setParameter(os->cctx, ZSTD_c_checksumFlag, 1);
        }
    }
    if (!os->buf || (zstd && (!os->cctx || !os->zout))) {
        nvt_set_error(err, NVT_E_NOMEM, os->name, UINT64_MAX, "out of memory");
        nvt_os_close(os, NULL);
        return NULL;
    }
    return os;
}

/* Compresses (or writes) the pending buffer; mode is a ZSTD_EndDirective. */
static int os_drain(nvt_ostream *os, ZSTD_EndDirective mode, nvt_error *err)
{
    if (!os->cctx) {
        if (os->len && write_all(os->fd, os->buf, os->len) < 0) {
            nvt_set_error(err, NVT_E_IO, os->name, os->offset, "write failed: %s", strerror(errno));
            return -1;
        }
        os->len = 0;
        return 0;
    }
    ZSTD_inBuffer in = {os->buf, os->len, 0};
    for (;;) {
        ZSTD_outBuffer out = {os->zout, os->zcap, 0};
        size_t rem = ZSTD_compressStream2(os->cctx, &out, &in, mode);
        if (ZSTD_isError(rem)) {
            nvt_set_error(err, NVT_E_ZSTD, os->name, os->offset, "zstd: %s", ZSTD_getErrorName(rem));
            return -1;
        }
        if (out.pos && write_all(os->fd, os->zout, out.pos) < 0) {
            nvt_set_error(err, NVT_E_IO, os->name, os->offset, "write failed: %s", strerror(errno));
            return -1;
        }
        int done = mode == ZSTD_e_continue ? in.pos == in.size : rem == 0;
        if (done)
            break;
    }
    os->len = 0;
    return 0;
}

uint8_t *nvt_os_reserve(nvt_ostream *os, size_t len, nvt_error *err)
{
    if (os->len + len > OS_BUF && os_drain(os, ZSTD_e_continue, err) < 0)
        return NULL;
    uint8_t *p = os->buf + os->len;
    os->len += len;
    os->offset += len;
    return p;
}

int nvt_os_write(nvt_ostream *os, const void *data, size_t len, nvt_error *err)
{
    const uint8_t *p = data;
    while (len) {
        size_t room = OS_BUF - os->len;
        if (!room) {
            if (os_drain(os, ZSTD_e_continue, err) < 0)
                return -1;
            room = OS_BUF;
        }
        size_t n = len < room ? len : room;
        memcpy(os->buf + os->len, p, n);
        os->len += n;
        os->offset += n;
        p += n;
        len -= n;
    }
    return 0;
}

int nvt_os_flush(nvt_ostream *os, nvt_error *err)
{
    return os_drain(os, ZSTD_e_flush, err);
}

uint64_t nvt_os_offset(const nvt_ostream *os) { return os->offset; }

int nvt_os_close(nvt_ostream *os, nvt_error *err)
{
    if (!os)
        return 0;
    int rc = 0;
    if (os->buf && os->fd >= 0)
        rc = os_drain(os, ZSTD_e_end, err);
    if (os->own_fd && os->fd >= 0 && close(os->fd) < 0 && rc == 0) {
        nvt_set_error(err, NVT_E_IO, os->name, os->offset, "close failed: %s", strerror(errno));
        rc = -1;
    }
    ZSTD_freeCCtx(os->cctx);
    free(os->zout);
    free(os->buf);
    free(os);
    return rc;
}

/* ----------------------------------------------------------------- input */

#define IS_BUF (1u << 20)

struct nvt_istream {
    int fd;                /* -1 for memory */
    int own_fd;
    const uint8_t *mem;    /* memory source */
    size_t mem_len, mem_pos;
    uint8_t *buf;          /* decoded bytes [pos, end) */
    size_t cap, pos, end;
    const uint8_t *view;   /* plain memory input is read in place: view = mem */
    uint64_t base;         /* stream offset of buf[0] (or of view[0]) */
    int eof;               /* source exhausted */
    ZSTD_DCtx *dctx;       /* NULL: plain */
    uint8_t *zin;
    size_t zin_cap, zin_pos, zin_len;
    uint64_t zoff;         /* compressed bytes consumed */
    size_t zret;           /* last ZSTD_decompressStream hint: 0 = at a frame boundary */
    char name[256];
};

/* Reads up to n raw (source) bytes into dst; returns bytes read, 0 at EOF, -1 on error. */
static ssize_t src_read(nvt_istream *is, uint8_t *dst, size_t n)
{
    if (is->fd < 0) {
        size_t left = is->mem_len - is->mem_pos;
        if (n > left)
            n = left;
        memcpy(dst, is->mem + is->mem_pos, n);
        is->mem_pos += n;
        return (ssize_t)n;
    }
    for (;;) {
        ssize_t r = read(is->fd, dst, n);
        if (r < 0 && errno == EINTR)
            continue;
        return r;
    }
}

nvt_istream *nvt_is_open(const char *path, const void *data, size_t len, const char *name,
                         nvt_error *err)
{
    nvt_istream *is = calloc(1, sizeof *is);
    const char *nm = name ? name : (path && strcmp(path, "-") ? path : "<stdin>");
    if (!is) {
        nvt_set_error(err, NVT_E_NOMEM, nm, UINT64_MAX, "out of memory");
        return NULL;
    }
    snprintf(is->name, sizeof is->name, "%s", nm);
    is->fd = -1;
    if (path) {
        if (strcmp(path, "-") == 0) {
            is->fd = STDIN_FILENO;
        } else {
            is->fd = open(path, O_RDONLY | O_CLOEXEC);
            is->own_fd = 1;
            if (is->fd < 0) {
                nvt_set_error(err, NVT_E_IO, is->name, UINT64_MAX, "cannot open: %s",
                              strerror(errno));
                free(is);
                return NULL;
            }
        }
    } else {
        is->mem = data;
        is->mem_len = len;
    }
    /* Sniff the first 4 bytes for the zstd frame magic (28 b5 2f fd). */
    uint8_t magic[4];
    size_t have = 0;
    while (have < 4) {
        ssize_t r = src_read(is, magic + have, 4 - have);
        if (r < 0) {
            nvt_set_error(err, NVT_E_IO, is->name, have, "read failed: %s", strerror(errno));
            nvt_is_close(is);
            return NULL;
        }
        if (r == 0)
            break;
        have += (size_t)r;
    }
    int zstd = have == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f &&
               magic[3] == 0xfd;
    if (!zstd && is->fd < 0) {
        /* Plain memory: read in place, no copy. */
        is->view = is->mem;
        is->end = is->mem_len;
        is->eof = 1;
        return is;
    }
    is->cap = IS_BUF;
    is->buf = malloc(is->cap);
    if (!is->buf) {
        nvt_set_error(err, NVT_E_NOMEM, is->name, UINT64_MAX, "out of memory");
        nvt_is_close(is);
        return NULL;
    }
    if (zstd) {
        is->dctx = ZSTD_createDCtx();
        is->zin_cap = ZSTD_DStreamInSize();
        is->zin = malloc(is->zin_cap);
        if (!is->dctx || !is->zin) {
            nvt_set_error(err, NVT_E_NOMEM, is->name, UINT64_MAX, "out of memory");
            nvt_is_close(is);
            return NULL;
        }
        /* Limit the window so a hostile frame header cannot make us allocate gigabytes. */
        ZSTD_DCtx_setParameter(is->dctx, ZSTD_d_windowLogMax, 27);
        memcpy(is->zin, magic, 4);
        is->zin_len = 4;
    } else {
        memcpy(is->buf, magic, have);
        is->end = have;
    }
    return is;
}

/* Appends decoded bytes to buf[end..cap). Returns bytes added, 0 at end of stream, -1 error. */
static ssize_t is_fill(nvt_istream *is, nvt_error *err)
{
    if (!is->dctx) {
        if (is->eof)
            return 0;
        ssize_t r = src_read(is, is->buf + is->end, is->cap - is->end);
        if (r < 0) {
            nvt_set_error(err, NVT_E_IO, is->name, is->base + is->end, "read failed: %s",
                          strerror(errno));
            return -1;
        }
        if (r == 0)
            is->eof = 1;
        is->end += (size_t)r;
        return r;
    }
    for (;;) {
        if (is->zin_pos == is->zin_len && !is->eof) {
            ssize_t r = src_read(is, is->zin, is->zin_cap);
            if (r < 0) {
                nvt_set_error(err, NVT_E_IO, is->name, UINT64_MAX,
                              "compressed offset %llu: read failed: %s",
                              (unsigned long long)is->zoff, strerror(errno));
                return -1;
            }
            is->zin_pos = 0;
            is->zin_len = (size_t)r;
            if (r == 0)
                is->eof = 1;
        }
        ZSTD_inBuffer in = {is->zin, is->zin_len, is->zin_pos};
        ZSTD_outBuffer out = {is->buf + is->end, is->cap - is->end, 0};
        size_t ret = ZSTD_decompressStream(is->dctx, &out, &in);
        if (ZSTD_isError(ret)) {
            int bad_sum = ZSTD_getErrorCode(ret) == ZSTD_error_checksum_wrong;
            nvt_set_error(err, NVT_E_ZSTD, is->name, UINT64_MAX,
                          "compressed offset %llu (offset %llu in the decompressed stream): %s: %s",
                          (unsigned long long)(is->zoff + in.pos - is->zin_pos),
                          (unsigned long long)(is->base + is->end),
                          bad_sum ? "zstd content checksum mismatch, the data is corrupt"
                                  : "corrupt zstd data",
                          ZSTD_getErrorName(ret));
            return -1;
        }
        /* Called with no input after a frame ended, zstd hints at the next frame's header:
         * only a call that made progress tells whether we are inside a frame. */
        if (in.pos != is->zin_pos || out.pos)
            is->zret = ret;
        is->zoff += in.pos - is->zin_pos;
        is->zin_pos = in.pos;
        is->end += out.pos;
        if (out.pos)
            return (ssize_t)out.pos;
        if (is->eof && is->zin_pos == is->zin_len)
            return 0; /* no more input and the decoder has nothing buffered */
    }
}

const uint8_t *nvt_is_peek(nvt_istream *is, size_t n, size_t *got, nvt_error *err)
{
    if (is->view) {
        size_t left = is->end - is->pos;
        if (left >= n) {
            *got = n;
            return is->view + is->pos;
        }
        *got = left;
        return NULL;
    }
    if (is->end - is->pos < n) {
        if (is->pos) { /* compact */
            memmove(is->buf, is->buf + is->pos, is->end - is->pos);
            is->base += is->pos;
            is->end -= is->pos;
            is->pos = 0;
        }
        if (n > is->cap) {
            size_t ncap = is->cap;
            while (ncap < n)
                ncap *= 2;
            uint8_t *nb = realloc(is->buf, ncap);
            if (!nb) {
                nvt_set_error(err, NVT_E_NOMEM, is->name, is->base, "out of memory");
                *got = SIZE_MAX;
                return NULL;
            }
            is->buf = nb;
            is->cap = ncap;
        }
        while (is->end - is->pos < n) {
            ssize_t r = is_fill(is, err);
            if (r < 0) {
                *got = SIZE_MAX;
                return NULL;
            }
            if (r == 0) {
                *got = is->end - is->pos;
                return NULL;
            }
        }
    }
    *got = n;
    return is->buf + is->pos;
}

void nvt_is_consume(nvt_istream *is, size_t n) { is->pos += n; }

uint64_t nvt_is_offset(const nvt_istream *is) { return is->base + is->pos; }

int nvt_is_compressed(const nvt_istream *is) { return is->dctx != NULL; }

int nvt_is_frame_incomplete(const nvt_istream *is) { return is->dctx && is->zret != 0; }

const char *nvt_is_name(const nvt_istream *is) { return is->name; }

void nvt_is_error(const nvt_istream *is, nvt_error *err, int code, uint64_t off, const char *fmt,
                  ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    set_errorv(err, code, is->name, off, is->dctx ? " in the decompressed stream" : "", fmt, ap);
    va_end(ap);
}

void nvt_is_close(nvt_istream *is)
{
    if (!is)
        return;
    if (is->own_fd && is->fd >= 0)
        close(is->fd);
    ZSTD_freeDCtx(is->dctx);
    free(is->zin);
    free(is->buf);
    free(is);
}

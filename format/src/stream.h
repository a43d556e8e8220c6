/* Buffered byte streams under the pcapng reader and writer: a file (plain or zstd) or memory.
 * Internal to libnvtformat. */
#ifndef NVT_STREAM_H
#define NVT_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "nvmetrace/format.h"

/* Fills err with "<name>: offset <off>: <formatted message>". off = UINT64_MAX: no offset. */
void nvt_set_error(nvt_error *err, int code, const char *name, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* ---- output ---- */
typedef struct nvt_ostream nvt_ostream;

/* Opens path for writing ("-" = stdout); zstd compresses at zstd_level (negative levels are
 * zstd's fast modes). */
nvt_ostream *nvt_os_open(const char *path, int zstd, int zstd_level, nvt_error *err);
/* Appends len bytes (buffered). 0 or -1. */
int nvt_os_write(nvt_ostream *os, const void *data, size_t len, nvt_error *err);
/* Reserves len contiguous bytes in the buffer and returns a pointer to them (NULL on error);
 * the bytes count as written. len must be <= 64 KiB. Avoids a copy for small blocks. */
uint8_t *nvt_os_reserve(nvt_ostream *os, size_t len, nvt_error *err);
/* Hands everything written to the kernel; zstd: ends the current block. */
int nvt_os_flush(nvt_ostream *os, nvt_error *err);
/* Flushes, ends the zstd frame, closes; frees os. */
int nvt_os_close(nvt_ostream *os, nvt_error *err);
/* Bytes written so far (uncompressed). */
uint64_t nvt_os_offset(const nvt_ostream *os);

/* ---- input ---- */
typedef struct nvt_istream nvt_istream;

/* Opens path ("-" = stdin) or memory (path NULL, data/len); detects zstd by its magic. */
nvt_istream *nvt_is_open(const char *path, const void *data, size_t len, const char *name,
                         nvt_error *err);
/* Makes n contiguous bytes available and returns a pointer to them, valid until the next
 * call. At the end of the stream returns NULL with *got = the bytes left (< n); on an error
 * (I/O, corrupt zstd data) returns NULL with *got = SIZE_MAX and err filled. The caller caps
 * n (blocks are at most NVT_MAX_BLOCK). */
const uint8_t *nvt_is_peek(nvt_istream *is, size_t n, size_t *got, nvt_error *err);
/* Consumes n bytes (n <= what the last peek returned). */
void nvt_is_consume(nvt_istream *is, size_t n);
/* Stream offset of the next unread byte (decompressed for zstd). */
uint64_t nvt_is_offset(const nvt_istream *is);
/* 1 if the stream is zstd-compressed. */
int nvt_is_compressed(const nvt_istream *is);
/* 1 if the stream ended inside a zstd frame (only meaningful after peek returned short). */
int nvt_is_frame_incomplete(const nvt_istream *is);
const char *nvt_is_name(const nvt_istream *is);
/* nvt_set_error for a failure at stream offset off of is: for a zstd stream the message says
 * the offset is one in the decompressed stream. */
void nvt_is_error(const nvt_istream *is, nvt_error *err, int code, uint64_t off, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));
void nvt_is_close(nvt_istream *is);

#define NVT_MAX_BLOCK (16u << 20) /* largest pcapng block the reader accepts */

#endif

/* Helpers shared by the capture tests: scratch directories, loading a trace, reading it back
 * with libpcap (the independent reader). */
#ifndef NVT_CAPTURE_UTIL_H
#define NVT_CAPTURE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "nvmetrace/format.h"

/* A trace read into memory; every event's pointers point into its own raw copy. */
struct tev {
    nvt_event ev;
    uint8_t *raw;
};
struct trace {
    size_t n;
    struct tev *v;
    size_t ndev;
    nvt_device dev[8];
};

/* Creates a fresh directory under $TMPDIR (or /tmp); the caller frees the string. */
char *scratch_dir(const char *tag);
/* Deletes the directory and the files in it. */
void scratch_remove(const char *dir);
/* path = dir/name, in a static buffer per slot (0..7). */
const char *scratch_path(const char *dir, const char *name, int slot);

/* Reads every event of path (strictly: a truncated or corrupt file is an error). Returns 0, or
 * -1 with a message on stderr. */
int trace_load(const char *path, struct trace *t);
void trace_free(struct trace *t);

/* Opens path with libpcap (nanosecond precision; a .zst file is decompressed first with
 * libzstd, as libpcap does not read zstd) and counts its packets. Checks the link type is
 * NVT_LINKTYPE. Returns the count, or -1 with a message on stderr. If ts is not NULL it gets
 * every packet's timestamp in ns (the caller frees it). */
long pcap_read_all(const char *path, uint64_t **ts);

/* 1 if the two files have the same bytes. */
int files_equal(const char *a, const char *b);
/* Copies a file; 0 or -1. */
int file_copy(const char *from, const char *to);

#endif

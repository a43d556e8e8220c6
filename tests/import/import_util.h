/* Helpers for the importer tests: an in-memory sink that keeps copies of what the importer
 * hands over, and loading the recorded QEMU logs of tests/import/data. */
#ifndef NVT_IMPORT_UTIL_H
#define NVT_IMPORT_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "nvmetrace/format.h"
#include "nvmetrace/import.h"

struct mem_event {
    nvt_event ev;
    char *text;      /* annotation text, NUL-terminated copy */
    char *comment;   /* EPB comment copy or NULL */
    uint8_t data[8]; /* DMA data copy (captured bytes) */
};

struct mem_sink {
    nvt_device devs[8];
    size_t ndevs;
    struct mem_event *evs;
    size_t nevs, cap;
    int fail_after; /* > 0: the write callback fails once this many events were taken */
};

/* Sets sink callbacks that append to m (zeroed by the caller). */
void mem_sink_init(struct mem_sink *m, nvt_import_sink *sink);
void mem_sink_free(struct mem_sink *m);
/* Number of events of a type. */
size_t mem_count(const struct mem_sink *m, unsigned type);

/* Reads a zstd-compressed file into a NUL-terminated malloc'd buffer; exits on failure. */
char *load_zst(const char *path, size_t *len);

/* Imports text in one call (opts may be NULL) into m; returns the feed/finish result and the
 * importer's stats in *st (if not NULL); err filled on failure. */
int import_text(const char *text, size_t len, const nvt_qemu_import_opts *opts,
                struct mem_sink *m, nvt_qemu_import_stats *st, nvt_error *err);

/* Number of lines of text whose event name is name (exact match after the "tid@ts:" prefix
 * of QEMU 7.2-10.0 or the "YYYY-MM-DDTHH:MM:SS.ffffffZ " prefix of 10.1+)
 * and, if arg_prefix is not NULL, whose arguments start with arg_prefix. */
size_t count_lines(const char *text, const char *name, const char *arg_prefix);

#endif

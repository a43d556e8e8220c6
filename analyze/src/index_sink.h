/* The index's writer (index_sink.c): rows handed over by the pass over the trace, written to
 * sqlite3 by a thread of their own, so reading, the model and the lint rules run on one core
 * while SQLite runs on another. */
#ifndef NVT_ANALYZE_INDEX_SINK_H
#define NVT_ANALYZE_INDEX_SINK_H

#include <sqlite3.h>
#include <stdint.h>

#include "nvmetrace/format.h"

/* One value of a row. Owned text and blobs are freed by the sink once written. */
struct cell {
    union {
        int64_t i;     /* CELL_INT */
        const void *p; /* text and blobs */
    };
    uint32_t len;
    uint8_t kind;
};
enum { CELL_NULL = 0, CELL_INT, CELL_TEXT, CELL_OWNED_TEXT, CELL_OWNED_BLOB };

/* The statements rows go to. EVENTS and COMMANDS are inserted many rows per statement. */
enum {
    S_EVENTS,
    S_COMMANDS,
    S_DEV,
    S_QSHADOW,
    S_QINS,
    S_QDEL,
    S_REG,
    S_BAR,
    S_IDENT,
    S_CTRL,
    S_NS,
    S_ANN,
    S_STATS,
    S_COUNT
};

#define EV_COLS 17
#define CMD_COLS 39

struct sink;

/* Prepares the statements (the schema must exist) and starts the writer thread (or writes
 * inline when a thread cannot be started). NULL with err filled on failure. */
struct sink *sink_open(sqlite3 *db, nvt_error *err);
/* Cells for one row of stmt, all NULL; valid until the next call. NULL once the sink has
 * failed (the error is reported by sink_close). */
struct cell *sink_row(struct sink *s, int stmt);
/* 1 once a write failed: the pass over the trace can stop early. */
int sink_failed(struct sink *s);
/* Writes everything handed over, stops the thread, finalizes the statements and frees s.
 * Returns 0, or -1 with err filled with the first failure. */
int sink_close(struct sink *s, nvt_error *err);

/* Cell setters. */
static inline void put(struct cell *r, int col, uint64_t v)
{
    r[col].i = (int64_t)v;
    r[col].kind = CELL_INT;
}

static inline void put_opt(struct cell *r, int col, int known, uint64_t v)
{
    if (known)
        put(r, col, v);
}

/* t must outlive the row (static storage); NULL leaves the cell NULL. */
static inline void put_text(struct cell *r, int col, const char *t)
{
    if (t) {
        r[col].p = t;
        r[col].kind = CELL_TEXT;
    }
}

/* Copies len bytes of text or blob into the row; -1 when out of memory. */
int put_copy(struct cell *r, int col, const void *data, uint32_t len, int blob);

#endif

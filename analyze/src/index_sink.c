/* The index writer: rows in chunks, handed from the pass over the trace to a thread that owns
 * the sqlite3 connection until sink_close. On one core the SQLite side costs about twice the
 * rest (reader, model, lint, building rows); overlapping the two is what keeps the import
 * above a million events a second.
 *
 * Events and commands go through multi-row INSERTs (32 and 16 rows per statement: the
 * per-statement cost of SQLite's VM dominates single-row inserts), and each parameter is bound
 * again only when its value changed (bindings survive sqlite3_reset; most cells repeat). */
#include "index_sink.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "walk.h"

#define CHUNK_OPS 8192
#define CHUNK_CELLS (CHUNK_OPS * 20)
#define MAX_CHUNKS 4

static const struct {
    const char *sql;
    int cols;
    int rows; /* > 1: batched multi-row insert into the table named in sql */
} stmts[S_COUNT] = {
    [S_EVENTS] = {"events", EV_COLS, 32},
    [S_COMMANDS] = {"commands", CMD_COLS, 16},
    [S_DEV] = {"INSERT INTO devices VALUES (?,?,?,?,?,?,?,?,?,?,NULL)", 10, 1},
    [S_QSHADOW] = {"UPDATE queues SET shadow = 1 WHERE device = ? AND deleted_event IS NULL", 1,
                   1},
    [S_QINS] = {"INSERT INTO queues (id, device, type, qid, size, cqid, vector, flags, "
                "contiguous, ien, priority, base, shadow, created_event, created_ts, created_by) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                16, 1},
    [S_QDEL] = {"UPDATE queues SET deleted_event = ?, deleted_ts = ?, deleted_by = ?, "
                "deleted_reason = ? WHERE id = ?",
                5, 1},
    [S_REG] = {"INSERT INTO registers VALUES (?,?,?,?,?,?,?,?)", 8, 1},
    [S_BAR] = {"INSERT INTO bars (event_id, ts_ns, device, bar, action, address, size, is64, "
               "is_io, value) VALUES (?,?,?,?,?,?,?,?,?,?)",
               10, 1},
    [S_IDENT] = {"INSERT OR REPLACE INTO identify VALUES (?,?,?,?,?,?,?)", 7, 1},
    [S_CTRL] = {"INSERT OR REPLACE INTO controllers VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", 15,
                1},
    [S_NS] = {"INSERT OR REPLACE INTO namespaces VALUES (?,?,?,?,?,?,?,?)", 8, 1},
    [S_ANN] = {"INSERT INTO annotations VALUES (?,?,?,?,?,?)", 6, 1},
    [S_STATS] = {"INSERT INTO capture_stats VALUES (?,?,?,?,?,?)", 6, 1},
};

struct op {
    uint16_t stmt;
    uint32_t first; /* index of its first cell in the chunk */
};

struct chunk {
    struct op ops[CHUNK_OPS];
    struct cell cells[CHUNK_CELLS];
    uint32_t nops, ncells;
    struct chunk *next;
};

/* One prepared statement and what its parameters are bound to now. */
struct target {
    sqlite3_stmt *one, *many;
    struct cell *bound_one, *bound_many;
    const struct cell **pending; /* batched rows not yet inserted (in the current chunk) */
    int n;
};

struct sink {
    sqlite3 *db;
    struct target t[S_COUNT];
    /* producer side */
    struct chunk *cur;
    /* hand-over */
    pthread_t thread;
    int threaded;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct chunk *full_head, *full_tail, *free_list;
    int nchunks, closing;
    int failed;          /* written by the writer, read by the producer (atomics) */
    int nomem;           /* producer side */
    nvt_error err;       /* the writer's first failure */
};

/* ------------------------------------------------------------------ writer ---- */

static void fail(struct sink *s, const char *what)
{
    if (!__atomic_load_n(&s->failed, __ATOMIC_ACQUIRE)) {
        set_err(&s->err, NVT_E_IO, "index: %s: %s", what, sqlite3_errmsg(s->db));
        __atomic_store_n(&s->failed, 1, __ATOMIC_RELEASE);
    }
}

static int same(const struct cell *a, const struct cell *b)
{
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case CELL_NULL:
        return 1;
    case CELL_INT:
        return a->i == b->i;
    case CELL_TEXT:
        return a->p == b->p;
    default:
        return 0; /* owned data is bound fresh every time */
    }
}

static void bind_cells(sqlite3_stmt *st, int base, const struct cell *r, struct cell *bound,
                       int cols)
{
    for (int c = 0; c < cols; c++) {
        struct cell *was = &bound[base + c];
        if (same(was, &r[c]))
            continue;
        int p = base + c + 1;
        switch (r[c].kind) {
        case CELL_INT:
            sqlite3_bind_int64(st, p, r[c].i);
            break;
        case CELL_TEXT:
            sqlite3_bind_text(st, p, r[c].p, -1, SQLITE_STATIC);
            break;
        case CELL_OWNED_TEXT:
            sqlite3_bind_text(st, p, r[c].p, (int)r[c].len, SQLITE_TRANSIENT);
            break;
        case CELL_OWNED_BLOB:
            sqlite3_bind_blob(st, p, r[c].p, (int)r[c].len, SQLITE_TRANSIENT);
            break;
        default:
            sqlite3_bind_null(st, p);
        }
        *was = r[c];
    }
}

static void run(struct sink *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        fail(s, what);
}

static void flush_pending(struct sink *s, int id)
{
    struct target *t = &s->t[id];
    int cols = stmts[id].cols;
    if (t->n == stmts[id].rows) {
        for (int r = 0; r < t->n; r++)
            bind_cells(t->many, r * cols, t->pending[r], t->bound_many, cols);
        run(s, t->many, stmts[id].sql);
    } else {
        for (int r = 0; r < t->n; r++) {
            bind_cells(t->one, 0, t->pending[r], t->bound_one, cols);
            run(s, t->one, stmts[id].sql);
        }
    }
    t->n = 0;
}

static void write_op(struct sink *s, int id, const struct cell *r)
{
    struct target *t = &s->t[id];
    int cols = stmts[id].cols;
    if (stmts[id].rows > 1) {
        t->pending[t->n] = r;
        if (++t->n == stmts[id].rows)
            flush_pending(s, id);
        return;
    }
    /* rows of other tables may refer to queued commands or events by id only, never by
     * foreign key, so they need not wait for the batches */
    bind_cells(t->one, 0, r, t->bound_one, cols);
    run(s, t->one, stmts[id].sql);
}

static void write_chunk(struct sink *s, struct chunk *c)
{
    for (uint32_t i = 0; i < c->nops; i++) {
        const struct cell *r = &c->cells[c->ops[i].first];
        if (!__atomic_load_n(&s->failed, __ATOMIC_ACQUIRE))
            write_op(s, c->ops[i].stmt, r);
    }
    /* batched rows point into this chunk: insert the rest before it is reused */
    for (int id = 0; id < S_COUNT; id++)
        if (stmts[id].rows > 1 && s->t[id].n && !__atomic_load_n(&s->failed, __ATOMIC_ACQUIRE))
            flush_pending(s, id);
    for (uint32_t i = 0; i < c->nops; i++) {
        struct cell *r = &c->cells[c->ops[i].first];
        for (int k = 0; k < stmts[c->ops[i].stmt].cols; k++)
            if (r[k].kind == CELL_OWNED_TEXT || r[k].kind == CELL_OWNED_BLOB)
                free((void *)r[k].p);
    }
    c->nops = c->ncells = 0;
}

static void recycle(struct sink *s, struct chunk *c)
{
    pthread_mutex_lock(&s->mu);
    c->next = s->free_list;
    s->free_list = c;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void *writer(void *arg)
{
    struct sink *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (!s->full_head && !s->closing)
            pthread_cond_wait(&s->cv, &s->mu);
        struct chunk *c = s->full_head;
        if (c) {
            s->full_head = c->next;
            if (!s->full_head)
                s->full_tail = NULL;
        }
        pthread_mutex_unlock(&s->mu);
        if (!c)
            break; /* closing and nothing left */
        write_chunk(s, c);
        recycle(s, c);
    }
    return NULL;
}

/* ---------------------------------------------------------------- producer ---- */

static void hand_over(struct sink *s, struct chunk *c)
{
    if (!s->threaded) {
        write_chunk(s, c);
        recycle(s, c);
        return;
    }
    pthread_mutex_lock(&s->mu);
    c->next = NULL;
    if (s->full_tail)
        s->full_tail->next = c;
    else
        s->full_head = c;
    s->full_tail = c;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* A free chunk; waits for the writer when MAX_CHUNKS are in flight. */
static struct chunk *take_free(struct sink *s)
{
    pthread_mutex_lock(&s->mu);
    while (!s->free_list && s->nchunks >= MAX_CHUNKS)
        pthread_cond_wait(&s->cv, &s->mu);
    struct chunk *c = s->free_list;
    if (c)
        s->free_list = c->next;
    else
        s->nchunks++;
    pthread_mutex_unlock(&s->mu);
    if (!c && !(c = malloc(sizeof *c))) {
        pthread_mutex_lock(&s->mu);
        s->nchunks--;
        pthread_mutex_unlock(&s->mu);
        return NULL;
    }
    c->nops = c->ncells = 0;
    c->next = NULL;
    return c;
}

struct cell *sink_row(struct sink *s, int stmt)
{
    if (s->nomem || __atomic_load_n(&s->failed, __ATOMIC_ACQUIRE))
        return NULL;
    int cols = stmts[stmt].cols;
    struct chunk *c = s->cur;
    if (c->nops == CHUNK_OPS || c->ncells + (uint32_t)cols > CHUNK_CELLS) {
        hand_over(s, c);
        if (!(c = s->cur = take_free(s))) {
            s->nomem = 1;
            return NULL;
        }
    }
    struct op *o = &c->ops[c->nops++];
    o->stmt = (uint16_t)stmt;
    o->first = c->ncells;
    struct cell *r = &c->cells[c->ncells];
    c->ncells += (uint32_t)cols;
    memset(r, 0, (size_t)cols * sizeof *r);
    return r;
}

int put_copy(struct cell *r, int col, const void *data, uint32_t len, int blob)
{
    void *p = malloc(len ? len : 1);
    if (!p)
        return -1;
    memcpy(p, data, len);
    r[col].p = p;
    r[col].len = len;
    r[col].kind = blob ? CELL_OWNED_BLOB : CELL_OWNED_TEXT;
    return 0;
}

int sink_failed(struct sink *s)
{
    return s->nomem || __atomic_load_n(&s->failed, __ATOMIC_ACQUIRE);
}

/* -------------------------------------------------------------- lifecycle ---- */

static char *batch_sql(const char *table, int cols, int rows)
{
    size_t len = 64 + (size_t)rows * ((size_t)cols * 2 + 3);
    char *sql = malloc(len);
    if (!sql)
        return NULL;
    size_t p = (size_t)snprintf(sql, len, "INSERT INTO %s VALUES ", table);
    for (int r = 0; r < rows; r++) {
        sql[p++] = r ? ',' : ' ';
        sql[p++] = '(';
        for (int c = 0; c < cols; c++) {
            sql[p++] = '?';
            sql[p++] = c + 1 < cols ? ',' : ')';
        }
    }
    sql[p] = 0;
    return sql;
}

static int prepare(struct sink *s, nvt_error *err)
{
    for (int i = 0; i < S_COUNT; i++) {
        struct target *t = &s->t[i];
        int cols = stmts[i].cols, rows = stmts[i].rows;
        t->bound_one = calloc((size_t)cols, sizeof *t->bound_one);
        if (!t->bound_one)
            goto nomem;
        if (rows == 1) {
            if (sqlite3_prepare_v2(s->db, stmts[i].sql, -1, &t->one, NULL) != SQLITE_OK)
                goto sqlfail;
            continue;
        }
        t->bound_many = calloc((size_t)cols * (size_t)rows, sizeof *t->bound_many);
        t->pending = calloc((size_t)rows, sizeof *t->pending);
        char *one = batch_sql(stmts[i].sql, cols, 1), *many = batch_sql(stmts[i].sql, cols, rows);
        int ok = t->bound_many && t->pending && one && many;
        if (ok && (sqlite3_prepare_v2(s->db, one, -1, &t->one, NULL) != SQLITE_OK ||
                   sqlite3_prepare_v2(s->db, many, -1, &t->many, NULL) != SQLITE_OK)) {
            free(one);
            free(many);
            goto sqlfail;
        }
        free(one);
        free(many);
        if (!ok)
            goto nomem;
    }
    return 0;
nomem:
    set_err(err, NVT_E_NOMEM, "out of memory");
    return -1;
sqlfail:
    set_err(err, NVT_E_IO, "index: prepare: %s", sqlite3_errmsg(s->db));
    return -1;
}

static void release(struct sink *s)
{
    for (int i = 0; i < S_COUNT; i++) {
        sqlite3_finalize(s->t[i].one);
        sqlite3_finalize(s->t[i].many);
        free(s->t[i].bound_one);
        free(s->t[i].bound_many);
        free(s->t[i].pending);
    }
    for (struct chunk *c = s->free_list, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(s->cur);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}

struct sink *sink_open(sqlite3 *db, nvt_error *err)
{
    struct sink *s = calloc(1, sizeof *s);
    if (!s) {
        set_err(err, NVT_E_NOMEM, "out of memory");
        return NULL;
    }
    s->db = db;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (prepare(s, err) < 0) {
        release(s);
        return NULL;
    }
    if (!(s->cur = take_free(s))) {
        set_err(err, NVT_E_NOMEM, "out of memory");
        release(s);
        return NULL;
    }
    /* Without a thread the rows are written as each chunk fills: slower, same result. */
    s->threaded = pthread_create(&s->thread, NULL, writer, s) == 0;
    return s;
}

int sink_close(struct sink *s, nvt_error *err)
{
    if (s->cur && s->cur->nops) {
        hand_over(s, s->cur);
        s->cur = NULL;
    }
    if (s->threaded) {
        pthread_mutex_lock(&s->mu);
        s->closing = 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
    }
    int rc = 0;
    if (s->failed) {
        *err = s->err;
        rc = -1;
    } else if (s->nomem) {
        set_err(err, NVT_E_NOMEM, "out of memory");
        rc = -1;
    }
    release(s);
    return rc;
}

/* nvt_stats_compute: statistics from an index (SQL for grouping, C for percentiles and the
 * queue-depth sweep). Percentiles use the nearest-rank method: the p-th percentile of n sorted
 * latencies is the one at rank ceil(p/100 * n). */
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nvmetrace/analyze.h"
#include "nvmetrace/nvme.h"
#include "stats_internal.h"
#include "walk.h"

/* ------------------------------------------------------------------ helpers ---- */

int sql_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **s, nvt_error *err)
{
    if (sqlite3_prepare_v2(db, sql, -1, s, NULL) != SQLITE_OK) {
        set_err(err, NVT_E_FORMAT, "index query failed: %s (is this an nvmetrace index?)",
                sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

int sql_done(sqlite3 *db, sqlite3_stmt *s, int rc, nvt_error *err)
{
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        set_err(err, NVT_E_IO, "index query failed: %s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

int sql_u64(sqlite3 *db, const char *sql, uint64_t *out, nvt_error *err)
{
    sqlite3_stmt *s;
    if (sql_prepare(db, sql, &s, err) < 0)
        return -1;
    int rc = sqlite3_step(s);
    *out = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(s, 0) : 0;
    if (rc == SQLITE_ROW)
        rc = SQLITE_DONE;
    return sql_done(db, s, rc, err);
}

/* Grows *arr (of *n elements of size sz) by one zeroed element; NULL when out of memory. */
void *grow(void *arr_p, size_t *n, size_t sz)
{
    void **arr = arr_p;
    /* capacity is 8, then doubles whenever n reaches a power of two */
    if (*n == 0 || (*n >= 8 && (*n & (*n - 1)) == 0)) {
        size_t want = *n ? *n * 2 : 8;
        void *p = realloc(*arr, want * sz);
        if (!p)
            return NULL;
        *arr = p;
    }
    void *e = (char *)*arr + *n * sz;
    memset(e, 0, sz);
    (*n)++;
    return e;
}

static uint64_t rank(const uint64_t *v, size_t n, double p)
{
    size_t r = (size_t)ceil(p / 100.0 * (double)n);
    if (r < 1)
        r = 1;
    return v[r - 1];
}

void latency_fill(nvt_latency *l, const uint64_t *sorted, size_t n)
{
    memset(l, 0, sizeof *l);
    l->count = n;
    if (!n)
        return;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)sorted[i];
    l->mean_ns = sum / (double)n;
    l->min_ns = sorted[0];
    l->max_ns = sorted[n - 1];
    l->p50_ns = rank(sorted, n, 50);
    l->p90_ns = rank(sorted, n, 90);
    l->p99_ns = rank(sorted, n, 99);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void opcode_label(int admin, int opcode, char *buf, size_t len)
{
    if (opcode < 0)
        snprintf(buf, len, "%s opcode unknown", admin ? "admin" : "I/O");
    else
        nvt_opcode_label(admin, (uint8_t)opcode, buf, len);
}

/* ----------------------------------------------------------------- opcodes ---- */

static int opcode_stats(sqlite3 *db, nvt_stats *st, nvt_error *err)
{
    sqlite3_stmt *s;
    if (sql_prepare(db,
                    "SELECT device, admin, opcode, count(*), "
                    "  sum(end_reason != 'completed'), "
                    "  sum(status IS NOT NULL AND (status & 2047) != 0) "
                    "FROM commands GROUP BY device, admin, opcode "
                    "ORDER BY device, admin DESC, opcode",
                    &s, err) < 0)
        return -1;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        nvt_opcode_stats *o = grow(&st->opcodes, &st->nopcodes, sizeof *o);
        if (!o) {
            sqlite3_finalize(s);
            set_err(err, NVT_E_NOMEM, "out of memory");
            return -1;
        }
        o->device = (uint32_t)sqlite3_column_int64(s, 0);
        o->admin = sqlite3_column_int(s, 1);
        o->opcode = sqlite3_column_type(s, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 2);
        o->count = (uint64_t)sqlite3_column_int64(s, 3);
        o->incomplete = (uint64_t)sqlite3_column_int64(s, 4);
        o->errors = (uint64_t)sqlite3_column_int64(s, 5);
        opcode_label(o->admin, o->opcode, o->name, sizeof o->name);
    }
    if (sql_done(db, s, rc, err) < 0)
        return -1;
    /* latencies: one sorted pass, in the order of the groups above (NULL opcodes first) */
    if (sql_prepare(db,
                    "SELECT device, admin, opcode, latency_ns FROM commands WHERE latency_ns IS "
                    "NOT NULL ORDER BY device, admin DESC, opcode, latency_ns",
                    &s, err) < 0)
        return -1;
    uint64_t *v = NULL;
    size_t cap = 0, n = 0, g = SIZE_MAX;
    for (;;) {
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
            if (g != SIZE_MAX)
                latency_fill(&st->opcodes[g].latency, v, n);
            break;
        }
        uint32_t dev = (uint32_t)sqlite3_column_int64(s, 0);
        int admin = sqlite3_column_int(s, 1);
        int opc = sqlite3_column_type(s, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 2);
        if (g == SIZE_MAX || st->opcodes[g].device != dev || st->opcodes[g].admin != admin ||
            st->opcodes[g].opcode != opc) {
            if (g != SIZE_MAX)
                latency_fill(&st->opcodes[g].latency, v, n);
            n = 0;
            /* the groups come in the same order: the next one with this key */
            for (g = g == SIZE_MAX ? 0 : g + 1; g < st->nopcodes; g++)
                if (st->opcodes[g].device == dev && st->opcodes[g].admin == admin &&
                    st->opcodes[g].opcode == opc)
                    break;
            if (g == st->nopcodes) { /* cannot happen: both queries read one table */
                g = SIZE_MAX;
                continue;
            }
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            uint64_t *p = realloc(v, cap * sizeof *v);
            if (!p) {
                free(v);
                sqlite3_finalize(s);
                set_err(err, NVT_E_NOMEM, "out of memory");
                return -1;
            }
            v = p;
        }
        v[n++] = (uint64_t)sqlite3_column_int64(s, 3);
    }
    free(v);
    return sql_done(db, s, rc, err);
}

/* ------------------------------------------------------------------ queues ---- */

/* Sweeps one queue's submissions and completions: max and time-weighted mean depth.
 * starts are sorted; ends (completion times, or the trace's end for incomplete commands)
 * are sorted here. */
void depth_sweep(uint64_t *starts, uint64_t *ends, size_t n, uint32_t *max_depth,
                 double *mean_depth)
{
    qsort(ends, n, sizeof *ends, cmp_u64);
    size_t i = 0, j = 0;
    uint32_t depth = 0, maxd = 0;
    uint64_t t0 = n ? starts[0] : 0, last = t0;
    double area = 0;
    while (i < n || j < n) {
        /* completions at the same instant as a submission are applied first: a command that
         * ends when the next starts does not overlap it */
        int take_end = j < n && (i >= n || ends[j] <= starts[i]);
        uint64_t t = take_end ? ends[j] : starts[i];
        area += (double)depth * (double)(t - last);
        last = t;
        if (take_end) {
            if (depth)
                depth--;
            j++;
        } else {
            depth++;
            if (depth > maxd)
                maxd = depth;
            i++;
        }
    }
    *max_depth = maxd;
    uint64_t span = last - t0;
    *mean_depth = span ? area / (double)span : (double)maxd;
}

int queue_walk(sqlite3 *db, queue_fn fn, void *ctx, nvt_error *err)
{
    sqlite3_stmt *s;
    if (sql_prepare(db,
                    "SELECT device, sqid, sub_ts, coalesce(cpl_ts, (SELECT value FROM trace "
                    "WHERE key = 'last_ns')), latency_ns FROM commands "
                    "ORDER BY device, sqid, sub_ts",
                    &s, err) < 0)
        return -1;
    uint64_t *starts = NULL, *ends = NULL, *lat = NULL;
    size_t n = 0, nlat = 0, cap = 0;
    uint32_t dev = 0, sqid = 0;
    int rc, ok = 1;
    for (;;) {
        rc = sqlite3_step(s);
        uint32_t d2 = 0, q2 = 0;
        if (rc == SQLITE_ROW) {
            d2 = (uint32_t)sqlite3_column_int64(s, 0);
            q2 = (uint32_t)sqlite3_column_int64(s, 1);
        }
        if (n && (rc != SQLITE_ROW || d2 != dev || q2 != sqid)) {
            if (fn(ctx, dev, sqid, starts, ends, n, lat, nlat) < 0) {
                ok = -1;
                break;
            }
            n = nlat = 0;
        }
        if (rc != SQLITE_ROW)
            break;
        if (n == cap) {
            size_t want = cap ? cap * 2 : 1024;
            uint64_t *a = realloc(starts, want * sizeof *a);
            if (a)
                starts = a;
            uint64_t *b = a ? realloc(ends, want * sizeof *b) : NULL;
            if (b)
                ends = b;
            uint64_t *c = b ? realloc(lat, want * sizeof *c) : NULL;
            if (c)
                lat = c;
            if (!c) {
                ok = 0;
                break;
            }
            cap = want;
        }
        dev = d2;
        sqid = q2;
        starts[n] = (uint64_t)sqlite3_column_int64(s, 2);
        ends[n] = (uint64_t)sqlite3_column_int64(s, 3);
        if (ends[n] < starts[n])
            ends[n] = starts[n];
        n++;
        if (sqlite3_column_type(s, 4) != SQLITE_NULL)
            lat[nlat++] = (uint64_t)sqlite3_column_int64(s, 4);
    }
    free(starts);
    free(ends);
    free(lat);
    if (ok <= 0) {
        sqlite3_finalize(s);
        if (!ok)
            set_err(err, NVT_E_NOMEM, "out of memory");
        return -1;
    }
    return sql_done(db, s, rc, err);
}

struct qctx {
    nvt_stats *st;
    nvt_error *err;
};

static int one_queue(void *ctx, uint32_t dev, uint32_t sqid, uint64_t *starts, uint64_t *ends,
                     size_t n, uint64_t *lat, size_t nlat)
{
    struct qctx *c = ctx;
    nvt_queue_stats *q = grow(&c->st->queues, &c->st->nqueues, sizeof *q);
    if (!q) {
        set_err(c->err, NVT_E_NOMEM, "out of memory");
        return -1;
    }
    q->device = dev;
    q->sqid = sqid;
    q->commands = n;
    depth_sweep(starts, ends, n, &q->max_depth, &q->mean_depth);
    qsort(lat, nlat, sizeof *lat, cmp_u64);
    latency_fill(&q->latency, lat, nlat);
    return 0;
}

static int queue_stats(sqlite3 *db, nvt_stats *st, nvt_error *err)
{
    struct qctx c = {st, err};
    return queue_walk(db, one_queue, &c, err);
}

/* --------------------------------------------------------- vectors, errors, bytes ---- */

static int vector_stats(sqlite3 *db, nvt_stats *st, nvt_error *err)
{
    /* Interrupts per vector (INTx asserts as 0xffff), and the completions that signal
     * through it (commands.irq_vector: the CQ's vector while MSI-X is enabled, else the pin;
     * completions on CQs with interrupts disabled count nowhere). */
    sqlite3_stmt *s;
    if (sql_prepare(db,
                    "WITH irq AS (SELECT device, CASE WHEN kind >= 2 THEN 65535 ELSE vector END "
                    "  AS vector, count(*) AS n FROM interrupts WHERE kind != 3 "
                    "  GROUP BY 1, 2), "
                    "cpl AS (SELECT device, irq_vector AS vector, count(*) AS n FROM commands "
                    "  WHERE end_reason = 'completed' AND irq_vector IS NOT NULL GROUP BY 1, 2) "
                    "SELECT device, vector, sum(i), sum(c) FROM ("
                    "  SELECT device, vector, n AS i, 0 AS c FROM irq UNION ALL "
                    "  SELECT device, vector, 0, n FROM cpl) GROUP BY 1, 2 ORDER BY 1, 2",
                    &s, err) < 0)
        return -1;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        nvt_vector_stats *v = grow(&st->vectors, &st->nvectors, sizeof *v);
        if (!v) {
            sqlite3_finalize(s);
            set_err(err, NVT_E_NOMEM, "out of memory");
            return -1;
        }
        v->device = (uint32_t)sqlite3_column_int64(s, 0);
        v->vector = (uint32_t)sqlite3_column_int64(s, 1);
        v->interrupts = (uint64_t)sqlite3_column_int64(s, 2);
        v->completions = (uint64_t)sqlite3_column_int64(s, 3);
    }
    return sql_done(db, s, rc, err);
}

static int status_stats(sqlite3 *db, nvt_stats *st, nvt_error *err)
{
    sqlite3_stmt *s;
    if (sql_prepare(db,
                    "SELECT device, sct, sc, count(*) FROM commands WHERE status IS NOT NULL "
                    "AND (status & 2047) != 0 GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC, 2, 3",
                    &s, err) < 0)
        return -1;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        nvt_status_stats *e = grow(&st->statuses, &st->nstatuses, sizeof *e);
        if (!e) {
            sqlite3_finalize(s);
            set_err(err, NVT_E_NOMEM, "out of memory");
            return -1;
        }
        e->device = (uint32_t)sqlite3_column_int64(s, 0);
        e->sct = sqlite3_column_int(s, 1);
        e->sc = sqlite3_column_int(s, 2);
        e->count = (uint64_t)sqlite3_column_int64(s, 3);
        const char *n = nvt_status_name((uint8_t)e->sct, (uint8_t)e->sc);
        if (n)
            snprintf(e->name, sizeof e->name, "%s", n);
        else
            snprintf(e->name, sizeof e->name, "SCT %d SC 0x%02x", e->sct, e->sc);
    }
    return sql_done(db, s, rc, err);
}

static int io_stats(sqlite3 *db, nvt_stats *st, nvt_error *err)
{
    /* Data direction is opcode bits 1:0 (NVMe base spec, opcode layout): 01b host to
     * controller (Write, Compare), 10b controller to host (Read). Successful commands only. */
    sqlite3_stmt *s;
    if (sql_prepare(db,
                    "SELECT device, opcode & 3, count(*), sum(nlb), sum(bytes), "
                    "  sum(bytes IS NULL) FROM commands "
                    "WHERE admin = 0 AND opcode IN (1, 2, 5) AND nlb IS NOT NULL "
                    "  AND end_reason = 'completed' AND (status IS NULL OR (status & 2047) = 0) "
                    "GROUP BY 1, 2 ORDER BY 1, 2",
                    &s, err) < 0)
        return -1;
    int rc;
    nvt_io_bytes *io = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        uint32_t dev = (uint32_t)sqlite3_column_int64(s, 0);
        if (!io || io->device != dev) {
            io = grow(&st->io, &st->nio, sizeof *io);
            if (!io) {
                sqlite3_finalize(s);
                set_err(err, NVT_E_NOMEM, "out of memory");
                return -1;
            }
            io->device = dev;
            io->bytes_known = 1;
        }
        int dir = sqlite3_column_int(s, 1);
        uint64_t cmds = (uint64_t)sqlite3_column_int64(s, 2);
        uint64_t blocks = (uint64_t)sqlite3_column_int64(s, 3);
        uint64_t bytes = (uint64_t)sqlite3_column_int64(s, 4);
        if (sqlite3_column_int64(s, 5) != 0)
            io->bytes_known = 0;
        if (dir == 2) {
            io->read_cmds += cmds;
            io->read_blocks += blocks;
            io->read_bytes += bytes;
        } else {
            io->write_cmds += cmds;
            io->write_blocks += blocks;
            io->write_bytes += bytes;
        }
    }
    for (size_t i = 0; i < st->nio; i++)
        if (!st->io[i].bytes_known)
            st->io[i].read_bytes = st->io[i].write_bytes = 0;
    return sql_done(db, s, rc, err);
}

int nvt_db_coverage(sqlite3 *db, nvt_coverage *c, nvt_error *err)
{
    memset(c, 0, sizeof *c);
    if (sql_u64(db, "SELECT value FROM trace WHERE key = 'events'", &c->events, err) < 0 ||
        sql_u64(db, "SELECT count(*) FROM devices", &c->devices, err) < 0 ||
        sql_u64(db, "SELECT count(*) FROM commands", &c->commands, err) < 0 ||
        sql_u64(db, "SELECT count(*) FROM completions", &c->completions, err) < 0 ||
        sql_u64(db, "SELECT count(*) FROM events WHERE type BETWEEN 1 AND 4",
                &c->register_accesses, err) < 0)
        return -1;
    sqlite3_stmt *s;
    /* totals since the capture started: the last record counts */
    if (sql_prepare(db, "SELECT recorded, dropped, warnings FROM capture_stats "
                        "ORDER BY event_id DESC LIMIT 1", &s, err) < 0)
        return -1;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        c->have_capture_stats = 1;
        c->recorded = (uint64_t)sqlite3_column_int64(s, 0);
        c->dropped = (uint64_t)sqlite3_column_int64(s, 1);
        c->importer_warnings = (uint64_t)sqlite3_column_int64(s, 2);
        rc = SQLITE_DONE;
    }
    return sql_done(db, s, rc, err);
}

int nvt_stats_compute(sqlite3 *db, nvt_stats **out, nvt_error *err)
{
    *out = NULL;
    nvt_stats *st = calloc(1, sizeof *st);
    if (!st) {
        set_err(err, NVT_E_NOMEM, "out of memory");
        return -1;
    }
    uint64_t irq_total = 0, cpl_total = 0;
    if (sql_u64(db, "SELECT value FROM trace WHERE key = 'events'", &st->events, err) < 0 ||
        sql_u64(db, "SELECT value FROM trace WHERE key = 'first_ns'", &st->first_ns, err) < 0 ||
        sql_u64(db, "SELECT value FROM trace WHERE key = 'last_ns'", &st->last_ns, err) < 0 ||
        sql_u64(db, "SELECT count(*) FROM commands", &st->commands, err) < 0 ||
        sql_u64(db, "SELECT count(*) FROM completions", &cpl_total, err) < 0 ||
        sql_u64(db, "SELECT count(*) FROM interrupts WHERE kind != 3", &irq_total, err) < 0 ||
        opcode_stats(db, st, err) < 0 || queue_stats(db, st, err) < 0 ||
        vector_stats(db, st, err) < 0 || status_stats(db, st, err) < 0 ||
        io_stats(db, st, err) < 0) {
        nvt_stats_free(st);
        return -1;
    }
    if (nvt_db_coverage(db, &st->cov, err) < 0) {
        nvt_stats_free(st);
        return -1;
    }
    st->completions = cpl_total;
    st->interrupts = irq_total;
    st->interrupts_per_completion = cpl_total ? (double)irq_total / (double)cpl_total : 0;
    *out = st;
    return 0;
}

void nvt_stats_free(nvt_stats *st)
{
    if (!st)
        return;
    free(st->opcodes);
    free(st->queues);
    free(st->vectors);
    free(st->statuses);
    free(st->io);
    free(st);
}

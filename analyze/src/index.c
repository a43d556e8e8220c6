/* nvt_index_build: a trace into an sqlite3 database (schema: index_schema.h, docs/sql.md).
 *
 * Speed comes from one transaction with journal and fsync off, 64 KiB pages, prepared
 * statements, events inserted 32 rows per statement (the per-statement cost of SQLite's VM
 * dominates single-row inserts), and secondary indexes built once at the end. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index_schema.h"
#include "nvmetrace/analyze.h"
#include "nvmetrace/nvme.h"
#include "walk.h"

#define EV_COLS 17
#define EV_BATCH 32

enum { C_ID, C_TS, C_DEV, C_TYPE, C_FLAGS, C_THREAD, C_SEQ, C_BAR, C_OFFSET, C_SIZE, C_VALUE,
       C_ADDR, C_QID, C_CID, C_VECTOR, C_KIND, C_COMMAND };

/* A row waiting in a batch: each cell NULL, an integer or a string with static storage. */
struct cell {
    int64_t i;
    const char *t;
    uint8_t kind; /* 0 NULL, 1 integer, 2 static text */
};

/* Rows inserted ROWS at a time through one multi-row INSERT; the rest one by one. */
struct batch {
    sqlite3_stmt *one, *many;
    int cols, rows, n;
    struct cell *cells;
    /* What each statement parameter is bound to now: bindings survive sqlite3_reset, and
     * most cells repeat (NULLs, device, flags), so only changed ones are bound again. */
    struct cell *bound_one, *bound_many;
    const char *what;
};

enum { S_DEV, S_QSHADOW, S_QINS, S_QDEL, S_REG, S_BAR, S_IDENT, S_CTRL, S_NS, S_ANN,
       S_STATS, S_FINDING, S_COUNT };

static const char *const stmt_sql[S_COUNT] = {
    [S_DEV] = "INSERT INTO devices VALUES (?,?,?,?,?,?,?,?,?,?,NULL)",
    [S_QSHADOW] = "UPDATE queues SET shadow = 1 WHERE device = ? AND deleted_event IS NULL",
    [S_QINS] = "INSERT INTO queues (device, type, qid, size, cqid, vector, flags, contiguous, "
               "ien, priority, base, shadow, created_event, created_ts, created_by) "
               "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [S_QDEL] = "UPDATE queues SET deleted_event = ?, deleted_ts = ?, deleted_by = ?, "
               "deleted_reason = ? WHERE id = ?",
    [S_REG] = "INSERT INTO registers VALUES (?,?,?,?,?,?,?,?)",
    [S_BAR] = "INSERT INTO bars (event_id, ts_ns, device, bar, action, address, size, is64, "
              "is_io, value) VALUES (?,?,?,?,?,?,?,?,?,?)",
    [S_IDENT] = "INSERT OR REPLACE INTO identify VALUES (?,?,?,?,?,?,?)",
    [S_CTRL] = "INSERT OR REPLACE INTO controllers VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [S_NS] = "INSERT OR REPLACE INTO namespaces VALUES (?,?,?,?,?,?,?,?)",
    [S_ANN] = "INSERT INTO annotations VALUES (?,?,?,?,?,?)",
    [S_STATS] = "INSERT INTO capture_stats VALUES (?,?,?,?,?,?)",
    [S_FINDING] = "INSERT INTO findings (rule, severity, device, event_id, ts_ns, count, "
                  "message) VALUES (?,?,?,?,?,?,?)",
};

struct ix {
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
    struct batch events, commands;
    nvt_error *err;
    int failed;
    uint8_t *mse;   /* per device: last Memory Space Enable seen (2 = unknown) */
    size_t nmse;
    nvt_index_result res;
};

/* ------------------------------------------------------------------ sqlite ---- */

static int db_fail(struct ix *x, const char *what)
{
    if (!x->failed)
        set_err(x->err, NVT_E_IO, "index: %s: %s", what, sqlite3_errmsg(x->db));
    x->failed = 1;
    return -1;
}

static int exec(struct ix *x, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(x->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        if (!x->failed)
            set_err(x->err, NVT_E_IO, "index: %s", msg ? msg : sqlite3_errmsg(x->db));
        sqlite3_free(msg);
        x->failed = 1;
        return -1;
    }
    return 0;
}

/* Runs a bound statement to completion and resets it. */
static int step(struct ix *x, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return db_fail(x, what);
    return 0;
}

static void bind_u(sqlite3_stmt *s, int col, uint64_t v)
{
    sqlite3_bind_int64(s, col, (sqlite3_int64)v);
}

static void bind_opt(sqlite3_stmt *s, int col, int known, uint64_t v)
{
    if (known)
        sqlite3_bind_int64(s, col, (sqlite3_int64)v);
    else
        sqlite3_bind_null(s, col);
}

/* An SQE field (+ add) if the trace knows it, else NULL; len 0 binds NULL. */
static void bind_sqe(sqlite3_stmt *s, int col, const struct mcmd *c, unsigned off, unsigned len,
                     uint64_t add)
{
    uint64_t v;
    if (len && cmd_sqe_field(c, off, len, &v))
        sqlite3_bind_int64(s, col, (sqlite3_int64)(v + add));
    else
        sqlite3_bind_null(s, col);
}

static void bind_text(sqlite3_stmt *s, int col, const char *t)
{
    if (t)
        sqlite3_bind_text(s, col, t, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, col);
}

/* ------------------------------------------------------------------ events ---- */

static int batch_init(struct ix *x, struct batch *b, const char *table, int cols, int rows,
                      const char *what)
{
    b->cols = cols;
    b->rows = rows;
    b->n = 0;
    b->what = what;
    b->cells = calloc((size_t)cols * (size_t)rows, sizeof *b->cells);
    b->bound_many = calloc((size_t)cols * (size_t)rows, sizeof *b->bound_many);
    b->bound_one = calloc((size_t)cols, sizeof *b->bound_one);
    size_t len = 64 + (size_t)rows * ((size_t)cols * 2 + 3);
    char *sql = malloc(len);
    if (!b->cells || !b->bound_many || !b->bound_one || !sql) {
        free(sql);
        set_err(x->err, NVT_E_NOMEM, "out of memory");
        x->failed = 1;
        return -1;
    }
    for (int pass = 0; pass < 2; pass++) {
        int nrows = pass ? rows : 1;
        size_t p = (size_t)snprintf(sql, len, "INSERT INTO %s VALUES ", table);
        for (int r = 0; r < nrows; r++) {
            sql[p++] = r ? ',' : ' ';
            sql[p++] = '(';
            for (int c = 0; c < cols; c++) {
                sql[p++] = '?';
                sql[p++] = c + 1 < cols ? ',' : ')';
            }
        }
        sql[p] = 0;
        if (sqlite3_prepare_v2(x->db, sql, -1, pass ? &b->many : &b->one, NULL) != SQLITE_OK) {
            free(sql);
            return db_fail(x, what);
        }
    }
    free(sql);
    return 0;
}

static void batch_free(struct batch *b)
{
    sqlite3_finalize(b->one);
    sqlite3_finalize(b->many);
    free(b->cells);
    free(b->bound_one);
    free(b->bound_many);
    memset(b, 0, sizeof *b);
}

/* The next row's cells, all NULL. */
static struct cell *batch_row(struct batch *b)
{
    struct cell *r = &b->cells[(size_t)b->n * (size_t)b->cols];
    memset(r, 0, (size_t)b->cols * sizeof *r);
    return r;
}

static void put(struct cell *r, int col, uint64_t v)
{
    r[col].i = (int64_t)v;
    r[col].kind = 1;
}

static void put_opt(struct cell *r, int col, int known, uint64_t v)
{
    if (known)
        put(r, col, v);
}

static void put_text(struct cell *r, int col, const char *t)
{
    if (t) {
        r[col].t = t;
        r[col].kind = 2;
    }
}

static void bind_cells(sqlite3_stmt *s, int base, const struct cell *r, struct cell *bound,
                       int cols)
{
    for (int c = 0; c < cols; c++) {
        struct cell *was = &bound[base + c];
        if (was->kind == r[c].kind &&
            (r[c].kind == 0 || (r[c].kind == 1 && was->i == r[c].i) ||
             (r[c].kind == 2 && was->t == r[c].t)))
            continue;
        if (r[c].kind == 1)
            sqlite3_bind_int64(s, base + c + 1, r[c].i);
        else if (r[c].kind == 2)
            sqlite3_bind_text(s, base + c + 1, r[c].t, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(s, base + c + 1);
        *was = r[c];
    }
}

static int batch_flush(struct ix *x, struct batch *b)
{
    if (b->n == b->rows) {
        for (int r = 0; r < b->rows; r++)
            bind_cells(b->many, r * b->cols, &b->cells[(size_t)r * (size_t)b->cols],
                       b->bound_many, b->cols);
        b->n = 0;
        return step(x, b->many, b->what);
    }
    for (int r = 0; r < b->n; r++) {
        bind_cells(b->one, 0, &b->cells[(size_t)r * (size_t)b->cols], b->bound_one, b->cols);
        if (step(x, b->one, b->what) < 0)
            return -1;
    }
    b->n = 0;
    return 0;
}

/* The row from batch_row is complete. */
static int batch_add(struct ix *x, struct batch *b)
{
    if (++b->n == b->rows)
        return batch_flush(x, b);
    return 0;
}

static const char *reg_name(uint32_t off, char *buf, size_t len)
{
    const char *n = nvt_register_name(off);
    if (n)
        return n;
    /* high halves of the 64-bit registers */
    if (off >= 4 && (n = nvt_register_name(off - 4)) &&
        (!strcmp(n, "CAP") || !strcmp(n, "ASQ") || !strcmp(n, "ACQ") || !strcmp(n, "BPMBL") ||
         !strcmp(n, "CMBMSC") || !strcmp(n, "PMRMSCL"))) {
        snprintf(buf, len, "%s+4", n);
        return buf;
    }
    return NULL;
}

static int insert_register(struct ix *x, const nvt_event *ev, uint64_t index)
{
    sqlite3_stmt *s = x->st[S_REG];
    char buf[24];
    bind_u(s, 1, index);
    bind_u(s, 2, ev->ts_ns);
    bind_u(s, 3, ev->device);
    bind_u(s, 4, ev->u.mmio.offset);
    bind_text(s, 5, reg_name(ev->u.mmio.offset, buf, sizeof buf));
    bind_u(s, 6, ev->u.mmio.size);
    bind_u(s, 7, ev->type == NVT_EV_MMIO_WRITE);
    bind_opt(s, 8, !(ev->flags & NVT_F_VALUE_UNKNOWN), ev->u.mmio.value);
    return step(x, s, "insert register");
}

static int insert_bar(struct ix *x, const nvt_event *ev, uint64_t index, int bar,
                      const char *action, int have_addr, uint64_t addr, int have_size,
                      uint64_t size, const struct mbar *b, int have_value, uint64_t value)
{
    sqlite3_stmt *s = x->st[S_BAR];
    bind_u(s, 1, index);
    bind_u(s, 2, ev->ts_ns);
    bind_u(s, 3, ev->device);
    bind_opt(s, 4, bar >= 0, (uint64_t)bar); /* NULL: not about one BAR (decode changes) */
    bind_text(s, 5, action);
    bind_opt(s, 6, have_addr, addr);
    bind_opt(s, 7, have_size, size);
    bind_opt(s, 8, b && b->type_known, b ? b->is64 : 0);
    bind_opt(s, 9, b && b->type_known, b ? b->is_io : 0);
    bind_opt(s, 10, have_value, value);
    return step(x, s, "insert bar");
}

static int bar_events(struct ix *x, struct model *m, const nvt_event *ev, uint64_t index,
                      const struct mstep *st)
{
    struct mdev *d = model_dev(m, ev->device);
    if (!d)
        return 0;
    if (ev->type == NVT_EV_BAR_MAP || ev->type == NVT_EV_BAR_UNMAP) {
        const struct mbar *b = ev->u.bar.bar < 6 ? &d->bar[ev->u.bar.bar] : NULL;
        return insert_bar(x, ev, index, ev->u.bar.bar,
                          ev->type == NVT_EV_BAR_MAP ? "map" : "unmap", 1, ev->u.bar.addr, 1,
                          ev->u.bar.size, b, 0, 0);
    }
    if (st->bar_probe) {
        const struct mbar *b = &d->bar[st->bar_index];
        return insert_bar(x, ev, index, st->bar_index, "probe", 0, 0, b->size_known, b->size, b,
                          1, ev->u.cfg.value);
    }
    if (st->bar_programmed) {
        uint64_t a;
        int known = dev_bar_addr(d, st->bar_index, &a);
        return insert_bar(x, ev, index, st->bar_index, "program", known, a, d->bar[st->bar_index].size_known,
                          d->bar[st->bar_index].size, &d->bar[st->bar_index], 1, ev->u.cfg.value);
    }
    /* Memory Space Enable changes: when BARs start or stop decoding. */
    if (d->pci_command_known) {
        if (ev->device >= x->nmse) {
            uint8_t *p = realloc(x->mse, ev->device + 1);
            if (!p) {
                set_err(x->err, NVT_E_NOMEM, "out of memory");
                x->failed = 1;
                return -1;
            }
            memset(p + x->nmse, 2, ev->device + 1 - x->nmse);
            x->mse = p;
            x->nmse = ev->device + 1;
        }
        uint8_t on = (d->pci_command >> 1) & 1;
        if (x->mse[ev->device] != on) {
            x->mse[ev->device] = on;
            return insert_bar(x, ev, index, -1, on ? "decode-on" : "decode-off", 0, 0, 0, 0,
                              NULL, 1, d->pci_command);
        }
    }
    return 0;
}

static int on_event(void *ctx, struct model *m, const nvt_event *ev, uint64_t index,
                    const struct mstep *st, nvt_error *err)
{
    struct ix *x = ctx;
    (void)err;
    if (x->failed)
        return -1;
    struct cell *r = batch_row(&x->events);
    /* Events arrive in file order: after the first row, a NULL id lets SQLite append with
     * max(id) + 1 (the same 0-based index) instead of checking an explicit key for
     * uniqueness, which costs a b-tree search per row. */
    if (index == 0)
        put(r, C_ID, index);
    put(r, C_TS, ev->ts_ns);
    put(r, C_DEV, ev->device);
    put(r, C_TYPE, ev->type);
    put(r, C_FLAGS, ev->flags);
    put(r, C_THREAD, ev->thread);
    put(r, C_SEQ, ev->seq);
    int rc = 0;
    switch (ev->type) {
    case NVT_EV_CFG_READ:
    case NVT_EV_CFG_WRITE:
        put(r, C_OFFSET, ev->u.cfg.offset);
        put(r, C_SIZE, ev->u.cfg.size);
        if (!(ev->flags & NVT_F_VALUE_UNKNOWN))
            put(r, C_VALUE, ev->u.cfg.value);
        rc = bar_events(x, m, ev, index, st);
        break;
    case NVT_EV_MMIO_READ:
    case NVT_EV_MMIO_WRITE:
        put(r, C_BAR, ev->u.mmio.bar);
        put(r, C_OFFSET, ev->u.mmio.offset);
        put(r, C_SIZE, ev->u.mmio.size);
        if (!(ev->flags & NVT_F_VALUE_UNKNOWN))
            put(r, C_VALUE, ev->u.mmio.value);
        if (ev->u.mmio.gpa)
            put(r, C_ADDR, ev->u.mmio.gpa);
        if (ev->u.mmio.bar == 0 && ev->u.mmio.offset < NVME_REG_DBS)
            rc = insert_register(x, ev, index);
        break;
    case NVT_EV_BAR_MAP:
    case NVT_EV_BAR_UNMAP:
        put(r, C_BAR, ev->u.bar.bar);
        put(r, C_SIZE, ev->u.bar.size);
        put(r, C_ADDR, ev->u.bar.addr);
        put(r, C_KIND, ev->u.bar.flags);
        rc = bar_events(x, m, ev, index, st);
        break;
    case NVT_EV_DOORBELL:
        put(r, C_QID, ev->u.doorbell.qid);
        put(r, C_KIND, ev->u.doorbell.is_cq);
        put(r, C_VALUE, ev->u.doorbell.value);
        break;
    case NVT_EV_MSIX_ACCESS:
        put(r, C_VECTOR, ev->u.msix.entry);
        put(r, C_KIND, ev->u.msix.field | (ev->u.msix.is_write ? 16u : 0u));
        put(r, C_VALUE, ev->u.msix.value);
        break;
    case NVT_EV_MSIX_CTRL:
        put(r, C_KIND, (ev->u.msix_ctrl.enabled ? 1u : 0u) | (ev->u.msix_ctrl.masked ? 2u : 0u));
        put(r, C_SIZE, ev->u.msix_ctrl.table_size);
        put(r, C_VALUE, ev->u.msix_ctrl.msgctl);
        break;
    case NVT_EV_INTERRUPT:
        put(r, C_KIND, ev->u.irq.kind);
        put(r, C_VECTOR, ev->u.irq.vector);
        put(r, C_VALUE, ev->u.irq.data);
        if (ev->u.irq.addr)
            put(r, C_ADDR, ev->u.irq.addr);
        break;
    case NVT_EV_SUBMISSION: {
        uint64_t known = (ev->flags & NVT_F_RECONSTRUCTED) ? ev->u.sub.known : UINT64_MAX;
        put(r, C_QID, ev->u.sub.qid);
        if (mask_has(known, 2, 2))
            put(r, C_CID, le_get(ev->u.sub.sqe + 2, 2));
        if (ev->u.sub.slot != NVT_SLOT_UNKNOWN)
            put(r, C_OFFSET, ev->u.sub.slot);
        if (st->sub)
            put(r, C_COMMAND, st->sub->id);
        break;
    }
    case NVT_EV_COMPLETION: {
        uint16_t known = (ev->flags & NVT_F_RECONSTRUCTED) ? ev->u.cpl.known : 0xffff;
        put(r, C_QID, ev->u.cpl.qid);
        if ((known & 0x3000) == 0x3000)
            put(r, C_CID, le_get(ev->u.cpl.cqe + 12, 2));
        if ((known & 0xc000) == 0xc000)
            put(r, C_VALUE, le_get(ev->u.cpl.cqe + 14, 2) >> 1);
        if (ev->u.cpl.slot != NVT_SLOT_UNKNOWN)
            put(r, C_OFFSET, ev->u.cpl.slot);
        if (st->cpl)
            put(r, C_COMMAND, st->cpl->id);
        if (st->orphan)
            x->res.orphan_completions++;
        break;
    }
    case NVT_EV_DMA_READ:
    case NVT_EV_DMA_WRITE:
        put(r, C_ADDR, ev->u.dma.gpa);
        put(r, C_SIZE, ev->u.dma.len);
        put(r, C_VALUE, ev->u.dma.caplen);
        if (ev->u.dma.sqid != NVT_QID_UNKNOWN)
            put(r, C_QID, ev->u.dma.sqid);
        if (ev->u.dma.cid != 0xffff)
            put(r, C_CID, ev->u.dma.cid);
        if (st->dma)
            put(r, C_COMMAND, st->dma->id);
        break;
    case NVT_EV_CTRL_STATE:
        put(r, C_KIND, ev->u.state.state);
        put(r, C_VALUE, ev->u.state.value);
        break;
    case NVT_EV_ANNOTATION: {
        static const char *const level[] = {"note", "warning", "error", "marker"};
        sqlite3_stmt *s = x->st[S_ANN];
        put(r, C_KIND, ev->u.ann.level);
        put(r, C_SIZE, ev->u.ann.len);
        bind_u(s, 1, index);
        bind_u(s, 2, ev->ts_ns);
        bind_u(s, 3, ev->device);
        bind_u(s, 4, ev->u.ann.level);
        bind_text(s, 5, ev->u.ann.level < 4 ? level[ev->u.ann.level] : "unknown");
        sqlite3_bind_text(s, 6, ev->u.ann.text, ev->u.ann.len, SQLITE_TRANSIENT);
        rc = step(x, s, "insert annotation");
        break;
    }
    case NVT_EV_CAPTURE_STATS: {
        sqlite3_stmt *s = x->st[S_STATS];
        put(r, C_VALUE, ev->u.stats.dropped);
        bind_u(s, 1, index);
        bind_u(s, 2, ev->ts_ns);
        bind_u(s, 3, ev->u.stats.recorded);
        bind_u(s, 4, ev->u.stats.dropped);
        bind_u(s, 5, ev->u.stats.overflows);
        bind_u(s, 6, ev->u.stats.warnings);
        rc = step(x, s, "insert capture stats");
        break;
    }
    default:
        break;
    }
    if (rc < 0)
        return -1;
    return batch_add(x, &x->events);
}

/* --------------------------------------------------------------- commands ---- */

static const char *const end_names[] = {"completed", "reset", "replaced", "deleted", "end"};

static int has_lba(const struct mcmd *c, unsigned opc)
{
    /* NVM commands with SLBA (CDW10-11) and NLB (CDW12[15:0]) */
    return !cmd_admin(c) && (opc == 0x01 || opc == 0x02 || opc == 0x04 || opc == 0x05 ||
                             opc == 0x08 || opc == 0x0c);
}

/* An SQE field (+ add) into a cell if the trace knows it; len 0 leaves the cell NULL. */
static void put_sqe(struct cell *r, int col, const struct mcmd *c, unsigned off, unsigned len,
                    uint64_t add)
{
    uint64_t v;
    if (len && cmd_sqe_field(c, off, len, &v))
        put(r, col, v + add);
}

#define CMD_COLS 39

static void on_cmd_done(void *ctx, struct model *m, struct mcmd *c)
{
    struct ix *x = ctx;
    if (x->failed)
        return;
    struct cell *r = batch_row(&x->commands);
    unsigned opc = 0, status = 0;
    uint64_t v = 0;
    uint32_t dw;
    int have_opc = cmd_opcode(c, &opc);
    int col = 0;
    x->res.commands++;
    if (c->end != CMD_COMPLETED)
        x->res.incomplete_commands++;
    put(r, col++, c->id);
    put(r, col++, c->device);
    put(r, col++, c->sqid);
    put_opt(r, col++, c->cqid_known, c->cqid);
    put_opt(r, col++, mask_has(c->sqe_known, 2, 2), c->cid);
    put(r, col++, cmd_admin(c));
    put_opt(r, col++, have_opc, opc);
    put_text(r, col++, !have_opc ? NULL
                       : cmd_admin(c) ? nvt_admin_opcode_name((uint8_t)opc)
                                      : nvt_io_opcode_name((uint8_t)opc));
    int have_flags = cmd_sqe_field(c, 1, 1, &v);
    put_opt(r, col++, have_flags, v & 3);
    put_opt(r, col++, have_flags, (v >> 6) & 3);
    static const unsigned fields[][2] = {{4, 4},  {24, 8}, {32, 8}, {40, 4}, {44, 4},
                                         {48, 4}, {52, 4}, {56, 4}, {60, 4}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        put_sqe(r, col++, c, fields[i][0], fields[i][1], 0);
    /* NLB is 0's based in the SQE: the column holds the block count */
    int lba = have_opc && has_lba(c, opc);
    put_sqe(r, col++, c, lba ? 40 : 0, lba ? 8 : 0, 0);
    put_sqe(r, col++, c, lba ? 48 : 0, lba ? 2 : 0, 1);
    int len_known;
    uint64_t len = cmd_data_len(m, c, &len_known);
    put_opt(r, col++, len_known, len);
    put(r, col++, c->dma_read + c->dma_write);
    put(r, col++, c->sub_event);
    put(r, col++, c->sub_ts);
    int done = c->end == CMD_COMPLETED;
    put_opt(r, col++, done, c->cpl_event);
    put_opt(r, col++, done, c->cpl_ts);
    put_opt(r, col++, done && c->cpl_ts >= c->sub_ts, c->cpl_ts - c->sub_ts);
    int have_status = cmd_status(c, &status);
    put_opt(r, col++, have_status, status);
    put_opt(r, col++, have_status, (status >> 8) & 7);
    put_opt(r, col++, have_status, status & 0xff);
    put_text(r, col++, have_status ? nvt_status_name((uint8_t)((status >> 8) & 7), (uint8_t)status)
                                   : NULL);
    put_opt(r, col++, have_status, (status >> 14) & 1);
    int k = cmd_dw0(c, &dw);
    put_opt(r, col++, k, dw);
    k = cmd_dw1(c, &dw);
    put_opt(r, col++, k, dw);
    put_opt(r, col++, done && (c->cqe_known & 0x0300) == 0x0300, le_get(c->cqe + 8, 2));
    put_text(r, col++, end_names[c->end]);
    put(r, col++, c->reconstructed);
    put_opt(r, col++, c->irq_route == IRQ_MSIX || c->irq_route == IRQ_PIN,
            c->irq_route == IRQ_MSIX ? c->irq_vector : 0xffffu);
    batch_add(x, &x->commands);
    /* Doorbell Buffer Config also shadows the queues that already exist */
    if (done && have_opc && cmd_admin(c) && opc == 0x7c && (!have_status || !(status & 0x7ff))) {
        sqlite3_stmt *s = x->st[S_QSHADOW];
        bind_u(s, 1, c->device);
        step(x, s, "update queues");
    }
}

static void on_queue(void *ctx, struct model *m, uint32_t dev, uint16_t qid, int is_cq,
                     struct mqueue *q, int created, uint64_t event, uint64_t ts,
                     const struct mcmd *by, const char *reason)
{
    struct ix *x = ctx;
    (void)m;
    if (x->failed)
        return;
    if (!created) {
        if (q->row < 0)
            return;
        sqlite3_stmt *s = x->st[S_QDEL];
        bind_u(s, 1, event);
        bind_u(s, 2, ts);
        bind_opt(s, 3, by != NULL, by ? by->id : 0);
        bind_text(s, 4, reason);
        bind_u(s, 5, (uint64_t)q->row);
        step(x, s, "update queue");
        return;
    }
    sqlite3_stmt *s = x->st[S_QINS];
    bind_u(s, 1, dev);
    bind_text(s, 2, is_cq ? "CQ" : "SQ");
    bind_u(s, 3, qid);
    bind_opt(s, 4, q->size_known, q->size);
    bind_opt(s, 5, !is_cq, q->cqid);
    bind_opt(s, 6, is_cq && q->vector_known, q->vector);
    bind_opt(s, 7, q->flags_known, q->flags);
    bind_opt(s, 8, q->flags_known, q->flags & 1);
    bind_opt(s, 9, is_cq && q->flags_known, (q->flags >> 1) & 1);
    bind_opt(s, 10, !is_cq && q->flags_known, (q->flags >> 1) & 3);
    bind_opt(s, 11, q->base_known, q->base);
    bind_u(s, 12, q->shadow);
    bind_u(s, 13, event);
    bind_u(s, 14, ts);
    bind_opt(s, 15, by != NULL, by ? by->id : 0);
    if (step(x, s, "insert queue") == 0)
        q->row = sqlite3_last_insert_rowid(x->db);
}

static void on_identify(void *ctx, struct model *m, struct mdev *d, const struct mcmd *c,
                        unsigned cns)
{
    struct ix *x = ctx;
    (void)m;
    if (x->failed || !c->data)
        return;
    unsigned known = 0;
    for (unsigned i = 0; i < 512; i++)
        known += (unsigned)__builtin_popcount(c->data_known[i]);
    uint64_t nsid;
    sqlite3_stmt *s = x->st[S_IDENT];
    bind_u(s, 1, c->id);
    bind_u(s, 2, d->index);
    bind_u(s, 3, cns);
    bind_sqe(s, 4, c, 4, 4, 0);
    bind_sqe(s, 5, c, 42, 2, 0);
    bind_u(s, 6, known);
    sqlite3_bind_blob(s, 7, c->data, 4096, SQLITE_TRANSIENT);
    if (step(x, s, "insert identify") < 0)
        return;
    if (cns == 0x01 && d->id.valid && d->id.command == c->id) {
        const struct mctrl_id *id = &d->id;
        int k4 = id_bytes_known(c->data_known, 0, 4), k512 = id_bytes_known(c->data_known, 512, 14);
        s = x->st[S_CTRL];
        bind_u(s, 1, c->id);
        bind_u(s, 2, d->index);
        bind_opt(s, 3, k4, id->vid);
        bind_opt(s, 4, k4, id->ssvid);
        bind_text(s, 5, id_bytes_known(c->data_known, 4, 20) ? id->sn : NULL);
        bind_text(s, 6, id_bytes_known(c->data_known, 24, 40) ? id->mn : NULL);
        bind_text(s, 7, id_bytes_known(c->data_known, 64, 8) ? id->fr : NULL);
        bind_opt(s, 8, id->mdts_known, id->mdts);
        bind_opt(s, 9, id_bytes_known(c->data_known, 78, 6), id->cntlid);
        bind_opt(s, 10, id_bytes_known(c->data_known, 78, 6), id->ver);
        bind_opt(s, 11, k512, id->nn);
        bind_opt(s, 12, k512, id->sqes);
        bind_opt(s, 13, k512, id->cqes);
        bind_opt(s, 14, k512, id->oncs);
        bind_opt(s, 15, k512, id->vwc);
        step(x, s, "insert controller");
    } else if (cns == 0x00 && cmd_sqe_field(c, 4, 4, &nsid)) {
        const struct mns *ns = dev_ns(d, (uint32_t)nsid);
        if (!ns)
            return;
        s = x->st[S_NS];
        bind_u(s, 1, c->id);
        bind_u(s, 2, d->index);
        bind_u(s, 3, nsid);
        bind_u(s, 4, ns->nsze);
        bind_u(s, 5, ns->ncap);
        bind_u(s, 6, ns->nuse);
        bind_u(s, 7, ns->flbas);
        bind_opt(s, 8, ns->lba_size != 0, ns->lba_size);
        step(x, s, "insert namespace");
    }
}

static int on_device(void *ctx, uint32_t index, const nvt_device *dev, nvt_error *err)
{
    struct ix *x = ctx;
    (void)err;
    sqlite3_stmt *s = x->st[S_DEV];
    bind_u(s, 1, index);
    bind_text(s, 2, dev->bdf);
    bind_u(s, 3, dev->vendor_id);
    bind_u(s, 4, dev->device_id);
    bind_u(s, 5, dev->subsys_vendor_id);
    bind_u(s, 6, dev->subsys_id);
    bind_u(s, 7, dev->class_code);
    bind_u(s, 8, dev->revision);
    bind_text(s, 9, dev->model);
    bind_text(s, 10, dev->emulator);
    return step(x, s, "insert device");
}

/* ------------------------------------------------------------ static tables ---- */

static int fill_names(struct ix *x)
{
    static const struct {
        const char *kind;
        const struct nvt_name *table;
    } tables[] = {
        {"admin_opcode", nvt_admin_opcodes}, {"io_opcode", nvt_io_opcodes},
        {"status", nvt_status_codes},        {"status_type", nvt_status_types},
        {"feature", nvt_features},           {"log_page", nvt_log_pages},
        {"cns", nvt_identify_cns},           {"register", nvt_registers},
        {"ctrl_state", nvt_ctrl_states},
    };
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(x->db, "INSERT OR IGNORE INTO nvme_names VALUES (?,?,?)", -1, &s,
                           NULL) != SQLITE_OK)
        return db_fail(x, "prepare names");
    int rc = 0;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0] && !rc; t++)
        for (const struct nvt_name *n = tables[t].table; n->name && !rc; n++) {
            bind_text(s, 1, tables[t].kind);
            bind_u(s, 2, n->value);
            bind_text(s, 3, n->name);
            rc = step(x, s, "insert name");
        }
    sqlite3_finalize(s);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(x->db, "INSERT INTO event_types VALUES (?,?)", -1, &s, NULL) !=
        SQLITE_OK)
        return db_fail(x, "prepare event types");
    for (unsigned ty = 1; ty <= NVT_EV_TYPE_MAX && !rc; ty++) {
        bind_u(s, 1, ty);
        bind_text(s, 2, nvt_event_type_name(ty));
        rc = step(x, s, "insert event type");
    }
    sqlite3_finalize(s);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(x->db, "INSERT INTO lint_rules VALUES (?,?,?,?)", -1, &s, NULL) !=
        SQLITE_OK)
        return db_fail(x, "prepare lint rules");
    size_t n;
    const nvt_lint_rule *r = nvt_lint_rules(&n);
    for (size_t i = 0; i < n && !rc; i++) {
        bind_text(s, 1, r[i].id);
        bind_text(s, 2, nvt_severity_name(r[i].severity));
        bind_text(s, 3, r[i].title);
        bind_text(s, 4, r[i].spec);
        rc = step(x, s, "insert lint rule");
    }
    sqlite3_finalize(s);
    return rc;
}

static int put_meta(struct ix *x, const char *key, const char *text, int have_int, uint64_t v)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(x->db, "INSERT OR REPLACE INTO trace VALUES (?,?)", -1, &s, NULL) !=
        SQLITE_OK)
        return db_fail(x, "prepare trace");
    bind_text(s, 1, key);
    if (have_int)
        bind_u(s, 2, v);
    else
        bind_text(s, 2, text);
    int rc = step(x, s, "insert trace");
    sqlite3_finalize(s);
    return rc;
}

static int insert_findings(struct ix *x, const nvt_finding *f, size_t n)
{
    sqlite3_stmt *s = x->st[S_FINDING];
    for (size_t i = 0; i < n; i++) {
        bind_text(s, 1, f[i].rule->id);
        bind_text(s, 2, nvt_severity_name(f[i].rule->severity));
        bind_u(s, 3, f[i].device);
        bind_u(s, 4, f[i].event);
        bind_u(s, 5, f[i].ts_ns);
        bind_u(s, 6, f[i].count);
        bind_text(s, 7, f[i].message);
        if (step(x, s, "insert finding") < 0)
            return -1;
    }
    return 0;
}

/* What the model learnt about each device over the whole trace. */
static int device_facts(struct ix *x, struct model *m)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(x->db, "UPDATE devices SET msix_vectors = ? WHERE id = ?", -1, &s,
                           NULL) != SQLITE_OK)
        return db_fail(x, "prepare devices");
    int rc = 0;
    for (size_t i = 0; i < model_ndevs(m) && !rc; i++) {
        struct mdev *d = model_dev(m, (uint32_t)i);
        if (!d || !d->msix_table_size)
            continue;
        bind_u(s, 1, d->msix_table_size);
        bind_u(s, 2, i);
        rc = step(x, s, "update devices");
    }
    sqlite3_finalize(s);
    return rc;
}

/* ------------------------------------------------------------------ driver ---- */

static int prepare_all(struct ix *x)
{
    if (batch_init(x, &x->events, "events", EV_COLS, EV_BATCH, "insert events") < 0 ||
        batch_init(x, &x->commands, "commands", CMD_COLS, 16, "insert commands") < 0)
        return -1;
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v2(x->db, stmt_sql[i], -1, &x->st[i], NULL) != SQLITE_OK)
            return db_fail(x, stmt_sql[i]);
    return 0;
}

static void finalize_all(struct ix *x)
{
    for (int i = 0; i < S_COUNT; i++) {
        sqlite3_finalize(x->st[i]);
        x->st[i] = NULL;
    }
    batch_free(&x->events);
    batch_free(&x->commands);
}

static int build(struct ix *x, const char *trace_path, const nvt_index_opts *o)
{
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA page_size = 65536; PRAGMA journal_mode = OFF; "
                              "PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;");
    if (exec(x, sql) < 0 || exec(x, "PRAGMA cache_size = -65536;") < 0 ||
        exec(x, "BEGIN") < 0 || exec(x, index_schema_sql) < 0)
        return -1;
    snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES (%d)", NVT_DB_SCHEMA_VERSION);
    if (exec(x, sql) < 0 || fill_names(x) < 0 || prepare_all(x) < 0)
        return -1;
    struct lint *l = NULL;
    if (!o->no_lint && !(l = lint_new(NULL))) {
        set_err(x->err, NVT_E_NOMEM, "out of memory");
        return -1;
    }
    struct walk_hooks h = {on_device, on_event, on_cmd_done, on_queue, on_identify, x};
    struct walk_info info;
    struct model *m = NULL;
    int rc = walk_file(trace_path, &h, l, o->progress, o->progress_ctx, &info, &m, x->err);
    if (rc == 0)
        rc = device_facts(x, m);
    model_free(m);
    if (rc == 0 && x->failed)
        rc = -1;
    if (rc == 0)
        rc = batch_flush(x, &x->events);
    if (rc == 0)
        rc = batch_flush(x, &x->commands);
    if (rc == 0 && l) {
        size_t n;
        nvt_finding *f = lint_take(l, &n);
        x->res.findings = n;
        rc = insert_findings(x, f, n);
        free(f);
    }
    lint_free(l);
    x->res.events = info.events;
    if (rc == 0)
        rc = put_meta(x, "file", trace_path, 0, 0) | put_meta(x, "appl", info.appl, 0, 0) |
             put_meta(x, "comment", info.comment, 0, 0) | put_meta(x, "events", NULL, 1, info.events) |
             put_meta(x, "first_ns", NULL, 1, info.first_ns) |
             put_meta(x, "last_ns", NULL, 1, info.last_ns) |
             put_meta(x, "foreign_packets", NULL, 1, info.foreign_packets) |
             put_meta(x, "indexed_by", "nvmetrace " NVT_VERSION_STRING, 0, 0) |
             put_meta(x, "lint", o->no_lint ? "off" : "on", 0, 0);
    finalize_all(x);
    if (rc == 0)
        rc = exec(x, index_indexes_sql);
    if (rc == 0 && o->events_index)
        rc = exec(x, index_events_index_sql);
    if (rc == 0)
        rc = exec(x, "COMMIT");
    if (rc == 0)
        rc = exec(x, "PRAGMA journal_mode = DELETE;");
    return rc < 0 ? -1 : 0;
}

int nvt_index_build(const char *trace_path, const char *db_path, const nvt_index_opts *opts,
                    sqlite3 **db, nvt_index_result *res, nvt_error *err)
{
    nvt_index_opts none;
    if (!opts) {
        memset(&none, 0, sizeof none);
        opts = &none;
    }
    if (db)
        *db = NULL;
    int memory = strcmp(db_path, ":memory:") == 0;
    size_t plen = strlen(db_path) + 32;
    char *tmp = malloc(plen);
    struct ix *x = calloc(1, sizeof *x);
    if (!tmp || !x) {
        free(tmp);
        free(x);
        set_err(err, NVT_E_NOMEM, "out of memory");
        return -1;
    }
    x->err = err;
    /* Built next to the destination and renamed at the end: a failed run leaves nothing. */
    if (memory)
        snprintf(tmp, plen, ":memory:");
    else {
        snprintf(tmp, plen, "%s.tmp-%ld", db_path, (long)getpid());
        unlink(tmp);
    }
    int rc = sqlite3_open_v2(tmp, &x->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        set_err(err, NVT_E_IO, "%s: cannot create the index: %s", db_path,
                x->db ? sqlite3_errmsg(x->db) : "out of memory");
        sqlite3_close(x->db);
        free(tmp);
        free(x);
        return -1;
    }
    rc = build(x, trace_path, opts);
    if (rc == 0 && !memory) {
        if (sqlite3_close(x->db) != SQLITE_OK) {
            set_err(err, NVT_E_IO, "%s: closing the index failed", db_path);
            rc = -1;
        } else if (rename(tmp, db_path) != 0) {
            set_err(err, NVT_E_IO, "%s: cannot rename %s into place", db_path, tmp);
            rc = -1;
        }
        x->db = NULL;
        if (rc == 0 && db && !(*db = nvt_db_open(db_path, err)))
            rc = -1;
    } else if (rc == 0) {
        if (db)
            *db = x->db;
        else
            sqlite3_close(x->db);
        x->db = NULL;
    }
    if (rc < 0) {
        finalize_all(x);
        sqlite3_close(x->db);
        if (!memory)
            unlink(tmp);
    }
    if (res)
        *res = x->res;
    free(x->mse);
    free(tmp);
    free(x);
    return rc;
}

/* ---------------------------------------------------------------- opening ---- */

int nvt_db_is_index(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char head[16];
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return n == 16 && memcmp(head, "SQLite format 3", 16) == 0;
}

sqlite3 *nvt_db_open(const char *path, nvt_error *err)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        set_err(err, NVT_E_IO, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_stmt *s;
    int version = -1;
    if (sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW)
            version = sqlite3_column_int(s, 0);
        sqlite3_finalize(s);
    }
    if (version != NVT_DB_SCHEMA_VERSION) {
        if (version < 0)
            set_err(err, NVT_E_FORMAT, "%s: not an nvmetrace index (no schema_version table)",
                    path);
        else
            set_err(err, NVT_E_VERSION,
                    "%s: index schema version %d is not supported (this build reads %d; "
                    "re-run nvmetrace index)",
                    path, version, NVT_DB_SCHEMA_VERSION);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

sqlite3 *nvt_db_open_any(const char *path, const nvt_index_opts *opts, nvt_error *err)
{
    if (strcmp(path, "-") != 0 && nvt_db_is_index(path) == 1)
        return nvt_db_open(path, err);
    sqlite3 *db;
    if (nvt_index_build(path, ":memory:", opts, &db, NULL, err) < 0)
        return NULL;
    return db;
}

void nvt_db_close(sqlite3 *db)
{
    sqlite3_close(db);
}

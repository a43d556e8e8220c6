/* nvt_index_build: a trace into an sqlite3 database (schema: index_schema.h, docs/sql.md).
 *
 * The pass over the trace (reader, model, lint) builds rows and hands them to the writer
 * (index_sink.c), which inserts them from a thread of its own. Speed also comes from one
 * transaction with journal and fsync off, 64 KiB pages, and secondary indexes built once at
 * the end. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index_schema.h"
#include "nvmetrace/analyze.h"
#include "nvmetrace/nvme.h"
#include "index_sink.h"
#include "walk.h"

enum { C_ID, C_TS, C_DEV, C_TYPE, C_FLAGS, C_THREAD, C_SEQ, C_BAR, C_OFFSET, C_SIZE, C_VALUE,
       C_ADDR, C_QID, C_CID, C_VECTOR, C_KIND, C_COMMAND };

struct ix {
    sqlite3 *db;
    struct sink *sink;
    nvt_error *err;
    int failed;     /* out of memory on this side */
    uint8_t *mse;   /* per device: last Memory Space Enable seen (2 = unknown) */
    size_t nmse;
    int64_t next_queue_row;
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

static void bind_text(sqlite3_stmt *s, int col, const char *t)
{
    if (t)
        sqlite3_bind_text(s, col, t, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, col);
}

/* A row of stmt from the sink; NULL (and x->failed when out of memory) if there is none. */
static struct cell *row(struct ix *x, int stmt)
{
    struct cell *r = sink_row(x->sink, stmt);
    if (!r)
        x->failed = 1;
    return r;
}

static void nomem(struct ix *x)
{
    if (!x->failed)
        set_err(x->err, NVT_E_NOMEM, "out of memory");
    x->failed = 1;
}

/* ------------------------------------------------------------------ events ---- */

static const char *reg_name(uint32_t off)
{
    /* high halves of the 64-bit registers */
    static const struct {
        uint32_t off;
        const char *name;
    } hi[] = {{0x04, "CAP+4"}, {0x2c, "ASQ+4"}, {0x34, "ACQ+4"}, {0x4c, "BPMBL+4"},
              {0x54, "CMBMSC+4"}};
    const char *n = nvt_register_name(off);
    if (n)
        return n;
    for (size_t i = 0; i < sizeof hi / sizeof hi[0]; i++)
        if (hi[i].off == off)
            return hi[i].name;
    return NULL;
}

static void insert_register(struct ix *x, const nvt_event *ev, uint64_t index)
{
    struct cell *r = row(x, S_REG);
    if (!r)
        return;
    put(r, 0, index);
    put(r, 1, ev->ts_ns);
    put(r, 2, ev->device);
    put(r, 3, ev->u.mmio.offset);
    put_text(r, 4, reg_name(ev->u.mmio.offset));
    put(r, 5, ev->u.mmio.size);
    put(r, 6, ev->type == NVT_EV_MMIO_WRITE);
    put_opt(r, 7, !(ev->flags & NVT_F_VALUE_UNKNOWN), ev->u.mmio.value);
}

static void insert_bar(struct ix *x, const nvt_event *ev, uint64_t index, int bar,
                       const char *action, int have_addr, uint64_t addr, int have_size,
                       uint64_t size, const struct mbar *b, int have_value, uint64_t value)
{
    struct cell *r = row(x, S_BAR);
    if (!r)
        return;
    put(r, 0, index);
    put(r, 1, ev->ts_ns);
    put(r, 2, ev->device);
    put_opt(r, 3, bar >= 0, (uint64_t)bar); /* NULL: not about one BAR (decode changes) */
    put_text(r, 4, action);
    put_opt(r, 5, have_addr, addr);
    put_opt(r, 6, have_size, size);
    put_opt(r, 7, b && b->type_known, b ? b->is64 : 0);
    put_opt(r, 8, b && b->type_known, b ? b->is_io : 0);
    put_opt(r, 9, have_value, value);
}

static int bar_events(struct ix *x, struct model *m, const nvt_event *ev, uint64_t index,
                      const struct mstep *st)
{
    struct mdev *d = model_dev(m, ev->device);
    if (!d)
        return 0;
    if (ev->type == NVT_EV_BAR_MAP || ev->type == NVT_EV_BAR_UNMAP) {
        const struct mbar *b = ev->u.bar.bar < 6 ? &d->bar[ev->u.bar.bar] : NULL;
        insert_bar(x, ev, index, ev->u.bar.bar, ev->type == NVT_EV_BAR_MAP ? "map" : "unmap", 1,
                   ev->u.bar.addr, 1, ev->u.bar.size, b, 0, 0);
        return 0;
    }
    if (st->bar_probe) {
        const struct mbar *b = &d->bar[st->bar_index];
        insert_bar(x, ev, index, st->bar_index, "probe", 0, 0, b->size_known, b->size, b, 1,
                   ev->u.cfg.value);
        return 0;
    }
    if (st->bar_programmed) {
        uint64_t a;
        int known = dev_bar_addr(d, st->bar_index, &a);
        const struct mbar *b = &d->bar[st->bar_index];
        insert_bar(x, ev, index, st->bar_index, "program", known, a, b->size_known, b->size, b, 1,
                   ev->u.cfg.value);
        return 0;
    }
    /* Memory Space Enable changes: when BARs start or stop decoding. */
    if (d->pci_command_known) {
        if (ev->device >= x->nmse) {
            uint8_t *p = realloc(x->mse, ev->device + 1);
            if (!p) {
                nomem(x);
                return -1;
            }
            memset(p + x->nmse, 2, ev->device + 1 - x->nmse);
            x->mse = p;
            x->nmse = ev->device + 1;
        }
        uint8_t on = (d->pci_command >> 1) & 1;
        if (x->mse[ev->device] != on) {
            x->mse[ev->device] = on;
            insert_bar(x, ev, index, -1, on ? "decode-on" : "decode-off", 0, 0, 0, 0, NULL, 1,
                       d->pci_command);
        }
    }
    return 0;
}

static int on_event(void *ctx, struct model *m, const nvt_event *ev, uint64_t index,
                    const struct mstep *st, nvt_error *err)
{
    struct ix *x = ctx;
    (void)err;
    if (x->failed || sink_failed(x->sink))
        return -1;
    struct cell *r = row(x, S_EVENTS);
    if (!r)
        return -1;
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
            insert_register(x, ev, index);
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
        uint64_t known = nvt_sqe_known(ev);
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
        uint16_t known = nvt_cqe_known(ev);
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
        put(r, C_KIND, ev->u.ann.level);
        put(r, C_SIZE, ev->u.ann.len);
        struct cell *a = row(x, S_ANN);
        if (!a)
            return -1;
        put(a, 0, index);
        put(a, 1, ev->ts_ns);
        put(a, 2, ev->device);
        put(a, 3, ev->u.ann.level);
        put_text(a, 4, ev->u.ann.level < 4 ? level[ev->u.ann.level] : "unknown");
        if (put_copy(a, 5, ev->u.ann.text, ev->u.ann.len, 0) < 0) {
            nomem(x);
            return -1;
        }
        break;
    }
    case NVT_EV_CAPTURE_STATS: {
        put(r, C_VALUE, ev->u.stats.dropped);
        struct cell *c = row(x, S_STATS);
        if (!c)
            return -1;
        put(c, 0, index);
        put(c, 1, ev->ts_ns);
        put(c, 2, ev->u.stats.recorded);
        put(c, 3, ev->u.stats.dropped);
        put(c, 4, ev->u.stats.overflows);
        put(c, 5, ev->u.stats.warnings);
        break;
    }
    default:
        break;
    }
    return rc < 0 || x->failed ? -1 : 0;
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

static void copy_text(struct ix *x, struct cell *r, int col, int known, const char *t);

static void on_cmd_done(void *ctx, struct model *m, struct mcmd *c)
{
    struct ix *x = ctx;
    if (x->failed)
        return;
    struct cell *r = row(x, S_COMMANDS);
    if (!r)
        return;
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
    /* the spec's name, or "Vendor specific (0xNN)"; NULL for a reserved opcode */
    const char *opc_name = !have_opc ? NULL
                           : cmd_admin(c) ? nvt_admin_opcode_name((uint8_t)opc)
                                          : nvt_io_opcode_name((uint8_t)opc);
    if (have_opc && !opc_name && nvt_opcode_vendor_specific(cmd_admin(c), (uint8_t)opc)) {
        char label[48];
        nvt_opcode_label(cmd_admin(c), (uint8_t)opc, label, sizeof label);
        copy_text(x, r, col++, 1, label);
    } else
        put_text(r, col++, opc_name);
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
    /* Doorbell Buffer Config also shadows the queues that already exist */
    if (done && have_opc && cmd_admin(c) && opc == 0x7c && (!have_status || !(status & 0x7ff))) {
        struct cell *q = row(x, S_QSHADOW);
        if (q)
            put(q, 0, c->device);
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
        struct cell *r;
        if (q->row < 0 || !(r = row(x, S_QDEL)))
            return;
        put(r, 0, event);
        put(r, 1, ts);
        put_opt(r, 2, by != NULL, by ? by->id : 0);
        put_text(r, 3, reason); /* the model's reasons are string literals */
        put(r, 4, (uint64_t)q->row);
        return;
    }
    struct cell *r = row(x, S_QINS);
    if (!r)
        return;
    /* ids are given here: a later deletion names the row before the writer has inserted it */
    q->row = ++x->next_queue_row;
    put(r, 0, (uint64_t)q->row);
    put(r, 1, dev);
    put_text(r, 2, is_cq ? "CQ" : "SQ");
    put(r, 3, qid);
    put_opt(r, 4, q->size_known, q->size);
    put_opt(r, 5, !is_cq, q->cqid);
    put_opt(r, 6, is_cq && q->vector_known, q->vector);
    put_opt(r, 7, q->flags_known, q->flags);
    put_opt(r, 8, q->flags_known, q->flags & 1);
    put_opt(r, 9, is_cq && q->flags_known, (q->flags >> 1) & 1);
    put_opt(r, 10, !is_cq && q->flags_known, (q->flags >> 1) & 3);
    put_opt(r, 11, q->base_known, q->base);
    put(r, 12, q->shadow);
    put(r, 13, event);
    put(r, 14, ts);
    put_opt(r, 15, by != NULL, by ? by->id : 0);
}

static void copy_text(struct ix *x, struct cell *r, int col, int known, const char *t)
{
    if (known && put_copy(r, col, t, (uint32_t)strlen(t), 0) < 0)
        nomem(x);
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
    struct cell *r = row(x, S_IDENT);
    if (!r)
        return;
    put(r, 0, c->id);
    put(r, 1, d->index);
    put(r, 2, cns);
    put_sqe(r, 3, c, 4, 4, 0);
    put_sqe(r, 4, c, 42, 2, 0);
    put(r, 5, known);
    if (put_copy(r, 6, c->data, 4096, 1) < 0) {
        nomem(x);
        return;
    }
    if (cns == 0x01 && d->id.valid && d->id.command == c->id) {
        const struct mctrl_id *id = &d->id;
        const uint8_t *k = c->data_known;
        int k4 = id_bytes_known(k, 0, 4), k512 = id_bytes_known(k, 512, 14);
        if (!(r = row(x, S_CTRL)))
            return;
        put(r, 0, c->id);
        put(r, 1, d->index);
        put_opt(r, 2, k4, id->vid);
        put_opt(r, 3, k4, id->ssvid);
        copy_text(x, r, 4, id_bytes_known(k, 4, 20), id->sn);
        copy_text(x, r, 5, id_bytes_known(k, 24, 40), id->mn);
        copy_text(x, r, 6, id_bytes_known(k, 64, 8), id->fr);
        put_opt(r, 7, id->mdts_known, id->mdts);
        put_opt(r, 8, id_bytes_known(k, 78, 6), id->cntlid);
        put_opt(r, 9, id_bytes_known(k, 78, 6), id->ver);
        put_opt(r, 10, k512, id->nn);
        put_opt(r, 11, k512, id->sqes);
        put_opt(r, 12, k512, id->cqes);
        put_opt(r, 13, k512, id->oncs);
        put_opt(r, 14, k512, id->vwc);
    } else if (cns == 0x00 && cmd_sqe_field(c, 4, 4, &nsid)) {
        const struct mns *ns = dev_ns(d, (uint32_t)nsid);
        if (!ns || !(r = row(x, S_NS)))
            return;
        put(r, 0, c->id);
        put(r, 1, d->index);
        put(r, 2, nsid);
        put(r, 3, ns->nsze);
        put(r, 4, ns->ncap);
        put(r, 5, ns->nuse);
        put(r, 6, ns->flbas);
        put_opt(r, 7, ns->lba_size != 0, ns->lba_size);
    }
}

static int on_device(void *ctx, uint32_t index, const nvt_device *dev, nvt_error *err)
{
    struct ix *x = ctx;
    (void)err;
    struct cell *r = row(x, S_DEV);
    if (!r)
        return -1;
    put(r, 0, index);
    copy_text(x, r, 1, 1, dev->bdf);
    put(r, 2, dev->vendor_id);
    put(r, 3, dev->device_id);
    put(r, 4, dev->subsys_vendor_id);
    put(r, 5, dev->subsys_id);
    put(r, 6, dev->class_code);
    put(r, 7, dev->revision);
    copy_text(x, r, 8, 1, dev->model);
    copy_text(x, r, 9, 1, dev->emulator);
    return x->failed ? -1 : 0;
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
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(x->db,
                           "INSERT INTO findings (rule, severity, device, event_id, ts_ns, count, "
                           "message) VALUES (?,?,?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(x, "prepare findings");
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        bind_text(s, 1, f[i].rule->id);
        bind_text(s, 2, nvt_severity_name(f[i].rule->severity));
        bind_u(s, 3, f[i].device);
        bind_u(s, 4, f[i].event);
        bind_u(s, 5, f[i].ts_ns);
        bind_u(s, 6, f[i].count);
        bind_text(s, 7, f[i].message);
        rc = step(x, s, "insert finding");
    }
    sqlite3_finalize(s);
    return rc;
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

static int build(struct ix *x, const char *trace_path, const nvt_index_opts *o)
{
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA page_size = 65536; PRAGMA journal_mode = OFF; "
                              "PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;");
    if (exec(x, sql) < 0 || exec(x, "PRAGMA cache_size = -65536;") < 0 ||
        exec(x, "BEGIN") < 0 || exec(x, index_schema_sql) < 0)
        return -1;
    snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES (%d)", NVT_DB_SCHEMA_VERSION);
    if (exec(x, sql) < 0 || fill_names(x) < 0)
        return -1;
    struct lint *l = NULL;
    if (!o->no_lint && !(l = lint_new(NULL))) {
        nomem(x);
        return -1;
    }
    if (!(x->sink = sink_open(x->db, x->err))) {
        lint_free(l);
        return -1;
    }
    struct walk_hooks h = {on_device, on_event, on_cmd_done, on_queue, on_identify, x};
    struct walk_info info;
    struct model *m = NULL;
    nvt_error walk_err;
    int rc = walk_file(trace_path, &h, l, o->progress, o->progress_ctx, &info, &m, &walk_err);
    /* The writer's own failure explains a stopped walk better than the walk's */
    nvt_error sink_err;
    int sink_rc = sink_close(x->sink, &sink_err);
    x->sink = NULL;
    if (sink_rc < 0) {
        *x->err = sink_err;
        rc = -1;
    } else if (x->failed)
        rc = -1;
    else if (rc < 0)
        *x->err = walk_err;
    if (rc == 0)
        rc = device_facts(x, m);
    model_free(m);
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
    walk_info_free(&info);
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

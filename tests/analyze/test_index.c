/* The index holds what the trace holds (events, commands joined by device/SQ/CID, queues,
 * registers, BARs, Identify data) and the statistics computed from it are right: checked on
 * the scenario session and on a hand-built trace with known latencies and overlap. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/test.h"
#include "cases.h"
#include "nvmetrace/analyze.h"

static char dir[256];

/* The single value of a query, as text ("NULL" for NULL, "" for no row). */
static const char *q1(sqlite3 *db, const char *sql)
{
    static char buf[4][256];
    static int k;
    char *out = buf[k++ & 3];
    sqlite3_stmt *s;
    out[0] = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
        snprintf(out, 256, "<error>");
        return out;
    }
    if (sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        snprintf(out, 256, "%s", t ? (const char *)t : "NULL");
    }
    sqlite3_finalize(s);
    return out;
}

static sqlite3 *build(const char *name, const struct scen *s, nvt_index_result *res)
{
    char trace[512], db[512];
    nvt_error err;
    snprintf(trace, sizeof trace, "%s/%s.pcapng", dir, name);
    snprintf(db, sizeof db, "%s/%s.db", dir, name);
    if (scen_write(trace, s, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return NULL;
    }
    sqlite3 *h;
    if (nvt_index_build(trace, db, NULL, &h, res, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return NULL;
    }
    return h;
}

static uint64_t count_events(const char *path)
{
    nvt_error err;
    nvt_reader *r = nvt_reader_open(path, &err);
    nvt_event ev;
    uint64_t n = 0;
    while (r && nvt_reader_next(r, &ev, &err) == 1)
        n++;
    nvt_reader_close(r);
    return n;
}

static void scenario_index(void)
{
    struct scen s;
    memset(&s, 0, sizeof s);
    nvt_index_result res;
    sqlite3 *db = build("clean", &s, &res);
    CHECK(db != NULL);
    if (!db)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/clean.pcapng", dir);
    uint64_t n = count_events(path);
    CHECK(n > 150);
    CHECK_EQ_U64(res.events, n);
    CHECK_EQ_U64(strtoull(q1(db, "SELECT count(*) FROM events"), NULL, 10), n);
    CHECK_EQ_U64(strtoull(q1(db, "SELECT max(id) + 1 FROM events"), NULL, 10), n);
    CHECK_STR(q1(db, "SELECT version FROM schema_version"), "1");
    CHECK_STR(q1(db, "SELECT bdf || ' ' || vendor_id || ':' || device_id FROM devices"),
              "0000:00:04.0 6966:16");
    /* 7 admin commands, 24 + 1 I/O; every one completed */
    CHECK_EQ_U64(res.commands, 32);
    CHECK_EQ_U64(res.incomplete_commands, 0);
    CHECK_EQ_U64(res.orphan_completions, 0);
    CHECK_STR(q1(db, "SELECT count(*) FROM commands WHERE admin"), "7");
    CHECK_STR(q1(db, "SELECT count(*) FROM commands WHERE end_reason = 'completed'"), "32");
    /* each SUB and CPL event points at its command, and the times agree */
    CHECK_STR(q1(db, "SELECT count(*) FROM commands c JOIN events s ON s.id = c.sub_event "
                     "JOIN events p ON p.id = c.cpl_event WHERE s.command = c.id AND "
                     "p.command = c.id AND s.qid = c.sqid AND s.cid = c.cid AND p.cid = c.cid "
                     "AND c.latency_ns = p.ts_ns - s.ts_ns AND s.type = 11 AND p.type = 12"),
              "32");
    /* fields */
    CHECK_STR(q1(db, "SELECT name || ' cns=' || (cdw10 & 255) || ' bytes=' || bytes FROM "
                     "commands WHERE id = 0"),
              "Identify cns=1 bytes=4096");
    CHECK_STR(q1(db, "SELECT status || ' ' || sct || ' ' || sc || ' ' || status_name FROM "
                     "commands WHERE id = 6"),
              "2 0 2 Invalid Field in Command");
    CHECK_STR(q1(db, "SELECT printf('%08x', dw0) FROM commands WHERE name = 'Set Features'"),
              "00030003");
    CHECK_STR(q1(db, "SELECT count(*) || ' ' || sum(nlb) || ' ' || sum(bytes) FROM commands "
                     "WHERE name = 'Read'"),
              "17 136 69632");
    CHECK_STR(q1(db, "SELECT slba || ' ' || nlb || ' ' || printf('%x', prp1) || ' ' || "
                     "printf('%x', prp2) FROM commands WHERE slba = 4096"),
              "4096 8 50000200 50001000");
    CHECK_STR(q1(db, "SELECT count(*) FROM commands WHERE dma_bytes = bytes AND admin = 0"),
              "25");
    /* queues: admin pair at enable, I/O pair by command */
    CHECK_STR(q1(db, "SELECT group_concat(type || qid || ':' || size || ':' || "
                     "coalesce(cqid, '-') || ':' || coalesce(vector, '-') || ':' || "
                     "coalesce(created_by, 'enable'), ' ') FROM queues"),
              "CQ0:32:-:0:enable SQ0:32:0:-:enable CQ1:8:-:1:3 SQ1:64:1:-:4");
    CHECK_STR(q1(db, "SELECT contiguous || ien FROM queues WHERE type = 'CQ' AND qid = 1"), "11");
    /* registers, BAR history */
    CHECK_STR(q1(db, "SELECT group_concat(name || '=' || printf('%x', value), ' ') FROM "
                     "registers WHERE is_write"),
              "AQA=1f001f ASQ=10000000 ACQ=10001000 CC=460001 CC=464001");
    CHECK_STR(q1(db, "SELECT printf('%x', value) FROM registers WHERE name = 'CAP'"),
              "4000200f0107ff");
    CHECK_STR(q1(db, "SELECT group_concat(action || ':' || coalesce(size, '-'), ' ') FROM bars"),
              "decode-off:- probe:16384 probe:16384 program:16384 program:16384 decode-on:- "
              "map:16384");
    CHECK_STR(q1(db, "SELECT printf('%x', address) FROM bars WHERE action = 'map'"), "febf0000");
    /* Identify data decoded */
    CHECK_STR(q1(db, "SELECT mn || '|' || sn || '|' || fr || '|' || mdts FROM controllers"),
              "nvmetrace scenario controller|NVT00000000|1.0|5");
    CHECK_STR(q1(db, "SELECT nsid || ' ' || nsze || ' ' || lba_size FROM namespaces"),
              "1 1048576 512");
    CHECK_STR(q1(db, "SELECT cns || ' ' || known_bytes || ' ' || length(data) || ' ' || "
                     "hex(substr(data, 25, 9)) FROM identify WHERE cns = 1"),
              "1 4096 4096 6E766D657472616365");
    /* views */
    CHECK_STR(q1(db, "SELECT count(*) FROM interrupts"), q1(db, "SELECT count(*) FROM completions"));
    CHECK_STR(q1(db, "SELECT count(*) FROM doorbells WHERE is_cq = 0 AND qid = 1"), "7");
    CHECK_STR(q1(db, "SELECT count(*) FROM findings"), "0");
    CHECK_STR(q1(db, "SELECT count(*) FROM lint_rules"), "17");
    CHECK_STR(q1(db, "SELECT name FROM nvme_names WHERE kind = 'admin_opcode' AND value = 6"),
              "Identify");
    nvt_db_close(db);

    /* the same through nvt_db_open / nvt_db_open_any */
    nvt_error err;
    char dbpath[512];
    snprintf(dbpath, sizeof dbpath, "%s/clean.db", dir);
    CHECK_EQ_U64(nvt_db_is_index(dbpath), 1);
    CHECK_EQ_U64(nvt_db_is_index(path), 0);
    db = nvt_db_open_any(dbpath, NULL, &err);
    CHECK(db && !strcmp(q1(db, "SELECT count(*) FROM commands"), "32"));
    nvt_db_close(db);
    db = nvt_db_open_any(path, NULL, &err);
    CHECK(db && !strcmp(q1(db, "SELECT count(*) FROM commands"), "32"));
    nvt_db_close(db);
    CHECK(nvt_db_open(path, &err) == NULL);
}

static void findings_in_index(void)
{
    struct scen s;
    memset(&s, 0, sizeof s);
    s.orphan_cpl = 1;
    s.bar0_size = 8192;
    nvt_index_result res;
    sqlite3 *db = build("findings", &s, &res);
    CHECK(db != NULL);
    if (!db)
        return;
    CHECK_EQ_U64(res.findings, 2);
    CHECK_EQ_U64(res.orphan_completions, 1);
    CHECK_STR(q1(db, "SELECT group_concat(rule || ':' || severity || ':' || count, ' ') FROM "
                     "findings ORDER BY event_id"),
              "bar0-too-small:error:2 cpl-without-sub:error:1");
    CHECK_STR(q1(db, "SELECT e.type FROM findings f JOIN events e ON e.id = f.event_id WHERE "
                     "f.rule = 'cpl-without-sub'"),
              "12");
    nvt_db_close(db);
}

/* A trace with four Reads on one queue, submitted together at t0 and completing after 100,
 * 200, 300 and 400 ns: p50 = 200 (rank 2 of 4), p90 = p99 = max = 400; depth 4, and the
 * time-weighted mean over [t0, t0 + 400] = (4+3+2+1) x 100 / 400 = 2.5. */
static void stats_known(void)
{
    char path[512];
    nvt_error err;
    snprintf(path, sizeof path, "%s/known.pcapng", dir);
    nvt_writer *w = nvt_writer_open(path, NULL, &err);
    CHECK(w != NULL);
    if (!w)
        return;
    nvt_device dev;
    memset(&dev, 0, sizeof dev);
    snprintf(dev.bdf, sizeof dev.bdf, "0000:00:04.0");
    nvt_writer_add_device(w, &dev, &err);
    uint64_t t0 = 1000000;
    for (uint16_t i = 0; i < 4; i++) {
        nvt_event ev = {.type = NVT_EV_SUBMISSION, .ts_ns = t0};
        ev.u.sub.qid = 1;
        ev.u.sub.slot = i;
        ev.u.sub.known = UINT64_MAX;
        ev.u.sub.sqe[0] = 0x02;
        ev.u.sub.sqe[2] = (uint8_t)i;
        ev.u.sub.sqe[4] = 1;
        ev.u.sub.sqe[48] = 7; /* 8 blocks */
        nvt_writer_write(w, &ev, NULL, &err);
    }
    for (uint16_t i = 0; i < 4; i++) {
        nvt_event ev = {.type = NVT_EV_COMPLETION, .ts_ns = t0 + 100u * (i + 1u)};
        ev.u.cpl.qid = 1;
        ev.u.cpl.slot = i;
        ev.u.cpl.known = 0xffff;
        ev.u.cpl.cqe[10] = 1;
        ev.u.cpl.cqe[12] = (uint8_t)i;
        /* status field bits 15:1 (phase in bit 0); the last one: SC 0x80 LBA Out of Range */
        uint16_t status = (uint16_t)((i == 3 ? 0x80u : 0u) << 1 | 1u);
        ev.u.cpl.cqe[14] = (uint8_t)status;
        ev.u.cpl.cqe[15] = (uint8_t)(status >> 8);
        nvt_writer_write(w, &ev, NULL, &err);
        nvt_event irq = {.type = NVT_EV_INTERRUPT, .ts_ns = t0 + 100u * (i + 1u)};
        irq.u.irq.vector = 1;
        if (i % 2)
            nvt_writer_write(w, &irq, NULL, &err);
    }
    CHECK(nvt_writer_close(w, &err) == 0);
    sqlite3 *db = nvt_db_open_any(path, NULL, &err);
    CHECK(db != NULL);
    nvt_stats *st = NULL;
    CHECK(db && nvt_stats_compute(db, &st, &err) == 0);
    if (st) {
        CHECK_EQ_U64(st->commands, 4);
        CHECK_EQ_U64(st->nopcodes, 1);
        CHECK_STR(st->opcodes[0].name, "Read");
        CHECK_EQ_U64(st->opcodes[0].errors, 1);
        CHECK_EQ_U64(st->opcodes[0].latency.count, 4);
        CHECK_EQ_U64(st->opcodes[0].latency.min_ns, 100);
        CHECK_EQ_U64(st->opcodes[0].latency.p50_ns, 200);
        CHECK_EQ_U64(st->opcodes[0].latency.p90_ns, 400);
        CHECK_EQ_U64(st->opcodes[0].latency.p99_ns, 400);
        CHECK_EQ_U64(st->opcodes[0].latency.max_ns, 400);
        CHECK(st->opcodes[0].latency.mean_ns > 249.9 && st->opcodes[0].latency.mean_ns < 250.1);
        CHECK_EQ_U64(st->nqueues, 1);
        CHECK_EQ_U64(st->queues[0].max_depth, 4);
        CHECK(st->queues[0].mean_depth > 2.499 && st->queues[0].mean_depth < 2.501);
        CHECK_EQ_U64(st->nstatuses, 1);
        CHECK_EQ_U64(st->statuses[0].sc, 0x80);
        CHECK_STR(st->statuses[0].name, "LBA Out of Range");
        CHECK_EQ_U64(st->interrupts, 2);
        CHECK(st->interrupts_per_completion > 0.499 && st->interrupts_per_completion < 0.501);
        /* no Identify Namespace data: blocks, not bytes */
        CHECK_EQ_U64(st->nio, 1);
        CHECK_EQ_U64(st->io[0].read_cmds, 3);
        CHECK_EQ_U64(st->io[0].read_blocks, 24);
        CHECK_EQ_U64(st->io[0].bytes_known, 0);
    }
    nvt_stats_free(st);
    nvt_db_close(db);
}

static void stats_scenario(void)
{
    /* coalescing device: one interrupt per two I/O completions on vector 1 */
    struct scen s;
    case_scenario("diff-b", &s);
    sqlite3 *db = build("coalesce", &s, NULL);
    nvt_stats *st = NULL;
    nvt_error err;
    CHECK(db && nvt_stats_compute(db, &st, &err) == 0);
    if (st) {
        CHECK_EQ_U64(st->nvectors, 2);
        CHECK_EQ_U64(st->vectors[0].vector, 0);
        CHECK_EQ_U64(st->vectors[0].interrupts, 7);
        CHECK_EQ_U64(st->vectors[0].completions, 7);
        CHECK_EQ_U64(st->vectors[1].vector, 1);
        CHECK_EQ_U64(st->vectors[1].completions, 25);
        CHECK_EQ_U64(st->vectors[1].interrupts, 12);
        /* Identify Namespace present: bytes known */
        CHECK_EQ_U64(st->nio, 1);
        CHECK_EQ_U64(st->io[0].bytes_known, 1);
        CHECK_EQ_U64(st->io[0].read_bytes, 17 * 4096);
        CHECK_EQ_U64(st->io[0].write_bytes, 8 * 4096);
        CHECK_EQ_U64(st->nstatuses, 1);
        CHECK_STR(st->statuses[0].name, "Invalid Namespace or Format");
        /* I/O in groups of four: depth 4 on SQ 1, 1 on the admin queue */
        CHECK_EQ_U64(st->nqueues, 2);
        CHECK_EQ_U64(st->queues[0].max_depth, 1);
        CHECK_EQ_U64(st->queues[1].max_depth, 4);
        CHECK_EQ_U64(st->queues[1].commands, 25);
    }
    nvt_stats_free(st);
    nvt_db_close(db);
}

static void bad_input(void)
{
    char path[512], db[512];
    nvt_error err;
    snprintf(path, sizeof path, "%s/truncated.pcapng", dir);
    snprintf(db, sizeof db, "%s/truncated.db", dir);
    struct scen s;
    memset(&s, 0, sizeof s);
    char full[512];
    snprintf(full, sizeof full, "%s/full.pcapng", dir);
    CHECK(scen_write(full, &s, &err) == 0);
    /* cut the file in the middle of a block */
    FILE *in = fopen(full, "rb"), *out = fopen(path, "wb");
    char buf[4000];
    size_t n = fread(buf, 1, sizeof buf, in);
    fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
    remove(db);
    CHECK(nvt_index_build(path, db, NULL, NULL, NULL, &err) == -1);
    CHECK(strstr(err.msg, "truncated.pcapng") != NULL);
    FILE *f = fopen(db, "rb");
    CHECK(f == NULL); /* no partial index left behind */
    if (f)
        fclose(f);
}

int main(int argc, char **argv)
{
    snprintf(dir, sizeof dir, "%s", argc > 1 ? argv[1] : ".");
    scenario_index();
    findings_in_index();
    stats_known();
    stats_scenario();
    bad_input();
    TEST_DONE();
}

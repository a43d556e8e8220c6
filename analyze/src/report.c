/* nvt_report_write: one self-contained HTML page of a trace. Tables (identity, lint findings,
 * statistics) are written as HTML here; the charts (latency histograms, queue depth, command
 * timeline) are drawn as inline SVG by the page's own script from a JSON block, so the file
 * needs no network and no other file. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nvmetrace/analyze.h"
#include "report_assets.h"
#include "stats_internal.h"
#include "walk.h"

#define HIST_PER_DECADE 4
#define HIST_MIN_EXP 1 /* 10 ns */
#define HIST_MAX_EXP 11 /* 100 s */
#define HIST_BINS ((HIST_MAX_EXP - HIST_MIN_EXP) * HIST_PER_DECADE)
#define DEPTH_POINTS 600

struct rep {
    FILE *f;
    sqlite3 *db;
    nvt_error *err;
    uint64_t first_ns, last_ns;
    int failed;
    nvt_coverage cov;
};

/* ------------------------------------------------------------------ output ---- */

static void html(struct rep *r, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", r->f);
            break;
        case '>':
            fputs("&gt;", r->f);
            break;
        case '&':
            fputs("&amp;", r->f);
            break;
        case '"':
            fputs("&quot;", r->f);
            break;
        default:
            fputc(*s, r->f);
        }
    }
}

/* A JSON string; '<' escaped so no text can close the script element. */
static void jstr(struct rep *r, const char *s)
{
    fputc('"', r->f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(r->f, "\\%c", c);
        else if (c < 0x20 || c == '<' || c == '>' || c == '&')
            fprintf(r->f, "\\u%04x", c);
        else
            fputc(c, r->f);
    }
    fputc('"', r->f);
}

/* An integer column as a JSON number, or null. */
static void jnum(struct rep *r, sqlite3_stmt *s, int i)
{
    if (sqlite3_column_type(s, i) == SQLITE_NULL)
        fputs("null", r->f);
    else
        fprintf(r->f, "%lld", (long long)sqlite3_column_int64(s, i));
}

static const char *col_text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? (const char *)t : "";
}

static int query(struct rep *r, const char *sql, sqlite3_stmt **s)
{
    if (sql_prepare(r->db, sql, s, r->err) < 0) {
        r->failed = 1;
        return -1;
    }
    return 0;
}

static void finish(struct rep *r, sqlite3_stmt *s, int rc)
{
    if (sql_done(r->db, s, rc, r->err) < 0)
        r->failed = 1;
}

static void fmt_ns(uint64_t ns, char *buf, size_t len)
{
    if (ns < 10000)
        snprintf(buf, len, "%" PRIu64 " ns", ns);
    else if (ns < 10000000)
        snprintf(buf, len, "%.1f µs", (double)ns / 1e3);
    else if (ns < 10000000000ull)
        snprintf(buf, len, "%.1f ms", (double)ns / 1e6);
    else
        snprintf(buf, len, "%.2f s", (double)ns / 1e9);
}

/* --------------------------------------------------------------- sections ---- */

static void section_summary(struct rep *r, const char *title)
{
    sqlite3_stmt *s;
    char when[64] = "", dur[32];
    time_t t = (time_t)(r->first_ns / 1000000000u);
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    fmt_ns(r->last_ns - r->first_ns, dur, sizeof dur);
    fputs("<header><h1>", r->f);
    html(r, title);
    fputs("</h1><p class=\"sub\">", r->f);
    if (query(r, "SELECT key, value FROM trace WHERE key IN ('appl', 'comment', 'events')", &s) < 0)
        return;
    char appl[256] = "", events[32] = "";
    char *comment = NULL; /* whole: it may hold the emulator's command line */
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *k = col_text(s, 0), *v = col_text(s, 1);
        if (!strcmp(k, "appl"))
            snprintf(appl, sizeof appl, "%s", v);
        else if (!strcmp(k, "comment")) {
            free(comment);
            if (!(comment = strdup(v)))
                r->failed = 1;
        } else
            snprintf(events, sizeof events, "%s", v);
    }
    finish(r, s, rc);
    fprintf(r->f, "%s events over %s, starting %s", events, dur, when);
    if (appl[0]) {
        fputs(" &middot; written by ", r->f);
        html(r, appl);
    }
    fputs("</p>", r->f);
    if (comment && comment[0]) {
        fputs("<p class=\"comment\">", r->f);
        html(r, comment);
        fputs("</p>", r->f);
    }
    free(comment);
    char why[160];
    if (nvt_coverage_check(&r->cov, why, sizeof why) != NVT_COVERAGE_OK) {
        /* never an empty success: an empty page must not look like a quiet device */
        fputs("<p class=\"nothing\" id=\"nothing\">Nothing to judge: ", r->f);
        html(r, why);
        fputs(". The figures below describe what little the trace holds.</p>", r->f);
    }
    fputs("</header>\n", r->f);
}

/* One card per device: what PCI config space, the emulator and Identify say it is. */
static void section_identity(struct rep *r)
{
    static const char *const label[] = {
        "PCI address", "vendor:device", "subsystem", "class", "emulator", "model (Identify)",
        "serial", "firmware", "NVMe version", "MDTS", "namespaces", "BARs", "MSI-X vectors"};
    sqlite3_stmt *s;
    int rc;
    fputs("<section id=\"identity\"><h2>Device</h2><div class=\"grid\">\n", r->f);
    /* Namespaces: the active ones (NSZE > 0) as last identified; a scan of inactive NSIDs
     * (SeaBIOS identifies every NSID up to NN) is summed up in a count. */
    if (query(r,
              "SELECT d.id, d.bdf, printf('%04x:%04x', d.vendor_id, d.device_id), "
              "printf('%04x:%04x', d.subsys_vendor_id, d.subsys_id), printf('%06x', d.class_code), "
              "d.emulator, c.mn, c.sn, c.fr, "
              "CASE WHEN c.ver IS NULL THEN NULL ELSE printf('%d.%d', c.ver >> 16, (c.ver >> 8) & 255) END, "
              "CASE WHEN c.mdts IS NULL THEN NULL WHEN c.mdts = 0 THEN 'no limit' "
              "  ELSE c.mdts || ' (' || ((1 << c.mdts) * 4) || ' KiB with 4 KiB pages)' END, "
              "(SELECT group_concat(printf('NSID %d: %d blocks of %s', nsid, nsze, "
              "   coalesce(lba_size || ' bytes', '?')), '; ') FROM (SELECT nsid, nsze, lba_size "
              "   FROM namespaces n WHERE n.device = d.id AND nsze > 0 AND command = (SELECT "
              "   max(command) FROM namespaces m WHERE m.device = d.id AND m.nsid = n.nsid) "
              "   ORDER BY nsid)) || coalesce((SELECT '; ' || count(DISTINCT nsid) || "
              "   ' inactive NSIDs identified' FROM namespaces n WHERE n.device = d.id AND "
              "   nsze = 0 HAVING count(*) > 0), ''), "
              "(SELECT group_concat(printf('BAR%d %s', bar, CASE WHEN size >= 1048576 THEN "
              "  (size / 1048576) || ' MiB' ELSE (size / 1024) || ' KiB' END), ', ') FROM "
              "  (SELECT bar, size FROM bars WHERE device = d.id AND size > 0 AND action IN "
              "   ('probe', 'map') GROUP BY bar)), "
              "coalesce(d.msix_vectors, (SELECT nullif(max(table_size), 0) FROM msix_control "
              "  WHERE device = d.id)) "
              "FROM devices d LEFT JOIN controllers c ON c.device = d.id "
              "AND c.command = (SELECT max(command) FROM controllers WHERE device = d.id) ORDER BY d.id",
              &s) < 0)
        return;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        fprintf(r->f, "<div class=\"card\"><h3>device %s</h3><table class=\"kv\">", col_text(s, 0));
        for (int i = 0; i < 13; i++) {
            const char *t = col_text(s, i + 1);
            fprintf(r->f, "<tr><th>%s</th><td>", label[i]);
            html(r, t[0] ? t : "—");
            fputs("</td></tr>", r->f);
        }
        fputs("</table></div>\n", r->f);
    }
    finish(r, s, rc);
    fputs("</div><p class=\"note\">Identify fields show \"—\" when the trace holds no Identify "
          "data (QEMU log imports carry no DMA data).</p></section>\n",
          r->f);
}

static void section_findings(struct rep *r)
{
    sqlite3_stmt *s;
    int rc;
    uint64_t n = 0;
    sql_u64(r->db, "SELECT count(*) FROM findings", &n, r->err);
    char lint[16] = "on";
    if (query(r, "SELECT value FROM trace WHERE key = 'lint'", &s) == 0) {
        if ((rc = sqlite3_step(s)) == SQLITE_ROW)
            snprintf(lint, sizeof lint, "%s", col_text(s, 0));
        finish(r, s, rc == SQLITE_ROW ? SQLITE_DONE : rc);
    }
    fprintf(r->f, "<section id=\"findings\"><h2>Lint findings (%" PRIu64 ")</h2>\n", n);
    if (!strcmp(lint, "off")) {
        fputs("<p>The index was built with --no-lint.</p></section>\n", r->f);
        return;
    }
    if (!n) {
        fputs("<p class=\"ok\">No rule of docs/lint.md was broken.</p></section>\n", r->f);
        return;
    }
    if (query(r,
              "SELECT f.severity, f.rule, f.event_id, f.ts_ns, f.count, f.message, l.spec, "
              "d.bdf FROM findings f JOIN lint_rules l ON l.id = f.rule "
              "LEFT JOIN devices d ON d.id = f.device ORDER BY f.event_id",
              &s) < 0)
        return;
    fputs("<table class=\"findings\"><tr><th>severity</th><th>rule</th><th>event</th>"
          "<th>time</th><th>device</th><th>count</th><th>finding</th></tr>\n",
          r->f);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char t[32];
        uint64_t ts = (uint64_t)sqlite3_column_int64(s, 3);
        fmt_ns(ts >= r->first_ns ? ts - r->first_ns : 0, t, sizeof t);
        fprintf(r->f, "<tr class=\"%s\"><td>", col_text(s, 0));
        html(r, col_text(s, 0));
        fputs("</td><td><code>", r->f);
        html(r, col_text(s, 1));
        fprintf(r->f, "</code></td><td>%s</td><td>+%s</td><td>", col_text(s, 2), t);
        html(r, col_text(s, 7));
        fprintf(r->f, "</td><td>%s</td><td>", col_text(s, 4));
        html(r, col_text(s, 5));
        fputs("<div class=\"spec\">", r->f);
        html(r, col_text(s, 6));
        fputs("</div></td></tr>\n", r->f);
    }
    finish(r, s, rc);
    fputs("</table></section>\n", r->f);
}

static void section_stats(struct rep *r, const nvt_stats *st)
{
    fputs("<section id=\"stats\"><h2>Commands</h2>\n"
          "<table class=\"num\"><tr><th>device</th><th>set</th><th>opcode</th><th>count</th>"
          "<th>no completion</th><th>errors</th><th>p50</th><th>p90</th><th>p99</th>"
          "<th>max</th></tr>\n",
          r->f);
    for (size_t i = 0; i < st->nopcodes; i++) {
        const nvt_opcode_stats *o = &st->opcodes[i];
        char p[4][32];
        fmt_ns(o->latency.p50_ns, p[0], sizeof p[0]);
        fmt_ns(o->latency.p90_ns, p[1], sizeof p[1]);
        fmt_ns(o->latency.p99_ns, p[2], sizeof p[2]);
        fmt_ns(o->latency.max_ns, p[3], sizeof p[3]);
        fprintf(r->f, "<tr><td>%u</td><td>%s</td><td>", o->device, o->admin ? "admin" : "I/O");
        html(r, o->name);
        fprintf(r->f, "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td%s>%" PRIu64 "</td>",
                o->count, o->incomplete, o->errors ? " class=\"bad\"" : "", o->errors);
        for (int k = 0; k < 4; k++)
            fprintf(r->f, "<td>%s</td>", o->latency.count ? p[k] : "—");
        fputs("</tr>\n", r->f);
    }
    fputs("</table>\n", r->f);
    fprintf(r->f, "<p>%" PRIu64 " commands, %" PRIu64 " completions, %" PRIu64
                  " interrupts (%.2f per completion).",
            st->commands, st->completions, st->interrupts, st->interrupts_per_completion);
    for (size_t i = 0; i < st->nio; i++) {
        const nvt_io_bytes *io = &st->io[i];
        if (io->bytes_known)
            fprintf(r->f, " Device %u read %" PRIu64 " bytes in %" PRIu64 " commands and wrote %" PRIu64
                          " bytes in %" PRIu64 ".",
                    io->device, io->read_bytes, io->read_cmds, io->write_bytes, io->write_cmds);
        else
            fprintf(r->f, " Device %u read %" PRIu64 " blocks in %" PRIu64 " commands and wrote %" PRIu64
                          " blocks in %" PRIu64 " (LBA size not in the trace).",
                    io->device, io->read_blocks, io->read_cmds, io->write_blocks, io->write_cmds);
    }
    if (st->nstatuses) {
        fputs(" Error completions:", r->f);
        for (size_t i = 0; i < st->nstatuses; i++) {
            fprintf(r->f, "%s ", i ? "," : "");
            html(r, st->statuses[i].name);
            fprintf(r->f, " &times; %" PRIu64, st->statuses[i].count);
        }
        fputs(".", r->f);
    }
    fputs("</p></section>\n", r->f);
}

/* ------------------------------------------------------------------- data ---- */

static void data_latency(struct rep *r, const nvt_stats *st)
{
    sqlite3_stmt *s;
    fputs("\"latency\":[", r->f);
    uint64_t(*bins)[HIST_BINS] = calloc(st->nopcodes ? st->nopcodes : 1, sizeof *bins);
    if (!bins) {
        r->failed = 1;
        set_err(r->err, NVT_E_NOMEM, "out of memory");
        return;
    }
    /* one pass over the commands, binned per opcode group of the statistics */
    if (query(r,
              "SELECT device, admin, opcode, latency_ns FROM commands WHERE latency_ns IS NOT NULL",
              &s) == 0) {
        int rc;
        size_t g = 0;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            uint32_t dev = (uint32_t)sqlite3_column_int64(s, 0);
            int admin = sqlite3_column_int(s, 1);
            int opc = sqlite3_column_type(s, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 2);
            if (g >= st->nopcodes || st->opcodes[g].device != dev ||
                st->opcodes[g].admin != admin || st->opcodes[g].opcode != opc)
                for (g = 0; g < st->nopcodes; g++)
                    if (st->opcodes[g].device == dev && st->opcodes[g].admin == admin &&
                        st->opcodes[g].opcode == opc)
                        break;
            if (g == st->nopcodes)
                continue;
            double ns = (double)sqlite3_column_int64(s, 3);
            int b = ns < 1 ? 0 : (int)floor((log10(ns) - HIST_MIN_EXP) * HIST_PER_DECADE);
            if (b < 0)
                b = 0;
            if (b >= HIST_BINS)
                b = HIST_BINS - 1;
            bins[g][b]++;
        }
        finish(r, s, rc);
    }
    int first = 1;
    for (size_t i = 0; i < st->nopcodes; i++) {
        const nvt_opcode_stats *o = &st->opcodes[i];
        if (!o->latency.count)
            continue;
        fprintf(r->f, "%s{\"device\":%u,\"admin\":%d,\"name\":", first ? "" : ",", o->device,
                o->admin);
        jstr(r, o->name);
        fprintf(r->f, ",\"count\":%" PRIu64 ",\"p50\":%" PRIu64 ",\"p99\":%" PRIu64
                      ",\"max\":%" PRIu64 ",\"bins\":[",
                o->latency.count, o->latency.p50_ns, o->latency.p99_ns, o->latency.max_ns);
        for (int b = 0; b < HIST_BINS; b++)
            fprintf(r->f, "%s%" PRIu64, b ? "," : "", bins[i][b]);
        fputs("]}", r->f);
        first = 0;
    }
    free(bins);
    fprintf(r->f, "],\"hist\":{\"min_exp\":%d,\"per_decade\":%d,\"bins\":%d}", HIST_MIN_EXP,
            HIST_PER_DECADE, HIST_BINS);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* One queue's depth as DEPTH_POINTS slices of the trace, each the maximum depth reached in
 * it (a slice starts at the depth the previous one ended with), so short peaks stay
 * visible however long the trace. */
static void depth_series(struct rep *r, uint64_t *starts, uint64_t *ends, size_t n)
{
    qsort(ends, n, sizeof *ends, cmp_u64);
    uint64_t span = r->last_ns > r->first_ns ? r->last_ns - r->first_ns : 1;
    uint32_t level[DEPTH_POINTS];
    size_t i = 0, j = 0, slice = 0;
    uint32_t depth = 0, slice_max = 0;
    while (i < n || j < n) {
        int take_end = j < n && (i >= n || ends[j] <= starts[i]);
        uint64_t t = take_end ? ends[j++] : starts[i++];
        uint64_t rel = t > r->first_ns ? t - r->first_ns : 0;
        size_t k = (size_t)((double)rel / (double)span * (DEPTH_POINTS - 1));
        if (k >= DEPTH_POINTS)
            k = DEPTH_POINTS - 1;
        while (slice < k) {
            level[slice++] = slice_max;
            slice_max = depth;
        }
        depth = take_end ? (depth ? depth - 1 : 0) : depth + 1;
        if (depth > slice_max)
            slice_max = depth;
    }
    while (slice < DEPTH_POINTS) {
        level[slice++] = slice_max;
        slice_max = depth;
    }
    for (size_t k = 0; k < DEPTH_POINTS; k++)
        fprintf(r->f, "%s%u", k ? "," : "", level[k]);
}

struct dctx {
    struct rep *r;
    int first;
};

static int one_depth(void *ctx, uint32_t dev, uint32_t sqid, uint64_t *starts, uint64_t *ends,
                     size_t n, uint64_t *lat, size_t nlat)
{
    struct dctx *c = ctx;
    uint32_t maxd;
    double mean;
    (void)lat;
    (void)nlat;
    depth_sweep(starts, ends, n, &maxd, &mean);
    fprintf(c->r->f, "%s{\"device\":%u,\"sqid\":%u,\"commands\":%zu,\"max\":%u,"
                     "\"mean\":%.3f,\"points\":%d,\"series\":[",
            c->first ? "" : ",", dev, sqid, n, maxd, mean, DEPTH_POINTS);
    depth_series(c->r, starts, ends, n);
    fputs("]}", c->r->f);
    c->first = 0;
    return 0;
}

static void data_depth(struct rep *r)
{
    struct dctx c = {r, 1};
    fputs(",\"depth\":[", r->f);
    if (queue_walk(r->db, one_depth, &c, r->err) < 0)
        r->failed = 1;
    fputs("]", r->f);
}

static void data_timeline(struct rep *r, size_t max)
{
    sqlite3_stmt *s;
    uint64_t total = 0;
    sql_u64(r->db, "SELECT count(*) FROM commands", &total, r->err);
    fprintf(r->f, ",\"timeline\":{\"total\":%" PRIu64 ",\"max\":%zu,\"cmds\":[", total, max);
    if (query(r,
              "SELECT id, device, sqid, coalesce(name, CASE WHEN admin THEN 'admin ' ELSE "
              "'I/O ' END || coalesce(printf('0x%02x', opcode), '?')), sub_ts, cpl_ts, "
              "coalesce(status & 2047, 0), cid FROM commands ORDER BY sub_ts, id LIMIT ?",
              &s) < 0)
        return;
    sqlite3_bind_int64(s, 1, (sqlite3_int64)max);
    int rc, first = 1;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        uint64_t sub = (uint64_t)sqlite3_column_int64(s, 4);
        fprintf(r->f, "%s[%s,%s,%s,", first ? "" : ",", col_text(s, 0), col_text(s, 1),
                col_text(s, 2));
        jstr(r, col_text(s, 3));
        fprintf(r->f, ",%" PRIu64 ",", sub - r->first_ns);
        if (sqlite3_column_type(s, 5) == SQLITE_NULL)
            fputs("null", r->f);
        else
            fprintf(r->f, "%" PRIu64, (uint64_t)sqlite3_column_int64(s, 5) - r->first_ns);
        fprintf(r->f, ",%s,", col_text(s, 6));
        jnum(r, s, 7); /* the CID: NULL when a log import did not know it */
        fputs("]", r->f);
        first = 0;
    }
    finish(r, s, rc);
    fputs("]}", r->f);
}

static void write_page(struct rep *r, const char *title, size_t max_timeline)
{
    nvt_stats *st = NULL;
    if (nvt_stats_compute(r->db, &st, r->err) < 0) {
        r->failed = 1;
        return;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          r->f);
    html(r, title);
    fputs(" — nvmetrace report</title>\n<style>\n", r->f);
    fputs(report_css, r->f);
    fputs("</style></head><body>\n", r->f);
    section_summary(r, title);
    fputs("<nav><a href=\"#identity\">device</a> <a href=\"#findings\">lint</a> "
          "<a href=\"#latency\">latency</a> <a href=\"#depth\">queue depth</a> "
          "<a href=\"#timeline\">timeline</a> <a href=\"#stats\">commands</a></nav>\n",
          r->f);
    section_identity(r);
    section_findings(r);
    fputs("<section id=\"latency\"><h2>Latency per opcode</h2><p class=\"note\">Completion "
          "time minus submission (SQE fetch) time, logarithmic bins; the marks show p50 and "
          "p99.</p><div id=\"latency-charts\" class=\"grid\"></div></section>\n"
          "<section id=\"depth\"><h2>Queue depth over time</h2><p class=\"note\">Commands "
          "fetched and not yet completed on each submission queue (the maximum within each "
          "slice of time).</p><div id=\"depth-charts\"></div></section>\n"
          "<section id=\"timeline\"><h2>Command timeline</h2><p class=\"note\" "
          "id=\"timeline-note\"></p><div id=\"timeline-chart\"></div></section>\n",
          r->f);
    section_stats(r, st);
    fprintf(r->f, "<footer>nvmetrace %s &middot; self-contained: no network, no other file"
                  "</footer>\n<script type=\"application/json\" id=\"nvt-data\">{\"span\":%" PRIu64 ",",
            NVT_VERSION_STRING, r->last_ns - r->first_ns);
    data_latency(r, st);
    data_depth(r);
    data_timeline(r, max_timeline);
    fputs("}</script>\n<script>\n", r->f);
    fputs(report_js, r->f);
    fputs("</script>\n</body></html>\n", r->f);
    nvt_stats_free(st);
}

int nvt_report_write(const char *trace_path, const char *out_path, const nvt_report_opts *opts,
                     nvt_error *err)
{
    nvt_report_opts none;
    if (!opts) {
        memset(&none, 0, sizeof none);
        opts = &none;
    }
    nvt_index_opts io;
    memset(&io, 0, sizeof io);
    io.progress = opts->progress;
    io.progress_ctx = opts->progress_ctx;
    sqlite3 *db = nvt_db_open_any(trace_path, &io, err);
    if (!db)
        return -1;
    struct rep r;
    memset(&r, 0, sizeof r);
    r.db = db;
    r.err = err;
    if (sql_u64(db, "SELECT value FROM trace WHERE key = 'first_ns'", &r.first_ns, err) < 0 ||
        sql_u64(db, "SELECT value FROM trace WHERE key = 'last_ns'", &r.last_ns, err) < 0 ||
        nvt_db_coverage(db, &r.cov, err) < 0) {
        nvt_db_close(db);
        return -1;
    }
    size_t plen = strlen(out_path) + 32;
    char *tmp = malloc(plen);
    if (!tmp) {
        nvt_db_close(db);
        set_err(err, NVT_E_NOMEM, "out of memory");
        return -1;
    }
    snprintf(tmp, plen, "%s.tmp", out_path);
    r.f = fopen(tmp, "w");
    if (!r.f) {
        set_err(err, NVT_E_IO, "%s: %s", tmp, strerror(errno));
        free(tmp);
        nvt_db_close(db);
        return -1;
    }
    const char *title = opts->title;
    if (!title) {
        const char *slash = strrchr(trace_path, '/');
        title = slash ? slash + 1 : trace_path;
    }
    write_page(&r, title, opts->max_timeline ? opts->max_timeline : 5000);
    int rc = r.failed ? -1 : 0;
    if (fclose(r.f) != 0 && rc == 0) {
        set_err(err, NVT_E_IO, "%s: %s", tmp, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(tmp, out_path) != 0) {
        set_err(err, NVT_E_IO, "%s: %s", out_path, strerror(errno));
        rc = -1;
    }
    if (rc < 0)
        remove(tmp);
    free(tmp);
    nvt_db_close(db);
    if (rc == 0 && opts->coverage)
        *opts->coverage = r.cov;
    return rc;
}

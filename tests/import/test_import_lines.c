/* The importer on each QEMU line it supports, with real logs (data/README.md says which QEMU
 * wrote each file) and, for the 10.1+ line until a real log of it is in data/, lines built
 * from QEMU's own format strings:
 *
 *   7.2   data/boot-qemu-7.2.log.zst: 7.2 event names only, no empty-slot reads
 *   8.0+  data/boot-qemu-10.0.log.zst: renamed shadow-doorbell / EventIdx events (DMA records
 *         at the right slots), config reads of empty slots (never a device), counts equal to
 *         QEMU's own lines
 *   10.1+ the 10.0 log rewritten with the ISO-8601 prefix (no thread id): the same records
 *         with thread 0; hand-written ISO lines; both forms in one log
 *   never an empty success: nvt_qemu_import_check on real logs made empty, cut, renamed,
 *         reformatted or stripped of their NVMe lines
 */
#define _GNU_SOURCE /* timegm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "import_qemu.h"
#include "import_util.h"
#include "nvmetrace/import.h"
#include "nvmetrace/qemu.h"
#include "test.h"

static const char *data_dir;

static char *load_log(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", data_dir, name);
    return load_zst(path, len);
}

static size_t lines_of(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

/* Lines whose text after the prefix contains needle (for "pci_cfg_read empty " and such). */
static size_t count_containing(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* Every table name that a release line does not print has no line in that line's log. */
static void check_names_of_line(const char *log, unsigned version)
{
    const struct qemu_event_def *defs;
    size_t n = qemu_event_table(&defs);
    for (size_t i = 0; i < n; i++) {
        int printed = defs[i].since <= version && (defs[i].gone == 0 || defs[i].gone > version);
        if (!printed && count_lines(log, defs[i].name, NULL) != 0) {
            fprintf(stderr, "%s is not printed by QEMU %u.%u by the table, but is in its log\n",
                    defs[i].name, version / 100, version % 100);
            CHECK(!"event table since/gone disagrees with a real log");
        }
    }
}

/* The counts every boot log must give: records equal QEMU's own lines. */
static void check_counts(const char *log, const struct mem_sink *m, const nvt_qemu_import_stats *st)
{
    CHECK_EQ_U64(st->lines, lines_of(log));
    CHECK_EQ_U64(st->unknown_lines, 0);
    CHECK_EQ_U64(st->bad_lines, 0);
    CHECK_EQ_U64(mem_count(m, NVT_EV_SUBMISSION),
                 count_lines(log, "pci_nvme_admin_cmd", NULL) +
                     count_lines(log, "pci_nvme_io_cmd", NULL));
    CHECK_EQ_U64(mem_count(m, NVT_EV_COMPLETION),
                 count_lines(log, "pci_nvme_enqueue_req_completion", NULL));
    CHECK_EQ_U64(mem_count(m, NVT_EV_DOORBELL),
                 count_lines(log, "pci_nvme_mmio_doorbell_sq", NULL) +
                     count_lines(log, "pci_nvme_mmio_doorbell_cq", NULL));
    CHECK_EQ_U64(mem_count(m, NVT_EV_INTERRUPT), count_lines(log, "pci_nvme_irq_msix", NULL) +
                                                     count_lines(log, "pci_nvme_irq_pin", NULL));
    /* data segments and shadow-doorbell / EventIdx accesses, under either QEMU's names */
    CHECK_EQ_U64(mem_count(m, NVT_EV_DMA_READ) + mem_count(m, NVT_EV_DMA_WRITE),
                 count_lines(log, "pci_nvme_map_addr", NULL) +
                     count_lines(log, "pci_nvme_shadow_doorbell_sq", NULL) +
                     count_lines(log, "pci_nvme_shadow_doorbell_cq", NULL) +
                     count_lines(log, "pci_nvme_eventidx_sq", NULL) +
                     count_lines(log, "pci_nvme_eventidx_cq", NULL) +
                     count_lines(log, "pci_nvme_update_sq_tail", NULL) +
                     count_lines(log, "pci_nvme_update_cq_head", NULL) +
                     count_lines(log, "pci_nvme_update_sq_eventidx", NULL) +
                     count_lines(log, "pci_nvme_update_cq_eventidx", NULL));
    CHECK_EQ_U64(st->nvme_lines, count_containing(log, ":pci_nvme_") +
                                     count_containing(log, "Z pci_nvme_"));
    char why[512];
    CHECK(nvt_qemu_import_check(st, why, sizeof why) == 0);
    const nvt_event *last = &m->evs[m->nevs - 1].ev;
    CHECK_EQ_U64(last->type, NVT_EV_CAPTURE_STATS);
    CHECK_EQ_U64(last->u.stats.warnings, 0);
}

/* Loads the real log of data/ name, imports it (opts may be NULL) into m and checks what every
 * boot log of QEMU line version must give. Returns the log text (free it). */
static char *import_real_log(const char *name, unsigned version, const nvt_qemu_import_opts *o,
                             struct mem_sink *m, nvt_qemu_import_stats *st, size_t *len)
{
    char *log = load_log(name, len);
    nvt_error err;
    CHECK(import_text(log, *len, o, m, st, &err) == 0);
    check_counts(log, m, st);
    check_names_of_line(log, version);
    return log;
}

/* ------------------------------------------------------------------ 7.2 ---- */

static void test_line_7_2(void)
{
    size_t len;
    struct mem_sink m = {0};
    nvt_qemu_import_stats st;
    char *log = import_real_log("boot-qemu-7.2.log.zst", QEMU_V(7, 2), NULL, &m, &st, &len);
    CHECK_EQ_U64(st.iso8601_lines, 0);
    CHECK_EQ_U64(st.empty_slot_lines, 0);
    /* 7.2 names of the shadow doorbells are in this boot (Linux sends Doorbell Buffer Config) */
    CHECK(count_lines(log, "pci_nvme_shadow_doorbell_sq", NULL) > 0);
    mem_sink_free(&m);
    free(log);
}

/* ----------------------------------------------------------------- 10.0 ---- */

/* The first "dbs_addr=0x... eis_addr=0x..." of the log. */
static void dbbuf_addrs(const char *log, uint64_t *dbs, uint64_t *eis)
{
    const char *p = strstr(log, "pci_nvme_dbbuf_config dbs_addr=0x");
    *dbs = *eis = 0;
    if (p) {
        unsigned long long a = 0, b = 0;
        if (sscanf(p, "pci_nvme_dbbuf_config dbs_addr=0x%llx eis_addr=0x%llx", &a, &b) == 2) {
            *dbs = a;
            *eis = b;
        }
    }
}

static void test_line_10_0(void)
{
    size_t len;
    struct mem_sink m = {0};
    nvt_qemu_import_stats st;
    nvt_error err;
    nvt_qemu_import_opts o = {.name = "boot-qemu-10.0.log", .emulator = "QEMU 10.0.2"};
    char *log = import_real_log("boot-qemu-10.0.log.zst", QEMU_V(10, 0), &o, &m, &st, &len);
    CHECK_EQ_U64(m.ndevs, 1);
    CHECK_STR(m.devs[0].bdf, "0000:00:02.0");
    CHECK_EQ_U64(m.devs[0].vendor_id, 0x1b36);
    CHECK_STR(m.devs[0].emulator, "QEMU 10.0.2");
    CHECK_EQ_U64(st.iso8601_lines, 0);
    /* empty slots: counted, not kept, not "other functions" */
    size_t empty = count_containing(log, ":pci_cfg_read empty ") +
                   count_containing(log, ":pci_cfg_write empty ");
    CHECK(empty > 20000); /* most of the boot's lines */
    CHECK_EQ_U64(st.empty_slot_lines, empty);
    /* 8.0 names are there, 7.2's are not */
    size_t sq_tail = count_lines(log, "pci_nvme_update_sq_tail", NULL);
    size_t cq_eventidx = count_lines(log, "pci_nvme_update_cq_eventidx", NULL);
    CHECK(sq_tail > 0 && cq_eventidx > 0);
    /* threads: every record of a tid@ line carries a real thread id */
    for (size_t i = 0; i < m.nevs; i++)
        if (m.evs[i].ev.type != NVT_EV_CAPTURE_STATS && m.evs[i].ev.thread == 0) {
            CHECK(!"a record of a tid@ line has thread 0");
            break;
        }

    /* Shadow doorbells (DMA reads of the doorbell buffer) and EventIdx writes land in their
     * slots: SQ y at dbs + 8y, CQ y at dbs + 8y + 4 (CAP.DSTRD 0), value in the low 2 bytes. */
    uint64_t dbs, eis;
    dbbuf_addrs(log, &dbs, &eis);
    CHECK(dbs != 0 && eis != 0);
    const char *p = strstr(log, ":pci_nvme_update_sq_tail sqid ");
    unsigned qid = 0, val = 0;
    CHECK(p && sscanf(p, ":pci_nvme_update_sq_tail sqid %u new_tail %u", &qid, &val) == 2);
    int found = 0;
    for (size_t i = 0; i < m.nevs && !found; i++) {
        const nvt_event *e = &m.evs[i].ev;
        if (e->type == NVT_EV_DMA_READ && e->u.dma.gpa == dbs + 8ull * qid) {
            CHECK_EQ_U64(e->u.dma.len, 4);
            CHECK_EQ_U64(e->u.dma.caplen, 2);
            CHECK_EQ_U64(m.evs[i].data[0] | m.evs[i].data[1] << 8, val);
            found = 1;
        }
    }
    CHECK(found);
    p = strstr(log, ":pci_nvme_update_cq_eventidx cqid ");
    CHECK(p && sscanf(p, ":pci_nvme_update_cq_eventidx cqid %u new_eventidx %u", &qid, &val) == 2);
    found = 0;
    for (size_t i = 0; i < m.nevs && !found; i++) {
        const nvt_event *e = &m.evs[i].ev;
        if (e->type == NVT_EV_DMA_WRITE && e->u.dma.gpa == eis + 8ull * qid + 4) {
            CHECK_EQ_U64(m.evs[i].data[0] | m.evs[i].data[1] << 8, val);
            found = 1;
        }
    }
    CHECK(found);
    mem_sink_free(&m);

    /* --all-devices: the real functions, never the empty slots (which would be thousands of
     * interfaces, more than a reader accepts) */
    nvt_qemu_import_opts all = {.all_devices = 1};
    CHECK(import_text(log, len, &all, &m, &st, &err) == 0);
    CHECK(m.ndevs >= 2 && m.ndevs <= 8);
    for (size_t i = 0; i < m.ndevs; i++)
        CHECK(strcmp(m.devs[i].model, "empty") != 0);
    CHECK_EQ_U64(st.empty_slot_lines, empty);
    mem_sink_free(&m);
    free(log);
}

/* ----------------------------------------------------------------- 10.1 ---- */

/* Rewrites "tid@sec.usec:name args" lines as QEMU 10.1+ prints them: "YYYY-MM-DDTHH:MM:SS.
 * ffffffZ name args" (UTC, microseconds, no thread id; glib's g_date_time_format_iso8601
 * leaves the fraction out when it is 0). Uses the C library's gmtime_r, not the importer's
 * own date arithmetic. */
static char *to_iso(const char *log, size_t len, size_t *outlen)
{
    char *out = malloc(len + len / 2 + 64);
    size_t n = 0;
    for (const char *p = log; *p;) {
        const char *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        const char *at = memchr(p, '@', (size_t)(eol - p));
        const char *colon = at ? memchr(at, ':', (size_t)(eol - at)) : NULL;
        if (colon) {
            long long sec = 0, usec = 0;
            sscanf(at + 1, "%lld.%lld", &sec, &usec);
            time_t t = (time_t)sec;
            struct tm tm;
            gmtime_r(&t, &tm);
            n += strftime(out + n, 32, "%Y-%m-%dT%H:%M:%S", &tm);
            if (usec) /* as glib: no fraction when the microseconds are 0 */
                n += (size_t)sprintf(out + n, ".%06lld", usec);
            n += (size_t)sprintf(out + n, "Z ");
            memcpy(out + n, colon + 1, (size_t)(eol - colon - 1));
            n += (size_t)(eol - colon - 1);
        }
        out[n++] = '\n';
        p = *eol ? eol + 1 : eol;
    }
    out[n] = '\0';
    *outlen = n;
    return out;
}

static void test_line_10_1(void)
{
    size_t len, isolen;
    char *log = load_log("boot-qemu-10.0.log.zst", &len);
    char *iso = to_iso(log, len, &isolen);
    CHECK(strncmp(iso, "2026-12-08T00:17:24.700741Z pci_nvme_pci_reset ", 47) == 0);
    struct mem_sink a = {0}, b = {0};
    nvt_qemu_import_stats sa, sb;
    nvt_error err;
    CHECK(import_text(log, len, NULL, &a, &sa, &err) == 0);
    CHECK(import_text(iso, isolen, NULL, &b, &sb, &err) == 0);
    check_counts(iso, &b, &sb);
    CHECK_EQ_U64(sb.iso8601_lines, sb.lines);
    CHECK_EQ_U64(sb.empty_slot_lines, sa.empty_slot_lines);
    /* the same records, in the same order, with the same times; thread 0 (unknown) */
    CHECK_EQ_U64(b.nevs, a.nevs);
    size_t diff = 0;
    for (size_t i = 0; i < a.nevs && i < b.nevs; i++) {
        nvt_event x = a.evs[i].ev, y = b.evs[i].ev;
        if (y.thread != 0)
            diff++;
        x.thread = y.thread = 0;
        int same = x.type == y.type && x.ts_ns == y.ts_ns && x.flags == y.flags;
        if (same && x.type == NVT_EV_SUBMISSION)
            same = memcmp(x.u.sub.sqe, y.u.sub.sqe, 64) == 0 && x.u.sub.known == y.u.sub.known &&
                   x.u.sub.slot == y.u.sub.slot && x.u.sub.qid == y.u.sub.qid;
        else if (same && x.type == NVT_EV_COMPLETION)
            same = memcmp(x.u.cpl.cqe, y.u.cpl.cqe, 16) == 0 && x.u.cpl.slot == y.u.cpl.slot;
        else if (same && (x.type == NVT_EV_DMA_READ || x.type == NVT_EV_DMA_WRITE))
            same = x.u.dma.gpa == y.u.dma.gpa && x.u.dma.len == y.u.dma.len &&
                   memcmp(a.evs[i].data, b.evs[i].data, 4) == 0;
        if (!same)
            diff++;
    }
    CHECK_EQ_U64(diff, 0);
    /* no --emulator: the device says which QEMU line the log form means */
    CHECK_STR(b.devs[0].emulator, "QEMU 10.1 or later (ISO-8601 log)");
    mem_sink_free(&a);
    mem_sink_free(&b);
    free(iso);
    free(log);

    /* Hand-written lines in 10.1's form (QEMU's format strings), a 7.2-form line between:
     * both forms are read line by line. */
    const char *lines =
        "2026-12-07T17:37:22.643552Z pci_nvme_pci_reset PCI Function Level Reset\n"
        "2026-12-07T17:37:22.643600Z pci_cfg_read nvme 00:04.0 @0x0 -> 0x101b36\n"
        "2026-12-07T17:37:22.643610Z pci_cfg_read nvme 00:04.0 @0x8 -> 0x1080202\n"
        "2026-12-07T17:37:22.7Z pci_cfg_read empty 00:05.0 @0x0 -> 0xffffffff\n"
        "88@1796665043.000001:pci_nvme_irq_msix raising MSI-X IRQ vector 2\n"
        "2026-12-07T17:37:23.000002Z pci_nvme_update_sq_tail sqid 1 new_tail 5\n"
        /* glib prints no fraction when the microseconds are 0 */
        "2026-12-07T17:37:24Z pci_nvme_irq_msix raising MSI-X IRQ vector 3\n";
    struct mem_sink m = {0};
    nvt_qemu_import_stats st;
    nvt_qemu_import_opts o = {.emulator = "QEMU 11.1.0"};
    CHECK(import_text(lines, strlen(lines), &o, &m, &st, &err) == 0);
    CHECK_EQ_U64(st.bad_lines, 0);
    CHECK_EQ_U64(st.iso8601_lines, 6);
    CHECK_EQ_U64(st.empty_slot_lines, 1);
    struct tm tm = {.tm_year = 2026 - 1900, .tm_mon = 11, .tm_mday = 7, .tm_hour = 17,
                    .tm_min = 37, .tm_sec = 22};
    uint64_t base = (uint64_t)timegm(&tm) * 1000000000ull;
    CHECK(m.nevs >= 7);
    if (m.nevs >= 7) {
        CHECK_EQ_U64(m.evs[0].ev.type, NVT_EV_CTRL_STATE);
        CHECK_EQ_U64(m.evs[0].ev.ts_ns, base + 643552000ull);
        CHECK_EQ_U64(m.evs[0].ev.thread, 0);
        CHECK_EQ_U64(m.evs[3].ev.type, NVT_EV_INTERRUPT);
        CHECK_EQ_U64(m.evs[3].ev.thread, 88);
        CHECK_EQ_U64(m.evs[3].ev.ts_ns, 1796665043000001000ull);
        CHECK_EQ_U64(m.evs[4].ev.type, NVT_EV_DMA_READ);
        CHECK_EQ_U64(m.evs[4].ev.ts_ns, base + 1000002000ull);
        CHECK_EQ_U64(m.evs[5].ev.type, NVT_EV_INTERRUPT);
        CHECK_EQ_U64(m.evs[5].ev.ts_ns, base + 2000000000ull);
    }
    CHECK_STR(m.devs[0].emulator, "QEMU 11.1.0"); /* given: the log does not override it */
    /* the one tid@ line is not what 11.1 prints (qemu.h's 10.2 row): a warning at the end */
    CHECK(m.nevs >= 2 && m.evs[m.nevs - 2].ev.type == NVT_EV_ANNOTATION);
    if (m.nevs >= 2)
        CHECK_STR(m.evs[m.nevs - 2].text,
                  "the log does not match QEMU 11.1.0 (QEMU 10.2's row in nvmetrace/qemu.h): 1 "
                  "lines with the tid@seconds.microseconds (7.2-10.0) prefix");
    mem_sink_free(&m);

    /* a 7.2 log said to be 10.1's: both the prefix and the shadow-doorbell names disagree */
    size_t len72;
    char *log72 = load_log("boot-qemu-7.2.log.zst", &len72);
    nvt_qemu_import_opts wrong = {.emulator = "QEMU 10.1.0"};
    CHECK(import_text(log72, len72, &wrong, &m, &st, &err) == 0);
    size_t notes = 0;
    for (size_t i = 0; i < m.nevs; i++)
        if (m.evs[i].ev.type == NVT_EV_ANNOTATION &&
            strstr(m.evs[i].text, "the log does not match QEMU 10.1.0 (QEMU 10.1's row in "
                                  "nvmetrace/qemu.h): ") == m.evs[i].text) {
            char want[160];
            snprintf(want, sizeof want, " %zu lines with the tid@seconds.microseconds (7.2-10.0) "
                     "prefix; ", lines_of(log72));
            CHECK(strstr(m.evs[i].text, want) != NULL);
            CHECK(strstr(m.evs[i].text, "lines of shadow-doorbell event names it does not print "
                                        "(the first: pci_nvme_eventidx_sq)") != NULL);
            notes++;
        }
    CHECK_EQ_U64(notes, 1);
    mem_sink_free(&m);
    free(log72);

    /* Dates across leap days, century rules and year ends: the same time as timegm gives. */
    static const int dates[][6] = {
        {1970, 1, 1, 0, 0, 0},    {1999, 12, 31, 23, 59, 59}, {2000, 2, 29, 12, 0, 0},
        {2024, 2, 29, 23, 59, 59}, {2024, 3, 1, 0, 0, 0},      {2026, 12, 31, 23, 59, 59},
        {2100, 2, 28, 1, 2, 3},   {2100, 3, 1, 4, 5, 6},      {2400, 2, 29, 7, 8, 9},
    };
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        const int *t = dates[i];
        char one[128];
        snprintf(one, sizeof one,
                 "%04d-%02d-%02dT%02d:%02d:%02d.000001Z pci_nvme_irq_pin pulsing IRQ pin\n", t[0],
                 t[1], t[2], t[3], t[4], t[5]);
        struct tm tmi = {.tm_year = t[0] - 1900, .tm_mon = t[1] - 1, .tm_mday = t[2],
                         .tm_hour = t[3], .tm_min = t[4], .tm_sec = t[5]};
        CHECK(import_text(one, strlen(one), NULL, &m, &st, &err) == 0);
        CHECK(m.nevs == 2);
        if (m.nevs == 2)
            CHECK_EQ_U64(m.evs[0].ev.ts_ns, (uint64_t)timegm(&tmi) * 1000000000ull + 1000);
        mem_sink_free(&m);
    }

    /* Not a 10.1 prefix: no seconds, a '.' without digits, a month 13, no 'Z' (a time zone
     * offset: QEMU prints UTC), a lowercase 't'. Each is refused with the line number, naming
     * both forms. */
    static const char *const bad[] = {
        "2026-12-07T17:37Z pci_nvme_irq_pin pulsing IRQ pin\n",
        "2026-12-07T17:37:22.Z pci_nvme_irq_pin pulsing IRQ pin\n",
        "2026-12-07T17:37:22.643552+01:00 pci_nvme_irq_pin pulsing IRQ pin\n",
        "2026-13-07T17:37:22.643552Z pci_nvme_irq_pin pulsing IRQ pin\n",
        "2026-12-07T17:37:22.643552 pci_nvme_irq_pin pulsing IRQ pin\n",
        "2026-12-07t17:37:22.643552Z pci_nvme_irq_pin pulsing IRQ pin\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(import_text(bad[i], strlen(bad[i]), NULL, &m, &st, &err) < 0);
        CHECK(strstr(err.msg, "<input>:1: not a QEMU trace line") != NULL);
        CHECK(strstr(err.msg, "(10.1+)") != NULL);
        mem_sink_free(&m);
    }
}

/* ---------------------------------------------------- the two QEMU tables ---- */

/* 1 if the event table says QEMU version v prints name. */
static int printed_by(const char *name, unsigned v)
{
    const struct qemu_event_def *defs;
    size_t n = qemu_event_table(&defs);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(defs[i].name, name))
            return defs[i].since <= v && (defs[i].gone == 0 || defs[i].gone > v);
    return 0;
}

/* The importer's event table (since/gone per event) and the QEMU version table of
 * nvmetrace/qemu.h say the same about every release row: which shadow-doorbell names it
 * prints. And the importer reads the log prefix of every row. */
static void test_tables_agree(void)
{
    static const char *const v8[] = {"pci_nvme_update_sq_tail", "pci_nvme_update_cq_head",
                                     "pci_nvme_update_sq_eventidx",
                                     "pci_nvme_update_cq_eventidx"};
    static const char *const v72[] = {"pci_nvme_shadow_doorbell_sq", "pci_nvme_shadow_doorbell_cq",
                                      "pci_nvme_eventidx_sq", "pci_nvme_eventidx_cq"};
    CHECK(nvt_qemu_nlines >= 6);
    for (size_t r = 0; r < nvt_qemu_nlines; r++) {
        const struct nvt_qemu_line *l = &nvt_qemu_lines[r];
        unsigned v = QEMU_V(l->major, l->minor);
        for (size_t i = 0; i < 4; i++) {
            CHECK_EQ_U64(printed_by(v8[i], v), l->shadow_v8_names);
            CHECK_EQ_U64(printed_by(v72[i], v), !l->shadow_v8_names);
        }
        /* one line in the row's prefix form: read, with or without a thread id */
        char line[128];
        snprintf(line, sizeof line, "%spci_nvme_irq_pin pulsing IRQ pin\n",
                 l->log_prefix == NVT_QLOG_ISO8601 ? "2026-12-07T17:37:22.643552Z "
                                                   : "5870@1795403926.406503:");
        struct mem_sink m = {0};
        nvt_qemu_import_stats st;
        nvt_error err;
        CHECK(import_text(line, strlen(line), NULL, &m, &st, &err) == 0);
        CHECK(m.nevs == 2 && m.evs[0].ev.type == NVT_EV_INTERRUPT);
        if (m.nevs == 2)
            CHECK_EQ_U64(m.evs[0].ev.thread, l->log_prefix == NVT_QLOG_ISO8601 ? 0 : 5870);
        CHECK_EQ_U64(st.iso8601_lines, l->log_prefix == NVT_QLOG_ISO8601);
        mem_sink_free(&m);
    }
}

/* ------------------------------------------------- never an empty success ---- */

/* Imports text with skip_bad (as capture does) and applies the check; returns its result
 * and leaves the reason in why. */
static int check_of(const char *text, char *why, size_t whylen, nvt_qemu_import_stats *st)
{
    struct mem_sink m = {0};
    nvt_error err;
    nvt_qemu_import_opts o = {.skip_bad = 1};
    int rc = import_text(text, strlen(text), &o, &m, st, &err);
    CHECK(rc == 0);
    /* the statistics record counts the warnings: unknown + malformed lines */
    CHECK(m.nevs >= 1 && m.evs[m.nevs - 1].ev.type == NVT_EV_CAPTURE_STATS);
    if (m.nevs >= 1)
        CHECK_EQ_U64(m.evs[m.nevs - 1].ev.u.stats.warnings, st->unknown_lines + st->bad_lines);
    mem_sink_free(&m);
    why[0] = '\0';
    return nvt_qemu_import_check(st, why, whylen);
}

/* A copy of log with every line edited by fn(line, len, out, line number) -> new length. */
static char *edit_lines(const char *log, size_t (*fn)(const char *, size_t, char *, size_t))
{
    size_t len = strlen(log);
    char *out = malloc(len * 2 + 16);
    size_t n = 0, no = 0;
    for (const char *p = log; *p;) {
        const char *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        n += fn(p, (size_t)(eol - p), out + n, ++no);
        if (*eol)
            out[n++] = '\n';
        p = *eol ? eol + 1 : eol;
    }
    out[n] = '\0';
    return out;
}

static size_t cut_every_100th(const char *l, size_t len, char *out, size_t no)
{
    size_t keep = no % 100 == 0 && len > 30 ? 30 : len;
    memcpy(out, l, keep);
    return keep;
}

/* A QEMU whose completion event printed "cq" for "cqid". */
static size_t reformat_completion(const char *l, size_t len, char *out, size_t no)
{
    (void)no;
    memcpy(out, l, len);
    char *c = memmem(out, len, ":pci_nvme_enqueue_req_completion cid ", 37);
    char *q = c ? memmem(c, len - (size_t)(c - out), " cqid ", 6) : NULL;
    if (q) {
        memmove(q + 3, q + 5, len - (size_t)(q + 5 - out));
        return len - 2;
    }
    return len;
}

static size_t rename_events(const char *l, size_t len, char *out, size_t no)
{
    (void)no;
    const char *c = memchr(l, ':', len);
    if (!c)
        return 0;
    size_t head = (size_t)(c + 1 - l);
    memcpy(out, l, head);
    memcpy(out + head, "x_", 2);
    memcpy(out + head + 2, c + 1, len - head);
    return len + 2;
}

static size_t drop_nvme(const char *l, size_t len, char *out, size_t no)
{
    (void)no;
    if (memmem(l, len, ":pci_nvme_", 10))
        return 0; /* leaves a blank line, which the importer skips */
    memcpy(out, l, len);
    return len;
}

static void test_never_empty(void)
{
    size_t len;
    char *log = load_log("boot-qemu-10.0.log.zst", &len);
    char why[512];
    nvt_qemu_import_stats st;

    CHECK(check_of(log, why, sizeof why, &st) == 0);
    CHECK_STR(why, "");

    CHECK(check_of("", why, sizeof why, &st) < 0);
    CHECK(strstr(why, "the log is empty") != NULL);

    /* Each broken copy of the real log is refused: the counter the rule reads, and the words
     * of the message. */
    enum { BAD, UNKNOWN, NVME };
    const struct {
        size_t (*edit)(const char *, size_t, char *, size_t);
        int counter;
        uint64_t count;
        const char *says, *says_too;
    } broken[] = {
        /* 1 line in 100 cut short: 293 malformed lines of 29330, more than 0.1% */
        {cut_every_100th, BAD, lines_of(log) / 100,
         "293 of 29330 lines are malformed: more than 1 per mille",
         "the first, line 100: line cut short inside the event name: \"334@1796689044."},
        /* a changed completion format: every completion line is malformed (under 1% of the
         * log, but all of the completions) */
        {reformat_completion, BAD, count_lines(log, "pci_nvme_enqueue_req_completion", NULL),
         "lines are malformed",
         "arguments of pci_nvme_enqueue_req_completion do not have QEMU's format \"cid %u cqid %u"},
        /* every event renamed: all unknown */
        {rename_events, UNKNOWN, lines_of(log),
         "29330 of 29330 lines could not be read (0 malformed, 29330 of unknown", "more than 50%"},
        /* no NVMe controller: config reads only */
        {drop_nvme, NVME, 0, "no pci_nvme_* event in", "no NVMe controller was traced"},
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        char *t = edit_lines(log, broken[i].edit);
        CHECK(check_of(t, why, sizeof why, &st) < 0);
        uint64_t got = broken[i].counter == BAD       ? st.bad_lines
                       : broken[i].counter == UNKNOWN ? st.unknown_lines
                                                      : st.nvme_lines;
        CHECK_EQ_U64(got, broken[i].count);
        CHECK(strstr(why, broken[i].says) != NULL);
        CHECK(strstr(why, broken[i].says_too) != NULL);
        free(t);
    }

    /* the last line cut short by a dying QEMU: accepted (and counted) */
    char *t = strdup(log);
    t[len - 20] = '\0';
    CHECK(check_of(t, why, sizeof why, &st) == 0);
    CHECK_EQ_U64(st.bad_lines, 1);
    free(t);
    free(log);
}

int main(int argc, char **argv)
{
    data_dir = argc > 1 ? argv[1] : "tests/import/data";
    test_line_7_2();
    test_line_10_0();
    test_line_10_1();
    test_tables_agree();
    test_never_empty();
    TEST_DONE();
}

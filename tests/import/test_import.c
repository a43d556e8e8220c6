/* Tests of the QEMU log importer: the event table, a real QEMU 7.2 boot log
 * (data/boot-qemu-7.2.log.zst, see data/README.md) and hand-written lines in QEMU's exact
 * formats for the cases a boot does not show (errors, several SQs on one CQ, bad input). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import_qemu.h"
#include "import_util.h"
#include "nvmetrace/import.h"
#include "test.h"

static const char *data_dir;

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint64_t mask_of(const unsigned *bytes, size_t n)
{
    uint64_t m = 0;
    for (size_t i = 0; i < n; i++)
        m |= 1ull << bytes[i];
    return m;
}

/* ---------------------------------------------------------------- table ---- */

/* Every format of the table parses an argument string built from it, with the right number
 * of arguments and values, and every name is found by lookup. */
static void test_table(void)
{
    const struct qemu_event_def *defs;
    size_t n = qemu_event_table(&defs);
    struct qemu_event_index ix;
    qemu_event_index_init(&ix);
    CHECK(n >= 120);
    for (size_t i = 0; i < n; i++) {
        const struct qemu_event_def *d = &defs[i];
        CHECK(qemu_event_find(&ix, d->name, strlen(d->name)) == d);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(defs[j].name, d->name))
                CHECK(!"duplicate event name");
        for (int f = 0; f < QEMU_MAX_FIELDS && d->fields[f].width; f++)
            CHECK(d->fields[f].off + d->fields[f].width <= 64);
        if (!d->fmt)
            continue;
        char args[512];
        size_t k = 0;
        int convs = 0;
        for (const char *p = d->fmt; *p; p++) {
            if (*p == '%') {
                const char *v = p[1] == 's' ? "word" : p[1] == 'x' ? "1f" : "17";
                k += (size_t)snprintf(args + k, sizeof args - k, "%s", v);
                p++;
                convs++;
            } else {
                args[k++] = *p;
            }
        }
        args[k] = '\0';
        struct qemu_arg a[QEMU_MAX_ARGS];
        int got = qemu_parse_args(d->fmt, args, k, a);
        if (got != convs)
            fprintf(stderr, "format of %s: \"%s\" does not parse \"%s\"\n", d->name, d->fmt, args);
        CHECK_EQ_U64(got, convs);
        for (int f = 0; f < QEMU_MAX_FIELDS && d->fields[f].width; f++)
            CHECK(d->fields[f].arg < convs);
        if (d->cid_arg >= 0)
            CHECK(d->cid_arg < convs);
    }
    CHECK(qemu_event_find(&ix, "pci_nvme_err_something_new", 26)->kind == QK_ERROR);
    CHECK(qemu_event_find(&ix, "pci_nvme_ub_something_new", 25)->kind == QK_UB);
    CHECK(qemu_event_find(&ix, "virtio_blk_req_complete", 23) == NULL);
    CHECK(qemu_event_find(&ix, "pci_nvme_read_", 14) == NULL); /* prefix of nothing */
    CHECK(qemu_event_find(&ix, "pci_nvme_rea", 12) == NULL);
}

static void test_parse_args(void)
{
    struct qemu_arg a[QEMU_MAX_ARGS];
    const char *fmt = "cid %u opname '%s' nsid %u nlb %u count %u lba 0x%x";
    const char *ok = "cid 132 opname 'NVME_NVM_CMD_WRITE' nsid 1 nlb 8 count 4096 lba 0x800";
    CHECK_EQ_U64(qemu_parse_args(fmt, ok, strlen(ok), a), 6);
    CHECK_EQ_U64(a[0].v, 132);
    CHECK(a[1].len == 18 && !memcmp(a[1].s, "NVME_NVM_CMD_WRITE", 18));
    CHECK_EQ_U64(a[5].v, 0x800);
    const char *trailing = "cid 1 opname 'x' nsid 1 nlb 8 count 4096 lba 0x800 more";
    CHECK(qemu_parse_args(fmt, trailing, strlen(trailing), a) < 0);
    const char *missing = "cid 1 opname 'x' nsid 1 nlb 8 count 4096 lba 0x";
    CHECK(qemu_parse_args(fmt, missing, strlen(missing), a) < 0);
    const char *big = "addr 0x12345678123456789 size 4";
    CHECK(qemu_parse_args("addr 0x%x size %d", big, strlen(big), a) < 0);
    const char *dec = "addr 0x10 size 99999999999999999999";
    CHECK(qemu_parse_args("addr 0x%x size %d", dec, strlen(dec), a) < 0);
    const char *neg = "dev nvme enabled -1 masked 0";
    CHECK_EQ_U64(qemu_parse_args("dev %s enabled %d masked %d", neg, strlen(neg), a), 3);
    CHECK_EQ_U64(a[1].v, (uint64_t)-1);
    /* Parsing stops at len: the bytes after it are not part of the arguments. */
    const char *cut = "sqid 1 new_tail 25";
    CHECK_EQ_U64(qemu_parse_args("sqid %u new_tail %u", cut, strlen(cut) - 1, a), 2);
    CHECK_EQ_U64(a[1].v, 2);
}

/* ------------------------------------------------------------ real log ---- */

static const struct mem_event *find_sub(const struct mem_sink *m, size_t from, int admin,
                                        uint8_t opc, size_t *at)
{
    for (size_t i = from; i < m->nevs; i++) {
        const nvt_event *e = &m->evs[i].ev;
        if (e->type == NVT_EV_SUBMISSION && e->u.sub.sqe[0] == opc &&
            (admin ? e->u.sub.qid == 0 : e->u.sub.qid != 0)) {
            if (at)
                *at = i;
            return &m->evs[i];
        }
    }
    return NULL;
}

/* The first DMA record after index from for (SQ, CID). */
static const nvt_event *find_dma(const struct mem_sink *m, size_t from, uint16_t sqid,
                                 uint16_t cid)
{
    for (size_t i = from; i < m->nevs; i++) {
        const nvt_event *e = &m->evs[i].ev;
        if ((e->type == NVT_EV_DMA_READ || e->type == NVT_EV_DMA_WRITE) && e->u.dma.sqid == sqid &&
            e->u.dma.cid == cid)
            return e;
    }
    return NULL;
}

/* The completion after index from for (SQ, CID), matched through the CQE's SQ id. */
static const nvt_event *find_cpl(const struct mem_sink *m, size_t from, uint16_t sqid,
                                 uint16_t cid)
{
    for (size_t i = from; i < m->nevs; i++) {
        const nvt_event *e = &m->evs[i].ev;
        if (e->type == NVT_EV_COMPLETION && le(e->u.cpl.cqe + 12, 2) == cid &&
            (e->u.cpl.known & 0x0c00) && le(e->u.cpl.cqe + 10, 2) == sqid)
            return e;
    }
    return NULL;
}

static void test_real_boot_log(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/boot-qemu-7.2.log.zst", data_dir);
    size_t len;
    char *log = load_zst(path, &len);
    struct mem_sink m = {0};
    nvt_qemu_import_stats st;
    nvt_error err;
    nvt_qemu_import_opts o = {.name = "boot.log"};
    CHECK(import_text(log, len, &o, &m, &st, &err) == 0);

    /* the device, from the pci_cfg_* lines of "nvme 00:02.0" */
    CHECK_EQ_U64(m.ndevs, 1);
    CHECK_STR(m.devs[0].bdf, "0000:00:02.0");
    CHECK_EQ_U64(m.devs[0].vendor_id, 0x1b36);
    CHECK_EQ_U64(m.devs[0].device_id, 0x0010);
    CHECK_EQ_U64(m.devs[0].class_code, 0x010802);
    CHECK_EQ_U64(m.devs[0].revision, 2);
    CHECK_STR(m.devs[0].model, "nvme");
    CHECK_STR(m.devs[0].emulator, "QEMU");

    /* counts per record type against counts of the lines they come from */
    size_t nlines = 0;
    for (size_t i = 0; i < len; i++)
        nlines += log[i] == '\n';
    CHECK_EQ_U64(st.lines, nlines);
    CHECK_EQ_U64(mem_count(&m, NVT_EV_CFG_READ), count_lines(log, "pci_cfg_read", "nvme "));
    CHECK_EQ_U64(mem_count(&m, NVT_EV_CFG_WRITE), count_lines(log, "pci_cfg_write", "nvme "));
    CHECK_EQ_U64(st.filtered_lines,
                 count_lines(log, "pci_cfg_read", NULL) + count_lines(log, "pci_cfg_write", NULL) +
                     count_lines(log, "pci_update_mappings_add", NULL) +
                     count_lines(log, "pci_update_mappings_del", NULL) -
                     mem_count(&m, NVT_EV_CFG_READ) - mem_count(&m, NVT_EV_CFG_WRITE) -
                     mem_count(&m, NVT_EV_BAR_MAP) - mem_count(&m, NVT_EV_BAR_UNMAP) +
                     count_lines(log, "msix_write_config", NULL) -
                     count_lines(log, "msix_write_config", "dev nvme "));
    CHECK_EQ_U64(mem_count(&m, NVT_EV_BAR_MAP), count_lines(log, "pci_update_mappings_add", "nvme "));
    CHECK_EQ_U64(mem_count(&m, NVT_EV_BAR_UNMAP), count_lines(log, "pci_update_mappings_del", "nvme "));
    CHECK_EQ_U64(mem_count(&m, NVT_EV_MMIO_READ), count_lines(log, "pci_nvme_mmio_read", NULL));
    CHECK_EQ_U64(mem_count(&m, NVT_EV_MMIO_WRITE), count_lines(log, "pci_nvme_mmio_write", NULL));
    CHECK_EQ_U64(mem_count(&m, NVT_EV_DOORBELL), count_lines(log, "pci_nvme_mmio_doorbell_sq", NULL) +
                                                     count_lines(log, "pci_nvme_mmio_doorbell_cq", NULL));
    CHECK_EQ_U64(mem_count(&m, NVT_EV_MSIX_CTRL), count_lines(log, "msix_write_config", "dev nvme "));
    CHECK_EQ_U64(mem_count(&m, NVT_EV_INTERRUPT), count_lines(log, "pci_nvme_irq_msix", NULL) +
                                                      count_lines(log, "pci_nvme_irq_pin", NULL));
    CHECK_EQ_U64(mem_count(&m, NVT_EV_SUBMISSION), count_lines(log, "pci_nvme_admin_cmd", NULL) +
                                                       count_lines(log, "pci_nvme_io_cmd", NULL));
    CHECK_EQ_U64(mem_count(&m, NVT_EV_COMPLETION),
                 count_lines(log, "pci_nvme_enqueue_req_completion", NULL));
    CHECK_EQ_U64(mem_count(&m, NVT_EV_DMA_READ) + mem_count(&m, NVT_EV_DMA_WRITE),
                 count_lines(log, "pci_nvme_map_addr", NULL) +
                     count_lines(log, "pci_nvme_shadow_doorbell_sq", NULL) +
                     count_lines(log, "pci_nvme_shadow_doorbell_cq", NULL) +
                     count_lines(log, "pci_nvme_eventidx_sq", NULL) +
                     count_lines(log, "pci_nvme_eventidx_cq", NULL));
    CHECK_EQ_U64(mem_count(&m, NVT_EV_CTRL_STATE),
                 count_lines(log, "pci_nvme_pci_reset", NULL) +
                     2 * count_lines(log, "pci_nvme_mmio_start_success", NULL) +
                     count_lines(log, "pci_nvme_mmio_stopped", NULL) +
                     2 * count_lines(log, "pci_nvme_mmio_shutdown_set", NULL));
    CHECK_EQ_U64(mem_count(&m, NVT_EV_ANNOTATION), count_lines(log, "pci_nvme_dsm_deallocate", NULL));
    CHECK_EQ_U64(mem_count(&m, NVT_EV_CAPTURE_STATS), 1);
    CHECK_EQ_U64(st.unknown_lines, 0);
    CHECK_EQ_U64(st.bad_lines, 0);
    CHECK_EQ_U64(st.records, m.nevs);
    const nvt_event *last = &m.evs[m.nevs - 1].ev;
    CHECK_EQ_U64(last->type, NVT_EV_CAPTURE_STATS);
    CHECK_EQ_U64(last->u.stats.recorded, m.nevs - 1);
    CHECK_EQ_U64(last->u.stats.warnings, 0);

    /* log order: timestamps never go back */
    for (size_t i = 1; i < m.nevs; i++)
        if (m.evs[i].ev.ts_ns < m.evs[i - 1].ev.ts_ns) {
            CHECK(!"timestamps out of order");
            break;
        }
    /* first line: "10952@1795425201.959063:pci_nvme_pci_reset" */
    CHECK_EQ_U64(m.evs[0].ev.type, NVT_EV_CTRL_STATE);
    CHECK_EQ_U64(m.evs[0].ev.u.state.state, NVT_STATE_RESET);
    CHECK_EQ_U64(m.evs[0].ev.ts_ns, 1795425201959063000ull);
    CHECK_EQ_U64(m.evs[0].ev.thread, 10952);

    /* BAR0 sizing: all ones written to 0x10, read back as 0xffffc004 (16 KiB, 64-bit) */
    size_t probe = 0;
    for (size_t i = 0; i + 1 < m.nevs; i++) {
        const nvt_event *w = &m.evs[i].ev, *r = &m.evs[i + 1].ev;
        if (w->type == NVT_EV_CFG_WRITE && w->u.cfg.offset == 0x10 && w->u.cfg.value == 0xffffffff &&
            r->type == NVT_EV_CFG_READ && r->u.cfg.offset == 0x10) {
            CHECK_EQ_U64(w->u.cfg.size, 4);
            CHECK_EQ_U64(r->u.cfg.value, 0xffffc004);
            CHECK_EQ_U64(~(r->u.cfg.value & ~0xfu) + 1, 16384);
            CHECK(r->flags & NVT_F_RECONSTRUCTED);
            probe++;
        }
    }
    CHECK_EQ_U64(probe, 2); /* SeaBIOS sizes the BARs, then Linux does again */
    /* BAR0 mapped: 16 KiB, 64-bit (type bits from the config reads) */
    size_t maps = 0;
    for (size_t i = 0; i < m.nevs; i++) {
        const nvt_event *e = &m.evs[i].ev;
        if (e->type == NVT_EV_BAR_MAP && e->u.bar.bar == 0) {
            CHECK_EQ_U64(e->u.bar.size, 0x4000);
            CHECK_EQ_U64(e->u.bar.flags, NVT_BAR_64BIT);
            CHECK_EQ_U64(e->flags & NVT_F_RECONSTRUCTED, 0);
            maps++;
        }
    }
    CHECK(maps >= 1);
    /* register writes carry BAR0's address; reads have no value */
    for (size_t i = 0; i < m.nevs; i++) {
        const nvt_event *e = &m.evs[i].ev;
        if (e->type == NVT_EV_MMIO_READ) {
            CHECK(e->flags & NVT_F_VALUE_UNKNOWN);
            CHECK_EQ_U64(e->u.mmio.value, 0);
        }
        if (e->type == NVT_EV_MMIO_WRITE && e->u.mmio.offset == 0x14) {
            CHECK(e->u.mmio.gpa != 0 && (e->u.mmio.gpa & 0x3fff) == 0x14);
            break;
        }
    }

    /* SeaBIOS's first command: "admin_cmd cid 0 sqid 0 opc 0x6" + "identify cid 0 cns 0x1
     * ctrlid 0 csi 0x0" + "map_prp ... prp1 0x1efde000 prp2 0x0". */
    size_t at;
    const struct mem_event *id = find_sub(&m, 0, 1, 0x06, &at);
    CHECK(id != NULL);
    if (id) {
        static const unsigned known[] = {0, 2, 3, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
                                         36, 37, 38, 39, 40, 42, 43, 47};
        CHECK_EQ_U64(id->ev.u.sub.known, mask_of(known, sizeof known / sizeof known[0]));
        CHECK(id->ev.flags & NVT_F_RECONSTRUCTED);
        CHECK_EQ_U64(id->ev.u.sub.sqe[40], 1); /* CNS 1: controller */
        CHECK_EQ_U64(le(id->ev.u.sub.sqe + 24, 8), 0x1efde000);
        CHECK_EQ_U64(le(id->ev.u.sub.sqe + 32, 8), 0);
        CHECK_EQ_U64(id->ev.u.sub.slot, 0);
        /* its data: one 4 KiB segment written to the host */
        const nvt_event *d = find_dma(&m, at, 0, 0);
        CHECK(d != NULL);
        if (!d)
            d = &m.evs[at].ev;
        CHECK_EQ_U64(d->type, NVT_EV_DMA_WRITE);
        CHECK_EQ_U64(d->u.dma.gpa, 0x1efde000);
        CHECK_EQ_U64(d->u.dma.len, 4096);
        CHECK_EQ_U64(d->u.dma.caplen, 0);
        CHECK_EQ_U64(d->u.dma.sqid, 0);
        CHECK_EQ_U64(d->u.dma.cid, 0);
        CHECK(d->flags & NVT_F_TRUNCATED);
        const nvt_event *c = find_cpl(&m, at, 0, 0);
        CHECK(c != NULL);
        if (c) {
            CHECK_EQ_U64(c->u.cpl.known, 0xfcff); /* all but SQ head */
            CHECK_EQ_U64(c->u.cpl.slot, 0);
            CHECK_EQ_U64(le(c->u.cpl.cqe + 14, 2), 1); /* status 0, phase 1 */
        }
    }
    /* SeaBIOS's admin queues (AQA 0xff003f): 64-entry SQ, 256-entry CQ. Its commands take SQ
     * slots 0..63 round and round; its CQEs take CQ slots 0..255 and flip the phase after. */
    size_t nadm = 0, ncpl = 0;
    int slots_ok = 1, phase_ok = 1;
    for (size_t i = 0; i < m.nevs && nadm < 300; i++) {
        const nvt_event *e = &m.evs[i].ev;
        if (e->type == NVT_EV_CTRL_STATE && e->u.state.state == NVT_STATE_DISABLE)
            break; /* Linux takes over */
        if (e->type == NVT_EV_SUBMISSION && e->u.sub.qid == 0)
            slots_ok &= e->u.sub.slot == nadm++ % 64;
        if (e->type == NVT_EV_COMPLETION && e->u.cpl.qid == 0) {
            phase_ok &= e->u.cpl.slot == ncpl % 256;
            phase_ok &= (e->u.cpl.cqe[14] & 1) == (ncpl < 256 ? 1 : 0);
            ncpl++;
        }
    }
    CHECK(nadm > 256);
    CHECK(slots_ok);
    CHECK(phase_ok);

    /* Linux's Create I/O CQ 1: 1024 entries, vector 1, PC|IEN; SQ 1 on CQ 1 */
    size_t from = 0;
    const struct mem_event *ccq = NULL;
    while ((ccq = find_sub(&m, from, 1, 0x05, &from)) && !(ccq->ev.u.sub.sqe[44] & 2))
        from++;
    CHECK(ccq != NULL);
    if (ccq) {
        CHECK_EQ_U64(le(ccq->ev.u.sub.sqe + 40, 2), 1);
        CHECK_EQ_U64(le(ccq->ev.u.sub.sqe + 42, 2), 1023);
        CHECK_EQ_U64(le(ccq->ev.u.sub.sqe + 44, 2), 3);
        CHECK_EQ_U64(le(ccq->ev.u.sub.sqe + 46, 2), 1);
        CHECK_EQ_U64(ccq->ev.u.sub.known & (0xffull << 40), 0xffull << 40);
        CHECK_EQ_U64(ccq->ev.u.sub.known & (0xffull << 24), 0xffull << 24);
        const struct mem_event *csq = find_sub(&m, from, 1, 0x01, NULL);
        CHECK(csq != NULL);
        if (csq) {
            CHECK_EQ_U64(le(csq->ev.u.sub.sqe + 40, 2), 1);
            CHECK_EQ_U64(le(csq->ev.u.sub.sqe + 42, 2), 1023);
            CHECK_EQ_U64(le(csq->ev.u.sub.sqe + 46, 2), 1);
        }
    }
    /* The write of the workload: SLBA 2048, 8 blocks (NLB 7), NSID 1, then a Flush and a DSM
     * deallocate of SLBA 4096 + 128. */
    const struct mem_event *wr = find_sub(&m, 0, 0, 0x01, &at);
    CHECK(wr != NULL);
    if (wr) {
        CHECK_EQ_U64(le(wr->ev.u.sub.sqe + 4, 4), 1);
        CHECK_EQ_U64(le(wr->ev.u.sub.sqe + 40, 8), 2048);
        CHECK_EQ_U64(le(wr->ev.u.sub.sqe + 48, 2), 7);
        static const unsigned known[] = {0, 2, 3, 4, 5, 6, 7, 24, 25, 26, 27, 28, 29, 30, 31, 32,
                                         33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46,
                                         47, 48, 49};
        CHECK_EQ_U64(wr->ev.u.sub.known, mask_of(known, sizeof known / sizeof known[0]));
        CHECK(wr->ev.u.sub.slot != NVT_SLOT_UNKNOWN);
        const nvt_event *c = find_cpl(&m, at, wr->ev.u.sub.qid, (uint16_t)le(wr->ev.u.sub.sqe + 2, 2));
        CHECK(c != NULL && le(c->u.cpl.cqe + 14, 2) >> 1 == 0);
        const nvt_event *d = find_dma(&m, at, wr->ev.u.sub.qid, (uint16_t)le(wr->ev.u.sub.sqe + 2, 2));
        CHECK(d != NULL && d->type == NVT_EV_DMA_READ); /* write data: host to device */
        CHECK(d != NULL && d->u.dma.len == 4096);
        CHECK(find_sub(&m, at, 0, 0x00, NULL) != NULL);
    }
    const struct mem_event *dsm = find_sub(&m, 0, 0, 0x09, &at);
    CHECK(dsm != NULL);
    if (dsm) {
        CHECK_EQ_U64(dsm->ev.u.sub.sqe[40], 0);               /* one range */
        CHECK_EQ_U64(le(dsm->ev.u.sub.sqe + 44, 4), 0x4);      /* attribute: deallocate */
        int noted = 0;
        for (size_t i = at; i < m.nevs && !noted; i++)
            if (m.evs[i].ev.type == NVT_EV_ANNOTATION)
                noted = strncmp(m.evs[i].text, "DSM range: SLBA 4096 NLB 128 (SQ=1 CID=", 39) == 0;
        CHECK(noted);
    }
    /* shadow doorbells: after Doorbell Buffer Config, reads of the SQ 1 tail at dbs + 8 */
    const struct mem_event *dbc = find_sub(&m, 0, 1, 0x7c, &at);
    CHECK(dbc != NULL);
    if (dbc) {
        uint64_t dbs = le(dbc->ev.u.sub.sqe + 24, 8), eis = le(dbc->ev.u.sub.sqe + 32, 8);
        size_t shadow = 0, eventidx = 0;
        for (size_t i = at; i < m.nevs; i++) {
            const nvt_event *e = &m.evs[i].ev;
            if (e->type == NVT_EV_DMA_READ && e->u.dma.len == 4 && e->u.dma.gpa == dbs + 8) {
                CHECK_EQ_U64(e->u.dma.caplen, 2);
                shadow++;
            }
            if (e->type == NVT_EV_DMA_WRITE && e->u.dma.len == 4 && e->u.dma.gpa == eis + 8)
                eventidx++;
        }
        CHECK(shadow > 0);
        CHECK(eventidx > 0);
    }
    /* the end: CC.SHN written, shutdown start and done */
    size_t shn = 0;
    for (size_t i = 0; i + 1 < m.nevs; i++) {
        const nvt_event *e = &m.evs[i].ev;
        if (e->type == NVT_EV_CTRL_STATE && e->u.state.state == NVT_STATE_SHUTDOWN_START) {
            CHECK_EQ_U64((e->u.state.value >> 14) & 3, 1);
            CHECK_EQ_U64(m.evs[i + 1].ev.u.state.state, NVT_STATE_SHUTDOWN_DONE);
            shn++;
        }
    }
    CHECK_EQ_U64(shn, 1);
    mem_sink_free(&m);

    /* The same log fed in pieces of every size from 1 to 61 bytes gives the same records. */
    struct mem_sink m2 = {0};
    nvt_import_sink sink;
    mem_sink_init(&m2, &sink);
    nvt_qemu_importer *imp = nvt_qemu_import_new(&o, &sink, &err);
    size_t off = 0;
    for (size_t step = 1; off < len; step = step % 61 + 1) {
        size_t n = len - off < step ? len - off : step;
        if (nvt_qemu_import_feed(imp, log + off, n, &err) < 0)
            break;
        off += n;
    }
    CHECK(nvt_qemu_import_finish(imp, &err) == 0);
    nvt_qemu_import_free(imp);
    struct mem_sink m1 = {0};
    CHECK(import_text(log, len, &o, &m1, NULL, &err) == 0);
    CHECK_EQ_U64(m2.nevs, m1.nevs);
    int same = m1.nevs == m2.nevs;
    for (size_t i = 0; same && i < m1.nevs; i++) {
        uint8_t a[256], b[256];
        size_t la = nvt_record_encode(&m1.evs[i].ev, a, sizeof a);
        size_t lb = nvt_record_encode(&m2.evs[i].ev, b, sizeof b);
        same = la && la == lb && !memcmp(a, b, la) && m1.evs[i].ev.ts_ns == m2.evs[i].ev.ts_ns;
    }
    CHECK(same);
    mem_sink_free(&m1);
    mem_sink_free(&m2);

    /* Through the real writer and reader: the file holds what the sink got. */
    char tmpl[] = "/tmp/nvt-import-XXXXXX";
    int fd = mkstemp(tmpl);
    close(fd);
    char out[64];
    snprintf(out, sizeof out, "%s.pcapng.zst", tmpl);
    unlink(tmpl);
    char logpath[64];
    snprintf(logpath, sizeof logpath, "%s.log", tmpl);
    FILE *f = fopen(logpath, "w");
    fwrite(log, 1, len, f);
    fclose(f);
    nvt_writer *w = nvt_writer_open(out, NULL, &err);
    CHECK(w != NULL);
    nvt_qemu_import_stats fst;
    CHECK(nvt_qemu_import_file(logpath, NULL, w, &fst, &err) == 0);
    CHECK(nvt_writer_close(w, &err) == 0);
    nvt_reader *r = nvt_reader_open(out, &err);
    CHECK(r != NULL);
    if (r) {
        nvt_event ev;
        uint64_t n = 0, subs = 0;
        while (nvt_reader_next(r, &ev, &err) == 1) {
            n++;
            subs += ev.type == NVT_EV_SUBMISSION;
        }
        CHECK_EQ_U64(n, fst.records);
        CHECK_EQ_U64(subs, count_lines(log, "pci_nvme_admin_cmd", NULL) +
                               count_lines(log, "pci_nvme_io_cmd", NULL));
        CHECK_EQ_U64(nvt_reader_device_count(r), 1);
        CHECK_STR(nvt_reader_device(r, 0)->bdf, "0000:00:02.0");
        nvt_reader_close(r);
    }
    unlink(out);
    unlink(logpath);
    free(log);
}

/* ------------------------------------------------------- hand-written lines ---- */

/* The NVMe function's identity, then an enable with 32-entry admin queues. */
#define PRELUDE                                                                     \
    "7@100.000001:pci_cfg_read nvme 00:04.0 @0x0 -> 0x101b36\n"                     \
    "7@100.000002:pci_cfg_read nvme 00:04.0 @0x8 -> 0x1080202\n"                    \
    "7@100.000003:pci_nvme_mmio_write addr 0x24 data 0x1f001f size 4\n"             \
    "7@100.000004:pci_nvme_mmio_aqattr wrote MMIO, admin queue attributes=0x1f001f\n" \
    "7@100.000005:pci_nvme_mmio_write addr 0x14 data 0x460001 size 4\n"             \
    "7@100.000006:pci_nvme_mmio_cfg wrote MMIO, config controller config=0x460001\n" \
    "7@100.000007:pci_nvme_mmio_start_success setting controller enable bit succeeded\n"

static int import_str(const char *text, const nvt_qemu_import_opts *o, struct mem_sink *m,
                      nvt_qemu_import_stats *st, nvt_error *err)
{
    memset(m, 0, sizeof *m);
    return import_text(text, strlen(text), o, m, st, err);
}

static void test_queues_and_sqid(void)
{
    const char *log =
        PRELUDE
        "6@100.000010:pci_nvme_admin_cmd cid 1 sqid 0 opc 0x5 opname 'NVME_ADM_CMD_CREATE_CQ'\n"
        "6@100.000011:pci_nvme_create_cq create completion queue, addr=0x10000, cqid=1, vector=1, qsize=3, qflags=3, ien=1\n"
        "6@100.000012:pci_nvme_enqueue_req_completion cid 1 cqid 0 dw0 0x0 dw1 0x0 status 0x0\n"
        "6@100.000013:pci_nvme_admin_cmd cid 2 sqid 0 opc 0x1 opname 'NVME_ADM_CMD_CREATE_SQ'\n"
        "6@100.000014:pci_nvme_create_sq create submission queue, addr=0x20000, sqid=1, cqid=1, qsize=3, qflags=1\n"
        "6@100.000015:pci_nvme_enqueue_req_completion cid 2 cqid 0 dw0 0x0 dw1 0x0 status 0x0\n"
        "6@100.000016:pci_nvme_admin_cmd cid 3 sqid 0 opc 0x1 opname 'NVME_ADM_CMD_CREATE_SQ'\n"
        "6@100.000017:pci_nvme_create_sq create submission queue, addr=0x30000, sqid=2, cqid=1, qsize=3, qflags=1\n"
        "6@100.000018:pci_nvme_enqueue_req_completion cid 3 cqid 0 dw0 0x0 dw1 0x0 status 0x0\n"
        /* a failed creation (status 0x4101: invalid queue id, DNR) creates nothing */
        "6@100.000019:pci_nvme_admin_cmd cid 4 sqid 0 opc 0x1 opname 'NVME_ADM_CMD_CREATE_SQ'\n"
        "6@100.000020:pci_nvme_create_sq create submission queue, addr=0x40000, sqid=3, cqid=1, qsize=3, qflags=1\n"
        "6@100.000021:pci_nvme_err_invalid_create_sq_sqid failed creating submission queue, invalid sqid=3\n"
        "6@100.000022:pci_nvme_enqueue_req_completion cid 4 cqid 0 dw0 0x0 dw1 0x0 status 0x4101\n"
        /* SQ 1 and SQ 2 share CQ 1: the CID tells which SQ a completion is for... */
        "6@100.000030:pci_nvme_io_cmd cid 5 nsid 0x1 sqid 1 opc 0x2 opname 'NVME_NVM_CMD_READ'\n"
        "6@100.000031:pci_nvme_read cid 5 nsid 1 nlb 1 count 512 lba 0x0\n"
        "6@100.000032:pci_nvme_map_prp trans_len 512 len 512 prp1 0x50000 prp2 0x0 num_prps 1\n"
        "6@100.000033:pci_nvme_map_addr addr 0x50000 len 512\n"
        "6@100.000034:pci_nvme_io_cmd cid 6 nsid 0x1 sqid 2 opc 0x2 opname 'NVME_NVM_CMD_READ'\n"
        "6@100.000035:pci_nvme_rw_cb cid 5 blk 'd0'\n"
        "6@100.000036:pci_nvme_enqueue_req_completion cid 6 cqid 1 dw0 0x0 dw1 0x0 status 0x0\n"
        /* ...unless both have it outstanding */
        "6@100.000040:pci_nvme_io_cmd cid 7 nsid 0x1 sqid 1 opc 0x0 opname 'NVME_NVM_CMD_FLUSH'\n"
        "6@100.000041:pci_nvme_io_cmd cid 7 nsid 0x1 sqid 2 opc 0x0 opname 'NVME_NVM_CMD_FLUSH'\n"
        "6@100.000042:pci_nvme_enqueue_req_completion cid 7 cqid 1 dw0 0x0 dw1 0x0 status 0x0\n"
        "6@100.000043:pci_nvme_enqueue_req_completion cid 5 cqid 1 dw0 0x0 dw1 0x0 status 0x0\n"
        /* CQ 1 has 4 entries: the 4th completion wraps it, the 5th has phase 0 */
        "6@100.000044:pci_nvme_enqueue_req_completion cid 7 cqid 1 dw0 0x0 dw1 0x0 status 0x0\n"
        "6@100.000045:pci_nvme_io_cmd cid 8 nsid 0x1 sqid 1 opc 0x0 opname 'NVME_NVM_CMD_FLUSH'\n"
        "6@100.000046:pci_nvme_enqueue_req_completion cid 8 cqid 1 dw0 0x0 dw1 0x0 status 0x0\n"
        /* SQ 3 was never created: its slot is unknown */
        "6@100.000047:pci_nvme_io_cmd cid 9 nsid 0x1 sqid 3 opc 0x0 opname 'NVME_NVM_CMD_FLUSH'\n";
    struct mem_sink m;
    nvt_error err;
    CHECK(import_str(log, NULL, &m, NULL, &err) == 0);
    const nvt_event *cpl[16];
    const nvt_event *sub[16];
    size_t nc = 0, ns = 0;
    for (size_t i = 0; i < m.nevs; i++) {
        if (m.evs[i].ev.type == NVT_EV_COMPLETION && nc < 16)
            cpl[nc++] = &m.evs[i].ev;
        if (m.evs[i].ev.type == NVT_EV_SUBMISSION && ns < 16)
            sub[ns++] = &m.evs[i].ev;
    }
    CHECK_EQ_U64(nc, 9);
    CHECK_EQ_U64(ns, 10);
    if (nc == 9 && ns == 10) {
        /* admin completions: SQ 0, slots 0..3, phase 1 */
        for (int i = 0; i < 4; i++) {
            CHECK_EQ_U64(le(cpl[i]->u.cpl.cqe + 10, 2), 0);
            CHECK_EQ_U64(cpl[i]->u.cpl.slot, i);
            CHECK_EQ_U64(sub[i]->u.sub.slot, i);
        }
        CHECK_EQ_U64(le(cpl[3]->u.cpl.cqe + 14, 2), 0x4101 << 1 | 1);
        CHECK_EQ_U64(le(cpl[4]->u.cpl.cqe + 10, 2), 2); /* cid 6 */
        CHECK_EQ_U64(cpl[4]->u.cpl.known & 0x0c00, 0x0c00);
        CHECK_EQ_U64(cpl[5]->u.cpl.known & 0x0c00, 0);  /* cid 7: SQ 1 or 2 */
        CHECK_EQ_U64(le(cpl[6]->u.cpl.cqe + 10, 2), 1); /* cid 5 */
        CHECK_EQ_U64(cpl[6]->u.cpl.known & 0x0c00, 0x0c00);
        CHECK_EQ_U64(cpl[7]->u.cpl.slot, 3);
        CHECK_EQ_U64(cpl[7]->u.cpl.cqe[14] & 1, 1);
        CHECK_EQ_U64(cpl[8]->u.cpl.slot, 0);
        CHECK_EQ_U64(cpl[8]->u.cpl.cqe[14] & 1, 0);
        /* the read: SLBA 0, NLB 0, PRP1 0x50000 */
        CHECK_EQ_U64(sub[4]->u.sub.slot, 0);
        CHECK_EQ_U64(le(sub[4]->u.sub.sqe + 24, 8), 0x50000);
        CHECK_EQ_U64(le(sub[4]->u.sub.sqe + 48, 2), 0);
        CHECK_EQ_U64(sub[5]->u.sub.slot, 0); /* SQ 2's first */
        CHECK_EQ_U64(sub[6]->u.sub.slot, 1); /* SQ 1's second */
        CHECK_EQ_U64(sub[9]->u.sub.slot, NVT_SLOT_UNKNOWN);
        /* a flush's SQE: opcode, CID, NSID known, nothing else */
        CHECK_EQ_U64(sub[6]->u.sub.known, 0xfd);
    }
    /* the error became an annotation, in log order */
    size_t errors = 0;
    for (size_t i = 0; i < m.nevs; i++)
        if (m.evs[i].ev.type == NVT_EV_ANNOTATION && m.evs[i].ev.u.ann.level == NVT_ANN_ERROR) {
            CHECK_STR(m.evs[i].text, "pci_nvme_err_invalid_create_sq_sqid failed creating "
                                     "submission queue, invalid sqid=3");
            errors++;
        }
    CHECK_EQ_U64(errors, 1);
    /* the read's data segment: a DMA write to the host of 512 bytes for SQ 1 CID 5 */
    size_t dmas = 0;
    for (size_t i = 0; i < m.nevs; i++) {
        const nvt_event *e = &m.evs[i].ev;
        if (e->type == NVT_EV_DMA_WRITE) {
            CHECK_EQ_U64(e->u.dma.gpa, 0x50000);
            CHECK_EQ_U64(e->u.dma.len, 512);
            CHECK_EQ_U64(e->u.dma.sqid, 1);
            CHECK_EQ_U64(e->u.dma.cid, 5);
            dmas++;
        }
    }
    CHECK_EQ_U64(dmas, 1);
    mem_sink_free(&m);
}

static void test_cfg_sizes(void)
{
    const char *log =
        "7@1.000001:pci_cfg_read nvme 00:04.0 @0x0 -> 0x1b36\n"     /* 2: vendor id */
        "7@1.000002:pci_cfg_read nvme 00:04.0 @0x0 -> 0x101b36\n"   /* 4: value > 16 bits */
        "7@1.000003:pci_cfg_write nvme 00:04.0 @0x3c <- 0xb\n"      /* 1: interrupt line */
        "7@1.000004:pci_cfg_write nvme 00:04.0 @0x4 <- 0x107\n"     /* 2: command */
        "7@1.000005:pci_cfg_read nvme 00:04.0 @0x44 -> 0x0\n"       /* 4: aligned capability */
        "7@1.000006:pci_cfg_read nvme 00:04.0 @0x42 -> 0x8000\n"    /* 2 */
        "7@1.000007:pci_cfg_read nvme 00:04.0 @0x2 -> 0x10\n"       /* 2: device id */
        "7@1.000008:pci_cfg_read nvme 00:04.0 @0x8 -> 0x2\n";       /* 1: revision */
    static const unsigned sizes[] = {2, 4, 1, 2, 4, 2, 2, 1};
    struct mem_sink m;
    nvt_error err;
    nvt_qemu_import_stats st;
    CHECK(import_str(log, NULL, &m, &st, &err) == 0);
    CHECK_EQ_U64(st.records, 9);
    for (size_t i = 0; i < 8 && i < m.nevs; i++)
        CHECK_EQ_U64(m.evs[i].ev.u.cfg.size, sizes[i]);
    CHECK_EQ_U64(m.devs[0].vendor_id, 0x1b36);
    CHECK_EQ_U64(m.devs[0].device_id, 0x10);
    CHECK_STR(m.devs[0].bdf, "0000:00:04.0");
    mem_sink_free(&m);
}

static void test_errors(void)
{
    struct mem_sink m;
    nvt_error err;
    nvt_qemu_import_stats st;
    nvt_qemu_import_opts o = {.name = "bad.log"};
    const char *l1 = "7@1.000001:pci_nvme_irq_msix raising MSI-X IRQ vector 1\n";
    const char *l2 = "hello world\n";
    char text[512];
    snprintf(text, sizeof text, "%s%s%s", l1, l2, l1);
    CHECK(import_str(text, &o, &m, &st, &err) < 0);
    CHECK(strncmp(err.msg, "bad.log:2: ", 11) == 0);
    CHECK(strstr(err.msg, "timestamp=on") != NULL);
    CHECK(strstr(err.msg, "\"hello world\"") != NULL);
    CHECK_EQ_U64(err.offset, strlen(l1));
    CHECK_EQ_U64(err.code, NVT_E_FORMAT);
    /* what came before the bad line was still handed over */
    CHECK_EQ_U64(mem_count(&m, NVT_EV_INTERRUPT), 1);
    mem_sink_free(&m);

    o.skip_bad = 1;
    CHECK(import_str(text, &o, &m, &st, &err) == 0);
    CHECK_EQ_U64(st.bad_lines, 1);
    CHECK_EQ_U64(st.first_bad_line, 2);
    CHECK_EQ_U64(mem_count(&m, NVT_EV_INTERRUPT), 2);
    CHECK(m.nevs >= 2 && m.evs[m.nevs - 2].ev.type == NVT_EV_ANNOTATION &&
          strstr(m.evs[m.nevs - 2].text, "1 malformed lines skipped, the first at line 2"));
    CHECK_EQ_U64(m.evs[m.nevs - 1].ev.u.stats.warnings, 1);
    mem_sink_free(&m);

    /* a known event whose arguments do not have QEMU 7.2's format */
    o.skip_bad = 0;
    CHECK(import_str("7@1.000001:pci_nvme_mmio_write addr 0xzz data 0x1 size 4\n", &o, &m, &st,
                     &err) < 0);
    CHECK(strncmp(err.msg, "bad.log:1: arguments of pci_nvme_mmio_write", 43) == 0);
    mem_sink_free(&m);
    /* values out of range for the record */
    CHECK(import_str("7@1.000001:pci_nvme_mmio_write addr 0x14 data 0x1 size 3\n", &o, &m, &st,
                     &err) < 0);
    CHECK(strstr(err.msg, "out of range") != NULL);
    mem_sink_free(&m);
    /* a value wider than the access, a config access past the 4 KiB space: records the
     * reader would reject are bad lines, named by line */
    CHECK(import_str("7@1.000001:pci_nvme_mmio_write addr 0x14 data 0x1ffffffff size 4\n", &o, &m,
                     &st, &err) < 0);
    CHECK(strncmp(err.msg, "bad.log:1: ", 11) == 0 && strstr(err.msg, "out of range") != NULL);
    mem_sink_free(&m);
    CHECK(import_str("7@1.000001:pci_cfg_read nvme 00:04.0 @0xfff -> 0x1234\n", &o, &m, &st,
                     &err) < 0);
    CHECK(strncmp(err.msg, "bad.log:1: ", 11) == 0 && strstr(err.msg, "out of range") != NULL);
    mem_sink_free(&m);
    CHECK(import_str("7@1.000001:pci_cfg_read nvme 00:04.0 @0xffc -> 0x1234\n", &o, &m, &st,
                     &err) == 0);
    mem_sink_free(&m);
    CHECK(import_str("7@1.000001:pci_nvme_mmio_write addr 0x14 data 0x100 size 1\n", &o, &m, &st,
                     &err) < 0);
    mem_sink_free(&m);
    CHECK(import_str("7@1.000001:pci_nvme_mmio_write addr 0x14 data 0xffffffffffffffff size 8\n",
                     &o, &m, &st, &err) == 0);
    mem_sink_free(&m);
    CHECK(import_str("7@1.000001:pci_update_mappings_add nvme 00:04.0 9,0xfebd4000+0x4000\n",
                     &o, &m, &st, &err) < 0);
    mem_sink_free(&m);
    /* prefix damage */
    static const char *const bad[] = {
        "7@1.000001 pci_nvme_irq_pin pulsing IRQ pin\n", "@1.000001:pci_nvme_irq_pin x\n",
        "7@1:pci_nvme_irq_pin pulsing IRQ pin\n", "7@1.000001:\n", "7@1.000001:pci-nvme x\n",
        "99999999999@1.000001:pci_nvme_irq_pin pulsing IRQ pin\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(import_str(bad[i], &o, &m, &st, &err) < 0);
        CHECK(strncmp(err.msg, "bad.log:1: ", 11) == 0);
        mem_sink_free(&m);
    }
    /* a line over 64 KiB, then a good one: error at line 1; with skip_bad the good one stays */
    size_t big = 70000;
    char *huge = malloc(big + 200);
    memset(huge, 'a', big);
    huge[big] = '\n';
    strcpy(huge + big + 1, l1);
    CHECK(import_str(huge, &o, &m, &st, &err) < 0);
    CHECK(strstr(err.msg, "bad.log:1: line longer than 64 KiB") == err.msg);
    mem_sink_free(&m);
    o.skip_bad = 1;
    CHECK(import_str(huge, &o, &m, &st, &err) == 0);
    CHECK_EQ_U64(st.bad_lines, 1);
    CHECK_EQ_U64(st.lines, 2);
    CHECK_EQ_U64(mem_count(&m, NVT_EV_INTERRUPT), 1);
    mem_sink_free(&m);
    /* the same fed in 1000-byte pieces: same result, and the error's offset is the line's */
    for (int skip = 0; skip <= 1; skip++) {
        struct mem_sink ms = {0};
        nvt_import_sink sink;
        mem_sink_init(&ms, &sink);
        o.skip_bad = skip;
        nvt_qemu_importer *imp = nvt_qemu_import_new(&o, &sink, &err);
        char *two = malloc(strlen(l1) + big + 200);
        strcpy(two, l1);
        memcpy(two + strlen(l1), huge, big + 1 + strlen(l1) + 1);
        size_t n = strlen(two), off = 0;
        int rc = 0;
        for (; off < n && rc == 0; off += 1000)
            rc = nvt_qemu_import_feed(imp, two + off, n - off < 1000 ? n - off : 1000, &err);
        if (skip) {
            CHECK(rc == 0);
            CHECK(nvt_qemu_import_finish(imp, &err) == 0);
            CHECK_EQ_U64(nvt_qemu_import_get_stats(imp)->bad_lines, 1);
            CHECK_EQ_U64(nvt_qemu_import_get_stats(imp)->first_bad_line, 2);
            CHECK_EQ_U64(mem_count(&ms, NVT_EV_INTERRUPT), 2);
        } else {
            CHECK(rc < 0);
            CHECK(strstr(err.msg, "bad.log:2: line longer than 64 KiB") == err.msg);
            CHECK_EQ_U64(err.offset, strlen(l1));
        }
        nvt_qemu_import_free(imp);
        mem_sink_free(&ms);
        free(two);
    }
    o.skip_bad = 1;
    free(huge);

    /* the input file cannot be opened */
    nvt_writer *w = nvt_writer_open("/dev/null", NULL, &err);
    CHECK(nvt_qemu_import_file("/nonexistent/qemu.log", NULL, w, NULL, &err) < 0);
    CHECK(strstr(err.msg, "/nonexistent/qemu.log") != NULL);
    nvt_writer_close(w, NULL);

    /* a sink that fails: the error comes back, nothing crashes */
    memset(&m, 0, sizeof m);
    m.fail_after = 3;
    char *many = malloc(100 * 64);
    many[0] = '\0';
    for (int i = 0; i < 100; i++)
        strcat(many, l1);
    CHECK(import_text(many, strlen(many), NULL, &m, &st, &err) < 0);
    CHECK_STR(err.msg, "test sink: disk full");
    CHECK_EQ_U64(m.nevs, 3);
    mem_sink_free(&m);
    free(many);
}

static void test_unknown_and_partial(void)
{
    const char *log =
        "7@1.000001:virtio_blk_req_complete req 0x55 status 0\n"
        "7@1.000002:pci_nvme_irq_pin pulsing IRQ pin\n"
        "7@1.000003:virtio_blk_req_complete req 0x56 status 0\n"
        "7@1.000004:some_other_event\n"
        "7@1.000005:pci_nvme_err_brand_new something went wrong\n"
        "7@1.000006:pci_nvme_ub_brand_new the guest did something odd\n"
        "7@1.000007:pci_nvme_irq_msix raising MSI-X IRQ ve"; /* cut short: QEMU died */
    struct mem_sink m;
    nvt_error err;
    nvt_qemu_import_stats st;
    CHECK(import_str(log, NULL, &m, &st, &err) == 0);
    CHECK_EQ_U64(st.lines, 7);
    CHECK_EQ_U64(st.unknown_lines, 3);
    CHECK_EQ_U64(st.bad_lines, 1);
    CHECK_EQ_U64(st.first_bad_line, 7);
    CHECK_EQ_U64(mem_count(&m, NVT_EV_INTERRUPT), 1);
    /* the catch-alls for error and undefined-behaviour events of other QEMU versions */
    CHECK(m.nevs == 5);
    if (m.nevs == 5) {
        CHECK_EQ_U64(m.evs[1].ev.u.ann.level, NVT_ANN_ERROR);
        CHECK_STR(m.evs[1].text, "pci_nvme_err_brand_new something went wrong");
        CHECK_EQ_U64(m.evs[2].ev.u.ann.level, NVT_ANN_WARNING);
        CHECK_EQ_U64(m.evs[3].ev.u.ann.level, NVT_ANN_WARNING);
        CHECK(strstr(m.evs[3].text, "3 lines of unknown events: virtio_blk_req_complete (2) "
                                    "some_other_event (1)") != NULL);
        CHECK(strstr(m.evs[3].text, "1 malformed lines skipped, the first at line 7") != NULL);
        CHECK_EQ_U64(m.evs[4].ev.u.stats.warnings, 4);
        CHECK_EQ_U64(m.evs[4].ev.u.stats.recorded, 4);
        /* records at the end take the last timestamp seen */
        CHECK_EQ_U64(m.evs[4].ev.ts_ns, 1000006000ull);
        /* no NVMe function seen: its device is a placeholder */
        CHECK_STR(m.devs[0].bdf, "unknown");
        CHECK_EQ_U64(m.devs[0].vendor_id, 0);
    }
    mem_sink_free(&m);

    /* the same, but the last line is whole without its newline */
    CHECK(import_str("7@1.000007:pci_nvme_irq_msix raising MSI-X IRQ vector 3", NULL, &m, &st,
                     &err) == 0);
    CHECK_EQ_U64(st.bad_lines, 0);
    CHECK(m.nevs == 2 && m.evs[0].ev.u.irq.vector == 3);
    mem_sink_free(&m);
    /* empty input: a valid trace with only the statistics */
    CHECK(import_str("", NULL, &m, &st, &err) == 0);
    CHECK_EQ_U64(m.nevs, 1);
    CHECK_EQ_U64(m.evs[0].ev.type, NVT_EV_CAPTURE_STATS);
    mem_sink_free(&m);
    /* CRLF line ends and blank lines are accepted */
    CHECK(import_str("7@1.000001:pci_nvme_irq_pin pulsing IRQ pin\r\n\n", NULL, &m, &st, &err) == 0);
    CHECK_EQ_U64(mem_count(&m, NVT_EV_INTERRUPT), 1);
    mem_sink_free(&m);
}

/* Streaming: records wait for the device identity and for the command's details; idle()
 * releases an open command. */
static void test_streaming(void)
{
    struct mem_sink m = {0};
    nvt_import_sink sink;
    mem_sink_init(&m, &sink);
    nvt_error err;
    nvt_qemu_import_opts o = {.comments = 1};
    nvt_qemu_importer *imp = nvt_qemu_import_new(&o, &sink, &err);
    const char *a = "7@1.000001:pci_nvme_pci_reset PCI Function Level Reset\n"
                    "7@1.000002:pci_cfg_read nvme 00:04.0 @0x0 -> 0x1b36\n";
    CHECK(nvt_qemu_import_feed(imp, a, strlen(a), &err) == 0);
    CHECK_EQ_U64(m.nevs, 0); /* device id not known yet */
    const char *b = "7@1.000003:pci_cfg_read nvme 00:04.0 @0x2 -> 0x10\n"
                    "7@1.000003:pci_cfg_read nvme 00:04.0 @0x8 -> 0x1080202\n"
                    "6@1.000004:pci_nvme_admin_cmd cid 9 sqid 0 opc 0x6 opname 'NVME_ADM_CMD_IDENTIFY'\n"
                    "7@1.000005:pci_nvme_mmio_read addr 0x1c size 4\n";
    CHECK(nvt_qemu_import_feed(imp, b, strlen(b), &err) == 0);
    CHECK_EQ_U64(m.nevs, 4); /* reset and the config reads; the command is open */
    CHECK_EQ_U64(m.ndevs, 1);
    const char *c = "6@1.000006:pci_nvme_identify cid 9 cns 0x0 ctrlid 0 csi 0x0\n"
                    "6@1.000007:pci_nvme_identify_ns nsid 1\n";
    CHECK(nvt_qemu_import_feed(imp, c, strlen(c), &err) == 0);
    CHECK_EQ_U64(m.nevs, 4);
    CHECK(nvt_qemu_import_idle(imp, &err) == 0);
    CHECK_EQ_U64(m.nevs, 6); /* the SUB, then the MMIO read that waited behind it */
    if (m.nevs == 6) {
        CHECK_EQ_U64(m.evs[4].ev.type, NVT_EV_SUBMISSION);
        CHECK_EQ_U64(le(m.evs[4].ev.u.sub.sqe + 4, 4), 1);
        CHECK_EQ_U64(m.evs[4].ev.u.sub.sqe[40], 0);
        CHECK_STR(m.evs[4].comment,
                  "pci_nvme_admin_cmd cid 9 sqid 0 opc 0x6 opname 'NVME_ADM_CMD_IDENTIFY'\n"
                  "pci_nvme_identify cid 9 cns 0x0 ctrlid 0 csi 0x0\n"
                  "pci_nvme_identify_ns nsid 1");
        CHECK_EQ_U64(m.evs[5].ev.type, NVT_EV_MMIO_READ);
    }
    /* a detail after the command closed, or for another CID, is an orphan */
    const char *d = "6@1.000008:pci_nvme_identify_ns nsid 2\n";
    CHECK(nvt_qemu_import_feed(imp, d, strlen(d), &err) == 0);
    CHECK_EQ_U64(nvt_qemu_import_get_stats(imp)->orphan_lines, 1);
    CHECK(nvt_qemu_import_finish(imp, &err) == 0);
    CHECK(nvt_qemu_import_feed(imp, d, strlen(d), &err) < 0); /* after finish */
    nvt_qemu_import_free(imp);
    mem_sink_free(&m);

    /* A command whose thread never logs again: the records behind it are released after a
     * bounded number, not held until the end. */
    mem_sink_init(&m, &sink);
    imp = nvt_qemu_import_new(NULL, &sink, &err);
    const char *e = "7@1.000002:pci_cfg_read nvme 00:04.0 @0x0 -> 0x101b36\n"
                    "7@1.000003:pci_cfg_read nvme 00:04.0 @0x8 -> 0x1080202\n"
                    "6@1.000004:pci_nvme_admin_cmd cid 9 sqid 0 opc 0x6 opname 'NVME_ADM_CMD_IDENTIFY'\n";
    CHECK(nvt_qemu_import_feed(imp, e, strlen(e), &err) == 0);
    const char *irq = "7@1.000005:pci_nvme_irq_msix raising MSI-X IRQ vector 1\n";
    for (int i = 0; i < 5000; i++)
        nvt_qemu_import_feed(imp, irq, strlen(irq), &err);
    CHECK(m.nevs > 900);
    CHECK(m.nevs > 2 && m.evs[2].ev.type == NVT_EV_SUBMISSION);
    CHECK(nvt_qemu_import_finish(imp, &err) == 0);
    CHECK_EQ_U64(mem_count(&m, NVT_EV_INTERRUPT), 5000);
    nvt_qemu_import_free(imp);
    mem_sink_free(&m);
}

static void test_devices(void)
{
    const char *log =
        "7@1.000001:pci_cfg_read mch 00:00.0 @0x0 -> 0x29c08086\n"
        "7@1.000002:pci_cfg_read nvme 00:04.0 @0x0 -> 0x101b36\n"
        "7@1.000003:pci_cfg_read nvme 00:05.0 @0x0 -> 0x101b36\n"
        "7@1.000004:pci_update_mappings_add VGA 00:01.0 0,0xfd000000+0x1000000\n"
        "7@1.000005:msix_write_config dev nvme enabled 1 masked 0\n"
        "7@1.000006:pci_nvme_irq_msix raising MSI-X IRQ vector 0\n";
    struct mem_sink m;
    nvt_error err;
    nvt_qemu_import_stats st;
    CHECK(import_str(log, NULL, &m, &st, &err) == 0);
    CHECK_EQ_U64(m.ndevs, 2);
    CHECK_EQ_U64(st.filtered_lines, 2);
    size_t warn = 0;
    for (size_t i = 0; i < m.nevs; i++)
        if (m.evs[i].ev.type == NVT_EV_ANNOTATION &&
            strstr(m.evs[i].text, "several NVMe functions") &&
            strstr(m.evs[i].text, "00:04.0"))
            warn++;
    CHECK_EQ_U64(warn, 1);
    /* pci_nvme_* events go to the first NVMe function */
    for (size_t i = 0; i < m.nevs; i++)
        if (m.evs[i].ev.type == NVT_EV_INTERRUPT || m.evs[i].ev.type == NVT_EV_MSIX_CTRL)
            CHECK_STR(m.devs[m.evs[i].ev.device].bdf, "0000:00:04.0");
    mem_sink_free(&m);

    nvt_qemu_import_opts o = {.all_devices = 1, .emulator = "QEMU 7.2.22"};
    CHECK(import_str(log, &o, &m, &st, &err) == 0);
    CHECK_EQ_U64(m.ndevs, 4);
    CHECK_EQ_U64(st.filtered_lines, 0);
    CHECK_STR(m.devs[0].model, "mch");
    CHECK_EQ_U64(m.devs[0].vendor_id, 0x8086);
    CHECK_EQ_U64(m.devs[0].device_id, 0x29c0);
    CHECK_STR(m.devs[0].emulator, "QEMU 7.2.22");
    size_t vga = 0;
    for (size_t i = 0; i < m.nevs; i++)
        if (m.evs[i].ev.type == NVT_EV_BAR_MAP) {
            CHECK_STR(m.devs[m.evs[i].ev.device].model, "VGA");
            CHECK(m.evs[i].ev.flags & NVT_F_RECONSTRUCTED); /* BAR type never read */
            vga++;
        }
    CHECK_EQ_U64(vga, 1);
    mem_sink_free(&m);
}

static void test_state_records(void)
{
    const char *log =
        PRELUDE
        "6@100.000020:pci_nvme_dbbuf_config dbs_addr=0x1000 eis_addr=0x2000\n"
        "6@100.000021:pci_nvme_shadow_doorbell_cq cqid 0 new_shadow_doorbell 5\n"
        "6@100.000022:pci_nvme_eventidx_sq sqid 2 new_eventidx 300\n"
        "7@100.000030:pci_nvme_mmio_write addr 0x14 data 0x464001 size 4\n"
        "7@100.000031:pci_nvme_mmio_cfg wrote MMIO, config controller config=0x464001\n"
        "7@100.000032:pci_nvme_mmio_shutdown_set shutdown bit set\n"
        "7@100.000033:pci_nvme_mmio_write addr 0x14 data 0x0 size 4\n"
        "7@100.000034:pci_nvme_mmio_cfg wrote MMIO, config controller config=0x0\n"
        "7@100.000035:pci_nvme_mmio_shutdown_cleared shutdown bit cleared\n"
        "7@100.000036:pci_nvme_mmio_stopped cleared controller enable bit\n"
        "7@100.000037:pci_nvme_mmio_write addr 0x14 data 0x460001 size 4\n"
        "7@100.000038:pci_nvme_mmio_cfg wrote MMIO, config controller config=0x460001\n"
        "7@100.000039:pci_nvme_err_startfail_asq_misaligned nvme_start_ctrl failed because the admin submission queue address is misaligned: 0x1001\n"
        "7@100.000040:pci_nvme_err_startfail setting controller enable bit failed\n"
        "6@100.000041:pci_nvme_err_addr_read addr 0x1001\n"
        "6@100.000042:pci_nvme_err_cfs controller fatal status\n"
        "6@100.000043:pci_nvme_irq_pin pulsing IRQ pin\n";
    struct mem_sink m;
    nvt_error err;
    CHECK(import_str(log, NULL, &m, NULL, &err) == 0);
    static const unsigned want[][2] = {
        {NVT_STATE_ENABLE, 0x460001}, {NVT_STATE_READY, 1},          {NVT_STATE_SHUTDOWN_START, 0x464001},
        {NVT_STATE_SHUTDOWN_DONE, 9}, {NVT_STATE_DISABLE, 0},        {NVT_STATE_ENABLE_FAILED, 0x460001},
        {NVT_STATE_FATAL, 2},
    };
    size_t k = 0, ann = 0, dma = 0;
    for (size_t i = 0; i < m.nevs; i++) {
        const nvt_event *e = &m.evs[i].ev;
        if (e->type == NVT_EV_CTRL_STATE && k < 7) {
            CHECK_EQ_U64(e->u.state.state, want[k][0]);
            CHECK_EQ_U64(e->u.state.value, want[k][1]);
            k++;
        }
        if (e->type == NVT_EV_ANNOTATION)
            ann++;
        if (e->type == NVT_EV_DMA_READ) { /* shadow CQ 0 head: dbs + 4 */
            CHECK_EQ_U64(e->u.dma.gpa, 0x1004);
            CHECK_EQ_U64(e->u.dma.len, 4);
            CHECK_EQ_U64(e->u.dma.caplen, 2);
            CHECK_EQ_U64(le(m.evs[i].data, 2), 5);
            dma++;
        }
        if (e->type == NVT_EV_DMA_WRITE) { /* EventIdx of SQ 2: eis + 16 */
            CHECK_EQ_U64(e->u.dma.gpa, 0x2010);
            CHECK_EQ_U64(le(m.evs[i].data, 2), 300);
            dma++;
        }
        if (e->type == NVT_EV_INTERRUPT)
            CHECK_EQ_U64(e->u.irq.kind, NVT_IRQ_INTX_ASSERT);
    }
    CHECK_EQ_U64(k, 7);
    CHECK_EQ_U64(dma, 2);
    /* shutdown cleared (note), startfail reason, startfail, addr_read, cfs */
    CHECK_EQ_U64(ann, 5);
    mem_sink_free(&m);
}

int main(int argc, char **argv)
{
    data_dir = argc > 1 ? argv[1] : "tests/import/data";
    test_table();
    test_parse_args();
    test_real_boot_log();
    test_queues_and_sqid();
    test_cfg_sizes();
    test_errors();
    test_unknown_and_partial();
    test_streaming();
    test_devices();
    test_state_records();
    TEST_DONE();
}

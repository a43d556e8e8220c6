/* Asserts what a real guest boot captured by `nvmetrace capture` must show, on the trace itself
 * (read with the format library), and that the trace has as many records of each kind as the
 * QEMU log kept by --log has lines of the events they come from.
 *
 * usage: check_guest_trace --trace T --log L [--cpus N] [--namespaces N] [--interrupted]
 *   --cpus N         the guest had N CPUs: Linux creates I/O queues 1..N, vector q for queue q
 *   --namespaces N   namespaces 1..N each got the workload of scripts/guest/init.sh
 *   --interrupted    the guest never powered off (stopped by a signal or a crash): no
 *                    shutdown expected, the workload must still be there
 *   --qemu VERSION   the banner of the QEMU that ran (`qemu-system-x86_64 --version`): the
 *                    trace must name that version, and what differs between QEMU versions
 *                    (event names) comes from its row of the QEMU table (nvmetrace/qemu.h) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_util.h"
#include "nvmetrace/format.h"
#include "nvmetrace/qemu.h"
#include "test.h"

/* scripts/guest/init.sh's workload, in 512-byte blocks */
#define WRITE_LBA 2048
#define WRITE_BLOCKS 8
#define DISCARD_LBA 4096
#define DISCARD_BLOCKS 128
/* Linux 6.1's default io_queue_depth, below QEMU's CAP.MQES + 1 */
#define LINUX_QUEUE_ENTRIES 1024

struct rec {
    nvt_event e;
    char text[256]; /* annotation text */
};

static struct rec *recs;
static size_t nrecs;

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* SQE field at off, width bytes, or -1 if any of its bytes is not known. */
static int64_t sqe(const nvt_event *e, unsigned off, unsigned width)
{
    for (unsigned i = 0; i < width; i++)
        if (!(e->u.sub.known >> (off + i) & 1))
            return -1;
    return (int64_t)le(e->u.sub.sqe + off, width);
}

static int is_sub(const nvt_event *e, int admin, int opc)
{
    return e->type == NVT_EV_SUBMISSION && (admin ? e->u.sub.qid == 0 : e->u.sub.qid != 0) &&
           sqe(e, 0, 1) == opc;
}

/* Status (SCT/SC, phase stripped) of the completion of (sqid, cid) after index from, or -1. */
static int cpl_status(size_t from, unsigned sqid, unsigned cid)
{
    for (size_t i = from; i < nrecs; i++) {
        const nvt_event *e = &recs[i].e;
        if (e->type == NVT_EV_COMPLETION && (e->u.cpl.known & 0x3c00) == 0x3c00 &&
            le(e->u.cpl.cqe + 10, 2) == sqid && le(e->u.cpl.cqe + 12, 2) == cid)
            return (int)(le(e->u.cpl.cqe + 14, 2) >> 1) & 0x7ff;
    }
    return -1;
}

static int sub_ok(size_t i)
{
    const nvt_event *e = &recs[i].e;
    return cpl_status(i, e->u.sub.qid, (unsigned)le(e->u.sub.sqe + 2, 2)) == 0;
}

static size_t first_state(size_t from, unsigned st)
{
    for (size_t i = from; i < nrecs; i++)
        if (recs[i].e.type == NVT_EV_CTRL_STATE && recs[i].e.u.state.state == st)
            return i;
    return nrecs;
}

static size_t last_state(unsigned st)
{
    size_t at = nrecs;
    for (size_t i = 0; i < nrecs; i++)
        if (recs[i].e.type == NVT_EV_CTRL_STATE && recs[i].e.u.state.state == st)
            at = i;
    return at;
}

static size_t count_type(unsigned type)
{
    size_t n = 0;
    for (size_t i = 0; i < nrecs; i++)
        n += recs[i].e.type == type;
    return n;
}

static char *load_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* count_lines() reads "tid@sec.usec:name args" lines; QEMU 10.1+ prints "ISO-TIME name args":
 * rewrite those to ":name args" in place (the time is not counted). */
static void strip_iso_times(char *log)
{
    char *out = log;
    for (char *p = log; *p;) {
        char *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        char *sp = memchr(p, ' ', (size_t)(eol - p));
        char *from = sp ? sp + 1 : p;
        if (sp)
            *out++ = ':';
        size_t n = (size_t)(eol - from) + (*eol != '\0');
        memmove(out, from, n);
        out += n;
        p = *eol ? eol + 1 : eol;
    }
    *out = '\0';
}

/* Lines of events whose name starts with prefix. */
static size_t count_prefix(const char *log, const char *prefix)
{
    size_t n = 0, plen = strlen(prefix);
    for (const char *p = log; *p;) {
        const char *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (colon && (size_t)(eol - colon - 1) >= plen && !memcmp(colon + 1, prefix, plen))
            n++;
        p = *eol ? eol + 1 : eol;
    }
    return n;
}

static void check_counts(const char *log, const struct nvt_qemu_line *ql)
{
#define LINES(name, args) count_lines(log, name, args)
    /* The shadow-doorbell memory accesses (DMA records): renamed in QEMU 8.0 */
    size_t shadow = ql->shadow_v8_names
                        ? LINES("pci_nvme_update_sq_tail", NULL) +
                              LINES("pci_nvme_update_cq_head", NULL) +
                              LINES("pci_nvme_update_sq_eventidx", NULL) +
                              LINES("pci_nvme_update_cq_eventidx", NULL)
                        : LINES("pci_nvme_shadow_doorbell_sq", NULL) +
                              LINES("pci_nvme_shadow_doorbell_cq", NULL) +
                              LINES("pci_nvme_eventidx_sq", NULL) +
                              LINES("pci_nvme_eventidx_cq", NULL);
    CHECK(shadow > 0); /* Linux sets up shadow doorbells on every QEMU in the table */
    CHECK_EQ_U64(count_type(NVT_EV_CFG_READ), LINES("pci_cfg_read", "nvme "));
    CHECK_EQ_U64(count_type(NVT_EV_CFG_WRITE), LINES("pci_cfg_write", "nvme "));
    CHECK_EQ_U64(count_type(NVT_EV_BAR_MAP), LINES("pci_update_mappings_add", "nvme "));
    CHECK_EQ_U64(count_type(NVT_EV_BAR_UNMAP), LINES("pci_update_mappings_del", "nvme "));
    CHECK_EQ_U64(count_type(NVT_EV_MMIO_READ), LINES("pci_nvme_mmio_read", NULL));
    CHECK_EQ_U64(count_type(NVT_EV_MMIO_WRITE), LINES("pci_nvme_mmio_write", NULL));
    CHECK_EQ_U64(count_type(NVT_EV_DOORBELL),
                 LINES("pci_nvme_mmio_doorbell_sq", NULL) + LINES("pci_nvme_mmio_doorbell_cq", NULL));
    CHECK_EQ_U64(count_type(NVT_EV_MSIX_CTRL), LINES("msix_write_config", "dev nvme "));
    CHECK_EQ_U64(count_type(NVT_EV_INTERRUPT),
                 LINES("pci_nvme_irq_msix", NULL) + LINES("pci_nvme_irq_pin", NULL));
    CHECK_EQ_U64(count_type(NVT_EV_SUBMISSION),
                 LINES("pci_nvme_admin_cmd", NULL) + LINES("pci_nvme_io_cmd", NULL));
    CHECK_EQ_U64(count_type(NVT_EV_COMPLETION), LINES("pci_nvme_enqueue_req_completion", NULL));
    CHECK_EQ_U64(count_type(NVT_EV_DMA_READ) + count_type(NVT_EV_DMA_WRITE),
                 LINES("pci_nvme_map_addr", NULL) + LINES("pci_nvme_map_addr_cmb", NULL) + shadow);
    CHECK_EQ_U64(count_type(NVT_EV_CTRL_STATE),
                 LINES("pci_nvme_pci_reset", NULL) + 2 * LINES("pci_nvme_mmio_start_success", NULL) +
                     LINES("pci_nvme_mmio_stopped", NULL) +
                     2 * LINES("pci_nvme_mmio_shutdown_set", NULL) +
                     LINES("pci_nvme_err_startfail", NULL) + LINES("pci_nvme_err_cfs", NULL));
    CHECK_EQ_U64(count_type(NVT_EV_ANNOTATION),
                 LINES("pci_nvme_dsm_deallocate", NULL) + count_prefix(log, "pci_nvme_err_") +
                     count_prefix(log, "pci_nvme_ub_") + LINES("pci_nvme_mmio_shutdown_cleared", NULL));
    CHECK_EQ_U64(count_type(NVT_EV_CAPTURE_STATS), 1);
#undef LINES
}

int main(int argc, char **argv)
{
    const char *trace = NULL, *logpath = NULL, *qemu_banner = NULL;
    unsigned cpus = 1, nns = 1;
    int interrupted = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--trace") && i + 1 < argc)
            trace = argv[++i];
        else if (!strcmp(argv[i], "--log") && i + 1 < argc)
            logpath = argv[++i];
        else if (!strcmp(argv[i], "--cpus") && i + 1 < argc)
            cpus = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--namespaces") && i + 1 < argc)
            nns = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--interrupted"))
            interrupted = 1;
        else if (!strcmp(argv[i], "--qemu") && i + 1 < argc)
            qemu_banner = argv[++i];
        else {
            fprintf(stderr, "usage: check_guest_trace --trace T --log L [--cpus N] "
                            "[--namespaces N] [--interrupted] --qemu VERSION\n");
            return 2;
        }
    }
    unsigned qmaj, qmin, qmic;
    if (!trace || !logpath || !qemu_banner)
        return 2;
    if (nvt_qemu_parse_version(qemu_banner, &qmaj, &qmin, &qmic) != 0) {
        fprintf(stderr, "check_guest_trace: no QEMU version in '%s'\n", qemu_banner);
        return 2;
    }
    int older = 0;
    const struct nvt_qemu_line *ql = nvt_qemu_line_for(qmaj, qmin, &older);
    printf("QEMU %u.%u.%u: table row %u.%u%s\n", qmaj, qmin, qmic, ql->major, ql->minor,
           older ? " (older than every row)" : "");

    /* ---- read the whole trace: it must be valid to its end ---- */
    nvt_error err;
    nvt_reader *r = nvt_reader_open(trace, &err);
    if (!r) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    size_t cap = 4096;
    recs = malloc(cap * sizeof *recs);
    int rc;
    nvt_event ev;
    while ((rc = nvt_reader_next(r, &ev, &err)) == 1) {
        if (nrecs == cap)
            recs = realloc(recs, (cap *= 2) * sizeof *recs);
        struct rec *x = &recs[nrecs++];
        x->e = ev;
        x->text[0] = '\0';
        if (ev.type == NVT_EV_ANNOTATION) {
            size_t n = ev.u.ann.len < sizeof x->text - 1 ? ev.u.ann.len : sizeof x->text - 1;
            memcpy(x->text, ev.u.ann.text, n);
            x->text[n] = '\0';
        }
    }
    if (rc < 0)
        fprintf(stderr, "%s\n", err.msg);
    CHECK(rc == 0);
    CHECK(nrecs > 1000);

    /* ---- the device ---- */
    CHECK_EQ_U64(nvt_reader_device_count(r), 1);
    const nvt_device *dev = nvt_reader_device(r, 0);
    CHECK_EQ_U64(dev->vendor_id, 0x1b36);
    CHECK_EQ_U64(dev->device_id, 0x0010);
    CHECK_EQ_U64(dev->class_code, 0x010802);
    CHECK_STR(dev->model, "nvme");
    /* the emulator named in the trace is the QEMU that ran */
    unsigned tmaj = 0, tmin = 0, tmic = 0;
    CHECK(strncmp(dev->emulator, "QEMU ", 5) == 0);
    CHECK(nvt_qemu_parse_version(dev->emulator, &tmaj, &tmin, &tmic) == 0);
    CHECK_EQ_U64(tmaj, qmaj);
    CHECK_EQ_U64(tmin, qmin);
    CHECK_EQ_U64(tmic, qmic);
    CHECK(strncmp(dev->bdf, "0000:00:", 8) == 0);

    /* ---- BAR sizing probe: all ones to BAR0, read back: a 16 KiB memory BAR ---- */
    size_t probes = 0;
    for (size_t i = 0; i + 1 < nrecs; i++) {
        const nvt_event *w = &recs[i].e, *rd = &recs[i + 1].e;
        if (w->type == NVT_EV_CFG_WRITE && w->u.cfg.offset == 0x10 && w->u.cfg.value == 0xffffffff &&
            rd->type == NVT_EV_CFG_READ && rd->u.cfg.offset == 0x10) {
            CHECK_EQ_U64(~(rd->u.cfg.value & ~0xfu) + 1, 16 * 1024);
            CHECK_EQ_U64(rd->u.cfg.value & 0x7, 0x4); /* memory, 64-bit */
            probes++;
        }
    }
    CHECK(probes >= 1);
    /* ---- BAR0 mapped where the guest programmed it ---- */
    size_t maps = 0;
    uint64_t bar_lo = 0, bar_hi = 0;
    for (size_t i = 0; i < nrecs; i++) {
        const nvt_event *e = &recs[i].e;
        if (e->type == NVT_EV_CFG_WRITE && e->u.cfg.offset == 0x10 && e->u.cfg.value != 0xffffffff)
            bar_lo = e->u.cfg.value & ~0xfu;
        if (e->type == NVT_EV_CFG_WRITE && e->u.cfg.offset == 0x14 && e->u.cfg.value != 0xffffffff)
            bar_hi = e->u.cfg.value;
        if (e->type == NVT_EV_BAR_MAP && e->u.bar.bar == 0) {
            CHECK_EQ_U64(e->u.bar.size, 16 * 1024);
            CHECK_EQ_U64(e->u.bar.addr, bar_hi << 32 | bar_lo);
            CHECK(e->u.bar.flags & NVT_BAR_64BIT);
            maps++;
        }
    }
    CHECK(maps >= 1);

    /* ---- Linux's enable: CC.EN written, the controller enabled, then CSTS.RDY ---- */
    size_t en = last_state(NVT_STATE_ENABLE);
    CHECK(en < nrecs);
    if (en < nrecs) {
        size_t ccw = nrecs;
        for (size_t i = 0; i < en; i++)
            if (recs[i].e.type == NVT_EV_MMIO_WRITE && recs[i].e.u.mmio.offset == 0x14)
                ccw = i;
        CHECK(ccw < en && (recs[ccw].e.u.mmio.value & 1));
        CHECK_EQ_U64(recs[en].e.u.state.value, recs[ccw < nrecs ? ccw : 0].e.u.mmio.value);
        CHECK(en + 1 < nrecs && recs[en + 1].e.type == NVT_EV_CTRL_STATE &&
              recs[en + 1].e.u.state.state == NVT_STATE_READY);
        size_t csts = nrecs;
        for (size_t i = en; i < nrecs && csts == nrecs; i++)
            if (recs[i].e.type == NVT_EV_MMIO_READ && recs[i].e.u.mmio.offset == 0x1c)
                csts = i;
        CHECK(csts < nrecs); /* the driver polls CSTS after enabling */
    }
    size_t linux_start = first_state(first_state(0, NVT_STATE_ENABLE) + 1, NVT_STATE_DISABLE);
    CHECK(linux_start < nrecs && linux_start < en);

    /* ---- Identify: controller, and every namespace ---- */
    int id_ctrl = 0;
    int id_ns[16] = {0};
    for (size_t i = en; i < nrecs; i++) {
        const nvt_event *e = &recs[i].e;
        if (!is_sub(e, 1, 0x06) || !sub_ok(i))
            continue;
        if (sqe(e, 40, 1) == 1)
            id_ctrl = 1;
        int64_t ns = sqe(e, 4, 4);
        if (sqe(e, 40, 1) == 0 && ns >= 1 && ns < 16)
            id_ns[ns] = 1;
    }
    CHECK(id_ctrl);
    for (unsigned n = 1; n <= nns; n++)
        CHECK(id_ns[n]);

    /* ---- I/O queues: one pair per CPU, 1024 entries, vector q, interrupts enabled ---- */
    for (unsigned q = 1; q <= cpus; q++) {
        int cq = 0, sq = 0, ios = 0, irqs = 0;
        for (size_t i = en; i < nrecs; i++) {
            const nvt_event *e = &recs[i].e;
            if (is_sub(e, 1, 0x05) && sqe(e, 40, 2) == q) {
                CHECK_EQ_U64(sqe(e, 42, 2) + 1, LINUX_QUEUE_ENTRIES);
                CHECK_EQ_U64(sqe(e, 44, 2), 3); /* physically contiguous, interrupts enabled */
                CHECK_EQ_U64(sqe(e, 46, 2), q);
                CHECK(sqe(e, 24, 8) > 0);
                CHECK(sub_ok(i));
                cq++;
            }
            if (is_sub(e, 1, 0x01) && sqe(e, 40, 2) == q) {
                CHECK_EQ_U64(sqe(e, 42, 2) + 1, LINUX_QUEUE_ENTRIES);
                CHECK_EQ_U64(sqe(e, 46, 2), q);
                CHECK(sub_ok(i));
                sq++;
            }
            if (e->type == NVT_EV_SUBMISSION && e->u.sub.qid == q)
                ios++;
            if (e->type == NVT_EV_INTERRUPT && e->u.irq.kind == NVT_IRQ_MSIX && e->u.irq.vector == q)
                irqs++;
        }
        if (cq != 1 || sq != 1 || !ios || !irqs)
            fprintf(stderr, "queue %u: %d CQ, %d SQ created, %d commands, %d interrupts\n", q, cq,
                    sq, ios, irqs);
        CHECK_EQ_U64(cq, 1);
        CHECK_EQ_U64(sq, 1);
        CHECK(ios > 0);
        CHECK(irqs > 0);
    }
    /* ---- MSI-X on, unmasked, and the admin queue's vector 0 in use ---- */
    size_t msix_on = nrecs;
    for (size_t i = 0; i < nrecs && msix_on == nrecs; i++)
        if (recs[i].e.type == NVT_EV_MSIX_CTRL && recs[i].e.u.msix_ctrl.enabled &&
            !recs[i].e.u.msix_ctrl.masked)
            msix_on = i;
    CHECK(msix_on < nrecs);
    size_t vec0 = 0;
    for (size_t i = msix_on; i < nrecs; i++)
        vec0 += recs[i].e.type == NVT_EV_INTERRUPT && recs[i].e.u.irq.kind == NVT_IRQ_MSIX &&
                recs[i].e.u.irq.vector == 0;
    CHECK(vec0 > 0);

    /* ---- LBA 0 read by SeaBIOS (before Linux resets the controller) and by Linux ---- */
    int bios_lba0 = 0, linux_lba0 = 0;
    for (size_t i = 0; i < nrecs; i++) {
        const nvt_event *e = &recs[i].e;
        if (is_sub(e, 0, 0x02) && sqe(e, 40, 8) == 0 && sqe(e, 4, 4) == 1 && sub_ok(i)) {
            if (i < linux_start)
                bios_lba0 = 1;
            else if (i > en)
                linux_lba0 = 1;
        }
    }
    CHECK(bios_lba0);
    CHECK(linux_lba0);

    /* ---- the workload on every namespace: write, flush, discard ---- */
    for (unsigned n = 1; n <= nns; n++) {
        size_t w = nrecs, fl = nrecs, dsm = nrecs;
        for (size_t i = en; i < nrecs; i++) {
            const nvt_event *e = &recs[i].e;
            if (e->type != NVT_EV_SUBMISSION || e->u.sub.qid == 0 || sqe(e, 4, 4) != n)
                continue;
            if (w == nrecs && sqe(e, 0, 1) == 0x01 && sqe(e, 40, 8) == WRITE_LBA) {
                CHECK_EQ_U64(sqe(e, 48, 2), WRITE_BLOCKS - 1);
                CHECK(sub_ok(i));
                w = i;
            }
            if (w < i && fl == nrecs && sqe(e, 0, 1) == 0x00) {
                CHECK(sub_ok(i));
                fl = i;
            }
            if (fl < i && dsm == nrecs && sqe(e, 0, 1) == 0x09) {
                CHECK_EQ_U64(sqe(e, 40, 1), 0);          /* one range */
                CHECK_EQ_U64(sqe(e, 44, 4) & 0x4, 0x4); /* Attribute: Deallocate */
                CHECK(sub_ok(i));
                dsm = i;
            }
        }
        if (w == nrecs || fl == nrecs || dsm == nrecs)
            fprintf(stderr, "namespace %u: write %s, flush %s, discard %s\n", n,
                    w < nrecs ? "found" : "MISSING", fl < nrecs ? "found" : "MISSING",
                    dsm < nrecs ? "found" : "MISSING");
        CHECK(w < nrecs);
        CHECK(fl < nrecs);
        CHECK(dsm < nrecs);
        /* the write's data went from host to device, 4 KiB */
        int data = 0, range = 0;
        for (size_t i = w; i < nrecs && w < nrecs && !data; i++)
            data = recs[i].e.type == NVT_EV_DMA_READ &&
                   recs[i].e.u.dma.sqid == recs[w].e.u.sub.qid &&
                   recs[i].e.u.dma.cid == le(recs[w].e.u.sub.sqe + 2, 2) &&
                   recs[i].e.u.dma.len == WRITE_BLOCKS * 512;
        CHECK(data);
        char want[64];
        snprintf(want, sizeof want, "DSM range: SLBA %d NLB %d", DISCARD_LBA, DISCARD_BLOCKS);
        for (size_t i = dsm; i < nrecs && dsm < nrecs && !range; i++)
            range = recs[i].e.type == NVT_EV_ANNOTATION && !strncmp(recs[i].text, want, strlen(want));
        CHECK(range);
    }

    /* ---- poweroff: CC.SHN = normal shutdown, shutdown done ---- */
    size_t shn = first_state(0, NVT_STATE_SHUTDOWN_START);
    if (interrupted) {
        CHECK(shn == nrecs);
    } else {
        CHECK(shn < nrecs);
        if (shn < nrecs) {
            CHECK_EQ_U64((recs[shn].e.u.state.value >> 14) & 3, 1);
            CHECK(shn + 1 < nrecs && recs[shn + 1].e.u.state.state == NVT_STATE_SHUTDOWN_DONE);
            size_t ccw = nrecs;
            for (size_t i = en; i < shn; i++)
                if (recs[i].e.type == NVT_EV_MMIO_WRITE && recs[i].e.u.mmio.offset == 0x14)
                    ccw = i;
            CHECK(ccw < shn && ((recs[ccw].e.u.mmio.value >> 14) & 3) == 1);
        }
    }

    /* ---- the capture statistics close the file; a clean log has no warnings ---- */
    CHECK(nrecs > 0 && recs[nrecs - 1].e.type == NVT_EV_CAPTURE_STATS);
    if (nrecs) {
        CHECK_EQ_U64(recs[nrecs - 1].e.u.stats.warnings, 0);
        CHECK_EQ_U64(recs[nrecs - 1].e.u.stats.recorded, nrecs - 1);
    }

    char *log = load_file(logpath);
    if (ql->log_prefix == NVT_QLOG_ISO8601)
        strip_iso_times(log);
    check_counts(log, ql);
    free(log);
    nvt_reader_close(r);
    free(recs);
    TEST_DONE();
}

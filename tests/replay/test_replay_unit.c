/* libnvtreplay without QEMU: qtest script import (both forms), export of what was imported and
 * import again, crash signatures, in-memory traces written with a keep mask, which outputs
 * depend on time or on data a trace lacks, and "clean" needing something compared. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/test.h"
#include "nvmetrace/replay.h"
#include "../../replay/src/replay_internal.h"

/* A reproducer in the form of QEMU bug reports (this one drives the PMRCTL crash of QEMU issue
 * #362 on a QEMU without its fix): the NVMe device lands at 00:01.0 with -nodefaults. */
static const char report[] =
    "cat << EOF | ./qemu-system-x86_64 -machine q35,accel=qtest -nodefaults \\\n"
    "  -drive file=null-co://,if=none,format=raw,id=disk0 \\\n"
    "  -device nvme,drive=disk0,serial=1 -qtest stdio\n"
    "outl 0xcf8 0x80000810\n"
    "outl 0xcfc 0xe0000000\n"
    "outl 0xcf8 0x80000804\n"
    "outw 0xcfc 0x06\n"
    "write 0x1000 0x4 0x01020304\n"
    "clock_step\n"
    "readl 0xe0000000\n"
    "writel 0xe0001000 0x1\n"
    "writel 0xe0000e04 0x1\n"
    "EOF\n";

static const char bare[] =
    "outl 0xcf8 0x80002010\n"
    "outl 0xcfc 0xfebf0000\n"
    "outl 0xcf8 0x80002014\n"
    "outl 0xcfc 0x0\n"
    "outl 0xcf8 0x80000060\n"   /* another function (the MCH): kept verbatim */
    "inl 0xcfc\n"
    "outl 0xcf8 0x80002004\n"
    "outw 0xcfc 0x0006\n"
    "\n"
    "writeq 0xfebf0028 0x100000\n"
    "readl 0xfebf001c\n"
    "writel 0xfebf4000 0x5\n";  /* beyond BAR0: not the device's */

struct buf {
    char *p;
    size_t n;
};

static int buf_write(void *ctx, const char *text, size_t len)
{
    struct buf *b = ctx;
    char *p = realloc(b->p, b->n + len + 1);
    if (!p)
        return -1;
    memcpy(p + b->n, text, len);
    b->n += len;
    p[b->n] = 0;
    b->p = p;
    return 0;
}

static void test_report_form(void)
{
    nvt_error err;
    nvt_qtest_import_stats st;
    nvt_trace *t = nvt_qtest_import(report, strlen(report), "issue362.sh", &st, &err);
    CHECK(t != NULL);
    if (!t) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_EQ_U64(st.commands, 9);
    CHECK_STR(st.qemu_args, "-machine q35,accel=qtest -nodefaults   -drive "
                            "file=null-co://,if=none,format=raw,id=disk0   -device "
                            "nvme,drive=disk0,serial=1 -qtest stdio");
    CHECK_EQ_U64(nvt_trace_device_count(t), 1);
    CHECK_STR(nvt_trace_device(t, 0)->bdf, "0000:00:01.0");
    /* cfg write BAR0, cfg write COMMAND, write (note), clock_step (note), readl CAP, doorbell
     * (MMIO + DOORBELL), PMRCTL write. */
    CHECK_EQ_U64(nvt_trace_count(t), 8);
    const nvt_event *e = nvt_trace_event(t, 0);
    CHECK(e->type == NVT_EV_CFG_WRITE && e->u.cfg.offset == 0x10 && e->u.cfg.size == 4 &&
          e->u.cfg.value == 0xe0000000);
    e = nvt_trace_event(t, 1);
    CHECK(e->type == NVT_EV_CFG_WRITE && e->u.cfg.offset == 0x04 && e->u.cfg.size == 2 &&
          e->u.cfg.value == 6);
    e = nvt_trace_event(t, 2);
    CHECK(e->type == NVT_EV_ANNOTATION);
    CHECK_STR(e->u.ann.text, "qtest: write 0x1000 0x4 0x01020304");
    CHECK_STR(nvt_trace_event(t, 3)->u.ann.text, "qtest: clock_step");
    e = nvt_trace_event(t, 4);
    CHECK(e->type == NVT_EV_MMIO_READ && e->u.mmio.offset == 0 && e->u.mmio.size == 4 &&
          (e->flags & NVT_F_VALUE_UNKNOWN));
    e = nvt_trace_event(t, 5);
    CHECK(e->type == NVT_EV_MMIO_WRITE && e->u.mmio.offset == 0x1000 && e->u.mmio.value == 1);
    e = nvt_trace_event(t, 6);
    CHECK(e->type == NVT_EV_DOORBELL && e->u.doorbell.qid == 0 && !e->u.doorbell.is_cq &&
          e->u.doorbell.value == 1);
    e = nvt_trace_event(t, 7);
    CHECK(e->type == NVT_EV_MMIO_WRITE && e->u.mmio.offset == 0xe04 && e->u.mmio.gpa == 0xe0000e04);
    CHECK(strstr(nvt_trace_comment(t), " -- qemu-system-x86_64 -machine q35,accel=qtest") != NULL);

    /* Export it and import the export: the same events. */
    nvt_qtest_export_opts o;
    memset(&o, 0, sizeof o);
    nvt_replay_opts_init(&o.replay);
    struct buf b = {0};
    o.write = buf_write;
    o.ctx = &b;
    o.shell_form = 1;
    char args[2048];
    CHECK(nvt_qtest_export(t, &o, args, sizeof args, &err) == 0);
    CHECK(b.p && strstr(b.p, "cat << EOF | qemu-system-x86_64 ") != NULL);
    CHECK(strstr(args, "-device nvme,drive=disk0,serial=1") != NULL);
    CHECK(strstr(args, "-qtest ") == NULL); /* the reader adds -qtest stdio */
    CHECK(b.p && strstr(b.p, "\nwritel 0xe0000e04 0x1\nEOF\n") != NULL);
    nvt_trace *t2 = b.p ? nvt_qtest_import(b.p, b.n, "export", NULL, &err) : NULL;
    CHECK(t2 != NULL);
    if (t2) {
        CHECK_EQ_U64(nvt_trace_count(t2), nvt_trace_count(t));
        for (size_t i = 0; i < nvt_trace_count(t) && i < nvt_trace_count(t2); i++) {
            const nvt_event *a = nvt_trace_event(t, i), *c = nvt_trace_event(t2, i);
            CHECK(a->type == c->type);
            if (a->type == NVT_EV_ANNOTATION)
                CHECK_STR(a->u.ann.text, c->u.ann.text);
            else if (a->type == NVT_EV_CFG_WRITE)
                CHECK(a->u.cfg.offset == c->u.cfg.offset && a->u.cfg.value == c->u.cfg.value);
            else if (a->type == NVT_EV_MMIO_WRITE)
                CHECK(a->u.mmio.offset == c->u.mmio.offset && a->u.mmio.value == c->u.mmio.value);
        }
        nvt_trace_free(t2);
    }
    free(b.p);
    nvt_trace_free(t);
}

static void test_bare_form(void)
{
    nvt_error err;
    nvt_qtest_import_stats st;
    nvt_trace *t = nvt_qtest_import(bare, strlen(bare), "bare", &st, &err);
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK_STR(st.qemu_args, "");
    CHECK_STR(nvt_trace_device(t, 0)->bdf, "0000:00:04.0");
    CHECK_EQ_U64(st.commands, 11);
    CHECK_EQ_U64(st.passthrough, 3);
    /* BAR0 lo, BAR0 hi, MCH cf8 + inl (notes), COMMAND, ASQ writeq, CSTS readl, beyond note */
    CHECK_EQ_U64(nvt_trace_count(t), 8);
    CHECK_STR(nvt_trace_event(t, 2)->u.ann.text, "qtest: outl 0xcf8 0x80000060");
    CHECK_STR(nvt_trace_event(t, 3)->u.ann.text, "qtest: inl 0xcfc");
    const nvt_event *e = nvt_trace_event(t, 5);
    CHECK(e->type == NVT_EV_MMIO_WRITE && e->u.mmio.size == 8 && e->u.mmio.offset == 0x28 &&
          e->u.mmio.value == 0x100000);
    CHECK_STR(nvt_trace_event(t, 7)->u.ann.text, "qtest: writel 0xfebf4000 0x5");
    nvt_trace_free(t);

    CHECK(nvt_qtest_import("\n# nothing\n", 11, "empty", NULL, &err) == NULL);
    CHECK(strstr(err.msg, "no qtest commands") != NULL);
    CHECK(nvt_qtest_import("outl\0x", 6, "binary", NULL, &err) == NULL);
    CHECK(strstr(err.msg, "not a text file") != NULL);
}

static void test_signatures(void)
{
    char sig[256];
    nvt_crash_signature(-1, SIGSEGV, 0, "", sig, sizeof sig);
    CHECK_STR(sig, "SIGSEGV");
    nvt_crash_signature(-1, SIGABRT, 0,
                        "qemu-system-x86_64: terminating\n**\nERROR:../hw/nvme/ctrl.c:6222:"
                        "nvme_process_sq: assertion failed: (sq->head < 0x7f00)\nBail out!\n",
                        sig, sizeof sig);
    CHECK_STR(sig, "SIGABRT: ERROR:../hw/nvme/ctrl.c:6222:nvme_process_sq: assertion failed: "
                   "(sq->head < 0x?)");
    /* ASan: its SUMMARY wins over everything else; addresses go. */
    nvt_crash_signature(1, 0, 0,
                        "==4242==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000010\n"
                        "    #0 0x55d1 in nvme_write_bar ../hw/nvme/ctrl.c:6681\n"
                        "SUMMARY: AddressSanitizer: SEGV ../hw/nvme/ctrl.c:6681 in nvme_write_bar\n"
                        "==4242==ABORTING\n",
                        sig, sizeof sig);
    CHECK_STR(sig, "exit 1: AddressSanitizer: SEGV ../hw/nvme/ctrl.c:6681 in nvme_write_bar");
    nvt_crash_signature(1, 0, 0, "qemu-system-x86_64: -device nvme: drive property not set\n", sig,
                        sizeof sig);
    CHECK_STR(sig, "exit 1: qemu-system-x86_64: -device nvme: drive property not set");
    nvt_crash_signature(-1, 0, 1, "anything", sig, sizeof sig);
    CHECK_STR(sig, "hang");
}

static void test_trace_keep(void)
{
    nvt_trace *t = nvt_trace_new("a comment");
    nvt_device d;
    memset(&d, 0, sizeof d);
    snprintf(d.bdf, sizeof d.bdf, "0000:00:04.0");
    snprintf(d.model, sizeof d.model, "nvme");
    CHECK(nvt_trace_add_device(t, &d) == 0);
    uint8_t data[4] = {1, 2, 3, 4};
    for (int i = 0; i < 5; i++) {
        nvt_event e = {.type = NVT_EV_DMA_READ};
        e.ts_ns = 1000 + (uint64_t)i;
        e.u.dma.gpa = 0x1000u * (unsigned)i;
        e.u.dma.len = e.u.dma.caplen = 4;
        e.u.dma.data = data;
        CHECK(nvt_trace_append(t, &e) == 0);
    }
    data[0] = 9; /* the trace holds its own copy */
    uint8_t keep[5] = {1, 0, 1, 0, 1};
    char path[] = "/tmp/nvt-replay-unit-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    nvt_error err;
    CHECK(nvt_trace_write(t, keep, path, NULL, &err) == 0);
    nvt_trace *r = nvt_trace_load(path, &err);
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_U64(nvt_trace_count(r), 3);
        CHECK_STR(nvt_trace_comment(r), "a comment");
        CHECK_EQ_U64(nvt_trace_event(r, 1)->u.dma.gpa, 0x2000);
        CHECK_EQ_U64(nvt_trace_event(r, 2)->seq, 2);
        CHECK_EQ_U64(nvt_trace_event(r, 2)->u.dma.data[0], 1);
        nvt_trace_free(r);
    }
    unlink(path);
    nvt_trace_free(t);
}

static void add_sub(nvt_trace *t, uint16_t qid, uint8_t opc, uint16_t cid, uint64_t prp1,
                    uint32_t cdw10, uint64_t lpo)
{
    nvt_event ev = {.type = NVT_EV_SUBMISSION};
    ev.u.sub.qid = qid;
    ev.u.sub.known = UINT64_MAX;
    ev.u.sub.sqe[0] = opc;
    memcpy(ev.u.sub.sqe + 2, &cid, 2);
    memcpy(ev.u.sub.sqe + 24, &prp1, 8);
    memcpy(ev.u.sub.sqe + 40, &cdw10, 4);
    memcpy(ev.u.sub.sqe + 48, &lpo, 8);
    CHECK(nvt_trace_append(t, &ev) == 0);
}

static void add_dma_write(nvt_trace *t, uint16_t sqid, uint16_t cid, uint64_t gpa, uint32_t len)
{
    static uint8_t data[512];
    nvt_event ev = {.type = NVT_EV_DMA_WRITE};
    ev.u.dma.sqid = sqid;
    ev.u.dma.cid = cid;
    ev.u.dma.gpa = gpa;
    ev.u.dma.len = ev.u.dma.caplen = len;
    ev.u.dma.data = data;
    CHECK(nvt_trace_append(t, &ev) == 0);
}

static void add_cpl(nvt_trace *t, uint16_t sqid, uint16_t cid, uint16_t status)
{
    nvt_event ev = {.type = NVT_EV_COMPLETION};
    ev.u.cpl.qid = sqid;
    ev.u.cpl.known = 0xffff;
    memcpy(ev.u.cpl.cqe + 10, &sqid, 2);
    memcpy(ev.u.cpl.cqe + 12, &cid, 2);
    uint16_t st = (uint16_t)(status << 1 | 1);
    memcpy(ev.u.cpl.cqe + 14, &st, 2);
    CHECK(nvt_trace_append(t, &ev) == 0);
}

static void check_dep(const struct rp_dep *d, int kind, uint32_t from, uint32_t to)
{
    CHECK_EQ_U64(d->kind, kind);
    CHECK_EQ_U64(d->from, from);
    CHECK_EQ_U64(d->to, to);
}

/* Which bytes of which outputs depend on time or on data the replay lacks. */
static void test_dependencies(void)
{
    nvt_trace *t = nvt_trace_new("");
    nvt_device d = {.bdf = "0000:00:04.0"};
    CHECK(nvt_trace_add_device(t, &d) == 0);
    struct rp_dep dep[RP_DEP_MAX];
    /* 0-1: Get Features Timestamp: all 8 bytes depend on time */
    add_sub(t, 0, 0x0a, 1, 0x10000, 0x0e, 0);
    add_dma_write(t, 0, 1, 0x10000, 8);
    CHECK_EQ_U64(rp_dma_write_deps(t, NULL, 1, 0, dep), 1);
    check_dep(&dep[0], RP_DEP_TIME, 0, 8);
    /* 2-3: Get Features Volatile Write Cache: nothing */
    add_sub(t, 0, 0x0a, 2, 0x10000, 0x06, 0);
    add_dma_write(t, 0, 2, 0x10000, 8);
    CHECK_EQ_U64(rp_dma_write_deps(t, NULL, 3, 0, dep), 0);
    /* 4-5: SMART / Health from offset 0, 512 bytes at PRP1: counters 32-96 data, busy time
     * 96-112 time, power cycles data, power-on hours time, unsafe shutdowns data */
    add_sub(t, 0, 0x02, 3, 0x20000, 0x007f0002, 0);
    add_dma_write(t, 0, 3, 0x20000, 512);
    CHECK_EQ_U64(rp_dma_write_deps(t, NULL, 5, 0, dep), 5);
    check_dep(&dep[0], RP_DEP_DATA, 32, 96);
    check_dep(&dep[1], RP_DEP_TIME, 96, 112);
    check_dep(&dep[2], RP_DEP_DATA, 112, 128);
    check_dep(&dep[3], RP_DEP_TIME, 128, 144);
    check_dep(&dep[4], RP_DEP_DATA, 144, 160);
    /* 6-7: the same log read from page offset 100 (LPO): ranges shift, the first is cut */
    add_sub(t, 0, 0x02, 4, 0x20000, 0x007f0002, 100);
    add_dma_write(t, 0, 4, 0x20000, 64);
    CHECK_EQ_U64(rp_dma_write_deps(t, NULL, 7, 0, dep), 4);
    check_dep(&dep[0], RP_DEP_TIME, 0, 12);
    check_dep(&dep[3], RP_DEP_DATA, 44, 60);
    /* 8-9: a Read: its data depends on the media only when the target's reads are zeros */
    add_sub(t, 1, 0x02, 5, 0x30000, 0, 0);
    add_dma_write(t, 1, 5, 0x30000, 512);
    CHECK_EQ_U64(rp_dma_write_deps(t, NULL, 9, 0, dep), 0);
    CHECK_EQ_U64(rp_dma_write_deps(t, NULL, 9, 1, dep), 1);
    check_dep(&dep[0], RP_DEP_DATA, 0, 512);
    /* ... and not when its command is masked out */
    uint8_t keep[16];
    memset(keep, 1, sizeof keep);
    keep[8] = 0;
    CHECK_EQ_U64(rp_dma_write_deps(t, keep, 9, 1, dep), 0);
    /* 10-11: a Compare without data: its status depends on it; a Write's does not */
    add_sub(t, 1, 0x05, 6, 0x30000, 0, 0);
    add_cpl(t, 1, 6, 0x4285);
    CHECK_EQ_U64(rp_cqe_status_no_data(t, NULL, 11, 0), 1);
    add_sub(t, 1, 0x01, 7, 0x30000, 0, 0);
    add_cpl(t, 1, 7, 0);
    CHECK_EQ_U64(rp_cqe_status_no_data(t, NULL, 13, 0), 0);
    /* 14-16: a Compare with its data in the trace: comparable, unless the media is zeros */
    add_sub(t, 1, 0x05, 8, 0x30000, 0, 0);
    nvt_event rd = {.type = NVT_EV_DMA_READ};
    static uint8_t data[512];
    rd.u.dma.sqid = 1;
    rd.u.dma.cid = 8;
    rd.u.dma.len = rd.u.dma.caplen = 512;
    rd.u.dma.data = data;
    CHECK(nvt_trace_append(t, &rd) == 0);
    add_cpl(t, 1, 8, 0x4285);
    CHECK_EQ_U64(rp_cqe_status_no_data(t, NULL, 16, 0), 0);
    CHECK_EQ_U64(rp_cqe_status_no_data(t, NULL, 16, 1), 1);
    nvt_trace_free(t);
}

/* A trace with no device is "nothing compared", without starting any QEMU. */
static void test_nothing(void)
{
    nvt_trace *t = nvt_trace_new("");
    nvt_replay_opts o;
    nvt_replay_opts_init(&o);
    o.qemu = "/nonexistent/qemu-system-x86_64";
    nvt_replay_result r;
    nvt_error err;
    CHECK(nvt_replay_run(t, &o, &r, &err) == 0);
    CHECK_EQ_U64(r.status, NVT_REPLAY_NOTHING);
    CHECK_STR(r.nothing_reason, "the trace holds no device");
    CHECK_EQ_U64(r.compared, 0);
    nvt_trace_free(t);
}

int main(void)
{
    test_dependencies();
    test_nothing();
    test_report_form();
    test_bare_form();
    test_signatures();
    test_trace_keep();
    TEST_DONE();
}

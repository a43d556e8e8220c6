/*
 * Writes the traces the Wireshark plugin tests run tshark on, with the project's own writer:
 *
 *   gen_traces DIR         DIR/events.pcapng      a controller's life: config space and
 *                                                 capabilities, BAR sizing, registers, every
 *                                                 admin and I/O opcode of the name tables,
 *                                                 Identify data, DSM/Copy ranges, MSI-X,
 *                                                 interrupts, state changes, notes, stats
 *                          DIR/events.pcapng.zst  the same, zstd-compressed
 *                          DIR/experts.pcapng     one record per expert-info condition
 *                          DIR/two_devices.pcapng two controllers with the same (SQ, CID)
 *                                                 interleaved, and different doorbell strides
 *   gen_traces --bench N FILE                     N events of Read/Write I/O traffic
 *   gen_traces --random N SEED FILE               N records of random bytes (hostile input)
 *
 * Every value the tests assert is set here; tests/dissector/run_tests.sh names them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmetrace/format.h"
#include "nvmetrace/nvme.h"

static nvt_writer *w;
static uint64_t now_ns = 1700000000000000000ull; /* 2023-11-14T22:13:20Z */

static void die(const nvt_error *err)
{
    fprintf(stderr, "gen_traces: %s\n", err->msg);
    exit(1);
}

static void open_trace(const char *path)
{
    nvt_error err;
    /* The expert and random traces hold records the reader rejects, on purpose: the plugin
     * must show them as malformed. */
    nvt_writer_opts o = {.allow_invalid = 1};
    w = nvt_writer_open(path, &o, &err);
    if (!w)
        die(&err);
}

static int add_device(const char *bdf)
{
    nvt_device d;
    nvt_error err;
    memset(&d, 0, sizeof d);
    snprintf(d.bdf, sizeof d.bdf, "%s", bdf);
    d.vendor_id = 0x1b36;
    d.device_id = 0x0010;
    d.subsys_vendor_id = 0x1af4;
    d.subsys_id = 0x1100;
    d.class_code = 0x010802;
    d.revision = 2;
    snprintf(d.model, sizeof d.model, "nvme");
    snprintf(d.emulator, sizeof d.emulator, "nvmetrace test generator");
    int idx = nvt_writer_add_device(w, &d, &err);
    if (idx < 0)
        die(&err);
    return idx;
}

static void close_trace(void)
{
    nvt_error err;
    if (nvt_writer_close(w, &err) < 0)
        die(&err);
    w = NULL;
}

/* Each event is 1 us after the previous one unless the caller advances the clock. */
static void emit(nvt_event *ev)
{
    nvt_error err;
    now_ns += 1000;
    ev->ts_ns = now_ns;
    if (nvt_writer_write(w, ev, NULL, &err) < 0)
        die(&err);
}

static nvt_event event(int dev, int type)
{
    nvt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.device = (uint32_t)dev;
    ev.type = (uint8_t)type;
    ev.thread = 1;
    return ev;
}

static void cfg(int dev, int write, uint16_t off, uint8_t size, uint32_t value)
{
    nvt_event ev = event(dev, write ? NVT_EV_CFG_WRITE : NVT_EV_CFG_READ);
    ev.u.cfg.offset = off;
    ev.u.cfg.size = size;
    ev.u.cfg.value = value;
    emit(&ev);
}

static void mmio(int dev, int write, uint32_t off, uint8_t size, uint64_t value)
{
    nvt_event ev = event(dev, write ? NVT_EV_MMIO_WRITE : NVT_EV_MMIO_READ);
    ev.u.mmio.bar = 0;
    ev.u.mmio.size = size;
    ev.u.mmio.offset = off;
    ev.u.mmio.value = value;
    ev.u.mmio.gpa = 0xfebf0000ull + off;
    emit(&ev);
}

static void bar(int dev, int map, uint64_t addr, uint64_t size)
{
    nvt_event ev = event(dev, map ? NVT_EV_BAR_MAP : NVT_EV_BAR_UNMAP);
    ev.u.bar.bar = 0;
    ev.u.bar.flags = NVT_BAR_64BIT;
    ev.u.bar.addr = addr;
    ev.u.bar.size = size;
    emit(&ev);
}

/* A doorbell as the device sees it: the MMIO write (stride 4) and the doorbell record. */
static void doorbell(int dev, uint16_t qid, int is_cq, uint32_t value, unsigned dstrd)
{
    mmio(dev, 1, 0x1000 + (2u * qid + (unsigned)is_cq) * (4u << dstrd), 4, value);
    nvt_event ev = event(dev, NVT_EV_DOORBELL);
    ev.u.doorbell.qid = qid;
    ev.u.doorbell.is_cq = (uint8_t)is_cq;
    ev.u.doorbell.value = value;
    emit(&ev);
}

static void msix(int dev, uint16_t entry, uint8_t field, int write, uint32_t value)
{
    nvt_event ev = event(dev, NVT_EV_MSIX_ACCESS);
    ev.u.msix.entry = entry;
    ev.u.msix.field = field;
    ev.u.msix.is_write = (uint8_t)write;
    ev.u.msix.value = value;
    emit(&ev);
}

static void msix_ctrl(int dev, uint16_t table_size)
{
    nvt_event ev = event(dev, NVT_EV_MSIX_CTRL);
    ev.u.msix_ctrl.enabled = 1;
    ev.u.msix_ctrl.table_size = table_size;
    ev.u.msix_ctrl.msgctl = 0x8000u | (table_size - 1u);
    emit(&ev);
}

static void irq(int dev, uint8_t kind, uint16_t vector)
{
    nvt_event ev = event(dev, NVT_EV_INTERRUPT);
    ev.u.irq.kind = kind;
    ev.u.irq.vector = vector;
    if (kind == NVT_IRQ_MSIX || kind == NVT_IRQ_MSI) {
        ev.u.irq.addr = 0xfee00000ull;
        ev.u.irq.data = 0x4021u + vector;
    }
    emit(&ev);
}

static void state(int dev, uint8_t st, uint32_t value)
{
    nvt_event ev = event(dev, NVT_EV_CTRL_STATE);
    ev.u.state.state = st;
    ev.u.state.value = value;
    emit(&ev);
}

static void note(int dev, uint8_t level, const char *text)
{
    nvt_event ev = event(dev, NVT_EV_ANNOTATION);
    ev.u.ann.level = level;
    ev.u.ann.len = (uint16_t)strlen(text);
    ev.u.ann.text = text;
    emit(&ev);
}

static void stats(int dev, uint64_t recorded, uint64_t dropped)
{
    nvt_event ev = event(dev, NVT_EV_CAPTURE_STATS);
    ev.u.stats.recorded = recorded;
    ev.u.stats.dropped = dropped;
    ev.u.stats.overflows = dropped ? 1 : 0;
    emit(&ev);
}

static void dma(int dev, int dev_write, uint64_t gpa, const void *data, uint32_t len,
                uint16_t sqid, uint16_t cid)
{
    nvt_event ev = event(dev, dev_write ? NVT_EV_DMA_WRITE : NVT_EV_DMA_READ);
    ev.u.dma.gpa = gpa;
    ev.u.dma.len = len;
    ev.u.dma.caplen = len;
    ev.u.dma.sqid = sqid;
    ev.u.dma.cid = cid;
    ev.u.dma.data = data;
    emit(&ev);
}

/* ---- queue entries ---- */

typedef struct sqe {
    uint8_t opc, flags;
    uint16_t cid;
    uint32_t nsid;
    uint64_t prp1, prp2;
    uint32_t cdw[16]; /* [10..15] */
} sqe;

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static void sub_known(int dev, uint16_t sqid, uint16_t slot, const sqe *s, uint16_t flags,
                      uint64_t known)
{
    nvt_event ev = event(dev, NVT_EV_SUBMISSION);
    ev.flags = flags;
    ev.u.sub.qid = sqid;
    ev.u.sub.slot = slot;
    ev.u.sub.known = known;
    uint8_t *b = ev.u.sub.sqe;
    b[0] = s->opc;
    b[1] = s->flags;
    put16(b + 2, s->cid);
    put32(b + 4, s->nsid);
    put64(b + 24, s->prp1);
    put64(b + 32, s->prp2);
    for (int i = 10; i <= 15; i++)
        put32(b + 4 * i, s->cdw[i]);
    for (int i = 0; i < NVT_SQE_LEN; i++) /* bytes the producer did not know are zero */
        if (!(known >> i & 1))
            b[i] = 0;
    emit(&ev);
}

static void sub(int dev, uint16_t sqid, uint16_t slot, const sqe *s)
{
    sub_known(dev, sqid, slot, s, 0, ~0ull);
}

static void cpl_known(int dev, uint16_t cqid, uint16_t sqid, uint16_t cid, uint16_t sqhd,
                      uint32_t dw0, uint8_t sct, uint8_t sc, int dnr, uint16_t flags,
                      uint16_t known)
{
    nvt_event ev = event(dev, NVT_EV_COMPLETION);
    ev.flags = flags;
    ev.u.cpl.qid = cqid;
    ev.u.cpl.slot = sqhd;
    ev.u.cpl.known = known;
    uint8_t *c = ev.u.cpl.cqe;
    put32(c, dw0);
    put16(c + 8, sqhd);
    put16(c + 10, sqid);
    put16(c + 12, cid);
    put16(c + 14, (uint16_t)(1u /* phase */ | (unsigned)sc << 1 | (unsigned)sct << 9 |
                             (dnr ? 0x8000u : 0)));
    for (int i = 0; i < NVT_CQE_LEN; i++)
        if (!(known >> i & 1))
            c[i] = 0;
    emit(&ev);
}

static void cpl(int dev, uint16_t cqid, uint16_t sqid, uint16_t cid, uint16_t sqhd,
                uint32_t dw0, uint8_t sct, uint8_t sc)
{
    cpl_known(dev, cqid, sqid, cid, sqhd, dw0, sct, sc, sct || sc, 0, 0xffff);
}

/* ---- a controller's life ---- */

typedef struct ctrl {
    int dev;
    uint16_t sq_tail[2], cq_head[2];
    uint16_t qsize[2];
    unsigned dstrd;
} ctrl;

/* Runs one command on queue q (0 admin, 1 I/O): doorbell, fetch, optional data, completion,
 * interrupt, CQ head doorbell. The completion comes 5 us after the submission. */
typedef struct data {
    int dev_write;
    const void *bytes;
    uint32_t len;
    int by_prp1; /* DMA record without SQ id / CID: matched by PRP1 */
} data;

static void run(ctrl *c, int q, sqe *s, const data *d, uint32_t dw0, uint8_t sct, uint8_t sc)
{
    uint16_t slot = c->sq_tail[q];
    c->sq_tail[q] = (uint16_t)((c->sq_tail[q] + 1) % c->qsize[q]);
    doorbell(c->dev, (uint16_t)q, 0, c->sq_tail[q], c->dstrd);
    sub(c->dev, (uint16_t)q, slot, s);
    if (d && d->len)
        dma(c->dev, d->dev_write, s->prp1, d->bytes, d->len,
            d->by_prp1 ? NVT_QID_UNKNOWN : (uint16_t)q, d->by_prp1 ? 0xffff : s->cid);
    now_ns += 2000;
    cpl(c->dev, (uint16_t)q, (uint16_t)q, s->cid, c->sq_tail[q], dw0, sct, sc);
    irq(c->dev, NVT_IRQ_MSIX, (uint16_t)q);
    c->cq_head[q] = (uint16_t)((c->cq_head[q] + 1) % c->qsize[q]);
    doorbell(c->dev, (uint16_t)q, 1, c->cq_head[q], c->dstrd);
}

static void setup_config_space(int dev, uint32_t bar0_readback)
{
    cfg(dev, 0, 0x00, 4, 0x00101b36);     /* vendor 1b36, device 0010 */
    cfg(dev, 0, 0x08, 4, 0x01080202);     /* class 010802, revision 02 */
    cfg(dev, 0, 0x2c, 4, 0x11001af4);     /* subsystem 1af4:1100 */
    cfg(dev, 0, 0x06, 2, 0x0010);         /* status: capabilities list */
    cfg(dev, 0, 0x34, 1, 0x40);           /* first capability at 0x40 */
    cfg(dev, 0, 0x40, 2, 0x6011);         /* MSI-X, next 0x60 */
    cfg(dev, 0, 0x42, 2, 0x0040);         /* table size 65 */
    cfg(dev, 0, 0x44, 4, 0x00002000);     /* table in BAR0 at 0x2000 */
    cfg(dev, 0, 0x48, 4, 0x00003000);     /* PBA in BAR0 at 0x3000 */
    cfg(dev, 0, 0x60, 2, 0x8010);         /* PCI Express, next 0x80 */
    cfg(dev, 0, 0x62, 2, 0x0002);         /* version 2, endpoint */
    cfg(dev, 0, 0x68, 2, 0x2810);         /* devctl: RO, MPS 128, MRRS 512 */
    cfg(dev, 0, 0x72, 2, 0x0011);         /* link status: 2.5 GT/s x1 */
    cfg(dev, 0, 0x80, 2, 0x0001);         /* Power Management, last */
    cfg(dev, 0, 0x84, 2, 0x0008);         /* PMCSR: D0, no soft reset */
    cfg(dev, 0, 0x100, 4, 0x00000000);    /* no extended capabilities */
    cfg(dev, 1, 0x10, 4, 0xffffffff);     /* BAR0 sizing */
    cfg(dev, 0, 0x10, 4, bar0_readback);
    cfg(dev, 1, 0x10, 4, 0xfebf0004);
    cfg(dev, 1, 0x04, 2, 0x0006);         /* memory space + bus master */
}

static void enable_controller(ctrl *c, uint64_t cap)
{
    mmio(c->dev, 0, 0x00, 8, cap);
    mmio(c->dev, 0, 0x08, 4, 0x00010400);  /* VS 1.4.0 */
    mmio(c->dev, 1, 0x14, 4, 0x00000000);  /* CC: disable */
    mmio(c->dev, 0, 0x1c, 4, 0x00000000);  /* CSTS */
    mmio(c->dev, 1, 0x24, 4, 0x001f001f);  /* AQA: 32-entry admin queues */
    mmio(c->dev, 1, 0x28, 8, 0x0000000001000000ull);
    mmio(c->dev, 1, 0x30, 4, 0x01001000);  /* ACQ as two dword writes */
    mmio(c->dev, 1, 0x34, 4, 0x00000000);
    mmio(c->dev, 1, 0x14, 4, 0x00460001);  /* CC: EN, IOSQES 6, IOCQES 4 */
    state(c->dev, NVT_STATE_ENABLE, 0x00460001);
    mmio(c->dev, 0, 0x1c, 4, 0x00000001);  /* CSTS.RDY */
    state(c->dev, NVT_STATE_READY, 0x00000001);
    c->qsize[0] = 32;
}

static void identify_ctrl_data(uint8_t *id)
{
    memset(id, 0, 4096);
    id[0] = 0x36, id[1] = 0x1b;                            /* VID */
    id[2] = 0xf4, id[3] = 0x1a;                            /* SSVID */
    memcpy(id + 4, "deadbeef            ", 20);            /* SN */
    memcpy(id + 24, "QEMU NVMe Ctrl                          ", 40); /* MN */
    memcpy(id + 64, "7.2.0   ", 8);                        /* FR */
    id[72] = 6;                                            /* RAB */
    id[73] = 0x00, id[74] = 0x54, id[75] = 0x52;           /* IEEE */
    id[77] = 7;                                            /* MDTS */
    id[78] = 0;                                            /* CNTLID */
    put32(id + 80, 0x00010400);                            /* VER */
    id[111] = 1;                                           /* CNTRLTYPE */
    id[256] = 0x0a, id[257] = 0x01;                        /* OACS */
    id[258] = 3, id[259] = 3;                              /* ACL, AERL */
    id[263] = 0;                                           /* NPSS */
    id[266] = 0x57, id[267] = 0x01;                        /* WCTEMP 343 K */
    id[268] = 0x73, id[269] = 0x01;                        /* CCTEMP 371 K */
    id[512] = 0x66, id[513] = 0x44;                        /* SQES, CQES */
    put32(id + 516, 256);                                  /* NN */
    id[520] = 0x5f, id[521] = 0x01;                        /* ONCS */
    id[525] = 0x07;                                        /* VWC */
    memcpy(id + 768, "nqn.2019-08.org.qemu:deadbeef", 29);   /* SUBNQN */
}

static void identify_ns_data(uint8_t *id)
{
    memset(id, 0, 4096);
    put64(id + 0, 0x20000);                                /* NSZE */
    put64(id + 8, 0x20000);                                /* NCAP */
    put64(id + 16, 0x1000);                                /* NUSE */
    id[25] = 1;                                            /* NLBAF: 2 formats */
    id[26] = 0;                                            /* FLBAS */
    for (int i = 0; i < 8; i++)
        id[120 + i] = (uint8_t)(0x52 + i);                 /* EUI64 */
    put32(id + 128, 0x00090000);                           /* LBAF0: 512 bytes */
    put32(id + 132, 0x010c0008);                           /* LBAF1: 4096 + 8, better */
}

/* Starts a fresh SQE in s and returns it, so a caller can set a field on the same line. */
static sqe *new_sqe(sqe *s, uint8_t opc, uint16_t cid, uint32_t nsid)
{
    memset(s, 0, sizeof *s);
    s->opc = opc;
    s->cid = cid;
    s->nsid = nsid;
    return s;
}

static void admin_commands(ctrl *c)
{
    static uint8_t buf[4096];
    sqe s;
    uint16_t cid = 0;
#define NEW(op) new_sqe(&s, (op), cid++, 0)

    /* Identify Controller, data matched by SQ id / CID */
    NEW(0x06)->prp1 = 0x1002000;
    s.cdw[10] = 0x01;
    identify_ctrl_data(buf);
    run(c, 0, &s, &(data){1, buf, 4096, 0}, 0, 0, 0);
    /* Set Features, Number of Queues: 64 requested, 8 allocated */
    NEW(0x09)->cdw[10] = 0x07;
    s.cdw[11] = 0x003f003f;
    run(c, 0, &s, NULL, 0x00070007, 0, 0);
    /* Get Features, Volatile Write Cache: enabled */
    NEW(0x0a)->cdw[10] = 0x06;
    run(c, 0, &s, NULL, 0x00000001, 0, 0);
    /* Set Features, Async Event Configuration */
    NEW(0x09)->cdw[10] = 0x0b;
    s.cdw[11] = 0x00000300;
    run(c, 0, &s, NULL, 0, 0, 0);
    /* Get Features, Interrupt Vector Configuration for vector 1 */
    NEW(0x0a)->cdw[10] = 0x09;
    s.cdw[11] = 0x00000001;
    run(c, 0, &s, NULL, 0x00000001, 0, 0);
    /* Create I/O CQ 1 (64 entries, IEN, vector 1), Create I/O SQ 1 */
    NEW(0x05)->prp1 = 0x1100000;
    s.cdw[10] = 0x003f0001;
    s.cdw[11] = 0x00010003;
    run(c, 0, &s, NULL, 0, 0, 0);
    NEW(0x01)->prp1 = 0x1101000;
    s.cdw[10] = 0x003f0001;
    s.cdw[11] = 0x00010005;
    run(c, 0, &s, NULL, 0, 0, 0);
    c->qsize[1] = 64;
    /* Identify Namespace 1, data matched by PRP1 */
    NEW(0x06)->prp1 = 0x1003000;
    s.nsid = 1;
    identify_ns_data(buf);
    run(c, 0, &s, &(data){1, buf, 4096, 1}, 0, 0, 0);
    /* Identify Active Namespace ID list: 1, 2 */
    NEW(0x06)->prp1 = 0x1004000;
    s.cdw[10] = 0x02;
    memset(buf, 0, 4096);
    put32(buf, 1);
    put32(buf + 4, 2);
    run(c, 0, &s, &(data){1, buf, 4096, 0}, 0, 0, 0);
    /* Identify Namespace Identification Descriptors: NGUID */
    NEW(0x06)->prp1 = 0x1005000;
    s.nsid = 1;
    s.cdw[10] = 0x03;
    memset(buf, 0, 4096);
    buf[0] = 2, buf[1] = 16;
    for (int i = 0; i < 16; i++)
        buf[4 + i] = (uint8_t)(0xa0 + i);
    run(c, 0, &s, &(data){1, buf, 4096, 0}, 0, 0, 0);
    /* Get Log Page, SMART / Health, 128 dwords, RAE */
    NEW(0x02)->prp1 = 0x1006000;
    s.nsid = 0xffffffff;
    s.cdw[10] = 0x007f8002;
    run(c, 0, &s, NULL, 0, 0, 0);
    /* Abort SQ 1 CID 0x10: not aborted */
    NEW(0x08)->cdw[10] = 0x00100001;
    run(c, 0, &s, NULL, 0x00000001, 0, 0);
    /* Asynchronous Event Request: a notice, Changed Namespace List */
    NEW(0x0c);
    run(c, 0, &s, NULL, 0x00040002, 0, 0);
    NEW(0x18);                                       /* Keep Alive */
    run(c, 0, &s, NULL, 0, 0, 0);
    NEW(0x11)->prp1 = 0x1007000;                     /* Firmware Image Download */
    s.cdw[10] = 1023;
    run(c, 0, &s, NULL, 0, 0, 0);
    NEW(0x10)->cdw[10] = 0x00000009;                 /* Firmware Commit slot 1, CA 1 */
    run(c, 0, &s, NULL, 0, 0, 0);
    NEW(0x14)->nsid = 0xffffffff;                    /* Device Self-test, short */
    s.cdw[10] = 1;
    run(c, 0, &s, NULL, 0, 0, 0);
    NEW(0x0d)->prp1 = 0x1008000;                     /* Namespace Management create */
    run(c, 0, &s, NULL, 2, 0, 0);
    NEW(0x15)->nsid = 2;                             /* Namespace Attachment attach */
    s.prp1 = 0x1009000;
    run(c, 0, &s, NULL, 0, 0, 0);
    NEW(0x19)->nsid = 1;                             /* Directive Send: enable streams */
    s.cdw[11] = 0x00000001;
    s.cdw[12] = 0x00000101;
    run(c, 0, &s, NULL, 0, 0, 0);
    NEW(0x1a)->nsid = 1;                             /* Directive Receive */
    s.prp1 = 0x100a000;
    s.cdw[10] = 1023;
    s.cdw[11] = 0x00000001;
    run(c, 0, &s, NULL, 0, 0, 0);
    NEW(0x1c)->cdw[10] = 0x00010008;                 /* Virtualization Management */
    run(c, 0, &s, NULL, 0, 0, 0x01);                 /* Invalid Command Opcode */
    NEW(0x20)->cdw[10] = 0x00010001;                 /* Capacity Management */
    run(c, 0, &s, NULL, 0, 0, 0x01);
    NEW(0x24)->cdw[10] = 0x00000210;                 /* Lockdown */
    run(c, 0, &s, NULL, 0, 0, 0x01);
    NEW(0x7c)->prp1 = 0x100b000;                     /* Doorbell Buffer Config */
    s.prp2 = 0x100c000;
    run(c, 0, &s, NULL, 0, 0, 0);
    NEW(0x80)->nsid = 1;                             /* Format NVM: LBAF 1, user data erase */
    s.cdw[10] = 0x00000201;
    run(c, 0, &s, NULL, 0, 0, 0);
    NEW(0x81)->prp1 = 0x100d000;                     /* Security Send */
    s.cdw[10] = 0xef000100;
    s.cdw[11] = 512;
    run(c, 0, &s, NULL, 0, 0, 0);
    NEW(0x82)->prp1 = 0x100e000;                     /* Security Receive */
    s.cdw[10] = 0x00000000;
    s.cdw[11] = 512;
    run(c, 0, &s, NULL, 0, 0, 0);
    NEW(0x84)->cdw[10] = 0x00000002;                 /* Sanitize: block erase */
    run(c, 0, &s, NULL, 0, 0, 0);
    NEW(0x86)->nsid = 1;                             /* Get LBA Status */
    s.prp1 = 0x100f000;
    s.cdw[12] = 1023;
    s.cdw[13] = 0x10000100;
    run(c, 0, &s, NULL, 0, 0, 0);

    /* Every other admin opcode the name tables know, dwords zero. */
    static const uint8_t done[] = {0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0a, 0x0c,
                                   0x0d, 0x10, 0x11, 0x14, 0x15, 0x18, 0x19, 0x1a, 0x1c, 0x20,
                                   0x24, 0x7c, 0x80, 0x81, 0x82, 0x84, 0x86};
    for (const struct nvt_name *n = nvt_admin_opcodes; n->name; n++) {
        if (memchr(done, (int)n->value, sizeof done))
            continue;
        NEW((uint8_t)n->value);
        run(c, 0, &s, NULL, 0, 0, 0);
    }
#undef NEW
}

static void io_commands(ctrl *c)
{
    static uint8_t buf[4096];
    sqe s;
    uint16_t cid = 0x100;
#define NEW(op) new_sqe(&s, (op), cid++, 1)
    memset(buf, 0xa5, sizeof buf);
    NEW(0x01)->prp1 = 0x2000000;                     /* Write 8 blocks at 2048, FUA */
    s.cdw[10] = 2048;
    s.cdw[12] = 0x40000007;
    run(c, 1, &s, &(data){0, buf, 4096, 0}, 0, 0, 0);
    NEW(0x02)->prp1 = 0x2001000;                     /* Read 8 blocks at 2048 */
    s.cdw[10] = 2048;
    s.cdw[12] = 7;
    run(c, 1, &s, &(data){1, buf, 4096, 0}, 0, 0, 0);
    NEW(0x00);                                       /* Flush */
    run(c, 1, &s, NULL, 0, 0, 0);
    NEW(0x04)->cdw[10] = 100;                        /* Write Uncorrectable */
    run(c, 1, &s, NULL, 0, 0, 0);
    NEW(0x05)->prp1 = 0x2002000;                     /* Compare: Compare Failure */
    s.cdw[10] = 2048;
    s.cdw[12] = 7;
    run(c, 1, &s, NULL, 0, 2, 0x85);
    NEW(0x08)->cdw[10] = 4096;                       /* Write Zeroes, deallocate */
    s.cdw[11] = 1;
    s.cdw[12] = 0x020000ff;
    run(c, 1, &s, NULL, 0, 0, 0);
    /* Dataset Management: 2 ranges, deallocate */
    NEW(0x09)->prp1 = 0x2003000;
    s.cdw[10] = 1;
    s.cdw[11] = 4;
    memset(buf, 0, 32);
    put32(buf + 4, 8);
    put64(buf + 8, 4096);
    put32(buf + 20, 16);
    put64(buf + 24, 8192);
    run(c, 1, &s, &(data){0, buf, 32, 0}, 0, 0, 0);
    NEW(0x0c)->cdw[10] = 0;                          /* Verify */
    s.cdw[12] = 15;
    run(c, 1, &s, NULL, 0, 0, 0);
    NEW(0x0d)->prp1 = 0x2004000;                     /* Reservation Register, set PTPL */
    s.cdw[10] = 0xc0000000;
    run(c, 1, &s, NULL, 0, 0, 0);
    NEW(0x0e)->prp1 = 0x2005000;                     /* Reservation Report, EDS */
    s.cdw[10] = 1023;
    s.cdw[11] = 1;
    run(c, 1, &s, NULL, 0, 0, 0);
    NEW(0x11)->prp1 = 0x2006000;                     /* Reservation Acquire, Write Exclusive */
    s.cdw[10] = 0x00000100;
    run(c, 1, &s, NULL, 0, 0, 0);
    NEW(0x15)->prp1 = 0x2007000;                     /* Reservation Release */
    s.cdw[10] = 0x00000100;
    run(c, 1, &s, NULL, 0, 0, 0);
    /* Copy: one source range (format 0) to LBA 10000 */
    NEW(0x19)->prp1 = 0x2008000;
    s.cdw[10] = 10000;
    memset(buf, 0, 32);
    put64(buf + 8, 300);
    buf[16] = 9;
    run(c, 1, &s, &(data){0, buf, 32, 0}, 0, 0, 0);

    static const uint8_t done[] = {0x00, 0x01, 0x02, 0x04, 0x05, 0x08, 0x09, 0x0c, 0x0d, 0x0e,
                                   0x11, 0x15, 0x19};
    for (const struct nvt_name *n = nvt_io_opcodes; n->name; n++) {
        if (memchr(done, (int)n->value, sizeof done))
            continue;
        NEW((uint8_t)n->value);
        run(c, 1, &s, NULL, 0, 0, 0);
    }
#undef NEW
}

static void write_events(const char *path)
{
    open_trace(path);
    ctrl c = {0};
    c.dev = add_device("0000:00:04.0");
    setup_config_space(c.dev, 0xffffc004); /* 16 KiB, 64-bit */
    bar(c.dev, 1, 0xfebf0000, 0x4000);
    msix_ctrl(c.dev, 65);
    msix(c.dev, 0, NVT_MSIX_ADDR_LO, 1, 0xfee00000);
    msix(c.dev, 0, NVT_MSIX_ADDR_HI, 1, 0);
    msix(c.dev, 0, NVT_MSIX_DATA, 1, 0x4021);
    msix(c.dev, 0, NVT_MSIX_VECTOR_CTRL, 1, 0);
    msix(c.dev, 0, NVT_MSIX_PBA_LO, 0, 0);
    mmio(c.dev, 1, 0x2000, 4, 0xfee00000); /* MSI-X table entry 0 through BAR0 */
    enable_controller(&c, 0x004000300f0107ffull);
    mmio(c.dev, 1, 0x0c, 4, 0x00000001); /* INTMS */
    mmio(c.dev, 1, 0x10, 4, 0x00000001); /* INTMC */
    mmio(c.dev, 0, 0x20, 4, 0x00000000); /* NSSR */
    mmio(c.dev, 0, 0x38, 4, 0x00000002); /* CMBLOC: BIR 2 */
    mmio(c.dev, 0, 0x3c, 4, 0x0000101f); /* CMBSZ: all, 4 KiB units, 1 unit */
    admin_commands(&c);
    io_commands(&c);
    /* shadow doorbells (Doorbell Buffer Config gave 0x100b000 / 0x100c000): the device reads
     * SQ 1's tail, 5, and writes CQ 1's EventIdx, 4 */
    static const uint8_t tail[4] = {5}, eventidx[4] = {4};
    dma(c.dev, 0, 0x100b000 + 8, tail, 4, NVT_QID_UNKNOWN, 0xffff);
    dma(c.dev, 1, 0x100c000 + 12, eventidx, 4, NVT_QID_UNKNOWN, 0xffff);
    sqe del = {.opc = 0x00, .cid = 0x200};                /* Delete I/O SQ 1, then CQ 1 */
    del.cdw[10] = 1;
    run(&c, 0, &del, NULL, 0, 0, 0);
    del = (sqe){.opc = 0x04, .cid = 0x201};
    del.cdw[10] = 1;
    run(&c, 0, &del, NULL, 0, 0, 0);
    irq(c.dev, NVT_IRQ_MSI, 0);
    irq(c.dev, NVT_IRQ_INTX_ASSERT, 0);
    irq(c.dev, NVT_IRQ_INTX_DEASSERT, 0);
    note(c.dev, NVT_ANN_MARKER, "I/O done");
    mmio(c.dev, 1, 0x14, 4, 0x00464001);   /* CC.SHN normal */
    state(c.dev, NVT_STATE_SHUTDOWN_START, 0x00464001);
    mmio(c.dev, 0, 0x1c, 4, 0x00000009);   /* CSTS: RDY, shutdown complete */
    state(c.dev, NVT_STATE_SHUTDOWN_DONE, 0x00000009);
    mmio(c.dev, 1, 0x14, 4, 0x00000000);
    state(c.dev, NVT_STATE_DISABLE, 0);
    state(c.dev, NVT_STATE_RESET, 0);
    bar(c.dev, 0, 0xfebf0000, 0x4000);
    stats(c.dev, nvt_writer_next_seq(w), 0); /* the records before it */
    close_trace();
}

/* payloads.pcapng: what an admin client such as nvme-cli asks for, with data the tests decode
 * field by field (format/src/nvme_layouts.c), plus vendor-specific opcodes. */
/* An admin command with a data buffer (dev_write: the device writes it), matched by CID. */
static void admin_data(ctrl *c, uint16_t cid, uint8_t opc, uint32_t nsid, uint32_t cdw10,
                       uint32_t cdw11, const uint8_t *buf, uint32_t len, int dev_write,
                       uint32_t dw0)
{
    sqe s;
    new_sqe(&s, opc, cid, nsid)->prp1 = 0x2000000 + 0x10000u * cid;
    s.cdw[10] = cdw10;
    s.cdw[11] = cdw11;
    run(c, 0, &s, &(data){dev_write, buf, len, 0}, dw0, 0, 0);
}

static void log_page(ctrl *c, uint16_t cid, uint8_t lid, uint8_t *buf, uint32_t len,
                     uint32_t lpo)
{
    sqe s;
    new_sqe(&s, 0x02, cid, 0xffffffff)->prp1 = 0x2000000 + 0x10000u * cid;
    s.cdw[10] = ((len / 4 - 1) & 0xffff) << 16 | lid;
    s.cdw[12] = lpo;
    run(c, 0, &s, &(data){1, buf, len, 0}, 0, 0, 0);
}

static void write_payloads(const char *path)
{
    static uint8_t buf[4096];
    open_trace(path);
    ctrl c = {0};
    c.dev = add_device("0000:00:04.0");
    setup_config_space(c.dev, 0xffffc004);
    enable_controller(&c, 0x004000300f0107ffull);
    uint16_t cid = 0x40;
    sqe s;

    /* SMART / Health: 310 K (36.85 C), 3 % used, 123456789012 data units read (above 2^32),
     * 2^64 data units written, 17 power cycles, sensor 2 at 305 K */
    memset(buf, 0, 512);
    put16(buf + 1, 310);
    buf[3] = 100, buf[4] = 10, buf[5] = 3;
    put64(buf + 32, 123456789012ull);
    buf[48 + 8] = 1;
    put64(buf + 112, 17);
    put16(buf + 202, 305);
    log_page(&c, cid++, 0x02, buf, 512, 0);
    /* Error Information: two entries, the second from SQ 1 CID 0x1234 */
    memset(buf, 0, 128);
    put64(buf, 2);
    put64(buf + 64, 1);
    put16(buf + 64 + 8, 1);
    put16(buf + 64 + 10, 0x1234);
    log_page(&c, cid++, 0x01, buf, 128, 0);
    /* Firmware Slot Information: slot 1 active, slots 1 and 2 hold revisions */
    memset(buf, 0, 512);
    buf[0] = 0x01;
    memcpy(buf + 8, "1.0     ", 8);
    memcpy(buf + 16, "2.0rc1  ", 8);
    log_page(&c, cid++, 0x03, buf, 512, 0);
    /* Changed Namespace List: 1 and 3 */
    memset(buf, 0, 4096);
    put32(buf, 1);
    put32(buf + 4, 3);
    log_page(&c, cid++, 0x04, buf, 4096, 0);
    /* Commands Supported and Effects: Identify (admin 06h) and Write (I/O 01h, LBCC) */
    memset(buf, 0, 4096);
    put32(buf + 4 * 0x06, 0x00000001);
    put32(buf + 1024 + 4 * 0x01, 0x00000003);
    log_page(&c, cid++, 0x05, buf, 4096, 0);
    /* Device Self-test: a short test in progress at 40 %; the newest result: failed segment 2 */
    memset(buf, 0, 564);
    buf[0] = 0x01, buf[1] = 40;
    buf[4] = 0x17, buf[5] = 2;
    put64(buf + 8, 1000);
    log_page(&c, cid++, 0x06, buf, 564, 0);
    /* Telemetry Host-Initiated header: data area 1 ends at block 8 */
    memset(buf, 0, 512);
    buf[0] = 0x07;
    put16(buf + 8, 8);
    log_page(&c, cid++, 0x07, buf, 512, 0);
    /* Persistent Event Log header read from Log Page Offset 0 */
    memset(buf, 0, 512);
    buf[0] = 0x0d;
    put32(buf + 4, 5);
    put16(buf + 52, 0x1b36);
    memcpy(buf + 56, "deadbeef            ", 20);
    log_page(&c, cid++, 0x0d, buf, 512, 0);
    /* SMART / Health again, 64 bytes from Log Page Offset 32: Data Units Read starts the
     * transfer */
    memset(buf, 0, 512);
    put64(buf, 42);
    log_page(&c, cid++, 0x02, buf, 64, 32);

    /* Get Features Timestamp: 1700000000000 ms, synch 0, origin 1 (set by a host) */
    memset(buf, 0, 8);
    put64(buf, 1700000000000ull);
    buf[6] = 0x02;
    admin_data(&c, cid++, 0x0a, 0, 0x0e, 0, buf, 8, 1, 0);
    /* Set Features Host Behavior Support: ACRE and LBAFEE */
    memset(buf, 0, 512);
    buf[0] = 1, buf[2] = 1;
    admin_data(&c, cid++, 0x09, 0, 0x16, 0, buf, 512, 0, 0);
    /* Get Features Host Memory Buffer: 2048 pages in 4 descriptors */
    memset(buf, 0, 4096);
    put32(buf, 2048);
    put32(buf + 4, 0x40000000);
    put32(buf + 12, 4);
    admin_data(&c, cid++, 0x0a, 0, 0x0d, 0, buf, 4096, 1, 0x00000001);
    /* Set Features Number of Queues: 15 / 15 requested, 8 SQs and 4 CQs allocated */
    new_sqe(&s, 0x09, cid++, 0)->cdw[10] = 0x07;
    s.cdw[11] = 0x000e000e;
    run(&c, 0, &s, NULL, 0x00030007, 0, 0);

    /* Identify CNS 05h, CSI 00h (NVM Command Set namespace): 16-bit storage tag mask, PIC
     * 16BPISTM; the same CNS with CSI 02h (Zoned Namespace) is another structure: raw */
    memset(buf, 0, 4096);
    put64(buf, 0xffff);
    buf[8] = 0x01;
    admin_data(&c, cid++, 0x06, 1, 0x05, 0, buf, 4096, 1, 0);
    admin_data(&c, cid++, 0x06, 1, 0x05, 0x02000000, buf, 4096, 1, 0);
    /* Identify CNS 06h (NVM Command Set controller): VSL 7, DMRL 0xff */
    memset(buf, 0, 4096);
    buf[0] = 7, buf[3] = 0xff;
    put64(buf + 8, 0x100000);
    admin_data(&c, cid++, 0x06, 0, 0x06, 0, buf, 4096, 1, 0);
    /* Identify CNS 08h for NSID 1: ANA group 1, NVM set 2, endurance group 3 */
    memset(buf, 0, 4096);
    put32(buf + 4, 1);
    put16(buf + 10, 2);
    put16(buf + 12, 3);
    admin_data(&c, cid++, 0x06, 1, 0x08, 0, buf, 4096, 1, 0);
    /* Identify CNS 09h: the Identify Namespace structure for Format Index 1 */
    identify_ns_data(buf);
    admin_data(&c, cid++, 0x06, 0, 0x09, 0x00000001, buf, 4096, 1, 0);
    /* Identify CNS 14h: primary controller 0x41, 64 flexible VQ resources */
    memset(buf, 0, 4096);
    put16(buf, 0x41);
    put32(buf + 32, 64);
    admin_data(&c, cid++, 0x06, 0, 0x14, 0, buf, 4096, 1, 0);
    /* Identify CNS 15h: two secondary controllers */
    memset(buf, 0, 4096);
    buf[0] = 2;
    put16(buf + 32, 0x42), put16(buf + 34, 0x41), put16(buf + 40, 1);
    put16(buf + 64, 0x43), put16(buf + 66, 0x41), put16(buf + 72, 2);
    admin_data(&c, cid++, 0x06, 0, 0x15, 0, buf, 4096, 1, 0);
    /* Identify CNS 1Ch: combination 0 is NVM + ZNS (bits 0 and 2) */
    memset(buf, 0, 4096);
    put64(buf, 0x5);
    admin_data(&c, cid++, 0x06, 0, 0x1c, 0, buf, 4096, 1, 0);

    /* vendor specific: admin C5h, and reserved admin BFh (CIDs 0x55, 0x56) */
    new_sqe(&s, 0xc5, cid++, 1);
    run(&c, 0, &s, NULL, 0, 0, 0);
    new_sqe(&s, 0xbf, cid++, 1);
    run(&c, 0, &s, NULL, 0, 0, 0x01);
    close_trace();
}

static void write_raw(int dev, uint8_t version, uint8_t type, uint16_t flags,
                      const uint8_t *body, size_t blen)
{
    uint8_t rec[256] = {version, type, (uint8_t)flags, (uint8_t)(flags >> 8), 1};
    nvt_error err;
    memcpy(rec + NVT_HDR_LEN, body, blen);
    now_ns += 1000;
    if (nvt_writer_write_raw(w, (uint32_t)dev, now_ns, rec, NVT_HDR_LEN + blen, &err) < 0)
        die(&err);
}

static void write_experts(const char *path)
{
    open_trace(path);
    ctrl c = {0};
    c.dev = add_device("0000:00:05.0");
    /* BAR0 of 8 KiB: seen in the sizing read-back and in the mapping */
    setup_config_space(c.dev, 0xffffe004);
    bar(c.dev, 1, 0xfebf0000, 0x2000);
    /* A 4-entry MSI-X table; vector 7 and entry 5 are beyond it */
    msix_ctrl(c.dev, 4);
    irq(c.dev, NVT_IRQ_MSIX, 7);
    msix(c.dev, 5, NVT_MSIX_DATA, 1, 0x4025);
    /* Admin queues of 8 entries; SQ0 tail 8 is beyond; SQ 3 was never created */
    enable_controller(&c, 0x004000300f0107ffull);
    mmio(c.dev, 1, 0x24, 4, 0x00070007);
    c.qsize[0] = 8;
    doorbell(c.dev, 0, 0, 8, 0);
    doorbell(c.dev, 3, 0, 1, 0);
    /* Create I/O CQ with interrupt vector 9 (table has 4) */
    sqe s = {.opc = 0x05, .cid = 1, .prp1 = 0x1100000};
    s.cdw[10] = 0x003f0001;
    s.cdw[11] = 0x00090003;
    sub(c.dev, 0, 0, &s);
    /* CID 5 submitted twice, the first never completed */
    sqe r = {.opc = 0x06, .cid = 5, .prp1 = 0x1002000};
    r.cdw[10] = 0x01;
    sub(c.dev, 0, 1, &r);
    sub(c.dev, 0, 2, &r);
    /* completion nobody submitted */
    cpl(c.dev, 0, 0, 0x77, 3, 0, 0, 0);
    /* error status: Invalid Field in Command, DNR */
    cpl(c.dev, 0, 0, 5, 3, 0, 0, 0x02);
    /* reserved bits: Identify CDW10 bit 8, CDW0 bit 10, CC bit 1 */
    sqe x = {.opc = 0x06, .flags = 0x04, .cid = 6, .prp1 = 0x1002000};
    x.cdw[10] = 0x101;
    sub(c.dev, 0, 3, &x);
    mmio(c.dev, 1, 0x14, 4, 0x00460003);
    /* Reconstructed SQE: opcode, CID, NSID and CDW10 known; CQE: SQ id, CID, status known */
    sqe rc = {.opc = 0x06, .cid = 7, .nsid = 1, .prp1 = 0xdeadbeef000};
    rc.cdw[10] = 0x00;
    sub_known(c.dev, 0, NVT_SLOT_UNKNOWN, &rc, NVT_F_RECONSTRUCTED, 0x00000f00000000ffull);
    cpl_known(c.dev, 0, 0, 7, 0, 0x12345678, 0, 0, 0, NVT_F_RECONSTRUCTED, 0xfc00);
    /* MMIO read whose value the importer did not see */
    nvt_event ev = event(c.dev, NVT_EV_MMIO_READ);
    ev.flags = NVT_F_VALUE_UNKNOWN;
    ev.u.mmio.size = 4;
    ev.u.mmio.offset = 0x1c;
    emit(&ev);
    /* DMA cut at the snap length */
    static const uint8_t some[16] = {1, 2, 3};
    ev = event(c.dev, NVT_EV_DMA_WRITE);
    ev.flags = NVT_F_TRUNCATED;
    ev.u.dma.gpa = 0x3000000;
    ev.u.dma.len = 4096;
    ev.u.dma.caplen = 16;
    ev.u.dma.sqid = NVT_QID_UNKNOWN;
    ev.u.dma.cid = 0xffff;
    ev.u.dma.data = some;
    emit(&ev);
    /* controller fatal */
    mmio(c.dev, 0, 0x1c, 4, 0x00000003);
    state(c.dev, NVT_STATE_FATAL, 0x00000003);
    note(c.dev, NVT_ANN_ERROR, "guest bugcheck 0x7B");
    stats(c.dev, 1000, 3);
    /* records this plugin must not misdecode */
    static const uint8_t body[80] = {0x06};
    write_raw(c.dev, 2, NVT_EV_SUBMISSION, 0, body, 80);  /* newer schema version */
    write_raw(c.dev, 1, 99, 0, body, 8);                  /* unknown event type */
    write_raw(c.dev, 1, NVT_EV_SUBMISSION, 0, body, 10);  /* body too short */
    write_raw(c.dev, 1, NVT_EV_DOORBELL, 0x0100, body, 8); /* unknown flag */
    /* Doorbell Buffer Config, then a shadow SQ 0 tail of 9 (the admin SQ has 8 entries) */
    sqe db = {.opc = 0x7c, .cid = 8, .prp1 = 0x5000000, .prp2 = 0x5001000};
    sub(c.dev, 0, 4, &db);
    static const uint8_t nine[4] = {9};
    dma(c.dev, 0, 0x5000000, nine, 4, NVT_QID_UNKNOWN, 0xffff);
    /* a value the schema does not allow: an 8-byte config read */
    static const uint8_t cfg8[8] = {0x00, 0x00, 8, 0, 0x36, 0x1b, 0x10, 0x00};
    write_raw(c.dev, 1, NVT_EV_CFG_READ, 0, cfg8, 8);
    close_trace();
}

static void write_two_devices(const char *path)
{
    open_trace(path);
    int d0 = add_device("0000:00:04.0");
    int d1 = add_device("0000:00:05.0");
    mmio(d0, 0, 0x00, 8, 0x004000300f0107ffull); /* DSTRD 0: stride 4 */
    mmio(d1, 0, 0x04, 4, 0x00400031);            /* CAP upper dword, DSTRD 1: stride 8 */
    mmio(d0, 1, 0x1008, 4, 1);                   /* d0: SQ1 tail */
    mmio(d1, 1, 0x1008, 4, 1);                   /* d1: CQ0 head */
    sqe s = {.opc = 0x06, .cid = 1, .prp1 = 0x1000};
    s.cdw[10] = 1;
    sub(d0, 0, 0, &s);
    sub(d1, 0, 0, &s);
    now_ns += 2000;
    cpl(d1, 0, 0, 1, 1, 0, 0, 0);                /* d1: 3 us after its submission */
    now_ns += 10000;
    cpl(d0, 0, 0, 1, 1, 0, 0, 0);                /* d0: 15 us after its submission */
    close_trace();
}

/* Read/Write traffic on one I/O queue pair: doorbell, SQE, CQE, interrupt, CQ doorbell. */
static void write_bench(const char *path, long n)
{
    open_trace(path);
    ctrl c = {0};
    c.dev = add_device("0000:00:04.0");
    enable_controller(&c, 0x004000300f0107ffull);
    sqe s = {.opc = 0x05, .cid = 0, .prp1 = 0x1100000};
    s.cdw[10] = 0x03ff0001;
    s.cdw[11] = 0x00010003;
    run(&c, 0, &s, NULL, 0, 0, 0);
    s = (sqe){.opc = 0x01, .cid = 1, .prp1 = 0x1101000};
    s.cdw[10] = 0x03ff0001;
    s.cdw[11] = 0x00010005;
    run(&c, 0, &s, NULL, 0, 0, 0);
    c.qsize[1] = 1024;
    long events = 0;
    for (uint32_t i = 0; events < n; i++) {
        sqe io = {.opc = (uint8_t)(i % 3 ? 0x02 : 0x01), .cid = (uint16_t)(i % 1024),
                  .nsid = 1, .prp1 = 0x4000000ull + 4096ull * (i % 4096)};
        io.cdw[10] = i * 8;
        io.cdw[12] = 7;
        run(&c, 1, &io, NULL, 0, 0, 0);
        events += 7; /* 2 MMIO + 2 doorbells, SQE, CQE, interrupt */
    }
    close_trace();
}

/* Hostile input: N records of random bytes in random lengths around each type's body size, so
 * that every length check and every per-opcode decoder meets garbage. Half of the submissions
 * carry a named opcode, so the command decoders see random dwords; config reads walk random
 * capability pointers (loops included). Deterministic for a seed. */
static uint64_t rng_state;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static void write_random(const char *path, long n, uint64_t seed)
{
    static const size_t fixed[] = {0, 8, 8, 24, 24, 24, 24, 8, 8, 8, 16, 80, 24, 24, 24, 8, 4, 32};
    rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
    open_trace(path);
    int devs[2] = {add_device("0000:00:04.0"), add_device("0000:00:05.0")};
    for (long i = 0; i < n; i++) {
        uint8_t rec[NVT_HDR_LEN + 600];
        uint32_t r = rnd();
        uint8_t type = (uint8_t)(r % 20 < 18 ? 1 + r % 17 : r % 256);
        size_t base = type < sizeof fixed / sizeof fixed[0] ? fixed[type] : 8;
        size_t blen = (rnd() % 8 == 0) ? rnd() % (base + 1) : base + rnd() % 64;
        if (type == NVT_EV_DMA_READ || type == NVT_EV_DMA_WRITE)
            blen = base + rnd() % 512;
        for (size_t k = 0; k < NVT_HDR_LEN + blen; k++)
            rec[k] = (uint8_t)rnd();
        rec[0] = rnd() % 16 ? NVT_SCHEMA_VERSION : (uint8_t)rnd();
        rec[1] = type;
        rec[2] = (uint8_t)(rnd() % 4 ? rnd() & NVT_F_KNOWN_MASK : rnd());
        rec[3] = (uint8_t)(rnd() % 8 ? 0 : rnd());
        uint8_t *b = rec + NVT_HDR_LEN;
        if (type == NVT_EV_SUBMISSION && blen >= 80 && rnd() % 2) {
            const struct nvt_name *t = rnd() % 2 ? nvt_admin_opcodes : nvt_io_opcodes;
            size_t m = 0;
            while (t[m].name)
                m++;
            b[16] = (uint8_t)t[rnd() % m].value;
            b[0] = t == nvt_admin_opcodes ? 0 : 1; /* SQ id */
            b[1] = 0;
        }
        if ((type == NVT_EV_CFG_READ || type == NVT_EV_CFG_WRITE) && blen >= 8) {
            put16(b, (uint16_t)(rnd() % 2 ? rnd() % 0x140 : rnd()));
            b[2] = (uint8_t)(1u << (rnd() % 3));
        }
        if ((type == NVT_EV_DMA_READ || type == NVT_EV_DMA_WRITE) && rnd() % 2)
            put32(b + 12, (uint32_t)(blen - base)); /* a consistent captured length */
        if (type == NVT_EV_ANNOTATION && blen >= 4 && rnd() % 2)
            put16(b + 2, (uint16_t)(blen - 4));
        nvt_error err;
        now_ns += 1000;
        if (nvt_writer_write_raw(w, (uint32_t)devs[rnd() % 2], now_ns, rec, NVT_HDR_LEN + blen,
                                 &err) < 0)
            die(&err);
    }
    close_trace();
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "--random") == 0) {
        write_random(argv[4], atol(argv[2]), strtoull(argv[3], NULL, 0));
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "--bench") == 0) {
        write_bench(argv[3], atol(argv[2]));
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: gen_traces DIR | --bench N FILE | --random N SEED FILE\n");
        return 2;
    }
    char p[4096];
    snprintf(p, sizeof p, "%s/events.pcapng", argv[1]);
    write_events(p);
    snprintf(p, sizeof p, "%s/events.pcapng.zst", argv[1]);
    now_ns = 1700000000000000000ull;
    write_events(p);
    snprintf(p, sizeof p, "%s/experts.pcapng", argv[1]);
    write_experts(p);
    snprintf(p, sizeof p, "%s/two_devices.pcapng", argv[1]);
    write_two_devices(p);
    snprintf(p, sizeof p, "%s/payloads.pcapng", argv[1]);
    write_payloads(p);
    /* events.pcapng holds one submission per named opcode: the tests count them */
    int admin = 0, io = 0;
    for (const struct nvt_name *n = nvt_admin_opcodes; n->name; n++)
        admin++;
    for (const struct nvt_name *n = nvt_io_opcodes; n->name; n++)
        io++;
    printf("admin_opcodes=%d io_opcodes=%d\n", admin, io);
    return 0;
}

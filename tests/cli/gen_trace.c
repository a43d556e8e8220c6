/* Writes a deterministic synthetic trace with the project's writer: two NVMe functions, the
 * controller bring-up a Linux driver performs (config reads, BAR map, CC/CSTS, Identify, queue
 * creation) and N I/O commands per device with doorbells, completions and interrupts.
 * usage: nvt-gen-trace OUT [N_IO]   (OUT ending in .zst is compressed) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmetrace/format.h"

static nvt_writer *w;
static uint64_t now = 1795403926000000000ull;
static nvt_error err;

static void emit(uint32_t dev, nvt_event *ev)
{
    ev->device = dev;
    ev->ts_ns = now;
    now += 250;
    if (nvt_writer_write(w, ev, NULL, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void reg(uint32_t dev, int write, uint32_t off, uint64_t val)
{
    nvt_event ev = {.type = write ? NVT_EV_MMIO_WRITE : NVT_EV_MMIO_READ};
    ev.u.mmio.bar = 0;
    ev.u.mmio.size = off == 0 || off == 0x28 || off == 0x30 ? 8 : 4;
    ev.u.mmio.offset = off;
    ev.u.mmio.value = val;
    ev.u.mmio.gpa = 0xfebf0000ull + dev * 0x10000 + off;
    emit(dev, &ev);
}

static void doorbell(uint32_t dev, uint16_t qid, int cq, uint32_t val)
{
    reg(dev, 1, 0x1000 + (2u * qid + (cq ? 1 : 0)) * 4, val);
    nvt_event ev = {.type = NVT_EV_DOORBELL};
    ev.u.doorbell.qid = qid;
    ev.u.doorbell.is_cq = (uint8_t)cq;
    ev.u.doorbell.value = val;
    emit(dev, &ev);
}

/* One command: doorbell, SQE fetch, optional DMA, CQE, interrupt, CQ doorbell. */
static void command(uint32_t dev, uint16_t qid, uint16_t *tail, uint16_t qsize, uint16_t *head,
                    int *phase, const uint8_t sqe[64], int dma_write, uint32_t dma_len,
                    uint32_t dw0, uint16_t status)
{
    uint16_t slot = *tail;
    *tail = (uint16_t)((*tail + 1) % qsize);
    doorbell(dev, qid, 0, *tail);
    nvt_event s = {.type = NVT_EV_SUBMISSION};
    s.u.sub.qid = qid;
    s.u.sub.slot = slot;
    s.u.sub.known = UINT64_MAX;
    memcpy(s.u.sub.sqe, sqe, 64);
    emit(dev, &s);
    uint16_t cid;
    memcpy(&cid, sqe + 2, 2);
    if (dma_len) {
        static uint8_t data[4096];
        for (uint32_t i = 0; i < sizeof data; i++)
            data[i] = (uint8_t)(i * 7 + cid);
        nvt_event d = {.type = dma_write ? NVT_EV_DMA_WRITE : NVT_EV_DMA_READ};
        memcpy(&d.u.dma.gpa, sqe + 24, 8);
        d.u.dma.len = dma_len;
        d.u.dma.caplen = dma_len > 64 ? 64 : dma_len;
        d.flags = dma_len > 64 ? NVT_F_TRUNCATED : 0;
        d.u.dma.sqid = qid;
        d.u.dma.cid = cid;
        d.u.dma.data = data;
        emit(dev, &d);
    }
    nvt_event c = {.type = NVT_EV_COMPLETION};
    c.u.cpl.qid = qid;
    c.u.cpl.slot = *head;
    c.u.cpl.known = 0xffff;
    put32(c.u.cpl.cqe, dw0);
    put16(c.u.cpl.cqe + 8, *tail);
    put16(c.u.cpl.cqe + 10, qid);
    put16(c.u.cpl.cqe + 12, cid);
    put16(c.u.cpl.cqe + 14, (uint16_t)(status << 1 | (*phase & 1)));
    emit(dev, &c);
    nvt_event irq = {.type = NVT_EV_INTERRUPT};
    irq.u.irq.kind = NVT_IRQ_MSIX;
    irq.u.irq.vector = qid ? 1 : 0;
    irq.u.irq.addr = 0xfee00000;
    irq.u.irq.data = 0x4021 + irq.u.irq.vector;
    emit(dev, &irq);
    *head = (uint16_t)((*head + 1) % qsize);
    if (*head == 0)
        *phase ^= 1;
    doorbell(dev, qid, 1, *head);
}

static void sqe_init(uint8_t sqe[64], uint8_t opc, uint16_t cid, uint32_t nsid, uint64_t prp1)
{
    memset(sqe, 0, 64);
    sqe[0] = opc;
    put16(sqe + 2, cid);
    put32(sqe + 4, nsid);
    put64(sqe + 24, prp1);
}

static void device(uint32_t dev, int n_io)
{
    nvt_event ev = {.type = NVT_EV_CFG_READ};
    ev.u.cfg = (typeof(ev.u.cfg)){0x00, 4, 0x00101b36};
    emit(dev, &ev);
    ev.type = NVT_EV_CFG_WRITE;
    ev.u.cfg = (typeof(ev.u.cfg)){0x10, 4, 0xffffffff};
    emit(dev, &ev);
    ev.type = NVT_EV_CFG_READ;
    ev.u.cfg = (typeof(ev.u.cfg)){0x10, 4, 0xffffc004}; /* 16 KiB, 64-bit memory BAR */
    emit(dev, &ev);
    ev.type = NVT_EV_CFG_WRITE;
    ev.u.cfg = (typeof(ev.u.cfg)){0x10, 4, 0xfebf0004 + dev * 0x10000};
    emit(dev, &ev);
    ev.u.cfg = (typeof(ev.u.cfg)){0x04, 2, 0x0006};
    emit(dev, &ev);
    nvt_event bar = {.type = NVT_EV_BAR_MAP};
    bar.u.bar = (typeof(bar.u.bar)){0, NVT_BAR_64BIT, 0xfebf0000ull + dev * 0x10000, 0x4000};
    emit(dev, &bar);
    nvt_event mc = {.type = NVT_EV_MSIX_CTRL};
    mc.u.msix_ctrl = (typeof(mc.u.msix_ctrl)){1, 0, 65, 0x8040};
    emit(dev, &mc);
    for (uint16_t v = 0; v < 2; v++) {
        nvt_event mx = {.type = NVT_EV_MSIX_ACCESS};
        mx.u.msix = (typeof(mx.u.msix)){v, NVT_MSIX_DATA, 1, 0x4021u + v};
        emit(dev, &mx);
    }
    reg(dev, 0, 0x00, 0x0000004008010fffull); /* CAP: MQES 4095, CQR, TO 0x40 ... */
    reg(dev, 0, 0x08, 0x00010400);            /* VS 1.4 */
    reg(dev, 1, 0x24, 0x001f001f);            /* AQA: 32-entry admin queues */
    reg(dev, 1, 0x28, 0x10000000ull + dev * 0x100000);
    reg(dev, 1, 0x30, 0x10001000ull + dev * 0x100000);
    reg(dev, 1, 0x14, 0x00460001);
    nvt_event st = {.type = NVT_EV_CTRL_STATE};
    st.u.state = (typeof(st.u.state)){NVT_STATE_ENABLE, 0x00460001};
    emit(dev, &st);
    st.u.state = (typeof(st.u.state)){NVT_STATE_READY, 1};
    emit(dev, &st);
    reg(dev, 0, 0x1c, 0x00000001);

    uint16_t atail = 0, ahead = 0, cid = 0;
    int aphase = 1;
    uint8_t sqe[64];
    sqe_init(sqe, 0x06, cid++, 0, 0x20000000); /* Identify Controller */
    put32(sqe + 40, 1);
    command(dev, 0, &atail, 32, &ahead, &aphase, sqe, 1, 4096, 0, 0);
    sqe_init(sqe, 0x06, cid++, 1, 0x20001000); /* Identify Namespace 1 */
    command(dev, 0, &atail, 32, &ahead, &aphase, sqe, 1, 4096, 0, 0);
    sqe_init(sqe, 0x09, cid++, 0, 0); /* Set Features: Number of Queues */
    put32(sqe + 40, 0x07);
    put32(sqe + 44, 0x00010001);
    command(dev, 0, &atail, 32, &ahead, &aphase, sqe, 0, 0, 0x00010001, 0);
    sqe_init(sqe, 0x05, cid++, 0, 0x30000000); /* Create I/O CQ 1, 64 entries, vector 1 */
    put32(sqe + 40, 63u << 16 | 1);
    put32(sqe + 44, 1u << 16 | 0x3);
    command(dev, 0, &atail, 32, &ahead, &aphase, sqe, 0, 0, 0, 0);
    sqe_init(sqe, 0x01, cid++, 0, 0x30010000); /* Create I/O SQ 1 on CQ 1 */
    put32(sqe + 40, 63u << 16 | 1);
    put32(sqe + 44, 1u << 16 | 0x1);
    command(dev, 0, &atail, 32, &ahead, &aphase, sqe, 0, 0, 0, 0);
    sqe_init(sqe, 0x02, cid++, 0xffffffff, 0x20002000); /* Get Log Page: SMART, 512 bytes */
    put32(sqe + 40, 127u << 16 | 0x02);
    command(dev, 0, &atail, 32, &ahead, &aphase, sqe, 1, 512, 0, 0);
    sqe_init(sqe, 0x06, cid++, 0, 0x20003000); /* Identify with a bad CNS: error status */
    put32(sqe + 40, 0xff);
    command(dev, 0, &atail, 32, &ahead, &aphase, sqe, 0, 0, 0, 0x0002);

    uint16_t tail = 0, head = 0;
    int phase = 1;
    for (int i = 0; i < n_io; i++) {
        int write = i % 3 == 1, flush = i % 10 == 9;
        sqe_init(sqe, flush ? 0x00 : (write ? 0x01 : 0x02), (uint16_t)i, 1,
                 flush ? 0 : 0x40000000ull + (uint64_t)(i % 64) * 0x1000);
        if (!flush) {
            put64(sqe + 40, (uint64_t)i * 8); /* SLBA */
            put32(sqe + 48, 7);               /* NLB 0's based: 8 blocks */
        }
        command(dev, 1, &tail, 64, &head, &phase, sqe, !write, flush ? 0 : 4096, 0, 0);
    }
    reg(dev, 1, 0x14, 0x00464001); /* CC.SHN = normal shutdown */
    st.u.state = (typeof(st.u.state)){NVT_STATE_SHUTDOWN_START, 0x00464001};
    emit(dev, &st);
    st.u.state = (typeof(st.u.state)){NVT_STATE_SHUTDOWN_DONE, 0x00000009};
    emit(dev, &st);
    reg(dev, 0, 0x1c, 0x00000009);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: nvt-gen-trace OUT [N_IO]\n");
        return 2;
    }
    int n_io = argc > 2 ? atoi(argv[2]) : 100;
    nvt_writer_opts o = {.comment = "synthetic trace from tests/cli/gen_trace.c"};
    w = nvt_writer_open(argv[1], &o, &err);
    if (!w) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    for (uint32_t d = 0; d < 2; d++) {
        nvt_device dev;
        memset(&dev, 0, sizeof dev);
        snprintf(dev.bdf, sizeof dev.bdf, "0000:00:%02x.0", 4 + d);
        dev.vendor_id = 0x1b36;
        dev.device_id = 0x0010;
        dev.class_code = 0x010802;
        dev.revision = 2;
        snprintf(dev.model, sizeof dev.model, "nvme");
        snprintf(dev.emulator, sizeof dev.emulator, "nvt-gen-trace");
        nvt_writer_add_device(w, &dev, &err);
    }
    nvt_event note = {.type = NVT_EV_ANNOTATION};
    note.u.ann = (typeof(note.u.ann)){NVT_ANN_MARKER, 5, "start"};
    emit(0, &note);
    device(0, n_io);
    device(1, n_io);
    nvt_event stats = {.type = NVT_EV_CAPTURE_STATS};
    stats.u.stats.recorded = nvt_writer_next_seq(w); /* the records before it */
    emit(0, &stats);
    if (nvt_writer_close(w, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    return 0;
}

/*
 * Writes a full-fidelity synthetic trace of a host driving QEMU 7.2's NVMe controller, the way
 * a driver does, with the project's writer: PCI probing and BAR programming, an admin command
 * under INTx (firmware style), MSI-X setup, controller bring-up, Identify, queue creation,
 * Doorbell Buffer Config (shadow doorbells, as Linux 6.1 uses them), I/O with data through PRP1,
 * PRP2 and a PRP list, a failing command, and a normal shutdown.
 *
 * Every output in it (read values, CQEs, DMA write data, interrupts) is what Debian's QEMU
 * 7.2.22 (1:7.2+dfsg-7+deb12u18+b3) returned for these inputs, recorded once from a real run
 * and written down here as constants: the test then checks a fresh QEMU against them. The disk
 * is a raw image the test creates (DISK_PATTERN below), so read data is known independently
 * of QEMU.
 *
 * usage: nvt-gen-replay-trace OUT DISK [--wrong KIND | --io N]   (writes the 1 MiB image DISK too)
 *   --io N repeats the five I/O commands N times (for the replay benchmark).
 *   KIND corrupts one expectation, to prove the comparison catches it:
 *   csts (a register read), cqe (a completion status), data (a byte of read data),
 *   identify (a byte of Identify data), irq (an interrupt on the wrong vector), cfg (a config
 *   read), eventidx (a shadow-doorbell EventIdx write); hole puts the I/O completion queue
 *   in the PCI hole, where no target can have RAM (an input error, not a divergence).
 *   pair replaces the I/O by two Writes submitted with one doorbell, their CQEs recorded in
 *   submission order (as a raw-file disk completed them): QEMU 7.2 on a null-co disk posts
 *   them the other way round (its block layer's completion bottom halves run last-scheduled
 *   first), which a replay must not call a divergence. pair-status also records the second
 *   Write's status wrong (Invalid Field); pair-missing adds a CQE for a command never
 *   submitted. Replay these with a null-co disk (the Writes' data is not compared).
 *   time adds a Get Features Timestamp whose data (a timestamp of the day it was recorded)
 *   no replay reproduces; compare replaces the I/O by a Compare recorded as a QEMU log
 *   import records it (no data) with status Compare Failure, which depends on that data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmetrace/format.h"

#define BDF_SLOT 4
#define BAR0 0xfebf0000ull
#define ASQ 0x00100000ull
#define ACQ 0x00101000ull
#define ASQ2 0x00102000ull
#define ACQ2 0x00103000ull
#define IDBUF 0x00110000ull
#define IOCQ 0x00120000ull
#define IOSQ 0x00121000ull
#define PRPLIST 0x00130000ull
#define DBS 0x00140000ull
#define EIS 0x00141000ull
#define DATA 0x00200000ull
#define QSIZE 16 /* I/O queue entries */
#define LBA 512

static nvt_writer *w;
static uint64_t now = 1800000000000000000ull;
static nvt_error err;
static const char *wrong = "";

static void emit(nvt_event *ev)
{
    ev->device = 0;
    ev->ts_ns = now;
    now += 1000;
    if (nvt_writer_write(w, ev, NULL, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* The disk image: byte i of LBA n is (n * 7 + i) & 0xff, so read data is known. */
static uint8_t disk_byte(uint64_t lba, unsigned i) { return (uint8_t)((lba * 7 + i) & 0xff); }

static void cfg(int write, uint16_t off, uint8_t size, uint32_t value)
{
    nvt_event ev = {.type = write ? NVT_EV_CFG_WRITE : NVT_EV_CFG_READ};
    ev.u.cfg.offset = off;
    ev.u.cfg.size = size;
    ev.u.cfg.value = value;
    emit(&ev);
}

static void reg(int write, uint32_t off, uint8_t size, uint64_t value)
{
    nvt_event ev = {.type = write ? NVT_EV_MMIO_WRITE : NVT_EV_MMIO_READ};
    ev.u.mmio.bar = 0;
    ev.u.mmio.size = size;
    ev.u.mmio.offset = off;
    ev.u.mmio.value = value;
    ev.u.mmio.gpa = BAR0 + off;
    emit(&ev);
}

static void doorbell(uint16_t qid, int cq, uint32_t value)
{
    reg(1, 0x1000 + (2u * qid + (cq ? 1 : 0)) * 4, 4, value);
    nvt_event ev = {.type = NVT_EV_DOORBELL};
    ev.u.doorbell.qid = qid;
    ev.u.doorbell.is_cq = (uint8_t)cq;
    ev.u.doorbell.value = value;
    emit(&ev);
}

static void dma(int write, uint64_t gpa, uint32_t len, const uint8_t *data, uint32_t caplen,
                uint16_t sqid, uint16_t cid)
{
    nvt_event ev = {.type = write ? NVT_EV_DMA_WRITE : NVT_EV_DMA_READ};
    ev.flags = caplen < len ? NVT_F_TRUNCATED : 0;
    ev.u.dma.gpa = gpa;
    ev.u.dma.len = len;
    ev.u.dma.caplen = caplen;
    ev.u.dma.sqid = sqid;
    ev.u.dma.cid = cid;
    ev.u.dma.data = data;
    emit(&ev);
}

static void sub(uint16_t qid, uint16_t slot, const uint8_t sqe[64])
{
    nvt_event ev = {.type = NVT_EV_SUBMISSION};
    ev.u.sub.qid = qid;
    ev.u.sub.slot = slot;
    ev.u.sub.known = UINT64_MAX;
    memcpy(ev.u.sub.sqe, sqe, 64);
    emit(&ev);
}

static void cpl(uint16_t cqid, uint16_t slot, uint32_t dw0, uint16_t sqhd, uint16_t sqid,
                uint16_t cid, uint16_t status, int phase)
{
    nvt_event ev = {.type = NVT_EV_COMPLETION};
    ev.u.cpl.qid = cqid;
    ev.u.cpl.slot = slot;
    ev.u.cpl.known = 0xffff;
    put32(ev.u.cpl.cqe, dw0);
    put16(ev.u.cpl.cqe + 8, sqhd);
    put16(ev.u.cpl.cqe + 10, sqid);
    put16(ev.u.cpl.cqe + 12, cid);
    put16(ev.u.cpl.cqe + 14, (uint16_t)(status << 1 | (phase & 1)));
    emit(&ev);
}

static void irq_msix(uint16_t vector, uint32_t data)
{
    nvt_event ev = {.type = NVT_EV_INTERRUPT};
    ev.u.irq.kind = NVT_IRQ_MSIX;
    ev.u.irq.vector = vector;
    ev.u.irq.data = data;
    ev.u.irq.addr = 0xfee00000;
    emit(&ev);
}

static void irq_intx(void)
{
    nvt_event ev = {.type = NVT_EV_INTERRUPT};
    ev.u.irq.kind = NVT_IRQ_INTX_ASSERT;
    emit(&ev);
}

static void sqe_init(uint8_t sqe[64], uint8_t opc, uint16_t cid, uint32_t nsid, uint64_t prp1,
                     uint64_t prp2)
{
    memset(sqe, 0, 64);
    sqe[0] = opc;
    put16(sqe + 2, cid);
    put32(sqe + 4, nsid);
    put64(sqe + 24, prp1);
    put64(sqe + 32, prp2);
}

/* Admin queue bookkeeping: 32 entries each. */
static uint16_t asq_tail, acq_head;
static int aphase = 1;

/* One admin command: SQ doorbell, fetch, (data), completion, interrupt, CQ doorbell. */
static void admin(const uint8_t sqe[64], const uint8_t *wdata, uint32_t wlen, uint32_t wcap,
                  uint32_t dw0, uint16_t status, int msix)
{
    uint16_t slot = asq_tail, cid;
    memcpy(&cid, sqe + 2, 2);
    asq_tail = (uint16_t)((asq_tail + 1) % 32);
    doorbell(0, 0, asq_tail);
    sub(0, slot, sqe);
    if (wlen) {
        uint64_t prp1;
        memcpy(&prp1, sqe + 24, 8);
        dma(1, prp1, wlen, wdata, wcap, 0, cid);
    }
    cpl(0, acq_head, dw0, asq_tail, 0, cid, status, aphase);
    if (msix)
        irq_msix(0, 0x4021);
    else
        irq_intx();
    acq_head = (uint16_t)((acq_head + 1) % 32);
    if (!acq_head)
        aphase ^= 1;
    doorbell(0, 1, acq_head);
}

/* Controller (re)start: disable, 32-entry admin queues at asq/acq, enable (with a STATE
 * record if state), then the CSTS read that shows it ready (csts is what it reads). */
static void enable(uint64_t asq, uint64_t acq, int state, uint32_t csts)
{
    reg(1, 0x14, 4, 0);
    reg(0, 0x1c, 4, 0);
    reg(1, 0x24, 4, 0x001f001f);
    reg(1, 0x28, 8, asq);
    reg(1, 0x30, 8, acq);
    reg(1, 0x14, 4, 0x00460001);
    if (state) {
        nvt_event st = {.type = NVT_EV_CTRL_STATE};
        st.u.state.state = NVT_STATE_ENABLE;
        st.u.state.value = 0x00460001;
        emit(&st);
    }
    reg(0, 0x1c, 4, csts);
    asq_tail = acq_head = 0;
    aphase = 1;
}

/* The first 64 bytes of Identify Controller as QEMU 7.2.22 returns it for serial=nvtgen01:
 * VID 1b36, SSVID 1af4, SN, MN "QEMU NVMe Ctrl", FR (first 4 bytes). */
static void identify_ctrl_prefix(uint8_t out[64])
{
    memset(out, 0, 64);
    put16(out + 0, 0x1b36);
    put16(out + 2, 0x1af4);
    memset(out + 4, ' ', 20);
    memcpy(out + 4, "nvtgen01", 8);
    memset(out + 24, ' ', 40);
    memcpy(out + 24, "QEMU NVMe Ctrl", 14);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: nvt-gen-replay-trace OUT DISK [--wrong KIND]\n");
        return 2;
    }
    int cycles = 1;
    if (argc == 5 && !strcmp(argv[3], "--wrong"))
        wrong = argv[4];
    else if (argc == 5 && !strcmp(argv[3], "--io"))
        cycles = atoi(argv[4]) > 0 ? atoi(argv[4]) : 1;
    int pair = !strncmp(wrong, "pair", 4), compare = !strcmp(wrong, "compare");
    if (pair || compare)
        cycles = 0;
    const char *disk = argv[2];
    FILE *img = fopen(disk, "wb");
    if (!img) {
        perror(disk);
        return 1;
    }
    for (uint64_t lba = 0; lba < 2048; lba++) /* 1 MiB */
        for (unsigned i = 0; i < LBA; i++)
            fputc(disk_byte(lba, i), img);
    if (fclose(img) != 0) {
        perror(disk);
        return 1;
    }
    char comment[1024];
    snprintf(comment, sizeof comment,
             "nvmetrace capture -- qemu-system-x86_64 -machine q35 -m 256 -drive "
             "file=%s,format=raw,if=none,id=d0 -device nvme,drive=d0,serial=nvtgen01",
             disk);
    nvt_writer_opts o = {.comment = comment};
    w = nvt_writer_open(argv[1], &o, &err);
    if (!w) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    nvt_device dev;
    memset(&dev, 0, sizeof dev);
    snprintf(dev.bdf, sizeof dev.bdf, "0000:00:%02x.0", BDF_SLOT);
    dev.vendor_id = 0x1b36;
    dev.device_id = 0x0010;
    dev.class_code = 0x010802;
    dev.revision = 2;
    snprintf(dev.model, sizeof dev.model, "nvme");
    snprintf(dev.emulator, sizeof dev.emulator, "QEMU 7.2.22");
    if (nvt_writer_add_device(w, &dev, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }

    /* ---- PCI probing and BAR0 programming (firmware) ---- */
    cfg(0, 0x00, 4, 0x00101b36);
    cfg(0, 0x08, 4, !strcmp(wrong, "cfg") ? 0x01080203 : 0x01080202);
    cfg(0, 0x2c, 4, 0x11001af4); /* subsystem: Red Hat, QEMU */
    cfg(1, 0x10, 4, 0xffffffff);
    cfg(0, 0x10, 4, 0xffffc004); /* 16 KiB, 64-bit memory */
    cfg(1, 0x10, 4, 0x00000000);
    cfg(1, 0x14, 4, 0xffffffff);
    cfg(0, 0x14, 4, 0xffffffff);
    cfg(1, 0x14, 4, 0x00000000);
    cfg(1, 0x10, 4, (uint32_t)BAR0 | 0x4);
    cfg(1, 0x14, 4, 0);
    cfg(0, 0x10, 4, (uint32_t)BAR0 | 0x4);
    cfg(1, 0x04, 2, 0x0006); /* memory space, bus master */
    nvt_event map = {.type = NVT_EV_BAR_MAP};
    map.u.bar.bar = 0;
    map.u.bar.flags = NVT_BAR_64BIT;
    map.u.bar.addr = BAR0;
    map.u.bar.size = 0x4000;
    emit(&map);
    cfg(0, 0x34, 1, 0x40);
    cfg(0, 0x40, 4, 0x00408011); /* MSI-X, next 0x80, 65 vectors */
    cfg(0, 0x44, 4, 0x00002000); /* table at BAR0 + 0x2000 */
    cfg(0, 0x48, 4, 0x00003000); /* PBA at BAR0 + 0x3000 */

    /* ---- controller bring-up ---- */
    reg(0, 0x00, 8, 0x004018200f0107ffull); /* MQES 2047, CQR, TO 15 s, CSS NVM+IO, MPSMAX 64K */
    reg(0, 0x08, 4, 0x00010400);
    enable(ASQ, ACQ, 1, !strcmp(wrong, "csts") ? 0 : 1);

    uint8_t sqe[64], buf[64];
    uint16_t cid = 0;

    /* Identify Controller under INTx, as firmware does before MSI-X is on. */
    sqe_init(sqe, 0x06, cid++, 0, IDBUF, 0);
    put32(sqe + 40, 1);
    identify_ctrl_prefix(buf);
    if (!strcmp(wrong, "identify"))
        buf[24] = 'X';
    admin(sqe, buf, 4096, 64, 0, 0, 0);

    /* ---- MSI-X: table entries 0 and 1, then enable ---- */
    for (uint16_t v = 0; v < 2; v++) {
        reg(1, 0x2000 + 16u * v, 4, 0xfee00000);
        reg(1, 0x2004 + 16u * v, 4, 0);
        reg(1, 0x2008 + 16u * v, 4, 0x4021u + v);
        reg(1, 0x200c + 16u * v, 4, 0);
    }
    cfg(1, 0x42, 2, 0x8040);
    nvt_event mc = {.type = NVT_EV_MSIX_CTRL};
    mc.u.msix_ctrl.enabled = 1;
    mc.u.msix_ctrl.table_size = 65;
    mc.u.msix_ctrl.msgctl = 0x8040;
    emit(&mc);
    cfg(0, 0x42, 2, 0x8040);

    /* The OS driver resets the controller and brings it up again with MSI-X on, as Linux
     * does: QEMU 7.2 arms a CQ's MSI-X vector when the queue is created, so an admin queue
     * created under INTx would never interrupt through MSI-X. */
    enable(ASQ2, ACQ2, 0, 1);

    /* Identify Namespace 1: NSZE = NCAP = NUSE = 2048 blocks (the 1 MiB disk), NSFEAT 0x14,
     * NLBAF 7 (8 formats), FLBAS 0, MC 3, DPC 0x1f. */
    sqe_init(sqe, 0x06, cid++, 1, IDBUF, 0);
    memset(buf, 0, sizeof buf);
    put64(buf + 0, 2048);
    put64(buf + 8, 2048);
    put64(buf + 16, 2048);
    put32(buf + 24, 0x03000714);
    buf[28] = 0x1f;
    admin(sqe, buf, 4096, 32, 0, 0, 1);

    /* Set Features, Number of Queues (1 + 1): QEMU grants its 64 pairs. */
    sqe_init(sqe, 0x09, cid++, 0, 0, 0);
    put32(sqe + 40, 0x07);
    put32(sqe + 44, 0x00000000);
    admin(sqe, NULL, 0, 0, 0x003f003f, 0, 1);

    /* Create I/O CQ 1 (16 entries, vector 1, interrupts on), then I/O SQ 1 on it. */
    sqe_init(sqe, 0x05, cid++, 0, !strcmp(wrong, "hole") ? 0xd0000000ull : IOCQ, 0);
    put32(sqe + 40, (uint32_t)(QSIZE - 1) << 16 | 1);
    put32(sqe + 44, 1u << 16 | 0x3);
    admin(sqe, NULL, 0, 0, 0, 0, 1);
    sqe_init(sqe, 0x01, cid++, 0, IOSQ, 0);
    put32(sqe + 40, (uint32_t)(QSIZE - 1) << 16 | 1);
    put32(sqe + 44, 1u << 16 | 0x1);
    admin(sqe, NULL, 0, 0, 0, 0, 1);

    /* Doorbell Buffer Config: shadow doorbells at DBS, EventIdx at EIS. QEMU writes the
     * admin queue's EventIdx (its SQ tail) right away. */
    sqe_init(sqe, 0x7c, cid++, 0, DBS, EIS);
    admin(sqe, NULL, 0, 0, 0, 0, 1);

    /* Identify with an invalid CNS: Invalid Field in Command, DNR. */
    sqe_init(sqe, 0x06, cid++, 0, IDBUF, 0);
    put32(sqe + 40, 0xff);
    admin(sqe, NULL, 0, 0, 0, !strcmp(wrong, "cqe") ? 0x0000 : 0x4002, 1);

    if (!strcmp(wrong, "time")) {
        /* Get Features, Timestamp: 6 bytes of milliseconds since 1970 (2026-12-07) and the
         * attributes byte (timestamp set by a host, not stopped). */
        sqe_init(sqe, 0x0a, cid++, 0, IDBUF, 0);
        put32(sqe + 40, 0x0e);
        static const uint8_t ts[8] = {0x40, 0x3a, 0x8b, 0xfb, 0x9a, 0x01, 0x02, 0x00};
        admin(sqe, ts, 8, 8, 0, 0, 1);
    }

    /* ---- I/O on SQ 1 with shadow doorbells ---- */
    uint16_t tail = 0, head = 0;
    int phase = 1;
    static uint8_t wbuf[4 * 4096], rbuf[64], pair_sqe[2][64];
    for (size_t i = 0; i < sizeof wbuf; i++)
        wbuf[i] = (uint8_t)(0xa0 ^ (i * 13));
    struct io {
        uint8_t opc;
        uint64_t slba;
        uint32_t pages;
    } ios[] = {
        {0x02, 0, 1},   /* read LBA 0-7, PRP1 */
        {0x01, 16, 2},  /* write LBA 16-31, PRP1 + PRP2 */
        {0x02, 16, 2},  /* read them back */
        {0x02, 64, 4},  /* read LBA 64-95, PRP1 + PRP list */
        {0x00, 0, 0},   /* flush */
    };
    for (size_t n = 0; n < (size_t)cycles * (sizeof ios / sizeof ios[0]); n++) {
        size_t k = n % (sizeof ios / sizeof ios[0]);
        const struct io *io = &ios[k];
        uint16_t c = (uint16_t)(0x100 + n), slot = tail;
        uint64_t buf0 = DATA + k * 0x10000;
        uint64_t prp2 = io->pages == 2 ? buf0 + 4096 : io->pages > 2 ? PRPLIST : 0;
        sqe_init(sqe, io->opc, c, io->opc ? 1 : 1, io->pages ? buf0 : 0, prp2);
        if (io->pages) {
            put64(sqe + 40, io->slba);
            put32(sqe + 48, io->pages * 8 - 1);
        }
        tail = (uint16_t)((tail + 1) % QSIZE);
        doorbell(1, 0, tail);
        /* The device reads the shadow SQ tail (the host wrote it with the doorbell) ... */
        uint8_t v4[4];
        put32(v4, tail);
        dma(0, DBS + 8, 4, v4, 4, 0xffff, 0xffff);
        sub(1, slot, sqe);
        if (io->pages > 2) {
            uint8_t list[8 * 3];
            for (uint32_t p = 1; p < io->pages; p++)
                put64(list + 8 * (p - 1), buf0 + 4096ull * p);
            dma(0, PRPLIST, sizeof list, list, sizeof list, 1, c);
        }
        if (io->opc == 0x01) {
            for (uint32_t p = 0; p < io->pages; p++)
                dma(0, buf0 + 4096ull * p, 4096, wbuf + 4096 * p, 4096, 1, c);
        } else if (io->opc == 0x02) {
            for (uint32_t p = 0; p < io->pages; p++) {
                uint64_t lba = io->slba + 8ull * p;
                for (unsigned b = 0; b < sizeof rbuf; b++)
                    rbuf[b] = k == 2 ? wbuf[4096 * p + b] : disk_byte(lba, b);
                if (!strcmp(wrong, "data") && k == 3 && p == 3)
                    rbuf[5] ^= 1;
                dma(1, buf0 + 4096ull * p, 4096, rbuf, sizeof rbuf, 1, c);
            }
        }
        /* ... and, after the command, updates the EventIdx to the tail it saw. */
        put32(v4, !strcmp(wrong, "eventidx") && k == 4 ? 0 : tail);
        dma(1, EIS + 8, 4, v4, 4, 0xffff, 0xffff);
        cpl(1, head, 0, tail, 1, c, 0, phase);
        irq_msix(!strcmp(wrong, "irq") && k == 2 ? 0 : 1, 0x4022);
        head = (uint16_t)((head + 1) % QSIZE);
        if (!head)
            phase ^= 1;
        doorbell(1, 1, head);
    }

    if (compare) {
        /* A Compare of LBA 0 whose data the trace does not hold, failed when recorded. */
        uint8_t v4[4];
        sqe_init(sqe, 0x05, 0x300, 1, DATA, 0);
        memcpy(pair_sqe[0], sqe, sizeof sqe);
        doorbell(1, 0, 1);
        put32(v4, 1);
        dma(0, DBS + 8, 4, v4, 4, 0xffff, 0xffff);
        sub(1, 0, pair_sqe[0]);
        dma(1, EIS + 8, 4, v4, 4, 0xffff, 0xffff);
        cpl(1, 0, 0, 1, 1, 0x300, 0x4285, 1); /* DNR, Media and Data Integrity / Compare Failure */
        irq_msix(1, 0x4022);
        doorbell(1, 1, 1);
    }
    if (pair) {
        /* Two Writes outstanding together: one doorbell, both fetched, then both completed. */
        static const uint64_t slba[2] = {32, 48};
        uint8_t v4[4];
        for (uint16_t k = 0; k < 2; k++) {
            sqe_init(sqe, 0x01, (uint16_t)(0x200 + k), 1, DATA + k * 0x10000ull, 0);
            put64(sqe + 40, slba[k]);
            put32(sqe + 48, 7);
            memcpy(pair_sqe[k], sqe, sizeof sqe);
        }
        doorbell(1, 0, 2);
        put32(v4, 2);
        dma(0, DBS + 8, 4, v4, 4, 0xffff, 0xffff);
        for (uint16_t k = 0; k < 2; k++) {
            sub(1, k, pair_sqe[k]);
            dma(0, DATA + k * 0x10000ull, 4096, wbuf + 4096 * k, 4096, 1, (uint16_t)(0x200 + k));
        }
        dma(1, EIS + 8, 4, v4, 4, 0xffff, 0xffff);
        cpl(1, 0, 0, 2, 1, 0x200, 0, 1);
        cpl(1, 1, 0, 2, 1, 0x201, !strcmp(wrong, "pair-status") ? 0x0002 : 0, 1);
        if (!strcmp(wrong, "pair-missing"))
            cpl(1, 2, 0, 2, 1, 0x202, 0, 1);
        irq_msix(1, 0x4022);
        doorbell(1, 1, !strcmp(wrong, "pair-missing") ? 3 : 2);
    }

    /* ---- normal shutdown ---- */
    reg(1, 0x14, 4, 0x00464001);
    reg(0, 0x1c, 4, 0x00000009);

    if (nvt_writer_close(w, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    return 0;
}

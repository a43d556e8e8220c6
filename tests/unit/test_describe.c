/* nvt_event_describe (format/src/describe.c): the exact `nvmetrace dump` line of every event
 * type, the fields decoded per command, reconstructed entries with unknown bytes, and
 * snprintf-style truncation. docs/dump.md documents the formats checked here. */
#include <stdlib.h>

#include "nvmetrace/format.h"
#include "nvmetrace/nvme.h"
#include "test.h"

/* ---- helpers ---- */

static void le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void le32(uint8_t *p, uint32_t v)
{
    le16(p, (uint16_t)v);
    le16(p + 2, (uint16_t)(v >> 16));
}
static void le64(uint8_t *p, uint64_t v)
{
    le32(p, (uint32_t)v);
    le32(p + 4, (uint32_t)(v >> 32));
}

static nvt_event event(unsigned type)
{
    nvt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.version = NVT_SCHEMA_VERSION;
    ev.type = (uint8_t)type;
    return ev;
}

/* A submission on qid with the common dword 0 and NSID filled in. */
static nvt_event sub(uint16_t qid, uint8_t opc, uint16_t cid, uint32_t nsid)
{
    nvt_event ev = event(NVT_EV_SUBMISSION);
    ev.u.sub.qid = qid;
    ev.u.sub.slot = 0;
    ev.u.sub.known = ~0ull;
    ev.u.sub.sqe[0] = opc;
    le16(ev.u.sub.sqe + 2, cid);
    le32(ev.u.sub.sqe + 4, nsid);
    return ev;
}

static void set_cdw(nvt_event *ev, unsigned n, uint32_t v) { le32(ev->u.sub.sqe + 4 * n, v); }
static void set_prp(nvt_event *ev, uint64_t prp1, uint64_t prp2)
{
    le64(ev->u.sub.sqe + 24, prp1);
    le64(ev->u.sub.sqe + 32, prp2);
}

/* Marks the SQE reconstructed with only the bytes in [off, off + n) of each pair known. */
static void known_only(nvt_event *ev, const unsigned *ranges, size_t nranges)
{
    ev->flags |= NVT_F_RECONSTRUCTED;
    ev->u.sub.known = 0;
    for (size_t i = 0; i + 1 < nranges; i += 2)
        for (unsigned b = ranges[i]; b < ranges[i] + ranges[i + 1]; b++)
            ev->u.sub.known |= 1ull << b;
}

static nvt_event cpl(uint16_t cqid, uint16_t sqid, uint16_t cid, uint16_t status_field, int phase,
                     uint32_t dw0, uint16_t sqhd)
{
    nvt_event ev = event(NVT_EV_COMPLETION);
    ev.u.cpl.qid = cqid;
    ev.u.cpl.slot = 0;
    ev.u.cpl.known = 0xffff;
    le32(ev.u.cpl.cqe, dw0);
    le16(ev.u.cpl.cqe + 8, sqhd);
    le16(ev.u.cpl.cqe + 10, sqid);
    le16(ev.u.cpl.cqe + 12, cid);
    le16(ev.u.cpl.cqe + 14, (uint16_t)(status_field << 1 | (phase & 1)));
    return ev;
}

/* Describes ev and checks the text and the returned length. */
#define EXPECT(ev, want) expect_line(&(ev), (want), __LINE__)
static void expect_line(const nvt_event *ev, const char *want, int line)
{
    char buf[1024];
    size_t n = nvt_event_describe(ev, buf, sizeof buf);
    if (strcmp(buf, want) != 0 || n != strlen(want)) {
        fprintf(stderr, "line %d:\n  got  \"%s\" (%zu)\n  want \"%s\"\n", line, buf, n, want);
        nvt_test_fail++;
    } else {
        nvt_test_pass++;
    }
}

/* ---- registers, config space, BARs ---- */

static void test_mmio(void)
{
    nvt_event ev = event(NVT_EV_MMIO_WRITE);
    ev.u.mmio.bar = 0;
    ev.u.mmio.size = 4;
    ev.u.mmio.offset = NVME_REG_CC;
    ev.u.mmio.value = 0x00460001;
    ev.u.mmio.gpa = 0xfebf0014;
    EXPECT(ev, "REG 0014 <- 00460001 (CC)");

    ev = event(NVT_EV_MMIO_READ);
    ev.u.mmio.size = 4;
    ev.u.mmio.offset = NVME_REG_CSTS;
    ev.u.mmio.value = 1;
    EXPECT(ev, "REG 001c -> 00000001 (CSTS)");
    ev.flags = NVT_F_VALUE_UNKNOWN;
    EXPECT(ev, "REG 001c -> ? (CSTS)");

    /* 64-bit register read whole, and its high dword alone */
    ev = event(NVT_EV_MMIO_READ);
    ev.u.mmio.size = 8;
    ev.u.mmio.offset = NVME_REG_CAP;
    ev.u.mmio.value = 0x0000002000000fffull;
    EXPECT(ev, "REG 0000 -> 0000002000000fff (CAP)");
    ev.u.mmio.size = 4;
    ev.u.mmio.offset = 4;
    ev.u.mmio.value = 0x20;
    EXPECT(ev, "REG 0004 -> 00000020 (CAP+4)");
    ev = event(NVT_EV_MMIO_WRITE);
    ev.u.mmio.size = 4;
    ev.u.mmio.offset = NVME_REG_ASQ + 4;
    ev.u.mmio.value = 0;
    EXPECT(ev, "REG 002c <- 00000000 (ASQ+4)");
    ev.u.mmio.offset = 0x54;
    EXPECT(ev, "REG 0054 <- 00000000 (CMBMSC+4)");
    ev.u.mmio.offset = NVME_REG_AQA;
    ev.u.mmio.value = 0x001f001f;
    EXPECT(ev, "REG 0024 <- 001f001f (AQA)");
    ev.u.mmio.offset = 0xe14;
    ev.u.mmio.value = 0;
    EXPECT(ev, "REG 0e14 <- 00000000 (PMRMSCL)");

    /* doorbells, reserved space and narrow accesses carry no register name */
    ev.u.mmio.offset = 0x1008;
    ev.u.mmio.value = 3;
    EXPECT(ev, "REG 1008 <- 00000003");
    ev.u.mmio.offset = 0x18;
    EXPECT(ev, "REG 0018 <- 00000003");
    ev.u.mmio.size = 1;
    ev.u.mmio.offset = 0x14;
    ev.u.mmio.value = 0x01;
    EXPECT(ev, "REG 0014 <- 01 (CC)");
    ev.u.mmio.size = 2;
    ev.u.mmio.offset = 0x16;
    ev.u.mmio.value = 0x46;
    EXPECT(ev, "REG 0016 <- 0046");

    /* other BARs: index and offset, no register names */
    ev = event(NVT_EV_MMIO_READ);
    ev.u.mmio.bar = 2;
    ev.u.mmio.size = 4;
    ev.u.mmio.offset = 0x14;
    ev.u.mmio.value = 0xdeadbeef;
    EXPECT(ev, "BAR2 0014 -> deadbeef");
    ev.u.mmio.offset = 0x123456;
    EXPECT(ev, "BAR2 123456 -> deadbeef");
}

static void test_cfg(void)
{
    nvt_event ev = event(NVT_EV_CFG_WRITE);
    ev.u.cfg.offset = 0x04;
    ev.u.cfg.size = 2;
    ev.u.cfg.value = 0x0006;
    EXPECT(ev, "CFG 0004 <- 0006 (2)");
    ev.u.cfg.offset = 0x3c;
    ev.u.cfg.size = 1;
    ev.u.cfg.value = 0x0b;
    EXPECT(ev, "CFG 003c <- 0b (1)");
    ev = event(NVT_EV_CFG_READ);
    ev.u.cfg.offset = 0;
    ev.u.cfg.size = 4;
    ev.u.cfg.value = 0x00101b36;
    EXPECT(ev, "CFG 0000 -> 00101b36 (4)");
    ev.flags = NVT_F_VALUE_UNKNOWN;
    EXPECT(ev, "CFG 0000 -> ? (4)");
}

static void test_bar(void)
{
    nvt_event ev = event(NVT_EV_BAR_MAP);
    ev.u.bar.bar = 0;
    ev.u.bar.flags = NVT_BAR_64BIT;
    ev.u.bar.addr = 0xfe000000;
    ev.u.bar.size = 0x4000;
    EXPECT(ev, "BAR0 map fe000000 size 4000 (64-bit)");
    ev.u.bar.flags = NVT_BAR_64BIT | NVT_BAR_PREFETCH;
    ev.u.bar.bar = 2;
    ev.u.bar.addr = 0x800000000ull;
    ev.u.bar.size = 0x100000;
    EXPECT(ev, "BAR2 map 800000000 size 100000 (64-bit, prefetch)");
    ev.u.bar.flags = 0;
    EXPECT(ev, "BAR2 map 800000000 size 100000 (32-bit)");
    ev.u.bar.flags = NVT_BAR_IO;
    ev.u.bar.bar = 4;
    ev.u.bar.addr = 0xc000;
    ev.u.bar.size = 0x40;
    EXPECT(ev, "BAR4 map c000 size 40 (io)");
    ev = event(NVT_EV_BAR_UNMAP);
    ev.u.bar.flags = NVT_BAR_64BIT;
    ev.u.bar.addr = 0xfe000000;
    ev.u.bar.size = 0x4000;
    EXPECT(ev, "BAR0 unmap fe000000 size 4000 (64-bit)");
}

/* ---- doorbells, MSI-X, interrupts ---- */

static void test_doorbell(void)
{
    nvt_event ev = event(NVT_EV_DOORBELL);
    ev.u.doorbell.qid = 1;
    ev.u.doorbell.is_cq = 0;
    ev.u.doorbell.value = 3;
    EXPECT(ev, "DB SQ1T <- 3");
    ev.u.doorbell.is_cq = 1;
    ev.u.doorbell.value = 2;
    EXPECT(ev, "DB CQ1H <- 2");
    ev.u.doorbell.qid = 0;
    ev.u.doorbell.is_cq = 0;
    ev.u.doorbell.value = 1023;
    EXPECT(ev, "DB SQ0T <- 1023");
}

static void test_msix(void)
{
    nvt_event ev = event(NVT_EV_MSIX_ACCESS);
    ev.u.msix.entry = 1;
    ev.u.msix.field = NVT_MSIX_ADDR_LO;
    ev.u.msix.is_write = 1;
    ev.u.msix.value = 0xfee00000;
    EXPECT(ev, "MSIX vec=1 addr_lo <- fee00000");
    ev.u.msix.field = NVT_MSIX_ADDR_HI;
    ev.u.msix.value = 0;
    EXPECT(ev, "MSIX vec=1 addr_hi <- 00000000");
    ev.u.msix.field = NVT_MSIX_DATA;
    ev.u.msix.value = 0x4021;
    EXPECT(ev, "MSIX vec=1 data <- 00004021");
    ev.u.msix.field = NVT_MSIX_VECTOR_CTRL;
    ev.u.msix.value = 1;
    EXPECT(ev, "MSIX vec=1 ctrl <- 00000001 (masked)");
    ev.u.msix.value = 0;
    EXPECT(ev, "MSIX vec=1 ctrl <- 00000000 (unmasked)");
    ev.u.msix.is_write = 0;
    ev.flags = NVT_F_VALUE_UNKNOWN;
    EXPECT(ev, "MSIX vec=1 ctrl -> ?");
    ev.flags = 0;
    ev.u.msix.entry = 0;
    ev.u.msix.field = NVT_MSIX_PBA_LO;
    ev.u.msix.value = 2;
    EXPECT(ev, "MSIX pba=0 lo -> 00000002");
    ev.u.msix.field = NVT_MSIX_PBA_HI;
    ev.u.msix.value = 0;
    EXPECT(ev, "MSIX pba=0 hi -> 00000000");
    ev.u.msix.entry = 5;
    ev.u.msix.field = 9;
    ev.u.msix.value = 7;
    EXPECT(ev, "MSIX entry=5 field=9 -> 00000007");

    ev = event(NVT_EV_MSIX_CTRL);
    ev.u.msix_ctrl.enabled = 1;
    ev.u.msix_ctrl.masked = 0;
    ev.u.msix_ctrl.table_size = 65;
    ev.u.msix_ctrl.msgctl = 0x8040;
    EXPECT(ev, "MSIXCTL enable=1 fmask=0 size=65 ctrl=8040");
    ev.u.msix_ctrl.masked = 1;
    ev.u.msix_ctrl.msgctl = 0;
    EXPECT(ev, "MSIXCTL enable=1 fmask=1 size=65");
}

static void test_irq(void)
{
    nvt_event ev = event(NVT_EV_INTERRUPT);
    ev.u.irq.kind = NVT_IRQ_MSIX;
    ev.u.irq.vector = 1;
    ev.u.irq.data = 0x4021;
    ev.u.irq.addr = 0xfee00000;
    EXPECT(ev, "IRQ MSI-X vec=1 addr=fee00000 data=4021");
    ev.u.irq.addr = 0;
    EXPECT(ev, "IRQ MSI-X vec=1 addr=? data=4021");
    ev.u.irq.kind = NVT_IRQ_MSI;
    ev.u.irq.vector = 0;
    ev.u.irq.addr = 0xfee01000;
    ev.u.irq.data = 0x41;
    EXPECT(ev, "IRQ MSI vec=0 addr=fee01000 data=41");
    ev = event(NVT_EV_INTERRUPT);
    ev.u.irq.kind = NVT_IRQ_INTX_ASSERT;
    EXPECT(ev, "IRQ INTx assert");
    ev.u.irq.kind = NVT_IRQ_INTX_DEASSERT;
    EXPECT(ev, "IRQ INTx deassert");
    ev.u.irq.vector = 1;
    EXPECT(ev, "IRQ INTx deassert pin=INTB");
    ev.u.irq.vector = 9;
    EXPECT(ev, "IRQ INTx deassert pin=9");
    ev.u.irq.kind = 7;
    ev.u.irq.vector = 2;
    ev.u.irq.data = 3;
    ev.u.irq.addr = 0x10;
    EXPECT(ev, "IRQ kind=7 vec=2 addr=10 data=3");
}

/* ---- admin submissions ---- */

static void test_admin(void)
{
    nvt_event ev = sub(0, 0x06, 0x0000, 0);
    set_prp(&ev, 0xbfb24000, 0);
    set_cdw(&ev, 10, 0x00000001);
    EXPECT(ev, "ADM SQ=0 CID=0000 OPC=Identify NSID=0 prp1=bfb24000 CNS=0x01 (Identify Controller)");
    ev = sub(0, 0x06, 0x1003, 1);
    set_prp(&ev, 0x7f000, 0);
    set_cdw(&ev, 10, 0x00000000);
    EXPECT(ev, "ADM SQ=0 CID=1003 OPC=Identify NSID=1 prp1=7f000 CNS=0x00 (Identify Namespace)");
    set_cdw(&ev, 10, 0x00050006);
    set_cdw(&ev, 11, 0x02000000);
    EXPECT(ev, "ADM SQ=0 CID=1003 OPC=Identify NSID=1 prp1=7f000 "
               "CNS=0x06 (I/O Command Set specific Identify Controller) CNTID=5 CSI=2");
    set_cdw(&ev, 10, 0x0000001f);
    set_cdw(&ev, 11, 0);
    EXPECT(ev, "ADM SQ=0 CID=1003 OPC=Identify NSID=1 prp1=7f000 CNS=0x1f");

    /* queue creation: QSIZE is 0's based in the SQE and shown as the number of entries */
    ev = sub(0, 0x05, 0x0003, 0);
    set_prp(&ev, 0x11a000, 0);
    set_cdw(&ev, 10, 1023u << 16 | 1);
    set_cdw(&ev, 11, 1u << 16 | 0x3);
    EXPECT(ev, "ADM SQ=0 CID=0003 OPC=Create I/O Completion Queue NSID=0 prp1=11a000 QID=1 "
               "QSIZE=1024 IV=1 IEN=1 PC=1");
    ev = sub(0, 0x01, 0x0004, 0);
    set_prp(&ev, 0x11b000, 0);
    set_cdw(&ev, 10, 1023u << 16 | 1);
    set_cdw(&ev, 11, 1u << 16 | 0x5);
    EXPECT(ev, "ADM SQ=0 CID=0004 OPC=Create I/O Submission Queue NSID=0 prp1=11b000 QID=1 "
               "QSIZE=1024 CQID=1 QPRIO=2 PC=1");
    ev = sub(0, 0x00, 0x0010, 0);
    set_cdw(&ev, 10, 2);
    EXPECT(ev, "ADM SQ=0 CID=0010 OPC=Delete I/O Submission Queue NSID=0 QID=2");
    ev.u.sub.sqe[0] = 0x04;
    EXPECT(ev, "ADM SQ=0 CID=0010 OPC=Delete I/O Completion Queue NSID=0 QID=2");

    /* features */
    ev = sub(0, 0x09, 0x0002, 0);
    set_cdw(&ev, 10, 0x07);
    set_cdw(&ev, 11, 0x003f003f);
    EXPECT(ev, "ADM SQ=0 CID=0002 OPC=Set Features NSID=0 FID=0x07 (Number of Queues) CDW11=003f003f");
    set_cdw(&ev, 10, 0x80000006);
    set_cdw(&ev, 11, 1);
    EXPECT(ev, "ADM SQ=0 CID=0002 OPC=Set Features NSID=0 FID=0x06 (Volatile Write Cache) CDW11=00000001 SV");
    set_cdw(&ev, 10, 0x0d);
    set_cdw(&ev, 11, 1);
    set_cdw(&ev, 12, 0x800);
    set_cdw(&ev, 13, 0x12340000);
    set_cdw(&ev, 15, 4);
    EXPECT(ev, "ADM SQ=0 CID=0002 OPC=Set Features NSID=0 FID=0x0d (Host Memory Buffer) CDW11=00000001 "
               "CDW12=00000800 CDW13=12340000 CDW15=00000004");
    ev = sub(0, 0x09, 0x0005, 0);
    set_cdw(&ev, 10, 0x0e);
    set_prp(&ev, 0x7e000, 0);
    EXPECT(ev, "ADM SQ=0 CID=0005 OPC=Set Features NSID=0 FID=0x0e (Timestamp) CDW11=00000000 prp1=7e000");
    ev = sub(0, 0x0a, 0x0006, 0);
    set_cdw(&ev, 10, 0x06);
    EXPECT(ev, "ADM SQ=0 CID=0006 OPC=Get Features NSID=0 FID=0x06 (Volatile Write Cache)");
    set_cdw(&ev, 10, 2u << 8 | 0x06);
    EXPECT(ev, "ADM SQ=0 CID=0006 OPC=Get Features NSID=0 FID=0x06 (Volatile Write Cache) SEL=saved");
    set_cdw(&ev, 10, 3u << 8 | 0x09);
    set_cdw(&ev, 11, 4);
    EXPECT(ev, "ADM SQ=0 CID=0006 OPC=Get Features NSID=0 FID=0x09 (Interrupt Vector Configuration) "
               "SEL=supported CDW11=00000004");
    set_cdw(&ev, 10, 5u << 8 | 0xc1);
    set_cdw(&ev, 11, 0);
    EXPECT(ev, "ADM SQ=0 CID=0006 OPC=Get Features NSID=0 FID=0xc1 SEL=5");

    /* log pages: NUMD is 0's based (NUMDU:NUMDL) and shown as dwords */
    ev = sub(0, 0x02, 0x0007, 0xffffffff);
    set_prp(&ev, 0x7d000, 0);
    set_cdw(&ev, 10, 127u << 16 | 0x02);
    EXPECT(ev, "ADM SQ=0 CID=0007 OPC=Get Log Page NSID=0xffffffff prp1=7d000 "
               "LID=0x02 (SMART / Health Information) NUMD=128");
    set_cdw(&ev, 10, 0xffffu << 16 | 1u << 15 | 1u << 8 | 0x0d);
    set_cdw(&ev, 11, 0x0003u << 16 | 0x0001);
    set_cdw(&ev, 12, 4096);
    EXPECT(ev, "ADM SQ=0 CID=0007 OPC=Get Log Page NSID=0xffffffff prp1=7d000 "
               "LID=0x0d (Persistent Event Log) NUMD=131072 LSP=1 RAE LSI=3 LPO=4096");
    set_cdw(&ev, 10, 0xc0);
    set_cdw(&ev, 11, 0);
    set_cdw(&ev, 12, 0);
    set_prp(&ev, 0x7d800, 0x7e000);
    EXPECT(ev, "ADM SQ=0 CID=0007 OPC=Get Log Page NSID=0xffffffff prp1=7d800 prp2=7e000 LID=0xc0 NUMD=1");

    /* shadow doorbells: both buffers */
    ev = sub(0, 0x7c, 0x0008, 0);
    set_prp(&ev, 0x10e000, 0x10f000);
    EXPECT(ev, "ADM SQ=0 CID=0008 OPC=Doorbell Buffer Config NSID=0 prp1=10e000 prp2=10f000");

    ev = sub(0, 0x08, 0x0009, 0);
    set_cdw(&ev, 10, 0x0012u << 16 | 1);
    EXPECT(ev, "ADM SQ=0 CID=0009 OPC=Abort NSID=0 SQID=1 CID=0012");
    ev = sub(0, 0x0c, 0x001a, 0);
    EXPECT(ev, "ADM SQ=0 CID=001a OPC=Asynchronous Event Request NSID=0");
    ev.u.sub.sqe[0] = 0x18;
    EXPECT(ev, "ADM SQ=0 CID=001a OPC=Keep Alive NSID=0");

    ev = sub(0, 0x80, 0x000b, 1);
    set_cdw(&ev, 10, 1u << 12 | 1u << 9 | 1u << 8 | 1u << 5 | 1u << 4 | 2);
    EXPECT(ev, "ADM SQ=0 CID=000b OPC=Format NVM NSID=1 LBAF=18 MSET=1 PI=1 PIL=1 SES=1");

    ev = sub(0, 0x0d, 0x000c, 0);
    set_prp(&ev, 0x70000, 0);
    set_cdw(&ev, 10, 0);
    set_cdw(&ev, 11, 2u << 24);
    EXPECT(ev, "ADM SQ=0 CID=000c OPC=Namespace Management NSID=0 SEL=create CSI=2 prp1=70000");
    ev = sub(0, 0x0d, 0x000c, 3);
    set_cdw(&ev, 10, 1);
    EXPECT(ev, "ADM SQ=0 CID=000c OPC=Namespace Management NSID=3 SEL=delete");
    ev = sub(0, 0x15, 0x000d, 3);
    set_prp(&ev, 0x71000, 0);
    set_cdw(&ev, 10, 1);
    EXPECT(ev, "ADM SQ=0 CID=000d OPC=Namespace Attachment NSID=3 SEL=detach prp1=71000");
    set_cdw(&ev, 10, 7);
    EXPECT(ev, "ADM SQ=0 CID=000d OPC=Namespace Attachment NSID=3 SEL=7 prp1=71000");

    ev = sub(0, 0x10, 0x000e, 0);
    set_cdw(&ev, 10, 1u << 3 | 2);
    EXPECT(ev, "ADM SQ=0 CID=000e OPC=Firmware Commit NSID=0 FS=2 CA=1");
    ev = sub(0, 0x11, 0x000f, 0);
    set_prp(&ev, 0x72000, 0);
    set_cdw(&ev, 10, 1023);
    set_cdw(&ev, 11, 1024);
    EXPECT(ev, "ADM SQ=0 CID=000f OPC=Firmware Image Download NSID=0 prp1=72000 NUMD=1024 OFST=1024");
    ev = sub(0, 0x14, 0x0011, 0xffffffff);
    set_cdw(&ev, 10, 0xf);
    EXPECT(ev, "ADM SQ=0 CID=0011 OPC=Device Self-test NSID=0xffffffff STC=f");
    ev = sub(0, 0x1a, 0x0012, 1);
    set_prp(&ev, 0x73000, 0);
    set_cdw(&ev, 10, 7);
    set_cdw(&ev, 11, 3u << 16 | 1u << 8 | 0x02);
    EXPECT(ev, "ADM SQ=0 CID=0012 OPC=Directive Receive NSID=1 prp1=73000 NUMD=8 DOPER=02 DTYPE=01 DSPEC=3");
    ev = sub(0, 0x1c, 0x0013, 0);
    set_cdw(&ev, 10, 2u << 16 | 1u << 8 | 8);
    set_cdw(&ev, 11, 4);
    EXPECT(ev, "ADM SQ=0 CID=0013 OPC=Virtualization Management NSID=0 ACT=8 RT=1 CNTLID=2 NR=4");
    ev = sub(0, 0x82, 0x0014, 0);
    set_prp(&ev, 0x74000, 0);
    set_cdw(&ev, 10, 0xeau << 24 | 0x0001u << 8);
    set_cdw(&ev, 11, 512);
    EXPECT(ev, "ADM SQ=0 CID=0014 OPC=Security Receive NSID=0 prp1=74000 SECP=ea SPSP=0001 NSSF=00 AL=512");
    ev.u.sub.sqe[0] = 0x81;
    EXPECT(ev, "ADM SQ=0 CID=0014 OPC=Security Send NSID=0 prp1=74000 SECP=ea SPSP=0001 NSSF=00 TL=512");
    ev = sub(0, 0x84, 0x0015, 0);
    set_cdw(&ev, 10, 1u << 9 | 1u << 3 | 3);
    set_cdw(&ev, 11, 0x5a5a5a5a);
    EXPECT(ev, "ADM SQ=0 CID=0015 OPC=Sanitize NSID=0 SANACT=3 AUSE NDAS CDW11=5a5a5a5a");
    ev = sub(0, 0x86, 0x0016, 1);
    set_prp(&ev, 0x75000, 0);
    le64(ev.u.sub.sqe + 40, 0x100000);
    set_cdw(&ev, 12, 1023);
    set_cdw(&ev, 13, 0x10u << 24 | 64);
    EXPECT(ev, "ADM SQ=0 CID=0016 OPC=Get LBA Status NSID=1 prp1=75000 SLBA=1048576 MNDW=1024 RL=64 ATYPE=10");

    /* commands without a field decoder: data pointer and the command dwords */
    ev = sub(0, 0x24, 0x0017, 0);
    set_cdw(&ev, 10, 0x1234);
    set_cdw(&ev, 14, 5);
    EXPECT(ev, "ADM SQ=0 CID=0017 OPC=Lockdown NSID=0 prp1=0 CDW10=00001234 CDW14=00000005");
    ev = sub(0, 0xc5, 0x0018, 1);
    set_prp(&ev, 0x76000, 0x77000);
    EXPECT(ev, "ADM SQ=0 CID=0018 OPC=Vendor specific (0xc5) NSID=1 prp1=76000 prp2=77000 CDW10=00000000");
    /* admin C0h-FFh are vendor specific, BFh is reserved */
    ev = sub(0, 0xbf, 0x0019, 1);
    EXPECT(ev, "ADM SQ=0 CID=0019 OPC=0xbf NSID=1 prp1=0 CDW10=00000000");
}

/* ---- I/O submissions ---- */

static void test_io(void)
{
    nvt_event ev = sub(1, 0x02, 0x0041, 1);
    le64(ev.u.sub.sqe + 40, 0);
    set_cdw(&ev, 12, 7);
    set_prp(&ev, 0x3a5b000, 0x3a5c000);
    EXPECT(ev, "IO  SQ=1 CID=0041 OPC=Read NSID=1 SLBA=0 NLB=8 prp1=3a5b000 prp2=3a5c000");
    ev.u.sub.sqe[0] = 0x01;
    le64(ev.u.sub.sqe + 40, 0x123456789ull);
    set_cdw(&ev, 12, 1u << 30 | 0xffff);
    EXPECT(ev, "IO  SQ=1 CID=0041 OPC=Write NSID=1 SLBA=4886718345 NLB=65536 prp1=3a5b000 prp2=3a5c000 FUA");
    set_cdw(&ev, 12, 1u << 31 | 0xdu << 26);
    EXPECT(ev, "IO  SQ=1 CID=0041 OPC=Write NSID=1 SLBA=4886718345 NLB=1 prp1=3a5b000 prp2=3a5c000 LR PRINFO=d");
    /* fused Compare and Write */
    ev = sub(2, 0x05, 0x0100, 1);
    ev.u.sub.sqe[1] = 0x01;
    set_prp(&ev, 0x1000, 0);
    EXPECT(ev, "IO  SQ=2 CID=0100 OPC=Compare NSID=1 FUSE=first SLBA=0 NLB=1 prp1=1000 prp2=0");
    ev.u.sub.sqe[0] = 0x01;
    ev.u.sub.sqe[1] = 0x02;
    EXPECT(ev, "IO  SQ=2 CID=0100 OPC=Write NSID=1 FUSE=second SLBA=0 NLB=1 prp1=1000 prp2=0");
    /* SGL data pointer (PSDT = 01b) */
    ev = sub(1, 0x02, 0x0042, 1);
    ev.u.sub.sqe[1] = 0x40;
    le64(ev.u.sub.sqe + 24, 0x88000);
    le32(ev.u.sub.sqe + 32, 4096);
    ev.u.sub.sqe[39] = 0x00;
    set_cdw(&ev, 12, 7);
    EXPECT(ev, "IO  SQ=1 CID=0042 OPC=Read NSID=1 SLBA=0 NLB=8 sgl=88000 len=1000 sglid=00");

    ev = sub(1, 0x00, 0x0001, 1);
    EXPECT(ev, "IO  SQ=1 CID=0001 OPC=Flush NSID=1");
    ev = sub(3, 0x08, 0x0002, 1);
    le64(ev.u.sub.sqe + 40, 2048);
    set_cdw(&ev, 12, 1u << 25 | 15);
    EXPECT(ev, "IO  SQ=3 CID=0002 OPC=Write Zeroes NSID=1 SLBA=2048 NLB=16 DEAC");
    ev.u.sub.sqe[0] = 0x04;
    EXPECT(ev, "IO  SQ=3 CID=0002 OPC=Write Uncorrectable NSID=1 SLBA=2048 NLB=16");
    ev.u.sub.sqe[0] = 0x0c;
    EXPECT(ev, "IO  SQ=3 CID=0002 OPC=Verify NSID=1 SLBA=2048 NLB=16");

    /* Dataset Management: NR is 0's based and shown as the number of ranges */
    ev = sub(1, 0x09, 0x0003, 1);
    set_prp(&ev, 0x5000, 0);
    set_cdw(&ev, 10, 0);
    set_cdw(&ev, 11, 1u << 2);
    EXPECT(ev, "IO  SQ=1 CID=0003 OPC=Dataset Management NSID=1 NR=1 attr=AD prp1=5000");
    set_cdw(&ev, 10, 255);
    set_cdw(&ev, 11, 7);
    EXPECT(ev, "IO  SQ=1 CID=0003 OPC=Dataset Management NSID=1 NR=256 attr=IDR,IDW,AD prp1=5000");
    set_cdw(&ev, 11, 0);
    EXPECT(ev, "IO  SQ=1 CID=0003 OPC=Dataset Management NSID=1 NR=256 attr=0 prp1=5000");

    ev = sub(1, 0x19, 0x0004, 1);
    set_prp(&ev, 0x6000, 0);
    le64(ev.u.sub.sqe + 40, 4096);
    set_cdw(&ev, 12, 1);
    EXPECT(ev, "IO  SQ=1 CID=0004 OPC=Copy NSID=1 SDLBA=4096 NR=2 prp1=6000");
    ev = sub(1, 0x7d, 0x0005, 2);
    set_prp(&ev, 0x7000, 0);
    le64(ev.u.sub.sqe + 40, 0x80000);
    set_cdw(&ev, 12, 7);
    EXPECT(ev, "IO  SQ=1 CID=0005 OPC=Zone Append NSID=2 ZSLBA=524288 NLB=8 prp1=7000 prp2=0");

    /* no field decoder: reservations, zone management, unknown opcodes */
    ev = sub(1, 0x11, 0x0006, 1);
    set_prp(&ev, 0x8000, 0);
    set_cdw(&ev, 10, 1u << 8 | 1);
    EXPECT(ev, "IO  SQ=1 CID=0006 OPC=Reservation Acquire NSID=1 prp1=8000 CDW10=00000101");
    ev = sub(4, 0x99, 0xffff, 1);
    set_cdw(&ev, 12, 9);
    EXPECT(ev, "IO  SQ=4 CID=ffff OPC=Vendor specific (0x99) NSID=1 prp1=0 CDW10=00000000 CDW12=00000009");
    /* I/O 80h-FFh are vendor specific, 7Fh and below without a name are reserved */
    ev = sub(1, 0x80, 0x0007, 1);
    EXPECT(ev, "IO  SQ=1 CID=0007 OPC=Vendor specific (0x80) NSID=1 prp1=0 CDW10=00000000");
    ev = sub(1, 0x7f, 0x0008, 1);
    EXPECT(ev, "IO  SQ=1 CID=0008 OPC=0x7f NSID=1 prp1=0 CDW10=00000000");
}

/* ---- reconstructed submissions: unknown bytes print as '?' ---- */

static void test_reconstructed(void)
{
    /* QEMU's log gives opcode, cid, nsid, slba and nlb, but no PRPs */
    nvt_event ev = sub(1, 0x02, 0x0041, 1);
    le64(ev.u.sub.sqe + 40, 8);
    set_cdw(&ev, 12, 7);
    const unsigned rw[] = {0, 1, 2, 2, 4, 4, 40, 8, 48, 2};
    known_only(&ev, rw, sizeof rw / sizeof rw[0]);
    EXPECT(ev, "IO  SQ=1 CID=0041 OPC=Read NSID=1 SLBA=8 NLB=8 prp1=? prp2=?");
    /* the bytes behind an unknown field are never shown, even if they hold a value */
    set_prp(&ev, 0x1000, 0x2000);
    EXPECT(ev, "IO  SQ=1 CID=0041 OPC=Read NSID=1 SLBA=8 NLB=8 prp1=? prp2=?");
    /* flags in the unknown high half of CDW12 are not claimed to be clear or set */
    set_cdw(&ev, 12, 1u << 30 | 7);
    EXPECT(ev, "IO  SQ=1 CID=0041 OPC=Read NSID=1 SLBA=8 NLB=8 prp1=? prp2=?");
    /* the same entry without NVT_F_RECONSTRUCTED: the mask is not consulted */
    ev.flags = 0;
    EXPECT(ev, "IO  SQ=1 CID=0041 OPC=Read NSID=1 SLBA=8 NLB=8 prp1=1000 prp2=2000 FUA");

    /* unknown opcode: the generic form */
    ev = sub(1, 0x02, 0x0041, 1);
    const unsigned cid_only[] = {2, 2};
    known_only(&ev, cid_only, 2);
    EXPECT(ev, "IO  SQ=1 CID=0041 OPC=? NSID=? prp1=? CDW10=?");
    /* nothing known at all */
    ev.u.sub.known = 0;
    EXPECT(ev, "IO  SQ=1 CID=? OPC=? NSID=? prp1=? CDW10=?");

    /* admin: Identify with a known prp but unknown CNS */
    ev = sub(0, 0x06, 0x0003, 0);
    set_prp(&ev, 0xbfb24000, 0);
    const unsigned id[] = {0, 4, 4, 4, 24, 8};
    known_only(&ev, id, sizeof id / sizeof id[0]);
    EXPECT(ev, "ADM SQ=0 CID=0003 OPC=Identify NSID=0 prp1=bfb24000 CNS=?");
    /* Create I/O CQ from QEMU's pci_nvme_create_cq (no interrupt-enable bit) */
    ev = sub(0, 0x05, 0x0004, 0);
    set_prp(&ev, 0x11a000, 0);
    set_cdw(&ev, 10, 63u << 16 | 2);
    set_cdw(&ev, 11, 2u << 16 | 3);
    const unsigned cq[] = {0, 4, 24, 8, 40, 4, 46, 2};
    known_only(&ev, cq, sizeof cq / sizeof cq[0]);
    EXPECT(ev, "ADM SQ=0 CID=0004 OPC=Create I/O Completion Queue NSID=? prp1=11a000 QID=2 QSIZE=64 "
               "IV=2 IEN=? PC=?");
    /* Get Log Page: LID known, NUMD half known */
    ev = sub(0, 0x02, 0x0005, 0);
    set_cdw(&ev, 10, 0x02);
    const unsigned glp[] = {0, 8, 40, 1, 42, 2};
    known_only(&ev, glp, sizeof glp / sizeof glp[0]);
    EXPECT(ev, "ADM SQ=0 CID=0005 OPC=Get Log Page NSID=0 prp1=? LID=0x02 (SMART / Health Information) NUMD=?");
    /* generic form: CDW11..15 appear only when known */
    ev = sub(0, 0x24, 0x0006, 0);
    set_cdw(&ev, 11, 9);
    set_cdw(&ev, 12, 10);
    const unsigned lk[] = {0, 8, 44, 4};
    known_only(&ev, lk, sizeof lk / sizeof lk[0]);
    EXPECT(ev, "ADM SQ=0 CID=0006 OPC=Lockdown NSID=0 prp1=? CDW10=? CDW11=00000009");
}

/* ---- completions ---- */

static void test_completion(void)
{
    nvt_event ev = cpl(0, 0, 0x0000, 0x0000, 1, 0, 1);
    EXPECT(ev, "CPL SQ=0 CID=0000 P=1 STS=0x0000 CDW0=00000000 SQHD=0001");
    /* the status field without the phase tag: DNR (bit 14) | SC 02h */
    ev = cpl(0, 0, 0x0000, 0x4002, 1, 0, 1);
    EXPECT(ev, "CPL SQ=0 CID=0000 P=1 STS=0x4002 (Invalid Field in Command) CDW0=00000000 SQHD=0001");
    ev = cpl(1, 1, 0x0041, 0x0281, 0, 0, 0x1f);
    EXPECT(ev, "CPL SQ=1 CID=0041 P=0 STS=0x0281 (Unrecovered Read Error) CDW0=00000000 SQHD=001f");
    ev = cpl(0, 0, 0x0003, 0x0101, 1, 0, 4);
    EXPECT(ev, "CPL SQ=0 CID=0003 P=1 STS=0x0101 (Invalid Queue Identifier) CDW0=00000000 SQHD=0004");
    ev = cpl(0, 0, 0x0003, 0x0108, 1, 0, 4);
    EXPECT(ev, "CPL SQ=0 CID=0003 P=1 STS=0x0108 (Invalid Interrupt Vector) CDW0=00000000 SQHD=0004");
    /* CRD and More bits with SC 0 */
    ev = cpl(0, 0, 0x0003, 0x2800, 1, 0, 4);
    EXPECT(ev, "CPL SQ=0 CID=0003 P=1 STS=0x2800 (Successful Completion) CDW0=00000000 SQHD=0004");
    /* codes without a name: the type's name and SC, or SCT and SC */
    ev = cpl(0, 0, 0x0003, 0x0199, 1, 0, 4);
    EXPECT(ev, "CPL SQ=0 CID=0003 P=1 STS=0x0199 (Command Specific Status 0x99) CDW0=00000000 SQHD=0004");
    ev = cpl(0, 0, 0x0003, 0x0701, 1, 0, 4);
    EXPECT(ev, "CPL SQ=0 CID=0003 P=1 STS=0x0701 (Vendor Specific 0x01) CDW0=00000000 SQHD=0004");
    ev = cpl(0, 0, 0x0003, 0x0501, 1, 0, 4);
    EXPECT(ev, "CPL SQ=0 CID=0003 P=1 STS=0x0501 (SCT 5 SC 0x01) CDW0=00000000 SQHD=0004");
    /* dw0 result, dw1, and a CQ shared by another SQ */
    ev = cpl(2, 3, 0x0010, 0, 1, 0x003f003f, 7);
    le32(ev.u.cpl.cqe + 4, 0x55);
    EXPECT(ev, "CPL SQ=3 CID=0010 P=1 STS=0x0000 CDW0=003f003f CDW1=00000055 SQHD=0007 CQ=2");

    /* reconstructed: QEMU logs cid, sqid and status but not sq head or dw0 here */
    ev = cpl(1, 1, 0x0041, 0x0002, 1, 0x1234, 9);
    ev.flags = NVT_F_RECONSTRUCTED;
    ev.u.cpl.known = 0x3 << 10 | 0x3 << 12 | 0x3 << 14;
    EXPECT(ev, "CPL SQ=1 CID=0041 P=1 STS=0x0002 (Invalid Field in Command) CDW0=? SQHD=?");
    ev.u.cpl.known = 0x3 << 12;
    EXPECT(ev, "CPL SQ=? CID=0041 P=? STS=? CDW0=? SQHD=? CQ=1");
    ev.u.cpl.known = 0x1 << 14 | 0x3 << 10;
    EXPECT(ev, "CPL SQ=1 CID=? P=1 STS=? CDW0=? SQHD=?");
}

/* ---- DMA, state, annotations, stats, unknown types ---- */

static void test_dma(void)
{
    static const uint8_t data[16] = {0};
    nvt_event ev = event(NVT_EV_DMA_READ);
    ev.u.dma.gpa = 0xbfb24000;
    ev.u.dma.len = 4096;
    ev.u.dma.caplen = 4096;
    ev.u.dma.sqid = NVT_QID_UNKNOWN;
    ev.u.dma.cid = 0xffff;
    ev.u.dma.data = data;
    EXPECT(ev, "DMA-R gpa=bfb24000 len=4096");
    ev.type = NVT_EV_DMA_WRITE;
    ev.u.dma.sqid = 1;
    ev.u.dma.cid = 0x41;
    EXPECT(ev, "DMA-W gpa=bfb24000 len=4096 SQ=1 CID=0041");
    ev.flags = NVT_F_TRUNCATED;
    ev.u.dma.caplen = 512;
    EXPECT(ev, "DMA-W gpa=bfb24000 len=4096 SQ=1 CID=0041 trunc=512");
    /* cut without the flag still says so */
    ev.flags = 0;
    ev.u.dma.sqid = 0;
    ev.u.dma.cid = 0xffff;
    ev.u.dma.caplen = 16;
    EXPECT(ev, "DMA-W gpa=bfb24000 len=4096 SQ=0 trunc=16");
}

static void test_state(void)
{
    static const char *const names[NVT_STATE_MAX + 1] = {
        NULL, "reset", "enable", "ready", "disable", "shutdown-start", "shutdown-done", "fatal",
        "enable-failed"};
    nvt_event ev = event(NVT_EV_CTRL_STATE);
    char want[64];
    for (unsigned s = 1; s <= NVT_STATE_MAX; s++) {
        ev.u.state.state = (uint8_t)s;
        snprintf(want, sizeof want, "STATE %s", names[s]);
        EXPECT(ev, want);
    }
    ev.u.state.state = NVT_STATE_ENABLE;
    ev.u.state.value = 0x00460001;
    EXPECT(ev, "STATE enable value=00460001");
    ev.u.state.state = 99;
    ev.u.state.value = 0;
    EXPECT(ev, "STATE 99");
}

static nvt_event note(uint8_t level, const char *text)
{
    nvt_event ev = event(NVT_EV_ANNOTATION);
    ev.u.ann.level = level;
    ev.u.ann.text = text;
    ev.u.ann.len = text ? (uint16_t)strlen(text) : 0;
    return ev;
}

static void test_annotation(void)
{
    nvt_event ev = note(NVT_ANN_NOTE, "guest bugcheck 0x7B");
    EXPECT(ev, "NOTE guest bugcheck 0x7B");
    ev = note(NVT_ANN_WARNING, "importer: line 12 skipped");
    EXPECT(ev, "NOTE warning: importer: line 12 skipped");
    ev = note(NVT_ANN_ERROR, "x");
    EXPECT(ev, "NOTE error: x");
    ev = note(NVT_ANN_MARKER, "boot done");
    EXPECT(ev, "NOTE marker: boot done");
    ev = note(9, "y");
    EXPECT(ev, "NOTE level=9: y");
    /* one line whatever the text holds; UTF-8 passes through */
    ev = note(NVT_ANN_NOTE, "a\nb\tc\\d\r\x01\x7f \xc3\xa9");
    EXPECT(ev, "NOTE a\\nb\\tc\\\\d\\r\\x01\\x7f \xc3\xa9");
    /* the text is not NUL-terminated: only len bytes are used */
    ev = note(NVT_ANN_NOTE, "abcdef");
    ev.u.ann.len = 3;
    EXPECT(ev, "NOTE abc");
    /* no text: no trailing blank */
    ev = note(NVT_ANN_NOTE, NULL);
    EXPECT(ev, "NOTE");
    ev = note(NVT_ANN_ERROR, "");
    EXPECT(ev, "NOTE error:");
}

static void test_stats(void)
{
    nvt_event ev = event(NVT_EV_CAPTURE_STATS);
    ev.u.stats.recorded = 123456;
    ev.u.stats.dropped = 7;
    ev.u.stats.overflows = 2;
    ev.u.stats.warnings = 0;
    EXPECT(ev, "STATS recorded=123456 dropped=7 overflows=2 warnings=0");
    ev.u.stats.recorded = UINT64_MAX;
    EXPECT(ev, "STATS recorded=18446744073709551615 dropped=7 overflows=2 warnings=0");

    ev = event(0);
    EXPECT(ev, "UNKNOWN type=0");
    ev = event(200);
    EXPECT(ev, "UNKNOWN type=200");
}

/* Line tags that name an event type are the names `nvmetrace dump` filters on. */
static void test_tags(void)
{
    static const unsigned types[] = {NVT_EV_DOORBELL, NVT_EV_MSIX_ACCESS, NVT_EV_MSIX_CTRL,
                                     NVT_EV_INTERRUPT, NVT_EV_COMPLETION, NVT_EV_CTRL_STATE,
                                     NVT_EV_ANNOTATION, NVT_EV_CAPTURE_STATS};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        nvt_event ev = event(types[i]);
        char buf[256];
        nvt_event_describe(&ev, buf, sizeof buf);
        const char *tag = nvt_event_type_name(types[i]);
        size_t n = strlen(tag);
        CHECK(strncmp(buf, tag, n) == 0 && (buf[n] == ' ' || buf[n] == '\0'));
    }
}

/* ---- truncation: snprintf semantics ---- */

/* Describes ev into every buffer size from 0 to the full length + 1 and checks: the return
 * value is always the full length, the text is the longest prefix that fits with its NUL, and
 * not one byte past len is written. */
static void check_all_sizes(const nvt_event *ev)
{
    char full[1024];
    size_t n = nvt_event_describe(ev, full, sizeof full);
    CHECK(n > 0 && n < sizeof full);
    CHECK_EQ_U64(strlen(full), n);
    int bad = 0;
    for (size_t len = 0; len <= n + 1; len++) {
        char *buf = malloc(len + 8);
        memset(buf, 0x5a, len + 8);
        size_t r = nvt_event_describe(ev, buf, len);
        bad += r != n;
        if (len > 0) {
            size_t keep = len - 1 < n ? len - 1 : n;
            bad += memcmp(buf, full, keep) != 0 || buf[keep] != '\0';
        }
        for (size_t k = len; k < len + 8; k++)
            bad += buf[k] != 0x5a;
        free(buf);
    }
    CHECK_EQ_U64(bad, 0);
    /* no buffer at all: only the length */
    CHECK_EQ_U64(nvt_event_describe(ev, NULL, 0), n);
}

static void test_truncation(void)
{
    nvt_event ev = sub(1, 0x02, 0x0041, 1);
    set_cdw(&ev, 12, 7);
    set_prp(&ev, 0x3a5b000, 0x3a5c000);
    check_all_sizes(&ev);
    ev = cpl(0, 0, 0x0000, 0x4002, 1, 0, 1);
    check_all_sizes(&ev);

    /* a long annotation with escapes (written a character at a time) */
    char text[600];
    for (size_t i = 0; i < sizeof text - 1; i++)
        text[i] = i % 50 == 49 ? '\n' : (char)('a' + i % 26);
    text[sizeof text - 1] = '\0';
    ev = note(NVT_ANN_WARNING, text);
    check_all_sizes(&ev);
    char small[16];
    size_t n = nvt_event_describe(&ev, small, sizeof small);
    CHECK_EQ_U64(n, strlen("NOTE warning: ") + 599 + 11); /* 11 newlines, each "\n" -> 2 chars */
    CHECK_STR(small, "NOTE warning: a");
}

int main(void)
{
    test_mmio();
    test_cfg();
    test_bar();
    test_doorbell();
    test_msix();
    test_irq();
    test_admin();
    test_io();
    test_reconstructed();
    test_completion();
    test_dma();
    test_state();
    test_annotation();
    test_stats();
    test_tags();
    test_truncation();
    TEST_DONE();
}

/* nvt-gen-random OUT SEED [N]: N well-formed records with nonsense in them (random types,
 * queue ids, CIDs, sizes, BAR and config values, doorbells, interrupts, reconstructed masks),
 * written with the project's writer, so the analyzers meet every odd state a trace can put
 * the model in: completions before submissions, doorbells for queues of 65535 entries,
 * identify data for commands that do not exist. test_random.sh runs every analyze command on
 * them (under the sanitizers in the sanitizer build): none may crash or report a bad trace.
 * Well-formed means within the schema's value rules (docs/format.md, "What the reader
 * rejects"), which the writer enforces; the last record is the end marker. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmetrace/format.h"

static uint64_t state;

static uint32_t rnd(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (uint32_t)(state >> 16);
}

/* Small values most of the time, anything sometimes: the model's interesting cases are
 * near queue 0-3, CID 0-7, offsets of real registers. */
static uint32_t pick(uint32_t small)
{
    return rnd() % 8 ? rnd() % small : rnd();
}

/* value cut to an access of size bytes */
static uint64_t fit(uint64_t value, unsigned size)
{
    return size >= 8 ? value : value & ((1ull << (8 * size)) - 1);
}

/* Bytes outside the known-byte mask are zero (the schema's rule). */
static void clear_unknown(uint8_t *entry, unsigned n, uint64_t known)
{
    for (unsigned k = 0; k < n; k++)
        if (!(known >> k & 1))
            entry[k] = 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: nvt-gen-random OUT SEED [N]\n");
        return 2;
    }
    state = strtoull(argv[2], NULL, 0) * 2654435761u + 1;
    long n = argc > 3 ? atol(argv[3]) : 5000;
    nvt_error err;
    nvt_writer *w = nvt_writer_open(argv[1], NULL, &err);
    if (!w) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    for (int d = 0; d < 3; d++) {
        nvt_device dev;
        memset(&dev, 0, sizeof dev);
        snprintf(dev.bdf, sizeof dev.bdf, "0000:00:0%d.0", d + 2);
        dev.vendor_id = 0x1b36;
        dev.device_id = 0x0010;
        if (nvt_writer_add_device(w, &dev, &err) < 0) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
    }
    static const uint16_t regs[] = {0x00, 0x04, 0x08, 0x14, 0x1c, 0x24, 0x28, 0x2c, 0x30, 0x34,
                                    0x1000, 0x1004, 0x1008, 0x100c};
    static const uint16_t cfgs[] = {0x04, 0x10, 0x14, 0x18, 0x34, 0x40, 0x42, 0x43, 0x50, 0x52};
    static uint8_t data[4096];
    uint64_t ts = 1000000;
    uint64_t events = 0; /* records other than capture statistics */
    for (long i = 0; i < n; i++) {
        nvt_event ev;
        memset(&ev, 0, sizeof ev);
        ev.type = (uint8_t)(1 + rnd() % NVT_EV_TYPE_MAX);
        ev.device = rnd() % 3;
        ts += rnd() % 3000;
        ev.ts_ns = rnd() % 50 ? ts : ts - rnd() % 100000; /* now and then out of order */
        int rec = rnd() % 4 == 0;
        switch (ev.type) {
        case NVT_EV_CFG_READ:
        case NVT_EV_CFG_WRITE:
            ev.u.cfg.offset = rnd() % 3 ? cfgs[rnd() % 10] : (uint16_t)(rnd() % 256);
            ev.u.cfg.size = (uint8_t)(1u << (rnd() % 3));
            ev.u.cfg.value = (uint32_t)fit(rnd() % 4 ? pick(0x10000) : 0xffffffffu, ev.u.cfg.size);
            if (rec)
                ev.flags = NVT_F_RECONSTRUCTED;
            break;
        case NVT_EV_MMIO_READ:
        case NVT_EV_MMIO_WRITE:
            ev.u.mmio.bar = (uint8_t)(rnd() % 8 ? 0 : rnd() % 6);
            ev.u.mmio.size = (uint8_t)(rnd() % 2 ? 4 : 8);
            ev.u.mmio.offset = rnd() % 3 ? regs[rnd() % 14] : pick(0x4000);
            ev.u.mmio.value = fit((uint64_t)pick(0x1000000) << (rnd() % 2 ? 0 : 32) | rnd() % 2,
                                  ev.u.mmio.size);
            ev.u.mmio.gpa = rnd() % 2 ? 0xfebf0000ull + ev.u.mmio.offset : rnd();
            if (ev.type == NVT_EV_MMIO_READ && rnd() % 3 == 0) {
                ev.flags = NVT_F_VALUE_UNKNOWN;
                ev.u.mmio.value = 0;
            }
            break;
        case NVT_EV_BAR_MAP:
        case NVT_EV_BAR_UNMAP:
            ev.u.bar.bar = (uint8_t)(rnd() % 6);
            ev.u.bar.flags = (uint8_t)(rnd() % 8);
            ev.u.bar.addr = rnd() % 2 ? 0xfebf0000ull : (uint64_t)rnd() << 12;
            ev.u.bar.size = rnd() % 2 ? 0x4000 : (uint64_t)1 << (rnd() % 40);
            break;
        case NVT_EV_DOORBELL:
            ev.u.doorbell.qid = (uint16_t)pick(4);
            ev.u.doorbell.is_cq = (uint8_t)(rnd() % 2);
            ev.u.doorbell.value = pick(70);
            break;
        case NVT_EV_MSIX_ACCESS:
            ev.u.msix.field = (uint8_t)(rnd() % 6);
            ev.u.msix.entry = (uint16_t)(pick(70) % (ev.u.msix.field >= NVT_MSIX_PBA_LO
                                                         ? NVT_MSIX_MAX_ENTRIES / 64
                                                         : NVT_MSIX_MAX_ENTRIES));
            ev.u.msix.is_write = (uint8_t)(rnd() % 2);
            ev.u.msix.value = rnd();
            break;
        case NVT_EV_MSIX_CTRL:
            ev.u.msix_ctrl.enabled = (uint8_t)(rnd() % 2);
            ev.u.msix_ctrl.masked = (uint8_t)(rnd() % 2);
            ev.u.msix_ctrl.table_size = (uint16_t)(pick(70) % (NVT_MSIX_MAX_ENTRIES + 1));
            break;
        case NVT_EV_INTERRUPT:
            ev.u.irq.kind = (uint8_t)(rnd() % 4);
            ev.u.irq.vector = (uint16_t)(pick(70) % (ev.u.irq.kind == NVT_IRQ_MSIX ? NVT_MSIX_MAX_ENTRIES
                                                      : ev.u.irq.kind == NVT_IRQ_MSI ? NVT_MSI_MAX_VECTORS
                                                                                     : NVT_INTX_PINS));
            break;
        case NVT_EV_SUBMISSION:
            ev.u.sub.qid = (uint16_t)pick(4);
            ev.u.sub.slot = (uint16_t)pick(64);
            for (int k = 0; k < NVT_SQE_LEN; k++)
                ev.u.sub.sqe[k] = (uint8_t)(k < 4 || (k >= 40 && k < 50) ? pick(8) : rnd());
            ev.u.sub.sqe[0] = (uint8_t)(rnd() % 2 ? rnd() % 13 : rnd());
            ev.u.sub.known = UINT64_MAX;
            if (rec) {
                ev.flags = NVT_F_RECONSTRUCTED;
                ev.u.sub.known = (uint64_t)rnd() << 32 | rnd();
                clear_unknown(ev.u.sub.sqe, NVT_SQE_LEN, ev.u.sub.known);
            }
            break;
        case NVT_EV_COMPLETION:
            ev.u.cpl.qid = (uint16_t)pick(4);
            ev.u.cpl.slot = (uint16_t)(rnd() % 4 ? pick(64) : NVT_SLOT_UNKNOWN);
            for (int k = 0; k < NVT_CQE_LEN; k++)
                ev.u.cpl.cqe[k] = (uint8_t)(k >= 10 && k < 14 ? pick(8) : rnd() % 4 ? 0 : rnd());
            ev.u.cpl.known = 0xffff;
            if (rec) {
                ev.flags = NVT_F_RECONSTRUCTED;
                ev.u.cpl.known = (uint16_t)rnd();
                clear_unknown(ev.u.cpl.cqe, NVT_CQE_LEN, ev.u.cpl.known);
            }
            break;
        case NVT_EV_DMA_READ:
        case NVT_EV_DMA_WRITE:
            for (size_t k = 0; k < sizeof data; k++)
                data[k] = (uint8_t)rnd();
            ev.u.dma.gpa = rnd() % 2 ? 0x20000000ull + (rnd() % 4) * 0x1000 : rnd();
            ev.u.dma.len = pick(8192);
            ev.u.dma.caplen = ev.u.dma.len < 4096 ? ev.u.dma.len : 4096;
            if (ev.u.dma.caplen < ev.u.dma.len)
                ev.flags = NVT_F_TRUNCATED;
            ev.u.dma.sqid = (uint16_t)(rnd() % 3 ? pick(4) : NVT_QID_UNKNOWN);
            ev.u.dma.cid = (uint16_t)(rnd() % 3 ? pick(8) : 0xffff);
            ev.u.dma.data = data;
            break;
        case NVT_EV_CTRL_STATE:
            ev.u.state.state = (uint8_t)(1 + rnd() % NVT_STATE_MAX);
            ev.u.state.value = rnd();
            break;
        case NVT_EV_ANNOTATION:
            ev.u.ann.level = (uint8_t)(rnd() % 4);
            ev.u.ann.text = "<script>alert(1)</script> & \"quotes\"";
            ev.u.ann.len = (uint16_t)strlen(ev.u.ann.text);
            break;
        case NVT_EV_CAPTURE_STATS:
            ev.u.stats.recorded = events;
            ev.u.stats.dropped = rnd() % 10 ? 0 : rnd() % 100;
            break;
        default:
            break;
        }
        if (nvt_writer_write(w, &ev, NULL, &err) < 0) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        events += ev.type != NVT_EV_CAPTURE_STATS;
    }
    nvt_event end;
    memset(&end, 0, sizeof end);
    end.type = NVT_EV_CAPTURE_STATS;
    end.ts_ns = ts;
    end.u.stats.recorded = events;
    if (nvt_writer_write(w, &end, NULL, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    if (nvt_writer_close(w, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    return 0;
}
